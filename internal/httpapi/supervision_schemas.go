package httpapi

// supervisionOps say what each supervision route takes and returns.
var supervisionOps = map[string]opSpec{
	"POST /api/v1/hazard-sources/assess":          {request: "HazardAssessInput", response: "HazardAssessment"},
	"POST /api/v1/hazard-sources/{id}/grade":      {request: "HazardGradeInput", response: "SourceAssessment", status: "201"},
	"GET /api/v1/hazard-sources/{id}/assessments": {response: "SourceAssessmentList"},
	"GET /api/v1/supervision/reference":           {response: "SupervisionReference"},
	"GET /api/v1/hidden-dangers": {response: "HiddenDangerList", csv: true, query: []obj{
		query("state", "comma-separated: reported, rectifying, rectified, verified, closed", str()), query("level", "general or major", str()),
		query("source", "self_inspection, inspector, inspection, alarm, public", str()), query("division", "", str()), query("enterprise_id", "", integer()),
		query("overdue", "true: only those open past their deadline", str()), query("format", "json (default), csv or xlsx", str()),
		query("limit", "", integer()), query("offset", "", integer())}},
	"POST /api/v1/hidden-dangers":                    {request: "HiddenDangerInput", response: "HiddenDanger", status: "201"},
	"GET /api/v1/hidden-dangers/{id}":                {response: "HiddenDanger"},
	"POST /api/v1/hidden-dangers/{id}/actions":       {request: "HiddenDangerAction", response: "HiddenDanger"},
	"POST /api/v1/hidden-dangers/{id}/photos":        {response: "Photo", status: "201", upload: []string{"image/jpeg", "image/png", "image/webp"}},
	"GET /api/v1/hidden-dangers/{id}/photos/{photo}": {download: "image/*"},
	"GET /api/v1/enterprise-risk": {response: "RiskList", geojson: true, csv: true, query: []obj{
		query("division", "", str()), query("industry", "", str()), query("color", "red, orange, yellow or blue", str()),
		query("format", "json (default), geojson (the map layer), csv or xlsx", str())}},
	"GET /api/v1/enterprise-risk/diagnoses":      {response: "DiagnosisList", query: []obj{query("enterprise_id", "", integer())}},
	"POST /api/v1/enterprise-risk/diagnoses":     {request: "DiagnosisInput", response: "Diagnosis", status: "201"},
	"GET /api/v1/enterprise-risk/weights":        {response: "RiskWeights"},
	"PUT /api/v1/enterprise-risk/weights":        {request: "RiskWeights", response: "RiskWeights"},
	"GET /api/v1/inspection-plans":               {response: "InspectionPlanList"},
	"POST /api/v1/inspection-plans":              {request: "InspectionPlanInput", response: "InspectionPlan", status: "201"},
	"GET /api/v1/inspection-plans/{id}":          {response: "InspectionPlan"},
	"POST /api/v1/inspection-plans/{id}/publish": {response: "InspectionPlan"},
	"GET /api/v1/public/inspection-plans":        {response: "PublicPlanList"},
	"GET /api/v1/inspection-records":             {response: "RecordList", csv: true, query: []obj{query("enterprise_id", "", integer()), query("format", "json, csv or xlsx", str())}},
	"POST /api/v1/inspection-records":            {request: "RecordInput", response: "Record", status: "201"},
	"GET /api/v1/inspection-records/{id}":        {response: "Record"},
	"GET /api/v1/enforcement-cases":              {response: "CaseList", csv: true, query: []obj{query("enterprise_id", "", integer()), query("format", "json, csv or xlsx", str())}},
	"POST /api/v1/enforcement-cases":             {request: "CaseInput", response: "Case", status: "201"},
	"GET /api/v1/enforcement-cases/{id}":         {response: "Case"},
	"PATCH /api/v1/enforcement-cases/{id}":       {request: "CaseInput", response: "Case"},
}

func boolean() obj            { return obj{"type": "boolean"} }
func optTime() obj            { return obj{"type": []string{"string", "null"}, "format": "date-time"} }
func strEnum(v ...string) obj { return obj{"type": "string", "enum": v} }

// supervisionSchemas adds the area's component schemas.
func supervisionSchemas(schemas obj) {
	item := object([]string{"quantity_t"}, obj{"name": str(), "cas": str(), "category": obj{"type": "string", "description": "GB 18218 hazard category (J1–J5, W1.1–W11) for a substance Table 1 does not name"},
		"quantity_t": obj{"type": "number", "minimum": 0, "description": "largest quantity present, tonnes"}})
	assessIn := object([]string{"exposed_people", "substances"}, obj{"exposed_people": obj{"type": "integer", "minimum": 0, "description": "people within 500 m outside the plant"},
		"substances": arrayOf(item)})
	schemas["HazardAssessInput"] = assessIn
	schemas["HazardGradeInput"] = obj{"description": "an inventory to grade with; {} or an empty body uses the registered one",
		"type": "object", "properties": assessIn["properties"]}
	contribution := object([]string{"name", "category", "quantity_t", "critical_t", "q_over_Q", "beta", "matched", "q_verified", "beta_verified"}, obj{
		"name": str(), "cas": str(), "category": str(), "quantity_t": number(), "critical_t": number(), "q_over_Q": number(), "beta": number(),
		"matched": strEnum("named", "category"), "q_verified": boolean(), "beta_verified": boolean()})
	schemas["HazardAssessment"] = object([]string{"s", "r", "major", "grade", "alpha", "substances"}, obj{
		"s": number(), "r": number(), "major": boolean(), "grade": obj{"type": "integer", "minimum": 0, "maximum": 4, "description": "1 一级 … 4 四级; 0 when S < 1"},
		"alpha": number(), "exposed_people": integer(), "substances": arrayOf(contribution), "unverified": boolean()})
	schemas["SourceAssessment"] = object([]string{"id", "hazard_source_id", "input", "result", "assessed_at"}, obj{
		"id": integer(), "hazard_source_id": integer(), "name": str(), "division_code": str(), "enterprise_id": integer(),
		"input": assessIn, "result": ref("HazardAssessment"), "assessor": str(), "assessed_at": dateTime()})
	schemas["SourceAssessmentList"] = listOf(ref("SourceAssessment"))
	schemas["SupervisionReference"] = object([]string{"gb18218", "reference"}, obj{"gb18218": obj{"type": "object"}, "reference": obj{"type": "object"},
		"hazard_states": arrayOf(str()), "sources": arrayOf(str()), "case_states": arrayOf(str()), "penalty_kinds": arrayOf(str())})

	step := object([]string{"at", "action", "actor"}, obj{"at": dateTime(), "action": str(), "actor": str(), "from_state": str(), "to_state": str(), "note": str()})
	photo := object([]string{"id", "hidden_danger_id", "stage", "content_type", "size"}, obj{"id": integer(), "hidden_danger_id": integer(),
		"stage": strEnum("report", "rectification"), "content_type": str(), "size": integer(), "uploaded_by": str(), "uploaded_at": dateTime()})
	schemas["Photo"] = photo
	states := strEnum("reported", "rectifying", "rectified", "verified", "closed")
	schemas["HiddenDanger"] = object([]string{"id", "enterprise_id", "division_code", "title", "source", "level", "state", "version"}, obj{
		"id": integer(), "enterprise_id": integer(), "enterprise_name": str(), "division_code": str(), "industry": str(), "title": str(), "description": str(),
		"location": str(), "source": str(), "alarm_id": integer(), "inspection_id": integer(), "reporter": str(), "level": strEnum("general", "major"),
		"criterion": str(), "responsible": str(), "measures": str(), "deadline": dateTime(), "state": states, "escalation": integer(),
		"escalated_at": dateTime(), "evidence": str(), "reported_by": str(), "reported_at": dateTime(), "rectified_at": dateTime(), "verified_at": dateTime(),
		"closed_at": dateTime(), "updated_at": dateTime(), "version": integer(), "overdue": boolean(), "events": arrayOf(step), "photos": arrayOf(photo)})
	schemas["HiddenDangerList"] = listOf(ref("HiddenDanger"))
	schemas["HiddenDangerInput"] = object([]string{"title", "level"}, obj{
		"enterprise_id": obj{"type": "integer", "description": "an enterprise user's own enterprise when left out"}, "title": str(), "description": str(), "location": str(),
		"source": strEnum("self_inspection", "inspector", "inspection", "alarm", "public"), "alarm_id": integer(), "inspection_id": integer(),
		"reporter": obj{"type": "string", "description": "a public report's contact (or 匿名)"}, "level": strEnum("general", "major"),
		"criterion":   obj{"type": "string", "description": "a criterion code from /api/v1/supervision/reference; required for a major one"},
		"responsible": str(), "measures": str(), "deadline": optTime()})
	schemas["HiddenDangerAction"] = object([]string{"action"}, obj{
		"action": strEnum("start", "update", "rectify", "verify", "reject", "close"), "responsible": str(), "measures": str(), "deadline": optTime(),
		"evidence": str(), "note": str(), "version": obj{"type": "integer", "description": "the version you read (or If-Match)"}})

	driver := object([]string{"factor", "count", "weight", "points"}, obj{"factor": str(), "count": integer(), "weight": number(), "points": number()})
	colors := strEnum("red", "orange", "yellow", "blue")
	activity := object(nil, obj{"alarms": obj{"type": "object", "additionalProperties": integer()}, "late_alarms": integer(), "open_general": integer(),
		"open_major": integer(), "overdue": integer(), "accidents": integer(), "findings": integer()})
	schemas["RiskGrade"] = object([]string{"enterprise_id", "score", "color", "drivers"}, obj{
		"enterprise_id": integer(), "enterprise_name": str(), "division_code": str(), "industry": str(), "inherent_score": nullable("number"),
		"inherent_color": str(), "diagnosed_at": dateTime(), "red_flags": arrayOf(str()), "dynamic_deduction": number(), "score": number(), "color": colors,
		"drivers": arrayOf(driver), "activity": activity, "lon": number(), "lat": number()})
	schemas["RiskWeights"] = object(nil, obj{"window_days": integer(), "alarm_red": number(), "alarm_orange": number(), "alarm_yellow": number(), "alarm_blue": number(),
		"alarm_late": number(), "open_general": number(), "open_major": number(), "overdue_hazard": number(), "accident": number(), "finding": number(), "max_dynamic": number(),
		"version": obj{"type": "integer", "description": "the version you read (0: the defaults); 409 when it moved on"}})
	schemas["RiskList"] = object([]string{"items", "total", "weights"}, obj{"items": arrayOf(ref("RiskGrade")), "total": integer(), "weights": ref("RiskWeights")})
	deduction := object([]string{"code", "points"}, obj{"code": str(), "points": number(), "note": str()})
	schemas["DiagnosisInput"] = object([]string{"enterprise_id"}, obj{"enterprise_id": integer(), "deductions": arrayOf(deduction), "red_flags": arrayOf(str()), "note": str()})
	schemas["Diagnosis"] = object([]string{"id", "enterprise_id", "score", "color", "assessed_at"}, obj{"id": integer(), "enterprise_id": integer(), "enterprise_name": str(),
		"division_code": str(), "industry": str(), "deductions": arrayOf(deduction), "red_flags": arrayOf(str()), "score": number(), "color": colors, "note": str(),
		"assessor": str(), "assessed_at": dateTime()})
	schemas["DiagnosisList"] = listOf(ref("Diagnosis"))

	person := object([]string{"id", "name"}, obj{"id": integer(), "name": str(), "division_code": str()})
	filter := object(nil, obj{"division_code": str(), "industries": nullable("array"), "risk_colors": nullable("array")})
	assignment := object([]string{"enterprise_id", "inspectors"}, obj{"enterprise_id": integer(), "enterprise_name": str(), "credit_code": str(), "industry": str(),
		"inspectors": arrayOf(person), "record_id": integer(), "result": str()})
	schemas["InspectionPlan"] = object([]string{"id", "name", "seed", "pool", "assignments", "state", "version"}, obj{"id": integer(), "name": str(), "division_code": str(),
		"matter": str(), "filter": filter, "enterprise_count": integer(), "team_size": integer(), "seed": integer(), "pool": arrayOf(integer()),
		"roster": arrayOf(person), "assignments": arrayOf(assignment), "state": strEnum("draft", "drawn", "published"), "due_date": dateTime(),
		"created_by": str(), "created_at": dateTime(), "published_at": dateTime(), "updated_at": dateTime(), "version": integer()})
	schemas["InspectionPlanList"] = listOf(ref("InspectionPlan"))
	schemas["InspectionPlanInput"] = object([]string{"name", "filter", "enterprise_count"}, obj{"name": str(), "matter": str(), "filter": filter,
		"enterprise_count": integer(), "team_size": obj{"type": "integer", "minimum": 2, "default": 2}, "inspector_ids": arrayOf(integer()),
		"seed": obj{"type": []string{"integer", "null"}, "description": "replay a draw; a fresh seed is recorded when left out"}, "due_date": optTime()})
	schemas["PublicPlanList"] = listOf(object([]string{"id", "name", "seed", "pool", "results"}, obj{"id": integer(), "name": str(), "matter": str(),
		"division_code": str(), "seed": integer(), "pool": arrayOf(integer()), "enterprise_count": integer(), "published_at": optTime(), "algorithm": str(),
		"results": arrayOf(object([]string{"enterprise_name", "result"}, obj{"enterprise_name": str(), "credit_code": str(), "industry": str(), "result": str()}))}))

	hz := object([]string{"level"}, obj{"level": strEnum("general", "major"), "criterion": str(), "deadline": optTime(), "responsible": str(), "measures": str(), "hidden_danger_id": integer()})
	check := object([]string{"code", "result"}, obj{"code": str(), "item": str(), "result": strEnum("pass", "fail", "na"), "note": str(), "hazard": hz})
	schemas["Record"] = object([]string{"id", "enterprise_id", "inspectors", "inspected_at", "items", "result"}, obj{"id": integer(), "plan_id": integer(),
		"enterprise_id": integer(), "enterprise_name": str(), "division_code": str(), "industry": str(), "inspectors": arrayOf(str()), "inspected_at": dateTime(),
		"items": arrayOf(check), "conclusion": str(), "result": strEnum("pass", "findings"), "created_by": str(), "created_at": dateTime()})
	schemas["RecordList"] = listOf(ref("Record"))
	schemas["RecordInput"] = object([]string{"enterprise_id", "inspectors", "inspected_at", "items"}, obj{"plan_id": integer(), "enterprise_id": integer(),
		"inspectors": arrayOf(str()), "inspected_at": dateTime(), "items": arrayOf(check), "conclusion": str()})
	doc := object([]string{"kind", "number", "date"}, obj{"kind": str(), "number": str(), "date": dateTime(), "title": str()})
	caseStates := strEnum("filed", "investigating", "notified", "decided", "executed", "closed")
	schemas["Case"] = object([]string{"id", "enterprise_id", "violation", "legal_basis", "penalty_kind", "state", "version"}, obj{"id": integer(),
		"enterprise_id": integer(), "enterprise_name": str(), "division_code": str(), "industry": str(), "record_id": integer(), "violation": str(),
		"legal_basis": str(), "penalty_kind": str(), "fine_cny": number(), "documents": arrayOf(doc), "state": caseStates, "filed_at": dateTime(),
		"closed_at": dateTime(), "created_by": str(), "updated_at": dateTime(), "version": integer()})
	schemas["CaseList"] = listOf(ref("Case"))
	schemas["CaseInput"] = object(nil, obj{"enterprise_id": integer(), "record_id": integer(), "violation": str(), "legal_basis": str(),
		"penalty_kind": strEnum("warning", "fine", "confiscation", "suspension", "licence_revoked", "closure", "none"), "fine_cny": number(),
		"documents": nullable("array"), "state": caseStates, "version": integer()})
}
