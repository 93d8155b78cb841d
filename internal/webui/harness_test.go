package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/demo"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/store/storetest"
)

const (
	adminUser     = "admin"
	adminPassword = "Webui-test-password-1"
	// secUser is the security administrator, who alone manages accounts.
	secUser = "secadmin"
)

// treeRegions is the harness's httpapi.Regions: a fixed division tree.
type treeRegions struct{ tree *region.Tree }

func (r treeRegions) Tree() *region.Tree { return r.tree }

func (r treeRegions) Import(context.Context, []region.Division, []byte) (int, int, error) {
	return 0, 0, fmt.Errorf("the web UI harness does not import divisions")
}

// harness is a running platform: the real API over a SQLite store with
// the demo data, this package's UI, and a stub of the alarm routes (the
// harness has no perception pipeline; see stubAlarms).
type harness struct {
	t     testing.TB
	url   string
	token string
	// secToken is the security administrator's session (accounts).
	secToken string
	alarms   *stubAlarms // nil with the real perception side
	live     *livePerception
}

// startHarness runs the platform with the stubbed alarm routes.
func startHarness(t testing.TB) *harness { t.Helper(); return newHarness(t, harnessOptions{}) }

// startLiveHarness runs the platform with the real perception side: the
// ingest pipeline, the alarm service, the embedded MQTT broker and the
// live feed over an in-process bus (see startLivePerception).
func startLiveHarness(t *testing.T) *harness {
	t.Helper()
	return newHarness(t, harnessOptions{live: true})
}

// harnessOptions vary the harness: the real perception side, the UI's
// options, a changed division tree, and more API areas wired in.
type harnessOptions struct {
	live bool
	ui   Options
	// tree, when set, replaces the store's division tree (the same
	// divisions, e.g. with positions added).
	tree func(testing.TB, *region.Tree) *region.Tree
	// events, when set, serves the live feed instead of the stub's.
	events http.HandlerFunc
	// wire adds API areas once the demo data and the admin exist.
	wire func(api *httpapi.Server, db *store.DB, tree *region.Tree, reg *registry.Service)
}

func newHarness(t testing.TB, o harnessOptions) *harness {
	t.Helper()
	live := o.live
	db, tree := storetest.Open(t, storetest.Backends()[0])
	if o.tree != nil {
		tree = o.tree(t, tree)
	}
	rg := treeRegions{tree}
	authSvc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour,
		Divisions: func(c string) bool { _, ok := tree.Get(c); return ok },
		Enterprise: func(ctx context.Context, id int64) (string, error) {
			o, err := db.GetObject(ctx, registry.KEnterprise, id)
			if err != nil {
				return "", err
			}
			return o.Division, nil
		}}
	reg := &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}
	sys := core.WithActor(context.Background(), core.SystemActor)
	if _, err := demo.Load(sys, reg, tree, demo.DefaultSeed); err != nil {
		t.Fatalf("load the demo data: %v", err)
	}
	if _, err := authSvc.CreateUser(sys, auth.UserInput{Username: adminUser, Password: adminPassword, Role: "admin", Division: "530500"}); err != nil {
		t.Fatal(err)
	}
	// the security administrator manages the accounts (三员分立).
	if _, err := authSvc.CreateUser(sys, auth.UserInput{Username: secUser, Password: adminPassword, Role: "secadmin", Division: "530500"}); err != nil {
		t.Fatal(err)
	}
	api := &httpapi.Server{Registry: reg, Auth: authSvc, Regions: rg, DB: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}
	api.Duty = dutyForHarness(db, tree)
	h := &harness{t: t}
	if live {
		h.live = startLivePerception(t, db, reg)
		api.Perception = h.live.api(db)
		api.MQTTAddr = h.live.broker.Addr()
	}
	if o.wire != nil {
		o.wire(api, db, tree, reg)
	}
	ui, err := New(o.ui)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api.Handler())
	if !live {
		h.alarms = &stubAlarms{}
		mux.HandleFunc("GET /api/v1/alarms", h.alarms.list)
		events := h.alarms.events
		if o.events != nil {
			events = o.events
		}
		mux.HandleFunc("GET /api/v1/events", events)
		mux.HandleFunc("POST /api/v1/alarms/{id}/actions", h.alarms.act)
	}
	mux.Handle("/", ui.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h.url = srv.URL
	var login httpapi.LoginResponse
	h.getJSON("POST", "/api/v1/auth/login", fmt.Sprintf(`{"username":%q,"password":%q}`, adminUser, adminPassword), &login)
	h.token = login.Token
	h.getJSON("POST", "/api/v1/auth/login", fmt.Sprintf(`{"username":%q,"password":%q}`, secUser, adminPassword), &login)
	h.secToken = login.Token
	if h.alarms != nil {
		h.alarms.seed(h)
	}
	return h
}

// asSecAdmin is the harness calling the API as the security
// administrator.
func (h *harness) asSecAdmin() *harness {
	c := *h
	c.token = h.secToken
	return &c
}

// getJSON calls the API as the admin and decodes the answer.
func (h *harness) getJSON(method, path, body string, out any) {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, h.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 && res.StatusCode != 201 {
		b, _ := io.ReadAll(res.Body)
		h.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		h.t.Fatal(err)
	}
}

// geoFeature is the part of a GeoJSON feature the tests read.
type geoFeature struct {
	Properties struct {
		Code     string  `json:"code"`
		Division string  `json:"division_code"`
		Name     string  `json:"name"`
		Lon      float64 `json:"lon"`
		Lat      float64 `json:"lat"`
	} `json:"properties"`
}

// features lists a registry kind as GeoJSON.
func (h *harness) features(path string, limit int) (feats []geoFeature, total int) {
	var fc struct {
		Features []geoFeature `json:"features"`
		Total    int          `json:"total"`
	}
	h.getJSON("GET", fmt.Sprintf("/api/v1/%s?format=geojson&limit=%d", path, limit), "", &fc)
	return fc.Features, fc.Total
}

// stubAlarms stands in for the perception routes the harness lacks: two
// open alarms (red, yellow) on demo monitoring points, a live red alarm
// sent over SSE on connect, and actions that change the state and are
// recorded with the request's X-Requested-With header.
type stubAlarms struct {
	mu      sync.Mutex
	open    []map[string]any
	live    map[string]any
	actions []stubAction
}

type stubAction struct {
	ID, Action, RequestedWith string
	Feedback                  map[string]string
	Note                      string
}

func (s *stubAlarms) seed(h *harness) {
	pts, _ := h.features("monitoring-points", 3)
	if len(pts) < 3 {
		h.t.Fatalf("the demo data has %d monitoring points", len(pts))
	}
	mk := func(id int, p geoFeature, level string, ago time.Duration) map[string]any {
		return map[string]any{"id": id, "point": p.Properties.Code, "point_name": p.Properties.Name, "level": level,
			"state": "raised", "kind": "threshold", "message": "测试告警 " + level, "tier_name": "企业",
			"division_code": p.Properties.Division, "raised_at": time.Now().Add(-ago).UTC().Format(time.RFC3339), "overdue": level == "yellow"}
	}
	s.open = []map[string]any{mk(1, pts[1], "yellow", time.Hour), mk(2, pts[0], "red", 2*time.Hour)}
	s.live = mk(3, pts[2], "red", 0)
}

func (s *stubAlarms) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"items": s.open, "total": len(s.open)})
}

func (s *stubAlarms) events(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	data, _ := json.Marshal(map[string]any{"alarm": s.live, "event": map[string]any{"action": "raise"}})
	fmt.Fprintf(w, "event: alarm\ndata: %s\n\n", data)
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

func (s *stubAlarms) act(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Action   string            `json:"action"`
		Feedback map[string]string `json:"feedback"`
		Note     string            `json:"note"`
	}
	json.NewDecoder(r.Body).Decode(&req)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.actions = append(s.actions, stubAction{r.PathValue("id"), req.Action, r.Header.Get("X-Requested-With"), req.Feedback, req.Note})
	state := map[string]string{"acknowledge": "acknowledged", "dispose": "disposing", "close": "closed"}[req.Action]
	for _, a := range append(s.open, s.live) {
		if fmt.Sprint(a["id"]) == r.PathValue("id") {
			a["state"] = state
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(a)
			return
		}
	}
	http.Error(w, "no such alarm", 404)
}

func (s *stubAlarms) recorded() []stubAction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]stubAction(nil), s.actions...)
}

// The UI's redirect to the login page looks for the API's session cookie.
func TestSessionCookieMatchesAPI(t *testing.T) {
	if SessionCookie != httpapi.SessionCookie {
		t.Fatalf("webui.SessionCookie = %q, httpapi.SessionCookie = %q", SessionCookie, httpapi.SessionCookie)
	}
}
