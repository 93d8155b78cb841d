package webui

import (
	"net/http"
	"strconv"
)

func init() { pageNames = append(pageNames, "incidents") }

// incidentPages registers the incidents pages: the board, the intake form
// and an incident's page. Their script reads everything from the API.
func (s *Server) incidentPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /incidents", s.incidentPage("board"))
	mux.HandleFunc("GET /incidents/new", s.incidentPage("new"))
	mux.HandleFunc("GET /incidents/{id}", s.incidentPage("detail"))
}

func (s *Server) incidentPage(view string) http.HandlerFunc {
	return s.render("incidents", true, func(w http.ResponseWriter, r *http.Request, d *pageData) bool {
		id := r.PathValue("id")
		if id != "" {
			if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
				http.Error(w, "404 页面不存在 / page not found", http.StatusNotFound)
				return false
			}
		}
		d.View, d.ID, d.Path = view, id, r.URL.Path
		return true
	})
}
