package supervision

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/supervision/gb18218"
)

// Assessment is a stored GB 18218 grading of a registered hazard source.
type Assessment struct {
	ID             int64           `json:"id"`
	HazardSourceID int64           `json:"hazard_source_id"`
	Name           string          `json:"name"`
	Division       string          `json:"division_code"`
	EnterpriseID   int64           `json:"enterprise_id"`
	Input          gb18218.Input   `json:"input"`
	Result         *gb18218.Result `json:"result"`
	Assessor       string          `json:"assessor"`
	AssessedAt     time.Time       `json:"assessed_at"`
}

// GradeSource grades a registered hazard source from its registered
// inventory (or from in, when given, which is then stored on the record),
// keeps the result with its inputs and date, and writes the grade and R
// back to the registry record when it is a major hazard source.
func (s *Service) GradeSource(ctx context.Context, id int64, in *gb18218.Input) (*Assessment, error) {
	o, err := s.Registry.Get(ctx, registry.KHazardSource, id)
	if err != nil {
		return nil, err
	}
	if in == nil {
		in = &gb18218.Input{}
		if n, ok := o.Attrs["exposed_people"].(int64); ok {
			in.ExposedPeople = int(n)
		}
		if subs, ok := o.Attrs["substances"].([]registry.Substance); ok {
			for _, sub := range subs {
				in.Substances = append(in.Substances, gb18218.Item{Name: sub.Name, CAS: sub.CAS, QuantityT: sub.QuantityT})
			}
		}
		if len(in.Substances) == 0 {
			return nil, core.Invalid("substances", "hazard source %d lists no substances; enter its inventory first", id)
		}
	}
	res, err := s.Table.Assess(*in)
	if err != nil {
		return nil, err
	}
	a := &Assessment{HazardSourceID: o.ID, Name: o.Name, Division: o.Division, EnterpriseID: o.EnterpriseID, Input: *in, Result: res,
		Assessor: actorName(ctx), AssessedAt: s.Clock()}
	if err := s.Store.AddAssessment(ctx, a); err != nil {
		return nil, err
	}
	if res.Major {
		up := &registry.Input{Object: registry.Object{Attrs: map[string]any{"grade": int64(res.Grade), "r_value": res.R, "exposed_people": int64(in.ExposedPeople)}}, Set: map[string]bool{}}
		var subs []registry.Substance
		for _, it := range in.Substances {
			subs = append(subs, registry.Substance{Name: it.Name, CAS: it.CAS, QuantityT: it.QuantityT})
		}
		up.Attrs["substances"] = subs
		if _, err := s.Registry.Update(ctx, registry.HazardSource, id, up); err != nil {
			return a, err
		}
	}
	return a, nil
}

// Diagnose stores an enterprise's inherent-risk diagnosis.
func (s *Service) Diagnose(ctx context.Context, in DiagnosisInput) (*Diagnosis, error) {
	score, color, err := s.Ref.Score(in)
	if err != nil {
		return nil, err
	}
	ent, err := s.enterprise(ctx, in.EnterpriseID)
	if err != nil {
		return nil, err
	}
	if in.Deductions == nil {
		in.Deductions = []Deduction{}
	}
	if in.RedFlags == nil {
		in.RedFlags = []string{}
	}
	d := &Diagnosis{EnterpriseID: ent.ID, Enterprise: ent.Name, Division: ent.Division, Industry: ent.Category, Deductions: in.Deductions,
		RedFlags: in.RedFlags, Score: score, Color: color, Note: strings.TrimSpace(in.Note), Assessor: actorName(ctx), AssessedAt: s.Clock()}
	if err := s.Store.AddDiagnosis(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

// Weights returns the configured weights (defaults when never set).
func (s *Service) Weights(ctx context.Context) (Weights, error) {
	w, err := s.Store.Weights(ctx)
	if err != nil || w == nil {
		return DefaultWeights(), err
	}
	return *w, nil
}

// RiskFilter selects the ranked list.
type RiskFilter struct {
	Division string
	Industry string
	Color    string
}

// Grades rates every enterprise in the actor's scope (and the filter),
// the most severe first.
func (s *Service) Grades(ctx context.Context, f RiskFilter) ([]Grade, Weights, error) {
	w, err := s.Weights(ctx)
	if err != nil {
		return nil, w, err
	}
	now := s.Clock()
	from := now.Add(-time.Duration(w.WindowDays) * 24 * time.Hour)
	rf := registry.Filter{Kind: registry.KEnterprise, Division: f.Division, NoGeometry: false}
	if f.Industry != "" {
		rf.Categories = []string{f.Industry}
	}
	ents, _, err := s.Registry.List(ctx, rf)
	if err != nil {
		return nil, w, err
	}
	diags, err := s.Store.LatestDiagnoses(ctx)
	if err != nil {
		return nil, w, err
	}
	acts, err := s.Store.RiskActivity(ctx, from, now)
	if err != nil {
		return nil, w, err
	}
	alarms, err := s.Alarms.AlarmActivity(ctx, from, now)
	if err != nil {
		return nil, w, err
	}
	var accidents map[int64]int
	if s.Accidents != nil {
		if accidents, err = s.Accidents(ctx, from, now); err != nil {
			return nil, w, err
		}
	}
	out := make([]Grade, 0, len(ents))
	for _, e := range ents {
		act := Activity{Alarms: map[string]int{}}
		if a := acts[e.ID]; a != nil {
			act = *a
			act.Alarms = map[string]int{}
		}
		if a := alarms[e.ID]; a != nil {
			for l, n := range a.Alarms {
				act.Alarms[l] = n
			}
			act.LateAlarms = a.LateAlarms
		}
		act.Accidents = accidents[e.ID]
		g := Rate(diags[e.ID], act, w)
		g.EnterpriseID, g.Enterprise, g.Division, g.Industry = e.ID, e.Name, e.Division, e.Category
		if e.Geometry != nil {
			p := e.Anchor()
			g.Lon, g.Lat = p[0], p[1]
		}
		if f.Color != "" && g.Color != f.Color {
			continue
		}
		out = append(out, g)
	}
	slices.SortStableFunc(out, func(a, b Grade) int {
		if r := ColorRank(b.Color) - ColorRank(a.Color); r != 0 {
			return r
		}
		switch {
		case a.Score < b.Score:
			return -1
		case a.Score > b.Score:
			return 1
		}
		return int(a.EnterpriseID - b.EnterpriseID)
	})
	return out, w, nil
}
