package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/duty"
	"github.com/yingji/yingji/internal/region"
)

// Duty is what the API needs for the duty roster (值班值守).
type Duty struct {
	Service *duty.Service
}

// dutyRoutes are the duty roster's routes.
func (s *Server) dutyRoutes() []Route {
	if s.Duty == nil {
		return nil
	}
	h := &dutyHandler{s: s, svc: s.Duty.Service}
	return []Route{
		{"GET", "/api/v1/duty/now", auth.IncidentsRead, "The duty teams on duty now in your area", h.now},
		{"GET", "/api/v1/duty/shifts", auth.IncidentsRead, "Duty shifts of a range of days (default: this week)", h.listShifts},
		{"POST", "/api/v1/duty/shifts", auth.DutyManage, "Add a shift to the duty roster", h.createShift},
		{"POST", "/api/v1/duty/shifts/copy", auth.DutyManage, "Copy a week of a division's roster to another week", h.copyWeek},
		{"GET", "/api/v1/duty/shifts/{id}", auth.IncidentsRead, "A duty shift", h.getShift},
		{"PATCH", "/api/v1/duty/shifts/{id}", auth.DutyManage, "Change a duty shift (send the version read)", h.updateShift},
		{"DELETE", "/api/v1/duty/shifts/{id}", auth.DutyManage, "Remove a duty shift (If-Match: the version read)", h.deleteShift},
		{"GET", "/api/v1/duty/people", auth.IncidentsRead, "People who can be put on a division's roster", h.people},
		{"GET", "/api/v1/duty/handovers", auth.IncidentsRead, "The handover log, newest first", h.listHandovers},
		{"POST", "/api/v1/duty/handovers", auth.IncidentsWrite, "Hand the watch over to the incoming officer", h.createHandover},
		{"POST", "/api/v1/duty/handovers/{id}/accept", auth.IncidentsWrite, "The incoming officer accepts a handover", h.acceptHandover},
		{"GET", "/api/v1/duty/quiet", auth.IncidentsRead, "All-quiet reports (报平安) and the days missing one", h.listQuiet},
		{"POST", "/api/v1/duty/quiet", auth.IncidentsWrite, "File the division's all-quiet report (报平安) for a day", h.fileQuiet},
	}
}

type dutyHandler struct {
	s   *Server
	svc *duty.Service
}

// DutyShiftList is a range of the roster.
type DutyShiftList struct {
	Items []*duty.Shift `json:"items"`
	Total int           `json:"total"`
	From  string        `json:"from"`
	To    string        `json:"to"`
}

// DutyTeamList is who is on duty now.
type DutyTeamList struct {
	At    time.Time   `json:"at"`
	Items []duty.Team `json:"items"`
	Total int         `json:"total"`
}

// DutyQuietList is the all-quiet reports of a range of days and the gaps.
type DutyQuietList struct {
	Items   []*duty.Quiet  `json:"items"`
	Total   int            `json:"total"`
	Missing []duty.Missing `json:"missing"`
	From    string         `json:"from"`
	To      string         `json:"to"`
}

func (h *dutyHandler) now(w http.ResponseWriter, r *http.Request) {
	teams, err := h.svc.Now(r.Context(), r.URL.Query().Get("division"))
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, DutyTeamList{At: h.svc.Time(), Items: teams, Total: len(teams)})
}

// dateRange reads from and to (YYYY-MM-DD), defaulting to the Monday–Sunday
// week of today, or to the days before today when back is set.
func (h *dutyHandler) dateRange(q url.Values, back int) (string, string) {
	today, _ := time.ParseInLocation(duty.DateLayout, h.svc.Today(), duty.Beijing)
	from, to := q.Get("from"), q.Get("to")
	if back > 0 {
		if to == "" {
			to = today.Format(duty.DateLayout)
		}
		if from == "" {
			from = today.AddDate(0, 0, -back+1).Format(duty.DateLayout)
		}
		return from, to
	}
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	if from == "" {
		from = monday.Format(duty.DateLayout)
	}
	if to == "" {
		to = monday.AddDate(0, 0, 6).Format(duty.DateLayout)
	}
	return from, to
}

func (h *dutyHandler) listShifts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to := h.dateRange(q, 0)
	shifts, err := h.svc.Shifts(r.Context(), q.Get("division"), from, to)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, DutyShiftList{Items: shifts, Total: len(shifts), From: from, To: to})
}

func (h *dutyHandler) getShift(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	sh, err := h.svc.Shift(r.Context(), id)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", strconv.Itoa(sh.Version))
	writeJSON(w, http.StatusOK, sh)
}

func (h *dutyHandler) createShift(w http.ResponseWriter, r *http.Request) {
	var in duty.ShiftInput
	if err := decodeJSON(w, r, &in); err != nil {
		h.s.fail(w, r, err)
		return
	}
	sh, err := h.svc.CreateShift(r.Context(), in)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sh)
}

// DutyCopyResult says which shifts a copy created and which it left out.
type DutyCopyResult struct {
	Created []*duty.Shift  `json:"created"`
	Skipped []duty.Skipped `json:"skipped"`
}

func (h *dutyHandler) copyWeek(w http.ResponseWriter, r *http.Request) {
	var in duty.CopyInput
	if err := decodeJSON(w, r, &in); err != nil {
		h.s.fail(w, r, err)
		return
	}
	created, skipped, err := h.svc.CopyWeek(r.Context(), in)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, DutyCopyResult{Created: created, Skipped: skipped})
}

func (h *dutyHandler) updateShift(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	var in duty.ShiftInput
	if err := decodeJSON(w, r, &in); err != nil {
		h.s.fail(w, r, err)
		return
	}
	v, err := ifMatch(r, 0)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	if v != 0 {
		in.Version = v
	}
	sh, err := h.svc.UpdateShift(r.Context(), id, in)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sh)
}

func (h *dutyHandler) deleteShift(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	v, err := ifMatch(r, 0)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	if err := h.svc.DeleteShift(r.Context(), id, v); err != nil {
		h.s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *dutyHandler) people(w http.ResponseWriter, r *http.Request) {
	ps, err := h.svc.People(r.Context(), r.URL.Query().Get("division"))
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ps, "total": len(ps)})
}

func (h *dutyHandler) listHandovers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := intParam(q, "limit", 50, 1, 500)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	offset, err := intParam(q, "offset", 0, 0, 1<<30)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	items, total, err := h.svc.Handovers(r.Context(), q.Get("division"), limit, offset)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, List[*duty.Handover]{Items: items, Total: total, Limit: limit, Offset: offset})
}

func (h *dutyHandler) createHandover(w http.ResponseWriter, r *http.Request) {
	var in duty.HandoverInput
	if err := decodeJSON(w, r, &in); err != nil {
		h.s.fail(w, r, err)
		return
	}
	ho, err := h.svc.Handover(r.Context(), in)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ho)
}

func (h *dutyHandler) acceptHandover(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	ho, err := h.svc.AcceptHandover(r.Context(), id)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ho)
}

func (h *dutyHandler) listQuiet(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to := h.dateRange(q, 7)
	items, missing, err := h.svc.QuietReports(r.Context(), q.Get("division"), from, to, region.Level(q.Get("level")))
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, DutyQuietList{Items: items, Total: len(items), Missing: missing, From: from, To: to})
}

func (h *dutyHandler) fileQuiet(w http.ResponseWriter, r *http.Request) {
	var in duty.QuietInput
	if err := decodeJSON(w, r, &in); err != nil {
		h.s.fail(w, r, err)
		return
	}
	q, err := h.svc.FileQuiet(r.Context(), in)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, q)
}

func dutyDate() obj {
	return obj{"type": "string", "format": "date", "description": "a duty day in Beijing time, YYYY-MM-DD"}
}

// dutyOps say what each of those routes takes and returns.
var dutyOps = map[string]opSpec{
	"GET /api/v1/duty/now": {response: "DutyTeamList", query: []obj{query("division", "this division and below (default: your own)", str())}},
	"GET /api/v1/duty/shifts": {response: "DutyShiftList", query: []obj{query("division", "this division and below (default: your own)", str()),
		query("from", "first day (default: Monday of this week)", dutyDate()), query("to", "last day, inclusive (default: Sunday of this week)", dutyDate())}},
	"POST /api/v1/duty/shifts":        {request: "DutyShiftInput", response: "DutyShift", status: "201"},
	"POST /api/v1/duty/shifts/copy":   {request: "DutyCopyInput", response: "DutyCopyResult"},
	"GET /api/v1/duty/shifts/{id}":    {response: "DutyShift"},
	"PATCH /api/v1/duty/shifts/{id}":  {request: "DutyShiftInput", response: "DutyShift", query: []obj{{"name": "If-Match", "in": "header", "schema": str(), "description": "the version you read (or send version in the body)"}}},
	"DELETE /api/v1/duty/shifts/{id}": {status: "204", query: []obj{{"name": "If-Match", "in": "header", "required": true, "schema": str(), "description": "the version you read"}}},
	"GET /api/v1/duty/people":         {response: "DutyPersonList", query: []obj{query("division", "the roster's division (default: your own)", str())}},
	"GET /api/v1/duty/handovers": {response: "DutyHandoverList", query: []obj{query("division", "this division and below", str()),
		query("limit", "1–500, default 50", integer()), query("offset", "", integer())}},
	"POST /api/v1/duty/handovers":             {request: "DutyHandoverInput", response: "DutyHandover", status: "201"},
	"POST /api/v1/duty/handovers/{id}/accept": {response: "DutyHandover"},
	"POST /api/v1/duty/quiet":                 {request: "DutyQuietInput", response: "DutyQuiet", status: "201"},
	"GET /api/v1/duty/quiet": {response: "DutyQuietList", query: []obj{query("division", "this division and below", str()),
		query("from", "first day (default: 6 days before to)", dutyDate()), query("to", "last day, inclusive (default: today)", dutyDate()),
		query("level", "divisions down to this level must report (default county)", str())}},
}

// dutySchemas adds the area's component schemas.
func dutySchemas(schemas obj) {
	member := object([]string{"user_id", "username", "name"}, obj{"user_id": integer(), "username": str(), "name": str()})
	schemas["DutyMember"] = member
	schemas["DutyShift"] = object([]string{"id", "division_code", "date", "name", "start", "end", "leader", "officers", "version"}, obj{
		"id": integer(), "division_code": str(), "date": dutyDate(), "name": str(), "start": dateTime(), "end": dateTime(),
		"leader": ref("DutyMember"), "officers": arrayOf(ref("DutyMember")), "phone": str(), "note": str(), "version": integer(),
		"created_at": dateTime(), "updated_at": dateTime(),
	})
	in := object(nil, obj{
		"division_code": str(), "name": obj{"type": "string", "description": "白班, 夜班, 全天 … (default 值班)"},
		"start": dateTime(), "end": obj{"type": "string", "format": "date-time", "description": "after start, at most 24 hours later"},
		"leader_id": obj{"type": "integer", "description": "the leader on duty (带班领导)"}, "officer_ids": arrayOf(integer()),
		"phone": str(), "note": str(), "version": obj{"type": "integer", "description": "optimistic lock: the version you read (updates)"},
	})
	in["additionalProperties"] = false
	schemas["DutyShiftInput"] = in
	cin := object([]string{"division_code", "from", "to"}, obj{"division_code": str(), "from": dutyDate(), "to": dutyDate()})
	cin["additionalProperties"] = false
	cin["description"] = "copy the division's shifts of the 7 days from 'from' to the same times of the 7 days from 'to'"
	schemas["DutyCopyInput"] = cin
	schemas["DutyCopyResult"] = object([]string{"created", "skipped"}, obj{"created": arrayOf(ref("DutyShift")),
		"skipped": arrayOf(object([]string{"date", "name", "reason"}, obj{"date": dutyDate(), "name": str(), "reason": str()}))})
	schemas["DutyShiftList"] = object([]string{"items", "total", "from", "to"}, obj{"items": arrayOf(ref("DutyShift")), "total": integer(), "from": dutyDate(), "to": dutyDate()})
	schemas["DutyTeamList"] = object([]string{"at", "items", "total"}, obj{"at": dateTime(), "total": integer(),
		"items": arrayOf(object([]string{"division_code", "division_name", "shift"}, obj{"division_code": str(), "division_name": str(), "shift": ref("DutyShift")}))})
	schemas["DutyPersonList"] = object([]string{"items", "total"}, obj{"total": integer(), "items": arrayOf(object([]string{"id", "username", "name", "role", "division_code"},
		obj{"id": integer(), "username": str(), "name": str(), "role": str(), "division_code": str(), "disabled": obj{"type": "boolean"}}))})
	alarmRef := object([]string{"id", "point", "level", "state", "raised_at"}, obj{"id": integer(), "point": str(), "point_name": str(),
		"level": obj{"type": "string", "enum": []string{"red", "orange", "yellow", "blue"}}, "state": str(), "message": str(), "division_code": str(),
		"raised_at": dateTime(), "overdue": obj{"type": "boolean"}})
	schemas["DutyHandover"] = object([]string{"id", "division_code", "at", "outgoing", "incoming", "open", "watch", "alarms", "open_alarms"}, obj{
		"id": integer(), "division_code": str(), "shift_id": integer(), "at": dateTime(), "outgoing": ref("DutyMember"), "incoming": ref("DutyMember"),
		"open": obj{"type": "string", "description": "what is still open (未办结事项)"}, "watch": obj{"type": "string", "description": "what to watch (需关注事项)"},
		"alarms": arrayOf(alarmRef), "open_alarms": obj{"type": "integer", "description": "open alarms at handover (the list holds at most 200)"},
		"accepted_at": dateTime(),
	})
	hin := object([]string{"incoming_id"}, obj{"division_code": str(), "shift_id": obj{"type": "integer", "description": "the outgoing shift (optional)"},
		"incoming_id": obj{"type": "integer", "description": "the officer taking over"}, "open": str(), "watch": str()})
	hin["additionalProperties"] = false
	schemas["DutyHandoverInput"] = hin
	schemas["DutyHandoverList"] = listOf(ref("DutyHandover"))
	schemas["DutyQuiet"] = object([]string{"id", "division_code", "date", "reported_by", "reported_at", "late"}, obj{
		"id": integer(), "division_code": str(), "date": dutyDate(), "note": str(), "reported_by": ref("DutyMember"), "reported_at": dateTime(),
		"late": obj{"type": "boolean", "description": "filed after the day had ended"}})
	qin := object(nil, obj{"division_code": str(), "date": obj{"type": "string", "format": "date", "description": "default: today (Beijing)"}, "note": str()})
	qin["additionalProperties"] = false
	schemas["DutyQuietInput"] = qin
	schemas["DutyQuietList"] = object([]string{"items", "total", "missing", "from", "to"}, obj{"items": arrayOf(ref("DutyQuiet")), "total": integer(),
		"from": dutyDate(), "to": dutyDate(),
		"missing": arrayOf(object([]string{"division_code", "division_name", "date"}, obj{"division_code": str(), "division_name": str(), "date": dutyDate()}))})
}
