package webui

import (
	"context"
	"encoding/json"
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
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
)

const rcpReady = `!!window.YRecipients && YRecipients.ready && !YRecipients.loading && !YRecipients.saving`

// recipientsHarness runs the API with the recipients area and the pages.
func recipientsHarness(t *testing.T) (url, token string) {
	db, tree := storetest.Open(t, storetest.Backends()[0])
	authSvc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour, Divisions: func(c string) bool { _, ok := tree.Get(c); return ok }}
	sys := core.WithActor(context.Background(), core.SystemActor)
	if _, err := authSvc.CreateUser(sys, auth.UserInput{Username: adminUser, Password: adminPassword, Role: "admin", Division: "530500"}); err != nil {
		t.Fatal(err)
	}
	p, _ := outbox.NewProtector(make([]byte, 32))
	land, err := outbox.NewLand(tree, outbox.Census2020())
	if err != nil {
		t.Fatal(err)
	}
	api := &httpapi.Server{Registry: &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}, Auth: authSvc, Regions: treeRegions{tree}, DB: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test", Recipients: &httpapi.Recipients{Service: &outbox.Service{Store: db, Protect: p, Land: land}}}
	ui, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api.Handler())
	mux.Handle("/", ui.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	res, err := http.Post(srv.URL+"/api/v1/auth/login", "application/json", strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, adminUser, adminPassword)))
	if err != nil {
		t.Fatal(err)
	}
	var lr httpapi.LoginResponse
	json.NewDecoder(res.Body).Decode(&lr)
	res.Body.Close()
	return srv.URL, lr.Token
}

// The registry page lists recipients with masked contacts, shows the API's
// field error beside the field, creates a recipient, and imports a CSV:
// a file with a bad row shows the row and stores nothing, a good one
// stores all.
func TestBrowserRecipients(t *testing.T) {
	url, token := recipientsHarness(t)
	req, _ := http.NewRequest("POST", url+"/api/v1/recipients", strings.NewReader(`{"kind":"grid_worker","name":"网格员甲","division_code":"530502","phone":"13812341234","email":"jia@example.cn"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 201 {
		t.Fatalf("seed: %v %v", res, err)
	}
	ctx := browser(t, 1440, 900)
	run(t, ctx, "sign in, asking for the recipients page", chromedp.Navigate(url+"/login?next=/recipients"), chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), adminUser), chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
		chromedp.Click(chromedp.CSS("#login-submit")))
	waitPage(t, ctx, "the list", `location.pathname === "/recipients" && `+rcpReady+` && YRecipients.items.length === 1`)
	if eval[string](t, ctx, `document.querySelector('#rcp-rows td.masked').textContent`) != "138****1234" {
		t.Error("the phone is not shown masked")
	}
	if strings.Contains(eval[string](t, ctx, `document.documentElement.outerHTML`), "13812341234") {
		t.Error("the plain phone number reached the page")
	}
	if eval[string](t, ctx, `document.querySelector('#nav-recipients').getAttribute('href')`) != "/recipients" {
		t.Error("no nav link")
	}
	// a bad phone: the API's message beside the field, nothing stored
	run(t, ctx, "fill the form",
		chromedp.SetValue(chromedp.CSS("#in-kind"), "public"),
		chromedp.SendKeys(chromedp.CSS("#in-name"), "公众乙"),
		chromedp.SendKeys(chromedp.CSS("#in-division_code"), "530521"),
		chromedp.SendKeys(chromedp.CSS("#in-phone"), "12"),
		chromedp.Click(chromedp.CSS("#rcp-save")))
	waitJS(t, ctx, "the refusal", `YRecipients.failed === 1 && !YRecipients.saving`)
	if msg := eval[string](t, ctx, `document.querySelector('[data-error-for="phone"]').textContent`); !strings.Contains(msg, "12") {
		t.Errorf("phone error %q", msg)
	}
	run(t, ctx, "fix the phone", chromedp.SetValue(chromedp.CSS("#in-phone"), "13900002222"), chromedp.Click(chromedp.CSS("#rcp-save")))
	waitJS(t, ctx, "the save", `YRecipients.saved === 1 && `+rcpReady+` && YRecipients.items.length === 2`)

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("kind,name,division_code,phone\npublic,丙,530521,13700001111\npublic,丁,999999,\n"), 0o600)
	run(t, ctx, "import a bad file", chromedp.SetUploadFiles(chromedp.CSS(`#import-file`), []string{bad}), chromedp.Click(chromedp.CSS("#import-go")))
	waitJS(t, ctx, "the import refusal", `YRecipients.failed === 2 && !YRecipients.saving`)
	if li := eval[string](t, ctx, `document.getElementById('import-errors').textContent`); !strings.Contains(li, "3") || !strings.Contains(li, "division_code") {
		t.Errorf("import errors %q", li)
	}
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("kind,name,division_code,phone,topic\npublic,丙,530521,13700001111,\nloudspeaker,某村村村响,530521,,yingji/ls/1\n"), 0o600)
	run(t, ctx, "import a good file", chromedp.SetUploadFiles(chromedp.CSS(`#import-file`), []string{good}), chromedp.Click(chromedp.CSS("#import-go")))
	waitJS(t, ctx, "the import", `YRecipients.imported === 2 && `+rcpReady+` && YRecipients.items.length === 4`)
	// edit keeps the masked contacts
	run(t, ctx, "edit the first", chromedp.Click(chromedp.CSS(`#rcp-rows tr:first-child .rcp-edit`)),
		chromedp.SetValue(chromedp.CSS("#in-note"), "夜间值守"), chromedp.Click(chromedp.CSS("#rcp-save")))
	waitJS(t, ctx, "the edit", `YRecipients.saved === 2 && `+rcpReady)
	if got := eval[string](t, ctx, `JSON.stringify([YRecipients.last.phone, YRecipients.last.email, YRecipients.last.note])`); got != `["138****1234","j***@example.cn","夜间值守"]` {
		t.Errorf("after edit %s", got)
	}
}
