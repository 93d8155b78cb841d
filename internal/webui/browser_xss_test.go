package webui

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/securitytest"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/supervision"
	"github.com/yingji/yingji/internal/supervision/gb18218"
	"github.com/yingji/yingji/internal/warning"
)

// xssMark starts every injected text so that a page's search finds them and
// the test knows which payload a row holds.
func xssMark(i int) string { return fmt.Sprintf("Ⓧ%02d ", i) }

// dialogs records the JavaScript dialogs a page opened (and dismisses them,
// so that a payload's alert cannot freeze the page).
type dialogs struct {
	mu  sync.Mutex
	got []string
}

func (d *dialogs) listen(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			d.mu.Lock()
			d.got = append(d.got, string(e.Type)+": "+e.Message)
			d.mu.Unlock()
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (d *dialogs) all() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.got...)
}

// TestBrowserXSSPayloadsShowAsText stores the HTML/JavaScript payloads of
// internal/securitytest/payloads/xss.txt in the text fields of registry
// records, incidents, warning drafts and hidden dangers,
// then opens the pages that show them: the one-map search and detail panel,
// the registry list and a record page, the incident board and an incident,
// the warnings list and a warning, the hidden-danger list, the duty page
// and the dashboard. On every page no payload ran (window.__xss unset, no
// alert or other dialog), chromium reported no Content-Security-Policy
// violation (Y.cspViolations), and the payloads are in the page as text.
func TestBrowserXSSPayloadsShowAsText(t *testing.T) {
	payloads := securitytest.XSS()
	var reg *registry.Service
	h := newHarness(t, harnessOptions{wire: func(api *httpapi.Server, db *store.DB, tree *region.Tree, r *registry.Service) {
		reg = r
		sys := core.WithActor(context.Background(), core.SystemActor)
		inc := &incident.Service{Store: db, Regions: func() incident.Regions { return tree }, Clock: core.SystemClock}
		if err := inc.LoadTypes(sys); err != nil {
			t.Fatal(err)
		}
		api.Incidents = &httpapi.Incidents{Service: inc}
		api.Warnings = &httpapi.Warnings{Service: &warning.Service{Store: db, Clock: core.SystemClock, Issuer: warning.Issuer{Area: "530500", Dept: "001", Unit: "002", Ext: "00"},
			Sender: "yjj.baoshan.gov.cn", SenderName: "保山市应急管理局", ImportDivision: "530500", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			DivisionName: func(c string) (string, bool) { d, ok := tree.Get(c); return d.Name, ok },
			Locate:       func(p orb.Point) (string, bool) { d, ok := tree.Locate(p); return d.Code, ok }}}
		tb, err := gb18218.Embedded()
		if err != nil {
			t.Fatal(err)
		}
		ref, err := supervision.LoadReference("")
		if err != nil {
			t.Fatal(err)
		}
		api.Supervision = &httpapi.Supervision{Service: &supervision.Service{Store: db, Alarms: db, Registry: r, Inbox: db, Table: tb, Ref: ref, Clock: core.SystemClock,
			Inspectors: func(context.Context, string) ([]supervision.Person, error) { return nil, nil }}}
	}})
	sys := core.WithActor(context.Background(), core.SystemActor)

	// the records.
	ents, _, err := reg.List(sys, registry.Filter{Kind: registry.KEnterprise, Division: "530502", Limit: len(payloads)})
	if err != nil || len(ents) < 10 {
		t.Fatalf("demo enterprises in 530502: %d, %v", len(ents), err)
	}
	var names []string // the enterprises' names, as stored
	for i, e := range ents {
		var cur map[string]any
		h.getJSON("GET", fmt.Sprintf("/api/v1/enterprises/%d", e.ID), "", &cur)
		pl := payloads[i%len(payloads)]
		body := fmt.Sprintf(`{"name":%q,"address":%q,"legal_representative":%q,"version":%v}`, xssMark(i)+pl, pl, pl, cur["version"])
		h.getJSON("PATCH", fmt.Sprintf("/api/v1/enterprises/%d", e.ID), body, &cur)
		names = append(names, xssMark(i)+pl)
	}
	c, _ := tree(t).Center("530502")
	var incIDs, warnIDs []int64
	var titles, heads []string
	expires := time.Now().UTC().Add(6 * time.Hour).Format(time.RFC3339)
	for i, pl := range payloads {
		title := xssMark(i) + pl
		titles = append(titles, title)
		reporter := pl // at most 100 bytes
		if len(reporter) > 100 {
			reporter = reporter[:50]
		}
		var in struct{ ID int64 }
		h.getJSON("POST", "/api/v1/incidents", fmt.Sprintf(`{"title":%q,"type":"accident.fire","occurred_at":%q,"lon":%v,"lat":%v,"address":%q,"source":"phone","reporter":%q,"description":%q,"confirm":true}`,
			title, time.Now().UTC().Add(-time.Hour).Format(time.RFC3339), c[0]+float64(i)*0.001, c[1], pl, reporter, pl), &in)
		incIDs = append(incIDs, in.ID)
		head := title // a headline has at most 140 characters; the long ones go in the description only
		if len([]rune(head)) > 140 {
			head = xssMark(i) + "long"
		}
		heads = append(heads, head)
		var w struct{ ID int64 }
		h.getJSON("POST", "/api/v1/warnings", fmt.Sprintf(`{"template":"rainstorm","level":"blue","expires":%q,"headline":%q,"description":%q,"instruction":%q,"area":{"divisions":["530502"]}}`,
			expires, head, pl, pl), &w)
		warnIDs = append(warnIDs, w.ID)
		var hz struct{ ID int64 }
		h.getJSON("POST", "/api/v1/hidden-dangers", fmt.Sprintf(`{"enterprise_id":%d,"title":%q,"description":%q,"location":%q,"source":"inspection","level":"general","responsible":%q,"measures":%q,"deadline":%q}`,
			ents[0].ID, title, pl, pl, pl, pl, expires), &hz)
	}

	ctx := browser(t, 1400, 900)
	var dl dialogs
	dl.listen(t, ctx)
	login(t, ctx, h, "")

	// check waits for the page, gives the payloads' handlers (an image's
	// onerror, an SVG's onload) time to fire, then asserts.
	// At least need of want must be in the page (all when need is 0).
	checkSome := func(what, path, ready string, want []string, need int) {
		t.Helper()
		if path != "" {
			run(t, ctx, "open "+what, chromedp.Navigate(h.url+path))
		}
		waitJS(t, ctx, what, ready)
		run(t, ctx, "let "+what+" settle", chromedp.Sleep(700*time.Millisecond))
		if d := dl.all(); len(d) > 0 {
			t.Fatalf("%s: a payload opened a dialog: %q", what, d)
		}
		if v := eval[bool](t, ctx, `window.__xss !== undefined`); v {
			t.Fatalf("%s: a payload ran (window.__xss is set)", what)
		}
		if v := eval[[]string](t, ctx, `Y.cspViolations`); len(v) != 0 {
			t.Fatalf("%s: Content-Security-Policy violations: %q", what, v)
		}
		text := eval[string](t, ctx, `document.body.textContent`)
		var missing []string
		for _, s := range want {
			if !strings.Contains(text, s) {
				missing = append(missing, s)
			}
		}
		if need == 0 && len(missing) > 0 || len(want)-len(missing) < need {
			t.Errorf("%s: %d of %d payloads shown as text; missing %q", what, len(want)-len(missing), len(want), missing)
		}
	}
	check := func(what, path, ready string, want []string) { t.Helper(); checkSome(what, path, ready, want, 0) }

	// the one-map: the search lists the injected names, the detail panel
	// shows a record's fields.
	check("the one-map", "/", `!!window.yingji && yingji.ready`, nil)
	for i := range 3 {
		eval[bool](t, ctx, `(document.getElementById('search').value = '') === ''`)
		run(t, ctx, "search the map", chromedp.SendKeys(chromedp.CSS("#search"), "Ⓧ"))
		checkSome("the map search", "", `document.querySelectorAll('#search-results li').length >= 10`, names, 10)
		eval[bool](t, ctx, `(document.getElementById('search').value = '') === ''`)
		run(t, ctx, "open a record", chromedp.SendKeys(chromedp.CSS("#search"), strings.TrimSpace(xssMark(i*7))+"\r"))
		check("the detail panel", "", `!document.getElementById('detail-panel').hidden`, []string{names[i*7], payloads[i*7]})
	}
	check("the registry list", "/registry/enterprises?q="+url.QueryEscape("Ⓧ"), regReady, names[:min(len(names), 20)])
	check("a registry record", fmt.Sprintf("/registry/enterprises/%d", ents[3].ID), regReady, []string{names[3], payloads[3]})
	check("the incident board", "/incidents", incReady, titles[:20])
	for _, i := range []int{0, len(payloads) / 2, len(payloads) - 1} {
		check("an incident", fmt.Sprintf("/incidents/%d", incIDs[i]), incReady, []string{titles[i], payloads[i]})
		check("a warning", fmt.Sprintf("/warnings/%d", warnIDs[i]), `!!window.yingjiWarnings && yingjiWarnings.ready && !!yingjiWarnings.warning`, []string{heads[i], payloads[i]})
	}
	check("the warning drafts", "/warnings?view=drafts", `!!window.yingjiWarnings && yingjiWarnings.ready`, heads)
	check("the hidden dangers", "/supervision/hidden-dangers", svReady, titles[:20])
	check("the dashboard", "/dashboard", `!!window.yingjiDashboard && yingjiDashboard.ready === true`, nil)
	check("the duty page", "/duty", `!!window.YDuty && YDuty.ready === true`, nil)
}

// tree is the Baoshan division tree, for positions.
func tree(t *testing.T) *region.Tree {
	t.Helper()
	tr, err := region.Baoshan()
	if err != nil {
		t.Fatal(err)
	}
	return tr
}
