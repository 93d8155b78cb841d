package httpapi

func incNullArray(items obj) obj { return obj{"type": []string{"array", "null"}, "items": items} }
func incBool() obj               { return obj{"type": "boolean"} }
func incCount() obj              { return obj{"type": "integer", "minimum": 0} }

// incidentOps say what each incident route takes and returns.
var incidentOps = map[string]opSpec{
	"POST /api/v1/incidents/grade": {request: "GradeRequest", response: "Grading"},
	"POST /api/v1/incidents/check": {request: "IncidentInput", response: "IncidentCheck"},
	"GET /api/v1/incidents": {response: "IncidentList", geojson: true, query: []obj{
		query("status", "open, closed, merged (comma-separated)", str()), query("level", "1 (特别重大) … 4 (一般), comma-separated", str()),
		query("division", "this division and all below it", str()), query("category", "natural, accident, health, social", str()),
		query("type", "this event type and those below it", str()), query("overdue", "true: only incidents with a reporting clock past due", str()),
		query("from", "occurred at or after (RFC 3339 or Unix ms)", str()), query("to", "occurred before", str()),
		query("q", "number, title or address contains", str()), query("limit", "page size (1–5000, default 100)", integer()),
		query("offset", "", integer()), query("format", "json (default) or geojson", str())}},
	"POST /api/v1/incidents":                             {request: "IncidentInput", response: "Incident", status: "201"},
	"GET /api/v1/incidents/{id}":                         {response: "Incident"},
	"PATCH /api/v1/incidents/{id}":                       {request: "IncidentInput", response: "Incident"},
	"POST /api/v1/incidents/{id}/upward":                 {request: "UpwardReport", response: "Incident"},
	"POST /api/v1/incidents/{id}/merge":                  {request: "MergeRequest", response: "Incident"},
	"POST /api/v1/incidents/{id}/close":                  {request: "Closure", response: "Incident"},
	"PUT /api/v1/incidents/{id}/review":                  {request: "ReviewInput", response: "Incident"},
	"GET /api/v1/incidents/{id}/plans":                   {response: "SuggestionList"},
	"POST /api/v1/incidents/{id}/activate":               {request: "Activation", response: "Incident"},
	"POST /api/v1/incidents/{id}/tasks":                  {request: "TaskInput", response: "Task", status: "201"},
	"PATCH /api/v1/incidents/{id}/tasks/{task}":          {request: "TaskInput", response: "Task"},
	"POST /api/v1/incidents/{id}/notes":                  {request: "Note", response: "TimelineEvent", status: "201"},
	"GET /api/v1/incidents/{id}/timeline":                {response: "Timeline"},
	"GET /api/v1/incidents/{id}/timeline.csv":            {media: []string{"text/csv"}},
	"POST /api/v1/incidents/{id}/dispatches":             {request: "DispatchOrder", response: "Dispatch", status: "201"},
	"PATCH /api/v1/incidents/{id}/dispatches/{dispatch}": {request: "DispatchChange", response: "Dispatch"},
	"GET /api/v1/incidents/{id}/resources": {response: "NearestList", query: []obj{
		query("kind", "team, warehouse, expert or shelter", str()), query("tags", "team types or expert specialties (any of, comma-separated)", str()),
		query("needs", "warehouses: item:quantity pairs, e.g. 帐篷:100,棉被:200", str()), query("free", "shelters: at least this many free places", integer()),
		query("max_km", "straight-line limit", number()), query("limit", "1–100, default 10", integer())}},
	"POST /api/v1/incidents/{id}/reports":                  {request: "ReportInput", response: "SituationReport", status: "201"},
	"GET /api/v1/incidents/{id}/reports/{report}":          {response: "SituationReport"},
	"GET /api/v1/incidents/{id}/reports/{report}/pdf":      {media: []string{"application/pdf"}},
	"GET /api/v1/incidents/{id}/reports/{report}/docx":     {media: []string{"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}},
	"PATCH /api/v1/incidents/{id}/reports/{report}":        {request: "ReportInput", response: "SituationReport"},
	"POST /api/v1/incidents/{id}/reports/{report}/submit":  {request: "VersionOnly", response: "SituationReport"},
	"POST /api/v1/incidents/{id}/reports/{report}/approve": {request: "VersionOnly", response: "SituationReport"},
	"POST /api/v1/incidents/{id}/reports/{report}/reject":  {request: "VersionOnly", response: "SituationReport"},
	"POST /api/v1/incidents/{id}/reports/{report}/publish": {request: "VersionOnly", response: "SituationReport"},
	"POST /api/v1/incidents/{id}/attachments":              {response: "Attachment", status: "201", requestMedia: []string{"multipart/form-data"}},
	"GET /api/v1/incidents/{id}/attachments/{attachment}":  {media: []string{"*/*"}},
	"GET /api/v1/incident-types":                           {response: "EventTypeList"},
	"PUT /api/v1/incident-types/{code}":                    {request: "EventType", response: "EventType"},
	"GET /api/v1/plans":                                    {response: "PlanList"},
	"POST /api/v1/plans":                                   {request: "Plan", response: "Plan", status: "201"},
	"GET /api/v1/plans/{id}":                               {response: "Plan"},
	"PUT /api/v1/plans/{id}":                               {request: "Plan", response: "Plan"},
}

// incidentSchemas adds the area's component schemas.
func incidentSchemas(schemas obj) {
	level := obj{"type": "integer", "minimum": 0, "maximum": 4, "description": "1 特别重大 (I), 2 重大 (II), 3 较大 (III), 4 一般 (IV)"}
	grade := obj{"type": "string", "enum": []string{"", "特别重大", "重大", "较大", "一般"}}
	figures := obj{"deaths": incCount(), "missing": incCount(), "serious_injuries": incCount(), "trapped": incCount(),
		"direct_loss_cny": obj{"type": "number", "minimum": 0}, "extra": obj{"type": "object", "additionalProperties": number(),
			"description": "type-specific figures, e.g. forest_area_ha, magnitude"}}
	withFigures := func(props obj) obj {
		for k, v := range figures {
			props[k] = v
		}
		return props
	}
	band := obj{"type": []string{"object", "null"}, "additionalProperties": number()}
	criteria := object([]string{"basis", "bands"}, obj{"basis": str(), "verified": incBool(), "bands": obj{"type": "array", "items": band, "minItems": 3, "maxItems": 3}})
	policy := object(nil, obj{"initial": str(), "onward": str(), "follow_up": str(), "follow_up_major": str(), "casualty_window": str(),
		"basis": str(), "verified": incBool()})
	schemas["Grading"] = object([]string{"level", "grade", "basis"}, obj{"level": level, "grade": grade, "roman": str(), "grade_en": str(),
		"criterion": str(), "value": number(), "bound": number(), "basis": str(), "verified": incBool()})
	schemas["GradeRequest"] = object(nil, withFigures(obj{"category": obj{"type": "string", "enum": []string{"natural", "accident", "health", "social"}},
		"type": obj{"type": "string", "description": "an event type code; its criteria apply"}}))
	schemas["Deadline"] = object([]string{"kind", "label", "due", "done", "overdue", "remaining_s"}, obj{
		"kind": obj{"type": "string", "enum": []string{"initial", "onward", "follow_up", "casualty_window"}}, "label": str(), "due": dateTime(),
		"done": incBool(), "done_at": dateTime(), "overdue": incBool(), "window": incBool(), "remaining_s": integer(), "basis": str()})
	schemas["Task"] = object([]string{"id", "incident_id", "title", "owner", "status", "version"}, obj{"id": integer(), "incident_id": integer(),
		"title": str(), "owner": str(), "status": obj{"type": "string", "enum": []string{"open", "in_progress", "done", "cancelled"}},
		"due": dateTime(), "notes": str(), "source": str(), "overdue": incBool(), "created_at": dateTime(), "updated_at": dateTime(), "version": integer()})
	item := object([]string{"item", "quantity"}, obj{"item": str(), "quantity": number(), "unit": str()})
	dstatus := obj{"type": "string", "enum": []string{"ordered", "en_route", "on_site", "returned", "cancelled"}}
	schemas["Dispatch"] = object([]string{"id", "incident_id", "kind", "resource_id", "status", "version"}, obj{"id": integer(), "incident_id": integer(),
		"kind": obj{"type": "string", "enum": []string{"team", "expert", "supplies", "shelter"}}, "resource_id": integer(), "resource_code": str(),
		"resource_name": str(), "items": arrayOf(item), "people": integer(), "status": dstatus, "note": str(), "ordered_by": str(),
		"ordered_at": dateTime(), "updated_at": dateTime(), "version": integer(),
		"steps": arrayOf(object([]string{"status", "at", "by"}, obj{"status": dstatus, "at": dateTime(), "by": str(), "note": str()}))})
	section := object([]string{"heading", "body"}, obj{"heading": str(), "body": str(), "author": str(), "at": dateTime()})
	schemas["SituationReport"] = object([]string{"id", "incident_id", "title", "status", "version"}, obj{"id": integer(), "incident_id": integer(),
		"seq": integer(), "number": str(), "title": str(), "status": obj{"type": "string", "enum": []string{"draft", "submitted", "approved", "published"}},
		"unit": str(), "place": str(), "course": str(), "casualties": str(), "loss": str(), "measures": str(), "other": str(),
		"sections": incNullArray(section), "author": str(), "approver": str(), "created_at": dateTime(), "updated_at": dateTime(),
		"approved_at": dateTime(), "published_at": dateTime(), "version": integer()})
	schemas["Attachment"] = object([]string{"id", "name", "content_type", "size", "sha256"}, obj{"id": integer(), "incident_id": integer(), "name": str(),
		"content_type": str(), "size": integer(), "sha256": str(), "by": str(), "at": dateTime()})
	schemas["TimelineEvent"] = object([]string{"id", "at", "kind", "actor", "summary"}, obj{"id": integer(), "incident_id": integer(), "at": dateTime(),
		"kind": str(), "actor": str(), "summary": str(), "data": obj{"type": "object"}})
	followUp := object([]string{"title", "owner"}, obj{"title": str(), "owner": str(), "due": dateTime(), "done": incBool()})
	schemas["Incident"] = object([]string{"id", "number", "title", "type", "status", "occurred_at", "division_code", "level", "grade", "deadlines", "version"},
		withFigures(obj{"id": integer(), "number": obj{"type": "string", "pattern": `^YJ-\d{6}-\d{8}-\d{4}$`}, "title": str(), "type": str(), "type_name": str(),
			"category": str(), "status": obj{"type": "string", "enum": []string{"open", "closed", "merged"}}, "occurred_at": dateTime(), "received_at": dateTime(),
			"lon": nullable("number"), "lat": nullable("number"), "address": str(), "division_code": str(),
			"source": obj{"type": "string", "enum": []string{"phone", "field", "partner", "alarm", "feed"}}, "reporter": str(), "reporter_phone": str(), "unit": str(),
			"description": str(), "level": level, "grade": grade, "grading": ref("Grading"), "alarm_id": integer(), "enterprise_id": integer(), "merged_into": integer(),
			"response_plan": str(), "response_level": integer(), "initial_reported_at": dateTime(), "onward_reported_at": dateTime(),
			"last_report_at": dateTime(), "summary": str(), "closed_at": dateTime(),
			"review":     object(nil, obj{"summary": str(), "findings": arrayOf(str()), "follow_ups": arrayOf(followUp), "by": str(), "at": dateTime()}),
			"created_by": str(), "created_at": dateTime(), "updated_at": dateTime(), "version": integer(),
			"deadlines": arrayOf(ref("Deadline")), "next_due": dateTime(), "overdue": incBool(),
			"tasks": arrayOf(ref("Task")), "dispatches": arrayOf(ref("Dispatch")), "reports": arrayOf(ref("SituationReport")), "attachments": arrayOf(ref("Attachment"))}))
	schemas["IncidentList"] = listOf(ref("Incident"))
	in := object(nil, withFigures(obj{"title": str(), "type": str(), "occurred_at": dateTime(), "lon": number(), "lat": number(),
		"crs": obj{"type": "string", "enum": []string{"", "wgs84", "gcj02", "bd09"}}, "address": str(),
		"division_code": obj{"type": "string", "description": "derived from lon/lat when left out"}, "source": str(), "reporter": str(),
		"reporter_phone": str(), "unit": str(), "description": str(),
		"alarm_id":      obj{"type": "integer", "description": "raise the incident from this alarm: place, division and type are taken from it"},
		"enterprise_id": obj{"type": "integer", "description": "the enterprise where it happened (create only; from an alarm, the alarm's enterprise); an accident counts in its dynamic risk"},
		"confirm":       obj{"type": "boolean", "description": "save even though possible duplicates exist"},
		"version":       obj{"type": "integer", "description": "optimistic lock: the version you read"}}))
	in["additionalProperties"] = false
	schemas["IncidentInput"] = in
	dup := object([]string{"id", "number"}, obj{"id": integer(), "number": str(), "title": str(), "type": str(), "occurred_at": dateTime(),
		"division_code": str(), "distance_km": number(), "minutes_apart": number()})
	schemas["IncidentCheck"] = object([]string{"division_code", "grading", "deadlines", "duplicates"}, obj{"division_code": str(), "lon": nullable("number"),
		"lat": nullable("number"), "grading": ref("Grading"), "deadlines": arrayOf(ref("Deadline")), "duplicates": arrayOf(dup)})
	schemas["UpwardReport"] = object([]string{"kind", "to"}, obj{"kind": obj{"type": "string", "enum": []string{"initial", "onward"}}, "to": str(),
		"at": dateTime(), "note": str(), "version": integer()})
	schemas["MergeRequest"] = object([]string{"into"}, obj{"into": integer(), "version": integer()})
	schemas["Closure"] = object([]string{"summary"}, obj{"summary": str(), "version": integer()})
	schemas["ReviewInput"] = object([]string{"summary"}, obj{"summary": str(), "findings": arrayOf(str()), "follow_ups": arrayOf(followUp), "version": integer()})
	schemas["SuggestionList"] = listOf(object([]string{"plan_id", "code", "name", "level"}, obj{"plan_id": integer(), "code": str(), "name": str(),
		"level": integer(), "level_name": str(), "reason": str()}))
	schemas["Activation"] = object([]string{"plan_id", "level"}, obj{"plan_id": integer(), "level": obj{"type": "integer", "minimum": 1, "maximum": 4}, "version": integer()})
	schemas["TaskInput"] = object(nil, obj{"title": str(), "owner": str(), "status": str(), "due": dateTime(), "notes": str(), "version": integer()})
	schemas["Note"] = object([]string{"text"}, obj{"text": str()})
	schemas["Timeline"] = object([]string{"number", "items", "total"}, obj{"number": str(), "items": arrayOf(ref("TimelineEvent")), "total": integer()})
	schemas["DispatchOrder"] = object([]string{"kind", "resource_id"}, obj{"kind": obj{"type": "string", "enum": []string{"team", "expert", "supplies", "shelter"}},
		"resource_id": integer(), "items": arrayOf(item), "people": integer(), "note": str()})
	schemas["DispatchChange"] = object([]string{"status"}, obj{"status": dstatus, "note": str(), "returned_items": arrayOf(item), "version": integer()})
	schemas["NearestList"] = listOf(object([]string{"kind", "id", "name", "distance_km", "travel_min"}, obj{"kind": str(), "id": integer(), "code": str(),
		"name": str(), "division_code": str(), "lon": number(), "lat": number(), "tags": incNullArray(str()), "distance_km": number(), "travel_min": number(),
		"covers": obj{"type": "object", "additionalProperties": number()}, "stock": obj{"type": "object", "additionalProperties": number()}, "free_places": integer()}))
	schemas["ReportInput"] = object(nil, obj{"title": str(), "unit": str(), "place": str(), "course": str(), "casualties": str(), "loss": str(),
		"measures": str(), "other": str(), "section": object([]string{"heading", "body"}, obj{"heading": str(), "body": str()}), "version": integer()})
	schemas["VersionOnly"] = object(nil, obj{"version": integer()})
	etype := object([]string{"code", "category", "name"}, obj{"code": str(), "parent": str(), "category": str(), "name": str(), "name_en": str(),
		"std_code": str(), "criteria": criteria, "deadlines": policy, "sort": integer(), "version": integer(), "updated_at": dateTime(),
		"path": str(), "effective_criteria": criteria, "effective_deadlines": policy})
	schemas["EventType"] = etype
	schemas["EventTypeList"] = object([]string{"items", "total"}, obj{"items": arrayOf(etype), "total": integer(),
		"categories": arrayOf(object(nil, obj{"code": str(), "name": str(), "name_en": str()}))})
	tmpl := object([]string{"title", "owner", "due_min"}, obj{"title": str(), "owner": str(), "due_min": integer()})
	plevel := object([]string{"level", "name", "trigger"}, obj{"level": integer(), "name": str(),
		"trigger": object(nil, obj{"grade": level, "any": band, "note": str()}), "measures": incNullArray(str()), "units": incNullArray(str()), "tasks": incNullArray(tmpl)})
	schemas["Plan"] = object([]string{"code", "name", "types", "levels"}, obj{"id": integer(), "code": str(), "name": str(), "unit": str(),
		"types": arrayOf(str()), "levels": arrayOf(plevel), "version": integer(), "updated_at": dateTime()})
	schemas["PlanList"] = listOf(ref("Plan"))
}
