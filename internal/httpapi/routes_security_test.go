package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/demo"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/sso"
	"github.com/yingji/yingji/internal/store/storetest"
)

// The route × role × scope test (issue 9). It walks the route table the
// server serves — every area switched on — so a new endpoint is covered the
// moment it is added: it must either declare a permission, which every
// role without it is refused, or be listed here as public with the reason.

// publicRoutes are the routes anyone may call, and why.
var publicRoutes = map[string]string{
	"GET /healthz":                           "liveness probe for the orchestrator; says nothing but ok",
	"GET /readyz":                            "readiness probe; says whether the database answers",
	"GET /api/v1/openapi.json":               "the API's own description, as published",
	"GET /api/v1/version":                    "version and MQTT address, told to devices and tools",
	"POST /api/v1/auth/login":                "the password step of signing in (lockout-guarded)",
	"POST /api/v1/auth/login/mfa":            "the second step of signing in, bound to its challenge",
	"POST /api/v1/auth/login/mfa/enrol":      "enrolment during a login that requires a second factor, bound to its challenge",
	"POST /api/v1/auth/password":             "changing an (expired) password with the old one (lockout-guarded)",
	"GET /api/v1/auth/oidc/login":            "single sign-on: only redirects to the identity provider",
	"GET /api/v1/auth/oidc/callback":         "single sign-on: the provider's answer, bound to the browser's state, nonce and PKCE verifier",
	"POST /api/v1/auth/login/webauthn/begin": "the second step of signing in with a security key, bound to its challenge",
	"POST /api/v1/auth/login/webauthn":       "the second step of signing in with a security key, bound to its challenge",
	"POST /api/v1/ingest":                    "devices: HTTP Basic with the device code and secret, checked by the handler",
	"POST /api/v1/delivery/sms-receipts":     "the SMS gateway's delivery reports, authenticated by a shared secret in the handler",
	"GET /api/v1/public/inspection-plans":    "published double-random inspection plans are public by regulation (双随机、一公开)",
	"GET /api/v1/warnings/feed.atom":         "public alerts are published to everyone",
	"GET /api/v1/warnings/{id}/cap.xml":      "CAP message of a published public alert (the handler refuses others)",
	"GET /api/v1/warnings/{id}/cap.json":     "CAP message of a published public alert (the handler refuses others)",
}

// selfService are the writes every signed-in user may make, about their own
// account only; every other write must be refused to the read-only role.
var selfService = map[string]string{
	"POST /api/v1/auth/logout":                   "ends the caller's own session",
	"POST /api/v1/auth/tokens":                   "the caller's own API token",
	"DELETE /api/v1/auth/tokens/{id}":            "revokes one of the caller's own tokens (the store matches the user)",
	"POST /api/v1/auth/mfa/enrol":                "the caller's own second factor",
	"POST /api/v1/auth/mfa/confirm":              "the caller's own second factor",
	"POST /api/v1/auth/mfa/recovery-codes":       "the caller's own recovery codes",
	"POST /api/v1/auth/webauthn/register/begin":  "the caller's own security key",
	"POST /api/v1/auth/webauthn/register/finish": "the caller's own security key",
	"DELETE /api/v1/auth/webauthn/keys/{id}":     "removes one of the caller's own security keys (the store matches the user)",
	"POST /api/v1/webpush/subscriptions":         "the caller's own browser subscription on their own recipient record",
	"DELETE /api/v1/webpush/subscriptions":       "the caller's own browser subscription",
}

// computations are POSTs that compute from the body and store nothing (the
// input is too large for a query string); a read permission is right.
var computations = map[string]string{
	"POST /api/v1/incidents/grade":       "grades an incident from the figures sent",
	"POST /api/v1/hazard-sources/assess": "GB 18218 assessment of the inventory sent",
	"POST /api/v1/models/fwi":            "model run over the weather sent",
	"POST /api/v1/models/plume":          "model run",
	"POST /api/v1/models/blast":          "model run",
	"POST /api/v1/models/landslide":      "model run over the rainfall sent",
	"POST /api/v1/models/quake":          "model run",
	"POST /api/v1/exposure":              "counts people and records inside the zone sent",
}

const (
	inside  = "530502" // 隆阳区
	outside = "530581" // 腾冲市
)

// scopeEnv is a server with every area's routes, the demo registry, and a
// user of every role in each of two counties (ly-ROLE, tc-ROLE) and at the
// city (city-admin).
type scopeEnv struct {
	*env
	ids map[string]int64
}

func newScopeEnv(t *testing.T, b storetest.Backend) *scopeEnv {
	t.Helper()
	db, tree := storetest.Open(t, b)
	rg := &regions{db: db}
	rg.tree.Store(tree)
	authSvc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour,
		Divisions: func(c string) bool { _, ok := rg.Tree().Get(c); return ok },
		Enterprise: func(ctx context.Context, id int64) (string, error) {
			o, err := db.GetObject(ctx, registry.KEnterprise, id)
			if err != nil {
				return "", err
			}
			return o.Division, nil
		}}
	authSvc.MFA = &auth.MFA{Store: db}
	reg := &registry.Service{Store: db, Regions: func() registry.Regions { return rg.Tree() }}
	// every area switched on: the handlers of the areas are not reached by
	// a refused request, so their services stay empty (a request that
	// reaches one fails loudly).
	api := &httpapi.Server{Registry: reg, Auth: authSvc, Regions: rg, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test",
		Perception: &httpapi.Perception{}, Incidents: &httpapi.Incidents{}, Warnings: &httpapi.Warnings{}, Supervision: &httpapi.Supervision{},
		Ledger: &httpapi.Ledger{}, Recipients: &httpapi.Recipients{}, Models: &httpapi.Models{}, Duty: &httpapi.Duty{}}
	// single sign-on configured (the provider is not contacted by the walk).
	rp, err := sso.New(sso.Config{Issuer: "https://idp.example", ClientID: "yingji", RedirectURL: "https://yingji.example/api/v1/auth/oidc/callback"})
	if err != nil {
		t.Fatal(err)
	}
	api.OIDC = rp
	// security keys configured too.
	if authSvc.Keys, err = auth.NewKeys(db, "yingji.example", []string{"https://yingji.example"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(api.Handler())
	// a handler reached with its area's empty service panics; the walk
	// sees the dropped connection, the log need not.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	e := &scopeEnv{env: &env{t: t, url: srv.URL, db: db, tree: tree, api: api, tokens: map[string]string{}}, ids: map[string]int64{}}
	e.loadDocument()
	sys := core.WithActor(context.Background(), core.SystemActor)
	if _, err := demo.Load(sys, reg, tree, demo.DefaultSeed); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	users := []auth.UserInput{{Username: "city-admin", Role: "admin", Division: "530500"}}
	for _, r := range auth.AdminRoles {
		users = append(users, auth.UserInput{Username: "city-" + r, Role: r, Division: "530500"})
	}
	for _, div := range []string{inside, outside} {
		ent := firstEnterprise(t, reg, sys, div)
		prefix := map[string]string{inside: "ly-", outside: "tc-"}[div]
		for _, r := range auth.Roles {
			u := auth.UserInput{Username: prefix + strings.ReplaceAll(r.Name, "_", "-"), Role: r.Name, Division: div}
			if r.Name == "enterprise" {
				u.EnterpriseID = ent
			}
			users = append(users, u)
		}
	}
	for _, u := range users {
		u.Password = password
		created, err := authSvc.CreateUser(sys, u)
		if err != nil {
			t.Fatalf("user %s: %v", u.Username, err)
		}
		e.ids[u.Username] = created.ID
		e.login(u.Username)
	}
	return e
}

func firstEnterprise(t *testing.T, reg *registry.Service, ctx context.Context, div string) int64 {
	t.Helper()
	objs, _, err := reg.List(ctx, registry.Filter{Kind: registry.KEnterprise, Division: div, Limit: 1})
	if err != nil || len(objs) == 0 {
		t.Fatalf("no demo enterprise in %s: %v", div, err)
	}
	return objs[0].ID
}

var param = regexp.MustCompile(`\{(\w+)(\.\.\.)?\}`)

// concrete fills a pattern's parameters with plausible values.
func concrete(pattern string) string {
	return param.ReplaceAllStringFunc(pattern, func(m string) string {
		switch {
		case strings.Contains(m, "id"):
			return "1"
		case strings.Contains(m, "code"):
			return inside
		}
		return "x"
	})
}

// raw sends a request and returns the status and problem, or the
// transport error when the server dropped the connection (a handler that
// ran with its empty service and panicked).
func (e *scopeEnv) raw(method, path, user string) (int, httpapi.Problem, error) {
	var body io.Reader
	if method != "GET" && method != "DELETE" {
		body = strings.NewReader("{}")
	}
	req, _ := http.NewRequest(method, e.url+path, body)
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, httpapi.Problem{}, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var p httpapi.Problem
	json.Unmarshal(data, &p)
	return resp.StatusCode, p, nil
}

func isWrite(method string) bool { return method != "GET" && method != "HEAD" }

// holders are the roles that have p.
func holders(p auth.Permission) []string {
	var out []string
	for _, r := range auth.Roles {
		if auth.Can(r.Name, p) {
			out = append(out, r.Name)
		}
	}
	return out
}

// separation checks the three-role separation (三员分立) on one route,
// generated from its permission: a permission an administrator role holds
// is held by that one role alone (accounts and security policy: secadmin;
// the audit trail: auditadmin; the system: sysadmin), and every other
// permission — business data of any area — by no administrator. The walk's
// refusals then show each administrator refused every business route and
// the other administrators' routes; here the holder is shown admitted.
func (e *scopeEnv) separation(t *testing.T, rt httpapi.Route) (owner string) {
	t.Helper()
	key := rt.Method + " " + rt.Pattern
	hs := holders(rt.Permission)
	var admins []string
	for _, h := range hs {
		if auth.IsAdminRole(h) {
			admins = append(admins, h)
		}
	}
	switch {
	case rt.Permission == auth.Authenticated || len(admins) == 0:
		return "" // every account's own, or business
	case len(hs) != 1:
		t.Errorf("SEPARATION %s needs %s, held by %v: an administrator's permission must be theirs alone", key, rt.Permission, hs)
		return ""
	}
	st, p, err := e.raw(rt.Method, concrete(rt.Pattern), "city-"+hs[0])
	if err == nil && (st == 401 || (st == 403 && strings.Contains(p.Detail, "needs "))) {
		t.Errorf("%s as its holder %s = %d %q: refused by the permission check", key, hs[0], st, p.Detail)
	}
	return hs[0]
}

func TestRouteRolePermissions(t *testing.T) {
	e := newScopeEnv(t, storetest.Backends()[0])
	routes := e.api.Routes()
	known := map[auth.Permission]bool{auth.Authenticated: true}
	for _, r := range auth.Roles {
		for _, p := range r.Permissions {
			known[p] = true
		}
	}
	areas := map[string]bool{}
	checked := 0
	owned := map[string][]string{} // administrator role → its routes
	business := 0
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		areas[strings.Split(strings.TrimPrefix(rt.Pattern, "/api/v1/"), "/")[0]] = true
		if rt.Permission == "" {
			if _, ok := publicRoutes[key]; !ok {
				t.Errorf("%s is public but not listed in publicRoutes with the reason", key)
			}
			continue
		}
		if !known[rt.Permission] {
			t.Errorf("%s needs %q, which no role has", key, rt.Permission)
		}
		if isWrite(rt.Method) && (rt.Permission == auth.Authenticated) != (selfService[key] != "") {
			t.Errorf("%s: a write open to every signed-in user must be listed in selfService (and only those)", key)
		}
		if owner := e.separation(t, rt); owner != "" {
			owned[owner] = append(owned[owner], key)
		} else if rt.Permission != auth.Authenticated {
			business++
		}
		path := concrete(rt.Pattern)
		if st, _, err := e.raw(rt.Method, path, ""); err != nil || st != 401 {
			t.Errorf("%s without credentials = %d %v, want 401", key, st, err)
		}
		for _, role := range auth.Roles {
			user := "tc-" + strings.ReplaceAll(role.Name, "_", "-")
			if auth.Can(role.Name, rt.Permission) {
				continue // reaching the handler is each area's tests' business
			}
			st, p, err := e.raw(rt.Method, path, user)
			switch {
			case err != nil:
				t.Errorf("LEAK %s as %s (lacks %s): the handler ran (%v)", key, role.Name, rt.Permission, err)
			case st != 403 || !strings.Contains(p.Detail, "needs "+string(rt.Permission)):
				t.Errorf("LEAK %s as %s (lacks %s) = %d %q, want 403", key, role.Name, rt.Permission, st, p.Detail)
			}
			checked++
		}
		// the read-only role changes nothing but its own account.
		if isWrite(rt.Method) && selfService[key] == "" && computations[key] == "" && auth.Can("viewer", rt.Permission) {
			t.Errorf("the read-only viewer role may %s", key)
		}
	}
	for key := range publicRoutes {
		if !slices.ContainsFunc(routes, func(r httpapi.Route) bool { return r.Method+" "+r.Pattern == key }) {
			t.Errorf("publicRoutes lists %s, which is no route", key)
		}
	}
	for _, a := range []string{"auth", "users", "alarms", "incidents", "warnings", "supervision", "ledger", "duty", "models", "enterprises", "security"} {
		if !areas[a] {
			t.Errorf("no %s routes were built: the test does not see every area", a)
		}
	}
	// each administrator has work of its own: accounts and the security
	// policy, the audit trail, the system (the walk refused it to everyone
	// else, business roles and the other administrators alike).
	for _, want := range []struct {
		role string
		keys []string
	}{
		{"secadmin", []string{"GET /api/v1/users", "POST /api/v1/users", "PATCH /api/v1/users/{id}", "DELETE /api/v1/users/{id}/mfa", "PUT /api/v1/security/mfa-policy"}},
		{"auditadmin", []string{"GET /api/v1/audit"}},
		{"sysadmin", []string{"POST /api/v1/divisions/import", "GET /api/v1/ingest/rejections"}}, // and the feeds', when configured (models_test.go)
	} {
		for _, k := range want.keys {
			if !slices.Contains(owned[want.role], k) {
				t.Errorf("%s is not %s's alone (%s has %v)", k, want.role, want.role, owned[want.role])
			}
		}
	}
	if business < 100 {
		t.Errorf("only %d business routes walked", business)
	}
	t.Logf("%d routes (%d business, administrators' %v), %d refusals checked", len(routes), business, owned, checked)
}

// TestRouteDivisionScope: for every registry kind's list and get routes
// (taken from the route table), a user of every role in another county
// never sees a record outside their area, and a county inspector cannot
// change one; accounts (for the county's security administrator) and the
// audit trail (for its audit administrator) likewise.
func TestRouteDivisionScope(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newScopeEnv(t, b)
			kinds := 0
			for _, rt := range e.api.Routes() {
				k, ok := kindOfList(rt)
				if !ok {
					continue
				}
				kinds++
				var all struct {
					Items []struct {
						ID       int64  `json:"id"`
						Division string `json:"division_code"`
					}
				}
				e.call("GET", rt.Pattern+"?limit=5000", "city-admin", nil, 200, &all)
				var foreign int64
				for _, it := range all.Items {
					if !region.Within(it.Division, outside) {
						foreign = it.ID
						break
					}
				}
				if foreign == 0 {
					t.Errorf("%s: the demo data has no record outside %s to test with", k.Path, outside)
					continue
				}
				e.call("GET", fmt.Sprintf("%s/%d", rt.Pattern, foreign), "city-admin", nil, 200, nil) // the control
				for _, role := range auth.Roles {
					user := "tc-" + strings.ReplaceAll(role.Name, "_", "-")
					var mine struct {
						Items []struct {
							ID       int64  `json:"id"`
							Division string `json:"division_code"`
						}
					}
					if !auth.Can(role.Name, rt.Permission) {
						e.call("GET", rt.Pattern+"?limit=5000", user, nil, 403, nil)
						continue
					}
					e.call("GET", rt.Pattern+"?limit=5000", user, nil, 200, &mine)
					for _, it := range mine.Items {
						if !region.Within(it.Division, outside) {
							t.Errorf("LEAK GET %s as %s lists %d of %s", rt.Pattern, user, it.ID, it.Division)
						}
					}
					if st, _, _ := e.do("GET", fmt.Sprintf("%s/%d", rt.Pattern, foreign), user, nil, nil); st != 404 && st != 403 {
						t.Errorf("LEAK GET %s/%d (outside) as %s = %d", rt.Pattern, foreign, user, st)
					}
				}
				if st, _, _ := e.do("PATCH", fmt.Sprintf("%s/%d", rt.Pattern, foreign), "tc-inspector", map[string]any{"name": "改名"}, nil); st != 404 && st != 403 {
					t.Errorf("LEAK PATCH %s/%d (outside) as tc-inspector = %d", rt.Pattern, foreign, st)
				}
				if st, _, _ := e.do("DELETE", fmt.Sprintf("%s/%d", rt.Pattern, foreign), "tc-inspector", nil, http.Header{"If-Match": {"1"}}); st != 404 && st != 403 {
					t.Errorf("LEAK DELETE %s/%d (outside) as tc-inspector = %d", rt.Pattern, foreign, st)
				}
			}
			if kinds != len(registry.Kinds()) {
				t.Errorf("%d registry kinds walked, want %d", kinds, len(registry.Kinds()))
			}
			// accounts and the audit trail of another county stay hidden.
			var us struct {
				Items []struct {
					Username string
					Division string `json:"division_code"`
				}
			}
			e.call("GET", "/api/v1/users", "tc-secadmin", nil, 200, &us)
			if len(us.Items) == 0 {
				t.Error("tc-secadmin sees no account of their own county (the control)")
			}
			for _, u := range us.Items {
				if !region.Within(u.Division, outside) {
					t.Errorf("LEAK tc-secadmin lists user %s of %s", u.Username, u.Division)
				}
			}
			e.call("GET", fmt.Sprintf("/api/v1/users/%d", e.ids["ly-viewer"]), "tc-secadmin", nil, 404, nil)
			e.call("PATCH", fmt.Sprintf("/api/v1/users/%d", e.ids["ly-viewer"]), "tc-secadmin", map[string]any{"disabled": true}, 404, nil)
			e.call("GET", fmt.Sprintf("/api/v1/users/%d/mfa", e.ids["ly-viewer"]), "tc-secadmin", nil, 404, nil)
			e.call("DELETE", fmt.Sprintf("/api/v1/users/%d/mfa", e.ids["ly-viewer"]), "tc-secadmin", nil, 404, nil)
			var audit struct {
				Items []struct {
					Seq      int64
					Division string `json:"division_code"`
				}
			}
			e.call("GET", "/api/v1/audit?limit=5000", "tc-auditadmin", nil, 200, &audit)
			if len(audit.Items) == 0 {
				t.Error("tc-auditadmin sees no audit entries of their own county (the control)")
			}
			for _, a := range audit.Items {
				if !region.Within(a.Division, outside) {
					t.Errorf("LEAK tc-auditadmin reads audit entry %d of %q", a.Seq, a.Division)
				}
			}
		})
	}
}

// kindOfList returns the registry kind whose list route rt is.
func kindOfList(rt httpapi.Route) (*registry.Kind, bool) {
	if rt.Method != "GET" {
		return nil, false
	}
	for _, k := range registry.Kinds() {
		if rt.Pattern == "/api/v1/"+k.Path {
			return k, true
		}
	}
	return nil, false
}

// TestRouteTokenScopes walks every route again with API tokens: for each
// route with a permission, a token of a role that has the permission but
// scoped to another one is refused 403 naming the scope, before the
// handler; every write open to any signed-in user is refused to every
// token (no token makes a wider token or changes a second factor).
func TestRouteTokenScopes(t *testing.T) {
	e := newScopeEnv(t, storetest.Backends()[0])
	// per role, two tokens each scoped to one of the role's first two permissions.
	type scoped struct {
		scope auth.Permission
		token string
	}
	tokens := map[string][]scoped{}
	for _, r := range auth.Roles {
		user := "tc-" + strings.ReplaceAll(r.Name, "_", "-")
		for _, p := range r.Permissions[:2] {
			var tok struct{ Token string }
			e.call("POST", "/api/v1/auth/tokens", user, map[string]any{"name": "walk", "days": 1, "scopes": []string{string(p)}}, 201, &tok)
			tokens[r.Name] = append(tokens[r.Name], scoped{p, tok.Token})
		}
	}
	checked := 0
	for _, rt := range e.api.Routes() {
		key := rt.Method + " " + rt.Pattern
		if rt.Permission == "" || rt.Permission == auth.Authenticated && !isWrite(rt.Method) {
			continue
		}
		path := concrete(rt.Pattern)
		for _, role := range auth.Roles {
			if !auth.Can(role.Name, rt.Permission) {
				continue // the role walk covers it
			}
			for _, tk := range tokens[role.Name] {
				if tk.scope == rt.Permission {
					continue
				}
				e.tokens["token"] = tk.token
				st, p, err := e.raw(rt.Method, path, "token")
				switch {
				case err != nil:
					t.Errorf("LEAK %s with a %s token scoped to %s: the handler ran (%v)", key, role.Name, tk.scope, err)
				case st != 403 || !strings.Contains(p.Detail, "token"):
					t.Errorf("LEAK %s with a %s token scoped to %s = %d %q, want 403", key, role.Name, tk.scope, st, p.Detail)
				}
				checked++
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d refusals checked", checked)
	}
	t.Logf("%d scope refusals checked", checked)
}
