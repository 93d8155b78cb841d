package webui

import "net/http"

// ledgerPages registers the ledger pages. A page's template name is added to
// pageNames in this file's init; its messages live in
// i18n/ledger.<lang>.json.
func (s *Server) ledgerPages(mux *http.ServeMux) {}
