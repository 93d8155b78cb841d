package webui

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/duty"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/store"
)

// dutyForHarness wires the duty roster into the harness's API.
func dutyForHarness(db *store.DB, tree *region.Tree) *httpapi.Duty {
	return &httpapi.Duty{Service: &duty.Service{Store: db, Alarms: db, Regions: func() *region.Tree { return tree }, Clock: core.SystemClock}}
}

const dutyReady = `!!window.YDuty && YDuty.ready === true && YDuty.loading === 0`

// A roster editor adds a shift through the form (an incomplete one is
// refused with messages beside the fields) and copies the week into the
// next one; the team shows as on duty now
// on the page and on the dashboard; the officer hands over with the open
// matters, files the all-quiet report, and the incoming officer accepts the
// handover in another browser.
func TestBrowserDuty(t *testing.T) {
	h := startHarness(t)
	const pw = "Duty-officer-pw-1"
	ids := map[string]int64{}
	for _, u := range []struct{ name, display string }{{"duty-a", "甲值班长"}, {"duty-b", "乙值班员"}} {
		var out struct{ ID int64 }
		h.asSecAdmin().getJSON("POST", "/api/v1/users", fmt.Sprintf(`{"username":%q,"display_name":%q,"password":%q,"role":"duty_officer","division_code":"530500"}`,
			u.name, u.display, pw), &out)
		ids[u.name] = out.ID
	}
	ctx := browser(t, 1440, 1000)
	login(t, ctx, h, "")
	run(t, ctx, "follow the duty link", chromedp.Click(chromedp.CSS("#nav-duty")))
	waitPage(t, ctx, "the duty page", `location.pathname === '/duty' && `+dutyReady)
	if got := eval[string](t, ctx, `document.getElementById('duty-division').value`); got != "530500" {
		t.Fatalf("the division chooser starts at %q, want the admin's 530500", got)
	}
	if eval[int](t, ctx, `document.querySelectorAll('#duty-division option').length`) != 6 {
		t.Error("the city admin should choose among the city and its five counties")
	}

	// An incomplete shift is refused, field by field, and nothing is stored.
	run(t, ctx, "open the shift form", chromedp.Click(chromedp.CSS("#shift-new")))
	// The shift began an hour ago, but not before midnight in Beijing, so
	// that it stays on today's column of this week.
	now := time.Now().In(duty.Beijing)
	begin := now.Add(-time.Hour)
	if midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, duty.Beijing); begin.Before(midnight) {
		begin = midnight
	}
	start := begin.Format("2006-01-02T15:04")
	end := time.Now().Add(8 * time.Hour).In(duty.Beijing).Format("2006-01-02T15:04")
	setInput(t, ctx, "#in-name", "白班")
	setInput(t, ctx, "#in-start", start)
	setInput(t, ctx, "#in-end", end)
	run(t, ctx, "save without people", chromedp.Click(chromedp.CSS("#shift-save")))
	waitPage(t, ctx, "the field errors", `YDuty.failed === 1 && YDuty.loading === 0`)
	if fieldError(t, ctx, "leader_id") == "" || fieldError(t, ctx, "officer_ids") == "" {
		t.Fatalf("no messages beside leader and officers: %q / %q", fieldError(t, ctx, "leader_id"), fieldError(t, ctx, "officer_ids"))
	}
	screenshot(t, ctx, "duty-shift-errors")

	setSelect(t, ctx, "#in-leader_id", fmt.Sprint(ids["duty-a"]))
	run(t, ctx, "tick the officer", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#in-officer_ids input[value="%d"]`, ids["duty-b"]))))
	setInput(t, ctx, "#in-phone", "0875-2122110")
	run(t, ctx, "save the shift", chromedp.Click(chromedp.CSS("#shift-save")))
	waitPage(t, ctx, "the saved shift", `YDuty.saved === 1 && YDuty.loading === 0 && document.querySelectorAll('#duty-week .duty-shift').length === 1`)
	team := eval[string](t, ctx, `document.getElementById('duty-now').textContent`)
	if !strings.Contains(team, "甲值班长") || !strings.Contains(team, "乙值班员") || !strings.Contains(team, "0875-2122110") {
		t.Errorf("the team on duty now reads %q", team)
	}

	// Next week starts empty; copying the previous week fills it.
	run(t, ctx, "go to next week", chromedp.Click(chromedp.CSS("#week-next")))
	waitPage(t, ctx, "next week", `YDuty.loading === 0 && YDuty.shifts === 0`)
	run(t, ctx, "copy last week", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`), chromedp.Click(chromedp.CSS("#week-copy")))
	waitPage(t, ctx, "the copied week", `YDuty.saved === 2 && YDuty.loading === 0 && YDuty.shifts === 1`)
	run(t, ctx, "back to this week", chromedp.Click(chromedp.CSS("#week-this")))
	waitPage(t, ctx, "this week", `YDuty.loading === 0 && YDuty.shifts === 1`)

	// Handover to the officer, with what is open and what to watch.
	setSelect(t, ctx, "#in-incoming_id", fmt.Sprint(ids["duty-b"]))
	setInput(t, ctx, "#in-open", "隆阳区化工园区泄漏事件仍在处置")
	setInput(t, ctx, "#in-watch", "今夜腾冲大风蓝色预警")
	run(t, ctx, "hand over", chromedp.Click(chromedp.CSS("#handover-submit")))
	waitPage(t, ctx, "the handover in the log", `YDuty.saved === 3 && YDuty.loading === 0 && document.querySelectorAll('#handover-log li[data-handover]').length === 1`)
	entry := eval[string](t, ctx, `document.querySelector('#handover-log li[data-handover]').textContent`)
	if !strings.Contains(entry, "乙值班员") || !strings.Contains(entry, "今夜腾冲大风蓝色预警") {
		t.Errorf("the log entry reads %q", entry)
	}

	// 报平安 once; the button goes away and today is no longer missing.
	missingBefore := eval[int](t, ctx, `YDuty.missing`)
	run(t, ctx, "report all quiet", chromedp.Click(chromedp.CSS("#quiet-file")))
	waitPage(t, ctx, "the all-quiet report", `YDuty.saved === 4 && YDuty.loading === 0 && document.getElementById('quiet-file').hidden`)
	if after := eval[int](t, ctx, `YDuty.missing`); after != missingBefore-1 {
		t.Errorf("days missing an all-quiet report: %d before, %d after filing today's", missingBefore, after)
	}
	screenshot(t, ctx, "duty")

	// The dashboard shows who is on duty.
	run(t, ctx, "open the dashboard", chromedp.Navigate(h.url+"/dashboard"))
	waitPage(t, ctx, "the duty card", `!!window.yingjiDuty && yingjiDuty.ready === true`)
	if got := eval[string](t, ctx, `document.getElementById('duty-now-dash').textContent`); !strings.Contains(got, "甲值班长") {
		t.Errorf("the dashboard's duty card reads %q", got)
	}

	// The incoming officer accepts in another browser.
	ctx2 := browser(t, 1280, 900)
	loginAs(t, ctx2, h, "duty-b", pw)
	run(t, ctx2, "open the duty page", chromedp.Navigate(h.url+"/duty"))
	waitPage(t, ctx2, "the duty page", dutyReady)
	if eval[bool](t, ctx2, `!document.getElementById('shift-new').hidden`) {
		t.Error("a duty officer (no duty.manage) is offered to edit the roster")
	}
	run(t, ctx2, "accept", chromedp.Click(chromedp.CSS("#handover-log button[data-accept]")))
	waitPage(t, ctx2, "the acceptance", `YDuty.loading === 0 && !document.querySelector('#handover-log button[data-accept]') && document.querySelector('#handover-log .tag:not(.off)') !== null`)

	var log struct {
		Items []duty.Handover `json:"items"`
	}
	h.getJSON(http.MethodGet, "/api/v1/duty/handovers", "", &log)
	if len(log.Items) != 1 || log.Items[0].AcceptedAt == nil || log.Items[0].Open != "隆阳区化工园区泄漏事件仍在处置" {
		t.Fatalf("stored handover: %+v", log.Items)
	}
}
