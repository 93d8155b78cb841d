package webui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium; the browser tests need it and fail,
// never skip, without it.
const chromiumPath = "/usr/bin/chromium"

// browser starts a headless chromium with a w×h window. The deadline only
// bounds a hung browser; no assertion depends on timing.
func browser(t testing.TB, w, h int) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the browser tests need chromium at %s (apt-get install chromium): %v", chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(w, h),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelC := chromedp.NewContext(actx)
	// The first call starts the browser; it must not carry a deadline.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelT := context.WithTimeout(bctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// run runs browser actions and fails the test on an error.
func run(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitJS waits until a JavaScript expression is true.
func waitJS(t testing.TB, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("wait for %s: %v", what, err)
	}
}

// screenshot saves the viewport under testdata/screenshots (git-ignored).
func screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := filepath.Join("testdata", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// login signs in through the form and waits for the map to load.
func login(t testing.TB, ctx context.Context, h *harness, shot string) {
	t.Helper()
	run(t, ctx, "open the login page",
		chromedp.Navigate(h.url+"/"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")))
	path := eval[string](t, ctx, "location.pathname")
	if path != "/login" {
		t.Fatalf("a visitor without a session is at %s, want /login", path)
	}
	run(t, ctx, "fill the login form",
		chromedp.SendKeys(chromedp.CSS("#username"), adminUser),
		chromedp.SendKeys(chromedp.CSS("#password"), adminPassword))
	if shot != "" {
		screenshot(t, ctx, shot)
	}
	run(t, ctx, "submit the login form", chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitReady(chromedp.CSS("#legend .legend-item")))
	waitJS(t, ctx, "the map", "location.pathname === '/' && !!window.yingji && window.yingji.ready === true")
}

var mapLayers = []string{"monitoring-points", "enterprises", "hazard-sources", "facilities", "geohazard-points",
	"lifeline-assets", "rescue-teams", "warehouses", "shelters", "experts", "vehicles"}

// The map shows every demo feature: each legend count equals the API's
// total and the layer holds that many features.
func TestBrowserMapLayers(t *testing.T) {
	h := startHarness(t)
	ctx := browser(t, 1440, 900)
	login(t, ctx, h, "login")
	for _, path := range mapLayers {
		_, total := h.features(path, 1)
		got := eval[struct{ Legend, Features int }](t, ctx, fmt.Sprintf(`({Legend: +document.querySelector('#legend li[data-layer=%q] .count').dataset.count,
			Features: yingji.layers[%q].source.getFeatures().length})`, path, path))
		if got.Legend != total || got.Features != total {
			t.Errorf("%s: legend %d, features on the map %d, API total %d", path, got.Legend, got.Features, total)
		}
		if path != "vehicles" && total == 0 {
			t.Errorf("%s: the demo data has none", path)
		}
	}
	waitJS(t, ctx, "the map-ready performance mark", `performance.getEntriesByName('yingji-map-ready').length === 1`)
	screenshot(t, ctx, "onemap")

	// Switching a layer off hides its features.
	hits := eval[int](t, ctx, `yingji.hitTest('enterprises')`)
	if hits == 0 {
		t.Fatal("no enterprise is drawn under its own position")
	}
	run(t, ctx, "switch the enterprises off", chromedp.Click(chromedp.CSS(`#layer-enterprises`)))
	hits = eval[int](t, ctx, `yingji.hitTest('enterprises')`)
	if hits != 0 {
		t.Errorf("the enterprises layer is off but %d features are drawn", hits)
	}
	if eval[bool](t, ctx, `yingji.layers['enterprises'].layer.getVisible()`) {
		t.Error("the enterprises layer is still visible")
	}

	// Search flies to an enterprise and opens its panel.
	ents, _ := h.features("enterprises", 20)
	e := ents[len(ents)-1].Properties
	run(t, ctx, "search", chromedp.SendKeys(chromedp.CSS("#search"), e.Name+"\r"))
	waitJS(t, ctx, "the flight to "+e.Name, fmt.Sprintf(`(() => { const v = yingji.map.getView();
		const c = ol.proj.toLonLat(v.getCenter());
		return !v.getAnimating() && Math.abs(c[0] - %f) < 1e-5 && Math.abs(c[1] - %f) < 1e-5; })()`, e.Lon, e.Lat))
	title := eval[string](t, ctx, `document.getElementById('detail-title').textContent`)
	on := eval[bool](t, ctx, `yingji.layers['enterprises'].layer.getVisible()`)
	if title != e.Name || !on {
		t.Errorf("after the search the panel shows %q (want %q) and the layer visible = %v", title, e.Name, on)
	}
	screenshot(t, ctx, "onemap-search")
}
