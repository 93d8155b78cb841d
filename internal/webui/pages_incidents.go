package webui

import "net/http"

// incidentPages registers the incidents pages. A page's template name is added to
// pageNames in this file's init; its messages live in
// i18n/incidents.<lang>.json.
func (s *Server) incidentPages(mux *http.ServeMux) {}
