package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/xuri/excelize/v2"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/creditcode"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
	"github.com/yingji/yingji/internal/supervision"
	"github.com/yingji/yingji/internal/supervision/gb18218"
)

// newSupervisionEnv is newEnv with the supervision area wired, an
// enterprise in Longyang and its enterprise user "ent".
func newSupervisionEnv(t *testing.T, b storetest.Backend) (*env, int64) {
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
	tb, err := gb18218.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := supervision.LoadReference("")
	if err != nil {
		t.Fatal(err)
	}
	svc := &supervision.Service{Store: db, Alarms: db, Registry: reg, Inbox: db, Table: tb, Ref: ref, Clock: core.SystemClock,
		Inspectors: func(ctx context.Context, division string) ([]supervision.Person, error) {
			us, err := db.ListUsers(ctx)
			var out []supervision.Person
			for _, u := range us {
				if u.Role == "inspector" && strings.HasPrefix(u.Division, division[:6]) {
					out = append(out, supervision.Person{ID: u.ID, Name: u.Username, Division: u.Division})
				}
			}
			return out, err
		}}
	api := &httpapi.Server{Registry: reg, Auth: authSvc, Regions: rg, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test",
		Supervision: &httpapi.Supervision{Service: svc}}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	e := &env{t: t, url: srv.URL, db: db, tree: tree, api: api, tokens: map[string]string{}}
	e.loadDocument()
	ctx := core.WithActor(context.Background(), core.SystemActor)
	c, _ := tree.Center(longyang)
	code, err := creditcode.Complete("91530502000000001")
	if err != nil {
		t.Fatal(err)
	}
	ents, err := reg.Create(ctx, registry.Enterprise, []*registry.Input{
		{Object: registry.Object{Code: code, Name: "测试化工", Category: "hazchem_producer", Geometry: c, Attrs: map[string]any{}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []auth.UserInput{
		{Username: "admin", Role: "admin", Division: "530500"},
		{Username: "ly-inspector", Role: "inspector", Division: longyang},
		{Username: "ly-inspector2", Role: "inspector", Division: longyang},
		{Username: "tc-inspector", Role: "inspector", Division: tengchong},
		{Username: "viewer", Role: "viewer", Division: "530500"},
		{Username: "ent", Role: "enterprise", Division: longyang, EnterpriseID: ents[0].ID},
	} {
		u.Password = password
		if _, err := authSvc.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		e.login(u.Username)
	}
	return e, ents[0].ID
}

func forEachSupervisionBackend(t *testing.T, fn func(t *testing.T, e *env, ent int64)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e, ent := newSupervisionEnv(t, b)
			fn(t, e, ent)
		})
	}
}

func TestHazardAssessAPI(t *testing.T) {
	forEachSupervisionBackend(t, func(t *testing.T, e *env, ent int64) {
		// the stable example: 20 t of ammonia (Q 10 t, β 2), 60
		// people (α 1.5): S = 2, R = 1.5 × 2 × 2 = 6 → 四级.
		var res struct {
			S, R       float64
			Grade      int
			Alpha      float64
			Substances []struct {
				Name   string
				QOverQ float64 `json:"q_over_Q"`
				Beta   float64
			}
		}
		e.call("POST", "/api/v1/hazard-sources/assess", "viewer", map[string]any{"exposed_people": 60,
			"substances": []map[string]any{{"name": "氨", "cas": "7664-41-7", "quantity_t": 20}}}, 200, &res)
		if res.S != 2 || res.R != 6 || res.Grade != 4 || res.Alpha != 1.5 || len(res.Substances) != 1 || res.Substances[0].QOverQ != 2 || res.Substances[0].Beta != 2 {
			t.Errorf("assess = %+v", res)
		}
		data := e.call("POST", "/api/v1/hazard-sources/assess", "viewer", map[string]any{"exposed_people": 60,
			"substances": []map[string]any{{"name": "氨", "quantity_t": 1}, {"name": "未知物质", "quantity_t": 2}}}, 422, nil)
		p := problemOf(t, data)
		if len(p.Errors) != 1 || p.Errors[0].Row != 2 || !strings.Contains(p.Errors[0].Message, "未知物质") {
			t.Errorf("unknown substance: %+v", p)
		}
		e.call("POST", "/api/v1/hazard-sources/assess", "", map[string]any{}, 401, nil)
		var refData map[string]any
		e.call("GET", "/api/v1/supervision/reference", "ent", nil, 200, &refData)
		if refData["gb18218"] == nil {
			t.Error("no tables in the reference")
		}
	})
}

func TestHiddenDangerAPI(t *testing.T) {
	forEachSupervisionBackend(t, func(t *testing.T, e *env, ent int64) {
		var h supervision.HiddenDanger
		deadline := time.Now().UTC().Add(72 * time.Hour).Format(time.RFC3339)
		e.call("POST", "/api/v1/hidden-dangers", "ent", map[string]any{"title": "储罐区可燃气体探头失效", "level": "general",
			"responsible": "张三", "measures": "更换探头", "deadline": deadline}, 201, &h)
		if h.State != supervision.Rectifying || h.EnterpriseID != ent || h.Source != "self_inspection" {
			t.Fatalf("reported %+v", h)
		}
		// an enterprise may not file a public report.
		e.call("POST", "/api/v1/hidden-dangers", "ent", map[string]any{"title": "x", "level": "general", "source": "public", "reporter": "匿名"}, 422, nil)
		// a viewer may not report; another county does not see it.
		e.call("POST", "/api/v1/hidden-dangers", "viewer", map[string]any{"title": "x", "level": "general"}, 403, nil)
		e.call("GET", fmt.Sprintf("/api/v1/hidden-dangers/%d", h.ID), "tc-inspector", nil, 404, nil)
		var list httpapi.List[supervision.HiddenDanger]
		e.call("GET", "/api/v1/hidden-dangers", "tc-inspector", nil, 200, &list)
		if list.Total != 0 {
			t.Errorf("another county sees %d", list.Total)
		}
		// evidence photo: a PNG is taken, text is refused with its type.
		png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 32)...)
		status, data, _ := e.do("POST", fmt.Sprintf("/api/v1/hidden-dangers/%d/photos", h.ID), "ent", png, http.Header{"Content-Type": {"image/png"}})
		if status != 201 {
			t.Fatalf("photo upload %d %s", status, data)
		}
		status, data, _ = e.do("POST", fmt.Sprintf("/api/v1/hidden-dangers/%d/photos", h.ID), "ent", []byte("hello"), http.Header{"Content-Type": {"image/png"}})
		if status != 422 || !strings.Contains(string(data), "text/plain") {
			t.Errorf("text photo: %d %s", status, data)
		}
		e.call("POST", fmt.Sprintf("/api/v1/hidden-dangers/%d/actions", h.ID), "ent", map[string]any{"action": "rectify", "evidence": "已更换", "version": 9}, 409, nil)
		e.call("POST", fmt.Sprintf("/api/v1/hidden-dangers/%d/actions", h.ID), "ent", map[string]any{"action": "rectify", "evidence": "已更换", "version": 1}, 200, &h)
		e.call("POST", fmt.Sprintf("/api/v1/hidden-dangers/%d/actions", h.ID), "ent", map[string]any{"action": "verify"}, 403, nil)
		e.call("POST", fmt.Sprintf("/api/v1/hidden-dangers/%d/actions", h.ID), "ly-inspector", map[string]any{"action": "verify"}, 200, &h)
		e.call("POST", fmt.Sprintf("/api/v1/hidden-dangers/%d/actions", h.ID), "ly-inspector", map[string]any{"action": "close"}, 200, &h)
		if h.State != supervision.Closed || len(h.Photos) != 1 || len(h.Events) != 5 {
			t.Errorf("closed %+v", h)
		}
		status, data, hdr := e.do("GET", fmt.Sprintf("/api/v1/hidden-dangers/%d/photos/%d", h.ID, h.Photos[0].ID), "viewer", nil, nil)
		if status != 200 || hdr.Get("Content-Type") != "image/png" || len(data) != len(png) {
			t.Errorf("photo download %d %s %d", status, hdr.Get("Content-Type"), len(data))
		}
		status, data, hdr = e.do("GET", "/api/v1/hidden-dangers?format=csv", "ly-inspector", nil, nil)
		if status != 200 || !strings.HasPrefix(string(data), "\ufeff编号,企业") || !strings.Contains(string(data), "储罐区可燃气体探头失效") {
			t.Errorf("csv %d %s: %.200s", status, hdr.Get("Content-Type"), data)
		}
		// the same list as an Excel workbook with its Chinese headers
		status, data, hdr = e.do("GET", "/api/v1/hidden-dangers?format=xlsx", "ly-inspector", nil, nil)
		if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/vnd.openxmlformats") {
			t.Fatalf("xlsx %d %s", status, hdr.Get("Content-Type"))
		}
		wb, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("xlsx does not open: %v", err)
		}
		rows, err := wb.GetRows(wb.GetSheetList()[0])
		if err != nil || len(rows) < 2 || rows[0][0] != "编号" || rows[0][4] != "隐患" {
			t.Fatalf("xlsx rows %v %v", rows, err)
		}
		found := false
		for _, r := range rows[1:] {
			found = found || (len(r) > 4 && r[4] == "储罐区可燃气体探头失效")
		}
		if !found {
			t.Errorf("xlsx lacks the reported hidden danger: %v", rows)
		}
	})
}

func TestRiskAndPlansAPI(t *testing.T) {
	forEachSupervisionBackend(t, func(t *testing.T, e *env, ent int64) {
		var d supervision.Diagnosis
		e.call("POST", "/api/v1/enterprise-risk/diagnoses", "ly-inspector", map[string]any{"enterprise_id": ent,
			"deductions": []map[string]any{{"code": "D01", "points": 10}, {"code": "D03", "points": 8}}}, 201, &d)
		if d.Score != 82 || d.Color != "yellow" {
			t.Errorf("diagnosis %+v", d)
		}
		data := e.call("POST", "/api/v1/enterprise-risk/diagnoses", "ly-inspector", map[string]any{"enterprise_id": ent,
			"deductions": []map[string]any{{"code": "D01", "points": 50}}}, 422, nil)
		if p := problemOf(t, data); len(p.Errors) != 1 || p.Errors[0].Row != 1 {
			t.Errorf("bad diagnosis %+v", p)
		}
		e.call("POST", "/api/v1/enterprise-risk/diagnoses", "ent", map[string]any{"enterprise_id": ent}, 403, nil)
		var risk struct {
			Items []supervision.Grade
		}
		e.call("GET", "/api/v1/enterprise-risk", "ent", nil, 200, &risk)
		if len(risk.Items) != 1 || risk.Items[0].Score != 82 {
			t.Errorf("risk %+v", risk)
		}
		status, body, hdr := e.do("GET", "/api/v1/enterprise-risk?format=geojson", "viewer", nil, nil)
		if status != 200 || hdr.Get("Content-Type") != "application/geo+json" || !strings.Contains(string(body), `"color":"yellow"`) {
			t.Errorf("geojson %d %s", status, body)
		}
		// weights are the city's.
		e.call("PUT", "/api/v1/enterprise-risk/weights", "ly-inspector", supervision.DefaultWeights(), 403, nil)
		w := supervision.DefaultWeights()
		w.OpenMajor = 12
		e.call("PUT", "/api/v1/enterprise-risk/weights", "admin", w, 200, nil)
		var got supervision.Weights
		e.call("GET", "/api/v1/enterprise-risk/weights", "viewer", nil, 200, &got)
		if got.OpenMajor != 12 || got.Version != 1 {
			t.Errorf("weights %+v", got)
		}
		// a second administrator who read the defaults is refused.
		w.OpenMajor = 5
		e.call("PUT", "/api/v1/enterprise-risk/weights", "admin", w, 409, nil)
		got.OpenMajor = 5
		e.call("PUT", "/api/v1/enterprise-risk/weights", "admin", got, 200, &got)
		if got.Version != 2 {
			t.Errorf("after the second save: %+v", got)
		}

		var p supervision.Plan
		e.call("POST", "/api/v1/inspection-plans", "ly-inspector", map[string]any{"name": "抽查", "matter": "危化品安全",
			"filter": map[string]any{"division_code": longyang}, "enterprise_count": 1}, 201, &p)
		if len(p.Assignments) != 1 || len(p.Assignments[0].Inspectors) != 2 || p.Seed == 0 {
			t.Fatalf("plan %+v", p)
		}
		e.call("POST", "/api/v1/inspection-plans", "tc-inspector", map[string]any{"name": "越权", "filter": map[string]any{"division_code": longyang}, "enterprise_count": 1}, 422, nil)
		var rec supervision.Record
		e.call("POST", "/api/v1/inspection-records", "ly-inspector", map[string]any{"plan_id": p.ID, "enterprise_id": ent, "inspectors": []string{"甲", "乙"},
			"inspected_at": time.Now().UTC().Add(-time.Hour).Format(time.RFC3339), "items": []map[string]any{{"code": "G01", "result": "pass"}}, "conclusion": "未发现问题"}, 201, &rec)
		status, body, _ = e.do("POST", fmt.Sprintf("/api/v1/inspection-plans/%d/publish", p.ID), "ly-inspector", nil, http.Header{"If-Match": {"1"}})
		if status != 409 {
			t.Errorf("publish with a stale version: %d %s", status, body)
		}
		e.call("POST", fmt.Sprintf("/api/v1/inspection-plans/%d/publish", p.ID), "ly-inspector", nil, 200, nil)
		var pub httpapi.List[httpapi.PublicPlan]
		e.call("GET", "/api/v1/public/inspection-plans", "", nil, 200, &pub)
		if pub.Total != 1 || pub.Items[0].Results[0].Result != "pass" || pub.Items[0].Seed != p.Seed {
			t.Errorf("public %+v", pub)
		}
		if raw, _ := json.Marshal(pub); strings.Contains(string(raw), "ly-inspector") {
			t.Error("the public page names inspectors")
		}
		var c supervision.Case
		e.call("POST", "/api/v1/enforcement-cases", "ly-inspector", map[string]any{"enterprise_id": ent, "record_id": rec.ID, "violation": "未按规定设置报警装置",
			"legal_basis": "《安全生产法》", "penalty_kind": "fine"}, 422, nil)
		e.call("POST", "/api/v1/enforcement-cases", "ly-inspector", map[string]any{"enterprise_id": ent, "record_id": rec.ID, "violation": "未按规定设置报警装置",
			"legal_basis": "《安全生产法》", "penalty_kind": "fine", "fine_cny": 30000}, 201, &c)
		status, body, _ = e.do("PATCH", fmt.Sprintf("/api/v1/enforcement-cases/%d", c.ID), "ly-inspector", map[string]any{"state": "decided", "penalty_kind": "fine", "fine_cny": 30000}, http.Header{"If-Match": {"7"}})
		if status != 409 {
			t.Errorf("stale case change %d %s", status, body)
		}
		e.call("GET", "/api/v1/enforcement-cases?format=csv", "ly-inspector", nil, 200, nil)
		if e.checked < 20 {
			t.Errorf("only %d responses validated", e.checked)
		}
	})
}
