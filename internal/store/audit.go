package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
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
	e.Alg = t.auditAlg
	if e.Alg == "" {
		e.Alg = audit.SHA256
	}
	e.Hash = audit.ComputeHash(&e)
	_, err = t.exec(ctx, `INSERT INTO audit_log (seq, at, actor_id, actor, action, entity, entity_id, division_code, before_json, after_json, prev_hash, hash, hash_alg)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At.UnixMilli(), nullInt(e.ActorID), e.Actor, e.Action, e.Entity, e.EntityID, e.Division,
		nullText(e.Before), nullText(e.After), e.PrevHash, e.Hash, e.Alg)
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

// SetAuditHash selects the hash algorithm of new audit entries (sha256,
// the default, or sm3). Entries already written keep theirs: each row
// records its algorithm, so a chain may switch and still verify.
func (db *DB) SetAuditHash(alg string) error {
	alg, err := audit.CheckAlg(alg)
	if err != nil {
		return err
	}
	db.auditAlg = alg
	return nil
}

const auditColumns = `seq, at, actor_id, actor, action, entity, entity_id, division_code, before_json, after_json, prev_hash, hash, hash_alg`

// auditWhere builds the filter's conditions (without limit and order).
func auditWhere(f audit.Filter) (string, []any) {
	w := newFilter()
	w.add(`seq > ?`, f.AfterSeq)
	eq := func(col, v string) {
		if v != "" {
			w.add(col+` = ?`, v)
		}
	}
	eq("entity", f.Entity)
	eq("entity_id", f.EntityID)
	eq("actor", f.Actor)
	eq("action", f.Action)
	filterIn(w, "action", f.Actions)
	if f.BeforeSeq > 0 {
		w.add(`seq < ?`, f.BeforeSeq)
	}
	if f.DivisionPrefix != "" {
		cond := `division_code LIKE ? ESCAPE '\'`
		if f.Unattributed {
			cond = `(` + cond + ` OR division_code = '')`
		}
		w.add(cond, likeEscape(f.DivisionPrefix)+"%")
	}
	if f.Text != "" {
		// before and after are stored as JSON, where "<" is "\u003c" and a
		// quote is "\"": the text is looked for as typed and as JSON writes it.
		var ors []string
		var args []any
		for _, p := range textPatterns(f.Text) {
			ors = append(ors, `LOWER(COALESCE(before_json, '')) LIKE ? ESCAPE '\'`, `LOWER(COALESCE(after_json, '')) LIKE ? ESCAPE '\'`)
			args = append(args, p, p)
		}
		w.add(`(`+strings.Join(ors, ` OR `)+`)`, args...)
	}
	if !f.From.IsZero() {
		w.add(`at >= ?`, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		w.add(`at < ?`, f.To.UnixMilli())
	}
	return w.where, w.args
}

func textPatterns(text string) []string {
	text = strings.ToLower(text)
	pats := []string{"%" + likeEscape(text) + "%"}
	if b, err := json.Marshal(text); err == nil {
		if esc := string(b[1 : len(b)-1]); esc != text {
			pats = append(pats, "%"+likeEscape(strings.ToLower(esc))+"%")
		}
	}
	return pats
}

func scanAudit(rows scanner) (audit.Entry, error) {
	var e audit.Entry
	var at int64
	var actorID sql.NullInt64
	var before, after sql.NullString
	if err := rows.Scan(&e.Seq, &at, &actorID, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.Division, &before, &after, &e.PrevHash, &e.Hash, &e.Alg); err != nil {
		return e, fmt.Errorf("store: audit: %w", err)
	}
	e.At = time.UnixMilli(at).UTC()
	e.ActorID = actorID.Int64
	if before.Valid {
		e.Before = json.RawMessage(before.String)
	}
	if after.Valid {
		e.After = json.RawMessage(after.String)
	}
	return e, nil
}

// ListAudit returns audit entries in sequence order (newest first with
// f.Desc), at most f.Limit (1000 when unset, 10000 at most).
func (db *DB) ListAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 1000
	}
	var out []audit.Entry
	err := db.scanAuditPage(ctx, f, f.Limit, func(e *audit.Entry) error {
		out = append(out, *e)
		return nil
	})
	return out, err
}

func (db *DB) scanAuditPage(ctx context.Context, f audit.Filter, limit int, fn func(*audit.Entry) error) error {
	where, args := auditWhere(f)
	order := ` ORDER BY seq`
	if f.Desc {
		order = ` ORDER BY seq DESC`
	}
	rows, err := db.query(ctx, `SELECT `+auditColumns+` FROM audit_log`+where+order+` LIMIT ?`, append(args, limit)...)
	if err != nil {
		return fmt.Errorf("store: list audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return err
		}
		if err := fn(&e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ScanAudit calls fn for every entry the filter selects, in sequence order
// (newest first with f.Desc), reading pages of a few thousand so that an
// export of the whole trail streams without holding it in memory. A
// positive f.Limit stops after that many entries.
func (db *DB) ScanAudit(ctx context.Context, f audit.Filter, fn func(*audit.Entry) error) error {
	const page = 2000
	left := int64(f.Limit)
	for {
		n := page
		if left > 0 && left < page {
			n = int(left)
		}
		got, last := 0, int64(0)
		err := db.scanAuditPage(ctx, f, n, func(e *audit.Entry) error {
			got++
			last = e.Seq
			return fn(e)
		})
		if err != nil {
			return err
		}
		if f.Limit > 0 {
			if left -= int64(got); left <= 0 {
				return nil
			}
		}
		if got < n {
			return nil
		}
		if f.Desc {
			f.BeforeSeq = last
		} else {
			f.AfterSeq = last
		}
	}
}

// CountAudit counts the entries the filter selects (Limit and paging
// fields ignored).
func (db *DB) CountAudit(ctx context.Context, f audit.Filter) (int64, error) {
	f.AfterSeq, f.BeforeSeq = 0, 0
	where, args := auditWhere(f)
	var n int64
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM audit_log`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count audit: %w", err)
	}
	return n, nil
}

// auditHead is the chain's head and anchor.
func (db *DB) auditHead(ctx context.Context) (seq int64, hash string, anchorSeq int64, anchorHash string, err error) {
	err = db.queryRow(ctx, `SELECT seq, hash, anchor_seq, anchor_hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash, &anchorSeq, &anchorHash)
	if err != nil {
		err = fmt.Errorf("store: audit head: %w", err)
	}
	return
}

// archiveRecord is the after document of the chain entry an archive
// writes (entity "audit", action "archive").
type archiveRecord struct {
	FromSeq  int64  `json:"from_seq"`
	ToSeq    int64  `json:"through_seq"`
	LastHash string `json:"last_hash"`
	Count    int64  `json:"count"`
	Before   string `json:"before"`
	File     string `json:"file,omitempty"`
}

// VerifyAudit walks the chain from its anchor and checks that it ends at
// the head. It returns the number of entries checked.
func (db *DB) VerifyAudit(ctx context.Context) (int64, error) {
	st := db.AuditStatus(ctx)
	if !st.OK {
		return st.Checked, st.Err
	}
	return st.Checked, nil
}

// AuditStatus verifies the chain: it starts after the anchor that the last
// archive left (the first remaining entry must follow the last archived
// one and link to its hash), checks every link and hash up to the head,
// and checks that the anchor is the one the last archive entry in the
// chain recorded, so rows deleted other than by archiving are found.
func (db *DB) AuditStatus(ctx context.Context) audit.ChainStatus {
	st := audit.ChainStatus{Algs: map[string]int64{}, CheckedAt: time.Now().UTC()}
	fail := func(seq int64, err error) audit.ChainStatus {
		st.OK, st.BrokenSeq, st.Err, st.Error = false, seq, err, err.Error()
		return st
	}
	headSeq, headHash, anchorSeq, anchorHash, err := db.auditHead(ctx)
	if err != nil {
		return fail(0, err)
	}
	st.HeadSeq, st.HeadHash, st.AnchorSeq, st.AnchorHash = headSeq, headHash, anchorSeq, anchorHash
	seq, prev := anchorSeq, anchorHash
	var lastArchive *archiveRecord
	var lastArchiveSeq int64
	var badSeq int64
	var verr error
	err = db.ScanAudit(ctx, audit.Filter{AfterSeq: anchorSeq}, func(e *audit.Entry) error {
		if e.Seq > headSeq {
			return errStop
		}
		if bad, err := audit.Verify(seq, prev, []audit.Entry{*e}); err != nil {
			badSeq, verr = bad, err
			return errStop
		}
		if st.Checked == 0 {
			st.FirstSeq = e.Seq
		}
		st.Checked++
		st.Algs[e.Alg]++
		if e.Entity == "audit" && e.Action == "archive" {
			var a archiveRecord
			if json.Unmarshal(e.After, &a) == nil {
				lastArchive, lastArchiveSeq = &a, e.Seq
			}
		}
		seq, prev = e.Seq, e.Hash
		return nil
	})
	if err != nil && err != errStop {
		return fail(seq+1, err)
	}
	if verr != nil {
		if badSeq == anchorSeq+1 && st.Checked == 0 && anchorSeq > 0 {
			verr = fmt.Errorf("%w (the chain starts after archived entry %d)", verr, anchorSeq)
		}
		return fail(badSeq, verr)
	}
	st.LastSeq = seq
	if headSeq != seq || headHash != prev {
		return fail(seq+1, fmt.Errorf("audit: the chain ends at entry %d but the head says %d: entries at the end were removed", seq, headSeq))
	}
	if anchorSeq > 0 && (lastArchive == nil || lastArchive.ToSeq != anchorSeq || lastArchive.LastHash != anchorHash) {
		return fail(anchorSeq+1, fmt.Errorf("audit: the chain starts after entry %d, but no archive entry in the chain records archiving up to it: entries were deleted other than by `yingji audit archive`", anchorSeq))
	}
	if lastArchive != nil && lastArchive.ToSeq != anchorSeq {
		return fail(lastArchiveSeq, fmt.Errorf("audit: archive entry %d records archiving up to entry %d but the chain's anchor is %d", lastArchiveSeq, lastArchive.ToSeq, anchorSeq))
	}
	st.OK = true
	return st
}

var errStop = fmt.Errorf("stop")

// ArchiveResult is what ArchiveAudit moved out.
type ArchiveResult struct {
	FromSeq, ToSeq int64
	Count          int64
	// LastHash is the last archived entry's hash: the new anchor.
	LastHash string
	// PrevHash is the hash the first archived entry links to (the old
	// anchor).
	PrevHash string
}

// ArchiveAudit moves the entries older than before out of the database: it
// writes them to w as an audit file (JSON Lines, complete, verifiable with
// audit.VerifyFile), deletes them, moves the anchor to the last of them and
// appends an "archive" entry recording the range and the last hash, all in
// one transaction that also holds the chain's head. Entries younger than
// audit.MinRetention before now are never archived. file names the archive
// in the chain entry. With nothing to archive it changes nothing and
// returns a zero Count.
func (db *DB) ArchiveAudit(ctx context.Context, before, now time.Time, w io.Writer, file string) (ArchiveResult, error) {
	var res ArchiveResult
	if limit := now.Add(-audit.MinRetention); before.After(limit) {
		return res, core.Invalid("before", "%s is less than 180 days ago (the earliest allowed is %s): the Cybersecurity Law (Art. 21) requires keeping network logs at least six months",
			before.UTC().Format(time.RFC3339), limit.UTC().Format(time.RFC3339))
	}
	err := db.inTx(ctx, func(t *tx) error {
		var headSeq, anchorSeq int64
		var headHash, anchorHash string
		if err := t.queryRow(ctx, `SELECT seq, hash, anchor_seq, anchor_hash FROM audit_head WHERE id = 1`+t.d.forUpdate).Scan(&headSeq, &headHash, &anchorSeq, &anchorHash); err != nil {
			return fmt.Errorf("store: audit head: %w", err)
		}
		var last sql.NullInt64
		if err := t.queryRow(ctx, `SELECT MAX(seq) FROM audit_log WHERE seq > ? AND at < ?`, anchorSeq, before.UnixMilli()).Scan(&last); err != nil {
			return fmt.Errorf("store: audit archive: %w", err)
		}
		if !last.Valid {
			return nil
		}
		res = ArchiveResult{FromSeq: anchorSeq + 1, ToSeq: last.Int64, Count: last.Int64 - anchorSeq, PrevHash: anchorHash}
		fw, err := audit.NewFileWriter(w, audit.FormatJSONL, audit.FileHeader{Kind: "archive", Complete: true, PrevSeq: anchorSeq, PrevHash: anchorHash,
			CreatedAt: now.UTC(), FromSeq: res.FromSeq, ToSeq: res.ToSeq, Count: res.Count, Filters: map[string]string{"before": before.UTC().Format(time.RFC3339)}})
		if err != nil {
			return err
		}
		rows, err := t.query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq`, anchorSeq, res.ToSeq)
		if err != nil {
			return fmt.Errorf("store: audit archive: %w", err)
		}
		seq, prev := anchorSeq, anchorHash
		for rows.Next() {
			e, err := scanAudit(rows)
			if err == nil {
				// What is archived must verify: a broken chain is not
				// moved out of sight.
				_, err = audit.Verify(seq, prev, []audit.Entry{e})
			}
			if err == nil {
				err = fw.Write(&e)
			}
			if err != nil {
				rows.Close()
				return fmt.Errorf("store: audit archive: %w", err)
			}
			seq, prev = e.Seq, e.Hash
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return fmt.Errorf("store: audit archive: %w", err)
		}
		rows.Close()
		if seq != res.ToSeq {
			return fmt.Errorf("store: audit archive: entries %d to %d are incomplete (stopped at %d)", res.FromSeq, res.ToSeq, seq)
		}
		if err := fw.Flush(); err != nil {
			return fmt.Errorf("store: audit archive: write: %w", err)
		}
		res.LastHash = prev
		if _, err := t.exec(ctx, `DELETE FROM audit_log WHERE seq <= ?`, res.ToSeq); err != nil {
			return fmt.Errorf("store: audit archive: %w", err)
		}
		if _, err := t.exec(ctx, `UPDATE audit_head SET anchor_seq = ?, anchor_hash = ? WHERE id = 1`, res.ToSeq, res.LastHash); err != nil {
			return fmt.Errorf("store: audit archive: %w", err)
		}
		return record(ctx, t, "archive", "audit", 0, "", nil, archiveRecord{FromSeq: res.FromSeq, ToSeq: res.ToSeq, LastHash: res.LastHash,
			Count: res.Count, Before: before.UTC().Format(time.RFC3339), File: file})
	})
	if err != nil {
		return ArchiveResult{}, err
	}
	return res, nil
}
