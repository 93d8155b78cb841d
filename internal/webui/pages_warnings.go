package webui

import (
	"net/http"
	"strconv"
)

func init() { pageNames = append(pageNames, "warnings") }

// warningPages registers the warnings pages: the list (active, drafts,
// history, imported), the compose form (new, edit, update, forward) with
// the area drawn on a map or picked from the division tree, and a
// warning's page with its CAP message, chain and delivery figures. The
// scripts call the JSON API, which checks permissions and scope.
func (s *Server) warningPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /warnings", s.warningPage("list", "", false))
	mux.HandleFunc("GET /warnings/new", s.warningPage("compose", "new", false))
	mux.HandleFunc("GET /warnings/{id}", s.warningPage("detail", "", true))
	mux.HandleFunc("GET /warnings/{id}/edit", s.warningPage("compose", "edit", true))
	mux.HandleFunc("GET /warnings/{id}/update", s.warningPage("compose", "update", true))
	mux.HandleFunc("GET /warnings/{id}/forward", s.warningPage("compose", "forward", true))
}

func (s *Server) warningPage(view, mode string, withID bool) http.HandlerFunc {
	return s.render("warnings", true, func(w http.ResponseWriter, r *http.Request, d *pageData) bool {
		if withID {
			n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
			if err != nil || n <= 0 {
				http.Error(w, "404 页面不存在 / page not found", http.StatusNotFound)
				return false
			}
			d.ID = r.PathValue("id")
		}
		d.View, d.Kind, d.Path = view, mode, r.URL.Path
		return true
	})
}
