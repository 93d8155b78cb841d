package supervision

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
)

// CreatePlan builds the pool from the filter, the roster from the
// inspectors in the area, records a seed (or replays the given one) and
// draws. The pool and roster are stored with the plan so that the draw can
// be re-run from the seed later, whatever the registry has become.
func (s *Service) CreatePlan(ctx context.Context, in PlanInput) (*Plan, error) {
	if err := in.validate().Err("the plan has problems; nothing was stored"); err != nil {
		return nil, err
	}
	a := core.ActorFrom(ctx)
	if a != nil && !a.System && !strings.HasPrefix(in.Filter.Division, region.Prefix(a.Division)) {
		return nil, core.Invalid("filter.division_code", "%s is outside your area", in.Filter.Division)
	}
	f := registry.Filter{Kind: registry.KEnterprise, Division: in.Filter.Division, Categories: in.Filter.Industries, Statuses: []string{"operating"}, NoGeometry: true}
	ents, _, err := s.Registry.List(ctx, f)
	if err != nil {
		return nil, err
	}
	keep := map[int64]bool{}
	if len(in.Filter.RiskColors) > 0 {
		grades, _, err := s.Grades(ctx, RiskFilter{Division: in.Filter.Division})
		if err != nil {
			return nil, err
		}
		for _, g := range grades {
			if slices.Contains(in.Filter.RiskColors, g.Color) {
				keep[g.EnterpriseID] = true
			}
		}
	}
	var pool []Assignment
	for _, e := range ents {
		if len(in.Filter.RiskColors) > 0 && !keep[e.ID] {
			continue
		}
		pool = append(pool, Assignment{EnterpriseID: e.ID, Enterprise: e.Name, CreditCode: e.Code, Industry: e.Category})
	}
	if len(pool) == 0 {
		return nil, core.Invalid("filter", "no operating enterprise matches the filter")
	}
	roster, err := s.Inspectors(ctx, in.Filter.Division)
	if err != nil {
		return nil, err
	}
	if len(in.InspectorIDs) > 0 {
		roster = slices.DeleteFunc(roster, func(p Person) bool { return !slices.Contains(in.InspectorIDs, p.ID) })
	}
	slices.SortFunc(roster, func(a, b Person) int { return int(a.ID - b.ID) })
	if len(roster) < in.TeamSize {
		return nil, core.Invalid("inspector_ids", "the roster has %d inspectors; a team needs %d", len(roster), in.TeamSize)
	}
	seed := NewSeed()
	if in.Seed != nil {
		seed = *in.Seed
	}
	now := s.Clock()
	p := &Plan{Name: in.Name, Division: in.Filter.Division, Matter: strings.TrimSpace(in.Matter), Filter: in.Filter, EnterpriseN: in.EnterpriseN,
		TeamSize: in.TeamSize, Seed: seed, Roster: roster, State: PlanDrawn, DueDate: in.DueDate, CreatedBy: actorName(ctx), CreatedAt: now, UpdatedAt: now}
	for _, a := range pool {
		p.Pool = append(p.Pool, a.EnterpriseID)
	}
	slices.Sort(p.Pool)
	p.Assignments = assign(seed, pool, roster, in.EnterpriseN, in.TeamSize)
	if err := s.Store.CreatePlan(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Redraw re-runs a stored plan's draw from its seed, pool and roster; a
// published result can be checked this way.
func Redraw(p *Plan) []int64 {
	return Draw(p.Seed, "enterprises", p.Pool, p.EnterpriseN)
}

// PublishPlan makes a plan's draw and results public (一公开).
func (s *Service) PublishPlan(ctx context.Context, id int64, version int) (*Plan, error) {
	p, err := s.Store.GetPlan(ctx, id)
	if err != nil {
		return nil, err
	}
	if version != 0 && version != p.Version {
		return nil, core.Errorf(core.ECONFLICT, "plan %d was changed by someone else (version %d, you sent %d); reload it", id, p.Version, version)
	}
	now := s.Clock()
	p.State, p.PublishedAt, p.UpdatedAt = PlanPublished, &now, now
	if err := s.Store.UpdatePlan(ctx, p, "publish"); err != nil {
		return nil, err
	}
	return p, nil
}

// RecordInspection stores an inspection; failed items with a hazard become
// hidden dangers (source "inspection") in the same transaction.
func (s *Service) RecordInspection(ctx context.Context, in RecordInput) (*Record, error) {
	ent, err := s.enterprise(ctx, in.EnterpriseID)
	if err != nil && in.EnterpriseID > 0 {
		return nil, err
	}
	industry := ""
	if ent != nil {
		industry = ent.Category
	}
	now := s.Clock()
	if err := in.validate(s.Ref.Checklist(industry), s.Ref.Criteria, now).Err("the inspection record has problems; nothing was stored"); err != nil {
		return nil, err
	}
	var plan *Plan
	if in.PlanID != 0 {
		if plan, err = s.Store.GetPlan(ctx, in.PlanID); err != nil {
			return nil, core.Invalid("plan_id", "plan %d does not exist or is outside your area", in.PlanID)
		}
		found := false
		for _, a := range plan.Assignments {
			found = found || a.EnterpriseID == ent.ID
		}
		if !found {
			return nil, core.Invalid("plan_id", "enterprise %d was not drawn by plan %d", ent.ID, plan.ID)
		}
	}
	r := &Record{PlanID: in.PlanID, EnterpriseID: ent.ID, Enterprise: ent.Name, Division: ent.Division, Industry: industry, Inspectors: in.Inspectors,
		InspectedAt: in.InspectedAt.UTC(), Items: in.Items, Conclusion: strings.TrimSpace(in.Conclusion), Result: "pass", CreatedBy: actorName(ctx), CreatedAt: now}
	var hazards []*HiddenDanger
	for _, it := range r.Items {
		if it.Result == "fail" {
			r.Result = "findings"
		}
		if it.Hazard == nil {
			continue
		}
		h := &HiddenDanger{EnterpriseID: ent.ID, Enterprise: ent.Name, Division: ent.Division, Industry: industry,
			Title: it.Item, Description: strings.TrimSpace(it.Note), Source: "inspection", Level: it.Hazard.Level, Criterion: it.Hazard.Criterion,
			State: Reported, ReportedBy: r.CreatedBy, ReportedAt: now, UpdatedAt: now}
		if err := h.plan(it.Hazard.Responsible, it.Hazard.Measures, it.Hazard.Deadline, now); err != nil {
			return nil, fmt.Errorf("item %s: %w", it.Code, err)
		}
		hazards = append(hazards, h)
	}
	if err := s.Store.CreateRecord(ctx, r, hazards, plan); err != nil {
		return nil, err
	}
	return r, nil
}

// OpenCase files an enforcement case.
func (s *Service) OpenCase(ctx context.Context, in CaseInput) (*Case, error) {
	if err := in.validate().Err("the case has problems; nothing was stored"); err != nil {
		return nil, err
	}
	ent, err := s.enterprise(ctx, in.EnterpriseID)
	if err != nil {
		return nil, err
	}
	if in.RecordID != 0 {
		if _, err := s.Store.GetRecord(ctx, in.RecordID); err != nil {
			return nil, core.Invalid("record_id", "inspection record %d does not exist or is outside your area", in.RecordID)
		}
	}
	now := s.Clock()
	if in.Documents == nil {
		in.Documents = []Document{}
	}
	c := &Case{EnterpriseID: ent.ID, Enterprise: ent.Name, Division: ent.Division, Industry: ent.Category, RecordID: in.RecordID,
		Violation: strings.TrimSpace(in.Violation), LegalBasis: strings.TrimSpace(in.LegalBasis), PenaltyKind: in.PenaltyKind, FineCNY: in.FineCNY,
		Documents: in.Documents, State: "filed", FiledAt: now, CreatedBy: actorName(ctx), UpdatedAt: now}
	if err := s.Store.CreateCase(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateCase changes a case: its penalty, documents and state, which only
// moves forward (filed → investigating → notified → decided → executed →
// closed).
func (s *Service) UpdateCase(ctx context.Context, id int64, in CaseInput) (*Case, error) {
	c, err := s.Store.GetCase(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.Version != c.Version {
		return nil, core.Errorf(core.ECONFLICT, "case %d was changed by someone else (version %d, you sent %d); reload it", id, c.Version, in.Version)
	}
	if in.Violation == "" {
		in.Violation = c.Violation
	}
	if in.LegalBasis == "" {
		in.LegalBasis = c.LegalBasis
	}
	if err := in.validate().Err("the change has problems; nothing was stored"); err != nil {
		return nil, err
	}
	if c.State == "closed" {
		return nil, core.Errorf(core.ECONFLICT, "case %d is closed", id)
	}
	if in.State != "" && slices.Index(CaseStates, in.State) < slices.Index(CaseStates, c.State) {
		return nil, core.Invalid("state", "a case moves forward only; it is %s", c.State)
	}
	now := s.Clock()
	c.Violation, c.LegalBasis, c.PenaltyKind, c.FineCNY = strings.TrimSpace(in.Violation), strings.TrimSpace(in.LegalBasis), in.PenaltyKind, in.FineCNY
	if in.Documents != nil {
		c.Documents = in.Documents
	}
	if in.State != "" {
		c.State = in.State
	}
	if c.State == "closed" {
		c.ClosedAt = &now
	}
	c.UpdatedAt = now
	if err := s.Store.UpdateCase(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}
