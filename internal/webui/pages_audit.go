package webui

import "net/http"

func init() { pageNames = append(pageNames, "audit", "situation") }

// auditPages registers the audit administrator's search page and the
// security administrator's situation page. Their scripts read everything
// from the API, which checks audit.read, audit.export and security.manage;
// the pages only show what it refuses.
func (s *Server) auditPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /audit", s.render("audit", true, func(w http.ResponseWriter, r *http.Request, d *pageData) bool {
		d.Path = r.URL.Path
		return true
	}))
	mux.HandleFunc("GET /security/situation", s.render("situation", true, func(w http.ResponseWriter, r *http.Request, d *pageData) bool {
		d.Path = r.URL.Path
		return true
	}))
}
