package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/store/storetest"
)

// TestEveryRouteIsDocumented: the document is built from the route table;
// this checks that each route has an operation with a success response.
func TestEveryRouteIsDocumented(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]any `json:"responses"`
		} `json:"paths"`
	}
	e.call("GET", "/api/v1/openapi.json", "", nil, 200, &doc)
	for _, rt := range e.api.Routes() {
		op, ok := doc.Paths[rt.Pattern][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("%s %s is not in the document", rt.Method, rt.Pattern)
			continue
		}
		success := false
		for code := range op.Responses {
			success = success || strings.HasPrefix(code, "2")
		}
		if !success {
			t.Errorf("%s %s documents no success response", rt.Method, rt.Pattern)
		}
	}
}

func TestAuthentication(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.call("GET", "/api/v1/enterprises", "", nil, 401, nil)
		e.call("GET", "/api/v1/enterprises", "yjs_not-a-token", nil, 401, nil)
		status, body, _ := e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": "nope"}, nil)
		if status != 401 || problemOf(t, body).Code != "unauthorized" {
			t.Errorf("wrong password: %d %s", status, body)
		}
		status, _, _ = e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "nobody", "password": "nope"}, nil)
		if status != 401 {
			t.Errorf("unknown user: %d", status)
		}
		var me struct {
			User        struct{ Username, Role string }
			Permissions []string
		}
		e.call("GET", "/api/v1/auth/me", "viewer", nil, 200, &me)
		if me.User.Username != "viewer" || len(me.Permissions) != len(mustRole(t, "viewer").Permissions) {
			t.Errorf("me = %+v", me)
		}

		// machine tokens: create, use, revoke.
		var tok struct{ Token string }
		e.call("POST", "/api/v1/auth/tokens", "viewer", map[string]any{"name": "气象局接口", "days": 30, "scopes": []string{"registry.read"}}, 201, &tok)
		e.call("GET", "/api/v1/divisions?level=county", tok.Token, nil, 200, nil)
		var toks struct {
			Items []struct {
				ID   int64
				Kind string
			}
		}
		e.call("GET", "/api/v1/auth/tokens", "viewer", nil, 200, &toks)
		for _, it := range toks.Items {
			if it.Kind == "api" {
				e.call("DELETE", "/api/v1/auth/tokens/"+itoa(it.ID), "viewer", nil, 204, nil)
			}
		}
		e.call("GET", "/api/v1/divisions?level=county", tok.Token, nil, 401, nil)

		// logout ends the session.
		e.call("POST", "/api/v1/auth/logout", "viewer", nil, 204, nil)
		e.call("GET", "/api/v1/auth/me", "viewer", nil, 401, nil)
	})
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestCookieSessionRefusesCrossSiteWrites(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	send := func(method, site string) int {
		req, _ := http.NewRequest(method, e.url+"/api/v1/auth/tokens", strings.NewReader(`{"name":"x","scopes":["registry.read"]}`))
		req.AddCookie(&http.Cookie{Name: "yingji_session", Value: e.tokens["viewer"]})
		req.Header.Set("Sec-Fetch-Site", site)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := send("GET", "cross-site"); got != 200 {
		t.Errorf("cookie GET = %d, want 200", got)
	}
	if got := send("POST", "cross-site"); got != 403 {
		t.Errorf("cross-site cookie POST = %d, want 403", got)
	}
	if got := send("POST", "same-origin"); got != 201 {
		t.Errorf("same-origin cookie POST = %d, want 201", got)
	}
}

func TestDivisions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		var list struct {
			Items []struct {
				Code, Name string
				Center     []float64
			}
			Total int
		}
		e.call("GET", "/api/v1/divisions?level=county", "viewer", nil, 200, &list)
		if list.Total != 5 || list.Items[0].Code != "530502" || list.Items[0].Name != "隆阳区" || len(list.Items[0].Center) != 2 {
			t.Errorf("counties = %+v", list)
		}
		e.call("GET", "/api/v1/divisions/530581/children", "viewer", nil, 200, &list)
		if list.Total == 0 || !strings.HasPrefix(list.Items[0].Code, "530581") {
			t.Errorf("children of Tengchong = %+v", list)
		}
		e.call("GET", "/api/v1/divisions?level=village&parent=530502", "viewer", nil, 200, &list)
		for _, d := range list.Items {
			if !strings.HasPrefix(d.Code, "530502") || len(d.Code) != 12 {
				t.Fatalf("village filter returned %s", d.Code)
			}
		}
		e.call("GET", "/api/v1/divisions/"+list.Items[0].Code+"/ancestors", "viewer", nil, 200, &list)
		if list.Total != 3 || list.Items[0].Code != "530500" {
			t.Errorf("ancestors of a village = %+v", list)
		}
		var loc struct {
			Division  struct{ Code string }
			Ancestors []struct{ Code string }
		}
		e.call("GET", "/api/v1/divisions/locate?lon=98.490966&lat=25.020439", "viewer", nil, 200, &loc)
		if loc.Division.Code != "530581" || len(loc.Ancestors) != 1 {
			t.Errorf("locate = %+v", loc)
		}
		e.call("GET", "/api/v1/divisions/locate?lon=116.4&lat=39.9", "viewer", nil, 404, nil)
		e.call("GET", "/api/v1/divisions/locate?lon=east&lat=39.9", "viewer", nil, 422, nil)
		for _, q := range []string{"lon=NaN&lat=25", "lon=99&lat=NaN", "lon=Inf&lat=25"} {
			e.call("GET", "/api/v1/divisions/locate?"+q, "viewer", nil, 422, nil)
		}
		e.call("GET", "/api/v1/divisions/999999", "viewer", nil, 404, nil)
		var fc struct{ Features []any }
		e.call("GET", "/api/v1/divisions?format=geojson", "viewer", nil, 200, &fc)
		if len(fc.Features) != 5 {
			t.Errorf("%d boundary features, want 5", len(fc.Features))
		}

		// imports: bad rows are all reported and nothing changes; viewers may not import.
		bad := "code,name,level,parent_code\n530502999,新乡,township,530502\n53050299,坏码,township,530502\n530581999,,township,530581\n"
		e.call("POST", "/api/v1/divisions/import", "viewer", bad, 403, nil)
		status, body, _ := e.do("POST", "/api/v1/divisions/import", "sysadmin", bad, http.Header{"Content-Type": {"text/csv"}})
		p := problemOf(t, body)
		if status != 422 || len(p.Errors) != 2 || p.Errors[0].Row != 3 || p.Errors[1].Row != 4 {
			t.Errorf("bad import = %d %+v", status, p)
		}
		e.call("GET", "/api/v1/divisions/530502999", "viewer", nil, 404, nil)
		good := "code,name,level,parent_code\n530502999,新乡,township,530502\n"
		var res struct{ Inserted int }
		e.call("POST", "/api/v1/divisions/import", "admin", good, 403, nil) // the division tree is the system administrator's (三员分立)
		e.call("POST", "/api/v1/divisions/import", "sysadmin", good, 200, &res)
		if res.Inserted != 1 {
			t.Errorf("inserted %d", res.Inserted)
		}
		e.call("GET", "/api/v1/divisions/530502999", "viewer", nil, 200, nil)
	})
}

func TestUsers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		var ent struct{ ID int64 }
		e.call("POST", "/api/v1/enterprises", "admin", sample(t, e, registryEnterprise(), tengchong, 1, 0), 201, &ent)
		in := map[string]any{"username": "plant1", "password": password, "role": "enterprise", "division_code": "530500", "enterprise_id": ent.ID}
		var u struct {
			ID           int64
			Division     string `json:"division_code"`
			EnterpriseID int64  `json:"enterprise_id"`
		}
		e.call("POST", "/api/v1/users", "admin", in, 403, nil) // accounts are the security administrator's (三员分立)
		e.call("POST", "/api/v1/users", "secadmin", in, 201, &u)
		if u.Division != tengchong || u.EnterpriseID != ent.ID {
			t.Errorf("enterprise user = %+v; want the enterprise's county", u)
		}
		e.call("POST", "/api/v1/users", "secadmin", in, 409, nil)
		e.call("POST", "/api/v1/users", "viewer", in, 403, nil)
		weak := map[string]any{"username": "weak", "password": "123456", "role": "viewer", "division_code": "530500"}
		status, body, _ := e.do("POST", "/api/v1/users", "secadmin", weak, nil)
		if status != 422 || problemOf(t, body).Errors[0].Field != "password" {
			t.Errorf("weak password: %d %s", status, body)
		}
		e.login("plant1")
		var list struct{ Total int }
		e.call("GET", "/api/v1/enterprises", "plant1", nil, 200, &list)
		if list.Total != 1 {
			t.Errorf("enterprise user sees %d enterprises", list.Total)
		}
		// disabling an account ends its sessions.
		e.call("PATCH", "/api/v1/users/"+itoa(u.ID), "secadmin", map[string]any{"disabled": true}, 200, nil)
		e.call("GET", "/api/v1/enterprises", "plant1", nil, 401, nil)
		var audit struct {
			Items []struct{ Action, Entity string }
		}
		e.call("GET", "/api/v1/audit?entity=user", "admin", nil, 403, nil)    // the audit trail is the audit administrator's
		e.call("GET", "/api/v1/audit?entity=user", "secadmin", nil, 403, nil) // (三员分立)
		e.call("GET", "/api/v1/audit?entity=user", "auditadmin", nil, 200, &audit)
		if len(audit.Items) < 2 {
			t.Errorf("user changes not audited: %+v", audit.Items)
		}
		e.call("GET", "/api/v1/audit", "ly-inspector", nil, 403, nil)
	})
}

func TestOperations(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	e.call("GET", "/healthz", "", nil, 200, nil)
	var ready struct{ Status, Database string }
	e.call("GET", "/readyz", "", nil, 200, &ready)
	if ready.Database != "sqlite" {
		t.Errorf("readyz = %+v", ready)
	}
	_, body, _ := e.do("GET", "/metrics", "", nil, nil)
	if !strings.Contains(string(body), `yingji_http_requests_total{route="GET /readyz",status="200"} 1`) {
		t.Errorf("metrics do not count requests:\n%.600s", body)
	}
	e.db.Close()
	status, _, _ := e.do("GET", "/readyz", "", nil, nil)
	if status != 503 {
		t.Errorf("readyz with the database closed = %d, want 503", status)
	}
}

// TestPerceptionRoutesAreDocumented builds the route table with the
// perception routes and checks each against the document's operations.
func TestPerceptionRoutesAreDocumented(t *testing.T) {
	s := &httpapi.Server{Perception: &httpapi.Perception{}, Version: "test"}
	s.Handler()
	doc := s.Document()
	paths := doc["paths"].(map[string]any)
	n := 0
	for _, rt := range s.Routes() {
		item, _ := paths[rt.Pattern].(map[string]any)
		op, ok := item[strings.ToLower(rt.Method)].(map[string]any)
		if !ok {
			t.Errorf("%s %s is not in the document", rt.Method, rt.Pattern)
			continue
		}
		success := false
		for code := range op["responses"].(map[string]any) {
			success = success || strings.HasPrefix(code, "2")
		}
		if !success {
			t.Errorf("%s %s documents no success response", rt.Method, rt.Pattern)
		}
		if strings.Contains(rt.Pattern, "/alarms") || strings.Contains(rt.Pattern, "/ingest") {
			n++
		}
	}
	if n < 5 {
		t.Fatalf("only %d perception routes were built", n)
	}
}

func mustRole(t *testing.T, name string) auth.Role {
	t.Helper()
	r, ok := auth.RoleNamed(name)
	if !ok {
		t.Fatalf("no role %s", name)
	}
	return r
}
