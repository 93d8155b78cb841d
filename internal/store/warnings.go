package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/warning"
)

const warningInsertCols = `chain_id, msg_type, status, template, level, category, urgency, severity, certainty, response_type,
	event, headline, description, instruction, english, onset, expires, area, division_code, note,
	identifier, sender, sent, refs, scope, drafted_by, drafter, approved_by, approver, approved_at, published_by, publisher,
	delivered_at, delivery_error, source, forwarded_from, from_alarm, from_incident, cap_xml, created_at, updated_at`

const warningCols = `id, ` + warningInsertCols + `, version`

// warningSet is every column but id and version, in warningCols' order.
const warningSet = `chain_id = ?, msg_type = ?, status = ?, template = ?, level = ?, category = ?, urgency = ?, severity = ?, certainty = ?, response_type = ?,
	event = ?, headline = ?, description = ?, instruction = ?, english = ?, onset = ?, expires = ?, area = ?, division_code = ?, note = ?,
	identifier = ?, sender = ?, sent = ?, refs = ?, scope = ?, drafted_by = ?, drafter = ?, approved_by = ?, approver = ?, approved_at = ?, published_by = ?, publisher = ?,
	delivered_at = ?, delivery_error = ?, source = ?, forwarded_from = ?, from_alarm = ?, from_incident = ?, cap_xml = ?, created_at = ?, updated_at = ?`

func warningRow(w *warning.Warning) ([]any, error) {
	area, err := json.Marshal(w.Area)
	if err != nil {
		return nil, fmt.Errorf("store: warning area: %w", err)
	}
	var english any
	if w.English != nil {
		b, _ := json.Marshal(w.English)
		english = string(b)
	}
	var capXML any
	if len(w.CAP) > 0 {
		capXML = string(w.CAP)
	}
	return []any{w.ChainID, w.MsgType, string(w.Status), w.Template, string(w.Level), w.Category, w.Urgency, w.Severity, w.Certainty, w.ResponseType,
		w.Text.Event, w.Text.Headline, w.Text.Description, w.Text.Instruction, english, w.Onset.UnixMilli(), w.Expires.UnixMilli(), string(area), w.Division, w.Note,
		nullString(w.Identifier), w.Sender, msPtr(w.Sent), w.References, w.Scope, nullInt(w.DraftedBy), w.Drafter, nullInt(w.ApprovedBy), w.Approver, msPtr(w.ApprovedAt),
		nullInt(w.PublishedBy), w.Publisher, msPtr(w.DeliveredAt), w.DeliveryError, w.Source, nullInt(w.ForwardedFrom), nullInt(w.FromAlarm), nullInt(w.FromIncident), capXML,
		w.CreatedAt.UnixMilli(), w.UpdatedAt.UnixMilli()}, nil
}

func scanWarning(s scanner) (*warning.Warning, error) {
	var w warning.Warning
	var status, level, area string
	var english, identifier, capXML sql.NullString
	var onset, expires, created, updated int64
	var sent, draftedBy, approvedBy, approvedAt, publishedBy, deliveredAt, forwarded, fromAlarm, fromIncident sql.NullInt64
	if err := s.Scan(&w.ID, &w.ChainID, &w.MsgType, &status, &w.Template, &level, &w.Category, &w.Urgency, &w.Severity, &w.Certainty, &w.ResponseType,
		&w.Text.Event, &w.Text.Headline, &w.Text.Description, &w.Text.Instruction, &english, &onset, &expires, &area, &w.Division, &w.Note,
		&identifier, &w.Sender, &sent, &w.References, &w.Scope, &draftedBy, &w.Drafter, &approvedBy, &w.Approver, &approvedAt, &publishedBy, &w.Publisher,
		&deliveredAt, &w.DeliveryError, &w.Source, &forwarded, &fromAlarm, &fromIncident, &capXML, &created, &updated, &w.Version); err != nil {
		return nil, err
	}
	w.Status, w.Level = warning.Status(status), warning.Level(level)
	if english.Valid {
		w.English = &warning.Text{}
		if err := json.Unmarshal([]byte(english.String), w.English); err != nil {
			return nil, fmt.Errorf("store: warning %d english: %w", w.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(area), &w.Area); err != nil {
		return nil, fmt.Errorf("store: warning %d area: %w", w.ID, err)
	}
	w.Onset, w.Expires = time.UnixMilli(onset).UTC(), time.UnixMilli(expires).UTC()
	w.CreatedAt, w.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	w.Identifier, w.CAP = identifier.String, []byte(capXML.String)
	if !capXML.Valid {
		w.CAP = nil
	}
	w.Sent, w.ApprovedAt, w.DeliveredAt = timePtr(sent), timePtr(approvedAt), timePtr(deliveredAt)
	w.DraftedBy, w.ApprovedBy, w.PublishedBy = draftedBy.Int64, approvedBy.Int64, publishedBy.Int64
	w.ForwardedFrom, w.FromAlarm, w.FromIncident = forwarded.Int64, fromAlarm.Int64, fromIncident.Int64
	return &w, nil
}

// warningScope limits reads and writes to the actor's divisions.
func warningScope(ctx context.Context) (string, []any) {
	a := core.ActorFrom(ctx)
	switch {
	case a == nil || (!a.System && a.Division == ""):
		return " AND 1 = 0", nil
	case a.System:
		return "", nil
	}
	return " AND division_code LIKE ?", []any{region.Prefix(a.Division) + "%"}
}

// auditView is what the audit trail keeps of a warning: everything but
// the CAP XML, which is derived and large.
func auditView(w *warning.Warning) any {
	c := *w
	c.CAP = nil
	return &c
}

// CreateWarning implements warning.Store.
func (db *DB) CreateWarning(ctx context.Context, w *warning.Warning, action string, ended ...*warning.Warning) error {
	return db.inTxThen(ctx, func(t *tx) error {
		row, err := warningRow(w)
		if err != nil {
			return err
		}
		err = t.queryRow(ctx, `INSERT INTO warnings (`+warningInsertCols+`) VALUES (`+placeholders(len(row))+`) RETURNING id`, row...).Scan(&w.ID)
		if db.d.isUnique(err) {
			return errors.Join(core.Errorf(core.ECONFLICT, "message %s from %s is already held", w.Identifier, w.Sender), warning.ErrIdentifierTaken)
		}
		if err != nil {
			return fmt.Errorf("store: create warning: %w", err)
		}
		if w.ChainID == 0 {
			w.ChainID = w.ID
			if _, err := t.exec(ctx, `UPDATE warnings SET chain_id = ? WHERE id = ?`, w.ID, w.ID); err != nil {
				return fmt.Errorf("store: warning chain: %w", err)
			}
		}
		if err := record(ctx, t, action, "warning", w.ID, w.Division, nil, auditView(w)); err != nil {
			return err
		}
		return db.saveWarnings(ctx, t, "end", ended)
	}, func() {
		w.Version = 1
		bump(ended)
	})
}

// inTxThen runs fn in a transaction and, once it committed, after: the
// versions held in memory change only when the rows did.
func (db *DB) inTxThen(ctx context.Context, fn func(*tx) error, after func()) error {
	if err := db.inTx(ctx, fn); err != nil {
		return err
	}
	after()
	return nil
}

func bump(ws []*warning.Warning) {
	for _, w := range ws {
		w.Version++
	}
}

// SaveWarnings implements warning.Store.
func (db *DB) SaveWarnings(ctx context.Context, action string, ws ...*warning.Warning) error {
	return db.inTxThen(ctx, func(t *tx) error { return db.saveWarnings(ctx, t, action, ws) }, func() { bump(ws) })
}

func (db *DB) saveWarnings(ctx context.Context, t *tx, action string, ws []*warning.Warning) error {
	sc, sargs := warningScope(ctx)
	for _, w := range ws {
		row, err := warningRow(w)
		if err != nil {
			return err
		}
		var before string
		err = t.queryRow(ctx, `SELECT status FROM warnings WHERE id = ?`+sc+t.d.forUpdate, append([]any{w.ID}, sargs...)...).Scan(&before)
		if err == sql.ErrNoRows {
			return core.Errorf(core.ENOTFOUND, "warning %d not found", w.ID)
		}
		if err != nil {
			return fmt.Errorf("store: warning %d: %w", w.ID, err)
		}
		res, err := t.exec(ctx, `UPDATE warnings SET `+warningSet+`, version = version + 1 WHERE id = ? AND version = ?`, append(row, w.ID, w.Version)...)
		if db.d.isUnique(err) {
			return errors.Join(core.Errorf(core.ECONFLICT, "message identifier %s is taken", w.Identifier), warning.ErrIdentifierTaken)
		}
		if err != nil {
			return fmt.Errorf("store: update warning %d: %w", w.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ECONFLICT, "warning %d was changed by someone else meanwhile; reload it and try again", w.ID)
		}
		if err := record(ctx, t, action, "warning", w.ID, w.Division, map[string]any{"status": before}, auditView(w)); err != nil {
			return err
		}
	}
	return nil
}

// GetWarning implements warning.Store.
func (db *DB) GetWarning(ctx context.Context, id int64) (*warning.Warning, error) {
	sc, sargs := warningScope(ctx)
	w, err := scanWarning(db.queryRow(ctx, `SELECT `+warningCols+` FROM warnings WHERE id = ?`+sc, append([]any{id}, sargs...)...))
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "warning %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get warning %d: %w", id, err)
	}
	return w, nil
}

// ListWarnings implements warning.Store.
func (db *DB) ListWarnings(ctx context.Context, f warning.Filter, now time.Time) ([]*warning.Warning, int, error) {
	cond := newFilter()
	cond.scope(warningScope(ctx))
	switch f.View {
	case "":
	case "active":
		cond.add(`status = 'published' AND msg_type <> 'Cancel' AND expires > ?`, now.UnixMilli())
	case "drafts":
		cond.add(`status IN ('draft', 'approved')`)
	case "history":
		cond.add(`source = 'local' AND (status IN ('superseded', 'cancelled', 'withdrawn') OR (status = 'published' AND (msg_type = 'Cancel' OR expires <= ?)))`, now.UnixMilli())
	case "imported":
		cond.add(`source = 'import'`)
	default:
		return nil, 0, core.Invalid("view", "%q is not active, drafts, history or imported", f.View)
	}
	cond.division("division_code", f.Division)
	filterIn(cond, "level", f.Levels)
	if f.ChainID != 0 {
		cond.add(`chain_id = ?`, f.ChainID)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM warnings`+cond.where, cond.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count warnings: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.query(ctx, `SELECT `+warningCols+` FROM warnings`+cond.where+` ORDER BY id DESC LIMIT ? OFFSET ?`, append(cond.args, limit, f.Offset)...)
	out, err := collect(rows, err, "list warnings", scanWarning)
	return out, total, err
}

// FindMessage implements warning.Store.
func (db *DB) FindMessage(ctx context.Context, sender, identifier string) (*warning.Warning, error) {
	w, err := scanWarning(db.queryRow(ctx, `SELECT `+warningCols+` FROM warnings WHERE sender = ? AND identifier = ?`, sender, identifier))
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: find message: %w", err)
	}
	return w, nil
}

// PendingDelivery implements warning.Store.
func (db *DB) PendingDelivery(ctx context.Context, now time.Time, limit int) ([]*warning.Warning, error) {
	rows, err := db.query(ctx, `SELECT `+warningCols+` FROM warnings WHERE source = 'local' AND identifier IS NOT NULL AND delivered_at IS NULL
		AND status = 'published' AND expires > ? ORDER BY id LIMIT ?`, now.UnixMilli(), limit)
	return collect(rows, err, "pending deliveries", scanWarning)
}
