package webui

import "net/http"

// modelPages registers the decision-support pages. A page's template name is
// added to pageNames in this file's init; its messages live in
// i18n/models.<lang>.json.
func (s *Server) modelPages(mux *http.ServeMux) {}
