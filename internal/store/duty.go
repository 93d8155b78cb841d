package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/duty"
	"github.com/yingji/yingji/internal/region"
)

// dutyScope limits a query on col (a division code column) to the actor's
// area. Enterprise accounts have no part in the duty roster.
func dutyScope(ctx context.Context, col string) (string, []any) {
	a := core.ActorFrom(ctx)
	switch {
	case a == nil:
		return " AND 1 = 0", nil
	case a.System:
		return "", nil
	case a.Division == "" || a.EnterpriseID != 0:
		return " AND 1 = 0", nil
	}
	return " AND " + col + " LIKE ?", []any{region.Prefix(a.Division) + "%"}
}

const shiftCols = `s.id, s.division_code, s.date, s.name, s.start_at, s.end_at, s.leader_id, u.username, u.display_name, s.phone, s.note, s.version, s.created_at, s.updated_at`

func scanShift(sc scanner) (*duty.Shift, error) {
	var s duty.Shift
	var start, end, created, updated int64
	if err := sc.Scan(&s.ID, &s.Division, &s.Date, &s.Name, &start, &end, &s.Leader.UserID, &s.Leader.Username, &s.Leader.Name,
		&s.Phone, &s.Note, &s.Version, &created, &updated); err != nil {
		return nil, err
	}
	s.Start, s.End = time.UnixMilli(start).UTC(), time.UnixMilli(end).UTC()
	s.CreatedAt, s.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	s.Officers = []duty.Member{}
	s.Leader.Name = dutyPersonName(s.Leader.Username, s.Leader.Name)
	return &s, nil
}

// loadOfficers fills in the officers of shifts, in roster order.
func (db *DB) loadOfficers(ctx context.Context, shifts []*duty.Shift) error {
	if len(shifts) == 0 {
		return nil
	}
	byID := map[int64]*duty.Shift{}
	args := make([]any, len(shifts))
	for i, s := range shifts {
		byID[s.ID] = s
		args[i] = s.ID
	}
	rows, err := db.query(ctx, `SELECT o.shift_id, o.user_id, u.username, u.display_name FROM duty_shift_officers o JOIN users u ON u.id = o.user_id
		WHERE o.shift_id IN (`+placeholders(len(args))+`) ORDER BY o.shift_id, o.position`, args...)
	if err != nil {
		return fmt.Errorf("store: shift officers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var m duty.Member
		if err := rows.Scan(&id, &m.UserID, &m.Username, &m.Name); err != nil {
			return err
		}
		m.Name = dutyPersonName(m.Username, m.Name)
		byID[id].Officers = append(byID[id].Officers, m)
	}
	return rows.Err()
}

// ListShifts implements duty.Store.
func (db *DB) ListShifts(ctx context.Context, f duty.ShiftFilter) ([]*duty.Shift, error) {
	where, args := ` WHERE s.start_at < ? AND s.end_at > ?`, []any{f.To.UnixMilli(), f.From.UnixMilli()}
	if f.Division != "" {
		where += ` AND s.division_code LIKE ?`
		args = append(args, region.Prefix(f.Division)+"%")
	}
	sc, sargs := dutyScope(ctx, "s.division_code")
	rows, err := db.query(ctx, `SELECT `+shiftCols+` FROM duty_shifts s JOIN users u ON u.id = s.leader_id`+where+sc+
		` ORDER BY s.start_at, s.division_code, s.id LIMIT 5000`, append(args, sargs...)...)
	if err != nil {
		return nil, fmt.Errorf("store: list shifts: %w", err)
	}
	out := []*duty.Shift{}
	for rows.Next() {
		s, err := scanShift(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.loadOfficers(ctx, out)
}

// GetShift implements duty.Store.
func (db *DB) GetShift(ctx context.Context, id int64) (*duty.Shift, error) {
	sc, sargs := dutyScope(ctx, "s.division_code")
	s, err := scanShift(db.queryRow(ctx, `SELECT `+shiftCols+` FROM duty_shifts s JOIN users u ON u.id = s.leader_id WHERE s.id = ?`+sc, append([]any{id}, sargs...)...))
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "shift %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get shift: %w", err)
	}
	return s, db.loadOfficers(ctx, []*duty.Shift{s})
}

// checkOverlap refuses a shift overlapping another of its division. The
// division row is locked first (PostgreSQL) so that two editors cannot both
// pass the check.
func checkShiftOverlap(ctx context.Context, t *tx, s *duty.Shift) error {
	var code string
	if err := t.queryRow(ctx, `SELECT code FROM divisions WHERE code = ?`+t.d.forUpdate, s.Division).Scan(&code); err != nil {
		if err == sql.ErrNoRows {
			return core.Invalid("division_code", "unknown division %q", s.Division)
		}
		return fmt.Errorf("store: lock division: %w", err)
	}
	var id, start, end int64
	var name string
	err := t.queryRow(ctx, `SELECT id, name, start_at, end_at FROM duty_shifts WHERE division_code = ? AND start_at < ? AND end_at > ? AND id <> ? ORDER BY start_at LIMIT 1`,
		s.Division, s.End.UnixMilli(), s.Start.UnixMilli(), s.ID).Scan(&id, &name, &start, &end)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: shift overlap: %w", err)
	}
	f := "01-02 15:04"
	return core.Invalid("start", "overlaps shift %d (%s, %s – %s) of the same division", id, name,
		time.UnixMilli(start).In(duty.Beijing).Format(f), time.UnixMilli(end).In(duty.Beijing).Format(f))
}

func writeOfficers(ctx context.Context, t *tx, s *duty.Shift) error {
	if _, err := t.exec(ctx, `DELETE FROM duty_shift_officers WHERE shift_id = ?`, s.ID); err != nil {
		return fmt.Errorf("store: shift officers: %w", err)
	}
	for i, m := range s.Officers {
		if _, err := t.exec(ctx, `INSERT INTO duty_shift_officers (shift_id, user_id, position) VALUES (?, ?, ?)`, s.ID, m.UserID, i); err != nil {
			return fmt.Errorf("store: shift officers: %w", err)
		}
	}
	return nil
}

// CreateShift implements duty.Store.
func (db *DB) CreateShift(ctx context.Context, s *duty.Shift) error {
	return db.inTx(ctx, func(t *tx) error {
		if err := checkShiftOverlap(ctx, t, s); err != nil {
			return err
		}
		return insertShift(ctx, t, s)
	})
}

// CreateShifts implements duty.Store.
func (db *DB) CreateShifts(ctx context.Context, ss []*duty.Shift) (created []*duty.Shift, skipped []duty.Skipped, err error) {
	err = db.inTx(ctx, func(t *tx) error {
		created, skipped = nil, nil
		for _, s := range ss {
			if err := checkShiftOverlap(ctx, t, s); err != nil {
				if core.ErrorCode(err) != core.EINVALID {
					return err
				}
				skipped = append(skipped, duty.Skipped{Date: s.Date, Name: s.Name, Reason: core.ErrorMessage(err)})
				continue
			}
			if err := insertShift(ctx, t, s); err != nil {
				return err
			}
			created = append(created, s)
		}
		return nil
	})
	return created, skipped, err
}

func insertShift(ctx context.Context, t *tx, s *duty.Shift) error {
	err := t.queryRow(ctx, `INSERT INTO duty_shifts (division_code, date, name, start_at, end_at, leader_id, phone, note, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
		s.Division, s.Date, s.Name, s.Start.UnixMilli(), s.End.UnixMilli(), s.Leader.UserID, s.Phone, s.Note, s.CreatedAt.UnixMilli(), s.UpdatedAt.UnixMilli()).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("store: create shift: %w", err)
	}
	s.Version = 1
	if err := writeOfficers(ctx, t, s); err != nil {
		return err
	}
	return record(ctx, t, "create", "duty_shift", s.ID, s.Division, nil, s)
}

// UpdateShift implements duty.Store.
func (db *DB) UpdateShift(ctx context.Context, s *duty.Shift) error {
	before, err := db.GetShift(ctx, s.ID)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(t *tx) error {
		if err := checkShiftOverlap(ctx, t, s); err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE duty_shifts SET division_code = ?, date = ?, name = ?, start_at = ?, end_at = ?, leader_id = ?, phone = ?, note = ?,
			updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			s.Division, s.Date, s.Name, s.Start.UnixMilli(), s.End.UnixMilli(), s.Leader.UserID, s.Phone, s.Note, s.UpdatedAt.UnixMilli(), s.ID, s.Version)
		if err != nil {
			return fmt.Errorf("store: update shift %d: %w", s.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ECONFLICT, "shift %d was changed or removed meanwhile by another editor; reload it and apply your change again", s.ID)
		}
		s.Version++
		if err := writeOfficers(ctx, t, s); err != nil {
			return err
		}
		return record(ctx, t, "update", "duty_shift", s.ID, s.Division, before, s)
	})
}

// DeleteShift implements duty.Store.
func (db *DB) DeleteShift(ctx context.Context, id int64, version int) error {
	before, err := db.GetShift(ctx, id)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `DELETE FROM duty_shift_officers WHERE shift_id = ?`, id); err != nil {
			return fmt.Errorf("store: delete shift %d: %w", id, err)
		}
		res, err := t.exec(ctx, `DELETE FROM duty_shifts WHERE id = ? AND version = ?`, id, version)
		if err != nil {
			return fmt.Errorf("store: delete shift %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ECONFLICT, "shift %d was changed or removed meanwhile by another editor; reload it", id)
		}
		return record(ctx, t, "delete", "duty_shift", id, before.Division, before, nil)
	})
}

const handoverCols = `id, division_code, shift_id, at, outgoing_id, outgoing_username, outgoing_name, incoming_id, incoming_username, incoming_name,
	open_text, watch_text, alarms, open_alarms, accepted_at`

func scanHandover(sc scanner) (*duty.Handover, error) {
	var h duty.Handover
	var shift, outID, accepted sql.NullInt64
	var at int64
	var alarms string
	if err := sc.Scan(&h.ID, &h.Division, &shift, &at, &outID, &h.Outgoing.Username, &h.Outgoing.Name, &h.Incoming.UserID, &h.Incoming.Username, &h.Incoming.Name,
		&h.Open, &h.Watch, &alarms, &h.OpenAlarms, &accepted); err != nil {
		return nil, err
	}
	h.ShiftID, h.Outgoing.UserID, h.At, h.AcceptedAt = shift.Int64, outID.Int64, time.UnixMilli(at).UTC(), timePtr(accepted)
	if err := json.Unmarshal([]byte(alarms), &h.Alarms); err != nil {
		return nil, fmt.Errorf("store: handover %d alarms: %w", h.ID, err)
	}
	if h.Alarms == nil {
		h.Alarms = []duty.AlarmRef{}
	}
	return &h, nil
}

// CreateHandover implements duty.Store.
func (db *DB) CreateHandover(ctx context.Context, h *duty.Handover) error {
	alarms, err := json.Marshal(h.Alarms)
	if err != nil {
		return fmt.Errorf("store: handover alarms: %w", err)
	}
	return db.inTx(ctx, func(t *tx) error {
		err := t.queryRow(ctx, `INSERT INTO duty_handovers (division_code, shift_id, at, outgoing_id, outgoing_username, outgoing_name, incoming_id, incoming_username, incoming_name,
			open_text, watch_text, alarms, open_alarms) VALUES (`+placeholders(13)+`) RETURNING id`,
			h.Division, nullInt(h.ShiftID), h.At.UnixMilli(), nullInt(h.Outgoing.UserID), h.Outgoing.Username, h.Outgoing.Name, h.Incoming.UserID, h.Incoming.Username, h.Incoming.Name,
			h.Open, h.Watch, string(alarms), h.OpenAlarms).Scan(&h.ID)
		if err != nil {
			return fmt.Errorf("store: create handover: %w", err)
		}
		return record(ctx, t, "handover", "duty_handover", h.ID, h.Division, nil, h)
	})
}

// GetHandover implements duty.Store.
func (db *DB) GetHandover(ctx context.Context, id int64) (*duty.Handover, error) {
	sc, sargs := dutyScope(ctx, "division_code")
	h, err := scanHandover(db.queryRow(ctx, `SELECT `+handoverCols+` FROM duty_handovers WHERE id = ?`+sc, append([]any{id}, sargs...)...))
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "handover %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get handover: %w", err)
	}
	return h, nil
}

// ListHandovers implements duty.Store: newest first.
func (db *DB) ListHandovers(ctx context.Context, f duty.HandoverFilter) ([]*duty.Handover, int, error) {
	cond := newFilter()
	cond.division("division_code", f.Division)
	cond.scope(dutyScope(ctx, "division_code"))
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM duty_handovers`+cond.where, cond.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count handovers: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := db.query(ctx, `SELECT `+handoverCols+` FROM duty_handovers`+cond.where+` ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`, append(cond.args, limit, f.Offset)...)
	out, err := collect(rows, err, "list handovers", scanHandover)
	return out, total, err
}

// AcceptHandover implements duty.Store.
func (db *DB) AcceptHandover(ctx context.Context, id int64, at time.Time) error {
	h, err := db.GetHandover(ctx, id)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE duty_handovers SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL`, at.UnixMilli(), id)
		if err != nil {
			return fmt.Errorf("store: accept handover %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ECONFLICT, "handover %d was already accepted", id)
		}
		return record(ctx, t, "accept", "duty_handover", id, h.Division, nil, map[string]any{"accepted_at": at})
	})
}

// CreateQuiet implements duty.Store.
func (db *DB) CreateQuiet(ctx context.Context, q *duty.Quiet) error {
	return db.inTx(ctx, func(t *tx) error {
		var at int64
		var username, display string
		err := t.queryRow(ctx, `SELECT reporter_username, reporter_name, reported_at FROM duty_quiet_reports WHERE division_code = ? AND date = ?`,
			q.Division, q.Date).Scan(&username, &display, &at)
		if err == nil {
			return core.Errorf(core.ECONFLICT, "the all-quiet report of %s for %s was already filed by %s at %s", q.Division, q.Date,
				dutyPersonName(username, display), time.UnixMilli(at).In(duty.Beijing).Format("2006-01-02 15:04"))
		}
		if err != sql.ErrNoRows {
			return fmt.Errorf("store: all-quiet report: %w", err)
		}
		err = t.queryRow(ctx, `INSERT INTO duty_quiet_reports (division_code, date, note, reporter_id, reporter_username, reporter_name, reported_at, late)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			q.Division, q.Date, q.Note, nullInt(q.ReportedBy.UserID), q.ReportedBy.Username, q.ReportedBy.Name, q.ReportedAt.UnixMilli(), boolInt(q.Late)).Scan(&q.ID)
		if db.d.isUnique(err) {
			return core.Errorf(core.ECONFLICT, "the all-quiet report of %s for %s was filed meanwhile by someone else", q.Division, q.Date)
		}
		if err != nil {
			return fmt.Errorf("store: all-quiet report: %w", err)
		}
		return record(ctx, t, "report", "duty_quiet", q.ID, q.Division, nil, q)
	})
}

// ListQuiet implements duty.Store.
func (db *DB) ListQuiet(ctx context.Context, division, from, to string) ([]*duty.Quiet, error) {
	where, args := ` WHERE date >= ? AND date <= ?`, []any{from, to}
	if division != "" {
		where += ` AND division_code LIKE ?`
		args = append(args, region.Prefix(division)+"%")
	}
	sc, sargs := dutyScope(ctx, "division_code")
	rows, err := db.query(ctx, `SELECT id, division_code, date, note, reporter_id, reporter_username, reporter_name, reported_at, late FROM duty_quiet_reports`+
		where+sc+` ORDER BY date, division_code`, append(args, sargs...)...)
	if err != nil {
		return nil, fmt.Errorf("store: list all-quiet reports: %w", err)
	}
	defer rows.Close()
	out := []*duty.Quiet{}
	for rows.Next() {
		var q duty.Quiet
		var by sql.NullInt64
		var at int64
		var late int
		if err := rows.Scan(&q.ID, &q.Division, &q.Date, &q.Note, &by, &q.ReportedBy.Username, &q.ReportedBy.Name, &at, &late); err != nil {
			return nil, err
		}
		q.ReportedBy.UserID, q.ReportedAt, q.Late = by.Int64, time.UnixMilli(at).UTC(), late != 0
		out = append(out, &q)
	}
	return out, rows.Err()
}

func dutyPersonName(username, display string) string {
	if display != "" {
		return display
	}
	return username
}

// People implements duty.Store.
func (db *DB) People(ctx context.Context, ids []int64) (map[int64]duty.Person, error) {
	out := map[int64]duty.Person{}
	var args []any
	for _, id := range ids {
		if id > 0 {
			args = append(args, id)
		}
	}
	if len(args) == 0 {
		return out, nil
	}
	rows, err := db.query(ctx, `SELECT id, username, display_name, role, division_code, disabled, enterprise_id FROM users WHERE id IN (`+placeholders(len(args))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: people: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p duty.Person
		var display string
		var disabled int
		var ent sql.NullInt64
		if err := rows.Scan(&p.ID, &p.Username, &display, &p.Role, &p.Division, &disabled, &ent); err != nil {
			return nil, err
		}
		// An enterprise account cannot stand duty for the bureau.
		p.Name, p.Disabled = dutyPersonName(p.Username, display), disabled != 0 || ent.Valid
		out[p.ID] = p
	}
	return out, rows.Err()
}

// ListPeople implements duty.Store.
func (db *DB) ListPeople(ctx context.Context, division string, above []string) ([]duty.Person, error) {
	where, args := `division_code LIKE ?`, []any{region.Prefix(division) + "%"}
	if len(above) > 0 {
		where = `(` + where + ` OR division_code IN (` + placeholders(len(above)) + `))`
		for _, c := range above {
			args = append(args, c)
		}
	}
	rows, err := db.query(ctx, `SELECT id, username, display_name, role, division_code FROM users WHERE `+where+
		` AND disabled = 0 AND enterprise_id IS NULL ORDER BY division_code, username`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list people: %w", err)
	}
	defer rows.Close()
	out := []duty.Person{}
	for rows.Next() {
		var p duty.Person
		var display string
		if err := rows.Scan(&p.ID, &p.Username, &display, &p.Role, &p.Division); err != nil {
			return nil, err
		}
		p.Name = dutyPersonName(p.Username, display)
		out = append(out, p)
	}
	return out, rows.Err()
}
