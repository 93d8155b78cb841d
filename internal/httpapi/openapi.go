package httpapi

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/registry"
)

// The OpenAPI 3.1 document is built from the route table and the registry
// kinds, so that it cannot miss an endpoint or a field; tests validate real
// responses against it.

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func str() obj              { return obj{"type": "string"} }
func integer() obj          { return obj{"type": "integer"} }
func number() obj           { return obj{"type": "number"} }
func nullable(t string) obj { return obj{"type": []string{t, "null"}} }
func arrayOf(items obj) obj { return obj{"type": "array", "items": items} }
func dateTime() obj         { return obj{"type": "string", "format": "date-time"} }

func object(required []string, props obj) obj {
	o := obj{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func listOf(item obj) obj {
	return object([]string{"items", "total"}, obj{"items": arrayOf(item), "total": integer(), "limit": integer(), "offset": integer()})
}

func enumOf(opts []registry.Option) obj {
	return obj{"type": "string", "enum": registry.Values(opts)}
}

// fieldSchema is the JSON Schema of a type-specific field.
func fieldSchema(f registry.Field) obj {
	var s obj
	switch f.Type {
	case registry.Int:
		s = integer()
	case registry.Float:
		s = number()
	case registry.Bool:
		s = obj{"type": "boolean"}
	case registry.Enum:
		s = obj{"type": "string", "enum": f.Enum}
	case registry.Strings:
		item := str()
		if len(f.Enum) > 0 {
			item = obj{"type": "string", "enum": f.Enum}
		}
		s = arrayOf(item)
	case registry.Contacts:
		s = arrayOf(ref("Contact"))
	case registry.Substances:
		s = arrayOf(ref("Substance"))
	case registry.Stock:
		s = arrayOf(ref("StockLine"))
	default:
		s = str()
	}
	if f.Min != nil {
		s["minimum"] = *f.Min
	}
	if f.Max != nil {
		s["maximum"] = *f.Max
	}
	desc := f.Label + " / " + f.LabelEn
	if f.Unit != "" {
		desc += " (" + f.Unit + ")"
	}
	if len(f.Categories) > 0 {
		desc += "; only for " + strings.Join(f.Categories, ", ")
	}
	s["description"] = desc
	return s
}

func kindSchemas(k *registry.Kind, schemas obj) {
	name := schemaName(k)
	props := obj{
		"id": integer(), "registry_kind": obj{"type": "string", "const": k.Name}, "code": obj{"type": "string", "description": k.CodeLabel},
		"name": str(), k.CategoryField: enumOf(k.Categories), "status": enumOf(k.Statuses),
		"division_code": str(), "owner_id": nullable("integer"), "enterprise_id": nullable("integer"),
		"geometry": ref("Geometry"), "lon": number(), "lat": number(),
		"created_at": dateTime(), "updated_at": dateTime(), "version": integer(),
	}
	input := obj{
		"code": props["code"], "name": str(), k.CategoryField: props[k.CategoryField], "status": props["status"],
		"division_code": obj{"type": "string", "description": "derived from the location when left out"},
		"owner_id":      nullable("integer"), "geometry": ref("Geometry"), "version": obj{"type": "integer", "description": "optimistic lock: the version you read"},
		"crs": obj{"type": "string", "enum": []string{"wgs84", "gcj02", "bd09"}, "description": "coordinate system of geometry; default wgs84"},
	}
	for _, f := range k.Fields {
		props[f.Name] = fieldSchema(f)
		input[f.Name] = fieldSchema(f)
		input[f.Name].(obj)["type"] = []any{input[f.Name].(obj)["type"], "null"}
	}
	out := object([]string{"id", "registry_kind", "code", "name", k.CategoryField, "status", "division_code", "geometry", "version"}, props)
	out["additionalProperties"] = false
	out["description"] = k.Label + " / " + k.LabelEn
	schemas[name] = out
	in := object(nil, input)
	in["additionalProperties"] = false
	schemas[name+"Input"] = in
	schemas[name+"List"] = listOf(ref(name))
}

func schemaName(k *registry.Kind) string {
	parts := strings.Split(k.Name, "_")
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.Join(parts, "")
}

func commonSchemas() obj {
	division := object([]string{"code", "name", "level", "parent_code"}, obj{
		"code": str(), "name": str(), "level": obj{"type": "string", "enum": []string{"province", "city", "county", "township", "village"}},
		"parent_code": str(), "center": obj{"type": "array", "items": number(), "minItems": 2, "maxItems": 2}, "has_boundary": obj{"type": "boolean"},
	})
	user := object([]string{"id", "username", "role", "division_code"}, obj{
		"id": integer(), "username": str(), "display_name": str(), "role": str(), "division_code": str(),
		"enterprise_id": integer(), "disabled": obj{"type": "boolean"}, "created_at": dateTime(), "updated_at": dateTime(), "password_changed_at": dateTime(),
	})
	token := object([]string{"id", "kind", "created_at", "expires_at"}, obj{
		"id": integer(), "user_id": integer(), "kind": obj{"type": "string", "enum": []string{auth.SessionToken, auth.APIToken}}, "name": str(),
		"scopes":     obj{"type": "array", "items": str(), "description": "an API token's permissions ('*': issued before scopes, the whole role); absent for sessions"},
		"created_at": dateTime(), "expires_at": dateTime(), "last_used_at": dateTime(),
	})
	entry := object([]string{"seq", "at", "actor", "action", "entity", "entity_id", "prev_hash", "hash"}, obj{
		"seq": integer(), "at": dateTime(), "actor_id": integer(), "actor": str(), "action": str(), "entity": str(), "entity_id": str(),
		"division_code": str(), "before": obj{}, "after": obj{}, "prev_hash": str(), "hash": str(),
		"alg": obj{"type": "string", "enum": []string{"sha256", "sm3"}},
	})
	feature := object([]string{"type", "geometry", "properties"}, obj{
		"type": obj{"type": "string", "const": "Feature"}, "id": obj{"type": []string{"integer", "string"}},
		"geometry": ref("Geometry"), "properties": obj{"type": "object"},
	})
	return obj{
		"Problem": object([]string{"type", "title", "status", "code", "detail"}, obj{
			"type": str(), "title": str(), "status": integer(), "code": obj{"type": "string", "enum": []string{"invalid", "not_found", "conflict", "unauthorized", "forbidden", "internal", "unavailable", "too_large", "rate_limited", "timeout"}},
			"detail": str(), "errors": arrayOf(ref("FieldError")),
			"limit": obj{"type": "string", "description": "the limit a 408 (body time), 413 (a size) or 429 (login, ingest, api) answer hit"},
		}),
		"FieldError": object([]string{"field", "message"}, obj{"row": integer(), "field": str(), "message": str()}),
		"Geometry": object([]string{"type", "coordinates"}, obj{
			"type":        obj{"type": "string", "enum": []string{"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}},
			"coordinates": obj{"type": "array", "description": "GeoJSON positions, WGS84 lon/lat"},
		}),
		"FeatureCollection": object([]string{"type", "features"}, obj{
			"type": obj{"type": "string", "const": "FeatureCollection"}, "features": arrayOf(feature), "total": integer(),
		}),
		"Contact":      object([]string{"name", "phone"}, obj{"name": str(), "role": str(), "phone": str()}),
		"Substance":    object([]string{"name", "quantity_t"}, obj{"name": str(), "cas": str(), "quantity_t": number()}),
		"StockLine":    object([]string{"item", "quantity", "unit"}, obj{"item": str(), "quantity": number(), "unit": str()}),
		"Division":     division,
		"DivisionList": listOf(ref("Division")),
		"Locate": object([]string{"lon", "lat", "division", "ancestors"}, obj{
			"lon": number(), "lat": number(), "division": ref("Division"), "ancestors": arrayOf(ref("Division")),
		}),
		"ImportResult":   object([]string{"created", "ids"}, obj{"created": integer(), "ids": arrayOf(integer())}),
		"DivisionImport": object([]string{"inserted", "updated"}, obj{"inserted": integer(), "updated": integer()}),
		"LoginRequest":   object([]string{"username", "password"}, obj{"username": str(), "password": obj{"type": "string", "format": "password"}}),
		"LoginResponse":  object([]string{"token", "expires_at", "user"}, obj{"token": str(), "expires_at": dateTime(), "user": ref("User")}),
		"User":           user,
		"UserList":       listOf(ref("User")),
		"UserInput": object(nil, obj{"username": str(), "display_name": str(), "password": obj{"type": "string", "format": "password"},
			"role": str(), "division_code": str(), "enterprise_id": integer(), "disabled": obj{"type": "boolean"}}),
		"Me":        object([]string{"user", "permissions"}, obj{"user": ref("User"), "permissions": arrayOf(str())}),
		"Token":     token,
		"TokenList": listOf(ref("Token")),
		"TokenRequest": object([]string{"name", "scopes"}, obj{"name": str(), "days": obj{"type": "integer", "minimum": 1, "maximum": 366, "description": "default 90"},
			"scopes": obj{"type": "array", "items": str(), "minItems": 1, "description": "permissions of your role the token may use (GET /api/v1/auth/me lists them)"}}),
		"NewToken": object([]string{"id", "token", "name", "kind", "scopes", "expires_at"}, obj{"id": integer(), "user_id": integer(), "token": obj{"type": "string", "description": "shown this once"},
			"name": str(), "kind": str(), "scopes": arrayOf(str()), "created_at": dateTime(), "expires_at": dateTime(), "last_used_at": dateTime()}),
		"RoleList": listOf(object([]string{"name", "permissions"}, obj{"name": str(), "label": str(), "label_en": str(), "permissions": arrayOf(str())})),
		"AuditList": object([]string{"items", "total"}, obj{"items": arrayOf(entry), "total": integer(),
			"next_before_seq": integer(), "next_after_seq": integer()}),
		"KindList":       listOf(obj{"type": "object"}),
		"Status":         object([]string{"status"}, obj{"status": str(), "database": str()}),
		"Rejection":      object([]string{"reason", "detail"}, obj{"reason": str(), "point": str(), "detail": str()}),
		"IngestResponse": object([]string{"accepted", "rejected"}, obj{"accepted": integer(), "rejected": arrayOf(ref("Rejection"))}),
		"IngestPayload": obj{"description": "one reading {point, ts, value, unit, quality} or a batch {ts, readings: [...]}; ts is RFC 3339 or Unix ms",
			"type": "object", "properties": obj{"point": str(), "ts": obj{"type": []string{"string", "integer"}}, "value": number(), "unit": str(),
				"quality": obj{"type": []string{"string", "integer"}}, "readings": arrayOf(obj{"type": "object"})}},
		"RejectionList": object([]string{"items", "total", "counts"}, obj{"items": arrayOf(object([]string{"id", "at", "device", "reason", "detail", "raw"}, obj{
			"id": integer(), "at": dateTime(), "device": str(), "transport": str(), "reason": str(), "point": str(), "detail": str(), "raw": str()})),
			"total": integer(), "counts": obj{"type": "object", "additionalProperties": integer()}}),
		"Device": object([]string{"id", "code", "name", "owner_id", "division_code", "disabled"}, obj{"id": integer(), "code": str(), "name": str(),
			"owner_id": integer(), "division_code": str(), "enterprise_id": integer(), "disabled": obj{"type": "boolean"},
			"created_at": dateTime(), "updated_at": dateTime(), "secret": obj{"type": "string", "description": "shown once, when issued or rotated"}}),
		"DeviceList": listOf(ref("Device")),
		"MessageList": listOf(object([]string{"id", "at", "tier", "division_code", "title"}, obj{"id": integer(), "at": dateTime(), "tier": str(),
			"division_code": str(), "enterprise_id": integer(), "alarm_id": integer(), "title": str(), "body": str()})),
		"DeviceInput": object(nil, obj{"code": str(), "name": str(), "owner_id": integer(), "disabled": obj{"type": "boolean"}, "rotate_secret": obj{"type": "boolean"}}),
		"Alarm": object([]string{"id", "point", "rule", "level", "state", "raised_at"}, obj{
			"id": integer(), "point_id": integer(), "point": str(), "point_name": str(), "point_kind": str(), "rule": str(), "kind": str(),
			"level": obj{"type": "string", "enum": []string{"red", "orange", "yellow", "blue"}}, "max_level": str(),
			"state": obj{"type": "string", "enum": []string{"raised", "acknowledged", "disposing", "closed"}},
			"value": number(), "unit": str(), "message": str(), "recovered": obj{"type": "boolean"}, "division_code": str(), "enterprise_id": integer(),
			"industry": str(), "tier": integer(), "tier_name": str(), "ack_deadline": dateTime(), "overdue": obj{"type": "boolean"},
			"raised_at": dateTime(), "updated_at": dateTime(), "acknowledged_at": dateTime(), "recovered_at": dateTime(), "closed_at": dateTime(),
			"feedback": object(nil, obj{"found": str(), "measures": str()}), "version": integer(),
			"events": arrayOf(object([]string{"at", "action", "actor"}, obj{"at": dateTime(), "action": str(), "actor": str(), "from_level": str(), "to_level": str(),
				"from_state": str(), "to_state": str(), "tier": integer(), "value": number(), "note": str()})),
		}),
		"AlarmList": listOf(ref("Alarm")),
		"AlarmAction": object([]string{"action"}, obj{"action": obj{"type": "string", "enum": []string{"acknowledge", "dispose", "close"}}, "note": str(),
			"feedback": object([]string{"found", "measures"}, obj{"found": str(), "measures": str()})}),
		"Series": object([]string{"point", "unit", "resolution", "items"}, obj{"point": str(), "unit": str(), "resolution": obj{"type": "string", "enum": []string{"raw", "1m", "1h"}},
			"from": dateTime(), "to": dateTime(), "items": arrayOf(ref("SeriesPoint")), "latest": ref("SeriesPoint")}),
		"SeriesPoint": object([]string{"ts"}, obj{"ts": dateTime(), "value": number(), "min": number(), "max": number(), "mean": number(), "count": integer()}),
		"PointRules":  object([]string{"point", "overridden", "rules"}, obj{"point": str(), "overridden": obj{"type": "boolean"}, "rules": arrayOf(obj{"type": "object"})}),
		"RulesInput":  object([]string{"rules"}, obj{"rules": obj{"type": []string{"array", "null"}, "items": obj{"type": "object"}}}),
		"Version":     object([]string{"version"}, obj{"version": str()}),
	}
}

func response(desc string, schema obj) obj {
	r := obj{"description": desc}
	if schema != nil {
		r["content"] = obj{"application/json": obj{"schema": schema}}
	}
	return r
}

func problem(desc string) obj {
	return obj{"description": desc, "content": obj{"application/problem+json": obj{"schema": ref("Problem")}}}
}

func query(name, desc string, schema obj) obj {
	return obj{"name": name, "in": "query", "description": desc, "schema": schema}
}

// opSpec says what a static route takes and returns.
type opSpec struct {
	request  string
	response string
	status   string
	query    []obj
	// geojson: the route can also answer a FeatureCollection.
	geojson bool
	// stream: the route answers Server-Sent Events.
	stream bool
	// media: the route answers these media types (no JSON schema);
	// requestMedia: it takes a body of these.
	media, requestMedia []string
	// csv: the route can also answer text/csv.
	csv bool
	// upload lists raw request media types (a file upload); download is
	// the raw media type of the response (a file).
	upload   []string
	download string
	// body, when set, is the request body's content by media type
	// (uploads); content, the success response's (downloads).
	body, content obj
	// more are further responses by status.
	more obj
}

var staticOps = map[string]opSpec{
	"GET /healthz":                           {response: "Status"},
	"GET /readyz":                            {response: "Status"},
	"GET /api/v1/openapi.json":               {response: ""},
	"GET /api/v1/version":                    {response: "Version"},
	"POST /api/v1/auth/login":                {request: "LoginRequest", response: "LoginResponse", more: obj{"202": response("a second factor is needed (mfa.go)", ref("MFAChallenge"))}},
	"POST /api/v1/auth/logout":               {status: "204"},
	"GET /api/v1/auth/me":                    {response: "Me"},
	"GET /api/v1/auth/tokens":                {response: "TokenList"},
	"POST /api/v1/auth/tokens":               {request: "TokenRequest", response: "NewToken", status: "201"},
	"DELETE /api/v1/auth/tokens/{id}":        {status: "204"},
	"GET /api/v1/users":                      {response: "UserList"},
	"POST /api/v1/users":                     {request: "UserInput", response: "User", status: "201"},
	"GET /api/v1/users/{id}":                 {response: "User"},
	"PATCH /api/v1/users/{id}":               {request: "UserInput", response: "User"},
	"GET /api/v1/roles":                      {response: "RoleList"},
	"GET /api/v1/registry/kinds":             {response: "KindList"},
	"POST /api/v1/divisions/import":          {response: "DivisionImport"},
	"GET /api/v1/divisions/{code}":           {response: "Division"},
	"GET /api/v1/divisions/{code}/children":  {response: "DivisionList"},
	"GET /api/v1/divisions/{code}/ancestors": {response: "DivisionList"},
	"GET /api/v1/divisions/locate": {response: "Locate", query: []obj{
		query("lon", "longitude", number()), query("lat", "latitude", number()), query("crs", "wgs84 (default), gcj02 or bd09", str())}},
	"GET /api/v1/divisions": {response: "DivisionList", geojson: true, query: []obj{
		query("level", "province, city, county, township or village", str()), query("parent", "only divisions below this code", str()),
		query("format", "geojson: boundaries as a FeatureCollection", str())}},
}

var perceptionOps = map[string]opSpec{
	"POST /api/v1/ingest":                        {request: "IngestPayload", response: "IngestResponse"},
	"GET /api/v1/ingest/rejections":              {response: "RejectionList", query: []obj{query("reason", "", str()), query("device", "", str()), query("limit", "", integer())}},
	"GET /api/v1/devices":                        {response: "DeviceList"},
	"GET /api/v1/notifications":                  {response: "MessageList", query: []obj{query("limit", "", integer())}},
	"POST /api/v1/devices":                       {request: "DeviceInput", response: "Device", status: "201"},
	"PATCH /api/v1/devices/{id}":                 {request: "DeviceInput", response: "Device"},
	"GET /api/v1/alarms/{id}":                    {response: "Alarm"},
	"POST /api/v1/alarms/{id}/actions":           {request: "AlarmAction", response: "Alarm"},
	"GET /api/v1/monitoring-points/{code}/rules": {response: "PointRules"},
	"PUT /api/v1/monitoring-points/{code}/rules": {request: "RulesInput", response: "PointRules"},
	"GET /api/v1/monitoring-points/{code}/readings": {response: "Series", query: []obj{query("from", "RFC 3339 or Unix ms (default: 24 h before to)", str()),
		query("to", "RFC 3339 or Unix ms (default: now)", str()), query("step", "raw, 1m or 1h (default by the range)", str())}},
	"GET /api/v1/alarms": {response: "AlarmList", query: []obj{query("state", "open, raised, acknowledged, disposing, closed (comma-separated)", str()),
		query("level", "red, orange, yellow, blue (comma-separated)", str()), query("division", "", str()), query("industry", "", str()),
		query("enterprise_id", "", integer()), query("point_id", "", integer()), query("overdue", "true for overdue only", str()),
		query("from", "raised at or after", str()), query("to", "raised before", str()), query("limit", "", integer()), query("offset", "", integer())}},
	"GET /api/v1/events": {response: "", stream: true, query: []obj{query("types", "alarm, latest (default both)", str()), query("division", "", str())}},
}

func init() {
	for _, ops := range []map[string]opSpec{perceptionOps, incidentOps, warningOps, supervisionOps, ledgerOps, recipientOps, modelOps, dutyOps, mfaOps, tokenOps, ssoOps, keyOps, auditOps} {
		for k, v := range ops {
			if _, dup := staticOps[k]; dup {
				panic("httpapi: route " + k + " is described twice")
			}
			staticOps[k] = v
		}
	}
}

var pathParam = regexp.MustCompile(`\{(\w+)\}`)

func (s *Server) operation(rt Route) obj {
	op := obj{"summary": rt.Summary, "operationId": strings.ToLower(rt.Method) + pathParam.ReplaceAllString(strings.ReplaceAll(rt.Pattern, "/", "_"), "by_$1")}
	var params []obj
	for _, m := range pathParam.FindAllStringSubmatch(rt.Pattern, -1) {
		schema := str()
		if m[1] == "id" {
			schema = integer()
		}
		params = append(params, obj{"name": m[1], "in": "path", "required": true, "schema": schema})
	}
	responses := obj{}
	if rt.Pattern == "/api/v1/ingest" {
		op["security"] = []obj{{"device": []string{}}}
		responses["401"] = problem("unknown device or wrong secret")
	}
	if rt.Permission != "" {
		op["security"] = []obj{{"bearer": []string{}}, {"cookie": []string{}}}
		responses["401"] = problem("not signed in")
		responses["403"] = problem("the role lacks permission " + string(rt.Permission) + ", or the record is outside your area")
	}
	if rateLimited(rt) {
		responses["429"] = problem("a rate limit was reached (--rate-*); the Retry-After header says when to try again")
	}
	responses["default"] = problem("error")
	key := rt.Method + " " + rt.Pattern
	if spec, ok := staticOps[key]; ok {
		params = append(params, spec.query...)
		if spec.request != "" {
			op["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": ref(spec.request)}}}
		}
		if len(spec.requestMedia) > 0 {
			content := obj{}
			for _, m := range spec.requestMedia {
				content[m] = obj{"schema": str()}
			}
			op["requestBody"] = obj{"required": true, "content": content}
		}
		if len(spec.upload) > 0 {
			content := obj{}
			for _, t := range spec.upload {
				content[t] = obj{"schema": obj{"type": "string", "format": "binary"}}
			}
			op["requestBody"] = obj{"required": true, "content": content}
		}
		if spec.body != nil {
			op["requestBody"] = obj{"required": true, "content": spec.body}
		}
		if key == "POST /api/v1/divisions/import" {
			op["requestBody"] = obj{"required": true, "content": obj{"text/csv": obj{"schema": str()}, "multipart/form-data": obj{"schema": object([]string{"csv"}, obj{"csv": str(), "boundaries": str()})}}}
		}
		status := spec.status
		if status == "" {
			status = "200"
		}
		switch {
		case status == "204":
			responses[status] = obj{"description": "done"}
		case spec.download != "":
			responses[status] = obj{"description": "the file", "content": obj{spec.download: obj{"schema": obj{"type": "string", "format": "binary"}}}}
		case spec.stream:
			responses[status] = obj{"description": "an event stream", "content": obj{"text/event-stream": obj{"schema": str()}}}
		case len(spec.media) > 0:
			content := obj{}
			for _, m := range spec.media {
				content[m] = obj{}
			}
			responses[status] = obj{"description": "the document", "content": content}
		case spec.content != nil:
			responses[status] = obj{"description": "success", "content": spec.content}
		case spec.response == "":
			responses[status] = response("the document", obj{"type": "object"})
		default:
			responses[status] = response("success", ref(spec.response))
		}
		if spec.geojson {
			responses[status].(obj)["content"].(obj)["application/geo+json"] = obj{"schema": ref("FeatureCollection")}
		}
		if spec.csv {
			responses[status].(obj)["content"].(obj)["text/csv"] = obj{"schema": str()}
			responses[status].(obj)["content"].(obj)[xlsxType] = obj{"schema": obj{"type": "string", "format": "binary"}}
		}
		for st, r := range spec.more {
			responses[st] = r
		}
	} else if k, ok := kindOfPattern(rt.Pattern); ok {
		s.kindOperation(rt, k, op, &params, responses)
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	op["responses"] = responses
	return op
}

func kindOfPattern(p string) (*registry.Kind, bool) {
	rest, ok := strings.CutPrefix(p, "/api/v1/")
	if !ok {
		return nil, false
	}
	return registry.KindAt(strings.SplitN(rest, "/", 2)[0])
}

func (s *Server) kindOperation(rt Route, k *registry.Kind, op obj, params *[]obj, responses obj) {
	name := schemaName(k)
	switch {
	case rt.Method == "GET" && !strings.Contains(rt.Pattern, "{id}"):
		*params = append(*params,
			query("limit", "page size (1–5000, default 100)", integer()), query("offset", "records to skip", integer()),
			query("division", "this division and all below it", str()), query("bbox", "minLon,minLat,maxLon,maxLat", str()),
			query("crs", "system of bbox: wgs84, gcj02, bd09", str()),
			query(k.CategoryField, "comma-separated: "+strings.Join(registry.Values(k.Categories), ", "), str()),
			query("type", "same as "+k.CategoryField, str()),
			query("status", "comma-separated: "+strings.Join(registry.Values(k.Statuses), ", "), str()),
			query("q", "free text over code, name and address", str()), query("owner_id", "", integer()), query("enterprise_id", "", integer()),
			query("sort", "id, name, code, created_at, updated_at; '-' for descending", str()),
			query("format", "json (default), geojson or csv", str()))
		responses["200"] = obj{"description": "one page", "content": obj{
			"application/json":     obj{"schema": ref(name + "List")},
			"application/geo+json": obj{"schema": ref("FeatureCollection")},
			"text/csv":             obj{"schema": str()},
		}}
	case rt.Method == "GET":
		responses["200"] = response("the record", ref(name))
	case rt.Method == "POST" && strings.HasSuffix(rt.Pattern, "/import"):
		*params = append(*params, query("crs", "system of rows that do not say their own", str()))
		op["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": obj{"oneOf": []obj{arrayOf(ref(name + "Input")), ref("FeatureCollection")}}}}}
		responses["201"] = response("all stored", ref("ImportResult"))
	case rt.Method == "POST":
		op["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": ref(name + "Input")}}}
		responses["201"] = response("created", ref(name))
	case rt.Method == "PATCH":
		*params = append(*params, obj{"name": "If-Match", "in": "header", "schema": str(), "description": "the version you read"})
		op["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": ref(name + "Input")}}}
		responses["200"] = response("changed", ref(name))
	case rt.Method == "DELETE":
		responses["204"] = obj{"description": "deleted"}
	}
}

// Document returns the OpenAPI document.
func (s *Server) Document() obj {
	schemas := commonSchemas()
	for _, k := range registry.Kinds() {
		kindSchemas(k, schemas)
	}
	// Each area adds its own schemas; a name defined twice would silently
	// replace another area's schema, so it is refused.
	for _, add := range []func(obj){incidentSchemas, warningSchemas, supervisionSchemas, ledgerSchemas, recipientSchemas, modelSchemas, dutySchemas, mfaSchemas, keySchemas, auditSchemas} {
		part := obj{}
		add(part)
		for name, v := range part {
			if _, dup := schemas[name]; dup {
				panic("httpapi: OpenAPI schema " + name + " is defined twice")
			}
			schemas[name] = v
		}
	}
	paths := obj{}
	for _, rt := range s.routes {
		item, _ := paths[rt.Pattern].(obj)
		if item == nil {
			item = obj{}
			paths[rt.Pattern] = item
		}
		item[strings.ToLower(rt.Method)] = s.operation(rt)
	}
	return obj{
		"openapi": "3.1.0",
		"info": obj{"title": "Yingji (应急) API", "version": s.Version,
			"description": "Smart emergency-management platform. JSON under /api/v1; errors are RFC 9457 problem+json with a stable code; geometry is GeoJSON in WGS84; times are UTC RFC 3339."},
		"servers": []obj{{"url": "/"}},
		"paths":   paths,
		"components": obj{
			"schemas": schemas,
			"securitySchemes": obj{
				"bearer": obj{"type": "http", "scheme": "bearer", "description": "a session token from /api/v1/auth/login or an API token"},
				"cookie": obj{"type": "apiKey", "in": "cookie", "name": SessionCookie},
				"device": obj{"type": "http", "scheme": "basic", "description": "a device's code and secret"},
			},
		},
	}
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	s.docOnce.Do(func() { s.docJSON, _ = json.MarshalIndent(s.Document(), "", "  ") })
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.docJSON)
}
