package httpapi

// Recipients is what the API needs for warning recipients, targeting and
// delivery (issue 6).
type Recipients struct{}

// recipientRoutes are the recipients and delivery routes; none until wired.
func (s *Server) recipientRoutes() []Route {
	if s.Recipients == nil {
		return nil
	}
	return nil
}

// recipientOps say what each of those routes takes and returns.
var recipientOps = map[string]opSpec{}

// recipientSchemas adds the area's component schemas.
func recipientSchemas(schemas obj) {}
