package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// burstFeed is a live feed (SSE) that is quiet until switched on, then
// sends what the platform sends under load: every monitoring point's
// latest value once a second (the simulator's default rate, one reading
// per point per second), batched per county every 100 ms as the live feed
// batches them, and alarmsPerSec alarm changes a second over a pool of
// points (raise, climb a level, close), each one an 'alarm' event that
// re-sorts the feed and recolours the map.
type burstFeed struct {
	points       []geoFeature
	alarmsPerSec int
	on           atomic.Bool
	sent         atomic.Int64
	mu           sync.Mutex
	seq          int
}

func (f *burstFeed) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	fl := w.(http.Flusher)
	fl.Flush()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	levels := []string{"blue", "yellow", "orange", "red"}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
		if !f.on.Load() {
			continue
		}
		now := time.Now().UTC()
		// a tenth of the points' latest values, per county
		f.mu.Lock()
		start := f.seq
		f.seq++
		f.mu.Unlock()
		byCounty := map[string][]map[string]any{}
		for i := start % 10; i < len(f.points); i += 10 {
			p := f.points[i].Properties
			byCounty[p.Division[:6]] = append(byCounty[p.Division[:6]], map[string]any{"point": p.Code, "value": float64(i%97) + float64(start%10)/10,
				"ts": now.Format(time.RFC3339Nano), "division_code": p.Division})
		}
		for _, list := range byCounty {
			data, _ := json.Marshal(list)
			fmt.Fprintf(w, "event: latest\ndata: %s\n\n", data)
			f.sent.Add(1)
		}
		// alarm changes over a pool of 200 points
		for k := 0; k < f.alarmsPerSec/10; k++ {
			n := start*f.alarmsPerSec/10 + k
			p := f.points[n%200].Properties
			state := "raised"
			if (n/200)%4 == 3 {
				state = "closed"
			}
			a := map[string]any{"id": 1000 + n%200, "point": p.Code, "point_name": p.Name, "level": levels[(n/200)%4], "state": state,
				"kind": "threshold", "message": "压力超限", "tier_name": "企业", "division_code": p.Division,
				"raised_at": now.Format(time.RFC3339Nano), "overdue": false}
			data, _ := json.Marshal(map[string]any{"alarm": a, "event": map[string]any{"action": "raise"}})
			fmt.Fprintf(w, "event: alarm\ndata: %s\n\n", data)
			f.sent.Add(1)
		}
		fl.Flush()
	}
}

// frameStats are requestAnimationFrame intervals while panning.
type frameStats struct {
	Frames          int
	Mean, P95, Max  float64
	Long            int // frames longer than 50 ms (a "long" frame)
	DurationMs      float64
	PannedPx, Moves int
}

// pan drags the map with the mouse (press, moves of 8 px, release), as a
// user pans, while the page records every animation frame's interval.
func pan(tb testing.TB, ctx context.Context, moves int) frameStats {
	tb.Helper()
	run(tb, ctx, "record frames", chromedp.Evaluate[chromedp.Void](`(() => {
		window.__frames = []; window.__recording = true; let last = performance.now();
		const step = (t) => { window.__frames.push(t - last); last = t; if (window.__recording) requestAnimationFrame(step); };
		requestAnimationFrame((t) => { last = t; requestAnimationFrame(step); });
	})()`))
	box := eval[[]float64](tb, ctx, `(() => { const r = document.getElementById('map').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`)
	x, y := box[0]-200, box[1]
	start := time.Now()
	acts := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft)}
	for i := 1; i <= moves; i++ {
		dx := float64((i % 100) * 8)
		if (i/100)%2 == 1 {
			dx = float64((100 - i%100) * 8)
		}
		acts = append(acts, chromedp.MouseEvent(chromedp.MouseMoved, x+dx/2, y+float64(i%20), chromedp.ButtonLeft))
	}
	acts = append(acts, chromedp.MouseEvent(chromedp.MouseReleased, x, y, chromedp.ButtonLeft))
	run(tb, ctx, "pan", acts...)
	elapsed := time.Since(start)
	frames := eval[[]float64](tb, ctx, `(() => { window.__recording = false; return window.__frames.slice(1); })()`)
	if len(frames) < 10 {
		tb.Fatalf("only %d frames recorded while panning", len(frames))
	}
	sort.Float64s(frames)
	st := frameStats{Frames: len(frames), Max: frames[len(frames)-1], P95: frames[len(frames)*95/100], DurationMs: float64(elapsed.Milliseconds()), Moves: moves}
	for _, d := range frames {
		st.Mean += d
		if d > 50 {
			st.Long++
		}
	}
	st.Mean /= float64(len(frames))
	return st
}

// BenchmarkPanDuringLiveUpdates pans the one-map (full demo data) with
// the mouse twice per iteration: with the live feed quiet (the baseline)
// and during a burst of live updates (every point's value each second
// and 50 alarm changes a second), recording requestAnimationFrame
// intervals in the page. It reports the mean, 95th-percentile and worst
// frame interval of each and the burst/quiet ratios; a ratio near 1 means
// the updates do not hold up panning. No timing is asserted.
// Run with: go test ./internal/webui -run '^$' -bench PanDuringLiveUpdates
func BenchmarkPanDuringLiveUpdates(b *testing.B) {
	feed := &burstFeed{alarmsPerSec: 50}
	h := newHarness(b, harnessOptions{events: feed.serve})
	feed.points, _ = h.features("monitoring-points", 5000)
	ctx := browser(b, 1440, 900)
	login(b, ctx, h, "")
	run(b, ctx, "mute the alarm sound", chromedp.Evaluate[chromedp.Void](`localStorage.setItem('yingji.alarms.muted', '1')`), chromedp.Reload())
	waitJS(b, ctx, "the map", `!!window.yingji && yingji.ready && yingji.rendered === true`)
	const moves = 200
	var quiet, burst []frameStats
	var events int64
	var burstMs float64
	for b.Loop() {
		feed.on.Store(false)
		time.Sleep(300 * time.Millisecond) // let the page settle
		quiet = append(quiet, pan(b, ctx, moves))
		feed.on.Store(true)
		time.Sleep(500 * time.Millisecond) // the burst is under way before the pan
		before := feed.sent.Load()
		s := pan(b, ctx, moves)
		events += feed.sent.Load() - before
		burstMs += s.DurationMs
		burst = append(burst, s)
		feed.on.Store(false)
	}
	if n := eval[int](b, ctx, `document.querySelectorAll('#alarm-list li.alarm').length`); n == 0 {
		b.Fatal("the burst's alarms never reached the feed")
	}
	mean := func(ss []frameStats, f func(frameStats) float64) float64 {
		t := 0.0
		for _, s := range ss {
			t += f(s)
		}
		return t / float64(len(ss))
	}
	qm, bm := mean(quiet, func(s frameStats) float64 { return s.Mean }), mean(burst, func(s frameStats) float64 { return s.Mean })
	qp, bp := mean(quiet, func(s frameStats) float64 { return s.P95 }), mean(burst, func(s frameStats) float64 { return s.P95 })
	qx, bx := mean(quiet, func(s frameStats) float64 { return s.Max }), mean(burst, func(s frameStats) float64 { return s.Max })
	ql, bl := mean(quiet, func(s frameStats) float64 { return float64(s.Long) }), mean(burst, func(s frameStats) float64 { return float64(s.Long) })
	qd, bd := mean(quiet, func(s frameStats) float64 { return s.DurationMs }), mean(burst, func(s frameStats) float64 { return s.DurationMs })
	rate := float64(events) / (burstMs / 1000)
	b.ReportMetric(qm, "quiet-frame-ms")
	b.ReportMetric(bm, "burst-frame-ms")
	b.ReportMetric(bm/qm, "mean-burst/quiet")
	b.ReportMetric(bp/qp, "p95-burst/quiet")
	b.ReportMetric(bx/qx, "max-burst/quiet")
	b.ReportMetric(bd/qd, "pan-time-burst/quiet")
	b.ReportMetric(rate, "sse-events/s")
	b.Logf("frame interval while panning (%d mouse moves, mean of %d): quiet mean %.1f p95 %.1f max %.1f ms, %.1f long frames, pan %.0f ms; "+
		"burst (%.0f SSE events/s) mean %.1f p95 %.1f max %.1f ms, %.1f long frames, pan %.0f ms; ratios mean %.2f p95 %.2f max %.2f pan time %.2f",
		moves, len(quiet), qm, qp, qx, ql, qd, rate, bm, bp, bx, bl, bd, bm/qm, bp/qp, bx/qx, bd/qd)
}
