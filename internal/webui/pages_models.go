package webui

import "net/http"

func init() { pageNames = append(pageNames, "models") }

// modelPages registers the decision-support pages. A page's template name is
// added to pageNames in this file's init; its messages live in
// i18n/models.<lang>.json.
//
// /models runs a hazard model (earthquake, toxic plume, explosion,
// rainfall geohazards, fire weather) or a drawn circle through the API,
// draws the zones on a map and lists the exposure inside each zone, with
// the latest external feed events beside it.
func (s *Server) modelPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /models", s.render("models", true, func(w http.ResponseWriter, r *http.Request, d *pageData) bool {
		d.Path = r.URL.Path
		return true
	}))
}
