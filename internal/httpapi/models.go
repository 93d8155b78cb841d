package httpapi

// Models is what the API needs for hazard models, exposure and external
// hazard feeds (issue 7).
type Models struct{}

// modelRoutes are the model, exposure and feed routes; none until wired.
func (s *Server) modelRoutes() []Route {
	if s.Models == nil {
		return nil
	}
	return nil
}

// modelOps say what each of those routes takes and returns.
var modelOps = map[string]opSpec{}

// modelSchemas adds the area's component schemas.
func modelSchemas(schemas obj) {}
