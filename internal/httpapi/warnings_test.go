package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
	"github.com/yingji/yingji/internal/warning"
	"github.com/yingji/yingji/internal/warning/cap"
	"github.com/yingji/yingji/internal/warning/cap/captest"
)

type sink struct {
	mu  sync.Mutex
	got []warning.Delivery
}

func (s *sink) Deliver(ctx context.Context, d warning.Delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, d)
	return nil
}

type warnAPI struct {
	*env
	svc  *warning.Service
	sink *sink
	now  time.Time
}

// newWarnEnv is newEnv with the warnings area wired, a clock the test
// moves, and the people of the two-person rule.
func newWarnEnv(t *testing.T, b storetest.Backend) *warnAPI {
	t.Helper()
	db, tree := storetest.Open(t, b)
	rg := &regions{db: db}
	rg.tree.Store(tree)
	authSvc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour,
		Divisions: func(c string) bool { _, ok := rg.Tree().Get(c); return ok }}
	we := &warnAPI{sink: &sink{}, now: time.Now().UTC().Truncate(time.Second)}
	we.svc = &warning.Service{Store: db, Deliverer: we.sink, Clock: func() time.Time { return we.now },
		Issuer: warning.Issuer{Area: "530500", Dept: "001", Unit: "002", Ext: "00"}, Sender: "yjj.baoshan.gov.cn", SenderName: "保山市应急管理局",
		RequireCommander: true, ImportDivision: "530500", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		DivisionName: func(c string) (string, bool) { d, ok := rg.Tree().Get(c); return d.Name, ok },
		Locate:       func(p orb.Point) (string, bool) { d, ok := rg.Tree().Locate(p); return d.Code, ok },
		Alarm: func(ctx context.Context, id int64) (warning.AlarmFacts, error) {
			if id != 42 {
				return warning.AlarmFacts{}, core.Errorf(core.ENOTFOUND, "alarm %d not found", id)
			}
			return warning.AlarmFacts{ID: 42, Level: warning.Orange, PointKind: "toxic_gas", PointName: "示例化工厂有毒气体探测器1", Message: "硫化氢 30 ppm",
				Division: longyang, Lon: 99.16, Lat: 25.12, RaisedAt: we.now.Add(-10 * time.Minute)}, nil
		},
		Incident: func(ctx context.Context, id int64) (warning.IncidentFacts, error) {
			switch id {
			case 5: // a graded landslide with a place
				return warning.IncidentFacts{ID: 5, Number: "YJ-530502-20261128-0005", Type: "natural.geohazard.landslide", TypeName: "滑坡",
					Title: "示例滑坡", Division: longyang, Lon: 99.17, Lat: 25.11, HasPlace: true, Level: 3, OccurredAt: we.now.Add(-time.Hour)}, nil
			case 6: // an ungraded leak known only by its division
				return warning.IncidentFacts{ID: 6, Number: "YJ-530502-20261128-0006", Type: "accident.hazchem.leak", TypeName: "泄漏",
					Title: "示例泄漏", Division: longyang, OccurredAt: we.now.Add(-time.Hour)}, nil
			}
			return warning.IncidentFacts{}, core.Errorf(core.ENOTFOUND, "incident %d not found", id)
		}}
	api := &httpapi.Server{Registry: &registry.Service{Store: db, Regions: func() registry.Regions { return rg.Tree() }},
		Auth: authSvc, Regions: rg, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test",
		Warnings: &httpapi.Warnings{Service: we.svc}}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	we.env = &env{t: t, url: srv.URL, db: db, tree: tree, api: api, tokens: map[string]string{}}
	we.loadDocument()
	ctx := core.WithActor(context.Background(), core.SystemActor)
	for _, u := range []auth.UserInput{
		{Username: "ly-duty", Role: "duty_officer", Division: longyang},
		{Username: "ly-duty2", Role: "duty_officer", Division: longyang},
		{Username: "commander", Role: "commander", Division: "530500"},
		{Username: "admin", Role: "admin", Division: "530500"},
		{Username: "tc-duty", Role: "duty_officer", Division: tengchong},
		{Username: "viewer", Role: "viewer", Division: "530500"},
	} {
		u.Password = password
		if _, err := authSvc.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		we.login(u.Username)
	}
	return we
}

type warningJSON struct {
	ID         int64  `json:"id"`
	ChainID    int64  `json:"chain_id"`
	MsgType    string `json:"msg_type"`
	Status     string `json:"status"`
	State      string `json:"state"`
	Level      string `json:"level"`
	Identifier string `json:"identifier"`
	References string `json:"references"`
	Version    int    `json:"version"`
	CAPURL     string `json:"cap_url"`
	Text       struct {
		Event, Headline, Description string
	} `json:"text"`
	Area struct {
		Circles   []warning.Circle `json:"circles"`
		Divisions []string         `json:"divisions"`
	} `json:"area"`
}

func (e *warnAPI) draft(user string, body map[string]any) warningJSON {
	e.t.Helper()
	var w warningJSON
	e.call("POST", "/api/v1/warnings", user, body, 201, &w)
	return w
}

func (e *warnAPI) get(path, user string) (int, []byte, http.Header) {
	e.t.Helper()
	return e.do("GET", path, user, nil, nil)
}

func TestWarningsAPI(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newWarnEnv(t, b)
			expires := e.now.Add(6 * time.Hour).Format(time.RFC3339)
			body := map[string]any{"template": "rainstorm", "level": "orange", "expires": expires,
				"area": map[string]any{"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{99.10, 25.08}, {99.20, 25.08}, {99.20, 25.16}, {99.10, 25.16}, {99.10, 25.08}}}},
					"divisions": []string{longyang}},
				"english": map[string]any{"event": "Rainstorm", "description": "Heavy rain."}}
			w := e.draft("ly-duty", body)
			if w.Status != "draft" || w.Version != 1 || w.Level != "orange" {
				t.Fatalf("draft = %+v", w)
			}
			// permissions and scope.
			if st, _, _ := e.do("POST", "/api/v1/warnings", "viewer", body, nil); st != 403 {
				t.Errorf("viewer drafted: %d", st)
			}
			if st, _, _ := e.get(fmt.Sprintf("/api/v1/warnings/%d", w.ID), "tc-duty"); st != 404 {
				t.Errorf("Tengchong read a Longyang draft: %d", st)
			}
			st, data, _ := e.do("POST", "/api/v1/warnings", "ly-duty", map[string]any{"level": "orange", "event": "x", "area": map[string]any{}}, nil)
			if p := problemOf(t, data); st != 422 || len(p.Errors) < 4 {
				t.Errorf("incomplete draft = %d %+v", st, p)
			}
			// a draft's CAP is a preview for signed-in users only.
			if st, _, _ := e.get(fmt.Sprintf("/api/v1/warnings/%d/cap.xml", w.ID), ""); st != 404 {
				t.Errorf("a stranger read a draft's CAP: %d", st)
			}
			st, data, h := e.get(fmt.Sprintf("/api/v1/warnings/%d/cap.xml", w.ID), "ly-duty")
			if st != 200 || h.Get("Content-Type") != "application/cap+xml" {
				t.Fatalf("preview = %d %s", st, data)
			}
			captest.Valid(t, data)
			if !strings.Contains(string(data), "<status>Draft</status>") {
				t.Errorf("preview is not a Draft:\n%s", data)
			}
			// optimistic versioning.
			st, _, _ = e.do("PATCH", fmt.Sprintf("/api/v1/warnings/%d", w.ID), "ly-duty2", map[string]any{"instruction": "远离河道。"}, http.Header{"If-Match": {"9"}})
			if st != 409 {
				t.Errorf("stale edit = %d", st)
			}
			e.call("PATCH", fmt.Sprintf("/api/v1/warnings/%d", w.ID), "ly-duty2", map[string]any{"instruction": "远离河道。", "version": 1}, 200, &w)
			// two-person rule, then publish.
			if st, data, _ := e.do("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", w.ID), "ly-duty", nil, nil); st != 403 {
				t.Errorf("duty officer approved: %d %s", st, data)
			}
			e.call("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", w.ID), "commander", map[string]any{"version": w.Version}, 200, &w)
			e.call("POST", fmt.Sprintf("/api/v1/warnings/%d/publish", w.ID), "commander", nil, 200, &w)
			if w.Status != "published" || w.State != "active" || !warning.IdentifierPattern.MatchString(w.Identifier) {
				t.Fatalf("published = %+v", w)
			}
			if len(e.sink.got) != 1 || e.sink.got[0].WarningID != w.ID {
				t.Fatalf("deliveries = %+v", e.sink.got)
			}
			// the published public alert is public: CAP XML, CAP JSON, feed.
			st, data, _ = e.get(w.CAPURL, "")
			if st != 200 {
				t.Fatalf("public CAP = %d %s", st, data)
			}
			captest.Valid(t, data)
			a, err := cap.Decode(data)
			if err != nil || a.Identifier != w.Identifier || len(a.Infos) != 2 || a.Infos[0].Severity != "Severe" {
				t.Fatalf("CAP = %+v, %v", a, err)
			}
			st, data, _ = e.get(fmt.Sprintf("/api/v1/warnings/%d/cap.json", w.ID), "")
			var cj map[string]any
			json.Unmarshal(data, &cj)
			if st != 200 || cj["identifier"] != w.Identifier || cj["msgType"] != "Alert" {
				t.Errorf("CAP JSON = %d %s", st, data)
			}
			st, data, h = e.get("/api/v1/warnings/feed.atom", "")
			if st != 200 || h.Get("Content-Type") != "application/atom+xml" || !strings.Contains(string(data), fmt.Sprintf("/api/v1/warnings/%d/cap.xml", w.ID)) {
				t.Fatalf("feed = %d %s", st, data)
			}
			var list struct {
				Items []warningJSON `json:"items"`
				Total int           `json:"total"`
			}
			e.call("GET", "/api/v1/warnings?view=active", "viewer", nil, 200, &list)
			if list.Total != 1 {
				t.Errorf("active = %d", list.Total)
			}
			st, data, h = e.get("/api/v1/warnings?view=active&format=geojson", "viewer")
			if st != 200 || h.Get("Content-Type") != "application/geo+json" || !strings.Contains(string(data), `"MultiPolygon"`) {
				t.Errorf("geojson = %d %.300s", st, data)
			}
			// update and cancel, each approved and published.
			var up warningJSON
			e.call("POST", fmt.Sprintf("/api/v1/warnings/%d/update", w.ID), "ly-duty", map[string]any{"level": "red"}, 201, &up)
			if st, _, _ := e.do("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", up.ID), "admin", nil, nil); st != 403 {
				t.Errorf("a red update approved by the admin (not a commander): %d", st)
			}
			e.call("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", up.ID), "commander", nil, 200, nil)
			e.call("POST", fmt.Sprintf("/api/v1/warnings/%d/publish", up.ID), "commander", nil, 200, &up)
			if up.MsgType != "Update" || !strings.Contains(up.References, w.Identifier) {
				t.Fatalf("update = %+v", up)
			}
			var cn warningJSON
			st, _, _ = e.do("POST", fmt.Sprintf("/api/v1/warnings/%d/cancel", up.ID), "ly-duty", map[string]any{}, nil)
			if st != 422 {
				t.Errorf("cancel without a reason = %d", st)
			}
			e.call("POST", fmt.Sprintf("/api/v1/warnings/%d/cancel", up.ID), "ly-duty", map[string]any{"note": "雨停，解除。"}, 201, &cn)
			e.call("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", cn.ID), "commander", nil, 200, nil)
			e.call("POST", fmt.Sprintf("/api/v1/warnings/%d/publish", cn.ID), "commander", nil, 200, &cn)
			st, data, _ = e.get(fmt.Sprintf("/api/v1/warnings/%d/cap.xml", cn.ID), "")
			captest.Valid(t, data)
			if st != 200 || !strings.Contains(string(data), "<msgType>Cancel</msgType>") {
				t.Errorf("cancel CAP = %d %s", st, data)
			}
			e.call("GET", fmt.Sprintf("/api/v1/warnings/%d/history", w.ID), "viewer", nil, 200, &list)
			if list.Total != 3 || list.Items[0].Status != "superseded" || list.Items[1].Status != "cancelled" || list.Items[2].MsgType != "Cancel" {
				t.Errorf("history = %+v", list.Items)
			}
			e.call("GET", "/api/v1/warnings?view=active", "viewer", nil, 200, &list)
			if list.Total != 0 {
				t.Errorf("active after cancel = %d", list.Total)
			}
			if len(e.sink.got) != 3 {
				t.Errorf("deliveries = %d", len(e.sink.got))
			}
			// from an alarm: template by the point's kind, circle round the point.
			fa := e.draft("ly-duty", map[string]any{"from_alarm": 42, "radius_m": 1500, "expires": expires})
			if fa.Level != "orange" || len(fa.Area.Circles) != 1 || fa.Area.Circles[0].RadiusM != 1500 || !strings.Contains(fa.Text.Description, "硫化氢") {
				t.Errorf("from alarm = %+v", fa)
			}
			if st, _, _ := e.do("POST", "/api/v1/warnings", "ly-duty", map[string]any{"from_alarm": 7, "expires": expires}, nil); st != 422 {
				t.Errorf("unknown alarm = %d", st)
			}
			// from an incident: template by its type, level by its grade, a
			// circle round its place (or its division when it has none).
			fi := e.draft("ly-duty", map[string]any{"from_incident": 5, "expires": expires})
			if fi.Level != "yellow" || fi.Text.Event != "地质灾害（滑坡、泥石流）" || len(fi.Area.Circles) != 1 ||
				fi.Area.Circles[0].RadiusM != warning.DefaultIncidentRadiusM || !strings.Contains(fi.Text.Description, "YJ-530502-20261128-0005") {
				t.Errorf("from incident = %+v", fi)
			}
			if st, body, _ := e.do("POST", "/api/v1/warnings", "ly-duty", map[string]any{"from_incident": 6, "expires": expires}, nil); st != 422 || !strings.Contains(string(body), "level") {
				t.Errorf("ungraded incident without a level = %d %s", st, body)
			}
			fl := e.draft("ly-duty", map[string]any{"from_incident": 6, "level": "orange", "expires": expires})
			if fl.Text.Event != "危险化学品泄漏" || len(fl.Area.Divisions) != 1 || fl.Area.Divisions[0] != longyang {
				t.Errorf("from an incident without a place = %+v", fl)
			}
			if st, _, _ := e.do("POST", "/api/v1/warnings", "ly-duty", map[string]any{"from_incident": 9, "expires": expires}, nil); st != 422 {
				t.Errorf("unknown incident = %d", st)
			}
			var tl struct{ Total int }
			e.call("GET", "/api/v1/warnings/templates", "viewer", nil, 200, &tl)
			if tl.Total < 6 {
				t.Errorf("templates = %d", tl.Total)
			}
		})
	}
}

func TestWarningImportAPI(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newWarnEnv(t, b)
			xmlHeader := http.Header{"Content-Type": {"application/cap+xml"}}
			for _, name := range []string{"example_homeland_security.xml", "example_thunderstorm.xml", "example_earthquake.xml", "example_amber_alert.xml", "example_naads_wind_warning.xml"} {
				data, err := os.ReadFile(filepath.Join("..", "warning", "cap", "testdata", name))
				if err != nil {
					t.Fatal(err)
				}
				st, body, _ := e.do("POST", "/api/v1/warnings/import", "ly-duty", data, xmlHeader)
				var w warningJSON
				json.Unmarshal(body, &w)
				if st != 201 || w.Status != "imported" || w.Identifier == "" {
					t.Fatalf("import %s = %d %s", name, st, body)
				}
				if st, _, _ := e.do("POST", "/api/v1/warnings/import", "ly-duty", data, http.Header{"Content-Type": {"application/xml"}}); st != 409 {
					t.Errorf("re-import %s = %d", name, st)
				}
				// an imported message is not public here.
				if st, _, _ := e.get(w.CAPURL, ""); st != 404 {
					t.Errorf("imported CAP readable without signing in: %d", st)
				}
			}
			data, _ := os.ReadFile(filepath.Join("..", "warning", "cap", "testdata", "invalid_missing_scope.xml"))
			st, body, _ := e.do("POST", "/api/v1/warnings/import", "ly-duty", data, xmlHeader)
			p := problemOf(t, body)
			if st != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "/alert/info" || !strings.Contains(p.Errors[0].Message, "expected is scope") {
				t.Errorf("invalid import = %d %+v", st, p)
			}
			if st, _, _ := e.do("POST", "/api/v1/warnings/import", "ly-duty", data, nil); st != 422 {
				t.Errorf("JSON content type accepted: %d", st)
			}
			if st, _, _ := e.do("POST", "/api/v1/warnings/import", "viewer", data, xmlHeader); st != 403 {
				t.Errorf("viewer imported: %d", st)
			}
			if e.checked == 0 {
				t.Error("no response was validated against the OpenAPI document")
			}
		})
	}
}
