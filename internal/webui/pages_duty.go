package webui

import "net/http"

func init() { pageNames = append(pageNames, "duty") }

// dutyPages registers the duty page (值班值守): the roster's week, the team
// on duty now, the handover form and log, and the all-quiet report.
func (s *Server) dutyPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /duty", s.render("duty", true, func(w http.ResponseWriter, r *http.Request, d *pageData) bool {
		d.Path = r.URL.Path
		return true
	}))
}
