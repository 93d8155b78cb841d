package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
)

func init() {
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.FileBodyDecoder)
}

// addAdmins creates and signs in a county audit administrator beside the
// city administrators of the harness (三员分立).
func addAdmins(t *testing.T, e *env) {
	t.Helper()
	ctx := core.WithActor(context.Background(), core.SystemActor)
	for _, u := range []auth.UserInput{
		// the city's three administrators come with the harness.
		{Username: "tc-auditadmin", Role: "auditadmin", Division: "530581"},
	} {
		u.Password = password
		if _, err := e.api.Auth.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		e.login(u.Username)
	}
}

// TestAuditSearchAndExport: the audit administrator searches the trail with
// every filter, pages newest first, exports it as JSON Lines and CSV that
// verify offline (and a changed byte does not), the export is itself
// audited, and the chain status is reported; the scope and the
// permissions hold.
func TestAuditSearchAndExport(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		secure(e)
		addAdmins(t, e)
		e.api.Auth.Security.LockAfter = 50
		if st, _ := e.tryLogin("viewer", "wrong-password-1"); st != 401 {
			t.Fatalf("wrong password = %d", st)
		}
		e.call("GET", "/api/v1/users", "viewer", nil, 403, nil)

		var page httpapi.AuditPage
		e.call("GET", "/api/v1/audit?action=denied&actor=viewer", "auditadmin", nil, 200, &page)
		if len(page.Items) != 1 || page.Total != 1 || page.Items[0].Entity != "permission" || page.Items[0].Alg != audit.SHA256 {
			t.Fatalf("denials = %+v", page)
		}
		for q, want := range map[string]int64{
			"action=login_failed":                                         1,
			"entity=login&action=login_failed&q=WRONG+US":                 1, // the reason, any case
			"q=" + url.QueryEscape("GET /api/v1/users"):                   1,
			"entity=permission&entity_id=" + itoa(userID(t, e, "viewer")): 1,
			"actor=nobody": 0,
			"from=2000-01-01T00:00:00Z&to=2001-01-01T00:00:00Z": 0,
		} {
			e.call("GET", "/api/v1/audit?"+q, "auditadmin", nil, 200, &page)
			if page.Total != want || int64(len(page.Items)) != want {
				t.Errorf("%s: %d entries (total %d), want %d", q, len(page.Items), page.Total, want)
			}
		}
		e.call("GET", "/api/v1/audit?order=desc&limit=2", "auditadmin", nil, 200, &page)
		if len(page.Items) != 2 || page.Items[0].Seq < page.Items[1].Seq || page.NextBeforeSeq != page.Items[1].Seq || page.Total < 3 {
			t.Fatalf("newest first: %+v", page)
		}
		var older httpapi.AuditPage
		e.call("GET", fmt.Sprintf("/api/v1/audit?order=desc&limit=2&before_seq=%d", page.NextBeforeSeq), "auditadmin", nil, 200, &older)
		if len(older.Items) == 0 || older.Items[0].Seq >= page.Items[1].Seq {
			t.Fatalf("older page: %+v", older.Items)
		}
		// Scope: a Tengchong auditor sees none of Longyang's entries and
		// may not ask for them.
		e.call("GET", "/api/v1/audit?action=denied", "tc-auditadmin", nil, 200, &page)
		if len(page.Items) != 0 {
			t.Errorf("tc-auditadmin sees %d denials of another county", len(page.Items))
		}
		e.call("GET", "/api/v1/audit?division=530502", "tc-auditadmin", nil, 403, nil)
		for _, q := range []string{"order=sideways", "from=yesterday", "after_seq=-1"} {
			p := problemOf(t, e.call("GET", "/api/v1/audit?"+q, "auditadmin", nil, 422, nil))
			if len(p.Errors) == 0 || p.Errors[0].Field != strings.SplitN(q, "=", 2)[0] {
				t.Errorf("%s: %+v", q, p)
			}
		}
		// Permissions: the business admin and the security admin may not
		// export; the auditor may not read the situation.
		e.call("GET", "/api/v1/audit/export", "admin", nil, 403, nil)
		e.call("GET", "/api/v1/audit/export", "secadmin", nil, 403, nil)
		e.call("GET", "/api/v1/security/situation", "auditadmin", nil, 403, nil)

		// Exports verify offline.
		for _, tt := range []struct{ q, ctype string }{{"", "application/x-ndjson"}, {"format=csv&action=denied", "text/csv"}, {"format=jsonl&q=users", "application/x-ndjson"}} {
			status, body, h := e.do("GET", "/api/v1/audit/export?"+tt.q, "auditadmin", nil, nil)
			if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), tt.ctype) || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
				t.Fatalf("export %s = %d %s: %.300s", tt.q, status, h.Get("Content-Type"), body)
			}
			if strings.HasPrefix(tt.ctype, "text/csv") != bytes.HasPrefix(body, []byte("\ufeffseq,")) {
				t.Errorf("export %s: a CSV starts with the byte-order mark and the columns, JSON Lines does not: %.20q", tt.q, body)
			}
			rep, err := audit.VerifyFile(bytes.NewReader(body))
			if err != nil || rep.Entries == 0 {
				t.Fatalf("export %s: %+v, %v\n%.500s", tt.q, rep, err, body)
			}
			if tt.q != "" && rep.Header.Filters["division_prefix"] != "5305" {
				t.Errorf("export %s: header filters %v", tt.q, rep.Header.Filters)
			}
			tampered := bytes.Replace(body, []byte("viewer"), []byte("vieweR"), 1)
			if _, err := audit.VerifyFile(bytes.NewReader(tampered)); err == nil || !strings.Contains(err.Error(), "was altered") {
				t.Errorf("export %s with a changed byte: %v", tt.q, err)
			}
		}
		e.call("GET", "/api/v1/audit?entity=audit&action=export", "auditadmin", nil, 200, &page)
		if len(page.Items) != 3 || page.Items[0].Actor != "auditadmin" || !strings.Contains(string(page.Items[1].After), `"format":"csv"`) {
			t.Fatalf("exports audited as %+v", page.Items)
		}
		p := problemOf(t, e.call("GET", "/api/v1/audit/export?format=xml", "auditadmin", nil, 422, nil))
		if p.Errors[0].Field != "format" {
			t.Errorf("format=xml: %+v", p)
		}

		var chain audit.ChainStatus
		e.call("GET", "/api/v1/audit/verify", "auditadmin", nil, 200, &chain)
		if !chain.OK || chain.Checked < 5 || chain.Checked != chain.HeadSeq {
			t.Fatalf("chain = %+v", chain)
		}
		seq := page.Items[0].Seq
		if _, err := e.db.SQL().Exec(fmt.Sprintf(`UPDATE audit_log SET actor = 'mallory' WHERE seq = %d`, seq)); err != nil {
			t.Fatal(err)
		}
		e.call("GET", "/api/v1/audit/verify", "auditadmin", nil, 200, &chain)
		if chain.OK || chain.BrokenSeq != seq || !strings.Contains(chain.Error, "altered") {
			t.Fatalf("chain after a change = %+v", chain)
		}
		if e.checked < 20 {
			t.Errorf("only %d responses validated against the OpenAPI document", e.checked)
		}
	})
}

// TestSecuritySituation: failed sign-ins, a lockout and denials made in the
// test appear in the security administrator's situation with the accounts
// and the address, and the chain's status beside them.
func TestSecuritySituation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		secure(e)
		addAdmins(t, e)
		for i := 0; i < 3; i++ {
			e.tryLogin("ly-inspector", "wrong-password-1")
		}
		// an unknown name has no division: the city's (the tree's top)
		// security administrator sees it, a county's does not.
		e.tryLogin("no-such-account", "wrong-password-1")
		e.call("GET", "/api/v1/users", "viewer", nil, 403, nil)
		e.call("GET", "/api/v1/audit/export", "viewer", nil, 403, nil)
		var s httpapi.SituationResponse
		e.call("GET", "/api/v1/security/situation?window=1h", "secadmin", nil, 200, &s)
		if s.FailedLogins != 4 || s.Lockouts != 1 || s.Denials != 2 || s.Window != "1h0m0s" {
			t.Fatalf("situation = %+v", s.Situation)
		}
		if len(s.TopAccounts) < 2 || s.TopAccounts[0] != (audit.Count{Key: "ly-inspector", Count: 3}) || s.TopAccounts[1] != (audit.Count{Key: "viewer", Count: 2}) {
			t.Errorf("top accounts = %v", s.TopAccounts)
		}
		if len(s.TopAddresses) != 1 || s.TopAddresses[0].Count != 4 || !strings.Contains(s.TopAddresses[0].Key, "127.0.0.1") {
			t.Errorf("top addresses = %v", s.TopAddresses)
		}
		if len(s.Recent) != 7 || s.Recent[0].Action != "denied" || s.Recent[0].Detail != "GET /api/v1/audit/export" || s.Recent[2].Subject != "no-such-account" {
			t.Errorf("recent = %+v", s.Recent)
		}
		if !s.Chain.OK || s.Chain.Checked == 0 {
			t.Errorf("chain = %+v", s.Chain)
		}
		// A secadmin of Tengchong sees none of it; a bad window is refused.
		e.api.Auth.CreateUser(core.WithActor(context.Background(), core.SystemActor), auth.UserInput{Username: "tc-secadmin", Password: password, Role: "secadmin", Division: "530581"})
		e.login("tc-secadmin")
		e.call("GET", "/api/v1/security/situation", "tc-secadmin", nil, 200, &s)
		if s.FailedLogins != 0 || s.Denials != 0 {
			t.Errorf("Tengchong's situation = %+v", s.Situation)
		}
		for _, w := range []string{"1s", "91d", "forever"} {
			p := problemOf(t, e.call("GET", "/api/v1/security/situation?window="+w, "secadmin", nil, 422, nil))
			if p.Errors[0].Field != "window" {
				t.Errorf("window=%s: %+v", w, p)
			}
		}
	})
}
