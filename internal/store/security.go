package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/yingji/yingji/internal/core"
)

// Password history and login-failure counters (auth.SecurityStore).

// keptPasswords is how many old password hashes are kept per account.
const keptPasswords = 24

// addPasswordHistory keeps a password hash in the account's history.
func addPasswordHistory(ctx context.Context, t *tx, userID int64, hash string, at time.Time) error {
	if _, err := t.exec(ctx, `INSERT INTO password_history (user_id, hash, changed_at) VALUES (?, ?, ?)`, userID, hash, at.UnixMilli()); err != nil {
		return fmt.Errorf("store: password history: %w", err)
	}
	_, err := t.exec(ctx, `DELETE FROM password_history WHERE user_id = ? AND id NOT IN (SELECT id FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?)`,
		userID, userID, keptPasswords)
	return err
}

// PasswordHistory implements auth.SecurityStore.
func (db *DB) PasswordHistory(ctx context.Context, userID int64, n int) ([]string, error) {
	rows, err := db.query(ctx, `SELECT hash FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?`, userID, n)
	if err != nil {
		return nil, fmt.Errorf("store: password history: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// LoginFailed implements auth.SecurityStore.
func (db *DB) LoginFailed(ctx context.Context, subject string, now time.Time, forget time.Duration) (int, error) {
	var n int
	err := db.inTx(ctx, func(t *tx) error {
		var last int64
		err := t.queryRow(ctx, `SELECT failures, last_at FROM login_failures WHERE subject = ?`+t.d.forUpdate, subject).Scan(&n, &last)
		switch {
		case err == sql.ErrNoRows:
			n = 1
			_, err = t.exec(ctx, `INSERT INTO login_failures (subject, failures, last_at, locked_until) VALUES (?, 1, ?, 0)`, subject, now.UnixMilli())
			return err
		case err != nil:
			return err
		}
		if now.Sub(time.UnixMilli(last)) > forget {
			n = 0
		}
		n++
		_, err = t.exec(ctx, `UPDATE login_failures SET failures = ?, last_at = ? WHERE subject = ?`, n, now.UnixMilli(), subject)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: login failure: %w", err)
	}
	return n, nil
}

// LockLogin implements auth.SecurityStore; a lockout is audited.
func (db *DB) LockLogin(ctx context.Context, subject, division string, until time.Time, failures int) error {
	return db.inTx(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `UPDATE login_failures SET locked_until = ? WHERE subject = ?`, until.UnixMilli(), subject); err != nil {
			return fmt.Errorf("store: lock login: %w", err)
		}
		return record(core.WithActor(ctx, core.SystemActor), t, "lockout", "login", 0, division, nil,
			map[string]any{"subject": subject, "failures": failures, "locked_until": until.UTC()})
	})
}

// LoginLockedUntil implements auth.SecurityStore.
func (db *DB) LoginLockedUntil(ctx context.Context, subject string) (time.Time, error) {
	var until int64
	err := db.queryRow(ctx, `SELECT locked_until FROM login_failures WHERE subject = ?`, subject).Scan(&until)
	if err == sql.ErrNoRows || err == nil && until == 0 {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: login lock: %w", err)
	}
	return time.UnixMilli(until).UTC(), nil
}

// ClearLoginFailures implements auth.SecurityStore.
func (db *DB) ClearLoginFailures(ctx context.Context, subject string) error {
	_, err := db.exec(ctx, `DELETE FROM login_failures WHERE subject = ?`, subject)
	return err
}

// AuditEvent implements auth.SecurityStore: a security event without a
// change to data (a sign-in, a refusal) in the audit trail.
func (db *DB) AuditEvent(ctx context.Context, action, entity string, id int64, division string, detail any) error {
	return db.inTx(ctx, func(t *tx) error {
		return record(ctx, t, action, entity, id, division, nil, detail)
	})
}
