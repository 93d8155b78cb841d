package webui

import (
	"strings"
	"testing"
)

// TestLoginPageSSO: the single sign-on button shows only when configured;
// a refusal's reason is shown from the known codes only, in the page's
// language.
func TestLoginPageSSO(t *testing.T) {
	off := newTestServer(t)
	if b := body(t, get(t, off.Handler(), "/login")); strings.Contains(b, "sso-login") {
		t.Error("the SSO button shows without single sign-on configured")
	}
	on, err := New(Options{SSO: true})
	if err != nil {
		t.Fatal(err)
	}
	b := body(t, get(t, on.Handler(), "/login?next=/registry/enterprises"))
	if !strings.Contains(b, `id="sso-login"`) || !strings.Contains(b, "省统一身份认证登录") ||
		!strings.Contains(b, `href="/api/v1/auth/oidc/login?next=%2fregistry%2fenterprises"`) {
		t.Errorf("login page with SSO:\n%s", b)
	}
	for _, code := range ssoErrors {
		b := body(t, get(t, on.Handler(), "/login?sso_error="+code))
		msg := on.cat.T(DefaultLang, "login.sso.error."+code)
		if msg == "" || !strings.Contains(b, msg) {
			t.Errorf("sso_error=%s: the message %q is not shown", code, msg)
		}
	}
	if b := body(t, get(t, on.Handler(), "/login?sso_error=%3Cscript%3E")); strings.Contains(b, "sso-error") {
		t.Error("an unknown sso_error is shown")
	}
}
