package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/rules"
	"github.com/yingji/yingji/internal/telemetry"
)

// A slice of WriteSeries is at most this many rows and about this many
// bytes of chunk data, so that other writers (an alarm) wait for one slice,
// not for a whole batch: a minute boundary seals every point's chunk at once.
const (
	sliceRows  = 1000
	sliceBytes = 512 << 10
)

// WriteSeries stores sealed chunks, merges roll-ups and moves latest values
// forward, in short transactions. A chunk whose window is already stored
// (late readings, or a busy point's window sealed in parts) is merged with
// it. Every write is an upsert or a merge, so a batch retried after a
// failure half-way is safe.
func (db *DB) WriteSeries(ctx context.Context, chunks []telemetry.Chunk, rollups []telemetry.Rollup, latest []telemetry.Latest) error {
	for len(chunks) > 0 || len(rollups) > 0 || len(latest) > 0 {
		nc, size := 0, 0
		for nc < len(chunks) && nc < sliceRows && size < sliceBytes {
			size += 8 + 9*len(chunks[nc].Samples)
			nc++
		}
		nr := min(len(rollups), max(0, sliceRows-nc))
		nl := min(len(latest), max(0, sliceRows-nc-nr))
		if err := db.writeSeries(ctx, chunks[:nc], rollups[:nr], latest[:nl]); err != nil {
			return err
		}
		chunks, rollups, latest = chunks[nc:], rollups[nr:], latest[nl:]
	}
	return nil
}

func (db *DB) writeSeries(ctx context.Context, chunks []telemetry.Chunk, rollups []telemetry.Rollup, latest []telemetry.Latest) error {
	return db.inTx(ctx, func(t *tx) error {
		ins, err := t.PrepareContext(ctx, t.d.rebind(`INSERT INTO reading_chunks (point_id, start_ms, n, data) VALUES (?, ?, ?, ?) ON CONFLICT (point_id, start_ms) DO NOTHING`))
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, c := range chunks {
			res, err := ins.ExecContext(ctx, c.PointID, c.StartMS, len(c.Samples), telemetry.EncodeChunk(c.Samples))
			if err != nil {
				return fmt.Errorf("store: chunk %d@%d: %w", c.PointID, c.StartMS, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				if err := mergeChunk(ctx, t, c); err != nil {
					return err
				}
			}
		}
		if len(rollups) > 0 {
			up, err := t.PrepareContext(ctx, t.d.rebind(`INSERT INTO rollups (point_id, resolution, bucket_ms, min_value, max_value, sum_value, n) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (point_id, resolution, bucket_ms) DO UPDATE SET
				min_value = CASE WHEN excluded.min_value < rollups.min_value THEN excluded.min_value ELSE rollups.min_value END,
				max_value = CASE WHEN excluded.max_value > rollups.max_value THEN excluded.max_value ELSE rollups.max_value END,
				sum_value = rollups.sum_value + excluded.sum_value, n = rollups.n + excluded.n`))
			if err != nil {
				return err
			}
			defer up.Close()
			for _, r := range rollups {
				if _, err := up.ExecContext(ctx, r.PointID, r.Resolution, r.BucketMS, r.Min, r.Max, r.Sum, r.Count); err != nil {
					return fmt.Errorf("store: rollup: %w", err)
				}
			}
		}
		if len(latest) > 0 {
			lt, err := t.PrepareContext(ctx, t.d.rebind(`INSERT INTO latest_values (point_id, ts, value, quality) VALUES (?, ?, ?, ?)
				ON CONFLICT (point_id) DO UPDATE SET ts = excluded.ts, value = excluded.value, quality = excluded.quality WHERE excluded.ts >= latest_values.ts`))
			if err != nil {
				return err
			}
			defer lt.Close()
			for _, l := range latest {
				if _, err := lt.ExecContext(ctx, l.PointID, l.TS, l.Value, int(l.Quality)); err != nil {
					return fmt.Errorf("store: latest: %w", err)
				}
			}
		}
		return nil
	})
}

// mergeChunk folds late samples into a stored chunk (a resent time replaces
// the stored one).
func mergeChunk(ctx context.Context, t *tx, c telemetry.Chunk) error {
	var data []byte
	if err := t.queryRow(ctx, `SELECT data FROM reading_chunks WHERE point_id = ? AND start_ms = ?`, c.PointID, c.StartMS).Scan(&data); err != nil {
		return fmt.Errorf("store: read chunk to merge: %w", err)
	}
	old, err := telemetry.DecodeChunk(nil, data)
	if err != nil {
		return fmt.Errorf("store: chunk %d@%d: %w", c.PointID, c.StartMS, err)
	}
	merged := telemetry.EncodeChunk(append(old, c.Samples...))
	n, _ := telemetry.DecodeChunk(nil, merged)
	_, err = t.exec(ctx, `UPDATE reading_chunks SET n = ?, data = ? WHERE point_id = ? AND start_ms = ?`, len(n), merged, c.PointID, c.StartMS)
	return err
}

// ReadSamples returns a point's raw samples with from ≤ ts < to. chunkMS is
// the chunk length, so that a chunk starting before from is included.
func (db *DB) ReadSamples(ctx context.Context, pointID, from, to, chunkMS int64) ([]telemetry.Sample, error) {
	rows, err := db.query(ctx, `SELECT data FROM reading_chunks WHERE point_id = ? AND start_ms > ? AND start_ms < ? ORDER BY start_ms`, pointID, from-chunkMS, to)
	if err != nil {
		return nil, fmt.Errorf("store: read samples: %w", err)
	}
	defer rows.Close()
	var all []telemetry.Sample
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		if all, err = telemetry.DecodeChunk(all, data); err != nil {
			return nil, fmt.Errorf("store: point %d: %w", pointID, err)
		}
	}
	out := all[:0]
	for _, s := range all {
		if s.TS >= from && s.TS < to {
			out = append(out, s)
		}
	}
	return out, rows.Err()
}

// ReadRollups returns a point's roll-up buckets with from ≤ bucket < to.
func (db *DB) ReadRollups(ctx context.Context, pointID, resolution, from, to int64) ([]telemetry.Rollup, error) {
	rows, err := db.query(ctx, `SELECT bucket_ms, min_value, max_value, sum_value, n FROM rollups WHERE point_id = ? AND resolution = ? AND bucket_ms >= ? AND bucket_ms < ? ORDER BY bucket_ms`,
		pointID, resolution, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: read rollups: %w", err)
	}
	defer rows.Close()
	var out []telemetry.Rollup
	for rows.Next() {
		r := telemetry.Rollup{PointID: pointID, Resolution: resolution}
		if err := rows.Scan(&r.BucketMS, &r.Min, &r.Max, &r.Sum, &r.Count); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// LoadLatest returns every stored latest value, by point record ID.
func (db *DB) LoadLatest(ctx context.Context) (map[int64]telemetry.Sample, error) {
	rows, err := db.query(ctx, `SELECT point_id, ts, value, quality FROM latest_values`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]telemetry.Sample{}
	for rows.Next() {
		var id int64
		var s telemetry.Sample
		var q int
		if err := rows.Scan(&id, &s.TS, &s.Value, &q); err != nil {
			return nil, err
		}
		s.Quality = telemetry.Quality(q)
		out[id] = s
	}
	return out, rows.Err()
}

// DeleteSeriesBefore applies retention: raw chunks and roll-ups of one
// resolution older than the cut-offs (0 keeps everything).
func (db *DB) DeleteSeriesBefore(ctx context.Context, rawBefore, minuteBefore, hourBefore int64) (int64, error) {
	var total int64
	for _, q := range []struct {
		sql string
		arg int64
	}{
		{`DELETE FROM reading_chunks WHERE start_ms < ?`, rawBefore},
		{`DELETE FROM rollups WHERE resolution = 60000 AND bucket_ms < ?`, minuteBefore},
		{`DELETE FROM rollups WHERE resolution = 3600000 AND bucket_ms < ?`, hourBefore},
	} {
		if q.arg <= 0 {
			continue
		}
		res, err := db.exec(ctx, q.sql, q.arg)
		if err != nil {
			return total, fmt.Errorf("store: retention: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// AddRejections appends to the dead-letter log and keeps its newest keep
// entries.
func (db *DB) AddRejections(ctx context.Context, recs []telemetry.RejectionRecord, keep int64) error {
	return db.inTx(ctx, func(t *tx) error {
		for _, r := range recs {
			raw := r.Raw
			if len(raw) > 64<<10 {
				raw = raw[:64<<10]
			}
			if _, err := t.exec(ctx, `INSERT INTO ingest_rejections (at, device, transport, reason, point, detail, raw) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				r.At.UnixMilli(), r.Device, r.Transport, r.Reason, r.Point, r.Detail, raw); err != nil {
				return fmt.Errorf("store: rejection: %w", err)
			}
		}
		_, err := t.exec(ctx, `DELETE FROM ingest_rejections WHERE id <= (SELECT MAX(id) FROM ingest_rejections) - ?`, keep)
		return err
	})
}

// ListRejections returns dead-letter entries, newest first. Devices belong
// to enterprises and stations, so only unscoped (city-wide) users see them.
func (db *DB) ListRejections(ctx context.Context, reason, device string, limit int) ([]telemetry.RejectionRecord, error) {
	q, args := `SELECT id, at, device, transport, reason, point, detail, raw FROM ingest_rejections WHERE 1 = 1`, []any{}
	if reason != "" {
		q += ` AND reason = ?`
		args = append(args, reason)
	}
	if device != "" {
		q += ` AND device = ?`
		args = append(args, device)
	}
	rows, err := db.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []telemetry.RejectionRecord{}
	for rows.Next() {
		var r telemetry.RejectionRecord
		var at int64
		if err := rows.Scan(&r.ID, &at, &r.Device, &r.Transport, &r.Reason, &r.Point, &r.Detail, &r.Raw); err != nil {
			return nil, err
		}
		r.At = time.UnixMilli(at).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// CreateDevice stores a device with the hash of its secret.
func (db *DB) CreateDevice(ctx context.Context, d *telemetry.DeviceRecord) error {
	return db.inTx(ctx, func(t *tx) error {
		err := t.queryRow(ctx, `INSERT INTO devices (code, name, owner_id, division_code, enterprise_id, secret_hash, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			d.Code, d.Name, d.OwnerID, d.Division, nullInt(d.EnterpriseID), d.SecretHash, boolInt(d.Disabled), d.CreatedAt.UnixMilli(), d.UpdatedAt.UnixMilli()).Scan(&d.ID)
		if db.d.isUnique(err) {
			return core.Errorf(core.ECONFLICT, "code: device %q already exists", d.Code)
		}
		if err != nil {
			return fmt.Errorf("store: create device: %w", err)
		}
		return record(ctx, t, "create", "device", d.ID, d.Division, nil, d)
	})
}

// UpdateDevice writes name, disabled and secret hash.
func (db *DB) UpdateDevice(ctx context.Context, d *telemetry.DeviceRecord) error {
	return db.inTx(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `UPDATE devices SET name = ?, disabled = ?, secret_hash = ?, updated_at = ? WHERE id = ?`,
			d.Name, boolInt(d.Disabled), d.SecretHash, d.UpdatedAt.UnixMilli(), d.ID); err != nil {
			return fmt.Errorf("store: update device: %w", err)
		}
		return record(ctx, t, "update", "device", d.ID, d.Division, nil, d)
	})
}

const deviceCols = `id, code, name, owner_id, division_code, enterprise_id, secret_hash, disabled, created_at, updated_at`

func scanDevice(s scanner) (*telemetry.DeviceRecord, error) {
	var d telemetry.DeviceRecord
	var ent sql.NullInt64
	var disabled int
	var c, u int64
	if err := s.Scan(&d.ID, &d.Code, &d.Name, &d.OwnerID, &d.Division, &ent, &d.SecretHash, &disabled, &c, &u); err != nil {
		return nil, err
	}
	d.EnterpriseID, d.Disabled = ent.Int64, disabled != 0
	d.CreatedAt, d.UpdatedAt = time.UnixMilli(c).UTC(), time.UnixMilli(u).UTC()
	return &d, nil
}

// ListDevices returns the devices in the actor's scope.
func (db *DB) ListDevices(ctx context.Context) ([]*telemetry.DeviceRecord, error) {
	sc, sargs := scopeClause(ctx)
	rows, err := db.query(ctx, `SELECT `+deviceCols+` FROM devices WHERE 1 = 1`+sc+` ORDER BY code`, sargs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*telemetry.DeviceRecord{}
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// GetDevice returns a device in the actor's scope (ENOTFOUND otherwise).
func (db *DB) GetDevice(ctx context.Context, id int64) (*telemetry.DeviceRecord, error) {
	sc, sargs := scopeClause(ctx)
	d, err := scanDevice(db.queryRow(ctx, `SELECT `+deviceCols+` FROM devices WHERE id = ?`+sc, append([]any{id}, sargs...)...))
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "device %d not found", id)
	}
	return d, err
}

// DeviceByCode returns a device for authentication (no scope).
func (db *DB) DeviceByCode(ctx context.Context, code string) (*telemetry.DeviceRecord, error) {
	d, err := scanDevice(db.queryRow(ctx, `SELECT `+deviceCols+` FROM devices WHERE code = ?`, code))
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "device %q not found", code)
	}
	return d, err
}

// PointRules returns the rules an operator stored for a point, if any.
func (db *DB) PointRules(ctx context.Context, pointID int64) ([]rules.Rule, bool, error) {
	var text string
	err := db.queryRow(ctx, `SELECT rules FROM point_rules WHERE point_id = ?`, pointID).Scan(&text)
	if err == sql.ErrNoRows {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: point rules: %w", err)
	}
	var rs []rules.Rule
	if err := json.Unmarshal([]byte(text), &rs); err != nil {
		return nil, false, fmt.Errorf("store: point %d rules: %w", pointID, err)
	}
	return rs, true, nil
}

// AllPointRules returns every stored rule override, by point record ID.
func (db *DB) AllPointRules(ctx context.Context) (map[int64][]rules.Rule, error) {
	rows, err := db.query(ctx, `SELECT point_id, rules FROM point_rules`)
	if err != nil {
		return nil, fmt.Errorf("store: point rules: %w", err)
	}
	defer rows.Close()
	out := map[int64][]rules.Rule{}
	for rows.Next() {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			return nil, err
		}
		var rs []rules.Rule
		if err := json.Unmarshal([]byte(text), &rs); err != nil {
			return nil, fmt.Errorf("store: point %d rules: %w", id, err)
		}
		out[id] = rs
	}
	return out, rows.Err()
}

// SetPointRules stores (or with nil, removes) a point's rule overrides.
func (db *DB) SetPointRules(ctx context.Context, pointID int64, division string, rs []rules.Rule) error {
	return db.inTx(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `DELETE FROM point_rules WHERE point_id = ?`, pointID); err != nil {
			return err
		}
		if rs != nil {
			b, err := json.Marshal(rs)
			if err != nil {
				return err
			}
			if _, err := t.exec(ctx, `INSERT INTO point_rules (point_id, rules, updated_at) VALUES (?, ?, ?)`, pointID, string(b), time.Now().UnixMilli()); err != nil {
				return fmt.Errorf("store: point rules: %w", err)
			}
		}
		return record(ctx, t, "set_rules", "monitoring_point", pointID, division, nil, rs)
	})
}
