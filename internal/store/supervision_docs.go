package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/supervision"
)

// AddAssessment implements supervision.Store.
func (db *DB) AddAssessment(ctx context.Context, a *supervision.Assessment) error {
	return db.inTx(ctx, func(t *tx) error {
		doc, err := docJSON(a)
		if err != nil {
			return err
		}
		if err := t.queryRow(ctx, `INSERT INTO supervision_assessments (hazard_source_id, division_code, enterprise_id, grade, r_value, assessed_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.HazardSourceID, a.Division, nullInt(a.EnterpriseID), a.Result.Grade, a.Result.R, a.AssessedAt.UnixMilli(), doc).Scan(&a.ID); err != nil {
			return fmt.Errorf("store: assessment: %w", err)
		}
		return record(ctx, t, "grade", "hazard_source", a.HazardSourceID, a.Division, nil, a)
	})
}

// Assessments implements supervision.Store: newest first.
func (db *DB) Assessments(ctx context.Context, sourceID int64) ([]*supervision.Assessment, error) {
	sc, sargs := scopeClause(ctx)
	rows, err := db.query(ctx, `SELECT id, doc FROM supervision_assessments WHERE hazard_source_id = ?`+sc+` ORDER BY id DESC`, append([]any{sourceID}, sargs...)...)
	if err != nil {
		return nil, err
	}
	return scanDocs(rows, func(a *supervision.Assessment, id int64) { a.ID = id })
}

// CreatePlan implements supervision.Store.
func (db *DB) CreatePlan(ctx context.Context, p *supervision.Plan) error {
	return db.inTx(ctx, func(t *tx) error { return createPlan(ctx, t, p) })
}

func createPlan(ctx context.Context, t *tx, p *supervision.Plan) error {
	p.Version = 1
	doc, err := docJSON(p)
	if err != nil {
		return err
	}
	if err := t.queryRow(ctx, `INSERT INTO supervision_plans (name, division_code, state, created_at, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Name, p.Division, p.State, p.CreatedAt.UnixMilli(), p.UpdatedAt.UnixMilli(), doc).Scan(&p.ID); err != nil {
		return fmt.Errorf("store: plan: %w", err)
	}
	return record(ctx, t, "draw", "inspection_plan", p.ID, p.Division, nil, map[string]any{"seed": p.Seed, "pool": p.Pool, "roster": p.Roster, "assignments": p.Assignments})
}

func updatePlan(ctx context.Context, t *tx, p *supervision.Plan, action string) error {
	sc, sargs := scopeClause(ctx)
	p.Version++
	doc, err := docJSON(p)
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, `UPDATE supervision_plans SET state = ?, updated_at = ?, doc = ?, version = version + 1 WHERE id = ? AND version = ?`+sc,
		append([]any{p.State, p.UpdatedAt.UnixMilli(), doc, p.ID, p.Version - 1}, sargs...)...)
	if err != nil {
		return fmt.Errorf("store: update plan %d: %w", p.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		p.Version--
		return core.Errorf(core.ECONFLICT, "plan %d was changed meanwhile; reload it", p.ID)
	}
	return record(ctx, t, action, "inspection_plan", p.ID, p.Division, nil, map[string]any{"state": p.State, "version": p.Version})
}

// UpdatePlan implements supervision.Store.
func (db *DB) UpdatePlan(ctx context.Context, p *supervision.Plan, action string) error {
	return db.inTx(ctx, func(t *tx) error { return updatePlan(ctx, t, p, action) })
}

func (db *DB) plans(ctx context.Context, where string, args ...any) ([]*supervision.Plan, error) {
	rows, err := db.query(ctx, `SELECT id, doc FROM supervision_plans`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: plans: %w", err)
	}
	return scanDocs(rows, func(p *supervision.Plan, id int64) { p.ID = id })
}

// GetPlan implements supervision.Store.
func (db *DB) GetPlan(ctx context.Context, id int64) (*supervision.Plan, error) {
	sc, sargs := scopeClause(ctx)
	ps, err := db.plans(ctx, ` WHERE id = ?`+sc, append([]any{id}, sargs...)...)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, core.Errorf(core.ENOTFOUND, "inspection plan %d not found", id)
	}
	return ps[0], nil
}

// ListPlans implements supervision.Store.
func (db *DB) ListPlans(ctx context.Context) ([]*supervision.Plan, error) {
	sc, sargs := scopeClause(ctx)
	return db.plans(ctx, ` WHERE 1 = 1`+sc+` ORDER BY id DESC`, sargs...)
}

// PublishedPlans implements supervision.Store.
func (db *DB) PublishedPlans(ctx context.Context, limit int) ([]*supervision.Plan, error) {
	return db.plans(ctx, ` WHERE state = 'published' ORDER BY id DESC LIMIT ?`, limit)
}

// CreateRecord implements supervision.Store.
func (db *DB) CreateRecord(ctx context.Context, r *supervision.Record, hazards []*supervision.HiddenDanger, plan *supervision.Plan) error {
	return db.inTx(ctx, func(t *tx) error {
		var planID any
		if r.PlanID != 0 {
			planID = r.PlanID
		}
		// the record's ID is needed by its hidden dangers, and theirs by the
		// record's items: insert, then store the document.
		if err := t.queryRow(ctx, `INSERT INTO supervision_records (plan_id, enterprise_id, division_code, result, inspected_at, doc) VALUES (?, ?, ?, ?, ?, '{}') RETURNING id`,
			planID, r.EnterpriseID, r.Division, r.Result, r.InspectedAt.UnixMilli()).Scan(&r.ID); err != nil {
			return fmt.Errorf("store: inspection record: %w", err)
		}
		k := 0
		for i := range r.Items {
			if r.Items[i].Hazard == nil {
				continue
			}
			h := hazards[k]
			k++
			h.InspectionID = r.ID
			step := supervision.HazardStep{At: h.ReportedAt, Action: "report", Actor: h.ReportedBy, ToState: h.State, Note: fmt.Sprintf("found by inspection #%d, item %s", r.ID, r.Items[i].Code)}
			if err := createHazard(ctx, t, h, step); err != nil {
				return err
			}
			r.Items[i].Hazard.HazardID = h.ID
		}
		doc, err := docJSON(r)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE supervision_records SET doc = ? WHERE id = ?`, doc, r.ID); err != nil {
			return err
		}
		if err := record(ctx, t, "inspect", "inspection_record", r.ID, r.Division, nil, r); err != nil {
			return err
		}
		if plan == nil {
			return nil
		}
		for i := range plan.Assignments {
			if plan.Assignments[i].EnterpriseID == r.EnterpriseID {
				plan.Assignments[i].RecordID, plan.Assignments[i].Result = r.ID, r.Result
			}
		}
		plan.UpdatedAt = r.CreatedAt
		return updatePlan(ctx, t, plan, "result")
	})
}

// GetRecord implements supervision.Store.
func (db *DB) GetRecord(ctx context.Context, id int64) (*supervision.Record, error) {
	sc, sargs := scopeClause(ctx)
	rows, err := db.query(ctx, `SELECT id, doc FROM supervision_records WHERE id = ?`+sc, append([]any{id}, sargs...)...)
	if err != nil {
		return nil, err
	}
	rs, err := scanDocs(rows, func(r *supervision.Record, id int64) { r.ID = id })
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, core.Errorf(core.ENOTFOUND, "inspection record %d not found", id)
	}
	return rs[0], nil
}

// ListRecords implements supervision.Store (0: every enterprise in scope).
func (db *DB) ListRecords(ctx context.Context, enterpriseID int64) ([]*supervision.Record, error) {
	sc, sargs := scopeClause(ctx)
	where, args := ` WHERE 1 = 1`, []any{}
	if enterpriseID != 0 {
		where, args = ` WHERE enterprise_id = ?`, []any{enterpriseID}
	}
	rows, err := db.query(ctx, `SELECT id, doc FROM supervision_records`+where+sc+` ORDER BY inspected_at DESC, id DESC`, append(args, sargs...)...)
	if err != nil {
		return nil, err
	}
	return scanDocs(rows, func(r *supervision.Record, id int64) { r.ID = id })
}

// CreateCase implements supervision.Store.
func (db *DB) CreateCase(ctx context.Context, c *supervision.Case) error {
	return db.inTx(ctx, func(t *tx) error {
		c.Version = 1
		doc, err := docJSON(c)
		if err != nil {
			return err
		}
		if err := t.queryRow(ctx, `INSERT INTO supervision_cases (enterprise_id, division_code, state, filed_at, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			c.EnterpriseID, c.Division, c.State, c.FiledAt.UnixMilli(), c.UpdatedAt.UnixMilli(), doc).Scan(&c.ID); err != nil {
			return fmt.Errorf("store: case: %w", err)
		}
		return record(ctx, t, "file", "enforcement_case", c.ID, c.Division, nil, c)
	})
}

// UpdateCase implements supervision.Store.
func (db *DB) UpdateCase(ctx context.Context, c *supervision.Case) error {
	return db.inTx(ctx, func(t *tx) error {
		sc, sargs := scopeClause(ctx)
		var old string
		if err := t.queryRow(ctx, `SELECT doc FROM supervision_cases WHERE id = ?`+sc, append([]any{c.ID}, sargs...)...).Scan(&old); err == sql.ErrNoRows {
			return core.Errorf(core.ENOTFOUND, "case %d not found", c.ID)
		} else if err != nil {
			return err
		}
		c.Version++
		doc, err := docJSON(c)
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE supervision_cases SET state = ?, updated_at = ?, doc = ?, version = version + 1 WHERE id = ? AND version = ?`,
			c.State, c.UpdatedAt.UnixMilli(), doc, c.ID, c.Version-1)
		if err != nil {
			return fmt.Errorf("store: update case %d: %w", c.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			c.Version--
			return core.Errorf(core.ECONFLICT, "case %d was changed meanwhile; reload it", c.ID)
		}
		return record(ctx, t, "update", "enforcement_case", c.ID, c.Division, rawJSON(old), c)
	})
}

// GetCase implements supervision.Store.
func (db *DB) GetCase(ctx context.Context, id int64) (*supervision.Case, error) {
	sc, sargs := scopeClause(ctx)
	rows, err := db.query(ctx, `SELECT id, doc FROM supervision_cases WHERE id = ?`+sc, append([]any{id}, sargs...)...)
	if err != nil {
		return nil, err
	}
	cs, err := scanDocs(rows, func(c *supervision.Case, id int64) { c.ID = id })
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, core.Errorf(core.ENOTFOUND, "case %d not found", id)
	}
	return cs[0], nil
}

// ListCases implements supervision.Store (0: every enterprise in scope).
func (db *DB) ListCases(ctx context.Context, enterpriseID int64) ([]*supervision.Case, error) {
	sc, sargs := scopeClause(ctx)
	where, args := ` WHERE 1 = 1`, []any{}
	if enterpriseID != 0 {
		where, args = ` WHERE enterprise_id = ?`, []any{enterpriseID}
	}
	rows, err := db.query(ctx, `SELECT id, doc FROM supervision_cases`+where+sc+` ORDER BY filed_at DESC, id DESC`, append(args, sargs...)...)
	if err != nil {
		return nil, err
	}
	return scanDocs(rows, func(c *supervision.Case, id int64) { c.ID = id })
}

type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }
