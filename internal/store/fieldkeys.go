package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/yingji/yingji/internal/fieldcrypt"
	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/registry"
)

// personalKinds are the registry kinds that have personal fields.
func personalKinds() []any {
	var out []any
	for _, k := range registry.Kinds() {
		if len(k.PersonalFields()) > 0 {
			out = append(out, k.Name)
		}
	}
	return out
}

// KeyUsage counts the sealed personal values in the registry by the key
// that sealed them; Clear counts personal values still stored in clear.
type KeyUsage struct {
	ByKey map[string]int `json:"by_key"`
	Clear int            `json:"clear"`
	// Legacy counts recipients' contacts and TOTP secrets still sealed
	// with the recipient key ("v1.", before the key ring sealed them).
	Legacy int `json:"legacy"`
}

// FieldKeyUsage reads every registry record with personal fields, the
// recipients and the TOTP secrets, and counts the sealed values by key
// (keys list, keys retire).
func (db *DB) FieldKeyUsage(ctx context.Context) (KeyUsage, error) {
	u := KeyUsage{ByKey: map[string]int{}}
	kinds := personalKinds()
	rows, err := db.query(ctx, `SELECT kind, code, attrs FROM registry_objects WHERE kind IN (`+placeholders(len(kinds))+`)`, kinds...)
	if err != nil {
		return u, fmt.Errorf("store: key usage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, code, attrs string
		if err := rows.Scan(&kind, &code, &attrs); err != nil {
			return u, err
		}
		k, _ := registry.KindNamed(kind)
		sealed, clear, err := registry.SealedValues(k, []byte(attrs))
		if err != nil {
			return u, fmt.Errorf("store: %s %s attributes: %w", kind, code, err)
		}
		u.Clear += len(clear)
		for _, s := range sealed {
			kid, err := fieldcrypt.KeyOf(s)
			if err != nil {
				return u, fmt.Errorf("store: %s %s: %w", kind, code, err)
			}
			u.ByKey[kid]++
		}
	}
	if err := rows.Err(); err != nil {
		return u, err
	}
	rows.Close()
	return u, db.secretKeyUsage(ctx, &u)
}

// ResealStats reports a ResealRegistry run.
type ResealStats struct {
	Scanned  int `json:"scanned"`
	Resealed int `json:"resealed"`
	Batches  int `json:"batches"`
}

// ResealRegistry seals every registry record's personal fields under the
// ring's active key: values sealed with another key are opened and sealed
// again, values in clear are sealed. It walks the records by id in batches
// of batch rows, each batch in its own transaction; a record already
// sealed throughout with the active key is left alone, so a run that
// stopped half-way is finished by running it again, and every value stays
// readable with the ring's keys throughout. afterBatch, when set, is called
// after each committed batch with the running totals; an error from it
// stops the run (tests simulate a crash with it).
func (db *DB) ResealRegistry(ctx context.Context, ring *fieldcrypt.Ring, batch int, afterBatch func(ResealStats) error) (ResealStats, error) {
	var st ResealStats
	if batch <= 0 {
		batch = 500
	}
	active := ring.ActiveID()
	kinds := personalKinds()
	var last int64
	for {
		n := 0
		err := db.inTx(ctx, func(t *tx) error {
			n = 0
			rows, err := t.query(ctx, `SELECT id, kind, code, attrs FROM registry_objects WHERE kind IN (`+placeholders(len(kinds))+`) AND id > ? ORDER BY id LIMIT ?`+t.d.forUpdate,
				append(append([]any{}, kinds...), last, batch)...)
			if err != nil {
				return fmt.Errorf("store: reseal: %w", err)
			}
			type change struct {
				id    int64
				attrs string
			}
			var changes []change
			for rows.Next() {
				var id int64
				var kind, code, attrs string
				if err := rows.Scan(&id, &kind, &code, &attrs); err != nil {
					rows.Close()
					return err
				}
				n++
				last = id
				k, _ := registry.KindNamed(kind)
				sealed, clear, err := registry.SealedValues(k, []byte(attrs))
				if err != nil {
					rows.Close()
					return fmt.Errorf("store: %s %s attributes: %w", kind, code, err)
				}
				stale := len(clear) > 0
				for _, s := range sealed {
					if kid, _ := fieldcrypt.KeyOf(s); kid != active {
						stale = true
					}
				}
				if !stale {
					continue
				}
				vals, err := registry.OpenAttrs(k, code, []byte(attrs), ring)
				if err != nil {
					rows.Close()
					return fmt.Errorf("store: reseal %s %s: %w", kind, code, err)
				}
				out, err := registry.SealAttrs(k, code, vals, ring)
				if err != nil {
					rows.Close()
					return err
				}
				changes = append(changes, change{id, string(out)})
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, c := range changes {
				if _, err := t.exec(ctx, `UPDATE registry_objects SET attrs = ? WHERE id = ?`, c.attrs, c.id); err != nil {
					return fmt.Errorf("store: reseal record %d: %w", c.id, err)
				}
			}
			st.Resealed += len(changes)
			return nil
		})
		if err != nil {
			return st, err
		}
		if n == 0 {
			return st, nil
		}
		st.Scanned += n
		st.Batches++
		if afterBatch != nil {
			if err := afterBatch(st); err != nil {
				return st, err
			}
		}
	}
}

// AuditKeyEvent records a key event (rotate, retire) in the audit trail
// as entity "key".
func (db *DB) AuditKeyEvent(ctx context.Context, action string, detail any) error {
	return db.inTx(ctx, func(t *tx) error {
		return record(ctx, t, action, "key", 0, "", nil, detail)
	})
}

// SecretSealer re-seals the recipients' contacts and the TOTP secrets
// (cmd/yingji gives the outbox Protector with the key ring): Open takes
// either form, Seal seals with the ring's active key, Current says whether
// a value is sealed with it already.
type SecretSealer interface {
	Open(field, sealed string) (string, error)
	Seal(field, plain string) (string, error)
	Current(sealed string) bool
}

// secretColumns are the sealed columns outside the registry: table, id
// column, columns, and the field name each is sealed for.
var secretColumns = []struct {
	table, id string
	cols      []string
	field     func(col string, id int64) string
}{
	{"recipients", "id", []string{"phone_sealed", "email_sealed", "push_sealed"}, func(col string, _ int64) string { return col[:len(col)-len("_sealed")] }},
	{"user_mfa", "user_id", []string{"secret"}, func(_ string, id int64) string { return fmt.Sprintf("totp_secret:%d", id) }},
}

// ResealSecrets re-seals the recipients' phone, e-mail and push columns and
// the TOTP secrets with s, in batches like ResealRegistry (resumable, one
// transaction a batch, every value readable throughout). TOTP secrets
// stored in clear (enrolled before a key existed) are sealed too.
func (db *DB) ResealSecrets(ctx context.Context, s SecretSealer, batch int, afterBatch func(ResealStats) error) (ResealStats, error) {
	var st ResealStats
	if batch <= 0 {
		batch = 500
	}
	for _, tc := range secretColumns {
		var last int64
		for {
			n := 0
			err := db.inTx(ctx, func(t *tx) error {
				n = 0
				rows, err := t.query(ctx, `SELECT `+tc.id+`, `+strings.Join(tc.cols, ", ")+` FROM `+tc.table+` WHERE `+tc.id+` > ? ORDER BY `+tc.id+` LIMIT ?`+t.d.forUpdate, last, batch)
				if err != nil {
					return fmt.Errorf("store: reseal %s: %w", tc.table, err)
				}
				type change struct {
					id   int64
					vals []any
				}
				var changes []change
				for rows.Next() {
					var id int64
					vals := make([]string, len(tc.cols))
					dest := []any{&id}
					for i := range vals {
						dest = append(dest, &vals[i])
					}
					if err := rows.Scan(dest...); err != nil {
						rows.Close()
						return err
					}
					n++
					last = id
					stale := false
					out := make([]any, len(vals))
					for i, v := range vals {
						out[i] = v
						if v == "" || s.Current(v) {
							continue
						}
						field := tc.field(tc.cols[i], id)
						plain := v
						if outbox.IsSealed(v) {
							if plain, err = s.Open(field, v); err != nil {
								rows.Close()
								return fmt.Errorf("store: reseal %s %d %s: %w", tc.table, id, tc.cols[i], err)
							}
						}
						sealed, err := s.Seal(field, plain)
						if err != nil {
							rows.Close()
							return err
						}
						out[i], stale = sealed, true
					}
					if stale {
						changes = append(changes, change{id, out})
					}
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
				for _, c := range changes {
					set := make([]string, len(tc.cols))
					for i, col := range tc.cols {
						set[i] = col + " = ?"
					}
					if _, err := t.exec(ctx, `UPDATE `+tc.table+` SET `+strings.Join(set, ", ")+` WHERE `+tc.id+` = ?`, append(c.vals, c.id)...); err != nil {
						return fmt.Errorf("store: reseal %s %d: %w", tc.table, c.id, err)
					}
				}
				st.Resealed += len(changes)
				return nil
			})
			if err != nil {
				return st, err
			}
			if n == 0 {
				break
			}
			st.Scanned += n
			st.Batches++
			if afterBatch != nil {
				if err := afterBatch(st); err != nil {
					return st, err
				}
			}
		}
	}
	return st, nil
}

// secretKeyUsage adds the recipients' and TOTP values to u: ring keys by
// id, values of the recipient key as Legacy.
func (db *DB) secretKeyUsage(ctx context.Context, u *KeyUsage) error {
	for _, tc := range secretColumns {
		for _, col := range tc.cols {
			rows, err := db.query(ctx, `SELECT `+col+` FROM `+tc.table+` WHERE `+col+` <> ''`)
			if err != nil {
				return fmt.Errorf("store: key usage of %s: %w", tc.table, err)
			}
			for rows.Next() {
				var v string
				if err := rows.Scan(&v); err != nil {
					rows.Close()
					return err
				}
				switch {
				case strings.HasPrefix(v, "v1."):
					u.Legacy++
				case fieldcrypt.IsSealed(v):
					if kid, err := fieldcrypt.KeyOf(v); err == nil {
						u.ByKey[kid]++
					}
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("store: key usage of %s: %w", tc.table, err)
			}
		}
	}
	return nil
}
