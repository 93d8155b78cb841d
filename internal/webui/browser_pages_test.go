package webui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The alarm feed lists the open alarms and the live one by level then
// time, flashes the new red alarm, acts through the API with the
// X-Requested-With header, and the map colours follow. The alarm routes
// are the harness's stub (see stubAlarms): the UI is tested against the
// API's documented shapes, not against the perception pipeline.
func TestBrowserAlarmFeed(t *testing.T) {
	h := startHarness(t)
	ctx := browser(t, 1440, 900)
	login(t, ctx, h, "")
	waitJS(t, ctx, "three alarms in the feed", `document.querySelectorAll('#alarm-list li.alarm').length === 3`)
	order := eval[[]string](t, ctx, `[...document.querySelectorAll('#alarm-list li.alarm')].map(li => li.dataset.id + ':' + li.dataset.level)`)
	if fmt.Sprint(order) != "[3:red 2:red 1:yellow]" {
		t.Errorf("feed order = %v, want the live red, the older red, then the yellow", order)
	}
	flashing := eval[[]string](t, ctx, `[...document.querySelectorAll('#alarm-list li.flash')].map(li => li.dataset.id)`)
	if fmt.Sprint(flashing) != "[3]" {
		t.Errorf("flashing alarms = %v, want only the live red one [3]", flashing)
	}
	yellowPoint := eval[string](t, ctx, `document.querySelector('#alarm-list li[data-id="1"]').dataset.point`)
	if st := eval[string](t, ctx, fmt.Sprintf(`yingji.pointState(%q)`, yellowPoint)); st != "yellow" {
		t.Errorf("the point of the yellow alarm is %q on the map", st)
	}
	if !eval[bool](t, ctx, `document.querySelector('#alarm-list li[data-id="1"]').classList.contains('overdue')`) {
		t.Error("the overdue alarm does not stand out")
	}
	screenshot(t, ctx, "onemap-alarms")
	if n := eval[int](t, ctx, `YAlarms.sound.beeps`); n != 1 {
		t.Errorf("the live red alarm sounded %d beeps, want 1", n)
	}
	testFilters(t, ctx)

	// Acknowledge the live red alarm.
	run(t, ctx, "acknowledge", chromedp.Click(chromedp.CSS(`#alarm-list li[data-id="3"] button[data-action="acknowledge"]`)))
	waitJS(t, ctx, "the acknowledged state", `!!document.querySelector('#alarm-list li[data-id="3"].state-acknowledged')`)
	// Dispose of the older red alarm with feedback.
	run(t, ctx, "dispose",
		chromedp.Click(chromedp.CSS(`#alarm-list li[data-id="2"] button[data-action="dispose"]`)),
		chromedp.SendKeys(chromedp.CSS(`#alarm-list li[data-id="2"] textarea[name="found"]`), "现场压力偏高"),
		chromedp.SendKeys(chromedp.CSS(`#alarm-list li[data-id="2"] textarea[name="measures"]`), "已泄压"),
		chromedp.Click(chromedp.CSS(`#alarm-list li[data-id="2"] .dispose-form button[type="submit"]`)))
	waitJS(t, ctx, "the disposing state", `!!document.querySelector('#alarm-list li[data-id="2"].state-disposing')`)
	// Close the yellow alarm: it leaves the feed and its point turns normal.
	run(t, ctx, "close", chromedp.Click(chromedp.CSS(`#alarm-list li[data-id="1"] button[data-action="close"]`)),
		chromedp.SendKeys(chromedp.CSS(`#alarm-list li[data-id="1"] .close-form input[name="note"]`), "现场已核实"),
		chromedp.Click(chromedp.CSS(`#alarm-list li[data-id="1"] .close-form button[type="submit"]`)))
	waitJS(t, ctx, "the closed alarm to leave", `!document.querySelector('#alarm-list li[data-id="1"]')`)
	if st := eval[string](t, ctx, fmt.Sprintf(`yingji.pointState(%q)`, yellowPoint)); st != "normal" {
		t.Errorf("after closing its alarm the point is %q on the map, want normal", st)
	}
	got := h.alarms.recorded()
	want := "[{3 acknowledge fetch map[] } {2 dispose fetch map[found:现场压力偏高 measures:已泄压] } {1 close fetch map[] 现场已核实}]"
	if fmt.Sprint(got) != want {
		t.Errorf("actions sent = %v\nwant %s", got, want)
	}
	// After a reload the sound stays muted: the live red alarm is not
	// sounded again.
	run(t, ctx, "reload", chromedp.Reload())
	waitJS(t, ctx, "the feed after the reload", `!!window.yingji && yingji.ready && document.querySelectorAll('#alarm-list li.alarm').length === 2`)
	if eval[string](t, ctx, `document.getElementById('alarm-mute').getAttribute('aria-pressed')`) != "true" || eval[int](t, ctx, `YAlarms.sound.beeps`) != 0 {
		t.Error("after a reload the alarm sound is not muted")
	}
}

// The language switch changes the labels; the dashboard renders its
// charts and its figures equal the API's.
func TestBrowserLanguageAndDashboard(t *testing.T) {
	h := startDashboardHarness(t)
	ctx := browser(t, 1600, 900)
	login(t, ctx, h, "")
	label := `document.querySelector('#legend li[data-layer="enterprises"] .name').textContent`
	if got := eval[string](t, ctx, label); got != "企业" {
		t.Errorf("the Chinese legend says %q", got)
	}
	// follow the switch's own link with a navigation that waits for the new
	// page: a click returns while the old page, which has the same elements,
	// is still there, and reading it mid-navigation fails.
	switchLang := func(what string) {
		t.Helper()
		href := eval[string](t, ctx, `document.getElementById('lang-switch').href`)
		run(t, ctx, what, chromedp.Navigate(href), chromedp.WaitReady(chromedp.CSS("#legend .legend-item")))
	}
	switchLang("switch to English")
	waitJS(t, ctx, "the English map", `document.documentElement.lang === 'en' && !!window.yingji && yingji.ready`)
	if got := eval[string](t, ctx, label); got != "Enterprise" {
		t.Errorf("the English legend says %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById('toggle-layers').textContent`); got != "Layers" {
		t.Errorf("the English layers button says %q", got)
	}
	screenshot(t, ctx, "onemap-en")
	if v := eval[[]string](t, ctx, `Y.cspViolations`); len(v) != 0 {
		t.Errorf("Content-Security-Policy violations on the one-map: %v", v)
	}
	switchLang("switch back")
	waitJS(t, ctx, "the Chinese map", `document.documentElement.lang === 'zh-CN' && !!window.yingji && yingji.ready`)
	// One of the stub's alarms belongs to an enterprise of the first
	// industry, the other to no enterprise.
	var kinds struct {
		Items []struct {
			Path       string `json:"path"`
			Categories []struct{ Value, Label string }
		} `json:"items"`
	}
	h.getJSON("GET", "/api/v1/registry/kinds", "", &kinds)
	var industry struct{ Value, Label string }
	for _, k := range kinds.Items {
		if k.Path == "enterprises" {
			industry = k.Categories[0]
		}
	}
	h.alarms.mu.Lock()
	h.alarms.open[0]["industry"] = industry.Value
	h.alarms.mu.Unlock()

	run(t, ctx, "open the dashboard", chromedp.Navigate(h.url+"/dashboard"))
	waitJS(t, ctx, "the dashboard charts", `!!window.yingjiDashboard && yingjiDashboard.ready`)
	canvases := eval[int](t, ctx, `document.querySelectorAll('.cockpit .card canvas').length`)
	if canvases != 5 {
		t.Errorf("the dashboard draws %d charts, want 5", canvases)
	}
	var today struct {
		Items []struct {
			Industry string `json:"industry"`
		} `json:"items"`
	}
	h.getJSON("GET", "/api/v1/alarms?from="+time.Now().Add(-24*time.Hour).UTC().Format(time.RFC3339), "", &today)
	byCounty := eval[int](t, ctx, `echarts.getInstanceByDom(document.getElementById('chart-county')).getOption().series
		.reduce((n, s) => n + s.data.reduce((a, b) => a + b, 0), 0)`)
	if byCounty != len(today.Items) {
		t.Errorf("the alarms-by-county chart counts %d alarms, the API %d", byCounty, len(today.Items))
	}
	// Alarms by industry: one bar per industry named in Chinese, the count
	// the API's.
	want := map[string]int{}
	for _, a := range today.Items {
		name := "未关联行业"
		if a.Industry != "" {
			name = industry.Label
		}
		want[name]++
	}
	got := eval[map[string]int](t, ctx, `(() => { const o = echarts.getInstanceByDom(document.getElementById('chart-industry')).getOption();
		const m = {}; o.yAxis[0].data.forEach((n, i) => { m[n] = o.series[0].data[i].value; }); return m; })()`)
	if fmt.Sprint(got) != fmt.Sprint(want) || len(want) != 2 {
		t.Errorf("alarms by industry = %v, the API's %v", got, want)
	}
	_, points := h.features("monitoring-points", 1)
	if got := eval[string](t, ctx, `document.getElementById('kpi-points').textContent`); got != grouped(points) {
		t.Errorf("the dashboard counts %s monitoring points, the API %d", got, points)
	}
	// Geohazard points under warning, open incidents and active warnings.
	var slide struct{ Counts map[string]int }
	h.getJSON("GET", "/api/v1/models/landslide/live", "", &slide)
	warned := slide.Counts["blue"] + slide.Counts["yellow"] + slide.Counts["orange"] + slide.Counts["red"]
	var incs, wrns struct{ Total int }
	h.getJSON("GET", "/api/v1/incidents?status=open&limit=1", "", &incs)
	h.getJSON("GET", "/api/v1/warnings?view=active&limit=1", "", &wrns)
	if warned == 0 || incs.Total != 1 || wrns.Total != 1 {
		t.Fatalf("the harness has %d geohazard points under warning, %d open incidents, %d active warnings", warned, incs.Total, wrns.Total)
	}
	for id, n := range map[string]int{"kpi-geohazard": warned, "kpi-incidents": incs.Total, "kpi-warnings": wrns.Total} {
		if got := eval[string](t, ctx, `document.getElementById('`+id+`').textContent`); got != grouped(n) {
			t.Errorf("%s shows %q, the API %d", id, got, n)
		}
	}
	// 16:9 and dark.
	frame := eval[struct{ W, H float64 }](t, ctx, `(() => { const r = document.querySelector('.cockpit-frame').getBoundingClientRect(); return {W: r.width, H: r.height}; })()`)
	if r := frame.W / frame.H; r < 16.0/9-0.01 || r > 16.0/9+0.01 {
		t.Errorf("the dashboard frame is %vx%v, not 16:9", frame.W, frame.H)
	}
	// the strict Content-Security-Policy refused nothing on the map or the
	// dashboard (their scripts, styles, charts and tiles all fit it)
	if v := eval[[]string](t, ctx, `Y.cspViolations`); len(v) != 0 {
		t.Errorf("Content-Security-Policy violations on the dashboard: %v", v)
	}
	screenshot(t, ctx, "dashboard")
}

// grouped writes n as Intl.NumberFormat('zh-CN') does: 1,234.
func grouped(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// A 375-px-wide phone shows the full-width map; the panels are collapsed
// and open one at a time from the toggles.
func TestBrowserPhone(t *testing.T) {
	h := startHarness(t)
	ctx := browser(t, 375, 812)
	login(t, ctx, h, "login-phone")
	if w := eval[float64](t, ctx, `document.getElementById('map').getBoundingClientRect().width`); w != 375 {
		t.Errorf("the map is %v px wide on a 375-px screen", w)
	}
	shown := `(id) => getComputedStyle(document.getElementById(id)).display !== 'none'`
	if eval[bool](t, ctx, "("+shown+")('layers-panel') || ("+shown+")('alarm-panel')") {
		t.Error("a panel covers the map on a phone before it is opened")
	}
	screenshot(t, ctx, "phone-map")
	run(t, ctx, "open the alarms", chromedp.Click(chromedp.CSS("#toggle-alarms")))
	box := eval[struct{ Left, Right float64 }](t, ctx, `(() => { const r = document.getElementById('alarm-panel').getBoundingClientRect(); return {Left: r.left, Right: r.right}; })()`)
	if !eval[bool](t, ctx, "("+shown+")('alarm-panel')") || box.Left < 0 || box.Right > 375 {
		t.Errorf("the alarm panel is not shown within the screen: %+v", box)
	}
	screenshot(t, ctx, "phone-alarms")
	run(t, ctx, "open the layers", chromedp.Click(chromedp.CSS("#toggle-layers")))
	if !eval[bool](t, ctx, "("+shown+")('layers-panel')") || eval[bool](t, ctx, "("+shown+")('alarm-panel')") {
		t.Error("opening the layers on a phone does not replace the alarm panel")
	}
	screenshot(t, ctx, "phone-layers")
}

// testFilters checks the feed's filters against the stub's alarms: the
// live red (3), the older red (2) and the overdue yellow (1), all raised.
func testFilters(t *testing.T, ctx context.Context) {
	t.Helper()
	shown := func() string {
		return fmt.Sprint(eval[[]string](t, ctx, `[...document.querySelectorAll('#alarm-list li.alarm')].map(li => li.dataset.id)`))
	}
	set := func(id, value string) {
		t.Helper()
		run(t, ctx, "filter "+id, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.getElementById(%q);
			s.value = %q; if (s.value !== %q) throw new Error('no option ' + %q); s.dispatchEvent(new Event('change')); })()`, id, value, value, value)))
	}
	// Labels in Chinese, one option per value plus "all".
	if got := eval[[]string](t, ctx, `[...document.querySelectorAll('#filter-level option')].map(o => o.textContent)`); fmt.Sprint(got) != "[全部 红色 橙色 黄色 蓝色]" {
		t.Errorf("level filter options = %v", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#filter-county option').length`); n < 2 {
		t.Errorf("the county filter offers %d options", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#filter-industry option').length`); n < 2 {
		t.Errorf("the industry filter offers %d options", n)
	}
	set("filter-level", "yellow")
	if got := shown(); got != "[1]" {
		t.Errorf("level yellow shows %s, want [1]", got)
	}
	set("filter-level", "red")
	if got := shown(); got != "[3 2]" {
		t.Errorf("level red shows %s, want [3 2]", got)
	}
	set("filter-level", "")
	// The county of alarm 1's point shows alarm 1 (and any other alarm there).
	div := eval[string](t, ctx, `YAlarms.all().find(a => a.id === 1).division_code.slice(0, 6)`)
	set("filter-county", div)
	want := eval[string](t, ctx, fmt.Sprintf(`'[' + YAlarms.all().filter(a => a.division_code.startsWith(%q)).map(a => a.id).join(' ') + ']'`, div))
	if got := shown(); got != want || !strings.Contains(got, "1") {
		t.Errorf("county %s shows %s, want %s", div, got, want)
	}
	set("filter-county", "")
	set("filter-state", "acknowledged")
	if got := shown(); got != "[]" || !eval[bool](t, ctx, `!!document.querySelector('#alarm-list li.empty')`) {
		t.Errorf("state acknowledged shows %s, want none and the no-match note", got)
	}
	screenshot(t, ctx, "onemap-alarms-filtered")
	set("filter-state", "")
	// The stub's alarms have no industry: an industry filter hides them all.
	set("filter-industry", eval[string](t, ctx, `document.querySelectorAll('#filter-industry option')[1].value`))
	if got := shown(); got != "[]" {
		t.Errorf("an industry filter shows %s, want none", got)
	}
	set("filter-industry", "")
	if got := shown(); got != "[3 2 1]" {
		t.Errorf("with no filter the feed shows %s", got)
	}
	// The mute toggle is remembered across reloads.
	if eval[string](t, ctx, `document.getElementById('alarm-mute').getAttribute('aria-pressed')`) != "false" {
		t.Error("the sound starts muted")
	}
	run(t, ctx, "mute", chromedp.Click(chromedp.CSS("#alarm-mute")))
	if eval[string](t, ctx, `localStorage.getItem('yingji.alarms.muted')`) != "1" {
		t.Error("muting is not stored")
	}
}
