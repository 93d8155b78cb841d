package webui

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
)

// startRegistryHarness is the harness with a city-wide viewer besides the
// admin.
func startRegistryHarness(t *testing.T) *harness {
	t.Helper()
	return newHarness(t, harnessOptions{wire: func(api *httpapi.Server, _ *store.DB, _ *region.Tree, _ *registry.Service) {
		sys := core.WithActor(context.Background(), core.SystemActor)
		if _, err := api.Auth.CreateUser(sys, auth.UserInput{Username: "viewer", Password: adminPassword, Role: "viewer", Division: "530500"}); err != nil {
			t.Fatal(err)
		}
	}})
}

// status is an API call's HTTP status, as the admin.
func (h *harness) status(method, path string) int {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// kindFields are the fields of a registry kind as /api/v1/registry/kinds
// gives them.
type kindField struct {
	Name    string
	Options []struct{ Value, Label, LabelEn string }
}

func (h *harness) kindField(path, field string) kindField {
	var kinds struct {
		Items []struct {
			Path   string      `json:"path"`
			Fields []kindField `json:"fields"`
		} `json:"items"`
	}
	h.getJSON("GET", "/api/v1/registry/kinds", "", &kinds)
	for _, k := range kinds.Items {
		for _, f := range k.Fields {
			if k.Path == path && f.Name == field {
				return f
			}
		}
	}
	h.t.Fatalf("no field %s.%s", path, field)
	return kindField{}
}

// openReg navigates to a registry page and waits for it.
func openReg(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	run(t, ctx, "open "+url, chromedp.Navigate(url))
	waitPage(t, ctx, url, regReady)
}

// Enum fields show their labels in the page's language; the owner is
// picked by searching names and codes; a record is deleted from its page.
func TestBrowserRegistryLabelsOwnerDelete(t *testing.T) {
	h := startRegistryHarness(t)
	ctx := browser(t, 1440, 900)
	login(t, ctx, h, "")
	scale := h.kindField("geohazard-points", "scale")
	labels := func(lang string) string {
		var out []string
		for _, o := range scale.Options {
			if lang == "en" {
				out = append(out, o.LabelEn)
			} else {
				out = append(out, o.Label)
			}
		}
		return fmt.Sprint(append([]string{"—"}, out...))
	}
	openReg(t, ctx, h.url+"/registry/geohazard-points/new")
	if got := fmt.Sprint(eval[[]string](t, ctx, `[...document.querySelectorAll('#in-scale option')].map(o => o.textContent)`)); got != labels("zh") {
		t.Errorf("the scale options read %s, want %s", got, labels("zh"))
	}
	var gp recordList
	h.getJSON("GET", "/api/v1/geohazard-points?limit=1", "", &gp)
	id := fmt.Sprint(gp.Items[0]["id"])
	want := ""
	for _, o := range scale.Options {
		if o.Value == gp.Items[0]["scale"] {
			want = o.Label
		}
	}
	openReg(t, ctx, h.url+"/registry/geohazard-points/"+id)
	if got := eval[string](t, ctx, `document.querySelector('#rec-attrs tr[data-field="scale"] td').textContent`); got != want || want == "" {
		t.Errorf("the record's scale reads %q, want %q", got, want)
	}

	// The owner: a hazard source moves to another enterprise of its
	// county, found by part of its code.
	var hs recordList
	h.getJSON("GET", "/api/v1/hazard-sources?limit=1", "", &hs)
	src := hs.Items[0]
	var ents recordList
	h.getJSON("GET", "/api/v1/enterprises?limit=50&division="+fmt.Sprint(src["division_code"])[:6], "", &ents)
	var target map[string]any
	for _, e := range ents.Items {
		if fmt.Sprint(e["id"]) != fmt.Sprint(src["owner_id"]) {
			target = e
			break
		}
	}
	if target == nil {
		t.Fatal("no other enterprise in the hazard source's county")
	}
	srcID := fmt.Sprint(src["id"])
	openReg(t, ctx, h.url+"/registry/hazard-sources/"+srcID+"/edit")
	waitJS(t, ctx, "the current owner's name", `document.getElementById('owner-chosen').textContent.includes('(')`)
	code := fmt.Sprint(target["code"])
	run(t, ctx, "search the owner", chromedp.SendKeys(chromedp.CSS("#in-owner_id"), code[len(code)-8:]))
	sel := fmt.Sprintf(`#owner-results li[data-id="%v"]`, target["id"])
	waitJS(t, ctx, "the match", `!!document.querySelector('`+sel+`') && !document.getElementById('owner-results').hidden`)
	screenshot(t, ctx, "registry-owner-picker")
	run(t, ctx, "pick it", chromedp.Evaluate[chromedp.Void](`document.querySelector('`+sel+`').dispatchEvent(new MouseEvent('mousedown', {bubbles: true}))`))
	if got := eval[string](t, ctx, `document.getElementById('owner-chosen').textContent`); !strings.Contains(got, fmt.Sprint(target["name"])) {
		t.Errorf("the chosen owner reads %q", got)
	}
	run(t, ctx, "save", chromedp.Click(chromedp.CSS("#form-save")))
	waitPage(t, ctx, "the record", `location.pathname === '/registry/hazard-sources/`+srcID+`' && `+regReady)
	var after map[string]any
	h.getJSON("GET", "/api/v1/hazard-sources/"+srcID, "", &after)
	if fmt.Sprint(after["owner_id"]) != fmt.Sprint(target["id"]) {
		t.Errorf("the API's owner is %v, want %v", after["owner_id"], target["id"])
	}
	if got := eval[string](t, ctx, `document.querySelector('#rec-attrs tr[data-field="owner_id"] a').textContent`); !strings.Contains(got, fmt.Sprint(target["name"])) {
		t.Errorf("the record's owner reads %q", got)
	}

	// Delete a shelter from its page, after confirming.
	var sh recordList
	h.getJSON("GET", "/api/v1/shelters?limit=1", "", &sh)
	shID := fmt.Sprint(sh.Items[0]["id"])
	openReg(t, ctx, h.url+"/registry/shelters/"+shID)
	run(t, ctx, "delete", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`), chromedp.Click(chromedp.CSS("#rec-delete")))
	waitPage(t, ctx, "the list after the deletion", `location.pathname === '/registry/shelters' && `+regReady)
	if st := h.status("GET", "/api/v1/shelters/"+shID); st != 404 {
		t.Errorf("after the deletion the API answers %d for the shelter", st)
	}
	if eval[bool](t, ctx, `!!document.querySelector('#reg-rows tr[data-id="`+shID+`"]')`) {
		t.Error("the deleted shelter is still listed")
	}

	// The English pages: the tabs, the title and the enum labels.
	run(t, ctx, "English", chromedp.Navigate(h.url+"/lang/en?next=/registry/geohazard-points/new"))
	waitPage(t, ctx, "the English form", `document.documentElement.lang === 'en' && `+regReady)
	if got := fmt.Sprint(eval[[]string](t, ctx, `[...document.querySelectorAll('#in-scale option')].map(o => o.textContent)`)); got != labels("en") {
		t.Errorf("the English scale options read %s, want %s", got, labels("en"))
	}
	if got := eval[string](t, ctx, `document.querySelector('#kind-tabs a[data-kind="geohazard-points"]').textContent`); got != "Geological hazard point" {
		t.Errorf("the English tab reads %q", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('label[for="in-owner_id"]') ? document.querySelector('label[for="in-owner_id"]').textContent : ''`); got != "" && got != "Owner" {
		t.Errorf("the English owner label reads %q", got)
	}
	if got := eval[string](t, ctx, `document.body.innerText`); strings.Contains(got, "⟦") || strings.ContainsAny(got, "规模类型所属") {
		t.Errorf("the English form shows a Chinese or missing message:\n%s", got)
	}
	screenshot(t, ctx, "registry-form-en")
}

// A viewer reads the registry but may not change it: no edit or delete
// buttons, and an edit form they reach by its address is refused by the
// API (403) with the reason shown, nothing stored.
func TestBrowserRegistryViewerRefused(t *testing.T) {
	h := startRegistryHarness(t)
	ctx := browser(t, 1280, 900)
	run(t, ctx, "sign in as the viewer", chromedp.Navigate(h.url+"/login?next=/registry/shelters"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), "viewer"),
		chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
		chromedp.Click(chromedp.CSS("#login-submit")))
	waitPage(t, ctx, "the shelters", `location.pathname === '/registry/shelters' && `+regReady)
	var sh recordList
	h.getJSON("GET", "/api/v1/shelters?limit=1", "", &sh)
	id := fmt.Sprint(sh.Items[0]["id"])
	openReg(t, ctx, h.url+"/registry/shelters/"+id)
	if eval[bool](t, ctx, `!!document.getElementById('rec-edit') || !!document.getElementById('rec-delete')`) {
		t.Error("the viewer is offered edit or delete")
	}
	openReg(t, ctx, h.url+"/registry/shelters/"+id+"/edit")
	if got := eval[string](t, ctx, `document.getElementById('reg-error').textContent`); got != "您没有登记写入权限，无法保存" {
		t.Errorf("the viewer's form says %q", got)
	}
	setInput(t, ctx, "#in-name", "观察员的修改")
	run(t, ctx, "save", chromedp.Click(chromedp.CSS("#form-save")))
	waitJS(t, ctx, "the refusal", `YRegistry.failed === 1`)
	if got := eval[string](t, ctx, `document.getElementById('reg-error').textContent`); !strings.HasPrefix(got, "无权访问：") {
		t.Errorf("the refusal reads %q", got)
	}
	screenshot(t, ctx, "registry-viewer-403")
	var got map[string]any
	h.getJSON("GET", "/api/v1/shelters/"+id, "", &got)
	if got["name"] == "观察员的修改" || fmt.Sprint(got["version"]) != fmt.Sprint(sh.Items[0]["version"]) {
		t.Errorf("the viewer's edit was stored: %v v%v", got["name"], got["version"])
	}
}

// The registry on a 375-px phone: list, record and form fit the width
// (the table scrolls inside its box, never the page).
func TestBrowserRegistryPhone(t *testing.T) {
	h := startRegistryHarness(t)
	ctx := browser(t, 375, 812)
	login(t, ctx, h, "")
	fits := func(what string) {
		t.Helper()
		w := eval[struct{ Page, Overflow float64 }](t, ctx, `({Page: document.documentElement.scrollWidth,
			Overflow: [...document.querySelectorAll('main *')].filter(e => !e.closest('.reg-tablewrap') && !e.closest('.ol-viewport') && e.getClientRects().length)
				.reduce((m, e) => Math.max(m, e.getBoundingClientRect().right), 0)})`)
		if w.Page > 375 || w.Overflow > 375.5 {
			t.Errorf("%s: the page is %v px wide, an element reaches %v px on a 375-px screen", what, w.Page, w.Overflow)
		}
	}
	openReg(t, ctx, h.url+"/registry/enterprises")
	if n := eval[int](t, ctx, `document.querySelectorAll('#reg-rows tr[data-id]').length`); n == 0 {
		t.Fatal("the list is empty on the phone")
	}
	fits("the list")
	screenshot(t, ctx, "registry-phone-list")
	var ents recordList
	h.getJSON("GET", "/api/v1/enterprises?limit=1", "", &ents)
	id := fmt.Sprint(ents.Items[0]["id"])
	openReg(t, ctx, h.url+"/registry/enterprises/"+id)
	fits("the record")
	screenshot(t, ctx, "registry-phone-detail")
	openReg(t, ctx, h.url+"/registry/enterprises/"+id+"/edit")
	fits("the form")
	screenshot(t, ctx, "registry-phone-form")
}
