package webui

import (
	"context"
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
	"github.com/xuri/excelize/v2"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/creditcode"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/ledger"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
)

// startLedgerHarness runs the API with the ledger routes and the UI over
// an empty SQLite store (the import page needs no demo data).
func startLedgerHarness(t *testing.T) (*harness, *registry.Service) {
	t.Helper()
	db, tree := storetest.Open(t, storetest.Backends()[0])
	authSvc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour,
		Divisions: func(c string) bool { _, ok := tree.Get(c); return ok }}
	reg := &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}
	sys := core.WithActor(context.Background(), core.SystemActor)
	if _, err := authSvc.CreateUser(sys, auth.UserInput{Username: adminUser, Password: adminPassword, Role: "admin", Division: "530500"}); err != nil {
		t.Fatal(err)
	}
	api := &httpapi.Server{Registry: reg, Auth: authSvc, Regions: treeRegions{tree}, DB: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test",
		Ledger: &httpapi.Ledger{Service: &ledger.Service{Registry: reg, Divisions: func() ledger.Divisions { return tree }}}}
	ui, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api.Handler())
	mux.Handle("/", ui.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &harness{t: t, url: srv.URL}, reg
}

// A workbook with a bad row: the page lists the error at its row and
// column and stores nothing; with "valid rows only" the good row is stored
// and the bad one still listed; the error report downloads.
func TestBrowserLedgerImport(t *testing.T) {
	h, reg := startLedgerHarness(t)
	ctx := browser(t, 1280, 900)
	run(t, ctx, "open the import page", chromedp.Navigate(h.url+"/ledger?kind=enterprises"), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	run(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.CSS("#username"), adminUser),
		chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
		chromedp.Click(chromedp.CSS("#login-submit")))
	waitPage(t, ctx, "the import page", `location.pathname === '/ledger' && !!window.YLedger && YLedger.ready`)
	if href := eval[string](t, ctx, `document.getElementById('lg-template').getAttribute('href')`); href != "/api/v1/ledger/enterprises/template.xlsx" {
		t.Errorf("template link %q", href)
	}

	// the workbook: the template with a good row and a bad one.
	res, err := http.Get(h.url + "/api/v1/ledger/enterprises/template.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Errorf("the template without a session: %d, want 401", res.StatusCode)
	}
	x := excelize.NewFile()
	sheet := "企业"
	x.SetSheetName("Sheet1", sheet)
	center := [2]float64{99.17, 25.12} // in Longyang District
	good, _ := creditcode.Complete("91530502000000001")
	bad, _ := creditcode.Complete("91530502000000002")
	for i, row := range [][]any{
		{"统一社会信用代码", "名称", "行业类别", "经度", "纬度"},
		{"code", "name", "industry", "longitude", "latitude"},
		{good, "网页导入企业", "冶金", center[0], center[1]},
		{bad, "养殖企业", "养猪场", center[0], center[1]},
	} {
		x.SetSheetRow(sheet, fmt.Sprintf("A%d", i+1), &row)
	}
	path := filepath.Join(t.TempDir(), "企业台账.xlsx")
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}

	run(t, ctx, "choose the file", chromedp.SetUploadFiles(chromedp.CSS("#lg-file"), []string{path}))
	run(t, ctx, "import", chromedp.Click(chromedp.CSS("#lg-submit")))
	waitJS(t, ctx, "the import's answer", `YLedger.report !== null && !YLedger.busy`)
	got := eval[struct {
		Row, Column, Reason, Problem string
		Shown                        bool
	}](t, ctx, `(() => { const tr = document.querySelector('#lg-errors tbody tr');
		return {Row: tr.dataset.row, Column: tr.dataset.column, Reason: tr.querySelector('.reason').textContent,
			Problem: document.getElementById('lg-problem').textContent, Shown: !document.getElementById('lg-problem').hidden}; })()`)
	if got.Row != "4" || got.Column != "C" || !strings.Contains(got.Reason, "养猪场") || !got.Shown || !strings.Contains(got.Problem, "未保存任何记录") {
		t.Errorf("after an all-or-nothing import with a bad row the page shows %+v", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#lg-errors tbody tr').length`); n != 1 {
		t.Errorf("%d errors listed, want 1", n)
	}
	sys := core.WithActor(context.Background(), core.SystemActor)
	if _, n, _ := reg.List(sys, registry.Filter{Kind: registry.KEnterprise}); n != 0 {
		t.Fatalf("the refused import stored %d records", n)
	}
	screenshot(t, ctx, "ledger-errors")

	run(t, ctx, "valid rows only", chromedp.Click(chromedp.CSS(`input[name=mode][value=valid_only]`)))
	run(t, ctx, "import again", chromedp.Evaluate[chromedp.Void](`YLedger.report = null`), chromedp.Click(chromedp.CSS("#lg-submit")))
	waitJS(t, ctx, "the second answer", `YLedger.report !== null && !YLedger.busy`)
	summary := eval[string](t, ctx, `document.getElementById('lg-summary').textContent`)
	if !strings.Contains(summary, "新增 1 条") || !strings.Contains(summary, "有错 1 行") {
		t.Errorf("summary %q", summary)
	}
	if objs, n, _ := reg.List(sys, registry.Filter{Kind: registry.KEnterprise}); n != 1 || objs[0].Code != good {
		t.Fatalf("valid-only stored %d records, want the good one", n)
	}
	if link := eval[string](t, ctx, `document.querySelector('#lg-results tbody a').textContent`); link != "网页导入企业" {
		t.Errorf("results list %q", link)
	}
	run(t, ctx, "download the error report", chromedp.Click(chromedp.CSS("#lg-report")))
	waitJS(t, ctx, "the report", `YLedger.reportSize > 1000`)
	screenshot(t, ctx, "ledger-valid-only")

	// the registry list offers the Excel export, the template and the import.
	run(t, ctx, "open the list", chromedp.Navigate(h.url+"/registry/enterprises?q=网页"))
	waitPage(t, ctx, "the list", regReady)
	run(t, ctx, "prepare the export link", chromedp.Evaluate[chromedp.Void](`document.getElementById('reg-xlsx').dispatchEvent(new MouseEvent('click', {cancelable: true})) || 0`))
	links := eval[[]string](t, ctx, `['reg-xlsx', 'reg-template', 'reg-import'].map(id => document.getElementById(id).getAttribute('href'))`)
	if links[0] != "/api/v1/ledger/enterprises/export.xlsx?q=%E7%BD%91%E9%A1%B5" || links[1] != "/api/v1/ledger/enterprises/template.xlsx" || links[2] != "/ledger?kind=enterprises" {
		t.Errorf("list links %q", links)
	}
}
