package webui

import "net/http"

// recipientPages registers the recipients pages. A page's template name is
// added to pageNames in this file's init; its messages live in
// i18n/recipients.<lang>.json.
func (s *Server) recipientPages(mux *http.ServeMux) {}
