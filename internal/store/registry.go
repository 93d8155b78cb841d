package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
)

const objectCols = `id, kind, code, name, category, status, division_code, owner_id, enterprise_id, geometry, attrs, created_at, updated_at, version`

// scopeClause is the SQL form of the actor's registry.Scope; every registry
// read and write goes through it.
func scopeClause(ctx context.Context) (string, []any) {
	s := registry.ScopeOf(core.ActorFrom(ctx))
	switch {
	case s.None:
		return " AND 1 = 0", nil
	case s.All:
		return "", nil
	}
	q, args := " AND division_code LIKE ?", []any{s.DivisionPrefix + "%"}
	if s.EnterpriseID != 0 {
		q += " AND enterprise_id = ?"
		args = append(args, s.EnterpriseID)
	}
	return q, args
}

func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

var sortColumns = map[string]string{"id": "id", "name": "name", "code": "code", "updated_at": "updated_at", "created_at": "created_at"}

// ListObjects implements registry.Store.
func (db *DB) ListObjects(ctx context.Context, f registry.Filter) ([]*registry.Object, int, error) {
	where := ` WHERE kind = ?`
	args := []any{f.Kind}
	if f.Division != "" {
		where += ` AND division_code LIKE ?`
		args = append(args, region.Prefix(f.Division)+"%")
	}
	if b := f.BBox; b != nil {
		where += ` AND min_lon <= ? AND max_lon >= ? AND min_lat <= ? AND max_lat >= ?`
		args = append(args, b.Max[0], b.Min[0], b.Max[1], b.Min[1])
	}
	if len(f.Categories) > 0 {
		where += ` AND category IN (` + placeholders(len(f.Categories)) + `)`
		for _, c := range f.Categories {
			args = append(args, c)
		}
	}
	if len(f.Statuses) > 0 {
		where += ` AND status IN (` + placeholders(len(f.Statuses)) + `)`
		for _, s := range f.Statuses {
			args = append(args, s)
		}
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where += ` AND search LIKE ? ESCAPE '\'`
		args = append(args, "%"+likeEscape(strings.ToLower(q))+"%")
	}
	if f.Code != "" {
		where += ` AND code = ?`
		args = append(args, f.Code)
	}
	if f.OwnerID != 0 {
		where += ` AND owner_id = ?`
		args = append(args, f.OwnerID)
	}
	if f.EnterpriseID != 0 {
		where += ` AND enterprise_id = ?`
		args = append(args, f.EnterpriseID)
	}
	sc, sargs := scopeClause(ctx)
	where += sc
	args = append(args, sargs...)

	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM registry_objects`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count %s: %w", f.Kind, err)
	}
	order := "id"
	desc := strings.HasPrefix(f.Sort, "-")
	if col, ok := sortColumns[strings.TrimPrefix(f.Sort, "-")]; ok {
		order = col
	}
	if desc {
		order += " DESC"
	}
	if order != "id" {
		order += ", id"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = math.MaxInt32
	}
	q := `SELECT ` + objectCols + ` FROM registry_objects` + where + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	args = append(args, limit, f.Offset)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list %s: %w", f.Kind, err)
	}
	defer rows.Close()
	out := make([]*registry.Object, 0, min(limit, total))
	for rows.Next() {
		o, err := scanObjectGeom(rows, !f.NoGeometry, db.fields)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, o)
	}
	return out, total, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

// collect scans every row of a query's result with scan; what names the
// list in the error. It closes the rows.
func collect[T any](rows *sql.Rows, err error, what string, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanObject(s scanner, fields registry.Sealer) (*registry.Object, error) {
	return scanObjectGeom(s, true, fields)
}

// scanObjectGeom reads a record, opening its sealed personal fields with
// fields.
func scanObjectGeom(s scanner, withGeometry bool, fields registry.Sealer) (*registry.Object, error) {
	var o registry.Object
	var owner, ent sql.NullInt64
	var geom, attrs string
	var created, updated int64
	if err := s.Scan(&o.ID, &o.Kind, &o.Code, &o.Name, &o.Category, &o.Status, &o.Division, &owner, &ent, &geom, &attrs, &created, &updated, &o.Version); err != nil {
		return nil, err
	}
	o.OwnerID, o.EnterpriseID = owner.Int64, ent.Int64
	o.CreatedAt, o.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	k, ok := registry.KindNamed(o.Kind)
	if !ok {
		return nil, fmt.Errorf("store: record %d has unknown kind %q", o.ID, o.Kind)
	}
	var err error
	if withGeometry {
		if o.Geometry, err = geo.ParseGeometry([]byte(geom)); err != nil {
			return nil, fmt.Errorf("store: record %d geometry: %w", o.ID, err)
		}
	}
	if o.Attrs, err = registry.OpenAttrs(k, o.Code, []byte(attrs), fields); err != nil {
		return nil, err
	}
	return &o, nil
}

// GetObject implements registry.Store; kind "" matches any kind.
func (db *DB) GetObject(ctx context.Context, kind string, id int64) (*registry.Object, error) {
	q := `SELECT ` + objectCols + ` FROM registry_objects WHERE id = ?`
	args := []any{id}
	if kind != "" {
		q += ` AND kind = ?`
		args = append(args, kind)
	}
	sc, sargs := scopeClause(ctx)
	o, err := scanObject(db.queryRow(ctx, q+sc, append(args, sargs...)...), db.fields)
	if err == sql.ErrNoRows {
		name := kind
		if name == "" {
			name = "record"
		}
		return nil, core.Errorf(core.ENOTFOUND, "%s %d not found", name, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get %d: %w", id, err)
	}
	return o, nil
}

// searchText is what free-text search matches: code, name and the address.
func searchText(o *registry.Object) string {
	parts := []string{o.Code, o.Name}
	if a, ok := o.Attrs["address"].(string); ok {
		parts = append(parts, a)
	}
	return strings.ToLower(strings.Join(parts, " "))
}

func objectRow(o *registry.Object, fields registry.Sealer) ([]any, error) {
	geom, err := geo.MarshalGeometry(o.Geometry)
	if err != nil {
		return nil, err
	}
	attrs, err := sealAttrs(o, fields)
	if err != nil {
		return nil, err
	}
	a := o.Anchor()
	b := o.Geometry.Bound()
	return []any{o.Kind, o.Code, o.Name, o.Category, o.Status, o.Division, nullInt(o.OwnerID), nullInt(o.EnterpriseID),
		string(geom), a[0], a[1], b.Min[0], b.Min[1], b.Max[0], b.Max[1], string(attrs), searchText(o)}, nil
}

// sealAttrs encodes a record's attributes for storage, its personal
// fields sealed when a sealer is set.
func sealAttrs(o *registry.Object, fields registry.Sealer) ([]byte, error) {
	k, ok := registry.KindNamed(o.Kind)
	if !ok {
		return nil, fmt.Errorf("store: unknown kind %q", o.Kind)
	}
	return registry.SealAttrs(k, o.Code, o.Attrs, fields)
}

// SetSealer makes the store seal registry records' personal fields with s
// from now on (and open them; values stored in clear still read).
func (db *DB) SetSealer(s registry.Sealer) { db.fields = s }

// CreateObjects implements registry.Store.
func (db *DB) CreateObjects(ctx context.Context, objs []*registry.Object) error {
	if len(objs) == 0 {
		return nil
	}
	return db.inTx(ctx, func(t *tx) error { return db.createIn(ctx, t, objs) })
}

// createIn inserts and audits new records inside a transaction. Rows go
// in multi-row INSERTs and their audit entries in one extension of the
// chain, so that a 10,000-row import costs a few hundred round trips to
// PostgreSQL rather than five per row.
func (db *DB) createIn(ctx context.Context, t *tx, objs []*registry.Object) error {
	if err := checkDuplicateCodes(ctx, t, objs); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	const per = 200 // 19 parameters a row
	rowSQL := "(" + placeholders(19) + ", 1)"
	for start := 0; start < len(objs); start += per {
		part := objs[start:min(start+per, len(objs))]
		var q strings.Builder
		q.WriteString(`INSERT INTO registry_objects
		(kind, code, name, category, status, division_code, owner_id, enterprise_id, geometry, lon, lat, min_lon, min_lat, max_lon, max_lat, attrs, search, created_at, updated_at, version)
		VALUES `)
		args := make([]any, 0, len(part)*19)
		byCode := make(map[string]*registry.Object, len(part))
		for i, o := range part {
			row, err := objectRow(o, t.fields)
			if err != nil {
				return fmt.Errorf("store: row %d: %w", start+i+1, err)
			}
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(rowSQL)
			args = append(append(args, row...), now.UnixMilli(), now.UnixMilli())
			byCode[o.Kind+"\x00"+o.Code] = o
		}
		q.WriteString(` RETURNING id, kind, code`)
		rows, err := t.query(ctx, q.String(), args...)
		if err != nil {
			return db.batchError(err, part)
		}
		var selfOwned []any
		for rows.Next() {
			var id int64
			var kind, code string
			if err := rows.Scan(&id, &kind, &code); err != nil {
				rows.Close()
				return err
			}
			o := byCode[kind+"\x00"+code]
			if o == nil {
				rows.Close()
				return fmt.Errorf("store: insert returned an unknown row %s %q", kind, code)
			}
			o.ID, o.CreatedAt, o.UpdatedAt, o.Version = id, now, now, 1
			if o.Kind == registry.KEnterprise {
				o.EnterpriseID = id
				selfOwned = append(selfOwned, id)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return db.batchError(err, part)
		}
		if len(selfOwned) > 0 {
			if _, err := t.exec(ctx, `UPDATE registry_objects SET enterprise_id = id WHERE id IN (`+placeholders(len(selfOwned))+`)`, selfOwned...); err != nil {
				return fmt.Errorf("store: enterprises own themselves: %w", err)
			}
		}
	}
	return recordCreates(ctx, t, objs)
}

// batchError is writeError for a multi-row insert.
func (db *DB) batchError(err error, part []*registry.Object) error {
	if len(part) == 1 || (!db.d.isUnique(err) && !db.d.isForeignKey(err)) {
		return db.writeError(err, part[0])
	}
	if db.d.isUnique(err) {
		return core.Errorf(core.ECONFLICT, "a code in this batch was registered by someone else meanwhile; nothing was stored, try again")
	}
	return core.Errorf(core.EINVALID, "division_code or owner_id refers to a record that does not exist")
}

// auditItem is one change for recordBatch.
type auditItem struct {
	action        string
	before, after *registry.Object
}

func (it auditItem) obj() *registry.Object {
	if it.after != nil {
		return it.after
	}
	return it.before
}

// recordCreates audits new records (see recordBatch).
func recordCreates(ctx context.Context, t *tx, objs []*registry.Object) error {
	items := make([]auditItem, len(objs))
	for i, o := range objs {
		items[i] = auditItem{action: "create", after: o}
	}
	return recordBatch(ctx, t, items)
}

// recordBatch appends one audit entry per change, exactly as record does
// for each, reading and moving the chain's head once and inserting the
// entries in multi-row statements.
func recordBatch(ctx context.Context, t *tx, items []auditItem) error {
	if len(items) == 0 {
		return nil
	}
	a := core.ActorFrom(ctx)
	if a == nil {
		a = core.SystemActor
	}
	var seq int64
	var prev string
	if err := t.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+t.d.forUpdate).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	const per = 400 // 12 parameters an entry
	rowSQL := "(" + placeholders(12) + ")"
	for start := 0; start < len(items); start += per {
		part := items[start:min(start+per, len(items))]
		var q strings.Builder
		q.WriteString(`INSERT INTO audit_log (seq, at, actor_id, actor, action, entity, entity_id, division_code, before_json, after_json, prev_hash, hash) VALUES `)
		args := make([]any, 0, len(part)*12)
		for i, it := range part {
			o := it.obj()
			seq++
			e := audit.Entry{Seq: seq, At: time.Now().UTC(), ActorID: a.UserID, Actor: a.Username, Action: it.action,
				Entity: o.Kind, EntityID: strconv.FormatInt(o.ID, 10), Division: o.Division, PrevHash: prev}
			var err error
			if it.before != nil {
				if e.Before, err = marshalNullable(it.before); err != nil {
					return err
				}
			}
			if it.after != nil {
				if e.After, err = marshalNullable(it.after); err != nil {
					return err
				}
			}
			e.Hash = audit.ComputeHash(&e)
			prev = e.Hash
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(rowSQL)
			args = append(args, e.Seq, e.At.UnixMilli(), nullInt(e.ActorID), e.Actor, e.Action, e.Entity, e.EntityID, e.Division,
				nullText(e.Before), nullText(e.After), e.PrevHash, e.Hash)
		}
		if _, err := t.exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("store: audit: %w", err)
		}
	}
	if _, err := t.exec(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, seq, prev); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	return nil
}

// ImportObjects implements registry.Store: updates first (a renamed code
// frees nothing, codes never change on import), then creates, one
// transaction.
func (db *DB) ImportObjects(ctx context.Context, create []*registry.Object, update []registry.Change) error {
	if len(create) == 0 && len(update) == 0 {
		return nil
	}
	return db.inTx(ctx, func(t *tx) error {
		items := make([]auditItem, len(update))
		for i, c := range update {
			if err := db.updateRow(ctx, t, c.Before, c.After); err != nil {
				return err
			}
			items[i] = auditItem{action: "update", before: c.Before, after: c.After}
		}
		if err := recordBatch(ctx, t, items); err != nil {
			return err
		}
		if len(create) == 0 {
			return nil
		}
		return db.createIn(ctx, t, create)
	})
}

// ObjectsByCode implements registry.Store; it applies no scope.
func (db *DB) ObjectsByCode(ctx context.Context, kind string, codes []string) (map[string]*registry.Object, error) {
	out := map[string]*registry.Object{}
	uniq := make([]any, 0, len(codes))
	seen := map[string]bool{}
	for _, c := range codes {
		if c != "" && !seen[c] {
			seen[c] = true
			uniq = append(uniq, c)
		}
	}
	for start := 0; start < len(uniq); start += 500 {
		chunk := uniq[start:min(start+500, len(uniq))]
		rows, err := db.query(ctx, `SELECT `+objectCols+` FROM registry_objects WHERE kind = ? AND code IN (`+placeholders(len(chunk))+`)`, append([]any{kind}, chunk...)...)
		if err != nil {
			return nil, fmt.Errorf("store: objects by code: %w", err)
		}
		for rows.Next() {
			o, err := scanObject(rows, db.fields)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[o.Code] = o
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkDuplicateCodes reports every new record whose code is already taken,
// so that an import lists all its clashes at once.
func checkDuplicateCodes(ctx context.Context, t *tx, objs []*registry.Object) error {
	rowOf := map[string]int{}
	for i, o := range objs {
		rowOf[o.Kind+"\x00"+o.Code] = i + 1
	}
	var probs core.Problems
	for start := 0; start < len(objs); start += 500 {
		chunk := objs[start:min(start+500, len(objs))]
		byKind := map[string][]any{}
		for _, o := range chunk {
			byKind[o.Kind] = append(byKind[o.Kind], o.Code)
		}
		for kind, codes := range byKind {
			rows, err := t.query(ctx, `SELECT code FROM registry_objects WHERE kind = ? AND code IN (`+placeholders(len(codes))+`)`, append([]any{kind}, codes...)...)
			if err != nil {
				return fmt.Errorf("store: check codes: %w", err)
			}
			for rows.Next() {
				var code string
				if err := rows.Scan(&code); err != nil {
					rows.Close()
					return err
				}
				row := rowOf[kind+"\x00"+code]
				if len(objs) == 1 {
					row = 0
				}
				probs.Add(row, "code", "%q is already registered", code)
			}
			rows.Close()
		}
	}
	if len(probs) == 0 {
		return nil
	}
	msg := ""
	if len(objs) > 1 {
		msg = fmt.Sprintf("%d code(s) already registered; nothing was stored", len(probs))
	}
	err := probs.Err(msg).(*core.Error)
	err.Code = core.ECONFLICT
	return err
}

// writeError turns constraint violations into errors a user can act on.
func (db *DB) writeError(err error, o *registry.Object) error {
	switch {
	case db.d.isUnique(err):
		return core.Errorf(core.ECONFLICT, "code: %q is already registered", o.Code)
	case db.d.isForeignKey(err):
		return core.Errorf(core.EINVALID, "division_code or owner_id refers to a record that does not exist")
	}
	return fmt.Errorf("store: write %s %q: %w", o.Kind, o.Code, err)
}

// UpdateObject implements registry.Store.
func (db *DB) UpdateObject(ctx context.Context, before, after *registry.Object) error {
	return db.inTx(ctx, func(t *tx) error { return db.updateIn(ctx, t, before, after) })
}

// updateIn writes and audits an update inside a transaction.
func (db *DB) updateIn(ctx context.Context, t *tx, before, after *registry.Object) error {
	if err := db.updateRow(ctx, t, before, after); err != nil {
		return err
	}
	return record(ctx, t, "update", after.Kind, after.ID, after.Division, before, after)
}

// updateRow writes an update inside a transaction, if the record is still
// at before's version and in the actor's scope; the caller audits it.
func (db *DB) updateRow(ctx context.Context, t *tx, before, after *registry.Object) error {
	row, err := objectRow(after, t.fields)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	sc, sargs := scopeClause(ctx)
	args := append(row[1:], now.UnixMilli(), before.ID, before.Version)
	res, err := t.exec(ctx, `UPDATE registry_objects SET code = ?, name = ?, category = ?, status = ?, division_code = ?, owner_id = ?, enterprise_id = ?,
		geometry = ?, lon = ?, lat = ?, min_lon = ?, min_lat = ?, max_lon = ?, max_lat = ?, attrs = ?, search = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND version = ?`+sc, append(args, sargs...)...)
	if err != nil {
		return db.writeError(err, after)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return core.Errorf(core.ECONFLICT, "%s %d was changed by someone else; reload and try again", before.Kind, before.ID)
	}
	after.UpdatedAt, after.Version = now, before.Version+1
	if after.EnterpriseID != before.EnterpriseID {
		if err := reassignEnterprise(ctx, t, []int64{after.ID}, after.EnterpriseID); err != nil {
			return err
		}
	}
	return nil
}

// reassignEnterprise moves the records owned (directly or not) by ids to
// another enterprise after an owner changed hands.
func reassignEnterprise(ctx context.Context, t *tx, ids []int64, enterprise int64) error {
	for depth := 0; len(ids) > 0 && depth < 8; depth++ {
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		rows, err := t.query(ctx, `SELECT id FROM registry_objects WHERE owner_id IN (`+placeholders(len(ids))+`)`, args...)
		if err != nil {
			return err
		}
		var next []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			next = append(next, id)
		}
		rows.Close()
		if _, err := t.exec(ctx, `UPDATE registry_objects SET enterprise_id = ? WHERE owner_id IN (`+placeholders(len(ids))+`)`, append([]any{nullInt(enterprise)}, args...)...); err != nil {
			return err
		}
		ids = next
	}
	return nil
}

// DeleteObject implements registry.Store.
func (db *DB) DeleteObject(ctx context.Context, o *registry.Object) error {
	sc, sargs := scopeClause(ctx)
	return db.inTx(ctx, func(t *tx) error {
		var deps, users int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM registry_objects WHERE (owner_id = ? OR enterprise_id = ?) AND id <> ?`, o.ID, o.ID, o.ID).Scan(&deps); err != nil {
			return err
		}
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE enterprise_id = ?`, o.ID).Scan(&users); err != nil {
			return err
		}
		if deps > 0 || users > 0 {
			return core.Errorf(core.ECONFLICT, "%s %d still has %d dependent record(s) and %d user account(s); remove or move them first", o.Kind, o.ID, deps, users)
		}
		res, err := t.exec(ctx, `DELETE FROM registry_objects WHERE id = ?`+sc, append([]any{o.ID}, sargs...)...)
		if err != nil {
			return fmt.Errorf("store: delete %d: %w", o.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ENOTFOUND, "%s %d not found", o.Kind, o.ID)
		}
		return record(ctx, t, "delete", o.Kind, o.ID, o.Division, o, nil)
	})
}

// CountObjects returns the number of records per kind and category, over
// everything (no scope): demo loading and metrics use it.
func (db *DB) CountObjects(ctx context.Context) (map[string]map[string]int, error) {
	rows, err := db.query(ctx, `SELECT kind, category, COUNT(*) FROM registry_objects GROUP BY kind, category`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var kind, cat string
		var n int
		if err := rows.Scan(&kind, &cat, &n); err != nil {
			return nil, err
		}
		if out[kind] == nil {
			out[kind] = map[string]int{}
		}
		out[kind][cat] = n
	}
	return out, rows.Err()
}

// deleteOrder removes owned records before their owners.
var deleteOrder = []string{registry.KMonitoringPoint, registry.KHazardSource, registry.KFacility, registry.KGeohazardPoint,
	registry.KLifelineAsset, registry.KVehicle, registry.KRescueTeam, registry.KWarehouse, registry.KExpert, registry.KShelter, registry.KEnterprise}

// DeleteByNameSuffix deletes every registry record whose name ends with
// suffix (the demo marker), owned records first, in one transaction with one
// audit entry per kind.
func (db *DB) DeleteByNameSuffix(ctx context.Context, suffix string) (int, error) {
	total := 0
	err := db.inTx(ctx, func(t *tx) error {
		total = 0
		for _, kind := range deleteOrder {
			res, err := t.exec(ctx, `DELETE FROM registry_objects WHERE kind = ? AND name LIKE ? ESCAPE '\'`, kind, "%"+likeEscape(suffix))
			if db.d.isForeignKey(err) {
				return core.Errorf(core.ECONFLICT, "a %s record that is not demo data, or a user account, still refers to a demo record; remove it first", kind)
			}
			if err != nil {
				return fmt.Errorf("store: delete demo %s: %w", kind, err)
			}
			n, _ := res.RowsAffected()
			if n == 0 {
				continue
			}
			total += int(n)
			if err := record(ctx, t, "delete_bulk", kind, n, "", nil, map[string]any{"name_suffix": suffix, "deleted": n}); err != nil {
				return err
			}
		}
		return nil
	})
	return total, err
}

// ScanRaw reads every row of a kind with all its columns as raw bytes and
// nothing else: the floor that loading benchmarks are reported against.
func (db *DB) ScanRaw(ctx context.Context, kind string) (time.Duration, error) {
	start := time.Now()
	rows, err := db.query(ctx, `SELECT `+objectCols+` FROM registry_objects WHERE kind = ?`, kind)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols := make([]any, 14)
	for i := range cols {
		cols[i] = new(sql.RawBytes)
	}
	for rows.Next() {
		if err := rows.Scan(cols...); err != nil {
			return 0, err
		}
	}
	return time.Since(start), rows.Err()
}
