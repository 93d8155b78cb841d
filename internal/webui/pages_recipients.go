package webui

import "net/http"

func init() { pageNames = append(pageNames, "recipients") }

// recipientPages registers the recipients pages. A page's template name is
// added to pageNames in this file's init; its messages live in
// i18n/recipients.<lang>.json.
func (s *Server) recipientPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /recipients", s.render("recipients", true, func(w http.ResponseWriter, r *http.Request, d *pageData) bool {
		d.Path = r.URL.Path
		return true
	}))
}
