package webui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/yingji/yingji/internal/mqtt"
)

// A reading published over MQTT to the real perception side (embedded
// broker, ingest pipeline, alarm service, bus, SSE) makes a red alarm
// appear in the browser's feed within 2 seconds and turns its point red on
// the map; acknowledging and closing it from the panel update the feed
// and return the point to normal.
func TestBrowserLiveAlarm(t *testing.T) {
	h := startLiveHarness(t)
	ctx := browser(t, 1440, 900)
	login(t, ctx, h, "")

	// A phreatic-line point of a tailings pond, with its control depth.
	var pts struct {
		Items []struct {
			Code    string  `json:"code"`
			Name    string  `json:"name"`
			Status  string  `json:"status"`
			OwnerID int64   `json:"owner_id"`
			Depth   float64 `json:"control_depth_m"`
		}
	}
	h.getJSON("GET", "/api/v1/monitoring-points?kind=phreatic_line&limit=200", "", &pts)
	var code, name string
	var owner int64
	var depth float64
	for _, p := range pts.Items {
		if p.Depth > 0 && p.Status == "active" && p.OwnerID != 0 {
			code, name, owner, depth = p.Code, p.Name, p.OwnerID, p.Depth
			break
		}
	}
	if code == "" {
		t.Fatalf("no active phreatic-line point with a control depth among %d", len(pts.Items))
	}
	if st := eval[string](t, ctx, fmt.Sprintf(`yingji.pointState(%q)`, code)); st != "normal" {
		t.Fatalf("point %s is %q on the map before any reading", code, st)
	}
	var dev struct{ Code, Secret string }
	h.getJSON("POST", "/api/v1/devices", fmt.Sprintf(`{"code":"DEV-WEBUI-1","name":"测试采集器","owner_id":%d}`, owner), &dev)
	if dev.Secret == "" {
		t.Fatalf("the device was issued without a secret: %+v", dev)
	}

	// The page's SSE client must be subscribed before the reading goes out.
	waitJS(t, ctx, "the live feed", `document.getElementById('feed-status').classList.contains('ok')`)
	for deadline := time.Now().Add(10 * time.Second); h.live.clients() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the page never subscribed to the live feed")
		}
	}
	pctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pub, err := mqtt.Dial(pctx, "tcp://"+h.live.broker.Addr(), "webui-test-"+dev.Code, dev.Code, dev.Secret, 4)
	if err != nil {
		t.Fatalf("connect to the broker: %v", err)
	}
	defer pub.Close()
	// Below the control depth: red.
	payload := fmt.Sprintf(`{"point":%q,"ts":%d,"value":%g,"unit":"m"}`, code, time.Now().UnixMilli(), depth*0.9)
	start := time.Now()
	if err := pub.Publish(pctx, "yingji/v1/readings/"+dev.Code, []byte(payload), 1); err != nil {
		t.Fatal(err)
	}
	if err := pub.Flush(pctx); err != nil {
		t.Fatalf("QoS 1 publish not acknowledged: %v", err)
	}
	item := fmt.Sprintf(`#alarm-list li.alarm[data-point=%q]`, code)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`!!document.querySelector(%q)`, item),
		chromedp.WithPollingInterval(5*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the alarm of %s never appeared in the feed: %v", code, err)
	}
	took := time.Since(start)
	t.Logf("publish to alarm in the feed: %v", took.Round(time.Millisecond))
	if took > 2*time.Second {
		t.Errorf("the alarm took %v to appear in the feed, want within 2 s", took)
	}
	got := eval[struct{ Level, ID, Flash string }](t, ctx, fmt.Sprintf(`(() => { const li = document.querySelector(%q);
		return {Level: li.dataset.level, ID: li.dataset.id, Flash: String(li.classList.contains('flash'))}; })()`, item))
	if got.Level != "red" || got.Flash != "true" {
		t.Errorf("the feed shows %+v, want a flashing red alarm", got)
	}
	if st := eval[string](t, ctx, fmt.Sprintf(`yingji.pointState(%q)`, code)); st != "red" {
		t.Errorf("point %s is %q on the map, want red", code, st)
	}
	if txt := eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent`, item)); !strings.Contains(txt, name) {
		t.Errorf("the feed item does not name the point: %q", txt)
	}
	screenshot(t, ctx, "onemap-live-alarm")

	// Acknowledge from the panel.
	sel := func(s string) string { return fmt.Sprintf(`#alarm-list li[data-id=%q] %s`, got.ID, s) }
	run(t, ctx, "acknowledge", chromedp.Click(chromedp.CSS(sel(`button[data-action="acknowledge"]`))))
	waitJS(t, ctx, "the acknowledged state", fmt.Sprintf(`!!document.querySelector('#alarm-list li[data-id=%q].state-acknowledged')`, got.ID))
	if st := eval[string](t, ctx, fmt.Sprintf(`yingji.pointState(%q)`, code)); st != "red" {
		t.Errorf("an acknowledged open alarm leaves point %s %q on the map, want red", code, st)
	}
	// Close with a note: the alarm leaves the feed and the point is normal.
	run(t, ctx, "close",
		chromedp.Click(chromedp.CSS(sel(`button[data-action="close"]`))),
		chromedp.SendKeys(chromedp.CSS(sel(`.close-form input[name="note"]`)), "现场核查完毕，浸润线已恢复"),
		chromedp.Click(chromedp.CSS(sel(`.close-form button[type="submit"]`))))
	waitJS(t, ctx, "the closed alarm to leave the feed", fmt.Sprintf(`!document.querySelector('#alarm-list li[data-id=%q]')`, got.ID))
	waitJS(t, ctx, "the point back to normal", fmt.Sprintf(`yingji.pointState(%q) === 'normal'`, code))
	var full struct {
		State  string
		Events []struct{ Action, Actor, Note string }
	}
	h.getJSON("GET", "/api/v1/alarms/"+got.ID, "", &full)
	n := len(full.Events)
	if full.State != "closed" || n < 3 || full.Events[n-1].Action != "close" || full.Events[n-1].Note != "现场核查完毕，浸润线已恢复" ||
		full.Events[n-2].Action != "acknowledge" || full.Events[n-1].Actor != adminUser {
		t.Errorf("the stored alarm: state %s, events %+v", full.State, full.Events)
	}
	screenshot(t, ctx, "onemap-live-closed")
}
