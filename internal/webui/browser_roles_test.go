package webui

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/yingji/yingji/internal/auth"
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

// The users page shows the built-in roles against their permissions as
// the API lists them, read-only, with the note saying why.
func TestBrowserRoleMatrix(t *testing.T) {
	h := startHarness(t)
	ctx := browser(t, 1440, 900)
	login(t, ctx, h, "")
	run(t, ctx, "open the users page", chromedp.Navigate(h.url+"/admin/users"))
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
