package httpapi

// Incidents is what the API needs for incident command (issue 5).
type Incidents struct{}

// incidentRoutes are incident command (issue 5) routes; none until the area is wired.
func (s *Server) incidentRoutes() []Route {
	if s.Incidents == nil {
		return nil
	}
	return nil
}

// incidentOps say what each of those routes takes and returns.
var incidentOps = map[string]opSpec{}

// incidentSchemas adds the area's component schemas.
func incidentSchemas(schemas obj) {}
