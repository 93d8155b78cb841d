package httpapi

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/warning"
	"github.com/yingji/yingji/internal/warning/cap"
)

// Warnings is what the API needs for public warnings (issue 6).
type Warnings struct {
	Service *warning.Service
	// BaseURL is the server's public URL (https://host) for the feed's
	// links; empty takes it from the request.
	BaseURL string
}

// warningRoutes are public warnings (issue 6) routes.
func (s *Server) warningRoutes() []Route {
	if s.Warnings == nil {
		return nil
	}
	return []Route{
		{"GET", "/api/v1/warnings", auth.WarningsRead, "Warnings in your area: active, drafts, history or imported", s.listWarnings},
		{"POST", "/api/v1/warnings", auth.WarningsDraft, "Draft a warning (by hand, from a template, an alarm or a model's zone)", s.draftWarning},
		{"GET", "/api/v1/warnings/templates", auth.WarningsRead, "Warning templates per hazard type", s.warningTemplates},
		{"GET", "/api/v1/warnings/feed.atom", "", "Atom feed of active public alerts, each linking its CAP message (public)", s.warningFeed},
		{"POST", "/api/v1/warnings/import", auth.WarningsDraft, "Import a CAP 1.2 message (application/cap+xml or application/xml)", s.importWarning},
		{"GET", "/api/v1/warnings/{id}", auth.WarningsRead, "A warning message", s.getWarning},
		{"PATCH", "/api/v1/warnings/{id}", auth.WarningsDraft, "Edit a draft (If-Match or version: the version you read)", s.editWarning},
		{"GET", "/api/v1/warnings/{id}/history", auth.WarningsRead, "Every message of the warning's chain, oldest first", s.warningHistory},
		{"POST", "/api/v1/warnings/{id}/approve", auth.WarningsApprove, "Approve another person's draft (two-person rule)", s.approveWarning},
		{"POST", "/api/v1/warnings/{id}/publish", auth.WarningsApprove, "Publish an approved warning and hand it to delivery", s.publishWarning},
		{"POST", "/api/v1/warnings/{id}/withdraw", auth.WarningsDraft, "Withdraw a draft", s.withdrawWarning},
		{"POST", "/api/v1/warnings/{id}/update", auth.WarningsDraft, "Draft an update (CAP Update) of a published warning", s.updateWarning},
		{"POST", "/api/v1/warnings/{id}/cancel", auth.WarningsDraft, "Draft the cancellation (CAP Cancel) of a published warning", s.cancelWarning},
		{"POST", "/api/v1/warnings/{id}/forward", auth.WarningsDraft, "Draft our own warning from an imported message", s.forwardWarning},
		{"GET", "/api/v1/warnings/{id}/cap.xml", "", "The CAP 1.2 XML message (public for published public alerts)", s.warningCAPXML},
		{"GET", "/api/v1/warnings/{id}/cap.json", "", "The CAP message as JSON (public for published public alerts)", s.warningCAPJSON},
	}
}

// warningOps say what each of those routes takes and returns.
var warningOps = map[string]opSpec{
	"GET /api/v1/warnings": {response: "WarningList", geojson: true, query: []obj{
		query("view", "active, drafts, history or imported (default: all)", str()), query("division", "this division and below", str()),
		query("level", "red, orange, yellow, blue (comma-separated)", str()), query("format", "geojson: the areas as a FeatureCollection", str()),
		query("limit", "", integer()), query("offset", "", integer())}},
	"POST /api/v1/warnings":               {request: "WarningInput", response: "Warning", status: "201"},
	"GET /api/v1/warnings/templates":      {response: "WarningTemplateList"},
	"GET /api/v1/warnings/feed.atom":      {media: []string{"application/atom+xml"}},
	"POST /api/v1/warnings/import":        {requestMedia: []string{"application/cap+xml", "application/xml"}, response: "Warning", status: "201"},
	"GET /api/v1/warnings/{id}":           {response: "Warning"},
	"PATCH /api/v1/warnings/{id}":         {request: "WarningInput", response: "Warning"},
	"GET /api/v1/warnings/{id}/history":   {response: "WarningList"},
	"POST /api/v1/warnings/{id}/approve":  {request: "WarningAction", response: "Warning"},
	"POST /api/v1/warnings/{id}/publish":  {request: "WarningAction", response: "Warning"},
	"POST /api/v1/warnings/{id}/withdraw": {request: "WarningAction", response: "Warning"},
	"POST /api/v1/warnings/{id}/update":   {request: "WarningInput", response: "Warning", status: "201"},
	"POST /api/v1/warnings/{id}/cancel":   {request: "WarningAction", response: "Warning", status: "201"},
	"POST /api/v1/warnings/{id}/forward":  {request: "WarningInput", response: "Warning", status: "201"},
	"GET /api/v1/warnings/{id}/cap.xml":   {media: []string{"application/cap+xml"}},
	"GET /api/v1/warnings/{id}/cap.json":  {response: "CAPAlert"},
}

// warningSchemas adds the area's component schemas.
func warningSchemas(schemas obj) {
	level := obj{"type": "string", "enum": []string{"red", "orange", "yellow", "blue"}}
	text := object([]string{"event", "headline", "description"}, obj{"event": str(), "headline": str(), "description": str(), "instruction": str()})
	circle := object([]string{"lon", "lat", "radius_m"}, obj{"lon": number(), "lat": number(), "radius_m": number()})
	area := object(nil, obj{
		"geometry":    obj{"oneOf": []obj{ref("Geometry"), {"type": "null"}}, "description": "GeoJSON Polygon or MultiPolygon, WGS84"},
		"circles":     arrayOf(circle),
		"divisions":   obj{"type": "array", "items": str(), "description": "division codes (GB/T 2260); a code covers everything below it"},
		"description": obj{"type": "string", "description": "CAP areaDesc; default: the division names"},
	})
	ts := func() obj { return obj{"type": []string{"string", "null"}, "format": "date-time"} }
	schemas["WarningArea"] = area
	schemas["WarningText"] = text
	schemas["Warning"] = object([]string{"id", "chain_id", "msg_type", "status", "state", "level", "urgency", "severity", "certainty", "text", "onset", "expires", "area", "division_code", "version"}, obj{
		"id": integer(), "chain_id": integer(), "msg_type": obj{"type": "string", "enum": []string{"Alert", "Update", "Cancel", "Ack", "Error"}},
		"status":   obj{"type": "string", "enum": []string{"draft", "approved", "published", "superseded", "cancelled", "imported", "withdrawn"}},
		"state":    obj{"type": "string", "description": "status at the server's clock: active, expired, cancel_sent, imported_active, imported_expired, or the status"},
		"template": str(), "level": obj{"type": "string", "enum": []string{"red", "orange", "yellow", "blue", ""}}, "category": str(), "urgency": str(), "severity": str(),
		"certainty": str(), "response_type": str(), "text": ref("WarningText"), "english": ref("WarningText"),
		"onset": dateTime(), "expires": dateTime(), "area": ref("WarningArea"), "division_code": str(), "note": str(),
		"identifier": obj{"type": "string", "description": "CAP identifier; ours are GB/T 35965.1 ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N"},
		"sender":     str(), "sent": ts(), "references": str(), "scope": str(),
		"drafted_by": integer(), "drafter": str(), "approved_by": integer(), "approver": str(), "approved_at": ts(),
		"published_by": integer(), "publisher": str(), "delivered_at": ts(), "delivery_error": str(),
		"source": obj{"type": "string", "enum": []string{"local", "import"}}, "forwarded_from": integer(), "from_alarm": integer(), "from_incident": integer(),
		"cap_url": str(), "created_at": dateTime(), "updated_at": dateTime(), "version": integer(),
	})
	schemas["WarningList"] = listOf(ref("Warning"))
	schemas["WarningInput"] = obj{"type": "object", "additionalProperties": false, "properties": obj{
		"template": obj{"type": "string", "description": "hazard template key (GET /api/v1/warnings/templates)"}, "level": level,
		"event": str(), "category": obj{"type": "string", "enum": cap.Categories}, "urgency": obj{"type": "string", "enum": cap.Urgencies[:4]},
		"certainty": obj{"type": "string", "enum": cap.Certainties[:4]}, "response_type": obj{"type": "string", "enum": cap.ResponseTypes},
		"headline": str(), "description": str(), "instruction": str(), "english": ref("WarningText"),
		"onset": dateTime(), "expires": dateTime(), "area": ref("WarningArea"), "division_code": str(), "note": str(),
		"from_alarm":    obj{"type": "integer", "description": "pre-fill level, text and area (a circle around the point) from this alarm"},
		"from_incident": obj{"type": "integer", "description": "pre-fill level (from the grade), text and area (a circle around the place, or its division) from this incident"},
		"radius_m":      obj{"type": "number", "description": "radius of the circle around the alarm's point (default 3000)"},
		"version":       obj{"type": "integer", "description": "edits: the version you read"},
	}}
	schemas["WarningAction"] = object(nil, obj{"version": obj{"type": "integer", "description": "the version you read (optional)"},
		"note": obj{"type": "string", "description": "cancel: the reason"}})
	schemas["WarningTemplateList"] = listOf(object([]string{"key", "event", "event_en", "category", "urgency", "certainty"}, obj{
		"key": str(), "event": str(), "event_en": str(), "category": str(), "urgency": str(), "certainty": str(), "response_type": str(),
		"description": str(), "description_en": str(), "instruction": str(), "instruction_en": str(), "point_kinds": arrayOf(str())}))
	schemas["CAPAlert"] = obj{"type": "object", "required": []string{"identifier", "sender", "sent", "status", "msgType", "scope"},
		"description": "a CAP 1.2 alert with the XML element names as keys; repeated elements are arrays"}
}

// warningView is a warning as the API shows it.
type warningView struct {
	*warning.Warning
	CAPURL string `json:"cap_url,omitempty"`
}

func (s *Server) viewWarning(w *warning.Warning) warningView {
	v := warningView{Warning: w}
	if w.Identifier != "" || w.Status == warning.Draft || w.Status == warning.Approved {
		v.CAPURL = fmt.Sprintf("/api/v1/warnings/%d/cap.xml", w.ID)
	}
	return v
}

func (s *Server) listWarnings(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := warning.Filter{View: q.Get("view"), Division: q.Get("division")}
	for _, l := range splitList(q.Get("level")) {
		lv, err := warning.ParseLevel(l)
		if err != nil {
			s.fail(w, r, core.Invalid("level", "%v", err))
			return
		}
		f.Levels = append(f.Levels, lv)
	}
	var err error
	if f.Limit, err = intParam(q, "limit", 100, 1, 1000); err != nil {
		s.fail(w, r, err)
		return
	}
	if f.Offset, err = intParam(q, "offset", 0, 0, 1<<30); err != nil {
		s.fail(w, r, err)
		return
	}
	ws, total, err := s.Warnings.Service.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch q.Get("format") {
	case "", "json":
	case "geojson":
		s.writeWarningFeatures(w, ws, total)
		return
	default:
		s.fail(w, r, core.Invalid("format", "%q is not json or geojson", q.Get("format")))
		return
	}
	items := make([]warningView, len(ws))
	for i, x := range ws {
		items[i] = s.viewWarning(x)
	}
	writeJSON(w, http.StatusOK, List[warningView]{Items: items, Total: total, Limit: f.Limit, Offset: f.Offset})
}

// boundary is a division's boundary, or its children's when it has none.
func (s *Server) boundary(code string) (orb.MultiPolygon, bool) {
	t := s.Regions.Tree()
	if t == nil {
		return nil, false
	}
	if mp, ok := t.Boundary(code); ok {
		return mp, true
	}
	var out orb.MultiPolygon
	for _, c := range t.Children(code) {
		if mp, ok := t.Boundary(c.Code); ok {
			out = append(out, mp...)
		}
	}
	return out, len(out) > 0
}

func (s *Server) writeWarningFeatures(w http.ResponseWriter, ws []*warning.Warning, total int) {
	fc := geojson.NewFeatureCollection()
	for _, x := range ws {
		shape := x.Area.Shape(s.boundary)
		if len(shape) == 0 {
			continue
		}
		f := geojson.NewFeature(shape)
		f.ID = x.ID
		f.Properties = geojson.Properties{"id": x.ID, "level": x.Level, "headline": x.Text.Headline, "event": x.Text.Event,
			"state": x.State, "msg_type": x.MsgType, "identifier": x.Identifier, "expires": x.Expires.Format(time.RFC3339)}
		fc.Append(f)
	}
	data, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": fc.Features, "total": total})
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, nil)
		return
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Write(data)
}

func (s *Server) draftWarning(w http.ResponseWriter, r *http.Request) {
	var in warning.Input
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	x, err := s.Warnings.Service.Draft(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.viewWarning(x))
}

func (s *Server) warningTemplates(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"items": warning.Templates, "total": len(warning.Templates)})
}

func (s *Server) getWarning(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	x, err := s.Warnings.Service.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.viewWarning(x))
}

func (s *Server) editWarning(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in warning.Input
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Version, err = ifMatch(r, in.Version); err != nil {
		s.fail(w, r, err)
		return
	}
	x, err := s.Warnings.Service.Edit(r.Context(), id, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.viewWarning(x))
}

func (s *Server) warningHistory(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ws, err := s.Warnings.Service.Chain(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]warningView, len(ws))
	for i, x := range ws {
		items[i] = s.viewWarning(x)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items)})
}

// warningAction is the optional body of approve, publish, withdraw and
// cancel.
type warningAction struct {
	Version int    `json:"version"`
	Note    string `json:"note"`
}

func (s *Server) readAction(w http.ResponseWriter, r *http.Request) (int64, warningAction, error) {
	var act warningAction
	id, err := pathID(r)
	if err != nil {
		return 0, act, err
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &act); err != nil {
			return 0, act, err
		}
	}
	act.Version, err = ifMatch(r, act.Version)
	return id, act, err
}

func (s *Server) warningStep(status int, step func(r *http.Request, id int64, act warningAction) (*warning.Warning, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, act, err := s.readAction(w, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		x, err := step(r, id, act)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, status, s.viewWarning(x))
	}
}

func (s *Server) approveWarning(w http.ResponseWriter, r *http.Request) {
	s.warningStep(http.StatusOK, func(r *http.Request, id int64, a warningAction) (*warning.Warning, error) {
		return s.Warnings.Service.Approve(r.Context(), id, a.Version)
	})(w, r)
}

func (s *Server) publishWarning(w http.ResponseWriter, r *http.Request) {
	s.warningStep(http.StatusOK, func(r *http.Request, id int64, a warningAction) (*warning.Warning, error) {
		return s.Warnings.Service.Publish(r.Context(), id, a.Version)
	})(w, r)
}

func (s *Server) withdrawWarning(w http.ResponseWriter, r *http.Request) {
	s.warningStep(http.StatusOK, func(r *http.Request, id int64, a warningAction) (*warning.Warning, error) {
		return s.Warnings.Service.Withdraw(r.Context(), id, a.Version)
	})(w, r)
}

func (s *Server) cancelWarning(w http.ResponseWriter, r *http.Request) {
	s.warningStep(http.StatusCreated, func(r *http.Request, id int64, a warningAction) (*warning.Warning, error) {
		return s.Warnings.Service.Cancel(r.Context(), id, a.Note)
	})(w, r)
}

func (s *Server) inputStep(step func(r *http.Request, id int64, in warning.Input) (*warning.Warning, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var in warning.Input
		if r.ContentLength != 0 {
			if err := decodeJSON(w, r, &in); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		x, err := step(r, id, in)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, s.viewWarning(x))
	}
}

func (s *Server) updateWarning(w http.ResponseWriter, r *http.Request) {
	s.inputStep(func(r *http.Request, id int64, in warning.Input) (*warning.Warning, error) {
		return s.Warnings.Service.Update(r.Context(), id, in)
	})(w, r)
}

func (s *Server) forwardWarning(w http.ResponseWriter, r *http.Request) {
	s.inputStep(func(r *http.Request, id int64, in warning.Input) (*warning.Warning, error) {
		return s.Warnings.Service.Forward(r.Context(), id, in)
	})(w, r)
}

func (s *Server) importWarning(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/cap+xml" && mt != "application/xml" && mt != "text/xml" {
		s.fail(w, r, core.Invalid("Content-Type", "%q: send the CAP message as application/cap+xml or application/xml", mt))
		return
	}
	body, err := readBody(w, r, 2<<20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	x, created, err := s.Warnings.Service.Import(r.Context(), body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !created {
		s.fail(w, r, core.Errorf(core.ECONFLICT, "this message (sender %s, identifier %s) is already held as warning %d", x.Sender, x.Identifier, x.ID))
		return
	}
	writeJSON(w, http.StatusCreated, s.viewWarning(x))
}

// publicAlert returns the warning for the CAP routes: a message we
// published with scope Public is readable by anyone (public alerts are
// public, as on alert hubs); anything else needs warnings.read and the
// reader's scope.
func (s *Server) publicAlert(w http.ResponseWriter, r *http.Request) (*warning.Warning, bool) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	sys := core.WithActor(r.Context(), core.SystemActor)
	x, err := s.Warnings.Service.Get(sys, id)
	if err == nil && x.Source == "local" && x.Scope == "Public" && len(x.CAP) > 0 {
		return x, true
	}
	actor, token, _, aerr := s.authenticate(r)
	if aerr != nil {
		// strangers learn nothing about drafts and imports.
		s.fail(w, r, core.Errorf(core.ENOTFOUND, "no published public alert %d; sign in to see drafts and imported messages", id))
		return nil, false
	}
	if !auth.Can(actor.Role, auth.WarningsRead) || !auth.TokenAllows(token, auth.WarningsRead, r.Method) {
		s.fail(w, r, core.Errorf(core.EFORBIDDEN, "the %s role (or the token's scopes) may not read warnings", actor.Role))
		return nil, false
	}
	x, err = s.Warnings.Service.Get(core.WithActor(r.Context(), actor), id)
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return x, true
}

// alertOf is the CAP message of a warning: as sent or received, or for a
// draft a preview with status Draft.
func (s *Server) alertOf(x *warning.Warning) ([]byte, error) {
	if len(x.CAP) > 0 {
		return x.CAP, nil
	}
	preview := *x
	now := s.Warnings.Service.Now().Truncate(time.Second)
	preview.Identifier, preview.Sender, preview.Sent = fmt.Sprintf("draft-%d-v%d", x.ID, x.Version), s.Warnings.Service.Sender, &now
	a := s.Warnings.Service.Alert(&preview)
	a.Status = "Draft"
	return cap.Encode(a)
}

func (s *Server) warningCAPXML(w http.ResponseWriter, r *http.Request) {
	x, ok := s.publicAlert(w, r)
	if !ok {
		return
	}
	data, err := s.alertOf(x)
	if err != nil {
		s.fail(w, r, fmt.Errorf("warning %d: CAP: %w", x.ID, err))
		return
	}
	w.Header().Set("Content-Type", "application/cap+xml")
	w.Write(data)
}

func (s *Server) warningCAPJSON(w http.ResponseWriter, r *http.Request) {
	x, ok := s.publicAlert(w, r)
	if !ok {
		return
	}
	data, err := s.alertOf(x)
	if err != nil {
		s.fail(w, r, fmt.Errorf("warning %d: CAP: %w", x.ID, err))
		return
	}
	a, err := cap.Decode(data)
	if err != nil {
		s.fail(w, r, fmt.Errorf("warning %d: stored CAP: %w", x.ID, err))
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) warningFeed(w http.ResponseWriter, r *http.Request) {
	sys := core.WithActor(r.Context(), core.SystemActor)
	ws, _, err := s.Warnings.Service.List(sys, warning.Filter{View: "active", Limit: 1000})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	public := ws[:0]
	for _, x := range ws {
		if x.Scope == "Public" {
			public = append(public, x)
		}
	}
	base := s.Warnings.BaseURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	data, err := s.Warnings.Service.Atom(public, strings.TrimRight(base, "/"), s.Warnings.Service.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml")
	w.Write(data)
}
