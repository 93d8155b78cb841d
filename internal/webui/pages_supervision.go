package webui

import "net/http"

// supervisionPages registers the supervision pages. A page's template name is added to
// pageNames in this file's init; its messages live in
// i18n/supervision.<lang>.json.
func (s *Server) supervisionPages(mux *http.ServeMux) {}
