package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/notify"
)

const alarmCols = `id, point_id, point_code, point_name, point_kind, rule, kind, level, max_level, state, value, unit, message, recovered,
	division_code, enterprise_id, industry, tier, ack_deadline, overdue, raised_at, updated_at, ack_at, recovered_at, closed_at, feedback, version`

func msPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}

func scanAlarm(s scanner) (*alarm.Alarm, error) {
	var a alarm.Alarm
	var level, maxLevel, state string
	var recovered, overdue int
	var ent, ackAt, recAt, closedAt sql.NullInt64
	var deadline, raised, updated int64
	var feedback sql.NullString
	if err := s.Scan(&a.ID, &a.PointID, &a.Point, &a.PointName, &a.PointKind, &a.Rule, &a.Kind, &level, &maxLevel, &state, &a.Value, &a.Unit, &a.Message, &recovered,
		&a.Division, &ent, &a.Industry, &a.Tier, &deadline, &overdue, &raised, &updated, &ackAt, &recAt, &closedAt, &feedback, &a.Version); err != nil {
		return nil, err
	}
	a.Level, a.MaxLevel, a.State = alarm.Level(level), alarm.Level(maxLevel), alarm.State(state)
	a.Recovered, a.Overdue, a.EnterpriseID = recovered != 0, overdue != 0, ent.Int64
	if a.Tier >= 0 && a.Tier < len(alarm.Tiers) {
		a.TierName = alarm.Tiers[a.Tier]
	}
	a.AckDeadline, a.RaisedAt, a.UpdatedAt = time.UnixMilli(deadline).UTC(), time.UnixMilli(raised).UTC(), time.UnixMilli(updated).UTC()
	a.AckAt, a.RecoveredAt, a.ClosedAt = timePtr(ackAt), timePtr(recAt), timePtr(closedAt)
	if feedback.Valid {
		a.Feedback = &alarm.Feedback{}
		if err := json.Unmarshal([]byte(feedback.String), a.Feedback); err != nil {
			return nil, fmt.Errorf("store: alarm %d feedback: %w", a.ID, err)
		}
	}
	return &a, nil
}

func alarmRow(a *alarm.Alarm) []any {
	var feedback any
	if a.Feedback != nil {
		b, _ := json.Marshal(a.Feedback)
		feedback = string(b)
	}
	value := a.Value
	if math.IsNaN(value) || math.IsInf(value, 0) {
		value = 0
	}
	return []any{a.PointID, a.Point, a.PointName, a.PointKind, a.Rule, a.Kind, string(a.Level), string(a.MaxLevel), string(a.State), value, a.Unit, a.Message,
		boolInt(a.Recovered), a.Division, nullInt(a.EnterpriseID), a.Industry, a.Tier, a.AckDeadline.UnixMilli(), boolInt(a.Overdue),
		a.RaisedAt.UnixMilli(), a.UpdatedAt.UnixMilli(), msPtr(a.AckAt), msPtr(a.RecoveredAt), msPtr(a.ClosedAt), feedback}
}

func insertEvent(ctx context.Context, t *tx, id int64, ev alarm.Event) error {
	var v any
	if ev.Value != nil && !math.IsNaN(*ev.Value) && !math.IsInf(*ev.Value, 0) {
		v = *ev.Value
	}
	_, err := t.exec(ctx, `INSERT INTO alarm_events (alarm_id, at, action, actor, from_level, to_level, from_state, to_state, tier, value, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, ev.At.UnixMilli(), ev.Action, ev.Actor, string(ev.FromLevel), string(ev.ToLevel), string(ev.FromState), string(ev.ToState), ev.Tier, v, ev.Note)
	if err != nil {
		return fmt.Errorf("store: alarm event: %w", err)
	}
	return nil
}

// OpenAlarm implements alarm.Store.
func (db *DB) OpenAlarm(ctx context.Context, pointID int64, rule string) (*alarm.Alarm, error) {
	a, err := scanAlarm(db.queryRow(ctx, `SELECT `+alarmCols+` FROM alarms WHERE point_id = ? AND rule = ? AND state <> 'closed'`, pointID, rule))
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: open alarm: %w", err)
	}
	return a, nil
}

// CreateAlarm implements alarm.Store.
func (db *DB) CreateAlarm(ctx context.Context, a *alarm.Alarm, ev alarm.Event) error {
	return db.inTx(ctx, func(t *tx) error {
		err := t.queryRow(ctx, `INSERT INTO alarms (point_id, point_code, point_name, point_kind, rule, kind, level, max_level, state, value, unit, message, recovered,
			division_code, enterprise_id, industry, tier, ack_deadline, overdue, raised_at, updated_at, ack_at, recovered_at, closed_at, feedback)
			VALUES (`+placeholders(25)+`) RETURNING id`, alarmRow(a)...).Scan(&a.ID)
		if db.d.isUnique(err) {
			return core.Errorf(core.ECONFLICT, "point %s already has an open alarm for rule %s", a.Point, a.Rule)
		}
		if err != nil {
			return fmt.Errorf("store: create alarm: %w", err)
		}
		if err := insertEvent(ctx, t, a.ID, ev); err != nil {
			return err
		}
		a.Version = 1
		return record(ctx, t, "raise", "alarm", a.ID, a.Division, nil, a)
	})
}

// UpdateAlarm implements alarm.Store.
func (db *DB) UpdateAlarm(ctx context.Context, a *alarm.Alarm, ev alarm.Event) error {
	return db.inTx(ctx, func(t *tx) error {
		row := alarmRow(a)
		res, err := t.exec(ctx, `UPDATE alarms SET point_id = ?, point_code = ?, point_name = ?, point_kind = ?, rule = ?, kind = ?, level = ?, max_level = ?, state = ?, value = ?, unit = ?, message = ?, recovered = ?,
			division_code = ?, enterprise_id = ?, industry = ?, tier = ?, ack_deadline = ?, overdue = ?, raised_at = ?, updated_at = ?, ack_at = ?, recovered_at = ?, closed_at = ?, feedback = ?,
			version = version + 1 WHERE id = ? AND version = ?`, append(row, a.ID, a.Version)...)
		if err != nil {
			return fmt.Errorf("store: update alarm %d: %w", a.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ECONFLICT, "alarm %d was changed meanwhile (by another duty officer or node); reload it", a.ID)
		}
		a.Version++
		if err := insertEvent(ctx, t, a.ID, ev); err != nil {
			return err
		}
		// every transition, the system's included, is in the audit trail.
		return record(ctx, t, ev.Action, "alarm", a.ID, a.Division, map[string]any{"state": ev.FromState, "level": ev.FromLevel}, ev)
	})
}

// GetAlarm implements alarm.Store.
func (db *DB) GetAlarm(ctx context.Context, id int64) (*alarm.Alarm, error) {
	sc, sargs := scopeClause(ctx)
	a, err := scanAlarm(db.queryRow(ctx, `SELECT `+alarmCols+` FROM alarms WHERE id = ?`+sc, append([]any{id}, sargs...)...))
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "alarm %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get alarm: %w", err)
	}
	rows, err := db.query(ctx, `SELECT at, action, actor, from_level, to_level, from_state, to_state, tier, value, note FROM alarm_events WHERE alarm_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ev alarm.Event
		var at int64
		var fl, tl, fs, ts string
		var v sql.NullFloat64
		if err := rows.Scan(&at, &ev.Action, &ev.Actor, &fl, &tl, &fs, &ts, &ev.Tier, &v, &ev.Note); err != nil {
			return nil, err
		}
		ev.At = time.UnixMilli(at).UTC()
		ev.FromLevel, ev.ToLevel, ev.FromState, ev.ToState = alarm.Level(fl), alarm.Level(tl), alarm.State(fs), alarm.State(ts)
		if v.Valid {
			x := v.Float64
			ev.Value = &x
		}
		a.Events = append(a.Events, ev)
	}
	return a, rows.Err()
}

// ListAlarms implements alarm.Store: the most severe first, then newest.
func (db *DB) ListAlarms(ctx context.Context, f alarm.Filter) ([]*alarm.Alarm, int, error) {
	cond := newFilter()
	cond.division("division_code", f.Division)
	filterIn(cond, "level", f.Levels)
	filterIn(cond, "state", f.States)
	if f.Industry != "" {
		cond.add(`industry = ?`, f.Industry)
	}
	if f.EnterpriseID != 0 {
		cond.add(`enterprise_id = ?`, f.EnterpriseID)
	}
	if f.PointID != 0 {
		cond.add(`point_id = ?`, f.PointID)
	}
	if f.Overdue {
		cond.add(`overdue = 1`)
	}
	if !f.From.IsZero() {
		cond.add(`raised_at >= ?`, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		cond.add(`raised_at < ?`, f.To.UnixMilli())
	}
	cond.scope(scopeClause(ctx))
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM alarms`+cond.where, cond.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count alarms: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = math.MaxInt32
	}
	order := ` ORDER BY CASE level WHEN 'red' THEN 4 WHEN 'orange' THEN 3 WHEN 'yellow' THEN 2 WHEN 'blue' THEN 1 ELSE 0 END DESC, raised_at DESC, id DESC`
	rows, err := db.query(ctx, `SELECT `+alarmCols+` FROM alarms`+cond.where+order+` LIMIT ? OFFSET ?`, append(cond.args, limit, f.Offset)...)
	out, err := collect(rows, err, "list alarms", scanAlarm)
	return out, total, err
}

// DueForEscalation implements alarm.Store.
func (db *DB) DueForEscalation(ctx context.Context, now time.Time, limit int) ([]*alarm.Alarm, error) {
	rows, err := db.query(ctx, `SELECT `+alarmCols+` FROM alarms WHERE state = 'raised' AND recovered = 0 AND ack_deadline <= ? ORDER BY ack_deadline LIMIT ?`, now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: due alarms: %w", err)
	}
	defer rows.Close()
	var out []*alarm.Alarm
	for rows.Next() {
		a, err := scanAlarm(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AddMessage implements notify.Store.
func (db *DB) AddMessage(ctx context.Context, m *notify.Message) error {
	return db.inTx(ctx, func(t *tx) error {
		return t.queryRow(ctx, `INSERT INTO notifications (at, tier, division_code, enterprise_id, alarm_id, title, body) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			m.At.UnixMilli(), m.Tier, m.Division, nullInt(m.EnterpriseID), nullInt(m.AlarmID), m.Title, m.Body).Scan(&m.ID)
	})
}

// ListMessages returns the inbox of the actor's area, newest first.
func (db *DB) ListMessages(ctx context.Context, limit int) ([]notify.Message, error) {
	sc, sargs := scopeClause(ctx)
	rows, err := db.query(ctx, `SELECT id, at, tier, division_code, enterprise_id, alarm_id, title, body FROM notifications WHERE 1 = 1`+sc+` ORDER BY id DESC LIMIT ?`, append(sargs, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []notify.Message{}
	for rows.Next() {
		var m notify.Message
		var at int64
		var ent, al sql.NullInt64
		if err := rows.Scan(&m.ID, &at, &m.Tier, &m.Division, &ent, &al, &m.Title, &m.Body); err != nil {
			return nil, err
		}
		m.At, m.EnterpriseID, m.AlarmID = time.UnixMilli(at).UTC(), ent.Int64, al.Int64
		out = append(out, m)
	}
	return out, rows.Err()
}

// EnqueueWebhooks implements notify.Store.
func (db *DB) EnqueueWebhooks(ctx context.Context, urls []string, body []byte, now time.Time) error {
	return db.inTx(ctx, func(t *tx) error {
		for _, u := range urls {
			if _, err := t.exec(ctx, `INSERT INTO webhook_outbox (url, body, next_at, created_at) VALUES (?, ?, ?, ?)`, u, string(body), now.UnixMilli(), now.UnixMilli()); err != nil {
				return fmt.Errorf("store: webhook outbox: %w", err)
			}
		}
		return nil
	})
}

// DueWebhooks implements notify.Store.
func (db *DB) DueWebhooks(ctx context.Context, now time.Time, limit int) ([]notify.Delivery, error) {
	rows, err := db.query(ctx, `SELECT id, url, body, attempts FROM webhook_outbox WHERE delivered_at IS NULL AND next_at <= ? ORDER BY next_at, id LIMIT ?`, now.UnixMilli(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []notify.Delivery
	for rows.Next() {
		var d notify.Delivery
		var body string
		if err := rows.Scan(&d.ID, &d.URL, &body, &d.Attempts); err != nil {
			return nil, err
		}
		d.Body = []byte(body)
		out = append(out, d)
	}
	return out, rows.Err()
}

// MarkWebhook implements notify.Store.
func (db *DB) MarkWebhook(ctx context.Context, id int64, delivered bool, errText string, next time.Time) error {
	if delivered {
		_, err := db.exec(ctx, `UPDATE webhook_outbox SET delivered_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ?`, next.UnixMilli(), id)
		return err
	}
	_, err := db.exec(ctx, `UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE id = ?`, errText, next.UnixMilli(), id)
	return err
}
