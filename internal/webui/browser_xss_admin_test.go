package webui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/securitytest"
	"github.com/yingji/yingji/internal/store"
)

// xssSubset is one payload of each category of
// internal/securitytest/payloads/xss.txt (script element, event handler,
// attribute break-out, javascript: URL, MathML/SVG nesting, entity, template
// literal, polyglot): the pages below get these eight, not the whole list,
// so that one browser test over eight pages stays quick.
var xssSubset = []string{
	`<script>window.__xss=1</script>`,
	`<img src=x onerror=window.__xss=1>`,
	`"><img src=x onerror=window.__xss=1>`,
	`javascript:window.__xss=1`,
	`<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>`,
	`&lt;script&gt;window.__xss=1&lt;/script&gt;`,
	`${window.__xss=1}`,
	`'"--></style></script><script>window.__xss=1</script>`,
}

// TestBrowserXSSPayloadsShowAsTextAdmin is TestBrowserXSSPayloadsShowAsText
// for the pages that test does not visit: the accounts page (display
// names, as the security administrator), the devices page (names), the ledger import (an error row
// quoting a bad cell and the imported records' names), the warning
// recipients (names), the duty handover log (the open matters and what to
// watch), the audit search (the before/after of the updates the payloads
// made, as the audit administrator) and the security situation (a failed
// sign-in with a payload for username). Each page gets the eight payloads
// of xssSubset; on each no payload ran, no dialog opened, no CSP violation
// was reported and the payloads are in the page as text.
func TestBrowserXSSPayloadsShowAsTextAdmin(t *testing.T) {
	all := map[string]bool{}
	for _, p := range securitytest.XSS() {
		all[p] = true
	}
	for _, p := range xssSubset {
		if !all[p] {
			t.Fatalf("the subset's %q is not in payloads/xss.txt", p)
		}
	}
	const auditUser = "auditadmin"
	var db *store.DB
	h := newHarness(t, harnessOptions{live: true, wire: func(api *httpapi.Server, sdb *store.DB, tree *region.Tree, reg *registry.Service) {
		db = sdb
		sys := core.WithActor(context.Background(), core.SystemActor)
		api.Auth.Security = &auth.Security{Store: db, LockAfter: 50, LockAfterIP: 100}
		if _, err := api.Auth.CreateUser(sys, auth.UserInput{Username: auditUser, Password: adminPassword, Role: "auditadmin", Division: "530500"}); err != nil {
			t.Fatal(err)
		}
		api.Ledger = &httpapi.Ledger{Service: &ledger.Service{Registry: reg, Divisions: func() ledger.Divisions { return tree }}}
		p, _ := outbox.NewProtector(make([]byte, 32))
		land, err := outbox.NewLand(tree, outbox.Census2020())
		if err != nil {
			t.Fatal(err)
		}
		api.Recipients = &httpapi.Recipients{Service: &outbox.Service{Store: db, Protect: p, Land: land}}
	}})
	sec := h.asSecAdmin()

	// accounts: created with a plain name, then renamed to a payload (an
	// audited update with before and after); recipients; a handover.
	var names, plain []string
	var incoming int64
	for i, pl := range xssSubset {
		name := xssMark(i) + pl
		names = append(names, name)
		plain = append(plain, fmt.Sprintf("用户%02d", i))
		var u struct{ ID int64 }
		sec.getJSON("POST", "/api/v1/users", fmt.Sprintf(`{"username":"xss-%02d","display_name":%q,"password":%q,"role":"duty_officer","division_code":"530500"}`,
			i, plain[i], adminPassword), &u)
		var out map[string]any
		sec.getJSON("PATCH", fmt.Sprintf("/api/v1/users/%d", u.ID), fmt.Sprintf(`{"display_name":%q}`, name), &out)
		if i == 0 {
			incoming = u.ID
		}
		h.getJSON("POST", "/api/v1/recipients", fmt.Sprintf(`{"kind":"grid_worker","name":%q,"division_code":"530502","phone":"138000000%02d"}`, name, i), &out)
	}
	var ents recordList
	h.getJSON("GET", "/api/v1/enterprises?limit=1", "", &ents)
	for i, name := range names {
		var dev map[string]any
		h.getJSON("POST", "/api/v1/devices", fmt.Sprintf(`{"code":"DEV-XSS-%02d","name":%q,"owner_id":%v}`, i, name, ents.Items[0]["id"]), &dev)
	}
	var ho map[string]any
	h.getJSON("POST", "/api/v1/duty/handovers", fmt.Sprintf(`{"division_code":"530500","incoming_id":%d,"open":%q,"watch":%q}`,
		incoming, strings.Join(xssSubset[:4], " ¦ "), strings.Join(xssSubset[4:], " ¦ ")), &ho)
	// failed sign-ins with payloads for username. An unknown username's
	// entry has no division, so only a provincial account sees it; the
	// city's security administrator is shown the same entries recorded
	// in a county (the store's AuditEvent, as auth.Service writes them).
	sys := core.WithActor(context.Background(), core.SystemActor)
	for _, pl := range xssSubset {
		if st, _ := apiLogin(t, h.url, pl, "wrong-password-1"); st != 401 {
			t.Fatalf("a sign-in as %q: %d, want 401", pl, st)
		}
		if err := db.AuditEvent(sys, "login_failed", "login", 0, "530502", auth.LoginEvent{Username: pl, IP: "203.0.113.7", Method: "password", Reason: "wrong username or password"}); err != nil {
			t.Fatal(err)
		}
	}
	// the ledger workbook: good rows named with the payloads, one bad row
	// whose industry cell is a payload.
	x := excelize.NewFile()
	sheet := "企业"
	x.SetSheetName("Sheet1", sheet)
	rows := [][]any{{"统一社会信用代码", "名称", "行业类别", "经度", "纬度"}, {"code", "name", "industry", "longitude", "latitude"}}
	for i, name := range names {
		code, _ := creditcode.Complete(fmt.Sprintf("9153050299000%04d", i))
		rows = append(rows, []any{code, name, "冶金", 99.17, 25.12})
	}
	bad, _ := creditcode.Complete("91530502990009999")
	rows = append(rows, []any{bad, "坏行企业", xssSubset[1], 99.17, 25.12})
	for i, row := range rows {
		x.SetSheetRow(sheet, fmt.Sprintf("A%d", i+1), &row)
	}
	book := filepath.Join(t.TempDir(), "台账.xlsx")
	if err := x.SaveAs(book); err != nil {
		t.Fatal(err)
	}

	var dl dialogs
	check := func(ctx context.Context, what, path, ready string, want []string, need int) {
		t.Helper()
		if path != "" {
			run(t, ctx, "open "+what, chromedp.Navigate(h.url+path))
		}
		waitJS(t, ctx, what, ready)
		run(t, ctx, "let "+what+" settle", chromedp.Sleep(700*time.Millisecond))
		if d := dl.all(); len(d) > 0 {
			t.Fatalf("%s: a payload opened a dialog: %q", what, d)
		}
		if eval[bool](t, ctx, `window.__xss !== undefined`) {
			t.Fatalf("%s: a payload ran (window.__xss is set)", what)
		}
		if v := eval[[]string](t, ctx, `Y.cspViolations`); len(v) != 0 {
			t.Fatalf("%s: Content-Security-Policy violations: %q", what, v)
		}
		text := eval[string](t, ctx, `document.body.textContent`)
		var missing []string
		for _, s := range want {
			if !strings.Contains(text, s) {
				missing = append(missing, s)
			}
		}
		if need == 0 && len(missing) > 0 || len(want)-len(missing) < need {
			t.Errorf("%s: %d of %d payloads shown as text; missing %q", what, len(want)-len(missing), len(want), missing)
		}
	}

	// the business administrator: ledger, recipients, duty.
	ctx := browser(t, 1400, 900)
	dl.listen(t, ctx)
	login(t, ctx, h, "")
	run(t, ctx, "open the ledger", chromedp.Navigate(h.url+"/ledger?kind=enterprises"))
	waitJS(t, ctx, "the ledger page", `!!window.YLedger && YLedger.ready`)
	run(t, ctx, "valid rows only", chromedp.Click(chromedp.CSS(`input[name=mode][value=valid_only]`)))
	run(t, ctx, "choose the workbook", chromedp.SetUploadFiles(chromedp.CSS("#lg-file"), []string{book}))
	run(t, ctx, "import", chromedp.Click(chromedp.CSS("#lg-submit")))
	check(ctx, "the ledger's report", "", `YLedger.report !== null && !YLedger.busy && document.querySelectorAll('#lg-errors tbody tr').length === 1`, append([]string{xssSubset[1]}, names...), 0)
	check(ctx, "the recipients", "/recipients", rcpReady+` && YRecipients.items.length >= 8`, names, 0)
	check(ctx, "the devices", "/admin/devices", admReady+` && YAdmin.devices.length >= 8`, names, 0)
	check(ctx, "the duty handover log", "/duty", dutyReady+` && document.querySelectorAll('#handover-log li[data-handover]').length === 1`, xssSubset, 0)

	// the security administrator: accounts and the situation.
	sctx := browser(t, 1400, 900)
	dl.listen(t, sctx)
	loginTo(t, sctx, h, secUser, adminPassword, "/admin/users")
	check(sctx, "the accounts", "", admReady+` && document.querySelectorAll('#adm-rows tr[data-id]').length >= 10`, names, 0)
	check(sctx, "the security situation", "/security/situation", `document.getElementById('situation').dataset.loaded === '1'`, xssSubset, 0)

	// the audit administrator: the updates' before and after.
	actx := browser(t, 1400, 900)
	dl.listen(t, actx)
	loginTo(t, actx, h, auditUser, adminPassword, "/audit")
	check(actx, "the audit search", "", `document.getElementById('audit').dataset.loaded === '1'`, nil, 0)
	setValue(t, actx, "f-action", "update")
	run(t, actx, "find the renames", chromedp.SendKeys(chromedp.CSS("#f-entity"), "user"), chromedp.Click(chromedp.CSS("#audit-search")))
	check(actx, "the renames", "", `document.getElementById('audit').dataset.loaded === '2' && document.querySelectorAll('#audit-rows tr').length >= 8`, nil, 0)
	n := eval[int](t, actx, `document.querySelectorAll('#audit-rows tr').length`)
	var seen []string
	for i := range n {
		run(t, actx, "open an update", chromedp.Click(chromedp.CSS(fmt.Sprintf("#audit-rows tr:nth-child(%d)", i+1))), chromedp.WaitVisible(chromedp.CSS("#audit-detail")))
		check(actx, "an update's diff", "", `!!document.querySelector('#audit-diff-rows tr[data-field=display_name]')`, nil, 0)
		seen = append(seen, eval[string](t, actx, `document.querySelector('#audit-diff-rows tr[data-field=display_name]').textContent`))
	}
	// the diff shows each value as JSON (JSON.stringify): a quote shows
	// as \", the rest as typed.
	diffs := strings.Join(seen, "\n")
	for i, name := range names {
		if !strings.Contains(diffs, jsonText(t, name)) || !strings.Contains(diffs, jsonText(t, plain[i])) {
			t.Errorf("no update's diff shows %s after %s as text", jsonText(t, name), jsonText(t, plain[i]))
		}
	}
}

// jsonText is s as JSON.stringify writes it (no HTML escaping).
func jsonText(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
