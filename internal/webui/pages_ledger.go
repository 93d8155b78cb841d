package webui

import (
	"net/http"

	"github.com/yingji/yingji/internal/registry"
)

func init() { pageNames = append(pageNames, "ledger") }

// ledgerPages registers the ledger pages: /ledger imports a workbook of
// any registry kind (?kind= picks one) and shows its per-row errors. The
// page's script calls /api/v1/ledger, which checks the permissions. Its
// messages live in i18n/ledger.<lang>.json.
func (s *Server) ledgerPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /ledger", s.render("ledger", true, func(w http.ResponseWriter, r *http.Request, d *pageData) bool {
		d.Kind, d.Path = "enterprises", r.URL.Path
		if k, ok := registry.KindAt(r.URL.Query().Get("kind")); ok {
			d.Kind = k.Path
		}
		return true
	}))
}
