package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/core"
)

// record appends an audit entry for a change made in t by the actor in ctx.
// The head row is locked so that concurrent transactions extend the chain
// one after the other instead of forking it.
func record(ctx context.Context, t *tx, action, entity string, id int64, division string, before, after any) error {
	a := core.ActorFrom(ctx)
	if a == nil {
		a = core.SystemActor
	}
	e := audit.Entry{At: time.Now().UTC(), ActorID: a.UserID, Actor: a.Username, Action: action,
		Entity: entity, EntityID: strconv.FormatInt(id, 10), Division: division}
	var err error
	if e.Before, err = marshalNullable(before); err != nil {
		return err
	}
	if e.After, err = marshalNullable(after); err != nil {
		return err
	}
	if err := t.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+t.d.forUpdate).Scan(&e.Seq, &e.PrevHash); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	e.Seq++
	e.Hash = audit.ComputeHash(&e)
	_, err = t.exec(ctx, `INSERT INTO audit_log (seq, at, actor_id, actor, action, entity, entity_id, division_code, before_json, after_json, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At.UnixMilli(), nullInt(e.ActorID), e.Actor, e.Action, e.Entity, e.EntityID, e.Division,
		nullText(e.Before), nullText(e.After), e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	if _, err := t.exec(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, e.Seq, e.Hash); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	return nil
}

func marshalNullable(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	return b, nil
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullFloat stores a nil pointer as NULL.
func nullFloat(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func nullText(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// ListAudit returns audit entries in sequence order.
func (db *DB) ListAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	q := `SELECT seq, at, actor_id, actor, action, entity, entity_id, division_code, before_json, after_json, prev_hash, hash FROM audit_log WHERE seq > ?`
	args := []any{f.AfterSeq}
	if f.Entity != "" {
		q += ` AND entity = ?`
		args = append(args, f.Entity)
	}
	if f.EntityID != "" {
		q += ` AND entity_id = ?`
		args = append(args, f.EntityID)
	}
	if f.DivisionPrefix != "" {
		q += ` AND division_code LIKE ?`
		args = append(args, f.DivisionPrefix+"%")
	}
	if f.Actor != "" {
		q += ` AND actor = ?`
		args = append(args, f.Actor)
	}
	if !f.From.IsZero() {
		q += ` AND at >= ?`
		args = append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		q += ` AND at < ?`
		args = append(args, f.To.UnixMilli())
	}
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 1000
	}
	q += ` ORDER BY seq LIMIT ?`
	args = append(args, f.Limit)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var at int64
		var actorID sql.NullInt64
		var before, after sql.NullString
		if err := rows.Scan(&e.Seq, &at, &actorID, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.Division, &before, &after, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("store: list audit: %w", err)
		}
		e.At = time.UnixMilli(at).UTC()
		e.ActorID = actorID.Int64
		if before.Valid {
			e.Before = json.RawMessage(before.String)
		}
		if after.Valid {
			e.After = json.RawMessage(after.String)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// VerifyAudit walks the whole chain and checks that it ends at the head.
// It returns the number of entries checked.
func (db *DB) VerifyAudit(ctx context.Context) (int64, error) {
	var seq int64
	prev := ""
	for {
		page, err := db.ListAudit(ctx, audit.Filter{AfterSeq: seq, Limit: 5000})
		if err != nil {
			return seq, err
		}
		if len(page) == 0 {
			break
		}
		if _, err := audit.Verify(seq, prev, page); err != nil {
			return seq, err
		}
		last := page[len(page)-1]
		seq, prev = last.Seq, last.Hash
	}
	var headSeq int64
	var headHash string
	if err := db.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return seq, fmt.Errorf("store: audit head: %w", err)
	}
	if headSeq != seq || headHash != prev {
		return seq, fmt.Errorf("audit: the chain ends at entry %d but the head says %d: entries at the end were removed", seq, headSeq)
	}
	return seq, nil
}
