package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/demo"
	"github.com/yingji/yingji/internal/duty"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/securitytest"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/store/storetest"
	"github.com/yingji/yingji/internal/supervision"
	"github.com/yingji/yingji/internal/supervision/gb18218"
	"github.com/yingji/yingji/internal/warning"
)

// wiredServer is the API with the registry (and the demo data), incidents,
// warnings, supervision and duty wired to real services, and a city
// administrator "admin" who may write all of them.
type wiredServer struct {
	api  *httpapi.Server
	db   *store.DB
	tree *region.Tree
	reg  *registry.Service
}

func newWiredServer(t testing.TB, b storetest.Backend) *wiredServer {
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
	reg := &registry.Service{Store: db, Regions: func() registry.Regions { return rg.Tree() }}
	sys := core.WithActor(context.Background(), core.SystemActor)
	if _, err := demo.Load(sys, reg, tree, demo.DefaultSeed); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	inc := &incident.Service{Store: db, Regions: func() incident.Regions { return rg.Tree() }, Clock: func() time.Time { return now }}
	if err := inc.LoadTypes(sys); err != nil {
		t.Fatal(err)
	}
	warn := &warning.Service{Store: db, Deliverer: &sink{}, Clock: func() time.Time { return now },
		Issuer: warning.Issuer{Area: "530500", Dept: "001", Unit: "002", Ext: "00"}, Sender: "yjj.baoshan.gov.cn", SenderName: "保山市应急管理局",
		ImportDivision: "530500", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		DivisionName: func(c string) (string, bool) { d, ok := rg.Tree().Get(c); return d.Name, ok },
		Locate:       func(p orb.Point) (string, bool) { d, ok := rg.Tree().Locate(p); return d.Code, ok }}
	tb, err := gb18218.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := supervision.LoadReference("")
	if err != nil {
		t.Fatal(err)
	}
	sv := &supervision.Service{Store: db, Alarms: db, Registry: reg, Inbox: db, Table: tb, Ref: ref, Clock: core.SystemClock,
		Inspectors: func(context.Context, string) ([]supervision.Person, error) { return nil, nil }}
	dt := &duty.Service{Store: db, Alarms: db, Regions: func() *region.Tree { return rg.Tree() }, Clock: func() time.Time { return now }}
	api := &httpapi.Server{Registry: reg, Auth: authSvc, Regions: rg, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test",
		Incidents: &httpapi.Incidents{Service: inc}, Warnings: &httpapi.Warnings{Service: warn},
		Supervision: &httpapi.Supervision{Service: sv}, Duty: &httpapi.Duty{Service: dt}}
	for _, u := range []auth.UserInput{{Username: "admin", Role: "admin", Division: "530500"}, {Username: "ly-duty2", Role: "duty_officer", Division: longyang},
		{Username: "sysadmin", Role: "sysadmin", Division: "530500"}, {Username: "secadmin", Role: "secadmin", Division: "530500"},
		{Username: "auditadmin", Role: "auditadmin", Division: "530500"}} {
		u.Password = password
		if _, err := authSvc.CreateUser(sys, u); err != nil {
			t.Fatal(err)
		}
	}
	return &wiredServer{api: api, db: db, tree: tree, reg: reg}
}

// newInjectionEnv is the wired server running, its users signed in.
func newInjectionEnv(t *testing.T, b storetest.Backend) (*env, *registry.Service) {
	t.Helper()
	w := newWiredServer(t, b)
	srv := httptest.NewServer(w.api.Handler())
	t.Cleanup(srv.Close)
	e := &env{t: t, url: srv.URL, db: w.db, tree: w.tree, api: w.api, tokens: map[string]string{}}
	e.loadDocument()
	for _, u := range listUsers {
		e.login(u)
	}
	e.login("ly-duty2")
	return e, w.reg
}

// listUsers read the lists: the business administrator, and for what is not
// theirs (accounts, audit, security) the administrators of 三员分立.
var listUsers = []string{"admin", "secadmin", "auditadmin", "sysadmin"}

// reader is the first of listUsers allowed to read a route (the bare route
// does not answer 403 to them).
func reader(t testing.TB, do func(user string) int, route string) string {
	t.Helper()
	for _, u := range listUsers {
		if do(u) != 403 {
			return u
		}
	}
	t.Fatalf("none of %v may read %s", listUsers, route)
	return ""
}

// tableCounts counts the rows of every table of the schema, and reads the
// accounts (name and role) as one string.
func tableCounts(t *testing.T, e *env) (map[string]int, string) {
	t.Helper()
	var list string
	if e.db.Dialect() == "postgres" {
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	} else {
		list = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	}
	rows, err := e.db.SQL().Query(list)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	counts := map[string]int{}
	for _, n := range names {
		var c int
		if err := e.db.SQL().QueryRow(`SELECT COUNT(*) FROM ` + n).Scan(&c); err != nil {
			t.Fatalf("count %s: %v", n, err)
		}
		counts[n] = c
	}
	var users []string
	urows, err := e.db.SQL().Query(`SELECT username, role, disabled FROM users ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for urows.Next() {
		var name, role string
		var disabled any
		if err := urows.Scan(&name, &role, &disabled); err != nil {
			t.Fatal(err)
		}
		users = append(users, fmt.Sprint(name, "/", role, "/", disabled))
	}
	urows.Close()
	return counts, strings.Join(users, ",")
}

// getMap reads a JSON object.
func (e *env) getMap(path string) map[string]any {
	e.t.Helper()
	var m map[string]any
	e.call("GET", path, "admin", nil, 200, &m)
	return m
}

// TestSQLInjectionStoredVerbatim writes every SQL injection payload
// (internal/securitytest/payloads/sql.txt) into every free-text field of
// every registry kind (from registry.Kinds()), of incidents, hidden
// dangers, warning drafts and duty handovers, on SQLite and PostgreSQL:
// each is stored verbatim and read back equal, the registry search finds
// it, no request fails with a 500, and afterwards no table has lost or
// gained a row except those the test wrote and no account changed.
func TestSQLInjectionStoredVerbatim(t *testing.T) {
	payloads := securitytest.SQL()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e, reg := newInjectionEnv(t, b)
			sys := core.WithActor(context.Background(), core.SystemActor)
			before, users := tableCounts(t, e)
			written := map[string]int{}
			checked := map[string]string{} // kind.field → how many payloads it took

			// registry: one record of each kind takes each payload in its
			// name and every text field that applies to its category.
			for _, k := range registry.Kinds() {
				objs, _, err := reg.List(sys, registry.Filter{Kind: k.Name, Limit: 1})
				if err != nil {
					t.Fatal(err)
				}
				if len(objs) == 0 {
					t.Fatalf("the demo data has no %s", k.Name)
				}
				id := objs[0].ID
				p := path(k, id)
				var fields, lists, contacts []string // text, lists of text, contacts
				for _, f := range k.Fields {
					switch {
					case !f.AppliesTo(objs[0].Category):
					case f.Type == registry.String:
						fields = append(fields, f.Name)
					case f.Type == registry.Strings && len(f.Enum) == 0:
						lists = append(lists, f.Name)
					case f.Type == registry.Contacts:
						contacts = append(contacts, f.Name)
					}
				}

				refused := map[string]int{} // field → payloads it refused
				all := fields
				for _, pl := range payloads {
					fields := slices.Clone(all)
					rec := e.getMap(p)
					body := map[string]any{"name": pl, "version": rec["version"]}
					for _, f := range fields {
						body[f] = pl
					}
					for _, f := range lists {
						body[f] = []string{pl, "x"}
					}
					for _, f := range contacts {
						body[f] = []map[string]any{{"name": pl, "role": pl, "phone": "0875-2123456"}}
					}
					// a field with a format or a length of its own (a unit,
					// an ID number) may refuse a payload: it must name
					// itself, and is left out for that payload.
					for {
						status, data, _ := e.do("PATCH", p, "admin", body, nil)
						if status == 200 {
							break
						}
						pr := problemOf(t, data)
						if status != 422 || len(pr.Errors) == 0 {
							t.Fatalf("PATCH %s with %q: %d %s", p, pl, status, data)
						}
						for _, fe := range pr.Errors {
							if !slices.Contains(fields, fe.Field) {
								t.Fatalf("PATCH %s with %q: refused naming %q: %s", p, pl, fe.Field, data)
							}
							delete(body, fe.Field)
							fields = slices.DeleteFunc(fields, func(f string) bool { return f == fe.Field })
							refused[fe.Field]++
						}
					}
					got := e.getMap(p)
					for _, f := range fields {
						// personal data is masked when read; it is shown by
						// the (audited) reveal.
						if pf, _ := k.Field(f); pf.Personal != "" {
							var rv struct {
								Fields map[string]any `json:"fields"`
							}
							e.call("POST", p+"/reveal", "admin", map[string]any{"fields": []string{f}}, 200, &rv)
							got[f] = rv.Fields[f]
						}
					}
					for _, f := range append([]string{"name"}, fields...) {
						if got[f] != pl {
							t.Errorf("%s %d field %s: stored %q, read back %q", k.Name, id, f, pl, got[f])
						}
					}
					for _, f := range lists {
						if l, _ := got[f].([]any); len(l) != 2 || l[0] != pl {
							t.Errorf("%s %d field %s: stored [%q x], read back %v", k.Name, id, f, pl, got[f])
						}
					}
					for _, f := range contacts {
						l, _ := got[f].([]any)
						if len(l) != 1 {
							t.Errorf("%s %d field %s: read back %v", k.Name, id, f, got[f])
							continue
						}
						if c, _ := l[0].(map[string]any); c["name"] != pl || c["role"] != pl {
							t.Errorf("%s %d field %s: stored name and role %q, read back %v", k.Name, id, f, pl, c)
						}
					}
					var list struct {
						Items []map[string]any `json:"items"`
					}
					e.call("GET", path(k)+"?limit=5000&q="+url.QueryEscape(pl), "admin", nil, 200, &list)
					found := false
					for _, it := range list.Items {
						found = found || it["id"] == float64(id)
					}
					if !found && strings.TrimSpace(pl) != "" {
						t.Errorf("%s: searching for %q does not find the record named so (%d found)", k.Name, pl, len(list.Items))
					}
				}
				for _, f := range append(append(all, lists...), contacts...) {
					switch n := refused[f]; n {
					case 0:
						checked[k.Name+"."+f] = "all"
					case len(payloads):
						checked[k.Name+"."+f] = "none (validated)"
					default:
						checked[k.Name+"."+f] = fmt.Sprintf("%d of %d", len(payloads)-n, len(payloads))
					}
				}
			}

			// incidents, hidden dangers, warning drafts, duty handovers.
			c, _ := e.tree.Center(longyang)
			ent := objsOf(t, reg, registry.Enterprise)
			expires := time.Now().UTC().Add(6 * time.Hour).Format(time.RFC3339)
			for _, pl := range payloads {
				var inc map[string]any
				e.call("POST", "/api/v1/incidents", "admin", map[string]any{"title": pl, "type": "accident.fire", "occurred_at": time.Now().UTC().Add(-time.Hour).Format(time.RFC3339),
					"lon": c[0], "lat": c[1], "address": pl, "source": "phone", "reporter": pl, "reporter_phone": "0875-2123456", "unit": pl, "description": pl, "confirm": true}, 201, &inc)
				written["incidents"]++
				got := e.getMap(fmt.Sprintf("/api/v1/incidents/%v", inc["id"]))
				for _, f := range []string{"title", "address", "reporter", "unit", "description"} {
					if got[f] != pl {
						t.Errorf("incident %s: stored %q, read back %q", f, pl, got[f])
					}
				}

				var hz map[string]any
				e.call("POST", "/api/v1/hidden-dangers", "admin", map[string]any{"enterprise_id": ent, "title": pl, "description": pl, "location": pl,
					"source": "inspection", "level": "general", "responsible": pl, "measures": pl, "deadline": expires}, 201, &hz)
				written["supervision_hazards"]++
				got = e.getMap(fmt.Sprintf("/api/v1/hidden-dangers/%v", hz["id"]))
				for _, f := range []string{"title", "description", "location", "responsible", "measures"} {
					if got[f] != pl {
						t.Errorf("hidden danger %s: stored %q, read back %q", f, pl, got[f])
					}
				}

				var w warningJSON
				e.call("POST", "/api/v1/warnings", "admin", map[string]any{"template": "rainstorm", "level": "blue", "expires": expires,
					"event": pl, "headline": pl, "description": pl, "instruction": pl,
					"area": map[string]any{"divisions": []string{longyang}}}, 201, &w)
				written["warnings"]++
				gw := e.getMap(fmt.Sprintf("/api/v1/warnings/%d", w.ID))
				text, _ := gw["text"].(map[string]any)
				for _, f := range []string{"event", "headline", "description", "instruction"} {
					if text[f] != pl {
						t.Errorf("warning %s: stored %q, read back %q", f, pl, text[f])
					}
				}

				var ho map[string]any
				e.call("POST", "/api/v1/duty/handovers", "admin", map[string]any{"division_code": longyang, "incoming_id": userID(t, e, "ly-duty2"),
					"open": pl, "watch": pl}, 201, &ho)
				written["duty_handovers"]++
				for _, f := range []string{"open", "watch"} {
					if ho[f] != pl {
						t.Errorf("handover %s: stored %q, answered %q", f, pl, ho[f])
					}
				}
			}

			// every list query parameter of the document takes every payload:
			// a refusal names the parameter, never a 500.
			lists := listParams(t, e.url)
			n := 0
			for route, params := range lists {
				user := reader(t, func(u string) int { st, _, _ := e.do("GET", route, u, nil, nil); return st }, route)
				for _, prm := range params {
					for _, pl := range payloads {
						status, data, _ := e.do("GET", route+"?"+prm+"="+url.QueryEscape(pl), user, nil, nil)
						n++
						switch {
						case status == 200:
						case status == 403 && strings.Contains(string(data), "outside your area"):
							// a division filter the user may not read: refused by scope
						case status == 422 || status == 400:
							// the parameter sent, or a required one missing.
							if p := problemOf(t, data); len(p.Errors) == 0 || !slices.Contains(params, p.Errors[0].Field) {
								t.Errorf("GET %s?%s=%q: %d names %+v, not a parameter of the route", route, prm, pl, status, p.Errors)
							}
						default:
							t.Errorf("GET %s?%s=%q: %d %s", route, prm, pl, status, data)
						}
					}
				}
			}
			if n < 500 {
				t.Errorf("only %d list requests with payloads", n)
			}

			after, usersAfter := tableCounts(t, e)
			if usersAfter != users {
				t.Errorf("accounts changed:\n%s\n%s", users, usersAfter)
			}
			if _, ok := after["pwned"]; ok {
				t.Error("a payload created the table pwned")
			}
			changes := map[string]bool{"audit_log": true, "audit_head": true, "incident_events": true, "incident_counters": true,
				"supervision_hazard_events": true, "tokens": true}
			for name, c := range before {
				a, ok := after[name]
				switch {
				case !ok:
					t.Errorf("table %s is gone", name)
				case changes[name]:
				case a != c+written[name]:
					t.Errorf("table %s: %d rows before, %d after, %d written", name, c, a, written[name])
				}
			}
			t.Logf("registry fields: %v", checked)
			t.Logf("%d payloads; %d list requests; %d responses checked against the OpenAPI document", len(payloads), n, e.checked)
		})
	}
}

func objsOf(t *testing.T, reg *registry.Service, k *registry.Kind) int64 {
	t.Helper()
	objs, _, err := reg.List(core.WithActor(context.Background(), core.SystemActor), registry.Filter{Kind: k.Name, Limit: 1, Division: longyang})
	if err != nil || len(objs) == 0 {
		t.Fatalf("no %s in %s: %v", k.Name, longyang, err)
	}
	return objs[0].ID
}

// listParams reads the OpenAPI document: every GET route without a path
// parameter and its query parameters.
func listParams(t testing.TB, base string) map[string][]string {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for p, ops := range doc.Paths {
		get, ok := ops["get"]
		if !ok || strings.Contains(p, "{") || strings.HasSuffix(p, "/events") {
			continue
		}
		for _, prm := range get.Parameters {
			if prm.In == "query" {
				out[p] = append(out[p], prm.Name)
			}
		}
		sort.Strings(out[p])
	}
	return out
}
