package webui

import (
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/store/storetest"
)

const auditPassword = "Audit-test-password-1"

// startAuditServer runs the API and UI with security events audited, an
// audit administrator, a security administrator and a viewer; the viewer's
// display name is changed once (an update with before and after).
func startAuditServer(t *testing.T) string {
	t.Helper()
	db, tree := storetest.Open(t, storetest.Backends()[0])
	authSvc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour,
		Divisions: func(c string) bool { _, ok := tree.Get(c); return ok },
		Security:  &auth.Security{Store: db, LockAfter: 50, LockAfterIP: 100}}
	sys := core.WithActor(context.Background(), core.SystemActor)
	for _, u := range []auth.UserInput{
		{Username: "auditadmin", Role: "auditadmin", Division: "530500"},
		{Username: "secadmin", Role: "secadmin", Division: "530500"},
		{Username: "viewer", Role: "viewer", Division: "530500", DisplayName: "值班查看员"},
	} {
		u.Password = auditPassword
		created, err := authSvc.CreateUser(sys, u)
		if err != nil {
			t.Fatal(err)
		}
		if u.Username == "viewer" {
			if _, err := authSvc.UpdateUser(sys, created.ID, auth.UserInput{DisplayName: "应急查看员"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	api := &httpapi.Server{Auth: authSvc, Regions: treeRegions{tree}, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}
	ui, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api.Handler())
	mux.Handle("/", ui.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// apiLogin signs in through the API and returns the status and token.
func apiLogin(t *testing.T, url, user, password string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	resp, err := http.Post(url+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Token
}

// securityEvents makes a failed sign-in and a permission denial.
func securityEvents(t *testing.T, url string) {
	t.Helper()
	if st, _ := apiLogin(t, url, "viewer", "wrong-password-1"); st != 401 {
		t.Fatalf("wrong password = %d, want 401", st)
	}
	_, tok := apiLogin(t, url, "viewer", auditPassword)
	req, _ := http.NewRequest("GET", url+"/api/v1/users", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("viewer listing users = %d, want 403", resp.StatusCode)
	}
}

// browserLogin signs in through the form and waits for an element of the
// page it goes to.
func browserLogin(t *testing.T, ctx context.Context, url, user, next, sel string) {
	t.Helper()
	run(t, ctx, "sign in as "+user,
		chromedp.Navigate(url+"/login?next="+next),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), auditPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS(sel)))
	if p := eval[string](t, ctx, "location.pathname"); p != next {
		t.Fatalf("after signing in at %s, want %s", p, next)
	}
}

// TestBrowserAuditSearch: the audit administrator finds the denial and the
// failed sign-in made in the test with the filters, opens an update and
// sees the changed field marked in the diff, exports with the same filters
// (a file that starts with the CSV columns), sees the chain intact, and the
// page speaks English too. The nav shows Audit, not the situation.
func TestBrowserAuditSearch(t *testing.T) {
	url := startAuditServer(t)
	securityEvents(t, url)
	ctx := browser(t, 1400, 900)
	browserLogin(t, ctx, url, "auditadmin", "/audit", "#audit-filters")
	waitJS(t, ctx, "the first page of entries", "document.getElementById('audit').dataset.loaded === '1'")
	waitJS(t, ctx, "the chain status", "document.getElementById('audit-chain').dataset.ok === 'true'")
	waitJS(t, ctx, "the nav", "document.documentElement.dataset.me === 'ready'")
	if !eval[bool](t, ctx, "!document.getElementById('nav-audit').hidden && document.getElementById('nav-situation').hidden && !document.getElementById('audit-exports').hidden") {
		t.Fatal("the audit administrator's nav or export buttons are wrong")
	}
	if chain := eval[string](t, ctx, "document.getElementById('audit-chain').textContent"); !strings.Contains(chain, "审计链完整") {
		t.Errorf("chain status = %q", chain)
	}

	run(t, ctx, "filter the denials", chromedp.SendKeys(chromedp.CSS("#f-action"), "denied"), chromedp.Click(chromedp.CSS("#audit-search")))
	waitJS(t, ctx, "the denials", "document.getElementById('audit').dataset.loaded === '2'")
	rows := eval[[]string](t, ctx, "Array.from(document.querySelectorAll('#audit-rows tr')).map(r => r.textContent)")
	if len(rows) != 1 || !strings.Contains(rows[0], "viewer") || !strings.Contains(rows[0], "permission") {
		t.Fatalf("denials = %q", rows)
	}
	setValue(t, ctx, "f-action", "login_failed")
	run(t, ctx, "show the failed sign-in", chromedp.SendKeys(chromedp.CSS("#f-q"), "WRONG"), chromedp.Click(chromedp.CSS("#audit-search")))
	waitJS(t, ctx, "the failed sign-ins", "document.getElementById('audit').dataset.loaded === '3'")
	if n := eval[int](t, ctx, "document.querySelectorAll('#audit-rows tr').length"); n != 1 {
		t.Fatalf("failed sign-ins containing 'WRONG' = %d rows, want 1", n)
	}

	setValue(t, ctx, "f-action", "update")
	setValue(t, ctx, "f-q", "")
	run(t, ctx, "find the update", chromedp.SendKeys(chromedp.CSS("#f-entity"), "user"), chromedp.Click(chromedp.CSS("#audit-search")))
	waitJS(t, ctx, "the update", "document.getElementById('audit').dataset.loaded === '4' && document.querySelectorAll('#audit-rows tr').length === 1")
	run(t, ctx, "open it", chromedp.Click(chromedp.CSS("#audit-rows tr")), chromedp.WaitVisible(chromedp.CSS("#audit-detail")))
	changed := eval[[]string](t, ctx, "Array.from(document.querySelectorAll('#audit-diff-rows tr.changed')).map(r => r.dataset.field)")
	diff := eval[string](t, ctx, "document.querySelector('#audit-diff-rows tr[data-field=display_name]').textContent")
	if len(changed) == 0 || !contains(changed, "display_name") || !strings.Contains(diff, "值班查看员") || !strings.Contains(diff, "应急查看员") {
		t.Fatalf("diff: changed %v, display_name row %q", changed, diff)
	}
	screenshot(t, ctx, "audit-search")

	href := eval[string](t, ctx, "document.getElementById('audit-export-csv').getAttribute('href')")
	if !strings.Contains(href, "format=csv") || !strings.Contains(href, "action=update") || !strings.Contains(href, "entity=user") {
		t.Fatalf("export link = %q", href)
	}
	eval[bool](t, ctx, "window.exported = null; fetch(document.getElementById('audit-export-csv').href).then(r => r.text()).then(x => { window.exported = x; }); true")
	waitJS(t, ctx, "the export", "window.exported !== null")
	csv := eval[string](t, ctx, "window.exported")
	if !strings.HasPrefix(csv, "seq,at,alg,") || // the browser's text() drops the byte-order mark
		!strings.Contains(csv, "应急查看员") {
		t.Fatalf("export = %.300q", csv)
	}
	if v := eval[int](t, ctx, "Y.cspViolations.length"); v != 0 {
		t.Errorf("%d Content-Security-Policy violations", v)
	}

	run(t, ctx, "switch to English", chromedp.Navigate(url+"/lang/en?next=/audit"), chromedp.WaitVisible(chromedp.CSS("#audit-filters")))
	waitJS(t, ctx, "the English page", "document.documentElement.lang === 'en' && document.getElementById('audit').dataset.loaded === '1'")
	if h := eval[string](t, ctx, "document.querySelector('#audit h1').textContent + '|' + document.getElementById('nav-audit').textContent"); h != "Audit trail|Audit" {
		t.Errorf("English heading and nav = %q", h)
	}
}

// TestBrowserSecuritySituation: the security administrator's situation
// page shows the failed sign-in and the denial made in the test, with the
// account, the recent events and the chain status; a second failure shows
// on the next load. The nav shows the situation, not the audit search.
func TestBrowserSecuritySituation(t *testing.T) {
	url := startAuditServer(t)
	securityEvents(t, url)
	ctx := browser(t, 1400, 900)
	browserLogin(t, ctx, url, "secadmin", "/security/situation", "#sit-window")
	waitJS(t, ctx, "the situation", "document.getElementById('situation').dataset.loaded === '1'")
	waitJS(t, ctx, "the nav", "document.documentElement.dataset.me === 'ready'")
	if !eval[bool](t, ctx, "!document.getElementById('nav-situation').hidden && document.getElementById('nav-audit').hidden") {
		t.Fatal("the security administrator's nav is wrong")
	}
	got := eval[string](t, ctx, "['sit-failed','sit-lockouts','sit-denials'].map(id => document.getElementById(id).textContent).join(',')")
	if got != "1,0,1" {
		t.Fatalf("failed, lockouts, denials = %s, want 1,0,1", got)
	}
	recent := eval[[]string](t, ctx, "Array.from(document.querySelectorAll('#sit-recent tbody tr')).map(r => r.dataset.action + ':' + r.textContent)")
	if len(recent) != 2 || !strings.HasPrefix(recent[0], "denied:") || !strings.Contains(recent[0], "GET /api/v1/users") || !strings.HasPrefix(recent[1], "login_failed:") {
		t.Fatalf("recent events = %q", recent)
	}
	if acc := eval[string](t, ctx, "document.querySelector('#sit-accounts tbody tr').textContent"); !strings.Contains(acc, "viewer") || !strings.Contains(acc, "2") {
		t.Errorf("top account = %q", acc)
	}
	if c := eval[string](t, ctx, "document.getElementById('sit-chain').className"); c != "chain ok" {
		t.Errorf("chain status class = %q", c)
	}
	screenshot(t, ctx, "security-situation")
	apiLogin(t, url, "secadmin", "wrong-password-2")
	setValue(t, ctx, "sit-window", "1h")
	eval[bool](t, ctx, "document.getElementById('sit-window').dispatchEvent(new Event('change'))")
	waitJS(t, ctx, "the reload", "Number(document.getElementById('situation').dataset.loaded) >= 2")
	if n := eval[string](t, ctx, "document.getElementById('sit-failed').textContent"); n != "2" {
		t.Errorf("failed sign-ins after another = %s, want 2", n)
	}
	if v := eval[int](t, ctx, "Y.cspViolations.length"); v != 0 {
		t.Errorf("%d Content-Security-Policy violations", v)
	}
}

// setValue sets a form control's value (without events).
func setValue(t *testing.T, ctx context.Context, id, v string) {
	t.Helper()
	js, _ := json.Marshal(v)
	eval[bool](t, ctx, "(document.getElementById('"+id+"').value = "+string(js)+") !== null")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
