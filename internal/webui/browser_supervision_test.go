package webui

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/demo"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
	"github.com/yingji/yingji/internal/supervision"
	"github.com/yingji/yingji/internal/supervision/gb18218"
)

// startSupervisionHarness is startHarness with the supervision area wired.
func startSupervisionHarness(t *testing.T) *harness {
	t.Helper()
	db, tree := storetest.Open(t, storetest.Backends()[0])
	authSvc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour,
		Divisions: func(c string) bool { _, ok := tree.Get(c); return ok },
		Enterprise: func(ctx context.Context, id int64) (string, error) {
			o, err := db.GetObject(ctx, registry.KEnterprise, id)
			if err != nil {
				return "", err
			}
			return o.Division, nil
		}}
	reg := &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}
	sys := core.WithActor(context.Background(), core.SystemActor)
	if _, err := demo.Load(sys, reg, tree, demo.DefaultSeed); err != nil {
		t.Fatalf("load the demo data: %v", err)
	}
	if _, err := authSvc.CreateUser(sys, auth.UserInput{Username: adminUser, Password: adminPassword, Role: "admin", Division: "530500"}); err != nil {
		t.Fatal(err)
	}
	tb, err := gb18218.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := supervision.LoadReference("")
	if err != nil {
		t.Fatal(err)
	}
	svc := &supervision.Service{Store: db, Alarms: db, Registry: reg, Inbox: db, Table: tb, Ref: ref, Clock: core.SystemClock,
		Inspectors: func(context.Context, string) ([]supervision.Person, error) {
			return []supervision.Person{{ID: 1, Name: "甲"}, {ID: 2, Name: "乙"}}, nil
		}}
	api := &httpapi.Server{Registry: reg, Auth: authSvc, Regions: treeRegions{tree}, DB: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test", Supervision: &httpapi.Supervision{Service: svc}}
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
	return h
}

const svReady = `!!window.YSup && YSup.ready && YSup.loading === 0`

// The calculator: the stable example gives S 2, R 6 and 四级 live, an
// unknown substance marks its row, and unverified numbers are flagged.
func TestBrowserHazardCalculator(t *testing.T) {
	h := startSupervisionHarness(t)
	ctx := browser(t, 1440, 900)
	login(t, ctx, h, "")
	run(t, ctx, "open the calculator", chromedp.Navigate(h.url+"/supervision/hazard-sources"))
	waitPage(t, ctx, "the calculator", svReady+` && YSup.assessed >= 1`)
	if got := eval[string](t, ctx, `document.getElementById('out-s').textContent + '|' + document.getElementById('out-r').textContent + '|' + document.getElementById('out-grade').textContent`); got != "2|6|四级" {
		t.Errorf("S|R|grade = %s, want 2|6|四级", got)
	}
	if eval[bool](t, ctx, `document.getElementById('out-unverified').hidden`) {
		t.Error("ammonia's critical quantity is unverified but the result is not flagged")
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#table-rows .sv-flag').length`); n == 0 {
		t.Error("the table shows no unverified entries")
	}
	// 300 t of chlorine with 120 people: S = 60, R = 2 × 4 × 60 = 480 → 一级.
	n := eval[int](t, ctx, `YSup.assessed`)
	run(t, ctx, "add chlorine", chromedp.Click(chromedp.CSS("#calc-add")))
	setInput(t, ctx, "#calc-rows tr:nth-child(1) .in-qty", "0")
	setInput(t, ctx, "#calc-rows tr:nth-child(2) .in-name", "氯")
	setInput(t, ctx, "#calc-rows tr:nth-child(2) .in-qty", "300")
	setInput(t, ctx, "#in-exposed", "120")
	// each input change assesses again; an intermediate state (60 people,
	// α 1.5: R 360) is also 一级, so wait for the result of the last input.
	waitJS(t, ctx, "R = 480, 一级, for the last input", fmt.Sprintf(`YSup.assessed > %d && YSup.loading === 0 && document.getElementById('out-grade').textContent === '一级'
		&& document.getElementById('out-r').textContent === '480'`, n))
	screenshot(t, ctx, "supervision-calculator")
	setInput(t, ctx, "#calc-rows tr:nth-child(2) .in-name", "不存在的物质")
	waitJS(t, ctx, "the refusal", `!document.getElementById('sv-error').hidden && document.querySelector('#calc-rows tr:nth-child(2)').classList.contains('bad')`)
	if msg := eval[string](t, ctx, `document.getElementById('sv-error').textContent`); !strings.Contains(msg, "不存在的物质") {
		t.Errorf("the error does not name the substance: %q", msg)
	}
}

// The hidden-danger lifecycle through the board: report, plan, photo,
// rectify, verify, close; the card moves column to column.
func TestBrowserHiddenDangerLifecycle(t *testing.T) {
	h := startSupervisionHarness(t)
	ctx := browser(t, 1440, 1000)
	login(t, ctx, h, "")
	waitJS(t, ctx, "the nav link", `!!document.getElementById('nav-supervision')`)
	run(t, ctx, "follow the supervision link", chromedp.Click(chromedp.CSS("#nav-supervision")))
	waitPage(t, ctx, "the board", `location.pathname === '/supervision/hidden-dangers' && `+svReady)
	run(t, ctx, "open the report form", chromedp.Click(chromedp.CSS("#hz-new")))
	waitJS(t, ctx, "the form", `YSup.formReady === true`)
	// a major hidden danger without its criterion is refused beside the field.
	setInput(t, ctx, "#in-title", "尾矿库干滩长度不足（测试）")
	setSelect(t, ctx, "#in-source", "inspector")
	setSelect(t, ctx, "#in-level", "major")
	run(t, ctx, "save", chromedp.Click(chromedp.CSS("#hz-save")))
	waitJS(t, ctx, "the refusal", `YSup.failed === 1`)
	if msg := fieldError(t, ctx, "criterion"); msg == "" {
		t.Errorf("no message beside the criterion; the box says %q", eval[string](t, ctx, `document.getElementById('sv-error').textContent`))
	}
	setSelect(t, ctx, "#in-criterion", "TP-08")
	run(t, ctx, "save", chromedp.Click(chromedp.CSS("#hz-save")))
	waitJS(t, ctx, "the card", `YSup.saved === 1 && !!YSup.open && !!document.querySelector('.sv-col[data-state="reported"] .sv-hz.major')`)
	id := eval[int](t, ctx, `YSup.open.id`)
	step := func(action string, want string) {
		t.Helper()
		saved := eval[int](t, ctx, `YSup.saved`)
		run(t, ctx, action, chromedp.Click(chromedp.CSS("#act-"+action)))
		waitJS(t, ctx, action, fmt.Sprintf(`YSup.saved > %d && YSup.open && YSup.open.state === %q && !!document.querySelector('.sv-col[data-state=%q] .sv-hz[data-id="%d"]')`, saved, want, want, id))
	}
	setInput(t, ctx, "#in-responsible", "张三")
	setInput(t, ctx, "#in-measures", "降低库水位，恢复干滩长度")
	setInput(t, ctx, "#in-deadline", time.Now().Add(72*time.Hour).Format("2006-01-02T15:04"))
	step("start", "rectifying")
	// rectification evidence: a photo through the file input.
	dir := t.TempDir()
	png := filepath.Join(dir, "evidence.png")
	if err := os.WriteFile(png, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "choose the photo", chromedp.SetUploadFiles(chromedp.CSS("#in-photo"), []string{png}))
	saved := eval[int](t, ctx, `YSup.saved`)
	run(t, ctx, "upload", chromedp.Click(chromedp.CSS("#act-photo")))
	waitJS(t, ctx, "the photo", fmt.Sprintf(`YSup.saved > %d && (YSup.open.photos || []).length === 1`, saved))
	setInput(t, ctx, "#in-evidence", "已降低库水位，干滩长度恢复至设计值")
	step("rectify", "rectified")
	setInput(t, ctx, "#in-note", "复核不充分")
	step("reject", "rectifying")
	setInput(t, ctx, "#in-evidence", "复测干滩长度 120 m")
	step("rectify", "rectified")
	step("verify", "verified")
	step("close", "closed")
	screenshot(t, ctx, "supervision-hidden-danger")
	var got supervision.HiddenDanger
	h.getJSON("GET", fmt.Sprintf("/api/v1/hidden-dangers/%d", id), "", &got)
	var actions []string
	for _, e := range got.Events {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, ",") != "report,start,photo,rectify,reject,rectify,verify,close" || got.Criterion != "TP-08" {
		t.Errorf("stored steps %v, criterion %s", actions, got.Criterion)
	}
}

// The risk page lists every demo enterprise in the ranked list and on the
// map layer.
func TestBrowserRiskPage(t *testing.T) {
	h := startSupervisionHarness(t)
	ctx := browser(t, 1440, 900)
	login(t, ctx, h, "")
	run(t, ctx, "open the risk page", chromedp.Navigate(h.url+"/supervision/risk"))
	waitPage(t, ctx, "the risk list", svReady+` && YSup.rows > 0`)
	var risk struct {
		Total int `json:"total"`
	}
	h.getJSON("GET", "/api/v1/enterprise-risk", "", &risk)
	if rows, feats := eval[int](t, ctx, `YSup.rows`), eval[int](t, ctx, `YSup.features`); rows != risk.Total || feats != risk.Total {
		t.Errorf("the page shows %d rows and %d features; the API has %d", rows, feats, risk.Total)
	}
	if eval[bool](t, ctx, `document.getElementById('diag-form').hidden`) {
		t.Error("the admin does not see the diagnosis form")
	}
}

// The one-map offers the risk layer, off by default, with every graded
// enterprise.
func TestBrowserMapRiskLayer(t *testing.T) {
	h := startSupervisionHarness(t)
	ctx := browser(t, 1440, 900)
	login(t, ctx, h, "")
	waitJS(t, ctx, "the risk layer", `!!window.yingji.riskLayer && !!document.getElementById('risk-layer-toggle')`)
	var risk struct {
		Total int `json:"total"`
	}
	h.getJSON("GET", "/api/v1/enterprise-risk", "", &risk)
	if n := eval[int](t, ctx, `yingji.riskLayer.getSource().getFeatures().length`); n != risk.Total || n == 0 {
		t.Errorf("the layer has %d features, the API %d", n, risk.Total)
	}
	if eval[bool](t, ctx, `yingji.riskLayer.getVisible()`) {
		t.Error("the risk layer is on before it is switched on")
	}
	run(t, ctx, "switch it on", chromedp.Click(chromedp.CSS("#risk-layer-toggle")))
	if !eval[bool](t, ctx, `yingji.riskLayer.getVisible()`) {
		t.Error("the toggle did not show the layer")
	}
}

// A registered hazard source is graded from the calculator and the result
// kept in its history.
func TestBrowserGradeRegisteredSource(t *testing.T) {
	h := startSupervisionHarness(t)
	ctx := browser(t, 1440, 900)
	login(t, ctx, h, "")
	run(t, ctx, "open the calculator", chromedp.Navigate(h.url+"/supervision/hazard-sources"))
	waitPage(t, ctx, "the sources", svReady+` && document.querySelectorAll('#in-source-id option').length > 0 && !document.getElementById('calc-grade').hidden`)
	id := eval[string](t, ctx, `document.getElementById('in-source-id').value`)
	n := eval[int](t, ctx, `YSup.assessed`)
	run(t, ctx, "load the inventory", chromedp.Click(chromedp.CSS("#calc-load")))
	waitJS(t, ctx, "its assessment", fmt.Sprintf(`YSup.assessed > %d`, n))
	run(t, ctx, "grade it", chromedp.Click(chromedp.CSS("#calc-grade")))
	waitJS(t, ctx, "the history", `YSup.saved === 1 && document.querySelectorAll('#calc-history li').length === 1`)
	var hist struct {
		Items []supervision.Assessment `json:"items"`
	}
	h.getJSON("GET", "/api/v1/hazard-sources/"+id+"/assessments", "", &hist)
	if len(hist.Items) != 1 || hist.Items[0].Result == nil || len(hist.Items[0].Input.Substances) == 0 {
		t.Errorf("history %+v", hist.Items)
	}
}

// Inspections: draw a plan, record the inspection of a drawn enterprise
// with a failed item that becomes a hidden danger, publish, file a case
// and move it on.
func TestBrowserInspections(t *testing.T) {
	h := startSupervisionHarness(t)
	ctx := browser(t, 1440, 1200)
	login(t, ctx, h, "")
	run(t, ctx, "open the inspections", chromedp.Navigate(h.url+"/supervision/inspections"))
	waitPage(t, ctx, "the page", svReady)
	setInput(t, ctx, "#in-plan-name", "2026年第四季度危化品双随机抽查")
	setSelect(t, ctx, "#in-plan-division", "530502")
	setInput(t, ctx, "#in-plan-count", "3")
	run(t, ctx, "draw", chromedp.Click(chromedp.CSS("#plan-save")))
	waitJS(t, ctx, "the plan", `YSup.saved === 1 && YSup.plans === 1 && document.querySelectorAll('#plan-result li').length === 3`)
	var plans struct {
		Items []supervision.Plan `json:"items"`
	}
	h.getJSON("GET", "/api/v1/inspection-plans", "", &plans)
	if len(plans.Items) != 1 || len(plans.Items[0].Assignments) != 3 || !strings.Contains(eval[string](t, ctx, `document.getElementById('plan-result').textContent`), fmt.Sprint(plans.Items[0].Seed)) {
		t.Fatalf("plans %+v", plans.Items)
	}
	p := plans.Items[0]
	setSelect(t, ctx, "#in-rec-plan", fmt.Sprint(p.ID))
	setSelect(t, ctx, "#in-rec-enterprise", fmt.Sprint(p.Assignments[0].EnterpriseID))
	want := p.Assignments[0].Inspectors[0].Name + "、" + p.Assignments[0].Inspectors[1].Name
	if got := eval[string](t, ctx, `document.getElementById('in-rec-inspectors').value`); got != want {
		t.Errorf("inspectors prefilled %q, want the drawn team %q", got, want)
	}
	setInput(t, ctx, "#in-rec-at", time.Now().Add(-time.Hour).Format("2006-01-02T15:04"))
	run(t, ctx, "fail the first item", chromedp.Evaluate[chromedp.Void](`(() => { const tr = document.querySelector('#rec-items tr');
		tr.querySelector('.in-result').value = 'fail'; tr.querySelector('.in-note').value = '责任制未覆盖全员'; tr.querySelector('.in-hz-level').value = 'general'; })()`))
	run(t, ctx, "save the record", chromedp.Click(chromedp.CSS("#rec-save")))
	waitJS(t, ctx, "the record", `YSup.saved === 2 && document.querySelectorAll('#record-rows tr').length === 1`)
	var hz struct {
		Items []supervision.HiddenDanger `json:"items"`
	}
	h.getJSON("GET", "/api/v1/hidden-dangers?source=inspection", "", &hz)
	if len(hz.Items) != 1 || hz.Items[0].EnterpriseID != p.Assignments[0].EnterpriseID || hz.Items[0].State != supervision.Reported || hz.Items[0].Deadline == nil {
		t.Errorf("hidden dangers from the inspection %+v", hz.Items)
	}
	run(t, ctx, "publish", chromedp.Click(chromedp.CSS("button[data-publish]")))
	waitJS(t, ctx, "published", `YSup.saved === 3 && !document.querySelector('button[data-publish]')`)
	var pub struct {
		Total int `json:"total"`
	}
	h.getJSON("GET", "/api/v1/public/inspection-plans", "", &pub)
	if pub.Total != 1 {
		t.Errorf("%d public plans", pub.Total)
	}
	setSelect(t, ctx, "#in-case-enterprise", fmt.Sprint(p.Assignments[0].EnterpriseID))
	setInput(t, ctx, "#in-case-violation", "未建立全员安全生产责任制")
	setInput(t, ctx, "#in-case-basis", "《中华人民共和国安全生产法》")
	setSelect(t, ctx, "#in-case-penalty", "fine")
	run(t, ctx, "file without the amount", chromedp.Click(chromedp.CSS("#case-save")))
	waitJS(t, ctx, "the refusal", `YSup.failed === 1`)
	if msg := eval[string](t, ctx, `document.querySelector('#case-form .field-error[data-error-for="fine_cny"]').textContent`); msg == "" {
		t.Error("no message beside the fine")
	}
	setInput(t, ctx, "#in-case-fine", "20000")
	run(t, ctx, "file", chromedp.Click(chromedp.CSS("#case-save")))
	waitJS(t, ctx, "the case", `YSup.saved === 4 && document.querySelectorAll('#case-rows tr').length === 1`)
	run(t, ctx, "advance", chromedp.Click(chromedp.CSS("button[data-advance]")))
	waitJS(t, ctx, "investigating", `YSup.saved === 5 && document.querySelector('#case-rows tr').dataset.state === 'investigating'`)
	screenshot(t, ctx, "supervision-inspections")
}
