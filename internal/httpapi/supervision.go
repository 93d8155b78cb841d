package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/ledger"
	"github.com/yingji/yingji/internal/supervision"
	"github.com/yingji/yingji/internal/supervision/gb18218"
)

// Supervision is what the API needs for safety supervision (issue 8).
type Supervision struct {
	Service *supervision.Service
}

// supervisionRoutes are safety supervision (issue 8) routes.
func (s *Server) supervisionRoutes() []Route {
	if s.Supervision == nil {
		return nil
	}
	return []Route{
		{"POST", "/api/v1/hazard-sources/assess", auth.SupervisionRead, "GB 18218-2018: S, R and the grade of an inventory", s.assessHazard},
		{"POST", "/api/v1/hazard-sources/{id}/grade", auth.SupervisionWrite, "Grade a registered hazard source and keep the result", s.gradeSource},
		{"GET", "/api/v1/hazard-sources/{id}/assessments", auth.SupervisionRead, "A hazard source's gradings, newest first", s.sourceAssessments},
		{"GET", "/api/v1/supervision/reference", auth.SupervisionRead, "GB 18218 tables, hidden-danger criteria, diagnosis items and checklists, with what was verified", s.supervisionReference},

		{"GET", "/api/v1/hidden-dangers", auth.SupervisionRead, "Hidden dangers in your area, overdue first (JSON or CSV)", s.listHazards},
		{"POST", "/api/v1/hidden-dangers", auth.HazardsReport, "Report a hidden danger", s.reportHazard},
		{"GET", "/api/v1/hidden-dangers/{id}", auth.SupervisionRead, "A hidden danger with its steps and photos", s.getHazard},
		{"POST", "/api/v1/hidden-dangers/{id}/actions", auth.HazardsReport, "Start, update or rectify; verify, reject or close (inspectors)", s.actOnHazard},
		{"POST", "/api/v1/hidden-dangers/{id}/photos", auth.HazardsReport, "Upload an evidence photo (JPEG, PNG or WebP, at most 5 MB)", s.uploadPhoto},
		{"GET", "/api/v1/hidden-dangers/{id}/photos/{photo}", auth.SupervisionRead, "An evidence photo", s.getPhoto},

		{"GET", "/api/v1/enterprise-risk", auth.SupervisionRead, "Enterprises ranked by risk with what drove each grade (JSON, GeoJSON map layer or CSV)", s.listRisk},
		{"GET", "/api/v1/enterprise-risk/diagnoses", auth.SupervisionRead, "Inherent-risk diagnoses of an enterprise, newest first", s.listDiagnoses},
		{"POST", "/api/v1/enterprise-risk/diagnoses", auth.SupervisionWrite, "Enter an enterprise's MEM 2018 diagnosis", s.addDiagnosis},
		{"GET", "/api/v1/enterprise-risk/weights", auth.SupervisionRead, "The dynamic-risk weights", s.getWeights},
		{"PUT", "/api/v1/enterprise-risk/weights", auth.SupervisionWrite, "Set the dynamic-risk weights", s.putWeights},

		{"GET", "/api/v1/inspection-plans", auth.SupervisionRead, "Inspection plans in your area", s.listPlans},
		{"POST", "/api/v1/inspection-plans", auth.SupervisionWrite, "Create a plan and draw it (double random, recorded seed)", s.createPlan},
		{"GET", "/api/v1/inspection-plans/{id}", auth.SupervisionRead, "An inspection plan with its draw", s.getPlan},
		{"POST", "/api/v1/inspection-plans/{id}/publish", auth.SupervisionWrite, "Publish a plan's draw and results", s.publishPlan},
		{"GET", "/api/v1/public/inspection-plans", "", "Published double-random plans and results (public, no sign-in)", s.publicPlans},
		{"GET", "/api/v1/inspection-records", auth.SupervisionRead, "Inspection records (JSON or CSV)", s.listRecords},
		{"POST", "/api/v1/inspection-records", auth.SupervisionWrite, "Record an inspection; failed items may become hidden dangers", s.createRecord},
		{"GET", "/api/v1/inspection-records/{id}", auth.SupervisionRead, "An inspection record", s.getRecord},
		{"GET", "/api/v1/enforcement-cases", auth.SupervisionRead, "Enforcement cases (JSON or CSV)", s.listCases},
		{"POST", "/api/v1/enforcement-cases", auth.SupervisionWrite, "File an enforcement case", s.createCase},
		{"GET", "/api/v1/enforcement-cases/{id}", auth.SupervisionRead, "An enforcement case", s.getCase},
		{"PATCH", "/api/v1/enforcement-cases/{id}", auth.SupervisionWrite, "Change a case (If-Match: its version)", s.updateCase},
	}
}

func (s *Server) sv() *supervision.Service { return s.Supervision.Service }

func (s *Server) assessHazard(w http.ResponseWriter, r *http.Request) {
	var in gb18218.Input
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.sv().Table.Assess(in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) gradeSource(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := readBody(w, r, 1<<20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in *gb18218.Input
	if len(bytes.TrimSpace(body)) > 0 && string(bytes.TrimSpace(body)) != "{}" {
		in = &gb18218.Input{}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(in); err != nil {
			s.fail(w, r, core.Invalid("body", "malformed JSON: %v", err))
			return
		}
	}
	a, err := s.sv().GradeSource(r.Context(), id, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, a)
}

func (s *Server) sourceAssessments(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	as, err := s.sv().Store.Assessments(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, List[*supervision.Assessment]{Items: as, Total: len(as), Limit: len(as)})
}

func (s *Server) supervisionReference(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"gb18218": s.sv().Table, "reference": s.sv().Ref,
		"hazard_states": supervision.HazardStates, "sources": supervision.Sources, "case_states": supervision.CaseStates, "penalty_kinds": supervision.PenaltyKinds})
}

func (s *Server) listHazards(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f supervision.HazardFilter
	var err error
	if f.Limit, err = intParam(q, "limit", 200, 1, 5000); err == nil {
		f.Offset, err = intParam(q, "offset", 0, 0, 1<<30)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Division, f.Level, f.Source, f.States = q.Get("division"), q.Get("level"), q.Get("source"), splitList(q.Get("state"))
	if f.EnterpriseID, err = enterpriseParam(r); err != nil {
		s.fail(w, r, err)
		return
	}
	if q.Get("overdue") == "true" {
		f.OverdueAt = s.sv().Clock()
	}
	hs, total, err := s.sv().Hazards(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isTable(q.Get("format")) {
		rows := [][]string{{"编号", "企业", "区划", "行业", "隐患", "等级", "判定依据", "来源", "状态", "责任人", "整改措施", "整改期限", "是否逾期", "上报人", "上报时间"}}
		for _, h := range hs {
			rows = append(rows, []string{cell(h.ID), cell(h.Enterprise), h.Division, h.Industry, cell(h.Title), h.Level, h.Criterion, h.Source, h.State,
				cell(h.Responsible), cell(h.Measures), shTime(h.Deadline), strconv.FormatBool(h.Overdue), cell(h.ReportedBy), shTime(&h.ReportedAt)})
		}
		writeTableRows(w, r, "hidden-dangers", rows)
		return
	}
	writeJSON(w, http.StatusOK, List[*supervision.HiddenDanger]{Items: hs, Total: total, Limit: f.Limit, Offset: f.Offset})
}

func format(v string) string { return strings.ToLower(strings.TrimSpace(v)) }

// shTime shows a time in Asia/Shanghai for spreadsheets.
func shTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(core.Beijing).Format("2006-01-02 15:04")
}

// isTable reports whether a list was asked for as a spreadsheet.
func isTable(f string) bool { f = format(f); return f == "csv" || f == "xlsx" }

// writeTableRows writes a list (the first row its Chinese headers) as CSV,
// UTF-8 with a byte-order mark for Excel, or with format=xlsx as a workbook.
func writeTableRows(w http.ResponseWriter, r *http.Request, name string, rows [][]string) {
	if format(r.URL.Query().Get("format")) == "xlsx" && len(rows) > 0 {
		body := make([][]any, 0, len(rows)-1)
		for _, row := range rows[1:] {
			out := make([]any, len(row))
			for i, c := range row {
				// cell() guards CSV against formulas with a leading
				// apostrophe; a workbook cell is text and needs none.
				if len(c) > 1 && c[0] == '\'' && strings.ContainsRune("=+-@", rune(c[1])) {
					c = c[1:]
				}
				out[i] = c
			}
			body = append(body, out)
		}
		w.Header().Set("Content-Type", xlsxType)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.xlsx"`, name))
		if err := ledger.WriteTable(w, name, rows[0], body); err != nil {
			slog.Default().Warn("xlsx export", "list", name, "err", err)
		}
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, name))
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.WriteAll(rows)
}

func (s *Server) reportHazard(w http.ResponseWriter, r *http.Request) {
	var in supervision.HazardInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := s.sv().Report(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, h)
}

func (s *Server) getHazard(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := s.sv().Hazard(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) actOnHazard(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var act supervision.HazardAction
	if err := decodeJSON(w, r, &act); err != nil {
		s.fail(w, r, err)
		return
	}
	if act.Version, err = ifMatch(r, act.Version); err != nil {
		s.fail(w, r, err)
		return
	}
	a := core.ActorFrom(r.Context())
	h, err := s.sv().Act(r.Context(), id, act, a != nil && auth.Can(a.Role, auth.SupervisionWrite))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) uploadPhoto(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := readBody(w, r, supervision.MaxPhotoBytes)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.sv().AddPhoto(r.Context(), id, data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) getPhoto(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pid, err := strconv.ParseInt(r.PathValue("photo"), 10, 64)
	if err != nil {
		s.fail(w, r, core.Invalid("photo", "%q is not an ID", r.PathValue("photo")))
		return
	}
	p, data, err := s.sv().Store.Photo(r.Context(), id, pid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", p.ContentType)
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.Write(data)
}

func (s *Server) listRisk(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	grades, weights, err := s.sv().Grades(r.Context(), supervision.RiskFilter{Division: q.Get("division"), Industry: q.Get("industry"), Color: q.Get("color")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch format(q.Get("format")) {
	case "geojson":
		type feature struct {
			Type       string         `json:"type"`
			ID         int64          `json:"id"`
			Geometry   map[string]any `json:"geometry"`
			Properties map[string]any `json:"properties"`
		}
		fc := struct {
			Type     string    `json:"type"`
			Features []feature `json:"features"`
			Total    int       `json:"total"`
		}{Type: "FeatureCollection", Features: []feature{}}
		for i, g := range grades {
			if g.Lon == 0 && g.Lat == 0 {
				continue
			}
			fc.Features = append(fc.Features, feature{Type: "Feature", ID: g.EnterpriseID,
				Geometry: map[string]any{"type": "Point", "coordinates": []float64{g.Lon, g.Lat}},
				Properties: map[string]any{"rank": i + 1, "enterprise_id": g.EnterpriseID, "name": g.Enterprise, "division_code": g.Division, "industry": g.Industry,
					"color": g.Color, "score": g.Score, "inherent_score": g.Inherent, "dynamic_deduction": g.Dynamic, "drivers": g.Drivers}})
		}
		fc.Total = len(fc.Features)
		w.Header().Set("Content-Type", "application/geo+json")
		json.NewEncoder(w).Encode(fc)
	case "csv", "xlsx":
		rows := [][]string{{"排名", "企业", "区划", "行业", "风险等级", "综合得分", "固有风险得分", "动态扣分", "主要因素"}}
		for i, g := range grades {
			var drivers []string
			for _, d := range g.Drivers {
				drivers = append(drivers, fmt.Sprintf("%s×%d=%g", d.Factor, d.Count, d.Points))
			}
			inh := ""
			if g.Inherent != nil {
				inh = cell(*g.Inherent)
			}
			rows = append(rows, []string{strconv.Itoa(i + 1), cell(g.Enterprise), g.Division, g.Industry, g.Color, cell(g.Score), inh, cell(g.Dynamic), strings.Join(drivers, "; ")})
		}
		writeTableRows(w, r, "enterprise-risk", rows)
	default:
		writeJSON(w, http.StatusOK, map[string]any{"items": grades, "total": len(grades), "weights": weights})
	}
}

func (s *Server) listDiagnoses(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.URL.Query().Get("enterprise_id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, core.Invalid("enterprise_id", "is required"))
		return
	}
	ds, err := s.sv().Store.Diagnoses(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, List[*supervision.Diagnosis]{Items: ds, Total: len(ds), Limit: len(ds)})
}

func (s *Server) addDiagnosis(w http.ResponseWriter, r *http.Request) {
	var in supervision.DiagnosisInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.sv().Diagnose(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

func (s *Server) getWeights(w http.ResponseWriter, r *http.Request) {
	wt, err := s.sv().Weights(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wt)
}

func (s *Server) putWeights(w http.ResponseWriter, r *http.Request) {
	wt := supervision.DefaultWeights()
	if err := decodeJSON(w, r, &wt); err != nil {
		s.fail(w, r, err)
		return
	}
	if a := core.ActorFrom(r.Context()); a != nil && !a.System && a.Division != "" && len(a.Division) > 4 && !strings.HasSuffix(a.Division, "00") {
		// the weights are the bureau's, for the whole city.
		s.fail(w, r, core.Errorf(core.EFORBIDDEN, "the risk weights are set at the city level"))
		return
	}
	if v, err := ifMatch(r, 0); err != nil {
		s.fail(w, r, err)
		return
	} else if v != 0 {
		wt.Version = v
	}
	if err := wt.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.sv().Store.SaveWeights(r.Context(), &wt); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wt)
}
