package httpapi

// Ledger is what the API needs for the Excel enterprise ledger (issue 8).
type Ledger struct{}

// ledgerRoutes are the Excel enterprise ledger (issue 8) routes; none until the area is wired.
func (s *Server) ledgerRoutes() []Route {
	if s.Ledger == nil {
		return nil
	}
	return nil
}

// ledgerOps say what each of those routes takes and returns.
var ledgerOps = map[string]opSpec{}

// ledgerSchemas adds the area's component schemas.
func ledgerSchemas(schemas obj) {}
