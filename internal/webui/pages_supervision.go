package webui

import "net/http"

func init() { pageNames = append(pageNames, "supervision") }

// supervisionViews are the supervision pages: the GB 18218 calculator,
// enterprise risk, the hidden-danger board and the inspections.
var supervisionViews = []string{"hazard-sources", "risk", "hidden-dangers", "inspections"}

// supervisionPages registers the supervision pages. The page's script
// reads everything from the API, which checks permissions and scope.
func (s *Server) supervisionPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /supervision", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/supervision/hidden-dangers", http.StatusSeeOther)
	})
	for _, v := range supervisionViews {
		mux.HandleFunc("GET /supervision/"+v, s.render("supervision", true, func(w http.ResponseWriter, r *http.Request, d *pageData) bool {
			d.View, d.Path = v, r.URL.Path
			return true
		}))
	}
}
