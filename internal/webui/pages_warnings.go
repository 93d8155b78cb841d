package webui

import "net/http"

// warningPages registers the warnings pages. A page's template name is added to
// pageNames in this file's init; its messages live in
// i18n/warnings.<lang>.json.
func (s *Server) warningPages(mux *http.ServeMux) {}
