package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// admReady is true once an admin page has loaded and is not busy.
const admReady = `!!window.YAdmin && YAdmin.ready === true && !YAdmin.loading && !YAdmin.saving`

// meReady is true once the header has asked the API who is signed in.
const meReady = `document.documentElement.dataset.me === 'ready'`

// loginAs signs in through the form as any user and waits for the map.
func loginAs(t *testing.T, ctx context.Context, h *harness, user, password string) {
	t.Helper()
	run(t, ctx, "open the login page", chromedp.Navigate(h.url+"/login"), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	run(t, ctx, "sign in as "+user,
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login-submit")))
	waitPage(t, ctx, "the map after signing in as "+user, `location.pathname === '/' && !!window.yingji && window.yingji.ready === true && `+meReady)
}

// loginTo signs in on the login page asked for with next, and waits for
// that page: the way for an account without the map (the three
// administrators of 三员分立).
func loginTo(t *testing.T, ctx context.Context, h *harness, user, password, next string) {
	t.Helper()
	submitLogin(t, ctx, h, user, password, next)
	waitPage(t, ctx, next+" after signing in as "+user, `location.pathname === `+jsString(next)+` && `+meReady)
}

// submitLogin fills and submits the login form of /login?next=next.
func submitLogin(t *testing.T, ctx context.Context, h *harness, user, password, next string) {
	t.Helper()
	run(t, ctx, "open the login page", chromedp.Navigate(h.url+"/login?next="+url.QueryEscape(next)), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	run(t, ctx, "sign in as "+user,
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login-submit")))
}

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }

// userList is the API's list of accounts.
type userList struct {
	Items []struct {
		ID          int64  `json:"id"`
		Username    string `json:"username"`
		DisplayName string `json:"display_name"`
		Role        string `json:"role"`
		Division    string `json:"division_code"`
		Disabled    bool   `json:"disabled"`
	} `json:"items"`
	Total int `json:"total"`
}

// The business administrator sees the devices link but not the accounts
// (三员分立); the security administrator, signing in, lands on the users
// page and sees no business page's link. There a weak password is shown
// beside the password field and creates nothing; a viewer created through
// the form signs in, in a fresh browser, and sees no admin link; an edit
// disables the account.
func TestBrowserAdminUsers(t *testing.T) {
	h := startHarness(t)
	actx := browser(t, 1440, 900)
	login(t, actx, h, "")
	waitJS(t, actx, "the header's permissions", meReady)
	if !eval[bool](t, actx, `document.getElementById('nav-admin').hidden && !document.getElementById('nav-devices').hidden && !document.getElementById('nav-incidents').hidden`) {
		t.Error("the business administrator should see the devices and business links, not the accounts")
	}
	sec := h.asSecAdmin()
	ctx := browser(t, 1440, 900)
	submitLogin(t, ctx, h, secUser, adminPassword, "/")
	waitPage(t, ctx, "the users page the security administrator lands on", `location.pathname === '/admin/users' && `+meReady+` && `+admReady)
	if hidden := eval[[]string](t, ctx, `[...document.querySelectorAll('.nav a')].filter(a => !a.hidden).map(a => a.id)`); fmt.Sprint(hidden) != "[nav-admin]" {
		t.Errorf("the security administrator sees the links %v, want only the accounts", hidden)
	}
	var before userList
	sec.getJSON("GET", "/api/v1/users", "", &before)
	if got := eval[int](t, ctx, `document.querySelectorAll('#adm-rows tr[data-id]').length`); got != before.Total {
		t.Errorf("the list shows %d users, the API has %d", got, before.Total)
	}
	for user, label := range map[string]string{"admin": "业务管理员", "secadmin": "安全管理员"} {
		if got := eval[string](t, ctx, `document.querySelector('#adm-rows tr[data-username="`+user+`"] td[data-role]').textContent`); got != label {
			t.Errorf("%s's role is shown as %q, want its label %s", user, got, label)
		}
	}

	// A weak password: the message beside the password, nothing created.
	const user, pass = "viewer.ui", "Viewer-ui-password-9"
	run(t, ctx, "fill the form",
		chromedp.SendKeys(chromedp.CSS("#in-username"), user),
		chromedp.SendKeys(chromedp.CSS("#in-display_name"), "界面测试用户"),
		chromedp.SendKeys(chromedp.CSS("#in-password"), "short"))
	setSelect(t, ctx, "#in-role", "viewer")
	county := eval[string](t, ctx, `[...document.querySelectorAll('#in-division_code option')].map(o => o.value).find(v => v !== '530500') || ''`)
	if county == "" || !eval[bool](t, ctx, `!!document.querySelector('#in-division_code option[value="530500"]')`) {
		t.Fatal("the division choices lack the city or its counties")
	}
	setSelect(t, ctx, "#in-division_code", county)
	run(t, ctx, "save", chromedp.Click(chromedp.CSS("#user-save")))
	waitJS(t, ctx, "the refusal", `YAdmin.failed === 1 && !YAdmin.saving`)
	if msg := fieldError(t, ctx, "password"); msg == "" {
		t.Errorf("no message beside the password; the error box says %q", eval[string](t, ctx, `document.getElementById('adm-error').textContent`))
	}
	if msg := fieldError(t, ctx, "username"); msg != "" {
		t.Errorf("the username, which is good, has a message: %q", msg)
	}
	screenshot(t, ctx, "admin-users-error")
	var after userList
	sec.getJSON("GET", "/api/v1/users", "", &after)
	if after.Total != before.Total {
		t.Fatalf("a weak password created a user: %d users, %d before", after.Total, before.Total)
	}

	// A good password: the user is created and listed.
	setInput(t, ctx, "#in-password", pass)
	run(t, ctx, "save", chromedp.Click(chromedp.CSS("#user-save")))
	waitJS(t, ctx, "the new user in the list", `YAdmin.saved === 1 && !YAdmin.loading && !!document.querySelector('#adm-rows tr[data-username="`+user+`"]')`)
	if fieldError(t, ctx, "password") != "" {
		t.Error("the password message stays after a good save")
	}
	sec.getJSON("GET", "/api/v1/users", "", &after)
	var id int64
	for _, u := range after.Items {
		if u.Username == user {
			id = u.ID
			if u.Role != "viewer" || u.Division != county || u.DisplayName != "界面测试用户" || u.Disabled {
				t.Errorf("stored %+v", u)
			}
		}
	}
	if id == 0 {
		t.Fatalf("the API has no user %s", user)
	}
	screenshot(t, ctx, "admin-users")

	// The new viewer signs in in a fresh browser and sees no admin link.
	vctx := browser(t, 1440, 900)
	loginAs(t, vctx, h, user, pass)
	if who := eval[string](t, vctx, `document.getElementById('whoami').textContent`); who != "界面测试用户" {
		t.Errorf("the header names %q, want the viewer", who)
	}
	if !eval[bool](t, vctx, `document.getElementById('nav-admin').hidden && document.getElementById('nav-devices').hidden &&
		document.getElementById('nav-admin').offsetParent === null`) {
		t.Error("a viewer sees an admin link")
	}
	screenshot(t, vctx, "admin-viewer-header")
	// The page itself shows the API's refusal.
	run(t, vctx, "open the users page as a viewer", chromedp.Navigate(h.url+"/admin/users"))
	waitPage(t, vctx, "the refusal", admReady)
	if msg := eval[string](t, vctx, `document.getElementById('adm-error').hidden ? '' : document.getElementById('adm-error').textContent`); msg == "" {
		t.Error("a viewer on the users page sees no refusal")
	}

	// Edit: disable the viewer.
	run(t, ctx, "edit the viewer", chromedp.Click(chromedp.CSS(`#adm-rows tr[data-username="`+user+`"] .user-edit`)))
	waitJS(t, ctx, "the edit form", fmt.Sprintf(`YAdmin.editing === %d`, id))
	if eval[bool](t, ctx, `!document.getElementById('in-username').disabled || document.getElementById('field-disabled').hidden`) {
		t.Error("the edit form lets the username change or lacks the disabled box")
	}
	run(t, ctx, "disable", chromedp.Click(chromedp.CSS("#in-disabled")), chromedp.Click(chromedp.CSS("#user-save")))
	waitJS(t, ctx, "the saved edit", `YAdmin.saved === 2 && !YAdmin.loading`)
	sec.getJSON("GET", "/api/v1/users", "", &after)
	for _, u := range after.Items {
		if u.Username == user && !u.Disabled {
			t.Error("the edit did not disable the user")
		}
	}
}

// A device is registered through the form and its secret shown once with
// the MQTT connection details; rotating it shows a new secret and the old
// one stops working at /api/v1/ingest.
func TestBrowserAdminDevices(t *testing.T) {
	h := startLiveHarness(t)
	ctx := browser(t, 1440, 900)
	login(t, ctx, h, "")
	run(t, ctx, "open the devices page", chromedp.Navigate(h.url+"/admin/devices"))
	waitPage(t, ctx, "the devices page", admReady)
	if got := eval[string](t, ctx, `(document.getElementById('mqtt-broker') || {}).textContent || ''`); got != h.live.broker.Addr() {
		t.Errorf("the page shows the broker %q, want %s", got, h.live.broker.Addr())
	}
	var ents recordList
	h.getJSON("GET", "/api/v1/enterprises?limit=1", "", &ents)
	owner := fmt.Sprint(ents.Items[0]["id"])

	// A bad code: the message beside the code.
	run(t, ctx, "fill the form",
		chromedp.SendKeys(chromedp.CSS("#in-code"), "BAD/CODE"),
		chromedp.SendKeys(chromedp.CSS("#in-name"), "界面测试采集器"),
		chromedp.SendKeys(chromedp.CSS("#in-owner_id"), owner))
	run(t, ctx, "register", chromedp.Click(chromedp.CSS("#device-save")))
	waitJS(t, ctx, "the refusal", `YAdmin.failed === 1 && !YAdmin.saving`)
	if msg := fieldError(t, ctx, "code"); msg == "" {
		t.Errorf("no message beside the code; the error box says %q", eval[string](t, ctx, `document.getElementById('adm-error').textContent`))
	}

	const code = "DEV-ADMIN-UI-1"
	setInput(t, ctx, "#in-code", code)
	run(t, ctx, "register", chromedp.Click(chromedp.CSS("#device-save")))
	waitJS(t, ctx, "the secret", `YAdmin.saved === 1 && !YAdmin.loading && !document.getElementById('secret-box').hidden`)
	secret := eval[string](t, ctx, `document.getElementById('secret-value').textContent`)
	if secret == "" || eval[string](t, ctx, `document.getElementById('secret-topic').textContent`) != "yingji/v1/readings/"+code {
		t.Fatalf("the secret box shows secret %q and topic %q", secret, eval[string](t, ctx, `document.getElementById('secret-topic').textContent`))
	}
	if !eval[bool](t, ctx, `!!document.querySelector('#adm-rows tr[data-code="`+code+`"]')`) {
		t.Error("the new device is not listed")
	}
	screenshot(t, ctx, "admin-device-secret")
	if st := postIngest(t, h, code, secret); st != 200 {
		t.Fatalf("the issued secret: ingest answers %d, want 200", st)
	}

	// Shown once: the page, loaded again, does not have it.
	run(t, ctx, "reload", chromedp.Navigate(h.url+"/admin/devices"))
	waitPage(t, ctx, "the devices page again", admReady)
	if eval[bool](t, ctx, fmt.Sprintf(`!document.getElementById('secret-box').hidden || document.body.innerHTML.includes(%q)`, secret)) {
		t.Error("the secret is shown again after a reload")
	}

	// Rotate: a new secret once; the old one is refused.
	run(t, ctx, "allow the confirmation", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`))
	run(t, ctx, "rotate", chromedp.Click(chromedp.CSS(`#adm-rows tr[data-code="`+code+`"] .dev-rotate`)))
	waitJS(t, ctx, "the new secret", `YAdmin.saved === 1 && !YAdmin.saving && !YAdmin.loading && !document.getElementById('secret-box').hidden`)
	rotated := eval[string](t, ctx, `document.getElementById('secret-value').textContent`)
	if rotated == "" || rotated == secret {
		t.Fatalf("rotating shows secret %q (the old was %q)", rotated, secret)
	}
	screenshot(t, ctx, "admin-device-rotated")
	if st := postIngest(t, h, code, secret); st != 401 {
		t.Errorf("the old secret after rotating: ingest answers %d, want 401", st)
	}
	if st := postIngest(t, h, code, rotated); st != 200 {
		t.Errorf("the new secret: ingest answers %d, want 200", st)
	}

	// Disable, then enable.
	run(t, ctx, "close the secret", chromedp.Click(chromedp.CSS("#secret-done")))
	run(t, ctx, "disable", chromedp.Click(chromedp.CSS(`#adm-rows tr[data-code="`+code+`"] .dev-toggle`)))
	waitJS(t, ctx, "the disabled device", `YAdmin.saved === 2 && !YAdmin.loading && !!document.querySelector('#adm-rows tr[data-code="`+code+`"].is-disabled')`)
	if st := postIngest(t, h, code, rotated); st == 200 {
		t.Error("a disabled device's readings are accepted")
	}
	screenshot(t, ctx, "admin-devices")
	run(t, ctx, "enable", chromedp.Click(chromedp.CSS(`#adm-rows tr[data-code="`+code+`"] .dev-toggle`)))
	waitJS(t, ctx, "the enabled device", `YAdmin.saved === 3 && !YAdmin.loading && !document.querySelector('#adm-rows tr[data-code="`+code+`"].is-disabled')`)
	if st := postIngest(t, h, code, rotated); st != 200 {
		t.Errorf("the re-enabled device: ingest answers %d, want 200", st)
	}
}

// postIngest posts an empty batch of readings as a device and returns the status.
func postIngest(t *testing.T, h *harness, code, secret string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", h.url+"/api/v1/ingest", strings.NewReader(`[]`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(code, secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// The admin pages need a session and render in both languages without a
// missing message; the language switch returns to the page.
func TestAdminPagesServed(t *testing.T) {
	h := newTestServer(t).Handler()
	sess := &http.Cookie{Name: SessionCookie, Value: "x"}
	for _, p := range []string{"/admin/users", "/admin/devices"} {
		if r := get(t, h, p); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
			t.Errorf("GET %s without a session: %d %s", p, r.StatusCode, r.Header.Get("Location"))
		}
		for _, lang := range []string{"zh-CN", "en"} {
			r := get(t, h, p, sess, &http.Cookie{Name: LangCookie, Value: lang})
			b := body(t, r)
			if r.StatusCode != 200 || strings.Contains(b, "⟦") || !strings.Contains(b, `id="admin"`) {
				t.Errorf("GET %s in %s: %d, missing message or no admin root", p, lang, r.StatusCode)
			}
			m := regexp.MustCompile(`id="lang-switch" class="lang-switch" href="([^"]+)"`).FindStringSubmatch(b)
			if m == nil {
				t.Fatalf("GET %s: no language switch", p)
			}
			if u, err := url.Parse(html.UnescapeString(m[1])); err != nil || u.Query().Get("next") != p {
				t.Errorf("GET %s: the language switch goes to %s, not back to the page", p, m[1])
			}
		}
	}
	if r := get(t, h, "/admin", sess); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/users" {
		t.Errorf("GET /admin: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
}
