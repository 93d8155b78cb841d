package webui

import "net/http"

func init() { pageNames = append(pageNames, "security") }

// securityPages registers the signed-in user's security page: two-factor
// login (TOTP enrolment, recovery codes). The login page's second step is
// the "mfa-login" block of security.html.
func (s *Server) securityPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /account/security", s.render("security", true, func(w http.ResponseWriter, r *http.Request, d *pageData) bool {
		d.Path = r.URL.Path
		return true
	}))
}
