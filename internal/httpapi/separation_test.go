package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/httpapi"
)

// TestThreeRoleSeparation (三员分立, docs/security.md §2 d): one role per
// account, and through the API (the security administrator's only way)
//   - nobody changes their own account's role, area or enabled state, nor
//     resets their own second factor;
//   - no account moves into, out of or between the three administrator
//     roles: an administrator is a new account;
//   - an administrator belongs to no enterprise;
//
// while the security administrator still manages every other account.
func TestThreeRoleSeparation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		self := userID(t, e, "secadmin")
		own := fmt.Sprintf("/api/v1/users/%d", self)
		for _, change := range []map[string]any{
			{"role": "viewer"}, {"division_code": "530502"}, {"disabled": true},
		} {
			p := problemOf(t, e.call("PATCH", own, "secadmin", change, 403, nil))
			if !strings.Contains(p.Detail, "your own account") {
				t.Errorf("own change %v: %q", change, p.Detail)
			}
		}
		// what is not a power may change: the display name.
		e.call("PATCH", own, "secadmin", map[string]any{"display_name": "安全管理员甲", "disabled": false}, 200, nil)
		var en httpapi.MFAEnrolment
		e.call("POST", "/api/v1/auth/mfa/enrol", "secadmin", map[string]string{"password": password}, 200, &en)
		e.call("POST", "/api/v1/auth/mfa/confirm", "secadmin", map[string]string{"code": totpCode(t, en.Secret, time.Now())}, 200, nil)
		if p := problemOf(t, e.call("DELETE", own+"/mfa", "secadmin", nil, 403, nil)); !strings.Contains(p.Detail, "your own second factor") {
			t.Errorf("own second-factor reset: %q", p.Detail)
		}

		// no move into, out of or between the administrators.
		for user, role := range map[string]string{
			"viewer": "secadmin", "ly-inspector": "sysadmin", "admin": "auditadmin",
			"sysadmin": "admin", "auditadmin": "secadmin", "secadmin": "auditadmin",
		} {
			want := 422
			if user == "secadmin" {
				want = 403 // their own account: refused first for that
			}
			data := e.call("PATCH", fmt.Sprintf("/api/v1/users/%d", userID(t, e, user)), "secadmin", map[string]any{"role": role}, want, nil)
			if p := problemOf(t, data); want == 422 && (len(p.Errors) != 1 || p.Errors[0].Field != "role" || !strings.Contains(p.Errors[0].Message, "create a new account")) {
				t.Errorf("%s → %s: %+v", user, role, p)
			}
		}
		var me struct {
			User struct{ Role string }
		}
		e.call("GET", "/api/v1/auth/me", "sysadmin", nil, 200, &me)
		if me.User.Role != "sysadmin" {
			t.Errorf("sysadmin's role became %q", me.User.Role)
		}

		// an administrator belongs to no enterprise.
		var ent struct{ ID int64 }
		e.call("POST", "/api/v1/enterprises", "admin", sample(t, e, registryEnterprise(), tengchong, 1, 0), 201, &ent)
		for _, role := range []string{"sysadmin", "secadmin", "auditadmin"} {
			data := e.call("POST", "/api/v1/users", "secadmin", map[string]any{"username": "ent-" + role, "password": password, "role": role, "division_code": "530500", "enterprise_id": ent.ID}, 422, nil)
			if p := problemOf(t, data); len(p.Errors) != 1 || p.Errors[0].Field != "enterprise_id" {
				t.Errorf("%s bound to an enterprise: %+v", role, p)
			}
		}

		// the controls: a new administrator is a new account; business
		// roles change freely; the other security administrator may do
		// what the first may not do to themself.
		var second struct{ ID int64 }
		e.call("POST", "/api/v1/users", "secadmin", map[string]any{"username": "secadmin2", "password": password, "role": "secadmin", "division_code": "530500"}, 201, &second)
		e.login("secadmin2")
		e.call("PATCH", fmt.Sprintf("/api/v1/users/%d", userID(t, e, "ly-inspector")), "secadmin", map[string]any{"role": "viewer"}, 200, nil)
		e.call("DELETE", own+"/mfa", "secadmin2", nil, 204, nil)
		e.call("PATCH", own, "secadmin2", map[string]any{"disabled": true}, 200, nil)
		e.call("GET", "/api/v1/users", "secadmin", nil, 401, nil) // disabled: its session ended

		// the changes are in the audit administrator's trail.
		var audit struct {
			Items []struct{ Action, Actor string }
		}
		e.call("GET", "/api/v1/audit?entity=user&limit=1000", "auditadmin", nil, 200, &audit)
		seen := map[string]bool{}
		for _, a := range audit.Items {
			seen[a.Action+"/"+a.Actor] = true
		}
		if !seen["mfa_reset/secadmin2"] || !seen["update/secadmin2"] {
			t.Errorf("the audit trail lacks the second administrator's changes: %v", seen)
		}
	})
}
