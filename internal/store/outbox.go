package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/notify"
	"github.com/yingji/yingji/internal/outbox"
)

const recipientCols = `id, kind, name, division_code, lon, lat, follows, phone_sealed, phone_hash, phone_masked, email_sealed, email_hash, email_masked,
	push_sealed, push_masked, app_user, webhook, topic, note, enabled, channels, created_at, updated_at, version`

func scanRecipient(s scanner) (*outbox.Record, error) {
	var r outbox.Record
	var lon, lat sql.NullFloat64
	var follows string
	var ph, eh sql.NullString
	var enabled, ch int
	var created, updated int64
	if err := s.Scan(&r.ID, &r.Kind, &r.Name, &r.Division, &lon, &lat, &follows, &r.PhoneSealed, &ph, &r.PhoneMasked, &r.EmailSealed, &eh, &r.EmailMasked,
		&r.PushSealed, &r.PushMasked, &r.AppUser, &r.Webhook, &r.Topic, &r.Note, &enabled, &ch, &created, &updated, &r.Version); err != nil {
		return nil, err
	}
	if lon.Valid && lat.Valid {
		r.Lon, r.Lat = &lon.Float64, &lat.Float64
	}
	r.Follows = strings.Fields(follows)
	r.PhoneHash, r.EmailHash = ph.String, eh.String
	r.Enabled, r.Channels = enabled != 0, outbox.Channel(ch)
	r.CreatedAt, r.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &r, nil
}

func recipientRow(r *outbox.Record) []any {
	return []any{r.Kind, r.Name, r.Division, nullFloat(r.Lon), nullFloat(r.Lat), strings.Join(r.Follows, " "), r.PhoneSealed, nullString(r.PhoneHash), r.PhoneMasked,
		r.EmailSealed, nullString(r.EmailHash), r.EmailMasked, r.PushSealed, r.PushMasked, r.AppUser, r.Webhook, r.Topic, r.Note, boolInt(r.Enabled), int(r.Channels),
		r.CreatedAt.UnixMilli(), r.UpdatedAt.UnixMilli()}
}

const recipientInsert = `INSERT INTO recipients (kind, name, division_code, lon, lat, follows, phone_sealed, phone_hash, phone_masked, email_sealed, email_hash, email_masked,
	push_sealed, push_masked, app_user, webhook, topic, note, enabled, channels, created_at, updated_at) VALUES (` + "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?" + `) RETURNING id`

// duplicate turns a unique violation on the hashes into a clear conflict.
func (db *DB) duplicate(ctx context.Context, t *tx, r *outbox.Record, row int) error {
	for _, h := range []struct{ field, col, hash string }{{"phone", "phone_hash", r.PhoneHash}, {"email", "email_hash", r.EmailHash}} {
		if h.hash == "" {
			continue
		}
		var id int64
		if err := t.queryRow(ctx, `SELECT id FROM recipients WHERE `+h.col+` = ? AND id <> ?`, h.hash, r.ID).Scan(&id); err == nil {
			return &core.Error{Code: core.ECONFLICT, Message: "a recipient with this contact already exists",
				Fields: []core.FieldError{{Row: row, Field: h.field, Message: fmt.Sprintf("already registered as recipient %d", id)}}}
		}
	}
	return core.Errorf(core.ECONFLICT, "a recipient with this phone or e-mail already exists")
}

// CreateRecipient implements outbox.Store.
func (db *DB) CreateRecipient(ctx context.Context, r *outbox.Record) error {
	return db.inTx(ctx, func(t *tx) error {
		err := t.queryRow(ctx, recipientInsert, recipientRow(r)...).Scan(&r.ID)
		if db.d.isUnique(err) {
			return errSavepoint(db, ctx, t, r, 0)
		}
		if err != nil {
			return fmt.Errorf("store: create recipient: %w", err)
		}
		r.Version = 1
		return record(ctx, t, "create", "recipient", r.ID, r.Division, nil, r.Public())
	})
}

// errSavepoint reports a duplicate; PostgreSQL aborts the transaction on
// the failed insert, so the look-up runs outside it.
func errSavepoint(db *DB, ctx context.Context, t *tx, r *outbox.Record, row int) error {
	if db.d.name == "postgres" {
		return core.Errorf(core.ECONFLICT, "a recipient with this phone or e-mail already exists")
	}
	return db.duplicate(ctx, t, r, row)
}

// UpdateRecipient implements outbox.Store; r.Version is the version read.
func (db *DB) UpdateRecipient(ctx context.Context, r *outbox.Record) error {
	return db.inTx(ctx, func(t *tx) error {
		before, err := scanRecipient(t.queryRow(ctx, `SELECT `+recipientCols+` FROM recipients WHERE id = ?`+t.d.forUpdate, r.ID))
		if err == sql.ErrNoRows {
			return core.Errorf(core.ENOTFOUND, "recipient %d not found", r.ID)
		}
		if err != nil {
			return fmt.Errorf("store: recipient %d: %w", r.ID, err)
		}
		row := recipientRow(r)
		res, err := t.exec(ctx, `UPDATE recipients SET kind = ?, name = ?, division_code = ?, lon = ?, lat = ?, follows = ?, phone_sealed = ?, phone_hash = ?, phone_masked = ?,
			email_sealed = ?, email_hash = ?, email_masked = ?, push_sealed = ?, push_masked = ?, app_user = ?, webhook = ?, topic = ?, note = ?, enabled = ?, channels = ?,
			created_at = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`, append(row, r.ID, r.Version)...)
		if db.d.isUnique(err) {
			return errSavepoint(db, ctx, t, r, 0)
		}
		if err != nil {
			return fmt.Errorf("store: update recipient %d: %w", r.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ECONFLICT, "recipient %d was changed by someone else meanwhile; reload it", r.ID)
		}
		r.Version++
		return record(ctx, t, "update", "recipient", r.ID, r.Division, before.Public(), r.Public())
	})
}

// DeleteRecipient implements outbox.Store.
func (db *DB) DeleteRecipient(ctx context.Context, id int64) error {
	return db.inTx(ctx, func(t *tx) error {
		before, err := scanRecipient(t.queryRow(ctx, `SELECT `+recipientCols+` FROM recipients WHERE id = ?`, id))
		if err == sql.ErrNoRows {
			return core.Errorf(core.ENOTFOUND, "recipient %d not found", id)
		}
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM recipients WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: delete recipient %d: %w", id, err)
		}
		return record(ctx, t, "delete", "recipient", id, before.Division, before.Public(), nil)
	})
}

// GetRecipient implements outbox.Store (no scope: the service checks it).
func (db *DB) GetRecipient(ctx context.Context, id int64) (*outbox.Record, error) {
	r, err := scanRecipient(db.queryRow(ctx, `SELECT `+recipientCols+` FROM recipients WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "recipient %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: recipient %d: %w", id, err)
	}
	return r, nil
}

// ListRecipients implements outbox.Store.
func (db *DB) ListRecipients(ctx context.Context, f outbox.Filter, phoneHash string) ([]*outbox.Record, int, error) {
	cond := newFilter()
	cond.division("division_code", f.Division)
	if f.Kind != "" {
		cond.add(`kind = ?`, f.Kind)
	}
	if f.Channel != 0 {
		cond.add(`(channels & ?) <> 0`, int(f.Channel))
	}
	if f.Query != "" {
		cond.add(`name LIKE ? ESCAPE '\'`, "%"+likeEscape(f.Query)+"%")
	}
	if f.AppUser != "" {
		cond.add(`app_user = ?`, f.AppUser)
	}
	if phoneHash != "" {
		cond.add(`phone_hash = ?`, phoneHash)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM recipients`+cond.where, cond.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count recipients: %w", err)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	rows, err := db.query(ctx, `SELECT `+recipientCols+` FROM recipients`+cond.where+` ORDER BY id LIMIT ? OFFSET ?`, append(cond.args, f.Limit, f.Offset)...)
	out, err := collect(rows, err, "list recipients", scanRecipient)
	return out, total, err
}

// ImportRecipients implements outbox.Store: all in one transaction.
func (db *DB) ImportRecipients(ctx context.Context, rs []*outbox.Record) error {
	return db.inTx(ctx, func(t *tx) error {
		// duplicates against stored recipients, reported by row, before writing
		var ps core.Problems
		for i, r := range rs {
			for _, h := range []struct{ field, col, hash string }{{"phone", "phone_hash", r.PhoneHash}, {"email", "email_hash", r.EmailHash}} {
				if h.hash == "" {
					continue
				}
				var id int64
				err := t.queryRow(ctx, `SELECT id FROM recipients WHERE `+h.col+` = ?`, h.hash).Scan(&id)
				if err == nil {
					ps.Add(i+1, h.field, "already registered as recipient %d", id)
				} else if err != sql.ErrNoRows {
					return err
				}
			}
		}
		if err := ps.Err("the import has errors; nothing was stored"); err != nil {
			return err
		}
		stmt, err := t.PrepareContext(ctx, t.d.rebind(recipientInsert))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range rs {
			if err := stmt.QueryRowContext(ctx, recipientRow(r)...).Scan(&r.ID); err != nil {
				return fmt.Errorf("store: import recipient: %w", err)
			}
		}
		return record(ctx, t, "import", "recipient", 0, "", nil, map[string]any{"count": len(rs), "first_id": rs[0].ID, "last_id": rs[len(rs)-1].ID})
	})
}

// LoadTargets implements outbox.Store.
func (db *DB) LoadTargets(ctx context.Context, fn func(outbox.Target)) error {
	rows, err := db.query(ctx, `SELECT id, kind, division_code, lon, lat, follows, channels FROM recipients WHERE enabled = 1`)
	if err != nil {
		return fmt.Errorf("store: load recipients: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t outbox.Target
		var lon, lat sql.NullFloat64
		var follows string
		var ch int
		if err := rows.Scan(&t.ID, &t.Kind, &t.Division, &lon, &lat, &follows, &ch); err != nil {
			return err
		}
		t.Lon, t.Lat = nan(lon), nan(lat)
		t.Follows = strings.Fields(follows)
		t.Channels = outbox.Channel(ch)
		fn(t)
	}
	return rows.Err()
}

func nan(v sql.NullFloat64) float64 {
	if !v.Valid {
		return math.NaN()
	}
	return v.Float64
}

// EnqueueMessage implements outbox.Store: the message and its rows in one
// transaction; false when the message was enqueued before.
func (db *DB) EnqueueMessage(ctx context.Context, m *outbox.StoredMessage, rows []outbox.Row, now time.Time) (bool, error) {
	body, err := json.Marshal(m.Body)
	if err != nil {
		return false, err
	}
	pop, err := json.Marshal(m.Population)
	if err != nil {
		return false, err
	}
	if db.d.name == "postgres" {
		return db.enqueuePostgres(ctx, m, body, pop, rows, now)
	}
	created := false
	err = db.inTx(ctx, func(t *tx) error {
		var id int64
		err := t.queryRow(ctx, `SELECT id FROM outbox_messages WHERE warning_id = ? AND identifier = ?`, m.WarningID, m.Identifier).Scan(&id)
		if err == nil {
			m.ID = id
			return nil
		}
		if err != sql.ErrNoRows {
			return err
		}
		if err := t.queryRow(ctx, `INSERT INTO outbox_messages (warning_id, identifier, body, population, rows, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			m.WarningID, m.Identifier, string(body), string(pop), len(rows), m.CreatedAt.UnixMilli()).Scan(&m.ID); err != nil {
			return fmt.Errorf("store: enqueue message: %w", err)
		}
		created = true
		// 3 bound values per row (the message id and due time are the same
		// for every row and written into the statement as numbers): binding
		// costs more than the insert itself in the pure-Go SQLite
		const per = 2000
		head := `INSERT INTO outbox (message_id, recipient_id, channel, county, due_at) VALUES `
		tuple := "(" + strconv.FormatInt(m.ID, 10) + ", ?, ?, ?, " + strconv.FormatInt(now.UnixMilli(), 10) + ")"
		var stmt *sql.Stmt
		args := make([]any, 0, per*3)
		for i := 0; i < len(rows); i += per {
			n := min(per, len(rows)-i)
			q := head + strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ")
			args = args[:0]
			for _, r := range rows[i : i+n] {
				args = append(args, r.RecipientID, int64(r.Channel), int64(r.County))
			}
			if n == per {
				if stmt == nil {
					if stmt, err = t.PrepareContext(ctx, q); err != nil {
						return err
					}
					defer stmt.Close()
				}
				_, err = stmt.ExecContext(ctx, args...)
			} else {
				_, err = t.ExecContext(ctx, q, args...)
			}
			if err != nil {
				return fmt.Errorf("store: enqueue rows: %w", err)
			}
		}
		return setRange(ctx, t.Tx, t.d, m.ID, len(rows))
	})
	return created, err
}

// setRange records the ids the message's rows took: they are consecutive,
// as the enqueue is the only writer of outbox rows while it runs. Roll-ups
// read a message's rows by this id range instead of an index on
// message_id, which the enqueue of millions of rows would pay for.
func setRange(ctx context.Context, t *sql.Tx, d dialect, id int64, n int) error {
	_, err := t.ExecContext(ctx, d.rebind(`UPDATE outbox_messages SET last_id = (SELECT COALESCE(MAX(id), 0) FROM outbox), first_id = (SELECT COALESCE(MAX(id), 0) FROM outbox) - ? + 1 WHERE id = ?`), n, id)
	return err
}

// enqueuePostgres copies the rows with COPY in the message's transaction.
func (db *DB) enqueuePostgres(ctx context.Context, m *outbox.StoredMessage, body, pop []byte, rows []outbox.Row, now time.Time) (bool, error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	created := false
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		ptx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer ptx.Rollback(ctx)
		// one enqueue at a time, so outbox ids become visible in order (the
		// claim cursor relies on it)
		if _, err := ptx.Exec(ctx, `SELECT pg_advisory_xact_lock(7326001)`); err != nil {
			return err
		}
		err = ptx.QueryRow(ctx, `INSERT INTO outbox_messages (warning_id, identifier, body, population, rows, created_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (warning_id, identifier) DO NOTHING RETURNING id`, m.WarningID, m.Identifier, string(body), string(pop), len(rows), m.CreatedAt.UnixMilli()).Scan(&m.ID)
		if err == pgx.ErrNoRows {
			return ptx.QueryRow(ctx, `SELECT id FROM outbox_messages WHERE warning_id = $1 AND identifier = $2`, m.WarningID, m.Identifier).Scan(&m.ID)
		}
		if err != nil {
			return fmt.Errorf("store: enqueue message: %w", err)
		}
		created = true
		due := now.UnixMilli()
		i := 0
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i >= len(rows) {
				return nil, nil
			}
			r := rows[i]
			i++
			return []any{m.ID, r.RecipientID, int16(r.Channel), r.County, due}, nil
		})
		if _, err := ptx.CopyFrom(ctx, pgx.Identifier{"outbox"}, []string{"message_id", "recipient_id", "channel", "county", "due_at"}, src); err != nil {
			return fmt.Errorf("store: copy outbox rows: %w", err)
		}
		// the rows took consecutive ids: enqueues hold the lock, and no one
		// else draws from the sequence
		if _, err := ptx.Exec(ctx, `UPDATE outbox_messages SET last_id = (SELECT COALESCE(MAX(id), 0) FROM outbox), first_id = (SELECT COALESCE(MAX(id), 0) FROM outbox) - $1 + 1 WHERE id = $2`,
			len(rows), m.ID); err != nil {
			return err
		}
		return ptx.Commit(ctx)
	})
	return created, err
}

// GetMessage implements outbox.Store.
func (db *DB) GetMessage(ctx context.Context, id int64) (*outbox.StoredMessage, error) {
	m := &outbox.StoredMessage{ID: id}
	var body, pop string
	var created int64
	err := db.queryRow(ctx, `SELECT warning_id, identifier, body, population, created_at FROM outbox_messages WHERE id = ?`, id).Scan(&m.WarningID, &m.Identifier, &body, &pop, &created)
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "outbox message %d not found", id)
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(body), &m.Body); err != nil {
		return nil, fmt.Errorf("store: message %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(pop), &m.Population); err != nil {
		return nil, fmt.Errorf("store: message %d: %w", id, err)
	}
	m.CreatedAt = time.UnixMilli(created).UTC()
	return m, nil
}

// ClaimJobs implements outbox.Store: rows of the channel that are due
// (queued and due, or sending with an expired lease) are leased until
// now+lease and their attempt counted, in one transaction.
func (db *DB) ClaimJobs(ctx context.Context, ch outbox.Channel, now time.Time, lease time.Duration, limit int) ([]outbox.Job, error) {
	var jobs []outbox.Job
	err := db.inTx(ctx, func(t *tx) error {
		lock := ""
		if t.d.name == "postgres" {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		var ids []any
		scan := func(q string, args ...any) error {
			rows, err := t.query(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("store: claim: %w", err)
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return rows.Err()
		}
		// Rows tried before (retries, expired leases) come through the small
		// outbox_retry index; fresh rows in id order from a cursor, so the
		// enqueue of millions of rows pays for no claim index. Enqueues are
		// serialised (SQLite has one writer; PostgreSQL takes an advisory
		// lock) and take their ids inside, so ids become visible in
		// increasing order and nothing new appears behind the cursor. Rows
		// another node held locked when the cursor passed are picked up by
		// the cursor's periodic rewind.
		if err := scan(`SELECT id FROM outbox WHERE channel = ? AND state IN ('queued', 'sending') AND attempts > 0 AND due_at <= ? ORDER BY due_at LIMIT ?`+lock,
			int(ch), now.UnixMilli(), limit); err != nil {
			return err
		}
		if len(ids) < limit {
			cur := cursorOf(db, ch)
			var top sql.NullInt64
			if err := t.queryRow(ctx, `SELECT MAX(id) FROM outbox`).Scan(&top); err != nil {
				return err
			}
			from := cur.from()
			n := len(ids)
			if err := scan(`SELECT id FROM outbox WHERE id > ? AND id <= ? AND channel = ? AND state = 'queued' AND attempts = 0 ORDER BY id LIMIT ?`+lock,
				from, top.Int64, int(ch), limit-n); err != nil {
				return err
			}
			switch {
			case len(ids)-n == limit-n:
				cur.to(ids[len(ids)-1].(int64))
			case top.Valid:
				cur.to(top.Int64) // scanned to the end
			}
		}
		if len(ids) == 0 {
			return nil
		}
		in := placeholders(len(ids))
		if _, err := t.exec(ctx, `UPDATE outbox SET state = 'sending', attempts = attempts + 1, due_at = ? WHERE id IN (`+in+`)`, append([]any{now.Add(lease).UnixMilli()}, ids...)...); err != nil {
			return fmt.Errorf("store: lease: %w", err)
		}
		jr, err := t.query(ctx, `SELECT o.id, o.message_id, o.recipient_id, o.channel, o.attempts, o.county, COALESCE(r.name, ''), COALESCE(r.division_code, ''),
			COALESCE(r.phone_sealed, ''), COALESCE(r.email_sealed, ''), COALESCE(r.push_sealed, ''), COALESCE(r.app_user, ''), COALESCE(r.webhook, ''), COALESCE(r.topic, '')
			FROM outbox o LEFT JOIN recipients r ON r.id = o.recipient_id WHERE o.id IN (`+in+`) ORDER BY o.id`, ids...)
		if err != nil {
			return fmt.Errorf("store: claimed rows: %w", err)
		}
		defer jr.Close()
		for jr.Next() {
			var j outbox.Job
			var c int
			if err := jr.Scan(&j.ID, &j.MessageID, &j.RecipientID, &c, &j.Attempts, &j.County, &j.Name, &j.Division, &j.PhoneSealed, &j.EmailSealed, &j.PushSealed,
				&j.AppUser, &j.Webhook, &j.Topic); err != nil {
				return err
			}
			j.Channel = outbox.Channel(c)
			jobs = append(jobs, j)
		}
		return jr.Err()
	})
	return jobs, err
}

// FinishJobs implements outbox.Store: every outcome of a batch in one
// transaction. Plain successes (no reference, no error) of one state and
// time are written with one UPDATE per 500 rows.
func (db *DB) FinishJobs(ctx context.Context, os []outbox.Outcome) error {
	type group struct {
		state string
		at    int64
	}
	plain := map[group][]any{}
	var rest []outbox.Outcome
	for _, o := range os {
		if (o.State == outbox.StateDelivered || o.State == outbox.StateSent) && o.Ref == "" && o.Error == "" {
			g := group{o.State, o.At.UnixMilli()}
			plain[g] = append(plain[g], o.ID)
			continue
		}
		rest = append(rest, o)
	}
	return db.inTx(ctx, func(t *tx) error {
		for g, ids := range plain {
			for i := 0; i < len(ids); i += 500 {
				part := ids[i:min(i+500, len(ids))]
				if _, err := t.exec(ctx, `UPDATE outbox SET state = ?, done_at = ? WHERE state = 'sending' AND id IN (`+placeholders(len(part))+`)`,
					append([]any{g.state, g.at}, part...)...); err != nil {
					return fmt.Errorf("store: finish outbox rows: %w", err)
				}
			}
		}
		for _, o := range rest {
			var err error
			switch o.State {
			case outbox.StateQueued:
				_, err = t.exec(ctx, `UPDATE outbox SET state = 'queued', due_at = ?, error = ? WHERE id = ? AND state = 'sending'`, o.Due.UnixMilli(), o.Error, o.ID)
			default:
				_, err = t.exec(ctx, `UPDATE outbox SET state = ?, error = ?, ref = ?, done_at = ? WHERE id = ? AND state = 'sending'`,
					o.State, nullString(o.Error), nullString(o.Ref), o.At.UnixMilli(), o.ID)
			}
			if err != nil {
				return fmt.Errorf("store: finish outbox row %d: %w", o.ID, err)
			}
		}
		return nil
	})
}

// RecordReceipt implements outbox.Store.
func (db *DB) RecordReceipt(ctx context.Context, ch outbox.Channel, ref string, delivered bool, reason string, at time.Time) (bool, error) {
	state := outbox.StateDelivered
	if !delivered {
		state = outbox.StateFailed
	}
	res, err := db.exec(ctx, `UPDATE outbox SET state = ?, error = ?, done_at = ? WHERE channel = ? AND ref = ? AND state IN ('sent', 'delivered', 'failed')`,
		state, nullString(reason), at.UnixMilli(), int(ch), ref)
	if err != nil {
		return false, fmt.Errorf("store: receipt: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeliveryCounts implements outbox.Store.
func (db *DB) DeliveryCounts(ctx context.Context, warningID int64) ([]outbox.Count, error) {
	rows, err := db.query(ctx, `SELECT o.channel, o.county, o.state, COUNT(*) FROM outbox_messages m JOIN outbox o ON o.id BETWEEN m.first_id AND m.last_id
		WHERE m.warning_id = ? GROUP BY o.channel, o.county, o.state`, warningID)
	if err != nil {
		return nil, fmt.Errorf("store: delivery counts: %w", err)
	}
	defer rows.Close()
	var out []outbox.Count
	for rows.Next() {
		var c outbox.Count
		var ch int
		if err := rows.Scan(&ch, &c.County, &c.State, &c.N); err != nil {
			return nil, err
		}
		c.Channel = outbox.Channel(ch)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Reached implements outbox.Store.
func (db *DB) Reached(ctx context.Context, warningID int64) (map[int32]int64, []string, error) {
	rows, err := db.query(ctx, `SELECT o.county, COUNT(DISTINCT o.recipient_id) FROM outbox_messages m JOIN outbox o ON o.id BETWEEN m.first_id AND m.last_id
		WHERE m.warning_id = ? AND o.state = 'delivered' AND o.channel <> ? GROUP BY o.county`, warningID, int(outbox.MQTT))
	if err != nil {
		return nil, nil, fmt.Errorf("store: reached: %w", err)
	}
	persons := map[int32]int64{}
	for rows.Next() {
		var c int32
		var n int64
		if err := rows.Scan(&c, &n); err != nil {
			rows.Close()
			return nil, nil, err
		}
		persons[c] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	lr, err := db.query(ctx, `SELECT DISTINCT r.division_code FROM outbox_messages m JOIN outbox o ON o.id BETWEEN m.first_id AND m.last_id JOIN recipients r ON r.id = o.recipient_id
		WHERE m.warning_id = ? AND o.state = 'delivered' AND o.channel = ?`, warningID, int(outbox.MQTT))
	if err != nil {
		return nil, nil, fmt.Errorf("store: loudspeakers reached: %w", err)
	}
	defer lr.Close()
	var divs []string
	for lr.Next() {
		var d string
		if err := lr.Scan(&d); err != nil {
			return nil, nil, err
		}
		divs = append(divs, d)
	}
	return persons, divs, lr.Err()
}

// WarningPopulation implements outbox.Store: the population of the latest
// message's area.
func (db *DB) WarningPopulation(ctx context.Context, warningID int64) (map[string]int64, error) {
	var pop string
	err := db.queryRow(ctx, `SELECT population FROM outbox_messages WHERE warning_id = ? ORDER BY id DESC LIMIT 1`, warningID).Scan(&pop)
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "warning %d has no delivery", warningID)
	}
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	return out, json.Unmarshal([]byte(pop), &out)
}

// OutboxRow is one row as tests and operators inspect it.
type OutboxRow struct {
	ID, MessageID, RecipientID int64
	Channel                    int
	State                      string
	Attempts                   int
	Error, Ref                 string
}

// OutboxRows returns every outbox row of a message (for tests and support).
func (db *DB) OutboxRows(ctx context.Context, messageID int64) ([]OutboxRow, error) {
	rows, err := db.query(ctx, `SELECT id, message_id, recipient_id, channel, state, attempts, COALESCE(error, ''), COALESCE(ref, '') FROM outbox WHERE id BETWEEN (SELECT first_id FROM outbox_messages WHERE id = ?) AND (SELECT last_id FROM outbox_messages WHERE id = ?) ORDER BY id`, messageID, messageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboxRow
	for rows.Next() {
		var r OutboxRow
		if err := rows.Scan(&r.ID, &r.MessageID, &r.RecipientID, &r.Channel, &r.State, &r.Attempts, &r.Error, &r.Ref); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddNotice implements channel.Notices: a warning notice in the in-app
// inbox, once per (tier, division, time, title).
func (db *DB) AddNotice(ctx context.Context, m *notify.Message) error {
	return db.inTx(ctx, func(t *tx) error {
		if t.d.name == "postgres" {
			// two senders of one division must not both find no notice
			h := fnv.New64a()
			fmt.Fprintf(h, "notice|%s|%s|%d|%s", m.Tier, m.Division, m.At.UnixMilli(), m.Title)
			if _, err := t.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(h.Sum64())); err != nil {
				return err
			}
		}
		err := t.queryRow(ctx, `SELECT id FROM notifications WHERE tier = ? AND division_code = ? AND at = ? AND title = ?`, m.Tier, m.Division, m.At.UnixMilli(), m.Title).Scan(&m.ID)
		if err == nil {
			return nil
		}
		if err != sql.ErrNoRows {
			return err
		}
		return t.queryRow(ctx, `INSERT INTO notifications (at, tier, division_code, title, body) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			m.At.UnixMilli(), m.Tier, m.Division, m.Title, m.Body).Scan(&m.ID)
	})
}

// claimCursors holds, per open database and channel, the id below which
// no fresh (never tried) row of the channel remains.
var claimCursors sync.Map // cursorKey → *cursor

type cursorKey struct {
	db *DB
	ch outbox.Channel
}

// cursor rewinds every rewindEvery, so rows skipped while locked by
// another node's claim that then rolled back are found again.
type cursor struct {
	mu     sync.Mutex
	id     int64
	rewind time.Time
}

const rewindEvery = 5 * time.Minute

func (c *cursor) from() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.rewind) > rewindEvery {
		c.id, c.rewind = 0, time.Now()
	}
	return c.id
}

func (c *cursor) to(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id > c.id {
		c.id = id
	}
}

func cursorOf(db *DB, ch outbox.Channel) *cursor {
	v, _ := claimCursors.LoadOrStore(cursorKey{db, ch}, &cursor{rewind: time.Now()})
	return v.(*cursor)
}
