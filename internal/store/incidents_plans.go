package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/incident"
)

// ListTypes implements incident.Store.
func (db *DB) ListTypes(ctx context.Context) ([]incident.EventType, error) {
	rows, err := db.query(ctx, `SELECT code, parent, category, name, name_en, std_code, criteria, deadlines, sort, updated_at, version FROM incident_types ORDER BY sort, code`)
	if err != nil {
		return nil, fmt.Errorf("store: event types: %w", err)
	}
	defer rows.Close()
	var out []incident.EventType
	for rows.Next() {
		var t incident.EventType
		var crit, dl sql.NullString
		var updated int64
		if err := rows.Scan(&t.Code, &t.Parent, &t.Category, &t.Name, &t.NameEn, &t.Std, &crit, &dl, &t.Sort, &updated, &t.Version); err != nil {
			return nil, err
		}
		t.UpdatedAt = time.UnixMilli(updated).UTC()
		if crit.Valid {
			t.Criteria = &incident.Criteria{}
			if err := json.Unmarshal([]byte(crit.String), t.Criteria); err != nil {
				return nil, fmt.Errorf("store: event type %s criteria: %w", t.Code, err)
			}
		}
		if dl.Valid {
			t.Deadlines = &incident.DeadlinePolicy{}
			if err := json.Unmarshal([]byte(dl.String), t.Deadlines); err != nil {
				return nil, fmt.Errorf("store: event type %s deadlines: %w", t.Code, err)
			}
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// PutType implements incident.Store.
func (db *DB) PutType(ctx context.Context, t *incident.EventType) error {
	crit, err := incJSONOrNull(t.Criteria, t.Criteria == nil)
	if err != nil {
		return err
	}
	dl, err := incJSONOrNull(t.Deadlines, t.Deadlines == nil)
	if err != nil {
		return err
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = time.Now().UTC()
	}
	return db.inTx(ctx, func(tx *tx) error {
		if t.Version == 0 {
			_, err := tx.exec(ctx, `INSERT INTO incident_types (code, parent, category, name, name_en, std_code, criteria, deadlines, sort, updated_at, version)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, t.Code, t.Parent, t.Category, t.Name, t.NameEn, t.Std, crit, dl, t.Sort, t.UpdatedAt.UnixMilli())
			if db.d.isUnique(err) {
				return core.Errorf(core.ECONFLICT, "event type %s already exists; send its version to change it", t.Code)
			}
			if err != nil {
				return fmt.Errorf("store: insert event type: %w", err)
			}
			t.Version = 1
			return record(ctx, tx, "create", "incident_type", 0, "", nil, t)
		}
		res, err := tx.exec(ctx, `UPDATE incident_types SET name = ?, name_en = ?, std_code = ?, criteria = ?, deadlines = ?, sort = ?, updated_at = ?, version = version + 1
			WHERE code = ? AND version = ?`, t.Name, t.NameEn, t.Std, crit, dl, t.Sort, t.UpdatedAt.UnixMilli(), t.Code, t.Version)
		if err != nil {
			return fmt.Errorf("store: update event type: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ECONFLICT, "event type %s does not exist or was changed by someone else (you sent version %d); reload it", t.Code, t.Version)
		}
		t.Version++
		return record(ctx, tx, "update", "incident_type", 0, "", nil, t)
	})
}

func incScanPlan(s scanner) (*incident.Plan, error) {
	var p incident.Plan
	var body string
	var updated int64
	if err := s.Scan(&p.ID, &p.Code, &p.Name, &body, &updated, &p.Version); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		return nil, fmt.Errorf("store: plan %d: %w", p.ID, err)
	}
	p.UpdatedAt = time.UnixMilli(updated).UTC()
	return &p, nil
}

// incPlanBody is what the body column holds; the columns hold the rest.
func incPlanBody(p *incident.Plan) (string, error) {
	b, err := json.Marshal(struct {
		Unit   string               `json:"unit"`
		Types  []string             `json:"types"`
		Levels []incident.PlanLevel `json:"levels"`
	}{p.Unit, p.Types, p.Levels})
	return string(b), err
}

// ListEmergencyPlans implements incident.Store.
func (db *DB) ListEmergencyPlans(ctx context.Context) ([]*incident.Plan, error) {
	rows, err := db.query(ctx, `SELECT id, code, name, body, updated_at, version FROM emergency_plans ORDER BY code`)
	return collect(rows, err, "plans", incScanPlan)
}

// GetEmergencyPlan implements incident.Store.
func (db *DB) GetEmergencyPlan(ctx context.Context, id int64) (*incident.Plan, error) {
	p, err := incScanPlan(db.queryRow(ctx, `SELECT id, code, name, body, updated_at, version FROM emergency_plans WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "plan %d not found", id)
	}
	return p, err
}

// CreateEmergencyPlan implements incident.Store.
func (db *DB) CreateEmergencyPlan(ctx context.Context, p *incident.Plan) error {
	body, err := incPlanBody(p)
	if err != nil {
		return err
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = time.Now().UTC()
	}
	return db.inTx(ctx, func(t *tx) error {
		err := t.queryRow(ctx, `INSERT INTO emergency_plans (code, name, body, updated_at, version) VALUES (?, ?, ?, ?, 1) RETURNING id`,
			p.Code, p.Name, body, p.UpdatedAt.UnixMilli()).Scan(&p.ID)
		if db.d.isUnique(err) {
			return core.Errorf(core.ECONFLICT, "code: plan %s already exists", p.Code)
		}
		if err != nil {
			return fmt.Errorf("store: create plan: %w", err)
		}
		p.Version = 1
		return record(ctx, t, "create", "plan", p.ID, "", nil, p)
	})
}

// UpdateEmergencyPlan implements incident.Store.
func (db *DB) UpdateEmergencyPlan(ctx context.Context, p *incident.Plan) error {
	body, err := incPlanBody(p)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE emergency_plans SET code = ?, name = ?, body = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			p.Code, p.Name, body, p.UpdatedAt.UnixMilli(), p.ID, p.Version)
		if db.d.isUnique(err) {
			return core.Errorf(core.ECONFLICT, "code: plan %s already exists", p.Code)
		}
		if err != nil {
			return fmt.Errorf("store: update plan: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ECONFLICT, "plan %d does not exist or was changed by someone else (you sent version %d); reload it", p.ID, p.Version)
		}
		p.Version++
		return record(ctx, t, "update", "plan", p.ID, "", nil, p)
	})
}
