package webui

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/demo"
	"github.com/yingji/yingji/internal/dispatch"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/report"
	"github.com/yingji/yingji/internal/store/storetest"
)

// startIncidentHarness is the harness with incident command wired: the
// real incident service over the store, nearest resources over the demo
// registry, report export; the alarm routes are stubbed as in startHarness.
func startIncidentHarness(t *testing.T) (*harness, *registry.Service) {
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
	svc := &incident.Service{Store: db, Regions: func() incident.Regions { return tree }, Clock: core.SystemClock}
	if err := svc.LoadTypes(sys); err != nil {
		t.Fatal(err)
	}
	nearest := func(ctx context.Context, q httpapi.NearestQuery) ([]httpapi.NearestMatch, error) {
		kinds := map[string]string{"team": registry.KRescueTeam, "warehouse": registry.KWarehouse, "expert": registry.KExpert, "shelter": registry.KShelter}
		objs, _, err := reg.List(sys, registry.Filter{Kind: kinds[q.Kind]})
		if err != nil {
			return nil, err
		}
		var rs []dispatch.Resource
		for _, o := range objs {
			p := o.Anchor()
			r := dispatch.Resource{Kind: q.Kind, ID: o.ID, Code: o.Code, Name: o.Name, Division: o.Division, Lon: p[0], Lat: p[1], Tags: []string{o.Category}, Stock: map[string]float64{}}
			ls, _ := o.Attrs["stock"].([]registry.StockLine)
			for _, l := range ls {
				r.Stock[l.Item] = l.Quantity
			}
			rs = append(rs, r)
		}
		var out []httpapi.NearestMatch
		for _, m := range dispatch.NewIndex(rs, dispatch.Travel{}).Nearest(dispatch.Query{Lon: q.Lon, Lat: q.Lat, Kind: q.Kind, Needs: q.Needs, Limit: q.Limit}) {
			out = append(out, httpapi.NearestMatch{Kind: q.Kind, ID: m.Resource.ID, Name: m.Resource.Name, Lon: m.Resource.Lon, Lat: m.Resource.Lat,
				DistanceKm: m.DistanceKm, TravelMin: m.TravelMin, Covers: m.Covers, Stock: m.Resource.Stock})
		}
		return out, nil
	}
	export := func(w io.Writer, format string, in *incident.Incident, r *incident.Report) error {
		if format == "docx" {
			return report.DOCX(w, r.Document(in))
		}
		return report.PDF(w, r.Document(in), report.Options{})
	}
	api := &httpapi.Server{Registry: reg, Auth: authSvc, Regions: treeRegions{tree}, DB: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test",
		Incidents: &httpapi.Incidents{Service: svc, Nearest: nearest, Export: export}}
	ui, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, alarms: &stubAlarms{}}
	mux := http.NewServeMux()
	mux.Handle("/api/", api.Handler())
	mux.HandleFunc("GET /api/v1/alarms", h.alarms.list)
	mux.HandleFunc("GET /api/v1/events", h.alarms.events)
	mux.Handle("/", ui.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h.url = srv.URL
	var login httpapi.LoginResponse
	h.getJSON("POST", "/api/v1/auth/login", fmt.Sprintf(`{"username":%q,"password":%q}`, adminUser, adminPassword), &login)
	h.token = login.Token
	h.alarms.seed(h)
	return h, reg
}

const incReady = `!!window.YInc && YInc.ready === true && !YInc.loading`

func incFillIntake(t *testing.T, ctx context.Context, lon, lat float64) {
	setInput(t, ctx, "#in-title", "隆阳区测试化工厂液氨泄漏")
	setSelect(t, ctx, "#in-type", "accident.hazchem.leak")
	setInput(t, ctx, "#in-reporter", "李四")
	setInput(t, ctx, "#in-reporter_phone", "0875-2123456")
	setInput(t, ctx, "#in-deaths", "3")
	run(t, ctx, "pick the place", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`YInc.pick(%f, %f)`, lon, lat)))
}

// TestBrowserIncidentIntakeDispatchReport walks the duty officer's and the
// commander's path: intake with a live grade and the duplicate warning,
// plan activation, dispatch of supplies from the nearest warehouse, and a
// situation report drafted, approved and published.
func TestBrowserIncidentIntakeDispatchReport(t *testing.T) {
	h, reg := startIncidentHarness(t)
	ctx := browser(t, 1440, 1000)
	login(t, ctx, h, "")
	c, _ := incCenter(t, "530502")

	run(t, ctx, "open the intake form", chromedp.Navigate(h.url+"/incidents/new"))
	waitPage(t, ctx, "the intake form", incReady+` && document.querySelectorAll('#in-type option').length > 30`)
	incFillIntake(t, ctx, c[0], c[1])
	waitJS(t, ctx, "the live grade", `document.getElementById('grade-live').dataset.level === '3'`)
	if g := eval[string](t, ctx, `document.getElementById('grade-live').textContent`); !strings.Contains(g, "较大") {
		t.Errorf("live grade %q", g)
	}
	screenshot(t, ctx, "incident-intake")
	run(t, ctx, "save", incClickJS("#intake-save"))
	waitPage(t, ctx, "the incident page", `location.pathname.startsWith('/incidents/') && /^\/incidents\/\d+$/.test(location.pathname) && `+incReady)
	title := eval[string](t, ctx, `document.getElementById('inc-title').textContent`)
	if !strings.HasPrefix(title, "YJ-530502-") {
		t.Fatalf("incident page title %q", title)
	}
	number := strings.Fields(title)[0]
	id := eval[int](t, ctx, `YInc.incident.id`)
	if n := eval[int](t, ctx, `document.querySelectorAll('#deadlines li').length`); n != 4 {
		t.Errorf("%d deadline clocks", n)
	}
	waitJS(t, ctx, "the 1-hour clock ticking", `/剩余|已超时/.test(document.querySelector('#deadlines li[data-kind=initial] .countdown').textContent)`)

	// The same leak reported again is held back as a possible duplicate.
	run(t, ctx, "open the intake form again", chromedp.Navigate(h.url+"/incidents/new"))
	waitPage(t, ctx, "the intake form", incReady+` && document.querySelectorAll('#in-type option').length > 30`)
	incFillIntake(t, ctx, c[0]+0.001, c[1])
	waitJS(t, ctx, "the duplicate warning", `!document.getElementById('dup-box').hidden && document.getElementById('dup-list').textContent.includes('`+number+`')`)
	run(t, ctx, "save despite the warning", incClickJS("#intake-save"))
	waitJS(t, ctx, "the refusal", `!document.getElementById('inc-error').hidden && location.pathname === '/incidents/new'`)
	screenshot(t, ctx, "incident-duplicate")

	// Back to the first incident: activate the suggested plan level.
	run(t, ctx, "open the incident", chromedp.Navigate(fmt.Sprintf("%s/incidents/%d", h.url, id)))
	waitPage(t, ctx, "the incident page", incReady+` && document.querySelectorAll('#plans .activate').length > 0`)
	run(t, ctx, "activate", incClickJS("#plans .activate"))
	waitJS(t, ctx, "the plan's tasks (Ⅲ级: two)", `document.querySelectorAll('#tasks tbody tr').length === 2`)

	// Dispatch 10 tents from the nearest warehouse.
	setSelect(t, ctx, "#nr-kind", "warehouse")
	setInput(t, ctx, "#nr-needs", "帐篷:10")
	run(t, ctx, "find the nearest", incClickJS("#nr-find"))
	waitJS(t, ctx, "ranked warehouses", `document.querySelectorAll('#nearest tbody tr[data-resource]').length > 0`)
	whID := eval[int64](t, ctx, `+document.querySelector('#nearest tbody tr[data-resource]').dataset.resource`)
	before := incStockOf(t, reg, whID, "帐篷")
	run(t, ctx, "dispatch", incClickJS("#nearest .send"))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll('#orders tr[data-order]').length === 1`, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("no dispatch order: %v; the page says %q", err, eval[string](t, ctx, `document.getElementById('inc-error').textContent`))
	}
	if after := incStockOf(t, reg, whID, "帐篷"); after != before-10 {
		t.Errorf("tents %g → %g, want 10 fewer", before, after)
	}
	run(t, ctx, "en route", incClickJS(`#orders .advance[data-to=en_route]`))
	waitJS(t, ctx, "en route", `document.querySelector('#orders .dstatus').textContent === '在途'`)

	// A situation report: draft, add a section, submit, approve, publish.
	run(t, ctx, "new report", incClickJS("#report-new"))
	waitJS(t, ctx, "the report form", `!document.getElementById('report-form').hidden && !!document.getElementById('rp-course')`)
	setInput(t, ctx, "#rp-course", "11月28日9时许，储罐阀门破裂导致液氨泄漏。")
	setInput(t, ctx, "#rp-measures", "已疏散周边群众，消防救援队伍开展堵漏。")
	setInput(t, ctx, "#rp-sh", "环境监测")
	setInput(t, ctx, "#rp-sb", "下风向氨浓度正在回落。")
	run(t, ctx, "save the draft", incClickJS("#rp-save"))
	waitJS(t, ctx, "the saved section", `document.querySelectorAll('#report-form .section').length === 1 && !!document.querySelector('#report-form .step-submit')`)
	for _, step := range []struct{ action, status string }{{"submit", "待审核"}, {"approve", "已审核"}, {"publish", "已签发"}} {
		run(t, ctx, step.action, incClickJS("#report-form .step-"+step.action))
		waitJS(t, ctx, step.action+" done", `!YInc.loading && document.querySelector('#reports li .rstatus').textContent === '`+step.status+`'`)
	}
	waitJS(t, ctx, "the published report", `document.querySelector('#reports li strong').textContent === '`+number+`-R1'`)
	screenshot(t, ctx, "incident-page")
	var rep struct {
		Status string `json:"status"`
		Number string `json:"number"`
	}
	rid := eval[int](t, ctx, `+document.querySelector('#reports li').dataset.report`)
	h.getJSON("GET", fmt.Sprintf("/api/v1/incidents/%d/reports/%d", id, rid), "", &rep)
	if rep.Status != "published" || rep.Number != number+"-R1" {
		t.Errorf("report %+v", rep)
	}
	// the timeline holds every step.
	tl := eval[string](t, ctx, `document.getElementById('timeline').textContent`)
	for _, want := range []string{"接报", "定级", "启动", "调拨物资", "签发"} {
		if !strings.Contains(tl, want) {
			t.Errorf("the timeline lacks %q", want)
		}
	}

	// The board lists it with its clock.
	run(t, ctx, "the board", chromedp.Navigate(h.url+"/incidents"))
	waitPage(t, ctx, "the board", incReady+` && document.querySelectorAll('#inc-rows tr').length === 1`)
	if got := eval[string](t, ctx, `document.querySelector('#inc-rows tr').textContent`); !strings.Contains(got, number) || !strings.Contains(got, "较大") {
		t.Errorf("board row %q", got)
	}
	screenshot(t, ctx, "incident-board")

	// The one-map shows the open incident.
	run(t, ctx, "the one-map", chromedp.Navigate(h.url+"/"))
	waitPage(t, ctx, "the incidents layer", `!!window.yingji && !!yingji.incidents && yingji.incidents.source.getFeatures().length === 1`)
	if got := eval[string](t, ctx, `yingji.incidents.source.getFeatures()[0].get('number')`); got != number {
		t.Errorf("the map's incident is %q", got)
	}
}

func incStockOf(t *testing.T, reg *registry.Service, id int64, item string) float64 {
	t.Helper()
	o, err := reg.Get(core.WithActor(context.Background(), core.SystemActor), registry.KWarehouse, id)
	if err != nil {
		t.Fatal(err)
	}
	ls, _ := o.Attrs["stock"].([]registry.StockLine)
	for _, l := range ls {
		if l.Item == item {
			return l.Quantity
		}
	}
	return 0
}

func incCenter(t *testing.T, code string) ([2]float64, bool) {
	tree, err := region.Baoshan()
	if err != nil {
		t.Fatal(err)
	}
	p, ok := tree.Center(code)
	return [2]float64{p[0], p[1]}, ok
}

// incClickJS clicks an element from script: a real click at coordinates can
// land on the fixed top bar when the element is scrolled to the top.
func incClickJS(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) throw new Error('no ' + %q); e.click(); })()`, sel, sel))
}
