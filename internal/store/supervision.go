package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/supervision"
)

// The store side of safety supervision (supervision.Store and
// supervision.AlarmStats). Every read applies scopeClause; every change is
// audited in its transaction.

const hazardCols = `id, enterprise_id, enterprise_name, division_code, industry, title, description, location, source, alarm_id, inspection_id, reporter,
	level, criterion, responsible, measures, deadline, state, escalation, escalated_at, evidence, reported_by, reported_at, rectified_at, verified_at, closed_at, updated_at, version`

func scanHazard(s scanner) (*supervision.HiddenDanger, error) {
	var h supervision.HiddenDanger
	var alarmID, inspID, deadline, escAt, rectAt, verAt, closedAt sql.NullInt64
	var reported, updated int64
	if err := s.Scan(&h.ID, &h.EnterpriseID, &h.Enterprise, &h.Division, &h.Industry, &h.Title, &h.Description, &h.Location, &h.Source, &alarmID, &inspID, &h.Reporter,
		&h.Level, &h.Criterion, &h.Responsible, &h.Measures, &deadline, &h.State, &h.Escalation, &escAt, &h.Evidence, &h.ReportedBy, &reported, &rectAt, &verAt, &closedAt, &updated, &h.Version); err != nil {
		return nil, err
	}
	h.AlarmID, h.InspectionID = alarmID.Int64, inspID.Int64
	h.Deadline, h.EscalatedAt, h.RectifiedAt, h.VerifiedAt, h.ClosedAt = timePtr(deadline), timePtr(escAt), timePtr(rectAt), timePtr(verAt), timePtr(closedAt)
	h.ReportedAt, h.UpdatedAt = time.UnixMilli(reported).UTC(), time.UnixMilli(updated).UTC()
	return &h, nil
}

func hazardRow(h *supervision.HiddenDanger) []any {
	return []any{h.EnterpriseID, h.Enterprise, h.Division, h.Industry, h.Title, h.Description, h.Location, h.Source, nullInt(h.AlarmID), nullInt(h.InspectionID), h.Reporter,
		h.Level, h.Criterion, h.Responsible, h.Measures, msPtr(h.Deadline), h.State, h.Escalation, msPtr(h.EscalatedAt), h.Evidence, h.ReportedBy, h.ReportedAt.UnixMilli(),
		msPtr(h.RectifiedAt), msPtr(h.VerifiedAt), msPtr(h.ClosedAt), h.UpdatedAt.UnixMilli()}
}

func insertHazardStep(ctx context.Context, t *tx, id int64, st supervision.HazardStep) error {
	_, err := t.exec(ctx, `INSERT INTO supervision_hazard_events (hazard_id, at, action, actor, from_state, to_state, note) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, st.At.UnixMilli(), st.Action, st.Actor, st.FromState, st.ToState, st.Note)
	if err != nil {
		return fmt.Errorf("store: hidden-danger step: %w", err)
	}
	return nil
}

func createHazard(ctx context.Context, t *tx, h *supervision.HiddenDanger, st supervision.HazardStep) error {
	err := t.queryRow(ctx, `INSERT INTO supervision_hazards (enterprise_id, enterprise_name, division_code, industry, title, description, location, source, alarm_id, inspection_id, reporter,
		level, criterion, responsible, measures, deadline, state, escalation, escalated_at, evidence, reported_by, reported_at, rectified_at, verified_at, closed_at, updated_at)
		VALUES (`+placeholders(26)+`) RETURNING id`, hazardRow(h)...).Scan(&h.ID)
	if err != nil {
		return fmt.Errorf("store: create hidden danger: %w", err)
	}
	h.Version = 1
	if err := insertHazardStep(ctx, t, h.ID, st); err != nil {
		return err
	}
	return record(ctx, t, "report", "hidden_danger", h.ID, h.Division, nil, h)
}

// CreateHazard implements supervision.Store.
func (db *DB) CreateHazard(ctx context.Context, h *supervision.HiddenDanger, st supervision.HazardStep) error {
	return db.inTx(ctx, func(t *tx) error { return createHazard(ctx, t, h, st) })
}

// UpdateHazard implements supervision.Store.
func (db *DB) UpdateHazard(ctx context.Context, h *supervision.HiddenDanger, st supervision.HazardStep) error {
	return db.inTx(ctx, func(t *tx) error {
		sc, sargs := scopeClause(ctx)
		args := append(hazardRow(h), h.ID, h.Version)
		res, err := t.exec(ctx, `UPDATE supervision_hazards SET enterprise_id = ?, enterprise_name = ?, division_code = ?, industry = ?, title = ?, description = ?, location = ?, source = ?,
			alarm_id = ?, inspection_id = ?, reporter = ?, level = ?, criterion = ?, responsible = ?, measures = ?, deadline = ?, state = ?, escalation = ?, escalated_at = ?,
			evidence = ?, reported_by = ?, reported_at = ?, rectified_at = ?, verified_at = ?, closed_at = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND version = ?`+sc, append(args, sargs...)...)
		if err != nil {
			return fmt.Errorf("store: update hidden danger %d: %w", h.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ECONFLICT, "hidden danger %d was changed meanwhile; reload it", h.ID)
		}
		h.Version++
		if err := insertHazardStep(ctx, t, h.ID, st); err != nil {
			return err
		}
		return record(ctx, t, st.Action, "hidden_danger", h.ID, h.Division, map[string]any{"state": st.FromState}, st)
	})
}

// GetHazard implements supervision.Store: the hidden danger with its steps
// and photos.
func (db *DB) GetHazard(ctx context.Context, id int64) (*supervision.HiddenDanger, error) {
	sc, sargs := scopeClause(ctx)
	h, err := scanHazard(db.queryRow(ctx, `SELECT `+hazardCols+` FROM supervision_hazards WHERE id = ?`+sc, append([]any{id}, sargs...)...))
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "hidden danger %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get hidden danger: %w", err)
	}
	rows, err := db.query(ctx, `SELECT at, action, actor, from_state, to_state, note FROM supervision_hazard_events WHERE hazard_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	h.Events = []supervision.HazardStep{}
	for rows.Next() {
		var st supervision.HazardStep
		var at int64
		if err := rows.Scan(&at, &st.Action, &st.Actor, &st.FromState, &st.ToState, &st.Note); err != nil {
			return nil, err
		}
		st.At = time.UnixMilli(at).UTC()
		h.Events = append(h.Events, st)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	prow, err := db.query(ctx, `SELECT id, stage, content_type, size, uploaded_by, uploaded_at FROM supervision_photos WHERE hazard_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer prow.Close()
	h.Photos = []supervision.PhotoInfo{}
	for prow.Next() {
		p := supervision.PhotoInfo{HazardID: id}
		var at int64
		if err := prow.Scan(&p.ID, &p.Stage, &p.ContentType, &p.Size, &p.UploadedBy, &at); err != nil {
			return nil, err
		}
		p.UploadedAt = time.UnixMilli(at).UTC()
		h.Photos = append(h.Photos, p)
	}
	return h, prow.Err()
}

// ListHazards implements supervision.Store: overdue first, then by
// deadline, then newest.
func (db *DB) ListHazards(ctx context.Context, f supervision.HazardFilter) ([]*supervision.HiddenDanger, int, error) {
	cond := newFilter()
	cond.division("division_code", f.Division)
	if f.EnterpriseID != 0 {
		cond.add(`enterprise_id = ?`, f.EnterpriseID)
	}
	filterIn(cond, "state", f.States)
	if f.Level != "" {
		cond.add(`level = ?`, f.Level)
	}
	if f.Source != "" {
		cond.add(`source = ?`, f.Source)
	}
	if !f.OverdueAt.IsZero() {
		cond.add(`state IN ('reported', 'rectifying') AND deadline < ?`, f.OverdueAt.UnixMilli())
	}
	cond.scope(scopeClause(ctx))
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM supervision_hazards`+cond.where, cond.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count hidden dangers: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = math.MaxInt32
	}
	now := f.Now.UnixMilli()
	order := ` ORDER BY CASE WHEN state IN ('reported', 'rectifying') AND deadline < ? THEN 0 WHEN state IN ('closed') THEN 2 ELSE 1 END, COALESCE(deadline, reported_at), id DESC`
	rows, err := db.query(ctx, `SELECT `+hazardCols+` FROM supervision_hazards`+cond.where+order+` LIMIT ? OFFSET ?`, append(cond.args, now, limit, f.Offset)...)
	out, err := collect(rows, err, "list hidden dangers", scanHazard)
	return out, total, err
}

// DueHazards implements supervision.Store.
func (db *DB) DueHazards(ctx context.Context, now time.Time, limit int) ([]*supervision.HiddenDanger, error) {
	rows, err := db.query(ctx, `SELECT `+hazardCols+` FROM supervision_hazards WHERE state IN ('reported', 'rectifying') AND deadline < ? AND escalation < 2 ORDER BY deadline LIMIT ?`,
		now.UnixMilli(), limit)
	return collect(rows, err, "due hidden dangers", scanHazard)
}

// AddPhoto implements supervision.Store.
func (db *DB) AddPhoto(ctx context.Context, p *supervision.PhotoInfo, data []byte) error {
	return db.inTx(ctx, func(t *tx) error {
		var div string
		sc, sargs := scopeClause(ctx)
		if err := t.queryRow(ctx, `SELECT division_code FROM supervision_hazards WHERE id = ?`+sc, append([]any{p.HazardID}, sargs...)...).Scan(&div); err == sql.ErrNoRows {
			return core.Errorf(core.ENOTFOUND, "hidden danger %d not found", p.HazardID)
		} else if err != nil {
			return err
		}
		if err := t.queryRow(ctx, `INSERT INTO supervision_photos (hazard_id, stage, content_type, size, data, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			p.HazardID, p.Stage, p.ContentType, p.Size, data, p.UploadedBy, p.UploadedAt.UnixMilli()).Scan(&p.ID); err != nil {
			return fmt.Errorf("store: photo: %w", err)
		}
		if _, err := t.exec(ctx, `INSERT INTO supervision_hazard_events (hazard_id, at, action, actor, note) VALUES (?, ?, 'photo', ?, ?)`,
			p.HazardID, p.UploadedAt.UnixMilli(), p.UploadedBy, fmt.Sprintf("%s photo #%d (%s, %d bytes)", p.Stage, p.ID, p.ContentType, p.Size)); err != nil {
			return err
		}
		return record(ctx, t, "photo", "hidden_danger", p.HazardID, div, nil, p)
	})
}

// Photo implements supervision.Store.
func (db *DB) Photo(ctx context.Context, hazardID, photoID int64) (*supervision.PhotoInfo, []byte, error) {
	sc, sargs := scopeClause(ctx)
	var n int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM supervision_hazards WHERE id = ?`+sc, append([]any{hazardID}, sargs...)...).Scan(&n); err != nil {
		return nil, nil, err
	}
	p := &supervision.PhotoInfo{HazardID: hazardID}
	var at int64
	var data []byte
	err := db.queryRow(ctx, `SELECT id, stage, content_type, size, uploaded_by, uploaded_at, data FROM supervision_photos WHERE id = ? AND hazard_id = ?`, photoID, hazardID).
		Scan(&p.ID, &p.Stage, &p.ContentType, &p.Size, &p.UploadedBy, &at, &data)
	if n == 0 || err == sql.ErrNoRows {
		return nil, nil, core.Errorf(core.ENOTFOUND, "photo %d of hidden danger %d not found", photoID, hazardID)
	}
	if err != nil {
		return nil, nil, err
	}
	p.UploadedAt = time.UnixMilli(at).UTC()
	return p, data, nil
}

func docJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// AddDiagnosis implements supervision.Store.
func (db *DB) AddDiagnosis(ctx context.Context, d *supervision.Diagnosis) error {
	return db.inTx(ctx, func(t *tx) error {
		doc, err := docJSON(d)
		if err != nil {
			return err
		}
		if err := t.queryRow(ctx, `INSERT INTO supervision_diagnoses (enterprise_id, division_code, score, color, assessed_at, doc) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			d.EnterpriseID, d.Division, d.Score, d.Color, d.AssessedAt.UnixMilli(), doc).Scan(&d.ID); err != nil {
			return fmt.Errorf("store: diagnosis: %w", err)
		}
		return record(ctx, t, "diagnose", "risk_diagnosis", d.ID, d.Division, nil, d)
	})
}

func scanDocs[T any](rows *sql.Rows, setID func(*T, int64)) ([]*T, error) {
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		var id int64
		var doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, err
		}
		v := new(T)
		if err := json.Unmarshal([]byte(doc), v); err != nil {
			return nil, fmt.Errorf("store: document %d: %w", id, err)
		}
		setID(v, id)
		out = append(out, v)
	}
	return out, rows.Err()
}

// LatestDiagnoses implements supervision.Store.
func (db *DB) LatestDiagnoses(ctx context.Context) (map[int64]*supervision.Diagnosis, error) {
	sc, sargs := scopeClause(ctx)
	rows, err := db.query(ctx, `SELECT id, doc FROM supervision_diagnoses d WHERE id = (SELECT MAX(id) FROM supervision_diagnoses x WHERE x.enterprise_id = d.enterprise_id)`+sc, sargs...)
	if err != nil {
		return nil, fmt.Errorf("store: latest diagnoses: %w", err)
	}
	ds, err := scanDocs(rows, func(d *supervision.Diagnosis, id int64) { d.ID = id })
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*supervision.Diagnosis, len(ds))
	for _, d := range ds {
		out[d.EnterpriseID] = d
	}
	return out, nil
}

// Diagnoses implements supervision.Store: an enterprise's history, newest first.
func (db *DB) Diagnoses(ctx context.Context, enterpriseID int64) ([]*supervision.Diagnosis, error) {
	sc, sargs := scopeClause(ctx)
	rows, err := db.query(ctx, `SELECT id, doc FROM supervision_diagnoses WHERE enterprise_id = ?`+sc+` ORDER BY id DESC`, append([]any{enterpriseID}, sargs...)...)
	if err != nil {
		return nil, err
	}
	return scanDocs(rows, func(d *supervision.Diagnosis, id int64) { d.ID = id })
}

// RiskActivity implements supervision.Store.
func (db *DB) RiskActivity(ctx context.Context, from, now time.Time) (map[int64]*supervision.Activity, error) {
	sc, sargs := scopeClause(ctx)
	out := map[int64]*supervision.Activity{}
	get := func(id int64) *supervision.Activity {
		if out[id] == nil {
			out[id] = &supervision.Activity{Alarms: map[string]int{}}
		}
		return out[id]
	}
	rows, err := db.query(ctx, `SELECT enterprise_id, level, SUM(CASE WHEN state IN ('reported', 'rectifying') AND deadline < ? THEN 1 ELSE 0 END), COUNT(*)
		FROM supervision_hazards WHERE state <> 'closed'`+sc+` GROUP BY enterprise_id, level`, append([]any{now.UnixMilli()}, sargs...)...)
	if err != nil {
		return nil, fmt.Errorf("store: hidden-danger activity: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var level string
		var overdue, n int
		if err := rows.Scan(&id, &level, &overdue, &n); err != nil {
			return nil, err
		}
		a := get(id)
		a.Overdue += overdue
		if level == supervision.Major {
			a.OpenMajor += n
		} else {
			a.OpenGeneral += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	crows, err := db.query(ctx, `SELECT enterprise_id, COUNT(*) FROM supervision_cases WHERE filed_at >= ? AND filed_at <= ?`+sc+` GROUP BY enterprise_id`,
		append([]any{from.UnixMilli(), now.UnixMilli()}, sargs...)...)
	if err != nil {
		return nil, fmt.Errorf("store: case activity: %w", err)
	}
	defer crows.Close()
	for crows.Next() {
		var id int64
		var n int
		if err := crows.Scan(&id, &n); err != nil {
			return nil, err
		}
		get(id).Findings += n
	}
	return out, crows.Err()
}

// AlarmActivity implements supervision.AlarmStats: alarms raised in the
// window per enterprise by level, and those escalated past the enterprise
// tier (nobody acknowledged them in time).
func (db *DB) AlarmActivity(ctx context.Context, from, to time.Time) (map[int64]*supervision.Activity, error) {
	sc, sargs := scopeClause(ctx)
	rows, err := db.query(ctx, `SELECT enterprise_id, level, COUNT(*), SUM(CASE WHEN tier > 0 THEN 1 ELSE 0 END) FROM alarms
		WHERE enterprise_id IS NOT NULL AND raised_at >= ? AND raised_at < ?`+sc+` GROUP BY enterprise_id, level`, append([]any{from.UnixMilli(), to.UnixMilli()}, sargs...)...)
	if err != nil {
		return nil, fmt.Errorf("store: alarm activity: %w", err)
	}
	defer rows.Close()
	out := map[int64]*supervision.Activity{}
	for rows.Next() {
		var id int64
		var level string
		var n, late int
		if err := rows.Scan(&id, &level, &n, &late); err != nil {
			return nil, err
		}
		if out[id] == nil {
			out[id] = &supervision.Activity{Alarms: map[string]int{}}
		}
		out[id].Alarms[level] += n
		out[id].LateAlarms += late
	}
	return out, rows.Err()
}

const weightsKey = "supervision.risk_weights"

// Weights implements supervision.Store; nil when never set.
func (db *DB) Weights(ctx context.Context) (*supervision.Weights, error) {
	v, err := db.Setting(ctx, weightsKey)
	if err != nil || v == "" {
		return nil, err
	}
	w := supervision.DefaultWeights()
	if err := json.Unmarshal([]byte(v), &w); err != nil {
		return nil, fmt.Errorf("store: risk weights: %w", err)
	}
	return &w, nil
}

// SaveWeights implements supervision.Store: ECONFLICT unless w.Version is
// the stored version; the saved weights get the next.
func (db *DB) SaveWeights(ctx context.Context, w *supervision.Weights) error {
	return db.inTx(ctx, func(t *tx) error {
		var before any
		var old string
		have := 0
		if err := t.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`+t.d.forUpdate, weightsKey).Scan(&old); err == nil {
			before = json.RawMessage(old)
			var prev supervision.Weights
			if err := json.Unmarshal([]byte(old), &prev); err == nil {
				have = prev.Version
			}
		} else if err != sql.ErrNoRows {
			return err
		}
		if w.Version != have {
			return core.Errorf(core.ECONFLICT, "the risk weights were changed by someone else (version %d, you sent %d); reload them", have, w.Version)
		}
		w.Version++
		doc, err := docJSON(w)
		if err != nil {
			return err
		}
		if err := putSetting(ctx, t, weightsKey, doc); err != nil {
			return err
		}
		return record(ctx, t, "update", "risk_weights", 0, "", before, *w)
	})
}
