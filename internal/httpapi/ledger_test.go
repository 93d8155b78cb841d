package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/creditcode"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/ledger"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
)

// newLedgerEnv is newEnv with the ledger routes.
func newLedgerEnv(t *testing.T, b storetest.Backend) *env {
	t.Helper()
	db, tree := storetest.Open(t, b)
	rg := &regions{db: db}
	rg.tree.Store(tree)
	authSvc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour,
		Divisions: func(c string) bool { _, ok := rg.Tree().Get(c); return ok }}
	reg := &registry.Service{Store: db, Regions: func() registry.Regions { return rg.Tree() }}
	api := &httpapi.Server{Registry: reg, Auth: authSvc, Regions: rg, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test",
		Ledger: &httpapi.Ledger{Service: &ledger.Service{Registry: reg, Divisions: func() ledger.Divisions { return rg.Tree() }},
			Clock: func() time.Time { return time.Date(2026, 3, 31, 16, 30, 0, 0, time.UTC) }}}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	e := &env{t: t, url: srv.URL, db: db, tree: tree, api: api, tokens: map[string]string{}}
	e.loadDocument()
	ctx := core.WithActor(context.Background(), core.SystemActor)
	for _, u := range []auth.UserInput{
		{Username: "ly-inspector", Role: "inspector", Division: "530502"},
		{Username: "viewer", Role: "viewer", Division: "530500"},
	} {
		u.Password = password
		if _, err := authSvc.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		e.login(u.Username)
	}
	return e
}

func upload(t *testing.T, data []byte, name string) ([]byte, http.Header) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return buf.Bytes(), http.Header{"Content-Type": {mw.FormDataContentType()}}
}

func code(t *testing.T, div string, n int) string {
	c, err := creditcode.Complete(fmt.Sprintf("91%s%09d", div, n))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLedgerAPI(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newLedgerEnv(t, b)
			// a template for every kind, readable by a viewer.
			for _, k := range registry.Kinds() {
				status, data, h := e.do("GET", "/api/v1/ledger/"+k.Path+"/template.xlsx", "viewer", nil, nil)
				if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/vnd.openxmlformats") {
					t.Fatalf("%s template: %d %s", k.Name, status, h.Get("Content-Type"))
				}
				x, err := excelize.OpenReader(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("%s template: %v", k.Name, err)
				}
				if sheets := x.GetSheetList(); sheets[0] != k.Label || !strings.Contains(strings.Join(sheets, ","), "填写说明") {
					t.Errorf("%s template sheets %v", k.Name, sheets)
				}
				if cd := h.Get("Content-Disposition"); !strings.Contains(cd, `filename=`+k.Path+`-template.xlsx`) || !strings.Contains(cd, "filename*=UTF-8''") {
					t.Errorf("Content-Disposition %q", h.Get("Content-Disposition"))
				}
			}
			if status, _, _ := e.do("GET", "/api/v1/ledger/dragons/template.xlsx", "viewer", nil, nil); status != 404 {
				t.Errorf("unknown kind: %d, want 404", status)
			}

			ly, _ := e.tree.Center("530502")
			tc, _ := e.tree.Center("530581")
			csv := "统一社会信用代码,名称,行业类别,经度,纬度,从业人数\n" +
				fmt.Sprintf("%s,甲,冶金,%f,%f,10\n", code(t, "530502", 1), ly[0], ly[1]) +
				fmt.Sprintf("%s,乙,冶金,%f,%f,很多\n", code(t, "530502", 2), ly[0], ly[1]) +
				fmt.Sprintf("%s,丙,冶金,%f,%f,5\n", code(t, "530581", 3), tc[0], tc[1])
			body, hdr := upload(t, []byte(csv), "企业.csv")
			if status, _, _ := e.do("POST", "/api/v1/ledger/enterprises/import", "viewer", body, hdr); status != 403 {
				t.Errorf("viewer import: %d, want 403", status)
			}
			status, data, _ := e.do("POST", "/api/v1/ledger/enterprises/import", "ly-inspector", body, hdr)
			if status != 422 {
				t.Fatalf("import with bad rows: %d %s", status, data)
			}
			var prob struct {
				httpapi.Problem
				Report ledger.Report `json:"report"`
			}
			json.Unmarshal(data, &prob)
			if len(prob.Report.Errors) != 2 || prob.Report.Errors[0].Row != 3 || prob.Report.Errors[0].Column != "F" ||
				prob.Report.Errors[1].Row != 4 || prob.Report.Errors[1].Field != "division_code" || len(prob.Errors) != 2 {
				t.Errorf("problem = %s", data)
			}
			var rep ledger.Report
			e.call("POST", "/api/v1/ledger/enterprises/import?mode=valid_only&dry_run=true", "ly-inspector", body, 200, &rep)
			if rep.Created != 1 || rep.Stored {
				t.Errorf("dry run = %+v", rep)
			}
			status, data, _ = e.do("POST", "/api/v1/ledger/enterprises/import?mode=valid_only", "ly-inspector", []byte(csv), http.Header{"Content-Type": {"text/csv"}})
			if status != 200 {
				t.Fatalf("valid-only raw CSV: %d %s", status, data)
			}
			json.Unmarshal(data, &rep)
			if rep.Created != 1 || rep.Rejected != 2 || !rep.Stored || len(rep.Results) != 1 || rep.Results[0].Code != code(t, "530502", 1) {
				t.Errorf("valid-only = %s", data)
			}

			// the error report as a workbook.
			status, data, _ = e.do("POST", "/api/v1/ledger/enterprises/error-report?only_errors=true", "ly-inspector", body, hdr)
			if status != 200 {
				t.Fatalf("error report: %d %s", status, data)
			}
			x, err := excelize.OpenReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := x.GetRows(x.GetSheetList()[0])
			if len(rows) != 3 || rows[0][7] != "错误说明" || rows[1][6] != "3" || !strings.HasPrefix(rows[1][7], "F列「从业人数」") {
				t.Errorf("error report rows = %q", rows)
			}

			// the export, filtered like the list.
			status, data, h := e.do("GET", "/api/v1/ledger/enterprises/export.xlsx?q=甲&division=530502", "viewer", nil, nil)
			if status != 200 {
				t.Fatalf("export: %d %s", status, data)
			}
			// the file is named by Beijing time: 16:30 UTC is 00:30 the next day.
			if cd := h.Get("Content-Disposition"); !strings.Contains(cd, "enterprises-20260401-0030.xlsx") {
				t.Errorf("export Content-Disposition %q", cd)
			}
			x, _ = excelize.OpenReader(bytes.NewReader(data))
			rows, _ = x.GetRows("企业")
			if len(rows) != 2 || rows[1][1] != "甲" {
				t.Errorf("export rows = %q", rows)
			}
			if status, _, _ := e.do("GET", "/api/v1/ledger/enterprises/export.xlsx?limit=5", "viewer", nil, nil); status != 422 {
				t.Errorf("export with limit: %d, want 422", status)
			}
			if status, _, _ := e.do("POST", "/api/v1/ledger/enterprises/import?mode=some", "ly-inspector", body, hdr); status != 422 {
				t.Errorf("bad mode: %d, want 422", status)
			}
			if status, data, _ := e.do("POST", "/api/v1/ledger/enterprises/import", "ly-inspector", []byte("\xd0\xcf\x11\xe0old"), http.Header{"Content-Type": {"application/vnd.ms-excel"}}); status != 422 || !strings.Contains(string(data), ".xls") {
				t.Errorf("old .xls: %d %s", status, data)
			}
			if e.checked == 0 {
				t.Error("no response was checked against the OpenAPI document")
			}
		})
	}
}
