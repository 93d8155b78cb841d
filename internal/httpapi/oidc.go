package httpapi

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/yingji/yingji/internal/sso"
)

// Single sign-on through a province's OpenID Connect provider (issue 9).
// The browser goes to /api/v1/auth/oidc/login, is sent on to the provider,
// and comes back to /api/v1/auth/oidc/callback, which opens a session for
// the linked Yingji account and sends it on to the page it came from. Every
// refusal sends it to the login page with sso_error set to state, denied,
// idp, token or account, and is audited (login_failed, method oidc).

// oidcCookie keeps the login's state, nonce and PKCE verifier in the browser
// that started it, for ten minutes, sent only to the callback.
const oidcCookie = "yingji_oidc"

const oidcPath = "/api/v1/auth/oidc"

// ssoRoutes are present when single sign-on is configured.
func (s *Server) ssoRoutes() []Route {
	if s.OIDC == nil {
		return nil
	}
	return []Route{
		{"GET", oidcPath + "/login", "", "Single sign-on: redirects to the identity provider (OpenID Connect, code flow with PKCE)", s.oidcLogin},
		{"GET", oidcPath + "/callback", "", "Single sign-on: the identity provider's redirect back; opens the session and redirects to the page", s.oidcCallback},
	}
}

// localPath keeps a return path on this site ("/" otherwise).
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}

func (s *Server) oidcLogin(w http.ResponseWriter, r *http.Request) {
	to, f, err := s.OIDC.Begin(r.Context(), localPath(r.URL.Query().Get("next")))
	if err != nil {
		// not a sign-in attempt yet: logged, not audited.
		s.Logger.Error("single sign-on: the identity provider cannot be reached", "err", err)
		http.Redirect(w, r, "/login?sso_error=idp", http.StatusSeeOther)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: f.Encode(), Path: oidcPath, MaxAge: 600, HttpOnly: true,
		Secure: s.secureCookie(r), SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusFound)
}

func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if !s.limitLogin(w, r, "") {
		return
	}
	// the flow is good once: cleared whatever happens next.
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: oidcPath, MaxAge: -1, HttpOnly: true, Secure: s.secureCookie(r), SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	var f sso.Flow
	c, err := r.Cookie(oidcCookie)
	if err == nil {
		f, err = sso.DecodeFlow(c.Value)
	}
	if err != nil {
		s.ssoRefused(w, r, &sso.Error{Code: "state", Err: errors.New("sso: no login under way in this browser (or it took longer than 10 minutes)")})
		return
	}
	username, err := s.OIDC.Finish(r.Context(), f, r.URL.Query())
	if err != nil {
		s.ssoRefused(w, r, err)
		return
	}
	res, err := s.Auth.ExternalLogin(r.Context(), username, s.clientIP(r), "oidc")
	if err != nil {
		s.Logger.Warn("single sign-on refused", "username", username, "remote", r.RemoteAddr, "err", err)
		http.Redirect(w, r, "/login?sso_error=account", http.StatusSeeOther)
		return
	}
	s.setSessionCookie(w, r, res)
	s.Logger.Info("login", "username", res.User.Username, "remote", r.RemoteAddr, "method", "oidc")
	http.Redirect(w, r, localPath(f.Next), http.StatusSeeOther)
}

// ssoRefused audits a refused single sign-on and sends the browser to the
// login page with the reason's code.
func (s *Server) ssoRefused(w http.ResponseWriter, r *http.Request, err error) {
	code := "idp"
	var se *sso.Error
	if errors.As(err, &se) {
		code = se.Code
	}
	s.Logger.Warn("single sign-on refused", "remote", r.RemoteAddr, "err", err)
	s.Auth.ExternalLoginFailed(r.Context(), s.clientIP(r), "oidc", err.Error())
	http.Redirect(w, r, "/login?sso_error="+url.QueryEscape(code), http.StatusSeeOther)
}

// ssoOps describe the redirects.
var ssoOps = map[string]opSpec{
	"GET /api/v1/auth/oidc/login": {status: "302", content: obj{}, more: obj{"303": obj{"description": "the provider cannot be reached: to /login?sso_error=idp"}},
		query: []obj{query("next", "the page to return to after signing in (a path on this site)", str())}},
	"GET /api/v1/auth/oidc/callback": {status: "303", content: obj{}, query: []obj{query("code", "from the provider", str()), query("state", "from the provider", str())}},
}
