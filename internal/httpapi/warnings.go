package httpapi

// Warnings is what the API needs for public warnings (issue 6).
type Warnings struct{}

// warningRoutes are public warnings (issue 6) routes; none until the area is wired.
func (s *Server) warningRoutes() []Route {
	if s.Warnings == nil {
		return nil
	}
	return nil
}

// warningOps say what each of those routes takes and returns.
var warningOps = map[string]opSpec{}

// warningSchemas adds the area's component schemas.
func warningSchemas(schemas obj) {}
