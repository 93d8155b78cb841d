package httpapi_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/outbox"
)

// totpCode is what an authenticator app shows for secret at t.
func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) passwordStep(user string, want int) httpapi.MFAChallenge {
	e.t.Helper()
	var ch httpapi.MFAChallenge
	e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": password}, want, &ch)
	return ch
}

func userID(t *testing.T, e *env, name string) int64 {
	t.Helper()
	var me httpapi.MeResponse
	e.call("GET", "/api/v1/auth/me", name, nil, 200, &me)
	return me.User.ID
}

func TestMFALogin(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		inspID := userID(t, e, "ly-inspector")
		var pol httpapi.MFAPolicy
		e.call("GET", "/api/v1/security/mfa-policy", "secadmin", nil, 200, &pol)
		if len(pol.RequiredRoles) != 0 || !strings.Contains(strings.Join(pol.WriteRoles, ","), "inspector") || strings.Contains(strings.Join(pol.WriteRoles, ","), "viewer") {
			t.Fatalf("policy %+v", pol)
		}
		e.call("PUT", "/api/v1/security/mfa-policy", "viewer", map[string]any{"required_roles": []string{}}, 403, nil)
		e.call("PUT", "/api/v1/security/mfa-policy", "admin", map[string]any{"required_roles": []string{}}, 403, nil) // the security administrator's (三员分立)
		p := problemOf(t, e.call("PUT", "/api/v1/security/mfa-policy", "secadmin", map[string]any{"required_roles": []string{"inspector", "wizard"}}, 422, nil))
		if len(p.Errors) != 1 || p.Errors[0].Field != "required_roles" || !strings.Contains(p.Errors[0].Message, "wizard") {
			t.Errorf("unknown role: %+v", p)
		}
		e.call("PUT", "/api/v1/security/mfa-policy", "secadmin", map[string]any{"required_roles": []string{"inspector", "admin", "inspector"}}, 200, &pol)
		if strings.Join(pol.RequiredRoles, ",") != "admin,inspector" {
			t.Errorf("stored policy %v", pol.RequiredRoles)
		}

		// a role that requires it enrols during its login.
		e.passwordStep("viewer", 200)
		ch := e.passwordStep("ly-inspector", 202)
		if !ch.MFARequired || !ch.EnrolRequired || ch.Challenge == "" {
			t.Fatalf("challenge %+v", ch)
		}
		p = problemOf(t, e.call("POST", "/api/v1/auth/login/mfa", "", map[string]string{"challenge": ch.Challenge, "code": "123456"}, 422, nil))
		if p.Errors[0].Field != "code" {
			t.Errorf("code before enrolment: %+v", p)
		}
		// the challenge is no session.
		e.call("GET", "/api/v1/auth/me", ch.Challenge, nil, 401, nil)
		var en httpapi.MFAEnrolment
		e.call("POST", "/api/v1/auth/login/mfa/enrol", "", map[string]string{"challenge": ch.Challenge}, 200, &en)
		key, err := otp.NewKeyFromURL(en.URI)
		if err != nil || key.Secret() != en.Secret || key.AccountName() != "ly-inspector" || key.Issuer() != "Yingji test" {
			t.Fatalf("otpauth URI %q: %v", en.URI, err)
		}
		if !strings.HasPrefix(en.QR, "data:image/png;base64,iVBORw0KGgo") {
			t.Errorf("QR is not a PNG data URL: %.40s", en.QR)
		}
		e.call("POST", "/api/v1/auth/login/mfa", "", map[string]string{"challenge": ch.Challenge, "code": totpCode(t, en.Secret, time.Now().Add(-5*time.Minute))}, 401, nil)
		var done httpapi.MFALoginResponse
		e.call("POST", "/api/v1/auth/login/mfa", "", map[string]string{"challenge": ch.Challenge, "code": totpCode(t, en.Secret, time.Now())}, 200, &done)
		if done.Token == "" || len(done.RecoveryCodes) != 10 || done.User.Username != "ly-inspector" {
			t.Fatalf("second step: %+v", done)
		}
		e.call("GET", "/api/v1/auth/me", done.Token, nil, 200, nil)
		// the challenge is spent.
		e.call("POST", "/api/v1/auth/login/mfa", "", map[string]string{"challenge": ch.Challenge, "code": totpCode(t, en.Secret, time.Now().Add(30*time.Second))}, 401, nil)

		// next login: the code just used is refused (replay), a later one works.
		ch = e.passwordStep("ly-inspector", 202)
		if ch.EnrolRequired {
			t.Error("enrolled account asked to enrol")
		}
		e.call("POST", "/api/v1/auth/login/mfa/enrol", "", map[string]string{"challenge": ch.Challenge}, 409, nil)
		e.call("POST", "/api/v1/auth/login/mfa", "", map[string]string{"challenge": ch.Challenge, "code": totpCode(t, en.Secret, time.Now().Add(-30*time.Second))}, 401, nil)
		e.call("POST", "/api/v1/auth/login/mfa", "", map[string]string{"challenge": ch.Challenge, "code": totpCode(t, en.Secret, time.Now().Add(30*time.Second))}, 200, &done)

		// a recovery code works once.
		rc := strings.ToUpper(done.RecoveryCodes[0])
		ch = e.passwordStep("ly-inspector", 202)
		e.call("POST", "/api/v1/auth/login/mfa", "", map[string]string{"challenge": ch.Challenge, "recovery_code": rc}, 200, nil)
		ch = e.passwordStep("ly-inspector", 202)
		e.call("POST", "/api/v1/auth/login/mfa", "", map[string]string{"challenge": ch.Challenge, "recovery_code": rc}, 401, nil)

		// a challenge allows five codes.
		ch = e.passwordStep("ly-inspector", 202)
		for i := range 5 {
			e.call("POST", "/api/v1/auth/login/mfa", "", map[string]string{"challenge": ch.Challenge, "code": fmt.Sprintf("%06d", i)}, 401, nil)
		}
		p = problemOf(t, e.call("POST", "/api/v1/auth/login/mfa", "", map[string]string{"challenge": ch.Challenge, "code": "000009"}, 401, nil))
		if !strings.Contains(p.Detail, "too many") {
			t.Errorf("sixth code: %q", p.Detail)
		}

		// the security administrator sees and resets it; the sessions end.
		var st struct {
			Enabled  bool `json:"enabled"`
			Required bool `json:"required"`
			Left     int  `json:"recovery_codes_left"`
		}
		e.call("GET", fmt.Sprintf("/api/v1/users/%d/mfa", inspID), "secadmin", nil, 200, &st)
		if !st.Enabled || !st.Required || st.Left != 9 {
			t.Errorf("status %+v", st)
		}
		e.call("DELETE", fmt.Sprintf("/api/v1/users/%d/mfa", inspID), "tc-inspector", nil, 403, nil)
		e.call("DELETE", fmt.Sprintf("/api/v1/users/%d/mfa", inspID), "secadmin", nil, 204, nil)
		e.call("GET", "/api/v1/auth/me", done.Token, nil, 401, nil)
		e.call("GET", fmt.Sprintf("/api/v1/users/%d/mfa", inspID), "secadmin", nil, 200, &st)
		if st.Enabled {
			t.Error("still enabled after the reset")
		}
		if ch = e.passwordStep("ly-inspector", 202); !ch.EnrolRequired {
			t.Error("after a reset the account must enrol again")
		}

		var audit struct {
			Items []struct {
				Action, Actor string
				EntityID      string `json:"entity_id"`
			}
		}
		e.call("GET", "/api/v1/audit?entity=user&limit=1000", "auditadmin", nil, 200, &audit)
		var actions []string
		for _, a := range audit.Items {
			if strings.HasPrefix(a.Action, "mfa_") && a.EntityID == fmt.Sprint(inspID) {
				actions = append(actions, a.Action+"/"+a.Actor)
			}
		}
		if got := strings.Join(actions, " "); got != "mfa_enable/ly-inspector mfa_recovery_use/ly-inspector mfa_reset/secadmin" {
			t.Errorf("audited %q", got)
		}
		e.call("GET", "/api/v1/audit?entity=mfa_policy", "auditadmin", nil, 200, &audit)
		if len(audit.Items) != 1 {
			t.Errorf("policy change audited %d times", len(audit.Items))
		}
	})
}

// TestMFASelfEnrol: a user whose role does not require it turns it on.
func TestMFASelfEnrol(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		var st struct{ Enabled, Pending, Required bool }
		e.call("GET", "/api/v1/auth/mfa", "viewer", nil, 200, &st)
		if st.Enabled || st.Pending || st.Required {
			t.Fatalf("status %+v", st)
		}
		e.call("POST", "/api/v1/auth/mfa/confirm", "viewer", map[string]string{"code": "123456"}, 409, nil)
		p := problemOf(t, e.call("POST", "/api/v1/auth/mfa/enrol", "viewer", map[string]string{"password": "wrong"}, 422, nil))
		if p.Errors[0].Field != "password" {
			t.Errorf("wrong password: %+v", p)
		}
		var en httpapi.MFAEnrolment
		e.call("POST", "/api/v1/auth/mfa/enrol", "viewer", map[string]string{"password": password}, 200, &en)
		e.call("GET", "/api/v1/auth/mfa", "viewer", nil, 200, &st)
		if !st.Pending || st.Enabled {
			t.Errorf("after enrol: %+v", st)
		}
		e.passwordStep("viewer", 200) // pending is not in force
		e.call("POST", "/api/v1/auth/mfa/confirm", "viewer", map[string]string{"code": "000000"}, 401, nil)
		var rc httpapi.RecoveryCodes
		e.call("POST", "/api/v1/auth/mfa/confirm", "viewer", map[string]string{"code": totpCode(t, en.Secret, time.Now())}, 200, &rc)
		if len(rc.RecoveryCodes) != 10 {
			t.Fatalf("%d recovery codes", len(rc.RecoveryCodes))
		}
		e.call("POST", "/api/v1/auth/mfa/enrol", "viewer", map[string]string{"password": password}, 409, nil)
		var rc2 httpapi.RecoveryCodes
		e.call("POST", "/api/v1/auth/mfa/recovery-codes", "viewer", map[string]string{"code": totpCode(t, en.Secret, time.Now().Add(30*time.Second))}, 200, &rc2)
		ch := e.passwordStep("viewer", 202)
		// the old recovery codes were replaced.
		e.call("POST", "/api/v1/auth/login/mfa", "", map[string]string{"challenge": ch.Challenge, "recovery_code": rc.RecoveryCodes[1]}, 401, nil)
		e.call("POST", "/api/v1/auth/login/mfa", "", map[string]string{"challenge": ch.Challenge, "recovery_code": rc2.RecoveryCodes[1]}, 200, nil)
	})
}

// protector is the test's auth.Sealer: the outbox's AES-256-GCM protector.
type protector struct{ p *outbox.Protector }

func (p protector) Seal(field, plain string) (string, error)  { return p.p.Seal(field, plain), nil }
func (p protector) Open(field, sealed string) (string, error) { return p.p.Open(field, sealed) }

func newProtector(t *testing.T, b byte) protector {
	t.Helper()
	p, err := outbox.NewProtector(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return protector{p}
}

// TestMFASecretSealed: with a key the secret is stored sealed, not in
// clear; a secret stored in clear before the key still verifies; another
// key does not open it.
func TestMFASecretSealed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		// viewer enrols before a key is configured: stored in clear.
		var plain httpapi.MFAEnrolment
		e.call("POST", "/api/v1/auth/mfa/enrol", "viewer", map[string]string{"password": password}, 200, &plain)
		e.call("POST", "/api/v1/auth/mfa/confirm", "viewer", map[string]string{"code": totpCode(t, plain.Secret, time.Now())}, 200, nil)

		e.api.Auth.MFA.Sealer = newProtector(t, 7)
		var en httpapi.MFAEnrolment
		e.call("POST", "/api/v1/auth/mfa/enrol", "admin", map[string]string{"password": password}, 200, &en)
		e.call("POST", "/api/v1/auth/mfa/confirm", "admin", map[string]string{"code": totpCode(t, en.Secret, time.Now())}, 200, nil)
		stored := map[string]string{}
		rows, err := e.db.SQL().Query(`SELECT u.username, m.secret FROM user_mfa m JOIN users u ON u.id = m.user_id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var u, s string
			rows.Scan(&u, &s)
			stored[u] = s
		}
		rows.Close()
		if !strings.HasPrefix(stored["admin"], "v1.") || strings.Contains(stored["admin"], en.Secret) {
			t.Errorf("admin's secret is stored as %q", stored["admin"])
		}
		if stored["viewer"] != plain.Secret {
			t.Errorf("viewer's secret from before the key: %q", stored["viewer"])
		}
		for user, secret := range map[string]string{"admin": en.Secret, "viewer": plain.Secret} {
			ch := e.passwordStep(user, 202)
			e.call("POST", "/api/v1/auth/login/mfa", "", map[string]string{"challenge": ch.Challenge, "code": totpCode(t, secret, time.Now().Add(30*time.Second))}, 200, nil)
		}
		// another key cannot open admin's secret: no sign-in, no secret leaked.
		e.api.Auth.MFA.Sealer = newProtector(t, 8)
		ch := e.passwordStep("admin", 202)
		status, body, _ := e.do("POST", "/api/v1/auth/login/mfa", "", map[string]string{"challenge": ch.Challenge, "code": totpCode(t, en.Secret, time.Now())}, nil)
		if status != 500 || strings.Contains(string(body), en.Secret) {
			t.Errorf("with the wrong key: %d %s", status, body)
		}
	})
}
