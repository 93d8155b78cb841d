package webui

import (
	"context"
	"fmt"
	"html"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// regReady is true once a registry page has loaded and is not loading.
const regReady = `!!window.YRegistry && YRegistry.ready === true && !YRegistry.loading`

// waitPage waits until a JavaScript expression is true on a page that is
// being navigated to: evaluation errors while the old page goes away are
// retried.
func waitPage(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("wait for %s: %v (last error %v)", what, expr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// recordList is the part of the API's list envelope the tests read.
type recordList struct {
	Items []map[string]any `json:"items"`
	Total int              `json:"total"`
}

// setSelect picks an option of a select and fires its change event.
func setSelect(t *testing.T, ctx context.Context, sel, value string) {
	t.Helper()
	run(t, ctx, "choose "+value+" in "+sel, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector(%q);
		s.value = %q; if (s.value !== %q) throw new Error('no option ' + %q); s.dispatchEvent(new Event('change')); })()`, sel, value, value, value)))
}

// setInput replaces an input's value.
func setInput(t *testing.T, ctx context.Context, sel, value string) {
	t.Helper()
	run(t, ctx, "type into "+sel, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const i = document.querySelector(%q);
		i.value = %q; i.dispatchEvent(new Event('input')); })()`, sel, value)))
}

// fieldError is the message shown beside a form field ("" when hidden).
func fieldError(t *testing.T, ctx context.Context, field string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`(() => { const p = document.querySelector('.field-error[data-error-for=%q]');
		return p && !p.hidden ? p.textContent : ''; })()`, field))
}

// The enterprises list shows the API's total, filters by county and
// industry as the API does, and opens a record.
func TestBrowserRegistryList(t *testing.T) {
	h := startHarness(t)
	ctx := browser(t, 1440, 900)
	login(t, ctx, h, "")
	run(t, ctx, "follow the registry link", chromedp.Click(chromedp.CSS("#nav-registry")))
	waitPage(t, ctx, "the enterprises list", `location.pathname === '/registry/enterprises' && `+regReady)
	var all recordList
	h.getJSON("GET", "/api/v1/enterprises?limit=200", "", &all)
	if all.Total == 0 {
		t.Fatal("the demo data has no enterprises")
	}
	if got := eval[int](t, ctx, `+document.getElementById('reg-total').dataset.total`); got != all.Total {
		t.Errorf("the list says %d enterprises, the API %d", got, all.Total)
	}
	if got, want := eval[int](t, ctx, `document.querySelectorAll('#reg-rows tr[data-id]').length`), min(all.Total, 50); got != want {
		t.Errorf("the first page has %d rows, want %d", got, want)
	}
	if !eval[bool](t, ctx, `!!document.getElementById('reg-new') && /format=csv/.test(document.getElementById('reg-csv').href)`) {
		t.Error("the admin sees no 'new' button or no CSV link")
	}
	screenshot(t, ctx, "registry-list")

	// Filter by the county and industry of the first enterprise.
	first := all.Items[0]
	county := fmt.Sprint(first["division_code"])[:6]
	industry := fmt.Sprint(first["industry"])
	setSelect(t, ctx, "#f-county", county)
	waitJS(t, ctx, "the county filter", regReady)
	var byCounty recordList
	h.getJSON("GET", "/api/v1/enterprises?limit=1&division="+county, "", &byCounty)
	if got := eval[int](t, ctx, `YRegistry.total`); got != byCounty.Total {
		t.Errorf("county %s: the list says %d, the API %d", county, got, byCounty.Total)
	}
	setSelect(t, ctx, "#f-category", industry)
	waitJS(t, ctx, "the industry filter", regReady)
	var both recordList
	h.getJSON("GET", "/api/v1/enterprises?limit=200&division="+county+"&industry="+industry, "", &both)
	if got := eval[int](t, ctx, `YRegistry.total`); got != both.Total || got == 0 {
		t.Errorf("county %s, industry %s: the list says %d, the API %d", county, industry, got, both.Total)
	}
	var codes []string
	for _, o := range both.Items {
		codes = append(codes, fmt.Sprint(o["code"]))
	}
	shownCodes := func() []string {
		return eval[[]string](t, ctx, `[...document.querySelectorAll('#reg-rows tr[data-id] td:first-child')].map(td => td.textContent)`)
	}
	page1 := codes[:min(50, len(codes))]
	if got := shownCodes(); strings.Join(got, ",") != strings.Join(page1, ",") {
		t.Errorf("filtered rows %v, the API's %v", got, page1)
	}
	if len(codes) > 50 {
		run(t, ctx, "next page", chromedp.Click(chromedp.CSS("#page-next")))
		waitJS(t, ctx, "the second page", regReady)
		if got := shownCodes(); strings.Join(got, ",") != strings.Join(codes[50:], ",") {
			t.Errorf("second page rows %v, the API's %v", got, codes[50:])
		}
		run(t, ctx, "previous page", chromedp.Click(chromedp.CSS("#page-prev")))
		waitJS(t, ctx, "the first page", regReady)
	}
	if q := eval[string](t, ctx, `location.search`); !strings.Contains(q, "division="+county) || !strings.Contains(q, "industry="+industry) {
		t.Errorf("the filters are not in the address: %s", q)
	}
	screenshot(t, ctx, "registry-list-filtered")

	// Open the first record.
	run(t, ctx, "open a record", chromedp.Click(chromedp.CSS(`#reg-rows tr[data-id] a.rec-link`)))
	waitPage(t, ctx, "the record", `/^\/registry\/enterprises\/\d+$/.test(location.pathname) && `+regReady)
	name := eval[string](t, ctx, `document.getElementById('reg-title').textContent`)
	if name != fmt.Sprint(both.Items[0]["name"]) {
		t.Errorf("the record page shows %q, want %q", name, both.Items[0]["name"])
	}
	if !eval[bool](t, ctx, `!!document.getElementById('rec-edit') && !!document.getElementById('rec-delete') && YRegistry.map.getLayers().getLength() === 2`) {
		t.Error("the record page lacks its edit or delete button or its map")
	}
	waitJS(t, ctx, "the map drawn", `YRegistry.map.isRendered()`)
	screenshot(t, ctx, "registry-detail")

	// An unknown record shows the API's problem.
	run(t, ctx, "open a missing record", chromedp.Navigate(h.url+"/registry/enterprises/999999"))
	waitPage(t, ctx, "the missing record", regReady)
	if msg := eval[string](t, ctx, `document.getElementById('reg-error').hidden ? '' : document.getElementById('reg-error').textContent`); msg == "" {
		t.Error("a missing record shows no problem")
	}
}

// A shelter is created through the form with a map click; invalid values
// are shown beside their fields and store nothing; an edit is saved; a
// stale version is reported as a conflict.
func TestBrowserRegistryForm(t *testing.T) {
	h := startHarness(t)
	ctx := browser(t, 1440, 900)
	login(t, ctx, h, "")
	var before recordList
	h.getJSON("GET", "/api/v1/shelters?limit=1", "", &before)
	shelters, _ := h.features("shelters", 1)
	spot := shelters[0].Properties
	run(t, ctx, "open the new shelter form", chromedp.Navigate(h.url+"/registry/shelters/new"))
	waitPage(t, ctx, "the form", regReady+` && YRegistry.map.isRendered()`)

	// Click the map where a demo shelter stands.
	xy := eval[struct{ X, Y float64 }](t, ctx, fmt.Sprintf(`(() => { YRegistry.map.renderSync(); const px = YRegistry.map.getPixelFromCoordinate(ol.proj.fromLonLat([%f, %f]));
		const r = document.getElementById('rec-map').getBoundingClientRect(); return {X: r.left + px[0], Y: r.top + px[1]}; })()`, spot.Lon, spot.Lat))
	run(t, ctx, "click the map", chromedp.MouseClickXY(xy.X, xy.Y))
	waitJS(t, ctx, "the derived division", `!!YRegistry.picked && YRegistry.picked.division !== null`)
	picked := eval[struct {
		Lon, Lat float64
		Division string
	}](t, ctx, `({Lon: YRegistry.picked.lon, Lat: YRegistry.picked.lat, Division: YRegistry.picked.division})`)
	if math.Abs(picked.Lon-spot.Lon) > 1e-3 || math.Abs(picked.Lat-spot.Lat) > 1e-3 || picked.Division == "" {
		t.Fatalf("the click picked %+v, want near %f, %f in a division", picked, spot.Lon, spot.Lat)
	}
	if eval[string](t, ctx, `(document.getElementById('picker-division') || {}).textContent || ''`) == "" {
		t.Error("the picker does not show the derived division")
	}

	// Capacity −5: the API's message beside the capacity field.
	code := "BS-SHELTER-UI-1"
	run(t, ctx, "fill the form", chromedp.SendKeys(chromedp.CSS("#in-code"), code),
		chromedp.SendKeys(chromedp.CSS("#in-name"), "测试避难场所"),
		chromedp.SendKeys(chromedp.CSS("#in-capacity"), "-5"))
	setSelect(t, ctx, "#in-shelter_type", "type_3")
	run(t, ctx, "save", chromedp.Click(chromedp.CSS("#form-save")))
	waitJS(t, ctx, "the refusal", `YRegistry.failed === 1`)
	// The API says "-5 is below the minimum 0"; the Chinese page says it
	// in Chinese.
	if msg := fieldError(t, ctx, "capacity"); msg != "-5 小于最小值 0" {
		t.Errorf("beside the capacity: %q (want the Chinese message); the page's error box says %q", msg,
			eval[string](t, ctx, `document.getElementById('reg-error').textContent`))
	}
	if msg := fieldError(t, ctx, "name"); msg != "" {
		t.Errorf("the name, which is good, has a message: %q", msg)
	}
	screenshot(t, ctx, "registry-form-error")

	// An empty name: the message moves to the name.
	setInput(t, ctx, "#in-capacity", "500")
	setInput(t, ctx, "#in-name", "")
	run(t, ctx, "save", chromedp.Click(chromedp.CSS("#form-save")))
	waitJS(t, ctx, "the second refusal", `YRegistry.failed === 2`)
	if msg := fieldError(t, ctx, "name"); msg != "必填" {
		t.Errorf("beside the empty name: %q, want 必填", msg)
	}
	// A message the page does not know stays the server's.
	if got := eval[string](t, ctx, `Y.fieldMessage('cannot be checked now', 'invalid')`); got != "cannot be checked now" {
		t.Errorf("an unknown message became %q", got)
	}
	if msg := fieldError(t, ctx, "capacity"); msg != "" {
		t.Errorf("the capacity, now good, still has a message: %q", msg)
	}
	var after recordList
	h.getJSON("GET", "/api/v1/shelters?limit=1", "", &after)
	if after.Total != before.Total {
		t.Fatalf("refused forms stored records: %d shelters, %d before", after.Total, before.Total)
	}

	// A good form is saved and the record page opens.
	setInput(t, ctx, "#in-name", "测试避难场所")
	run(t, ctx, "save", chromedp.Click(chromedp.CSS("#form-save")))
	waitPage(t, ctx, "the new record's page", `/^\/registry\/shelters\/\d+$/.test(location.pathname) && `+regReady)
	var created recordList
	h.getJSON("GET", "/api/v1/shelters?q="+url.QueryEscape(code), "", &created)
	if created.Total != 1 {
		t.Fatalf("the API has %d shelters with code %s", created.Total, code)
	}
	rec := created.Items[0]
	id := fmt.Sprint(rec["id"])
	if got := eval[string](t, ctx, `location.pathname`); got != "/registry/shelters/"+id {
		t.Errorf("after saving the page is %s, want the record %s", got, id)
	}
	lon, _ := rec["lon"].(float64)
	lat, _ := rec["lat"].(float64)
	if math.Abs(lon-picked.Lon) > 1e-6 || math.Abs(lat-picked.Lat) > 1e-6 || fmt.Sprint(rec["capacity"]) != "500" ||
		rec["shelter_type"] != "type_3" || rec["division_code"] != picked.Division {
		t.Errorf("stored %v", rec)
	}

	// Edit the name.
	run(t, ctx, "edit", chromedp.Click(chromedp.CSS("#rec-edit")))
	waitPage(t, ctx, "the edit form", `/\/edit$/.test(location.pathname) && `+regReady)
	setInput(t, ctx, "#in-name", "测试避难场所（改）")
	run(t, ctx, "save the edit", chromedp.Click(chromedp.CSS("#form-save")))
	waitPage(t, ctx, "the record after the edit", `location.pathname === '/registry/shelters/`+id+`' && `+regReady)
	var got map[string]any
	h.getJSON("GET", "/api/v1/shelters/"+id, "", &got)
	if got["name"] != "测试避难场所（改）" || fmt.Sprint(got["version"]) != fmt.Sprint(int(rec["version"].(float64))+1) {
		t.Errorf("after the edit the API has name %v version %v", got["name"], got["version"])
	}
	if title := eval[string](t, ctx, `document.getElementById('reg-title').textContent`); title != "测试避难场所（改）" {
		t.Errorf("the record page shows %q after the edit", title)
	}

	// A stale version: someone else saves first; the form says so.
	run(t, ctx, "edit again", chromedp.Click(chromedp.CSS("#rec-edit")))
	waitPage(t, ctx, "the edit form", `/\/edit$/.test(location.pathname) && `+regReady)
	var other map[string]any
	h.getJSON("PATCH", "/api/v1/shelters/"+id, `{"capacity": 600}`, &other)
	setInput(t, ctx, "#in-name", "过期的修改")
	run(t, ctx, "save the stale edit", chromedp.Click(chromedp.CSS("#form-save")))
	waitJS(t, ctx, "the conflict", `YRegistry.failed === 1`)
	if !eval[bool](t, ctx, `!document.getElementById('form-conflict').hidden && !!document.getElementById('form-reload')`) {
		t.Error("a stale version does not show the conflict with a reload button")
	}
	h.getJSON("GET", "/api/v1/shelters/"+id, "", &got)
	if got["name"] != "测试避难场所（改）" {
		t.Errorf("the stale edit was stored: %v", got["name"])
	}
}

// The registry pages need a session, render without a missing message in
// both languages, and answer 404 for an unknown kind or a bad ID.
func TestRegistryPagesServed(t *testing.T) {
	h := newTestServer(t).Handler()
	sess := &http.Cookie{Name: SessionCookie, Value: "x"}
	for _, p := range []string{"/registry/enterprises", "/registry/shelters/new", "/registry/shelters/12", "/registry/shelters/12/edit"} {
		if r := get(t, h, p); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
			t.Errorf("GET %s without a session: %d %s", p, r.StatusCode, r.Header.Get("Location"))
		}
		for _, lang := range []string{"zh-CN", "en"} {
			r := get(t, h, p, sess, &http.Cookie{Name: LangCookie, Value: lang})
			b := body(t, r)
			if r.StatusCode != 200 || strings.Contains(b, "⟦") || !strings.Contains(b, `data-kind=`) {
				t.Errorf("GET %s in %s: %d, missing message or no registry root", p, lang, r.StatusCode)
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
	if r := get(t, h, "/registry", sess); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/registry/enterprises" {
		t.Errorf("GET /registry: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	for _, p := range []string{"/registry/nothing", "/registry/enterprises/abc", "/registry/enterprises/0/edit"} {
		if r := get(t, h, p, sess); r.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", p, r.StatusCode)
		}
	}
}
