package webui

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// pageTiming is what the Performance API says about one page load, in
// milliseconds from the start of the navigation.
type pageTiming struct {
	Interactive float64 // DOMContentLoaded: the document parsed, scripts run
	Load        float64 // the load event ended
	MapReady    float64 // the 'yingji-map-ready' mark: every layer drawn once (the map page only)
	Features    int     // features on the map's layers
}

const timingJS = `(() => {
	const n = performance.getEntriesByType('navigation')[0];
	const m = performance.getEntriesByName('yingji-map-ready')[0];
	let f = 0;
	if (window.yingji && yingji.layers) for (const k in yingji.layers) f += yingji.layers[k].source.getFeatures().length;
	return {Interactive: n.domContentLoadedEventEnd, Load: n.loadEventEnd, MapReady: m ? m.startTime : 0, Features: f};
})()`

// measure loads a page and returns its timing once it is complete (for the
// map page, once the ready mark is set).
func measure(tb testing.TB, ctx context.Context, h *harness, page string, ready string) pageTiming {
	tb.Helper()
	run(tb, ctx, "open "+page, chromedp.Navigate(h.url+page))
	waitJS(tb, ctx, page+" loaded", ready)
	return eval[pageTiming](tb, ctx, timingJS)
}

// BenchmarkMapReady loads the one-map with the full demo data set in
// headless chromium and reports, from the browser's Performance API, the
// time from the navigation to the first complete render with every layer's
// features drawn (map-ready-ms), beside the load time of the login page
// (login-load-ms), a page without the map, as the baseline. No timing is
// asserted. Run with: go test ./internal/webui -run '^$' -bench MapReady
func BenchmarkMapReady(b *testing.B) {
	h := startHarness(b)
	ctx := browser(b, 1440, 900)
	login(b, ctx, h, "")
	var mapReady, mapLoad, mapInteractive, loginLoad float64
	features := 0
	n := 0
	for b.Loop() {
		m := measure(b, ctx, h, "/", `performance.getEntriesByName('yingji-map-ready').length > 0 && performance.getEntriesByType('navigation')[0].loadEventEnd > 0`)
		l := measure(b, ctx, h, "/login", `document.readyState === 'complete' && performance.getEntriesByType('navigation')[0].loadEventEnd > 0`)
		mapReady += m.MapReady
		mapLoad += m.Load
		mapInteractive += m.Interactive
		loginLoad += l.Load
		features = m.Features
		n++
	}
	avg := func(x float64) float64 { return x / float64(n) }
	b.ReportMetric(avg(mapReady), "map-ready-ms")
	b.ReportMetric(avg(mapInteractive), "map-domcontentloaded-ms")
	b.ReportMetric(avg(mapLoad), "map-load-ms")
	b.ReportMetric(avg(loginLoad), "login-load-ms")
	b.ReportMetric(avg(mapReady)/avg(loginLoad), "ready/login")
	b.ReportMetric(float64(features), "features")
	b.Logf("one-map ready %.0f ms (DOMContentLoaded %.0f ms, load %.0f ms) with %d features; login page loaded %.0f ms; ratio %.1f (mean of %d)",
		avg(mapReady), avg(mapInteractive), avg(mapLoad), features, avg(loginLoad), avg(mapReady)/avg(loginLoad), n)
}
