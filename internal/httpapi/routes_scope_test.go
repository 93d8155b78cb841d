package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/xuri/excelize/v2"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/duty"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/ledger"
	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
	"github.com/yingji/yingji/internal/supervision"
	"github.com/yingji/yingji/internal/supervision/gb18218"
	"github.com/yingji/yingji/internal/warning"
)

// The record-level half of the route × role × scope walk for the areas
// after the registry (issue 9): incidents, warnings, hidden dangers, duty
// shifts, warning recipients, inspection plans, inspection records and
// enforcement cases (TestRouteRecordScopeSupervision below adds risk
// diagnoses, hazard-source gradings and the ledger's exports). The scope env is served again with those
// areas' real services; a record of each is made in Longyang by its usual
// author, and then, for the area's list and get routes taken from the
// route table, a Tengchong user of every role never lists it and gets 404
// (or 403) for it, while the city's business administrator (the control)
// lists and gets it.

// scopedArea is one area whose records are scoped by division.
type scopedArea struct {
	base  string // the list route; the get route is base + "/{id}"
	query string // added to the list call
	// create makes a Longyang record and returns its id.
	create func(t *testing.T, e *scopeEnv) int64
}

var scopedAreas = []scopedArea{
	{base: "/api/v1/incidents", query: "?limit=500", create: func(t *testing.T, e *scopeEnv) int64 {
		var in struct{ ID int64 }
		e.call("POST", "/api/v1/incidents", "ly-duty-officer", intakeBody(e.env, inside, "accident.fire", time.Now().Add(-time.Hour)), 201, &in)
		return in.ID
	}},
	{base: "/api/v1/warnings", query: "?limit=500", create: func(t *testing.T, e *scopeEnv) int64 {
		var w struct{ ID int64 }
		e.call("POST", "/api/v1/warnings", "ly-duty-officer", map[string]any{"template": "rainstorm", "level": "orange",
			"expires": time.Now().Add(6 * time.Hour).UTC().Format(time.RFC3339),
			"area": map[string]any{"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{99.10, 25.08}, {99.20, 25.08}, {99.20, 25.16}, {99.10, 25.16}, {99.10, 25.08}}}},
				"divisions": []string{inside}}}, 201, &w)
		return w.ID
	}},
	{base: "/api/v1/hidden-dangers", query: "?limit=500", create: func(t *testing.T, e *scopeEnv) int64 {
		var h struct{ ID int64 }
		e.call("POST", "/api/v1/hidden-dangers", "ly-enterprise", map[string]any{"title": "储罐区可燃气体探头失效", "level": "general",
			"responsible": "张三", "measures": "更换探头", "deadline": time.Now().UTC().Add(72 * time.Hour).Format(time.RFC3339)}, 201, &h)
		return h.ID
	}},
	{base: "/api/v1/duty/shifts", create: func(t *testing.T, e *scopeEnv) int64 {
		var sh struct{ ID int64 }
		e.call("POST", "/api/v1/duty/shifts", "ly-commander", map[string]any{"division_code": inside, "name": "白班",
			"start": dutyBJTime(28, 8), "end": dutyBJTime(28, 20), "leader_id": e.ids["ly-commander"], "officer_ids": []int64{e.ids["ly-duty-officer"]},
			"phone": "0875-2122110"}, 201, &sh)
		return sh.ID
	}},
	// the double-random plans, inspection records and enforcement cases.
	{base: "/api/v1/inspection-plans", query: "?limit=500", create: func(t *testing.T, e *scopeEnv) int64 {
		id, _ := e.lyPlan()
		return id
	}},
	{base: "/api/v1/inspection-records", query: "?limit=500", create: func(t *testing.T, e *scopeEnv) int64 {
		id, _ := e.lyRecord()
		return id
	}},
	{base: "/api/v1/enforcement-cases", query: "?limit=500", create: func(t *testing.T, e *scopeEnv) int64 {
		var c struct{ ID int64 }
		rec, ent := e.lyRecord()
		e.call("POST", "/api/v1/enforcement-cases", "ly-inspector", map[string]any{"enterprise_id": ent, "record_id": rec,
			"violation": "未按规定设置报警装置", "legal_basis": "《安全生产法》", "penalty_kind": "fine", "fine_cny": 30000}, 201, &c)
		return c.ID
	}},
	{base: "/api/v1/recipients", query: "?limit=500", create: func(t *testing.T, e *scopeEnv) int64 {
		c, _ := e.tree.Center(inside)
		var r struct{ ID int64 }
		e.call("POST", "/api/v1/recipients", "ly-admin", map[string]any{"kind": "grid_worker", "name": "网格员甲", "lon": c[0], "lat": c[1],
			"phone": "13812341234"}, 201, &r)
		return r.ID
	}},
}

// withScopedAreas serves the scope env's database again with the real
// services of the scoped areas.
func withScopedAreas(t *testing.T, e *scopeEnv) {
	t.Helper()
	tree := func() *region.Tree { return e.tree }
	inc := &incident.Service{Store: e.db, Regions: func() incident.Regions { return e.tree }, Clock: core.SystemClock}
	if err := inc.LoadTypes(core.WithActor(context.Background(), core.SystemActor)); err != nil {
		t.Fatal(err)
	}
	warn := &warning.Service{Store: e.db, Deliverer: &sink{}, Clock: core.SystemClock,
		Issuer: warning.Issuer{Area: "530500", Dept: "001", Unit: "002", Ext: "00"}, Sender: "yjj.baoshan.gov.cn", SenderName: "保山市应急管理局",
		ImportDivision: "530500", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		DivisionName: func(c string) (string, bool) { d, ok := e.tree.Get(c); return d.Name, ok },
		Locate:       func(p orb.Point) (string, bool) { d, ok := e.tree.Locate(p); return d.Code, ok }}
	tb, err := gb18218.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := supervision.LoadReference("")
	if err != nil {
		t.Fatal(err)
	}
	sup := &supervision.Service{Store: e.db, Alarms: e.db, Registry: e.api.Registry, Inbox: e.db, Table: tb, Ref: ref, Clock: core.SystemClock,
		Inspectors: func(ctx context.Context, division string) ([]supervision.Person, error) {
			return []supervision.Person{{ID: 901, Name: "执法员甲", Division: division}, {ID: 902, Name: "执法员乙", Division: division}}, nil
		}}
	p, _ := outbox.NewProtector(bytes.Repeat([]byte{7}, 32))
	land, err := outbox.NewLand(e.tree, outbox.Census2020())
	if err != nil {
		t.Fatal(err)
	}
	api := &httpapi.Server{Registry: e.api.Registry, Auth: e.api.Auth, Regions: e.api.Regions, DB: e.db, Logger: e.api.Logger, Version: "test",
		Incidents:   &httpapi.Incidents{Service: inc},
		Warnings:    &httpapi.Warnings{Service: warn},
		Supervision: &httpapi.Supervision{Service: sup},
		Duty:        &httpapi.Duty{Service: &duty.Service{Store: e.db, Alarms: e.db, Regions: tree, Clock: func() time.Time { return dutyNow }}},
		Recipients:  &httpapi.Recipients{Service: &outbox.Service{Store: e.db, Protect: p, Land: land}},
		Ledger:      &httpapi.Ledger{Service: &ledger.Service{Registry: e.api.Registry, Divisions: func() ledger.Divisions { return e.tree }}}}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	e.url, e.api = srv.URL, api
	e.loadDocument()
}

// listIDs lists base as user and returns the ids and divisions listed.
func (e *scopeEnv) listIDs(path, user string) map[int64]string {
	e.t.Helper()
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	e.call("GET", path, user, nil, 200, &list)
	out := map[int64]string{}
	for _, raw := range list.Items {
		var it struct {
			ID       int64  `json:"id"`
			Division string `json:"division_code"`
		}
		if err := json.Unmarshal(raw, &it); err != nil || it.ID == 0 {
			e.t.Fatalf("GET %s: an item without an id: %s", path, raw)
		}
		out[it.ID] = it.Division
	}
	return out
}

func TestRouteRecordScope(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newScopeEnv(t, b)
			withScopedAreas(t, e)
			routes := e.api.Routes()
			route := func(method, pattern string) (httpapi.Route, bool) {
				i := slices.IndexFunc(routes, func(r httpapi.Route) bool { return r.Method == method && r.Pattern == pattern })
				if i < 0 {
					return httpapi.Route{}, false
				}
				return routes[i], true
			}
			for _, a := range scopedAreas {
				list, ok1 := route("GET", a.base)
				get, ok2 := route("GET", a.base+"/{id}")
				if !ok1 || !ok2 {
					t.Errorf("%s: no list or get route in the route table", a.base)
					continue
				}
				id := a.create(t, e)
				one := fmt.Sprintf("%s/%d", a.base, id)
				// the control: the city's business administrator sees it.
				if _, ok := e.listIDs(a.base+a.query, "city-admin")[id]; !ok {
					t.Errorf("%s: city-admin does not list the Longyang record %d (the control)", a.base, id)
				}
				e.call("GET", one, "city-admin", nil, 200, nil)
				for _, role := range auth.Roles {
					user := "tc-" + strings.ReplaceAll(role.Name, "_", "-")
					if !auth.Can(role.Name, list.Permission) {
						e.call("GET", a.base+a.query, user, nil, 403, nil)
					} else {
						for got, div := range e.listIDs(a.base+a.query, user) {
							if got == id || (div != "" && !region.Within(div, outside)) {
								t.Errorf("LEAK GET %s as %s lists %d of %q", a.base, user, got, div)
							}
						}
					}
					st, _, _ := e.do("GET", one, user, nil, nil)
					if want := auth.Can(role.Name, get.Permission); (want && st != 404 && st != 403) || (!want && st != 403) {
						t.Errorf("LEAK GET %s (Longyang) as %s = %d", one, user, st)
					}
				}
			}
		})
	}
}

// lyEnterprise is the Longyang enterprise of the ly-enterprise user.
func (e *scopeEnv) lyEnterprise() int64 {
	e.t.Helper()
	return firstEnterprise(e.t, e.api.Registry, core.WithActor(context.Background(), core.SystemActor), inside)
}

// lyPlan draws a Longyang double-random plan as the Longyang inspector and
// returns it with the enterprise drawn.
func (e *scopeEnv) lyPlan() (id, ent int64) {
	e.t.Helper()
	var p supervision.Plan
	e.call("POST", "/api/v1/inspection-plans", "ly-inspector", map[string]any{"name": "抽查", "matter": "危化品安全",
		"filter": map[string]any{"division_code": inside}, "enterprise_count": 1}, 201, &p)
	if len(p.Assignments) != 1 {
		e.t.Fatalf("the Longyang plan drew %d enterprises", len(p.Assignments))
	}
	return p.ID, p.Assignments[0].EnterpriseID
}

// lyRecord records a Longyang inspection under a new plan and returns it
// with its enterprise.
func (e *scopeEnv) lyRecord() (id, ent int64) {
	e.t.Helper()
	var rec struct{ ID int64 }
	plan, ent := e.lyPlan()
	e.call("POST", "/api/v1/inspection-records", "ly-inspector", map[string]any{"plan_id": plan, "enterprise_id": ent,
		"inspectors": []string{"甲", "乙"}, "inspected_at": time.Now().UTC().Add(-time.Hour).Format(time.RFC3339),
		"items": []map[string]any{{"code": "G01", "result": "pass"}}, "conclusion": "未发现问题"}, 201, &rec)
	return rec.ID, ent
}

// TestRouteRecordScopeSupervision is the record walk for the supervision
// records kept per enterprise or hazard source, which have no list of
// their own (a diagnosis history, a hazard source's gradings), and for the
// ledger's exports: a Tengchong user of every role gets none of Longyang's,
// the city's business administrator (the control) gets them.
func TestRouteRecordScopeSupervision(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newScopeEnv(t, b)
			withScopedAreas(t, e)
			sys := core.WithActor(context.Background(), core.SystemActor)
			routes := e.api.Routes()
			perm := func(method, pattern string) auth.Permission {
				i := slices.IndexFunc(routes, func(r httpapi.Route) bool { return r.Method == method && r.Pattern == pattern })
				if i < 0 {
					t.Fatalf("%s %s is not in the route table", method, pattern)
				}
				return routes[i].Permission
			}
			tcUsers := func(yield func(role, user string) bool) {
				for _, r := range auth.Roles {
					if !yield(r.Name, "tc-"+strings.ReplaceAll(r.Name, "_", "-")) {
						return
					}
				}
			}
			// count lists path as user and returns how many items it holds
			// (404 and 403 count as none).
			count := func(path, user string) int {
				st, data, _ := e.do("GET", path, user, nil, nil)
				if st == 404 || st == 403 {
					return 0
				}
				var l struct {
					Items []json.RawMessage `json:"items"`
				}
				if st != 200 || json.Unmarshal(data, &l) != nil {
					t.Fatalf("GET %s as %s = %d %.200s", path, user, st, data)
				}
				return len(l.Items)
			}
			ent := e.lyEnterprise()

			// an enterprise's risk diagnoses.
			e.call("POST", "/api/v1/enterprise-risk/diagnoses", "ly-inspector", map[string]any{"enterprise_id": ent,
				"deductions": []map[string]any{{"code": "D01", "points": 10}}}, 201, nil)
			diag := fmt.Sprintf("/api/v1/enterprise-risk/diagnoses?enterprise_id=%d", ent)
			// a hazard source's gradings.
			srcs, _, err := e.api.Registry.List(sys, registry.Filter{Kind: registry.KHazardSource, Division: inside, Limit: 1})
			if err != nil || len(srcs) == 0 {
				t.Fatalf("no demo hazard source in %s: %v", inside, err)
			}
			e.call("POST", fmt.Sprintf("/api/v1/hazard-sources/%d/grade", srcs[0].ID), "ly-inspector", map[string]any{"exposed_people": 60,
				"substances": []map[string]any{{"name": "氨", "cas": "7664-41-7", "quantity_t": 20}}}, 201, nil)
			grades := fmt.Sprintf("/api/v1/hazard-sources/%d/assessments", srcs[0].ID)
			for path, p := range map[string]auth.Permission{diag: perm("GET", "/api/v1/enterprise-risk/diagnoses"), grades: perm("GET", "/api/v1/hazard-sources/{id}/assessments")} {
				if n := count(path, "city-admin"); n != 1 {
					t.Errorf("GET %s as city-admin holds %d, want the Longyang one (the control)", path, n)
				}
				for role, user := range tcUsers {
					if !auth.Can(role, p) {
						e.call("GET", path, user, nil, 403, nil)
					} else if n := count(path, user); n != 0 {
						t.Errorf("LEAK GET %s as %s holds %d Longyang records", path, user, n)
					}
				}
			}

			// the ledger's exports of every kind: no Longyang record's code.
			export := perm("GET", "/api/v1/ledger/{kind}/export.xlsx")
			checked := 0
			for _, k := range registry.Kinds() {
				ly, _, err := e.api.Registry.List(sys, registry.Filter{Kind: k.Name, Division: inside, Limit: 5000})
				if err != nil {
					t.Fatal(err)
				}
				lyCodes := map[string]bool{}
				for _, o := range ly {
					lyCodes[o.Code] = true
				}
				path := "/api/v1/ledger/" + k.Path + "/export.xlsx"
				cells := func(user string) map[string]bool {
					st, data, _ := e.do("GET", path, user, nil, nil)
					if st != 200 {
						t.Fatalf("GET %s as %s = %d %.200s", path, user, st, data)
					}
					wb, err := excelize.OpenReader(bytes.NewReader(data))
					if err != nil {
						t.Fatalf("GET %s as %s: %v", path, user, err)
					}
					out := map[string]bool{}
					for _, sh := range wb.GetSheetList() {
						rows, _ := wb.GetRows(sh)
						for _, r := range rows {
							for _, c := range r {
								out[c] = true
							}
						}
					}
					return out
				}
				checked += len(lyCodes)
				seen := 0
				for c := range cells("city-admin") {
					if lyCodes[c] {
						seen++
					}
				}
				if seen != len(lyCodes) {
					t.Errorf("GET %s as city-admin has %d of the %d Longyang codes (the control)", path, seen, len(lyCodes))
				}
				for role, user := range tcUsers {
					if !auth.Can(role, export) {
						e.call("GET", path, user, nil, 403, nil)
						continue
					}
					for c := range cells(user) {
						if lyCodes[c] {
							t.Errorf("LEAK GET %s as %s has the Longyang record %s", path, user, c)
						}
					}
				}
			}
			if checked == 0 {
				t.Error("no Longyang registry record in any export: the ledger walk checked nothing")
			}
			if checked == 0 {
				t.Error("no Longyang registry record in any export: the ledger walk checked nothing")
			}
		})
	}
}
