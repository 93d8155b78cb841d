package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/report"
	"github.com/yingji/yingji/internal/store/storetest"
)

// newIncidentEnv is newEnv with incident command wired, a fixed clock and
// officers in two counties.
func newIncidentEnv(t *testing.T, b storetest.Backend, now time.Time) *env {
	t.Helper()
	db, tree := storetest.Open(t, b)
	rg := &regions{db: db}
	rg.tree.Store(tree)
	authSvc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour,
		Divisions: func(c string) bool { _, ok := rg.Tree().Get(c); return ok }}
	svc := &incident.Service{Store: db, Regions: func() incident.Regions { return rg.Tree() }, Clock: func() time.Time { return now }}
	if err := svc.LoadTypes(core.WithActor(context.Background(), core.SystemActor)); err != nil {
		t.Fatal(err)
	}
	api := &httpapi.Server{Registry: &registry.Service{Store: db, Regions: func() registry.Regions { return rg.Tree() }},
		Auth: authSvc, Regions: rg, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test",
		Incidents: &httpapi.Incidents{Service: svc, Nearest: func(ctx context.Context, q httpapi.NearestQuery) ([]httpapi.NearestMatch, error) {
			// the ranking is dispatch's and is tested in cmd/yingji; here the
			// query the route hands over is echoed back.
			free := q.FreeCapacity
			return []httpapi.NearestMatch{{Kind: q.Kind, ID: 1, Name: fmt.Sprint(q.Needs), Lon: q.Lon, Lat: q.Lat, Tags: q.Tags, DistanceKm: 0, TravelMin: 0,
				Covers: q.Needs, FreePlaces: &free}}, nil
		}, Export: func(w io.Writer, format string, in *incident.Incident, r *incident.Report) error {
			if format == "docx" {
				return report.DOCX(w, r.Document(in))
			}
			return report.PDF(w, r.Document(in), report.Options{})
		}}}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	e := &env{t: t, url: srv.URL, db: db, tree: tree, api: api, tokens: map[string]string{}}
	e.loadDocument()
	ctx := core.WithActor(context.Background(), core.SystemActor)
	for _, u := range []auth.UserInput{
		{Username: "admin", Role: "admin", Division: "530500"},
		{Username: "ly-duty", Role: "duty_officer", Division: longyang},
		{Username: "ly-cmd", Role: "commander", Division: longyang},
		{Username: "tc-cmd", Role: "commander", Division: tengchong},
		{Username: "viewer", Role: "viewer", Division: "530500"},
	} {
		u.Password = password
		if _, err := authSvc.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		e.login(u.Username)
	}
	return e
}

func forEachIncidentBackend(t *testing.T, now time.Time, fn func(t *testing.T, e *env)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, newIncidentEnv(t, b, now)) })
	}
}

var incNow = time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC) // 10:00 in Beijing

func intakeBody(e *env, div, typ string, occurred time.Time) map[string]any {
	c, _ := e.tree.Center(div)
	return map[string]any{"title": "某化工厂液氨泄漏", "type": typ, "occurred_at": occurred.Format(time.RFC3339), "lon": c[0], "lat": c[1],
		"source": "phone", "reporter": "李四", "reporter_phone": "0875-2123456", "deaths": 0, "serious_injuries": 2}
}

// TestGradeEndpoint is the stable calculator interface of issue 5.
func TestGradeEndpoint(t *testing.T) {
	forEachIncidentBackend(t, incNow, func(t *testing.T, e *env) {
		var g struct {
			Grade     string `json:"grade"`
			Level     int    `json:"level"`
			Criterion string `json:"criterion"`
		}
		e.call("POST", "/api/v1/incidents/grade", "viewer", map[string]any{"category": "accident", "deaths": 3, "serious_injuries": 0, "direct_loss_cny": 0}, 200, &g)
		if g.Grade != "较大" || g.Level != 3 || g.Criterion != "deaths" {
			t.Errorf("3 deaths: %+v", g)
		}
		e.call("POST", "/api/v1/incidents/grade", "viewer", map[string]any{"category": "accident", "direct_loss_cny": 100_000_000}, 200, &g)
		if g.Grade != "特别重大" || g.Level != 1 {
			t.Errorf("100 million: %+v", g)
		}
		data := e.call("POST", "/api/v1/incidents/grade", "viewer", map[string]any{"category": "accident", "deaths": -1}, 422, nil)
		if p := problemOf(t, data); len(p.Errors) != 1 || p.Errors[0].Field != "deaths" {
			t.Errorf("negative deaths: %+v", p)
		}
		e.call("POST", "/api/v1/incidents/grade", "viewer", map[string]any{"category": "weather"}, 422, nil)
	})
}

type incidentJSON struct {
	ID        int64  `json:"id"`
	Number    string `json:"number"`
	Level     int    `json:"level"`
	Grade     string `json:"grade"`
	Version   int    `json:"version"`
	Division  string `json:"division_code"`
	Overdue   bool   `json:"overdue"`
	Deadlines []struct {
		Kind      string `json:"kind"`
		Due       string `json:"due"`
		Overdue   bool   `json:"overdue"`
		Remaining int64  `json:"remaining_s"`
	} `json:"deadlines"`
	Dispatches []struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	} `json:"dispatches"`
}

func TestIncidentIntakeAPI(t *testing.T) {
	forEachIncidentBackend(t, incNow, func(t *testing.T, e *env) {
		body := intakeBody(e, longyang, "accident.hazchem.leak", incNow.Add(-50*time.Minute))
		var a incidentJSON
		e.call("POST", "/api/v1/incidents", "ly-duty", body, 201, &a)
		if a.Number != "YJ-530502-20261128-0001" || a.Grade != "一般" || a.Level != 4 || a.Division[:6] != longyang {
			t.Fatalf("created %+v", a)
		}
		// the 1-hour clock runs from the event: 10 minutes left.
		if a.Deadlines[0].Kind != "initial" || a.Deadlines[0].Remaining != 600 || a.Deadlines[0].Overdue {
			t.Errorf("initial clock %+v", a.Deadlines[0])
		}
		// the same leak phoned in again is held back with the candidate.
		status, data, _ := e.do("POST", "/api/v1/incidents", "ly-duty", intakeBody(e, longyang, "accident.hazchem.leak", incNow.Add(-40*time.Minute)), nil)
		var dup struct {
			Code       string `json:"code"`
			Duplicates []struct {
				Number string `json:"number"`
			} `json:"duplicates"`
		}
		json.Unmarshal(data, &dup)
		if status != 409 || dup.Code != "conflict" || len(dup.Duplicates) != 1 || dup.Duplicates[0].Number != a.Number {
			t.Fatalf("duplicate intake: %d %s", status, data)
		}
		var check struct {
			Duplicates []any `json:"duplicates"`
			Grading    struct {
				Grade string `json:"grade"`
			} `json:"grading"`
		}
		e.call("POST", "/api/v1/incidents/check", "ly-duty", intakeBody(e, longyang, "accident.hazchem.leak", incNow), 200, &check)
		if len(check.Duplicates) != 1 || check.Grading.Grade != "一般" {
			t.Errorf("check %+v", check)
		}

		// casualties rise: the grade follows; a stale version is refused.
		var b incidentJSON
		e.call("PATCH", fmt.Sprintf("/api/v1/incidents/%d", a.ID), "ly-duty", map[string]any{"serious_injuries": 12, "version": a.Version}, 200, &b)
		if b.Grade != "较大" || b.Version != a.Version+1 {
			t.Errorf("after 12 injuries: %+v", b)
		}
		status, data, _ = e.do("PATCH", fmt.Sprintf("/api/v1/incidents/%d", a.ID), "ly-cmd", map[string]any{"deaths": 1}, http.Header{"If-Match": {fmt.Sprint(a.Version)}})
		if status != 409 || !strings.Contains(problemOf(t, data).Detail, "changed by someone else") {
			t.Errorf("stale change: %d %s", status, data)
		}
		// a county officer elsewhere sees nothing of it.
		e.call("GET", fmt.Sprintf("/api/v1/incidents/%d", a.ID), "tc-cmd", nil, 404, nil)
		var list struct {
			Total int `json:"total"`
		}
		e.call("GET", "/api/v1/incidents", "tc-cmd", nil, 200, &list)
		if list.Total != 0 {
			t.Errorf("Tengchong sees %d", list.Total)
		}
		// a duty officer may not close; the commander may.
		e.call("POST", fmt.Sprintf("/api/v1/incidents/%d/close", a.ID), "ly-duty", map[string]any{"summary": "x"}, 403, nil)
		e.call("POST", fmt.Sprintf("/api/v1/incidents/%d/close", a.ID), "ly-cmd", map[string]any{}, 422, nil)
		e.call("POST", fmt.Sprintf("/api/v1/incidents/%d/close", a.ID), "ly-cmd", map[string]any{"summary": "泄漏已控制，无人员死亡。"}, 200, nil)
		e.call("PUT", fmt.Sprintf("/api/v1/incidents/%d/review", a.ID), "ly-cmd", map[string]any{"summary": "处置及时", "findings": []string{"报警器失效"},
			"follow_ups": []map[string]any{{"title": "更换报警器", "owner": "企业"}}}, 200, nil)

		// GeoJSON for the one-map, CSV timeline.
		status, data, hdr := e.do("GET", "/api/v1/incidents?format=geojson&status=closed", "admin", nil, nil)
		if status != 200 || hdr.Get("Content-Type") != "application/geo+json" || !strings.Contains(string(data), a.Number) {
			t.Errorf("geojson: %d %s", status, data)
		}
		status, data, _ = e.do("GET", fmt.Sprintf("/api/v1/incidents/%d/timeline.csv", a.ID), "viewer", nil, nil)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if status != 200 || len(lines) < 6 || !strings.Contains(string(data), "grade") || !strings.Contains(string(data), "review") {
			t.Errorf("timeline csv: %d\n%s", status, data)
		}
	})
}

func TestIncidentOverdueFilter(t *testing.T) {
	forEachIncidentBackend(t, incNow, func(t *testing.T, e *env) {
		// an event 2 hours ago, recorded now: its 1-hour report is overdue.
		var a incidentJSON
		e.call("POST", "/api/v1/incidents", "ly-duty", intakeBody(e, longyang, "accident.fire", incNow.Add(-2*time.Hour)), 201, &a)
		if !a.Overdue || !a.Deadlines[0].Overdue {
			t.Fatalf("not overdue: %+v", a)
		}
		var list struct {
			Total int `json:"total"`
		}
		e.call("GET", "/api/v1/incidents?overdue=true", "ly-duty", nil, 200, &list)
		if list.Total != 1 {
			t.Fatalf("overdue list %d", list.Total)
		}
		// the initial report is recorded; the onward clock (2 h from receipt) is next.
		e.call("POST", fmt.Sprintf("/api/v1/incidents/%d/upward", a.ID), "ly-duty", map[string]any{"kind": "initial", "to": "隆阳区应急管理局"}, 200, &a)
		if a.Overdue {
			t.Errorf("still overdue after the initial report: %+v", a.Deadlines)
		}
		e.call("GET", "/api/v1/incidents?overdue=true", "ly-duty", nil, 200, &list)
		if list.Total != 0 {
			t.Errorf("overdue list after the report: %d", list.Total)
		}
	})
}

func TestIncidentDispatchAPI(t *testing.T) {
	forEachIncidentBackend(t, incNow, func(t *testing.T, e *env) {
		c, _ := e.tree.Center(longyang)
		var wh struct {
			ID int64 `json:"id"`
		}
		e.call("POST", "/api/v1/warehouses", "admin", map[string]any{"code": "WH-LY", "name": "隆阳区应急物资库", "warehouse_level": "county",
			"geometry": map[string]any{"type": "Point", "coordinates": []float64{c[0], c[1]}},
			"stock":    []map[string]any{{"item": "帐篷", "quantity": 50, "unit": "顶"}}}, 201, &wh)
		var a incidentJSON
		e.call("POST", "/api/v1/incidents", "ly-duty", intakeBody(e, longyang, "natural.geohazard.landslide", incNow.Add(-time.Hour)), 201, &a)
		path := fmt.Sprintf("/api/v1/incidents/%d/dispatches", a.ID)
		e.call("POST", path, "ly-duty", map[string]any{"kind": "supplies", "resource_id": wh.ID, "items": []map[string]any{{"item": "帐篷", "quantity": 10}}}, 403, nil)
		data := e.call("POST", path, "ly-cmd", map[string]any{"kind": "supplies", "resource_id": wh.ID, "items": []map[string]any{{"item": "帐篷", "quantity": 80}}}, 422, nil)
		if p := problemOf(t, data); len(p.Errors) != 1 || p.Errors[0].Field != "items[0].quantity" || !strings.Contains(p.Errors[0].Message, "帐篷") {
			t.Errorf("overdraw: %s", data)
		}
		var d struct {
			ID      int64  `json:"id"`
			Status  string `json:"status"`
			Version int    `json:"version"`
		}
		e.call("POST", path, "ly-cmd", map[string]any{"kind": "supplies", "resource_id": wh.ID, "items": []map[string]any{{"item": "帐篷", "quantity": 30}}}, 201, &d)
		var after struct {
			Stock []registry.StockLine `json:"stock"`
		}
		e.call("GET", fmt.Sprintf("/api/v1/warehouses/%d", wh.ID), "admin", nil, 200, &after)
		if after.Stock[0].Quantity != 20 {
			t.Errorf("stock after dispatch %+v", after.Stock)
		}
		var near struct {
			Items []struct {
				Name   string             `json:"name"`
				Covers map[string]float64 `json:"covers"`
				Lon    float64            `json:"lon"`
			} `json:"items"`
		}
		e.call("GET", fmt.Sprintf("/api/v1/incidents/%d/resources?kind=warehouse&needs=%s", a.ID, url.QueryEscape("帐篷:100,棉被:20")), "ly-duty", nil, 200, &near)
		if len(near.Items) != 1 || near.Items[0].Covers["棉被"] != 20 || near.Items[0].Lon != c[0] {
			t.Errorf("resources query %+v", near)
		}
		data = e.call("GET", fmt.Sprintf("/api/v1/incidents/%d/resources?kind=warehouse&needs=%s", a.ID, url.QueryEscape("帐篷")), "ly-duty", nil, 422, nil)
		if p := problemOf(t, data); len(p.Errors) != 1 || p.Errors[0].Field != "needs" {
			t.Errorf("bad needs: %s", data)
		}
		e.call("GET", fmt.Sprintf("/api/v1/incidents/%d/resources", a.ID), "ly-duty", nil, 422, nil)
		dp := fmt.Sprintf("%s/%d", path, d.ID)
		e.call("PATCH", dp, "ly-duty", map[string]any{"status": "on_site"}, 409, nil)
		for _, s := range []string{"en_route", "on_site"} {
			e.call("PATCH", dp, "ly-duty", map[string]any{"status": s}, 200, &d)
		}
		// the incident cannot close while the supplies are out.
		e.call("POST", fmt.Sprintf("/api/v1/incidents/%d/close", a.ID), "ly-cmd", map[string]any{"summary": "x"}, 409, nil)
		e.call("PATCH", dp, "ly-duty", map[string]any{"status": "returned", "returned_items": []map[string]any{{"item": "帐篷", "quantity": 5}}}, 200, &d)
		e.call("GET", fmt.Sprintf("/api/v1/warehouses/%d", wh.ID), "admin", nil, 200, &after)
		if after.Stock[0].Quantity != 25 {
			t.Errorf("stock after return %+v", after.Stock)
		}
	})
}

func TestIncidentPlansReportsAttachments(t *testing.T) {
	forEachIncidentBackend(t, incNow, func(t *testing.T, e *env) {
		body := intakeBody(e, longyang, "accident.hazchem.leak", incNow.Add(-time.Hour))
		body["deaths"] = 10
		var a incidentJSON
		e.call("POST", "/api/v1/incidents", "ly-duty", body, 201, &a)
		if a.Grade != "重大" {
			t.Fatalf("10 deaths: %s", a.Grade)
		}
		var sug struct {
			Items []struct {
				PlanID int64  `json:"plan_id"`
				Code   string `json:"code"`
				Level  int    `json:"level"`
			} `json:"items"`
		}
		e.call("GET", fmt.Sprintf("/api/v1/incidents/%d/plans", a.ID), "ly-duty", nil, 200, &sug)
		if len(sug.Items) != 1 || sug.Items[0].Code != "BS-YA-WHP" || sug.Items[0].Level != 2 {
			t.Fatalf("suggestions %+v", sug)
		}
		var act struct {
			ResponseLevel int `json:"response_level"`
			Tasks         []struct {
				ID    int64  `json:"id"`
				Owner string `json:"owner"`
			} `json:"tasks"`
		}
		e.call("POST", fmt.Sprintf("/api/v1/incidents/%d/activate", a.ID), "ly-cmd", map[string]any{"plan_id": sug.Items[0].PlanID, "level": 2}, 200, &act)
		if act.ResponseLevel != 2 || len(act.Tasks) != 3 {
			t.Fatalf("activation %+v", act)
		}
		e.call("PATCH", fmt.Sprintf("/api/v1/incidents/%d/tasks/%d", a.ID, act.Tasks[0].ID), "ly-duty", map[string]any{"status": "done", "notes": "已处置"}, 200, nil)
		e.call("PATCH", fmt.Sprintf("/api/v1/incidents/%d/tasks/%d", a.ID, act.Tasks[0].ID), "ly-duty", map[string]any{"status": "finished"}, 422, nil)

		var r struct {
			ID     int64  `json:"id"`
			Number string `json:"number"`
			Status string `json:"status"`
		}
		e.call("POST", fmt.Sprintf("/api/v1/incidents/%d/reports", a.ID), "ly-duty", map[string]any{"course": "11月28日9时许，储罐阀门破裂导致液氨泄漏。"}, 201, &r)
		rp := fmt.Sprintf("/api/v1/incidents/%d/reports/%d", a.ID, r.ID)
		e.call("PATCH", rp, "ly-duty", map[string]any{"section": map[string]any{"heading": "医疗救治", "body": "伤员已送医。"}}, 200, nil)
		e.call("POST", rp+"/submit", "ly-duty", map[string]any{}, 200, nil)
		e.call("POST", rp+"/approve", "ly-duty", map[string]any{}, 403, nil)
		e.call("POST", rp+"/approve", "ly-cmd", map[string]any{}, 200, nil)
		e.call("POST", rp+"/publish", "ly-cmd", map[string]any{}, 200, &r)
		if r.Number != a.Number+"-R1" || r.Status != "published" {
			t.Errorf("published %+v", r)
		}
		e.call("PATCH", rp, "ly-duty", map[string]any{"course": "x"}, 409, nil)
		for format, magic := range map[string]string{"pdf": "%PDF-", "docx": "PK"} {
			status, data, hdr := e.do("GET", rp+"/"+format, "viewer", nil, nil)
			if status != 200 || !bytes.HasPrefix(data, []byte(magic)) || !strings.Contains(hdr.Get("Content-Disposition"), r.Number+"."+format) {
				t.Errorf("%s export: %d %q %.20q", format, status, hdr.Get("Content-Disposition"), data)
			}
		}

		// attachments: a PNG is kept, a file that lies about its type is refused.
		png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
		status, data := incUpload(t, e, a.ID, "scene.png", "image/png", png)
		if status != 201 {
			t.Fatalf("png upload: %d %s", status, data)
		}
		status, data = incUpload(t, e, a.ID, "scene.png", "image/png", []byte("<html>not a picture</html>"))
		if status != 422 || !strings.Contains(string(data), "does not contain") {
			t.Errorf("lying upload: %d %s", status, data)
		}
		status, data = incUpload(t, e, a.ID, "run.exe", "application/x-msdownload", []byte("MZ\x90\x00"))
		if status != 422 {
			t.Errorf("exe upload: %d %s", status, data)
		}
		var got struct {
			Attachments []struct {
				ID   int64 `json:"id"`
				Size int64 `json:"size"`
			} `json:"attachments"`
		}
		e.call("GET", fmt.Sprintf("/api/v1/incidents/%d", a.ID), "viewer", nil, 200, &got)
		if len(got.Attachments) != 1 || got.Attachments[0].Size != int64(len(png)) {
			t.Fatalf("attachments %+v", got)
		}
		status, data, hdr := e.do("GET", fmt.Sprintf("/api/v1/incidents/%d/attachments/%d", a.ID, got.Attachments[0].ID), "viewer", nil, nil)
		if status != 200 || !bytes.Equal(data, png) || hdr.Get("Content-Type") != "image/png" {
			t.Errorf("download: %d %q", status, hdr.Get("Content-Type"))
		}
	})
}

func TestIncidentTypesAndPlansAdmin(t *testing.T) {
	forEachIncidentBackend(t, incNow, func(t *testing.T, e *env) {
		var types struct {
			Total int `json:"total"`
		}
		e.call("GET", "/api/v1/incident-types", "viewer", nil, 200, &types)
		if types.Total < 30 {
			t.Errorf("%d event types", types.Total)
		}
		newType := map[string]any{"name": "冰湖溃决", "name_en": "glacial lake outburst"}
		e.call("PUT", "/api/v1/incident-types/natural.flood.glof", "ly-duty", newType, 403, nil)
		var et struct {
			Version int `json:"version"`
		}
		e.call("PUT", "/api/v1/incident-types/natural.flood.glof", "ly-cmd", newType, 200, &et)
		e.call("PUT", "/api/v1/incident-types/natural.flood.glof", "ly-cmd", newType, 409, nil) // exists: send the version
		newType["version"] = et.Version
		newType["deadlines"] = map[string]any{"initial": "30m", "onward": "1h", "follow_up": "12h", "follow_up_major": "6h", "casualty_window": "168h"}
		e.call("PUT", "/api/v1/incident-types/natural.flood.glof", "ly-cmd", newType, 200, nil)
		e.call("PUT", "/api/v1/incident-types/natural.nope.x", "ly-cmd", map[string]any{"name": "x"}, 422, nil)
		// an incident of the new type runs the configured 30-minute clock.
		var a incidentJSON
		e.call("POST", "/api/v1/incidents", "ly-duty", intakeBody(e, longyang, "natural.flood.glof", incNow), 201, &a)
		if a.Deadlines[0].Remaining != 1800 {
			t.Errorf("configured initial clock: %+v", a.Deadlines[0])
		}
		data := e.call("POST", "/api/v1/plans", "ly-cmd", map[string]any{"code": "X", "name": "x", "types": []string{"nope"}, "levels": []any{}}, 422, nil)
		if p := problemOf(t, data); len(p.Errors) < 2 {
			t.Errorf("bad plan: %s", data)
		}
	})
}

func incUpload(t *testing.T, e *env, id int64, name, ct string, content []byte) (int, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
	h.Set("Content-Type", ct)
	pw, _ := mw.CreatePart(h)
	pw.Write(content)
	mw.Close()
	status, data, _ := e.do("POST", fmt.Sprintf("/api/v1/incidents/%d/attachments", id), "ly-duty", buf.Bytes(), http.Header{"Content-Type": {mw.FormDataContentType()}})
	return status, data
}
