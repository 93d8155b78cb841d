package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/incident"
)

// Incidents is what the API needs for incident command (issue 5).
type Incidents struct {
	Service *incident.Service
	// Nearest ranks resources for an incident (teams, warehouses, experts,
	// shelters); nil leaves the resources route out.
	Nearest func(ctx context.Context, q NearestQuery) ([]NearestMatch, error)
	// Export renders a situation report as "pdf" or "docx"; nil leaves
	// those formats out.
	Export func(w io.Writer, format string, in *incident.Incident, r *incident.Report) error
}

// NearestQuery asks for the resources nearest to a point.
type NearestQuery struct {
	Lon, Lat     float64
	Kind         string             // team, warehouse, expert, shelter
	Tags         []string           // team types, expert specialties
	Needs        map[string]float64 // warehouses: item → quantity needed
	FreeCapacity int                // shelters: free places at least
	MaxKm        float64
	Limit        int
}

// NearestMatch is one ranked resource.
type NearestMatch struct {
	Kind       string             `json:"kind"`
	ID         int64              `json:"id"`
	Code       string             `json:"code"`
	Name       string             `json:"name"`
	Division   string             `json:"division_code"`
	Lon        float64            `json:"lon"`
	Lat        float64            `json:"lat"`
	Tags       []string           `json:"tags"`
	DistanceKm float64            `json:"distance_km"`
	TravelMin  float64            `json:"travel_min"`
	Covers     map[string]float64 `json:"covers,omitempty"`
	Stock      map[string]float64 `json:"stock,omitempty"`
	FreePlaces *int               `json:"free_places,omitempty"`
}

// incidentRoutes are incident command (issue 5) routes.
func (s *Server) incidentRoutes() []Route {
	if s.Incidents == nil {
		return nil
	}
	h := &incidentHandler{s: s, svc: s.Incidents.Service}
	base := "/api/v1/incidents"
	rs := []Route{
		{"POST", base + "/grade", auth.IncidentsRead, "Grade an event from its figures (Decree 493 for accidents, the plan's criteria otherwise)", h.grade},
		{"POST", base + "/check", auth.IncidentsWrite, "Check an intake without saving: place, grade and possible duplicates", h.check},
		{"GET", base, auth.IncidentsRead, "Incidents in your area, the most urgent first (JSON or GeoJSON)", h.list},
		{"POST", base, auth.IncidentsWrite, "Record an incident (from a call, a field report, a partner, an alarm or a feed)", h.create},
		{"GET", base + "/{id}", auth.IncidentsRead, "An incident with its grade, deadlines, tasks, dispatches, reports and attachments", h.get},
		{"PATCH", base + "/{id}", auth.IncidentsWrite, "Change an incident (casualties regrade it); every change is kept", h.update},
		{"POST", base + "/{id}/upward", auth.IncidentsWrite, "Record a report made up the chain (initial, onward)", h.upward},
		{"POST", base + "/{id}/merge", auth.IncidentsWrite, "Merge this duplicate into another incident", h.merge},
		{"POST", base + "/{id}/close", auth.IncidentsCommand, "Close an incident with a summary", h.close},
		{"PUT", base + "/{id}/review", auth.IncidentsCommand, "Record the review (复盘) of a closed incident", h.review},
		{"GET", base + "/{id}/plans", auth.IncidentsRead, "Plans covering the incident with the suggested response level", h.suggest},
		{"POST", base + "/{id}/activate", auth.IncidentsCommand, "Activate a plan's response level and create its tasks", h.activate},
		{"POST", base + "/{id}/tasks", auth.IncidentsWrite, "Add a task", h.addTask},
		{"PATCH", base + "/{id}/tasks/{task}", auth.IncidentsWrite, "Change a task (status, owner, due, notes)", h.updateTask},
		{"POST", base + "/{id}/notes", auth.IncidentsWrite, "Add a note to the timeline", h.note},
		{"GET", base + "/{id}/timeline", auth.IncidentsRead, "The timeline of everything that happened", h.timeline},
		{"GET", base + "/{id}/timeline.csv", auth.IncidentsRead, "The timeline as CSV (UTF-8 with BOM)", h.timelineCSV},
		{"POST", base + "/{id}/dispatches", auth.IncidentsCommand, "Dispatch a team, an expert, supplies from a warehouse, or shelter places", h.dispatch},
		{"PATCH", base + "/{id}/dispatches/{dispatch}", auth.IncidentsWrite, "Move a dispatch on: en_route, on_site, returned, cancelled", h.advance},
		{"POST", base + "/{id}/reports", auth.IncidentsWrite, "Start the next situation report, pre-filled from the incident", h.newReport},
		{"GET", base + "/{id}/reports/{report}", auth.IncidentsRead, "A situation report", h.getReport},
		{"PATCH", base + "/{id}/reports/{report}", auth.IncidentsWrite, "Edit a draft or add a section", h.editReport},
		{"POST", base + "/{id}/reports/{report}/submit", auth.IncidentsWrite, "Submit a draft for approval", h.stepReport("submit")},
		{"POST", base + "/{id}/reports/{report}/approve", auth.IncidentsCommand, "Approve a report", h.stepReport("approve")},
		{"POST", base + "/{id}/reports/{report}/reject", auth.IncidentsCommand, "Send a submitted report back to its authors", h.stepReport("reject")},
		{"POST", base + "/{id}/reports/{report}/publish", auth.IncidentsCommand, "Publish an approved report; it is numbered", h.stepReport("publish")},
		{"POST", base + "/{id}/attachments", auth.IncidentsWrite, "Attach a file (photo, document, recording)", h.attach},
		{"GET", base + "/{id}/attachments/{attachment}", auth.IncidentsRead, "Download an attachment", h.attachment},
		{"GET", "/api/v1/incident-types", auth.IncidentsRead, "The event-type table with grading criteria and deadlines", h.types},
		{"PUT", "/api/v1/incident-types/{code}", auth.PlansManage, "Add or change an event type", h.putType},
		{"GET", "/api/v1/plans", auth.IncidentsRead, "Emergency plans", h.plans},
		{"POST", "/api/v1/plans", auth.PlansManage, "Add an emergency plan", h.createPlan},
		{"GET", "/api/v1/plans/{id}", auth.IncidentsRead, "An emergency plan", h.plan},
		{"PUT", "/api/v1/plans/{id}", auth.PlansManage, "Change an emergency plan", h.updatePlan},
	}
	if s.Incidents.Export != nil {
		rs = append(rs,
			Route{"GET", base + "/{id}/reports/{report}/pdf", auth.IncidentsRead, "A situation report as PDF, in the layout of the official accident report", h.exportReport("pdf")},
			Route{"GET", base + "/{id}/reports/{report}/docx", auth.IncidentsRead, "A situation report as DOCX", h.exportReport("docx")})
	}
	if s.Incidents.Nearest != nil {
		rs = append(rs, Route{"GET", base + "/{id}/resources", auth.IncidentsRead, "Resources nearest to the incident, ranked by estimated travel time", h.resources})
	}
	return rs
}

type incidentHandler struct {
	s   *Server
	svc *incident.Service
}

func incSubID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, core.Invalid(name, "%q is not an ID", r.PathValue(name))
	}
	return id, nil
}

// decodeTo reads a JSON body into v; with the path id.
func (h *incidentHandler) decodeTo(w http.ResponseWriter, r *http.Request, v any) (int64, bool) {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r); err != nil {
			h.s.fail(w, r, err)
			return 0, false
		}
	}
	if err := decodeJSON(w, r, v); err != nil {
		h.s.fail(w, r, err)
		return 0, false
	}
	return id, true
}

func (h *incidentHandler) reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

func (h *incidentHandler) grade(w http.ResponseWriter, r *http.Request) {
	var req incident.GradeRequest
	if _, ok := h.decodeTo(w, r, &req); !ok {
		return
	}
	g, err := h.svc.Grade(req)
	h.reply(w, r, http.StatusOK, g, err)
}

// incidentCheck is what an intake check answers.
type incidentCheck struct {
	Division   string               `json:"division_code"`
	Lon        *float64             `json:"lon"`
	Lat        *float64             `json:"lat"`
	Grading    incident.Grading     `json:"grading"`
	Deadlines  []incident.Deadline  `json:"deadlines"`
	Duplicates []incident.Duplicate `json:"duplicates"`
}

func (h *incidentHandler) check(w http.ResponseWriter, r *http.Request) {
	var in incident.Input
	if _, ok := h.decodeTo(w, r, &in); !ok {
		return
	}
	inc, dups, err := h.svc.Check(r.Context(), &in)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	h.svc.Decorate(inc.ReceivedAt, inc)
	writeJSON(w, http.StatusOK, incidentCheck{Division: inc.Division, Lon: inc.Lon, Lat: inc.Lat, Grading: inc.Grading, Deadlines: inc.Deadlines, Duplicates: dups})
}

// incidentDuplicates is the 409 answer to an intake with possible duplicates.
type incidentDuplicates struct {
	Problem
	Duplicates []incident.Duplicate `json:"duplicates"`
}

func (h *incidentHandler) create(w http.ResponseWriter, r *http.Request) {
	var in incident.Input
	if _, ok := h.decodeTo(w, r, &in); !ok {
		return
	}
	inc, err := h.svc.Create(r.Context(), &in)
	if de, ok := err.(*incident.DuplicatesError); ok {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusConflict)
		json.NewEncoder(w).Encode(incidentDuplicates{Problem: Problem{Type: "https://yingji.dev/problems/conflict", Title: http.StatusText(http.StatusConflict),
			Status: http.StatusConflict, Code: core.ECONFLICT, Detail: de.Error()}, Duplicates: de.Candidates})
		return
	}
	h.reply(w, r, http.StatusCreated, inc, err)
}

func (h *incidentHandler) get(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	inc, err := h.svc.Get(r.Context(), id)
	h.reply(w, r, http.StatusOK, inc, err)
}

func (h *incidentHandler) update(w http.ResponseWriter, r *http.Request) {
	var in incident.Input
	id, ok := h.decodeTo(w, r, &in)
	if !ok {
		return
	}
	var err error
	if in.Version, err = ifMatch(r, in.Version); err != nil {
		h.s.fail(w, r, err)
		return
	}
	inc, err := h.svc.Update(r.Context(), id, &in)
	h.reply(w, r, http.StatusOK, inc, err)
}

func (h *incidentHandler) upward(w http.ResponseWriter, r *http.Request) {
	var u incident.Upward
	id, ok := h.decodeTo(w, r, &u)
	if !ok {
		return
	}
	inc, err := h.svc.ReportUp(r.Context(), id, u)
	h.reply(w, r, http.StatusOK, inc, err)
}

func (h *incidentHandler) merge(w http.ResponseWriter, r *http.Request) {
	var m struct {
		Into    int64 `json:"into"`
		Version int   `json:"version"`
	}
	id, ok := h.decodeTo(w, r, &m)
	if !ok {
		return
	}
	inc, err := h.svc.Merge(r.Context(), id, m.Into, m.Version)
	h.reply(w, r, http.StatusOK, inc, err)
}

func (h *incidentHandler) close(w http.ResponseWriter, r *http.Request) {
	var c incident.Closure
	id, ok := h.decodeTo(w, r, &c)
	if !ok {
		return
	}
	inc, err := h.svc.Close(r.Context(), id, c)
	h.reply(w, r, http.StatusOK, inc, err)
}

func (h *incidentHandler) review(w http.ResponseWriter, r *http.Request) {
	var rv incident.ReviewInput
	id, ok := h.decodeTo(w, r, &rv)
	if !ok {
		return
	}
	inc, err := h.svc.SetReview(r.Context(), id, rv)
	h.reply(w, r, http.StatusOK, inc, err)
}

func (h *incidentHandler) suggest(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	out, err := h.svc.Suggestions(r.Context(), id)
	h.reply(w, r, http.StatusOK, map[string]any{"items": out, "total": len(out)}, err)
}

func (h *incidentHandler) activate(w http.ResponseWriter, r *http.Request) {
	var a incident.Activation
	id, ok := h.decodeTo(w, r, &a)
	if !ok {
		return
	}
	inc, err := h.svc.Activate(r.Context(), id, a)
	h.reply(w, r, http.StatusOK, inc, err)
}

func (h *incidentHandler) addTask(w http.ResponseWriter, r *http.Request) {
	var t incident.TaskInput
	id, ok := h.decodeTo(w, r, &t)
	if !ok {
		return
	}
	task, err := h.svc.AddTask(r.Context(), id, t)
	h.reply(w, r, http.StatusCreated, task, err)
}

func (h *incidentHandler) updateTask(w http.ResponseWriter, r *http.Request) {
	var t incident.TaskInput
	id, ok := h.decodeTo(w, r, &t)
	if !ok {
		return
	}
	tid, err := incSubID(r, "task")
	if err == nil {
		t.Version, err = ifMatch(r, t.Version)
	}
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	task, err := h.svc.UpdateTask(r.Context(), id, tid, t)
	h.reply(w, r, http.StatusOK, task, err)
}

func (h *incidentHandler) note(w http.ResponseWriter, r *http.Request) {
	var n struct {
		Text string `json:"text"`
	}
	id, ok := h.decodeTo(w, r, &n)
	if !ok {
		return
	}
	ev, err := h.svc.Note(r.Context(), id, n.Text)
	h.reply(w, r, http.StatusCreated, ev, err)
}

func (h *incidentHandler) dispatch(w http.ResponseWriter, r *http.Request) {
	var d incident.Dispatch
	var in struct {
		Kind       string          `json:"kind"`
		ResourceID int64           `json:"resource_id"`
		Items      []incident.Item `json:"items"`
		People     int             `json:"people"`
		Note       string          `json:"note"`
	}
	id, ok := h.decodeTo(w, r, &in)
	if !ok {
		return
	}
	d.Kind, d.ResourceID, d.Items, d.People, d.Note = in.Kind, in.ResourceID, in.Items, in.People, in.Note
	out, err := h.svc.Order(r.Context(), id, &d)
	h.reply(w, r, http.StatusCreated, out, err)
}

func (h *incidentHandler) advance(w http.ResponseWriter, r *http.Request) {
	var c incident.DispatchChange
	id, ok := h.decodeTo(w, r, &c)
	if !ok {
		return
	}
	did, err := incSubID(r, "dispatch")
	if err == nil {
		c.Version, err = ifMatch(r, c.Version)
	}
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	d, err := h.svc.Advance(r.Context(), id, did, c)
	h.reply(w, r, http.StatusOK, d, err)
}

func (h *incidentHandler) newReport(w http.ResponseWriter, r *http.Request) {
	var in incident.ReportInput
	id, ok := h.decodeTo(w, r, &in)
	if !ok {
		return
	}
	rep, err := h.svc.NewReport(r.Context(), id, in)
	h.reply(w, r, http.StatusCreated, rep, err)
}

func (h *incidentHandler) editReport(w http.ResponseWriter, r *http.Request) {
	var in incident.ReportInput
	id, ok := h.decodeTo(w, r, &in)
	if !ok {
		return
	}
	rid, err := incSubID(r, "report")
	if err == nil {
		in.Version, err = ifMatch(r, in.Version)
	}
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	rep, err := h.svc.EditReport(r.Context(), id, rid, in)
	h.reply(w, r, http.StatusOK, rep, err)
}

func (h *incidentHandler) stepReport(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Version int `json:"version"`
		}
		id, ok := h.decodeTo(w, r, &in)
		if !ok {
			return
		}
		rid, err := incSubID(r, "report")
		if err != nil {
			h.s.fail(w, r, err)
			return
		}
		rep, err := h.svc.StepReport(r.Context(), id, rid, action, in.Version)
		h.reply(w, r, http.StatusOK, rep, err)
	}
}

func (h *incidentHandler) getReport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	rid, err := incSubID(r, "report")
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	_, rep, err := h.svc.Report(r.Context(), id, rid)
	h.reply(w, r, http.StatusOK, rep, err)
}

// exportReport writes a situation report as PDF or DOCX.
func (h *incidentHandler) exportReport(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			h.s.fail(w, r, err)
			return
		}
		rid, err := incSubID(r, "report")
		if err != nil {
			h.s.fail(w, r, err)
			return
		}
		_, rep, err := h.svc.Report(r.Context(), id, rid)
		if err != nil {
			h.s.fail(w, r, err)
			return
		}
		inc, err := h.svc.Get(r.Context(), id)
		if err != nil {
			h.s.fail(w, r, err)
			return
		}
		var buf bytes.Buffer
		if err := h.s.Incidents.Export(&buf, format, inc, rep); err != nil {
			h.s.fail(w, r, err)
			return
		}
		ct := map[string]string{"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}[format]
		name := rep.Number
		if name == "" {
			name = inc.Number + "-draft"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.`+format+`"`)
		w.Write(buf.Bytes())
	}
}

func (h *incidentHandler) attach(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	if err := parseMultipart(w, r, incident.MaxAttachment+1<<20, "file"); err != nil {
		h.s.fail(w, r, err)
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		h.s.fail(w, r, core.Invalid("file", "is required as a multipart part named \"file\""))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, incident.MaxAttachment+1))
	if err != nil {
		h.s.fail(w, r, core.Invalid("file", "could not be read: %v", err))
		return
	}
	a, err := h.svc.Attach(r.Context(), id, hdr.Filename, hdr.Header.Get("Content-Type"), data)
	h.reply(w, r, http.StatusCreated, a, err)
}

func (h *incidentHandler) attachment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	aid, err := incSubID(r, "attachment")
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	if _, err := h.svc.Store.GetIncident(r.Context(), id, false); err != nil {
		h.s.fail(w, r, err)
		return
	}
	a, data, err := h.svc.Store.GetAttachment(r.Context(), id, aid)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''`+url.PathEscape(a.Name))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

func (h *incidentHandler) types(w http.ResponseWriter, r *http.Request) {
	c := h.svc.Types()
	type row struct {
		*incident.EventType
		Path              string                  `json:"path"`
		EffectiveCriteria incident.Criteria       `json:"effective_criteria"`
		EffectivePolicy   incident.DeadlinePolicy `json:"effective_deadlines"`
	}
	out := []row{}
	for _, t := range c.List() {
		out = append(out, row{t, c.Path(t.Code), c.Criteria(t.Code), c.Policy(t.Code)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out), "categories": incident.Categories})
}

func (h *incidentHandler) putType(w http.ResponseWriter, r *http.Request) {
	var t incident.EventType
	if _, ok := h.decodeTo(w, r, &t); !ok {
		return
	}
	if t.Code != "" && t.Code != r.PathValue("code") {
		h.s.fail(w, r, core.Invalid("code", "the body says %q, the path %q", t.Code, r.PathValue("code")))
		return
	}
	t.Code = r.PathValue("code")
	var err error
	if t.Version, err = ifMatch(r, t.Version); err != nil {
		h.s.fail(w, r, err)
		return
	}
	err = h.svc.PutType(r.Context(), &t)
	h.reply(w, r, http.StatusOK, &t, err)
}

func (h *incidentHandler) plans(w http.ResponseWriter, r *http.Request) {
	ps, err := h.svc.Store.ListEmergencyPlans(r.Context())
	h.reply(w, r, http.StatusOK, map[string]any{"items": ps, "total": len(ps)}, err)
}

func (h *incidentHandler) plan(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	p, err := h.svc.Store.GetEmergencyPlan(r.Context(), id)
	h.reply(w, r, http.StatusOK, p, err)
}

func (h *incidentHandler) createPlan(w http.ResponseWriter, r *http.Request) {
	var p incident.Plan
	if _, ok := h.decodeTo(w, r, &p); !ok {
		return
	}
	p.ID = 0
	err := h.svc.SavePlan(r.Context(), &p)
	h.reply(w, r, http.StatusCreated, &p, err)
}

func (h *incidentHandler) updatePlan(w http.ResponseWriter, r *http.Request) {
	var p incident.Plan
	id, ok := h.decodeTo(w, r, &p)
	if !ok {
		return
	}
	p.ID = id
	var err error
	if p.Version, err = ifMatch(r, p.Version); err != nil {
		h.s.fail(w, r, err)
		return
	}
	if p.Version == 0 {
		h.s.fail(w, r, core.Invalid("version", "send the version you read (body or If-Match)"))
		return
	}
	err = h.svc.SavePlan(r.Context(), &p)
	h.reply(w, r, http.StatusOK, &p, err)
}
