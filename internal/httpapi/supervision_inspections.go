package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/supervision"
)

// Inspection plans, the public results, inspection records and
// enforcement cases (see supervisionRoutes).

func (s *Server) listPlans(w http.ResponseWriter, r *http.Request) {
	ps, err := s.sv().Store.ListPlans(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, List[*supervision.Plan]{Items: ps, Total: len(ps), Limit: len(ps)})
}

func (s *Server) createPlan(w http.ResponseWriter, r *http.Request) {
	var in supervision.PlanInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.sv().CreatePlan(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) getPlan(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.sv().Store.GetPlan(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) publishPlan(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		var v int
		if v, err = ifMatch(r, 0); err == nil {
			var p *supervision.Plan
			if p, err = s.sv().PublishPlan(r.Context(), id, v); err == nil {
				writeJSON(w, http.StatusOK, p)
				return
			}
		}
	}
	s.fail(w, r, err)
}

// PublicPlan is what the public sees of a published plan: the matter, the
// draw (seed, pool, algorithm) and each drawn enterprise's result; not the
// inspectors' roster.
type PublicPlan struct {
	ID          int64          `json:"id"`
	Name        string         `json:"name"`
	Matter      string         `json:"matter"`
	Division    string         `json:"division_code"`
	Seed        int64          `json:"seed"`
	Pool        []int64        `json:"pool"`
	Count       int            `json:"enterprise_count"`
	PublishedAt *time.Time     `json:"published_at"`
	Results     []PublicResult `json:"results"`
	Algorithm   string         `json:"algorithm"`
}

// PublicResult is one drawn enterprise's published result.
type PublicResult struct {
	Enterprise string `json:"enterprise_name"`
	CreditCode string `json:"credit_code"`
	Industry   string `json:"industry"`
	Result     string `json:"result"`
}

func (s *Server) publicPlans(w http.ResponseWriter, r *http.Request) {
	ps, err := s.sv().Store.PublishedPlans(r.Context(), 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []PublicPlan{}
	for _, p := range ps {
		pp := PublicPlan{ID: p.ID, Name: p.Name, Matter: p.Matter, Division: p.Division, Seed: p.Seed, Pool: p.Pool, Count: p.EnterpriseN, PublishedAt: p.PublishedAt,
			Results: []PublicResult{}, Algorithm: "sorted pool, partial Fisher-Yates, SHA-256 counter stream 'yingji-draw/enterprises/' (docs/supervision.md)"}
		for _, a := range p.Assignments {
			res := a.Result
			if res == "" {
				res = "pending"
			}
			pp.Results = append(pp.Results, PublicResult{Enterprise: a.Enterprise, CreditCode: a.CreditCode, Industry: a.Industry, Result: res})
		}
		out = append(out, pp)
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, List[PublicPlan]{Items: out, Total: len(out), Limit: len(out)})
}

func enterpriseParam(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("enterprise_id")
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, core.Invalid("enterprise_id", "%q is not an ID", v)
	}
	return id, nil
}

func (s *Server) listRecords(w http.ResponseWriter, r *http.Request) {
	ent, err := enterpriseParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rs, err := s.sv().Store.ListRecords(r.Context(), ent)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isTable(r.URL.Query().Get("format")) {
		rows := [][]string{{"编号", "计划", "企业", "区划", "行业", "检查人员", "检查时间", "结果", "结论"}}
		for _, rec := range rs {
			rows = append(rows, []string{cell(rec.ID), cell(rec.PlanID), cell(rec.Enterprise), rec.Division, rec.Industry, cell(strings.Join(rec.Inspectors, "、")),
				shTime(&rec.InspectedAt), rec.Result, cell(rec.Conclusion)})
		}
		writeTableRows(w, r, "inspection-records", rows)
		return
	}
	writeJSON(w, http.StatusOK, List[*supervision.Record]{Items: rs, Total: len(rs), Limit: len(rs)})
}

func (s *Server) createRecord(w http.ResponseWriter, r *http.Request) {
	var in supervision.RecordInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	rec, err := s.sv().RecordInspection(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rec)
}

func (s *Server) getRecord(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rec, err := s.sv().Store.GetRecord(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request) {
	ent, err := enterpriseParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cs, err := s.sv().Store.ListCases(r.Context(), ent)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isTable(r.URL.Query().Get("format")) {
		rows := [][]string{{"编号", "企业", "区划", "违法行为", "法律依据", "处罚种类", "罚款（元）", "状态", "立案时间"}}
		for _, c := range cs {
			rows = append(rows, []string{cell(c.ID), cell(c.Enterprise), c.Division, cell(c.Violation), cell(c.LegalBasis), c.PenaltyKind, cell(c.FineCNY), c.State, shTime(&c.FiledAt)})
		}
		writeTableRows(w, r, "enforcement-cases", rows)
		return
	}
	writeJSON(w, http.StatusOK, List[*supervision.Case]{Items: cs, Total: len(cs), Limit: len(cs)})
}

func (s *Server) createCase(w http.ResponseWriter, r *http.Request) {
	var in supervision.CaseInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.sv().OpenCase(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.sv().Store.GetCase(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) updateCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in supervision.CaseInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if v, err := ifMatch(r, 0); err != nil {
		s.fail(w, r, err)
		return
	} else if v != 0 {
		in.Version = v
	}
	c, err := s.sv().UpdateCase(r.Context(), id, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
