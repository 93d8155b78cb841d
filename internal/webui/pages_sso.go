package webui

import "slices"

// Single sign-on on the login page (issue 9): a "省统一身份认证登录" link to
// the API's /api/v1/auth/oidc/login when it is configured, and the reason
// when the API sent the browser back refused (?sso_error=…). Messages are
// in i18n/sso.<lang>.json.

// ssoErrors are the reason codes the API sends back.
var ssoErrors = []string{"state", "denied", "idp", "token", "account"}

// ssoError keeps a known reason code ("" otherwise).
func ssoError(code string) string {
	if slices.Contains(ssoErrors, code) {
		return code
	}
	return ""
}
