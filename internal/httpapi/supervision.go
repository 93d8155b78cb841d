package httpapi

// Supervision is what the API needs for safety supervision (issue 8).
type Supervision struct{}

// supervisionRoutes are safety supervision (issue 8) routes; none until the area is wired.
func (s *Server) supervisionRoutes() []Route {
	if s.Supervision == nil {
		return nil
	}
	return nil
}

// supervisionOps say what each of those routes takes and returns.
var supervisionOps = map[string]opSpec{}

// supervisionSchemas adds the area's component schemas.
func supervisionSchemas(schemas obj) {}
