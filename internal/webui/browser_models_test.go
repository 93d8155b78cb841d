package webui

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/demo"
	"github.com/yingji/yingji/internal/exposure"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/models/landslide"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
	"github.com/yingji/yingji/internal/telemetry"
	"github.com/yingji/yingji/internal/warning"
)

// modelsHarness is the platform with the demo registry and the models
// wired (the shared harness leaves them out).
func modelsHarness(t *testing.T) string {
	t.Helper()
	db, tree := storetest.Open(t, storetest.Backends()[0])
	authSvc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour,
		Divisions: func(c string) bool { _, ok := tree.Get(c); return ok }}
	reg := &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}
	sys := core.WithActor(context.Background(), core.SystemActor)
	if _, err := demo.Load(sys, reg, tree, demo.DefaultSeed); err != nil {
		t.Fatalf("load the demo data: %v", err)
	}
	if _, err := authSvc.CreateUser(sys, auth.UserInput{Username: adminUser, Password: adminPassword, Role: "admin", Division: "530500"}); err != nil {
		t.Fatal(err)
	}
	pop, err := region.BaoshanPopulation()
	if err != nil {
		t.Fatal(err)
	}
	exp := &exposure.Service{Lister: db, Tree: func() *region.Tree { return tree }, Pop: pop,
		Context: func(ctx context.Context) context.Context { return core.WithActor(ctx, core.SystemActor) }}
	// the live geohazard evaluator over the demo gauges, with a storm at
	// the first gauge: 0 → 30 mm within the hour
	ix, err := exp.Index(sys)
	if err != nil {
		t.Fatal(err)
	}
	gauges, points := httpapi.RegistryGeohazards(ix, registry.Scope{All: true})
	live, err := landslide.NewLive(landslide.DefaultConfig(), gauges, points)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	live.Observe([]landslide.Total{{Gauge: gauges[0].ID, T: now.Add(-40 * time.Minute), Value: 0}, {Gauge: gauges[0].ID, T: now, Value: 30}})
	// noon readings of the last week at the demo weather station of 隆阳区
	sh := time.FixedZone("CST", 8*3600)
	var rs []telemetry.Rollup
	for _, o := range ix.Objects(registry.KMonitoringPoint, registry.Scope{All: true}) {
		if !strings.HasPrefix(o.Code, "QL-530502-01-QX-") {
			continue
		}
		v := map[string]float64{"temperature": 22, "humidity": 25, "wind_speed": 5, "rainfall": 0}[o.Category]
		for d := -7; d <= 0; d++ {
			day := now.In(sh).AddDate(0, 0, d)
			noon := time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, sh)
			r := telemetry.Rollup{PointID: o.ID, Resolution: telemetry.Hour, BucketMS: noon.UnixMilli()}
			r.Add(v)
			rs = append(rs, r)
		}
	}
	if len(rs) != 32 {
		t.Fatalf("%d roll-ups for the demo weather station of 隆阳区", len(rs))
	}
	if err := db.WriteSeries(sys, nil, rs, nil); err != nil {
		t.Fatal(err)
	}
	api := &httpapi.Server{Registry: reg, Auth: authSvc, Regions: treeRegions{tree}, DB: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test",
		Models: &httpapi.Models{Exposure: exp.Index, FeedEvents: func(int) any { return []any{} }, Landslide: live, Rollups: db.ReadRollups},
		Warnings: &httpapi.Warnings{Service: &warning.Service{Store: db, Clock: core.SystemClock, Issuer: warning.Issuer{Area: "530500", Dept: "001", Unit: "002", Ext: "00"},
			Sender: "yjj.baoshan.gov.cn", SenderName: "保山市应急管理局", RequireCommander: true, ImportDivision: "530500",
			Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
			DivisionName: func(c string) (string, bool) { d, ok := tree.Get(c); return d.Name, ok },
			Locate:       func(p orb.Point) (string, bool) { d, ok := tree.Locate(p); return d.Code, ok }}}}
	ui, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api.Handler())
	mux.Handle("/", ui.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// The decision-support page runs an earthquake and a plume: the zones are
// drawn on its map and each zone's exposure is listed with a population.
func TestBrowserModelsPage(t *testing.T) {
	url := modelsHarness(t)
	ctx := browser(t, 1440, 900)
	run(t, ctx, "sign in",
		chromedp.Navigate(url+"/login?next=/models"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), adminUser),
		chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#model-form")))
	waitJS(t, ctx, "the models page", "location.pathname === '/models' && !!window.yingjiModels && yingjiModels.ready")
	if got := eval[string](t, ctx, `document.querySelector('#nav-models').className`); got != "active" {
		t.Errorf("nav link class %q", got)
	}

	run(t, ctx, "run an Ms 6.4 in 隆阳区", chromedp.Click(chromedp.CSS("#model-run")))
	waitJS(t, ctx, "the quake zones drawn", "!!yingjiModels.last && yingjiModels.last.kind === 'quake' && yingjiModels.drawn === 3")
	got := eval[struct {
		Cards, Zones, Bands int
		First               string
	}](t, ctx, `({Cards: document.querySelectorAll('#model-zones .zone-card').length,
		Zones: document.querySelectorAll('#model-zones .exposure-counties').length,
		Bands: yingjiModels.last.res.bands.length,
		First: document.querySelector('#model-zones .zone-card h3').textContent})`)
	if got.Bands != 3 || got.Cards != 3 || got.Zones != 3 {
		t.Errorf("quake: %+v", got)
	}
	pop := eval[int](t, ctx, `yingjiModels.last.res.bands[0].exposure.population`)
	if pop <= 0 {
		t.Errorf("VI band population %d", pop)
	}
	screenshot(t, ctx, "models-quake")

	eval[bool](t, ctx, `(function () { const k = document.getElementById('in-kind'); k.value = 'plume'; k.dispatchEvent(new Event('change')); return true })()`)
	run(t, ctx, "run the plume", chromedp.Click(chromedp.CSS("#model-run")))
	waitJS(t, ctx, "the plume zones drawn", "!!yingjiModels.last && yingjiModels.last.kind === 'plume' && yingjiModels.drawn === 3")
	n := eval[int](t, ctx, `document.querySelectorAll('#model-zones .zone-card').length`)
	if n != 3 {
		t.Errorf("plume: %d zone cards, want 3 (IDLH, AEGL-2, AEGL-3)", n)
	}

	// The live geohazard layer shows the points near the storm.
	run(t, ctx, "show the live geohazard layer", chromedp.Click(chromedp.CSS("#layer-geohazard")))
	waitJS(t, ctx, "the live geohazard points", "yingjiModels.live !== undefined")
	if n := eval[int](t, ctx, "yingjiModels.live"); n < 1 {
		t.Errorf("live geohazard layer: %d points", n)
	}

	// The FWI layer shows the five demo weather stations; the one with a
	// week of dry noons has a level, the others no data.
	run(t, ctx, "show the FWI layer", chromedp.Click(chromedp.CSS("#layer-fwi")))
	waitJS(t, ctx, "the FWI stations", "yingjiModels.fwi !== undefined")
	if got := eval[map[string]int](t, ctx, "yingjiModels.fwi"); got["stations"] != 5 || got["levels"] != 1 {
		t.Errorf("FWI layer: %v", got)
	}

	// A bad magnitude is shown beside the form, not as a crash.
	eval[bool](t, ctx, `(function () { const k = document.getElementById('in-kind'); k.value = 'quake'; k.dispatchEvent(new Event('change'));
		document.getElementById('in-magnitude').value = '12'; return true })()`)
	run(t, ctx, "run a bad quake", chromedp.Click(chromedp.CSS("#model-run")))
	waitJS(t, ctx, "the field error", `!document.querySelector('[data-error-for="event"]').hidden`)

	// One click from a plume footprint drafts a warning with that zone as its
	// area and the chemical-leak template, and opens it for editing.
	eval[bool](t, ctx, `(function () { const k = document.getElementById('in-kind'); k.value = 'plume'; k.dispatchEvent(new Event('change')); return true })()`)
	run(t, ctx, "run the plume again", chromedp.Click(chromedp.CSS("#model-run")))
	waitJS(t, ctx, "the plume's warning buttons", "yingjiModels.last.kind === 'plume' && document.querySelectorAll('#model-zones .zone-warn').length === 3")
	run(t, ctx, "draft a warning from the first footprint", chromedp.Click(chromedp.CSS("#model-zones .zone-warn")))
	// the page navigates once the draft is stored: ask until it has (a
	// question asked mid-navigation fails and is asked again)
	id := ""
	for deadline := time.Now().Add(30 * time.Second); id == "" && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`)); err == nil && strings.HasSuffix(path, "/edit") && strings.HasPrefix(path, "/warnings/") {
			id = strings.Split(path, "/")[2]
		}
	}
	if id == "" {
		t.Fatalf("no draft's edit page; the page says %q", eval[string](t, ctx, `(document.getElementById('model-error') || {}).textContent || ''`))
	}
	w := eval[struct {
		Template string
		Area     struct{ Geometry struct{ Type string } }
	}](t, ctx, `(function () { const x = new XMLHttpRequest(); x.open('GET', '/api/v1/warnings/`+id+`', false); x.send(); return JSON.parse(x.responseText); })()`)
	if w.Template != "chemical_leak" || !strings.Contains(w.Area.Geometry.Type, "Polygon") {
		t.Errorf("warning drafted from the plume zone: %+v", w)
	}
}
