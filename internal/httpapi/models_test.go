package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/exposure"
	"github.com/yingji/yingji/internal/feeds"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/models/landslide"
	"github.com/yingji/yingji/internal/models/quake"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
)

// modelEnv is newEnv with the models wired over the same database, and a
// few registry records: in 隆阳区 a geohazard point with a rain gauge and a
// shelter, in 腾冲市 a shelter.
type modelEnv struct {
	*env
	ly, tc orb.Point
	live   *landslide.Live
	exp    *exposure.Service
}

func newModelEnv(t *testing.T, b storetest.Backend) *modelEnv {
	e := newEnv(t, b)
	pop, err := region.BaoshanPopulation()
	if err != nil {
		t.Fatal(err)
	}
	svc := &exposure.Service{Lister: e.db, Tree: func() *region.Tree { return e.tree }, Pop: pop,
		Context: func(ctx context.Context) context.Context { return core.WithActor(ctx, core.SystemActor) }}
	// a second server over the same services, with the models wired
	old := e.api
	g, err := feeds.GaoligongApprox()
	if err != nil {
		t.Fatal(err)
	}
	as := &feeds.Assessor{Tree: func() *region.Tree { return e.tree }, Exposure: svc.Index, Relation: quake.QinghaiTibet,
		MinMagnitude: 4, NearKm: 300, HotspotNearKm: 20, Areas: []feeds.Area{g}}
	runner := &feeds.Runner{Handle: func(ctx context.Context, ev feeds.Event) { as.Assess(ctx, ev) }}
	models := &httpapi.Models{Exposure: svc.Index,
		Feeds: func() []httpapi.FeedStatus {
			var out []httpapi.FeedStatus
			for _, s := range runner.Statuses() {
				lp := s.LastPoll
				out = append(out, httpapi.FeedStatus{Name: s.Name, Kind: s.Kind, Source: s.Source, LastPoll: &lp, EventsSeen: s.EventsSeen, Duplicates: s.Duplicates})
			}
			return out
		},
		FeedPost: func(ctx context.Context, kind string, body []byte) (httpapi.FeedAccepted, error) {
			n, fresh, err := runner.Push(ctx, kind, body)
			return httpapi.FeedAccepted{Events: n, New: fresh, Duplicates: n - fresh}, err
		},
		FeedEvents: func(n int) any { return as.Recent(n) },
		Rollups:    e.db.ReadRollups,
		Now:        func() time.Time { return fwiNow },
	}
	live, err := landslide.NewLive(landslide.DefaultConfig(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	models.Landslide = live
	e.api = &httpapi.Server{Registry: old.Registry, Auth: old.Auth, Regions: old.Regions, DB: old.DB, Logger: old.Logger, Version: old.Version,
		Models: models}
	srv := httptest.NewServer(e.api.Handler())
	t.Cleanup(srv.Close)
	e.url = srv.URL
	e.loadDocument()
	m := &modelEnv{env: e, live: live, exp: svc}
	m.ly, _ = e.tree.Center("530502")
	m.tc, _ = e.tree.Center("530581")
	ctx := core.WithActor(context.Background(), core.SystemActor)
	create := func(k *registry.Kind, o registry.Object) *registry.Object {
		t.Helper()
		objs, err := e.api.Registry.Create(ctx, k, []*registry.Input{{Object: o}})
		if err != nil {
			t.Fatalf("create %s: %v", k.Name, err)
		}
		return objs[0]
	}
	gh := create(registry.GeohazardPoint, registry.Object{Code: "GH-1", Name: "示例滑坡", Category: "landslide", Status: "active",
		Geometry: orb.Point{m.ly[0] + 0.01, m.ly[1]}, Attrs: map[string]any{"scale": "small"}})
	create(registry.MonitoringPoint, registry.Object{Code: "JY-1", Name: "示例雨量计", Category: "rainfall", Status: "active", OwnerID: gh.ID,
		Geometry: orb.Point{m.ly[0] + 0.02, m.ly[1]}, Attrs: map[string]any{"unit": "mm", "interval_s": 300}})
	create(registry.Shelter, registry.Object{Code: "BN-1", Name: "示例避难场所", Category: "type_3", Status: "active",
		Geometry: orb.Point{m.ly[0], m.ly[1] + 0.01}, Attrs: map[string]any{"capacity": 500}})
	create(registry.Shelter, registry.Object{Code: "BN-2", Name: "示例避难场所二", Category: "type_3", Status: "active",
		Geometry: m.tc, Attrs: map[string]any{"capacity": 800}})
	ix, err := svc.Index(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := live.Rebuild(httpapi.RegistryGeohazards(ix, registry.Scope{All: true})); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestExposureAPI(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			m := newModelEnv(t, b)
			var res exposure.Result
			m.call("POST", "/api/v1/exposure", "viewer", map[string]any{"circle": map[string]any{"lon": m.ly[0], "lat": m.ly[1], "radius_m": 5000}}, 200, &res)
			if res.Objects[registry.KShelter] != 1 || res.Objects[registry.KGeohazardPoint] != 1 || res.Objects[registry.KMonitoringPoint] != 1 {
				t.Errorf("objects %v", res.Objects)
			}
			if len(res.Counties) == 0 || res.Counties[0].Code != "530502" || res.Population <= 0 {
				t.Errorf("counties %+v population %d", res.Counties, res.Population)
			}
			// the whole of 腾冲市 as a drawn polygon: its census population back
			tc, _ := m.tree.Boundary("530581")
			raw, _ := json.Marshal(map[string]any{"type": "MultiPolygon", "coordinates": tc})
			res = exposure.Result{}
			m.call("POST", "/api/v1/exposure", "admin", map[string]any{"geometry": json.RawMessage(raw)}, 200, &res)
			if res.Population < 640000 || res.Population > 645000 || res.Objects[registry.KShelter] != 1 {
				t.Errorf("腾冲市: population %d, objects %v", res.Population, res.Objects)
			}
			// scope: a 腾冲 inspector sees nothing of 隆阳's records
			res = exposure.Result{}
			m.call("POST", "/api/v1/exposure", "tc-inspector", map[string]any{"circle": map[string]any{"lon": m.ly[0], "lat": m.ly[1], "radius_m": 5000}}, 200, &res)
			if len(res.Objects) != 0 || len(res.Items) != 0 {
				t.Errorf("out-of-scope objects %v: %+v", res.Objects, res.Items)
			}
			for _, c := range []struct {
				body  any
				field string
			}{
				{map[string]any{}, "geometry"},
				{map[string]any{"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{99, 25}, {99.1, 25}, {99, 25.1}}}}}, "geometry"},
				{map[string]any{"circle": map[string]any{"lon": 99, "lat": 25, "radius_m": -1}}, "circle"},
				{map[string]any{"circle": map[string]any{"lon": 99, "lat": 25, "radius_m": 10}, "kinds": []string{"school"}}, "kinds"},
			} {
				data := m.call("POST", "/api/v1/exposure", "admin", c.body, 422, nil)
				if p := problemOf(t, data); len(p.Errors) == 0 || p.Errors[0].Field != c.field {
					t.Errorf("%v: problem %+v, want field %s", c.body, p, c.field)
				}
			}
			m.call("POST", "/api/v1/exposure", "", map[string]any{}, 401, nil)
		})
	}
}

func TestModelAPIs(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			m := newModelEnv(t, b)

			var q struct {
				Epicentral float64 `json:"epicentral_intensity"`
				InRegion   bool    `json:"in_region"`
				Bands      []struct {
					Intensity int              `json:"intensity"`
					Exposure  *exposure.Result `json:"exposure"`
				} `json:"bands"`
				Zones struct {
					Features []json.RawMessage `json:"features"`
				} `json:"zones"`
			}
			m.call("POST", "/api/v1/models/quake", "viewer", map[string]any{"lon": m.ly[0], "lat": m.ly[1], "depth_km": 10, "magnitude": 6.4,
				"time": time.Date(2026, 5, 21, 13, 48, 0, 0, time.UTC)}, 200, &q)
			if !q.InRegion || len(q.Bands) != 3 || len(q.Zones.Features) != 3 || q.Bands[2].Intensity != 8 {
				t.Fatalf("quake: in region %v, %d bands", q.InRegion, len(q.Bands))
			}
			if top := q.Bands[2].Exposure; top == nil || top.Objects[registry.KShelter] != 1 {
				t.Errorf("VIII band exposure %+v", top)
			}
			data := m.call("POST", "/api/v1/models/quake", "viewer", map[string]any{"lon": 99, "lat": 25, "magnitude": 6, "relation": "gutenberg"}, 422, nil)
			if p := problemOf(t, data); p.Errors[0].Field != "relation" {
				t.Errorf("problem %+v", p)
			}

			var f struct {
				Days []struct {
					FWI   float64 `json:"fwi"`
					Level string  `json:"level"`
				} `json:"days"`
			}
			m.call("POST", "/api/v1/models/fwi", "viewer", map[string]any{"days": []map[string]any{
				{"date": "2026-03-01", "temp": 28, "rh": 20, "wind": 25, "rain": 0},
				{"date": "2026-03-02", "temp": 30, "rh": 15, "wind": 30, "rain": 0}}}, 200, &f)
			if len(f.Days) != 2 || f.Days[1].FWI <= f.Days[0].FWI || f.Days[1].Level == "" {
				t.Errorf("fwi %+v", f.Days)
			}
			data = m.call("POST", "/api/v1/models/fwi", "viewer", map[string]any{"days": []map[string]any{
				{"date": "2026-03-01", "temp": 28, "rh": 20, "wind": 25, "rain": 0},
				{"date": "03/02/2026", "temp": 30, "rh": 15, "wind": 30, "rain": 0}}}, 422, nil)
			if p := problemOf(t, data); p.Errors[0].Row != 2 || p.Errors[0].Field != "date" {
				t.Errorf("fwi problem %+v", p)
			}

			var pl struct {
				Class      string `json:"class"`
				Footprints []struct {
					Name     string           `json:"name"`
					Exposure *exposure.Result `json:"exposure"`
				} `json:"footprints"`
				Zones struct {
					Features []json.RawMessage `json:"features"`
				} `json:"zones"`
			}
			m.call("POST", "/api/v1/models/plume", "viewer", map[string]any{"q": 5, "u": 2, "class": "F", "lon": m.ly[0], "lat": m.ly[1],
				"wind_from": 180, "substance": "ammonia", "levels": []string{"AEGL-2", "AEGL-3"}, "x": 500}, 200, &pl)
			if pl.Class != "F" || len(pl.Footprints) != 2 || len(pl.Zones.Features) != 2 || pl.Footprints[0].Exposure == nil {
				t.Errorf("plume %+v", pl)
			}

			var bl struct {
				Rings []struct {
					RadiusM  float64          `json:"radius_m"`
					Exposure *exposure.Result `json:"exposure"`
				} `json:"rings"`
			}
			m.call("POST", "/api/v1/models/blast", "viewer", map[string]any{"tnt_kg": 1000, "distance_m": 100, "lon": m.ly[0], "lat": m.ly[1]}, 200, &bl)
			if len(bl.Rings) != 5 || bl.Rings[0].Exposure == nil {
				t.Errorf("blast %+v", bl)
			}

			// 30 mm in the last hour at the registry's rain gauge: above
			// Caine's 14.82 mm/h at 1 h (ratio 2.0) → red at the hazard point.
			now := time.Now().UTC().Truncate(time.Hour).Add(30 * time.Minute)
			var ls struct {
				Gauges int            `json:"gauges"`
				Counts map[string]int `json:"counts"`
				Points []struct {
					Point string  `json:"point"`
					Level string  `json:"level"`
					Ratio float64 `json:"id_ratio"`
				} `json:"points"`
			}
			m.call("POST", "/api/v1/models/landslide", "viewer", map[string]any{"readings": []map[string]any{
				{"gauge": "JY-1", "t": now.Add(-20 * time.Minute), "mm": 15}, {"gauge": "JY-1", "t": now, "mm": 15}}}, 200, &ls)
			if ls.Gauges != 1 || len(ls.Points) != 1 || ls.Points[0].Point != "GH-1" || ls.Points[0].Level != "red" {
				t.Errorf("landslide %+v", ls)
			}
			data = m.call("POST", "/api/v1/models/landslide", "viewer", map[string]any{"config": map[string]any{"default": map[string]any{"k": 2}}, "readings": []any{}}, 422, nil)
			if p := problemOf(t, data); !strings.Contains(p.Detail+fmt.Sprint(p.Errors), "k") {
				t.Errorf("landslide problem %+v", p)
			}
			// the live evaluator: running totals 0 → 25 mm within the hour
			m.live.Observe([]landslide.Total{{Gauge: "JY-1", T: now.Add(-25 * time.Minute), Value: 0}, {Gauge: "JY-1", T: now, Value: 25}})
			var lv struct {
				Counts map[string]int `json:"counts"`
				Points []struct {
					Point string `json:"point"`
					Level string `json:"level"`
				} `json:"points"`
			}
			m.call("GET", "/api/v1/models/landslide/live?level=yellow", "viewer", nil, 200, &lv)
			if len(lv.Points) != 1 || lv.Points[0].Level != "red" || lv.Counts["red"] != 1 {
				t.Errorf("live %+v", lv)
			}
			lv.Points = nil
			m.call("GET", "/api/v1/models/landslide/live", "tc-inspector", nil, 200, &lv)
			if len(lv.Points) != 0 {
				t.Errorf("a 腾冲 inspector sees 隆阳's points: %+v", lv.Points)
			}
			m.call("GET", "/api/v1/models/landslide/live?level=purple", "viewer", nil, 422, nil)
			if m.checked < 8 {
				t.Errorf("only %d responses validated", m.checked)
			}
		})
	}
}

func TestFeedAPIs(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			m := newModelEnv(t, b)
			csv, err := os.ReadFile("../feeds/testdata/firms_viirs.csv")
			if err != nil {
				t.Fatal(err)
			}
			var acc httpapi.FeedAccepted
			m.call("POST", "/api/v1/feeds/firms-csv", "sysadmin", csv, 202, &acc)
			if acc.Events != 3 || acc.New != 3 {
				t.Errorf("first push %+v", acc)
			}
			m.call("POST", "/api/v1/feeds/firms-csv", "sysadmin", csv, 202, &acc)
			if acc.New != 0 || acc.Duplicates != 3 {
				t.Errorf("second push %+v", acc)
			}
			m.call("POST", "/api/v1/feeds/firms-csv", "viewer", csv, 403, nil)
			m.call("POST", "/api/v1/feeds/firms-csv", "admin", csv, 403, nil) // the system administrator's, not the business one (三员分立)
			m.call("GET", "/api/v1/feeds", "viewer", nil, 403, nil)
			data := m.call("POST", "/api/v1/feeds/firms-csv", "sysadmin", "latitude,longitude\n", 422, nil)
			if p := problemOf(t, data); p.Errors[0].Field != "body" || !strings.Contains(p.Detail, `no column "acq_date"`) {
				t.Errorf("bad push: %+v", p)
			}
			data = m.call("POST", "/api/v1/feeds/rss", "sysadmin", "x", 422, nil)
			if p := problemOf(t, data); p.Errors[0].Field != "kind" {
				t.Errorf("bad kind: %+v", p)
			}
			var list struct {
				Items []httpapi.FeedStatus `json:"items"`
			}
			m.call("GET", "/api/v1/feeds", "sysadmin", nil, 200, &list)
			if len(list.Items) != 1 || list.Items[0].EventsSeen != 3 || list.Items[0].Duplicates != 3 {
				t.Errorf("feeds %+v", list.Items)
			}
			var evs struct {
				Items []struct {
					InRegion bool   `json:"in_region"`
					Level    string `json:"level"`
				} `json:"items"`
			}
			m.call("GET", "/api/v1/feeds/events?limit=10", "viewer", nil, 200, &evs)
			if len(evs.Items) != 3 || evs.Items[1].Level != "yellow" || !evs.Items[1].InRegion {
				t.Errorf("events %+v", evs.Items)
			}
		})
	}
}
