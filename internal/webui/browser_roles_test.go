package webui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
)

// Every permission a built-in role has is named in both languages.
func TestPermissionLabels(t *testing.T) {
	cat, err := LoadCatalog(i18nFS)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range auth.Roles {
		for _, p := range r.Permissions {
			for _, lang := range cat.Langs() {
				if _, ok := cat.Messages(lang)["perm."+string(p)]; !ok {
					t.Errorf("no %s label for the permission %s (perm.%s)", lang, p, p)
				}
			}
		}
	}
}

// The users page (the security administrator's) shows the built-in roles,
// the three administrators of 三员分立 among them, against their
// permissions as the API lists them, read-only, with the note saying why.
func TestBrowserRoleMatrix(t *testing.T) {
	h := startHarness(t)
	ctx := browser(t, 1440, 900)
	loginTo(t, ctx, h, secUser, adminPassword, "/admin/users")
	waitPage(t, ctx, "the users page", admReady+` && document.querySelectorAll('#role-matrix tbody tr').length > 0`)
	var roles struct {
		Items []struct {
			Name        string   `json:"name"`
			Label       string   `json:"label"`
			Permissions []string `json:"permissions"`
		} `json:"items"`
	}
	h.getJSON("GET", "/api/v1/roles", "", &roles)
	var heads []string
	want := map[string]bool{}
	perms := map[string]bool{}
	for _, r := range roles.Items {
		heads = append(heads, r.Label)
		for _, p := range r.Permissions {
			want[r.Name+" "+p] = true
			perms[p] = true
		}
	}
	if got := eval[[]string](t, ctx, `[...document.querySelectorAll('#role-matrix thead th[data-role]')].map(th => th.textContent)`); fmt.Sprint(got) != fmt.Sprint(heads) {
		t.Errorf("the matrix's roles are %v, the API's %v", got, heads)
	}
	for _, label := range []string{"业务管理员", "系统管理员", "安全管理员", "审计管理员"} {
		if !slices.Contains(heads, label) {
			t.Errorf("the role matrix lacks %s: %v", label, heads)
		}
	}
	cells := eval[[]struct{ Role, Perm, Mark string }](t, ctx, `[...document.querySelectorAll('#role-matrix tbody td')].map(td =>
		({Role: td.dataset.role, Perm: td.closest('tr').dataset.permission, Mark: td.textContent}))`)
	if len(cells) != len(roles.Items)*len(perms) {
		t.Errorf("the matrix has %d cells, want %d roles × %d permissions", len(cells), len(roles.Items), len(perms))
	}
	for _, c := range cells {
		if has := c.Mark == "✓"; has != want[c.Role+" "+c.Perm] {
			t.Errorf("%s × %s shows %q, the API says %v", c.Role, c.Perm, c.Mark, want[c.Role+" "+c.Perm])
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('.role-matrix input, .role-matrix button, .role-matrix select').length`); n != 0 {
		t.Errorf("the read-only role matrix has %d controls", n)
	}
	if got := eval[string](t, ctx, `document.querySelector('#role-matrix tr[data-permission="warnings.approve"] th').firstChild.textContent`); got != "审批发布预警" {
		t.Errorf("the warnings.approve row is labelled %q", got)
	}
	if eval[string](t, ctx, `document.getElementById('roles-note').textContent`) == "" {
		t.Error("no note on why roles are read-only")
	}
	run(t, ctx, "scroll to the matrix", chromedp.Evaluate[chromedp.Void](`document.getElementById('role-matrix').scrollIntoView()`))
	screenshot(t, ctx, "admin-roles")
}

// TestBrowserLockoutMessage: a sign-in refused during a lockout is not
// called a wrong password: the login page says the account is locked and
// for about how long, in Chinese and in English.
func TestBrowserLockoutMessage(t *testing.T) {
	h := newHarness(t, harnessOptions{wire: func(api *httpapi.Server, db *store.DB, _ *region.Tree, _ *registry.Service) {
		api.Auth.Security = &auth.Security{Store: db, LockAfter: 2, LockAfterIP: 50, Delay: time.Minute, MaxDelay: time.Hour}
	}})
	ctx := browser(t, 1280, 800)
	run(t, ctx, "open the login page", chromedp.Navigate(h.url+"/login"), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	attempt := func(pw string) string {
		t.Helper()
		setInput(t, ctx, "#username", adminUser)
		setInput(t, ctx, "#password", pw)
		eval[any](t, ctx, `document.getElementById('login-error').textContent = ''`)
		run(t, ctx, "sign in", chromedp.Click(chromedp.CSS("#login-submit")))
		waitJS(t, ctx, "the login error", `!document.getElementById('login-error').hidden && document.getElementById('login-error').textContent !== '' && !document.getElementById('login-submit').disabled`)
		return eval[string](t, ctx, `document.getElementById('login-error').textContent`)
	}
	if msg := attempt("wrong-1"); msg != "用户名或密码不正确" {
		t.Errorf("a wrong password says %q", msg)
	}
	attempt("wrong-2") // the second failure locks the account for a minute
	if msg := attempt(adminPassword); msg != "登录失败次数过多，账号或地址已被暂时锁定，请约 1 分钟后再试" {
		t.Errorf("the right password during the lockout says %q", msg)
	}
	screenshot(t, ctx, "login-locked")
	run(t, ctx, "switch to English", chromedp.Navigate(h.url+"/lang/en?next=/login"), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	if msg := attempt(adminPassword); !strings.HasPrefix(msg, "Too many failed sign-ins") || !strings.Contains(msg, "about 1 min") {
		t.Errorf("in English the lockout says %q", msg)
	}
}
