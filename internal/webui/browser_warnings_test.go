package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
	"github.com/yingji/yingji/internal/warning"
	"github.com/yingji/yingji/internal/warning/cap/captest"
)

// startWarningsUI runs the API with the warnings area and this package's
// UI over SQLite, with a Longyang duty officer (who drafts) and a
// commander (who approves and publishes).
func startWarningsUI(t *testing.T) (string, *warning.Service) {
	t.Helper()
	db, tree := storetest.Open(t, storetest.Backends()[0])
	authSvc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour,
		Divisions: func(c string) bool { _, ok := tree.Get(c); return ok }}
	sys := core.WithActor(context.Background(), core.SystemActor)
	for _, u := range []auth.UserInput{
		{Username: "ly-duty", Role: "duty_officer", Division: "530502"},
		{Username: "commander", Role: "commander", Division: "530500"},
	} {
		u.Password = adminPassword
		if _, err := authSvc.CreateUser(sys, u); err != nil {
			t.Fatal(err)
		}
	}
	svc := &warning.Service{Store: db, Clock: core.SystemClock, Issuer: warning.Issuer{Area: "530500", Dept: "001", Unit: "002", Ext: "00"},
		Sender: "yjj.baoshan.gov.cn", SenderName: "保山市应急管理局", RequireCommander: true, ImportDivision: "530500",
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		DivisionName: func(c string) (string, bool) { d, ok := tree.Get(c); return d.Name, ok },
		Locate:       func(p orb.Point) (string, bool) { d, ok := tree.Locate(p); return d.Code, ok }}
	api := &httpapi.Server{Registry: &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}, Auth: authSvc,
		Regions: treeRegions{tree}, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test",
		Warnings: &httpapi.Warnings{Service: svc}}
	ui, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api.Handler())
	mux.Handle("/", ui.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL, svc
}

// signIn signs in through the login form and lands on next.
func signIn(t *testing.T, ctx context.Context, base, user, next string) {
	t.Helper()
	// sign out: the session cookie is HttpOnly, so through the API.
	eval[any](t, ctx, `fetch('/api/v1/auth/logout', {method: 'POST', credentials: 'same-origin', headers: {'X-Requested-With': 'fetch'}}).then(() => true)`)
	run(t, ctx, "open the login page as "+user,
		chromedp.Navigate(base+"/login?next="+next),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
		chromedp.Click(chromedp.CSS("#login-submit")))
	waitNav(t, ctx, "the page after signing in", fmt.Sprintf("location.pathname === %q && !!window.yingjiWarnings && window.yingjiWarnings.ready", next))
}

// waitNav is waitJS across a navigation the page starts (a reload or a
// new location): a poll cut short by the navigation is started again.
func waitNav(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second)))
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("wait for %s: %v", what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// mapPoint is a pixel of the compose map, relative to the page.
func mapPoint(t *testing.T, ctx context.Context, dx, dy float64) (float64, float64) {
	t.Helper()
	r := eval[[]float64](t, ctx, `(() => { const b = document.getElementById('wrn-map').getBoundingClientRect(); return [b.left + b.width / 2, b.top + b.height / 2]; })()`)
	return r[0] + dx, r[1] + dy
}

// TestBrowserWarningDraftApprovePublish: a duty officer composes a warning
// with a drawn polygon, a drawn circle and a picked division; the page
// refuses to let them approve it; a commander approves and publishes it;
// its CAP is shown and valid; it appears on the one-map's warnings layer.
func TestBrowserWarningDraftApprovePublish(t *testing.T) {
	base, _ := startWarningsUI(t)
	ctx := browser(t, 1400, 1000)
	run(t, ctx, "open the site", chromedp.Navigate(base+"/login"))
	signIn(t, ctx, base, "ly-duty", "/warnings/new")
	waitJS(t, ctx, "the division tree", `!!document.querySelector('input[data-division="530502"]')`)
	run(t, ctx, "fill in the draft",
		chromedp.SetValue(chromedp.CSS("#in-template"), "rainstorm"))
	eval[any](t, ctx, `document.getElementById('in-template').dispatchEvent(new Event('change'))`)
	run(t, ctx, "level and division",
		chromedp.SetValue(chromedp.CSS("#in-level"), "orange"),
		chromedp.Click(chromedp.CSS(`input[data-division="530502"]`)))
	if got := eval[string](t, ctx, `document.getElementById('in-urgency').value + '/' + document.getElementById('in-certainty').value`); got != "Expected/Likely" {
		t.Errorf("the template filled urgency/certainty = %s", got)
	}
	// a triangle near the map's centre (Longyang), closed on its first vertex.
	run(t, ctx, "draw a polygon", chromedp.Click(chromedp.CSS("#draw-polygon")))
	for _, p := range [][2]float64{{-12, -8}, {14, -8}, {0, 12}, {-12, -8}} {
		x, y := mapPoint(t, ctx, p[0], p[1])
		run(t, ctx, "click a vertex", chromedp.MouseClickXY(x, y), chromedp.Sleep(150*time.Millisecond))
	}
	run(t, ctx, "draw a circle", chromedp.Click(chromedp.CSS("#draw-circle")))
	for _, p := range [][2]float64{{30, 25}, {38, 25}} {
		x, y := mapPoint(t, ctx, p[0], p[1])
		run(t, ctx, "click", chromedp.MouseClickXY(x, y), chromedp.Sleep(150*time.Millisecond))
	}
	run(t, ctx, "stop drawing", chromedp.Click(chromedp.CSS("#draw-stop")))
	if n := eval[int](t, ctx, `window.yingjiWarnings.map.areaSource.getFeatures().length`); n != 2 {
		t.Fatalf("%d shapes drawn, want a polygon and a circle", n)
	}
	screenshot(t, ctx, "warning-compose")
	run(t, ctx, "save the draft", chromedp.Click(chromedp.CSS("#wrn-save")))
	waitNav(t, ctx, "the warning page", `/^\/warnings\/\d+$/.test(location.pathname) && window.yingjiWarnings.ready && !!window.yingjiWarnings.warning`)
	w := eval[map[string]any](t, ctx, `window.yingjiWarnings.warning`)
	area, _ := json.Marshal(w["area"])
	if w["status"] != "draft" || w["level"] != "orange" || !strings.Contains(string(area), `"MultiPolygon"`) || !strings.Contains(string(area), `"radius_m"`) || !strings.Contains(string(area), `"530502"`) {
		t.Fatalf("draft = %v, area %s", w["status"], area)
	}
	path := eval[string](t, ctx, "location.pathname")
	// a duty officer drafts but does not approve: no approve button.
	if eval[bool](t, ctx, `!!document.getElementById('act-approve')`) || !eval[bool](t, ctx, `!!document.getElementById('act-edit')`) {
		t.Error("the duty officer's draft page offers approval, or no edit")
	}

	signIn(t, ctx, base, "commander", path)
	run(t, ctx, "approve", chromedp.WaitVisible(chromedp.CSS("#act-approve")), chromedp.Click(chromedp.CSS("#act-approve")))
	waitNav(t, ctx, "the approved warning", `window.yingjiWarnings.ready && window.yingjiWarnings.warning && window.yingjiWarnings.warning.status === 'approved' && !!document.getElementById('act-publish')`)
	run(t, ctx, "publish", chromedp.Click(chromedp.CSS("#act-publish")))
	waitNav(t, ctx, "the published warning", `window.yingjiWarnings.ready && window.yingjiWarnings.warning && window.yingjiWarnings.warning.state === 'active' && document.getElementById('wrn-cap').textContent.includes('<msgType>Alert</msgType>')`)
	capText := eval[string](t, ctx, `document.getElementById('wrn-cap').textContent`)
	captest.Valid(t, []byte(capText))
	id := eval[string](t, ctx, `window.yingjiWarnings.warning.identifier`)
	if !warning.IdentifierPattern.MatchString(id) || !strings.Contains(capText, id) {
		t.Errorf("identifier %q not in the CAP shown", id)
	}
	waitJS(t, ctx, "the delivery block", `!!document.getElementById('delivery-off')`)
	if n := eval[int](t, ctx, `document.querySelectorAll('#wrn-chain li').length`); n != 1 {
		t.Errorf("chain shows %d messages", n)
	}
	if !eval[bool](t, ctx, `!!document.getElementById('act-update') && !!document.getElementById('act-cancel')`) {
		t.Error("no update/cancel buttons on the active warning")
	}
	screenshot(t, ctx, "warning-published")

	// the commander drafts the cancellation; as its drafter they may not
	// approve it (the button is there, disabled).
	run(t, ctx, "cancel", chromedp.Click(chromedp.CSS("#act-cancel")), chromedp.WaitVisible(chromedp.CSS("#cancel-note")),
		chromedp.SendKeys(chromedp.CSS("#cancel-note"), "雨势减弱，解除预警。"), chromedp.Click(chromedp.CSS("#cancel-confirm")))
	waitNav(t, ctx, "the cancel draft", `window.yingjiWarnings.ready && window.yingjiWarnings.warning && window.yingjiWarnings.warning.msg_type === 'Cancel' && !!document.getElementById('act-approve')`)
	if c := eval[map[string]any](t, ctx, `window.yingjiWarnings.warning`); c["status"] != "draft" || c["note"] != "雨势减弱，解除预警。" {
		t.Errorf("cancel draft = %v / %v", c["status"], c["note"])
	}
	if !eval[bool](t, ctx, `document.getElementById('act-approve').disabled`) {
		t.Error("the drafter of the cancel may press approve")
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#wrn-chain li').length`); n != 2 {
		t.Errorf("the cancel draft's chain shows %d messages", n)
	}

	run(t, ctx, "the one-map", chromedp.Navigate(base+"/"))
	waitJS(t, ctx, "the warnings layer", `!!window.yingji && window.yingji.warningsLoaded === true && window.yingji.warnings.getFeatures().length === 1`)
	if lvl := eval[string](t, ctx, `window.yingji.warnings.getFeatures()[0].get('level')`); lvl != "orange" {
		t.Errorf("layer feature level = %s", lvl)
	}
}

// TestBrowserWarningImport: a CAP file imported from the list page; the
// invalid example is refused with the schema's reason and path.
func TestBrowserWarningImport(t *testing.T) {
	base, _ := startWarningsUI(t)
	ctx := browser(t, 1200, 900)
	run(t, ctx, "open the site", chromedp.Navigate(base+"/login"))
	signIn(t, ctx, base, "ly-duty", "/warnings")
	bad, _ := filepath.Abs(filepath.Join("..", "warning", "cap", "testdata", "invalid_missing_scope.xml"))
	good, _ := filepath.Abs(filepath.Join("..", "warning", "cap", "testdata", "example_thunderstorm.xml"))
	run(t, ctx, "import the invalid example", chromedp.SetUploadFiles(chromedp.CSS("#wrn-import"), []string{bad}))
	waitJS(t, ctx, "the refusal", `!document.getElementById('wrn-error').hidden`)
	if msg := eval[string](t, ctx, `document.getElementById('wrn-error').textContent`); !strings.Contains(msg, "/alert/info") || !strings.Contains(msg, "scope") {
		t.Errorf("refusal = %q", msg)
	}
	run(t, ctx, "import the thunderstorm", chromedp.SetUploadFiles(chromedp.CSS("#wrn-import"), []string{good}))
	waitNav(t, ctx, "the imported message", `/^\/warnings\/\d+$/.test(location.pathname) && window.yingjiWarnings.ready && !!window.yingjiWarnings.warning`)
	w := eval[map[string]any](t, ctx, `window.yingjiWarnings.warning`)
	if w["status"] != "imported" || w["identifier"] != "KSTO1055887203" || !eval[bool](t, ctx, `!!document.getElementById('act-forward')`) {
		t.Errorf("imported = %v %v", w["status"], w["identifier"])
	}
}
