package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
)

// Two-factor login (auth.MFAStore). The secret never enters the audit log:
// entries say what happened to whose second factor, not the key.

const mfaPolicyKey = "mfa.required_roles"

// mfaAudit is what the audit log keeps of a second factor.
type mfaAudit struct {
	Enabled       bool       `json:"enabled"`
	ConfirmedAt   *time.Time `json:"confirmed_at,omitempty"`
	RecoveryCodes int        `json:"recovery_codes_left,omitempty"`
}

func userDivision(ctx context.Context, t *tx, userID int64) (string, error) {
	var div string
	err := t.queryRow(ctx, `SELECT division_code FROM users WHERE id = ?`, userID).Scan(&div)
	if err == sql.ErrNoRows {
		return "", core.Errorf(core.ENOTFOUND, "user %d not found", userID)
	}
	return div, err
}

// GetMFA implements auth.MFAStore.
func (db *DB) GetMFA(ctx context.Context, userID int64) (*auth.MFARecord, error) {
	r := auth.MFARecord{UserID: userID}
	var confirmed, created, updated int64
	err := db.queryRow(ctx, `SELECT secret, confirmed_at, last_step, created_at, updated_at FROM user_mfa WHERE user_id = ?`, userID).
		Scan(&r.Secret, &confirmed, &r.LastStep, &created, &updated)
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "user %d has no second factor", userID)
	}
	if err != nil {
		return nil, fmt.Errorf("store: mfa: %w", err)
	}
	if confirmed != 0 {
		r.ConfirmedAt = time.UnixMilli(confirmed).UTC()
	}
	r.CreatedAt, r.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &r, nil
}

// BeginMFA implements auth.MFAStore. A pending secret is not audited: it
// changes nothing until it is confirmed.
func (db *DB) BeginMFA(ctx context.Context, userID int64, secret string, now time.Time) error {
	return db.inTx(ctx, func(t *tx) error {
		var confirmed int64
		err := t.queryRow(ctx, `SELECT confirmed_at FROM user_mfa WHERE user_id = ?`+t.d.forUpdate, userID).Scan(&confirmed)
		switch {
		case err == sql.ErrNoRows:
			_, err = t.exec(ctx, `INSERT INTO user_mfa (user_id, secret, confirmed_at, last_step, created_at, updated_at) VALUES (?, ?, 0, 0, ?, ?)`,
				userID, secret, now.UnixMilli(), now.UnixMilli())
			return err
		case err != nil:
			return fmt.Errorf("store: mfa: %w", err)
		case confirmed != 0:
			return core.Errorf(core.ECONFLICT, "two-factor login is already enabled; a security administrator can reset it")
		}
		_, err = t.exec(ctx, `UPDATE user_mfa SET secret = ?, last_step = 0, created_at = ?, updated_at = ? WHERE user_id = ?`,
			secret, now.UnixMilli(), now.UnixMilli(), userID)
		return err
	})
}

func insertRecovery(ctx context.Context, t *tx, userID int64, hashes []string) error {
	if _, err := t.exec(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := t.exec(ctx, `INSERT INTO mfa_recovery_codes (user_id, hash, used_at) VALUES (?, ?, 0)`, userID, h); err != nil {
			return fmt.Errorf("store: recovery code: %w", err)
		}
	}
	return nil
}

// ConfirmMFA implements auth.MFAStore.
func (db *DB) ConfirmMFA(ctx context.Context, userID, step int64, hashes []string, now time.Time) error {
	return db.inTx(ctx, func(t *tx) error {
		div, err := userDivision(ctx, t, userID)
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE user_mfa SET confirmed_at = ?, last_step = ?, updated_at = ? WHERE user_id = ? AND confirmed_at = 0`,
			now.UnixMilli(), step, now.UnixMilli(), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return core.Errorf(core.ECONFLICT, "no enrolment is waiting for user %d", userID)
		}
		if err := insertRecovery(ctx, t, userID, hashes); err != nil {
			return err
		}
		at := now.UTC()
		return record(ctx, t, "mfa_enable", "user", userID, div, mfaAudit{}, mfaAudit{Enabled: true, ConfirmedAt: &at, RecoveryCodes: len(hashes)})
	})
}

// UseMFAStep implements auth.MFAStore; the conditional update makes two
// concurrent uses of one code count once.
func (db *DB) UseMFAStep(ctx context.Context, userID, step int64) (bool, error) {
	res, err := db.exec(ctx, `UPDATE user_mfa SET last_step = ? WHERE user_id = ? AND confirmed_at <> 0 AND last_step < ?`, step, userID, step)
	if err != nil {
		return false, fmt.Errorf("store: mfa step: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UseRecoveryCode implements auth.MFAStore; each use is audited.
func (db *DB) UseRecoveryCode(ctx context.Context, userID int64, hash string, now time.Time) (bool, error) {
	used := false
	err := db.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE mfa_recovery_codes SET used_at = ? WHERE user_id = ? AND hash = ? AND used_at = 0`, now.UnixMilli(), userID, hash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		used = true
		div, err := userDivision(ctx, t, userID)
		if err != nil {
			return err
		}
		var left int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = ? AND used_at = 0`, userID).Scan(&left); err != nil {
			return err
		}
		return record(ctx, t, "mfa_recovery_use", "user", userID, div, nil, map[string]int{"recovery_codes_left": left})
	})
	return used, err
}

// ReplaceRecoveryCodes implements auth.MFAStore.
func (db *DB) ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes []string, now time.Time) error {
	return db.inTx(ctx, func(t *tx) error {
		div, err := userDivision(ctx, t, userID)
		if err != nil {
			return err
		}
		if err := insertRecovery(ctx, t, userID, hashes); err != nil {
			return err
		}
		return record(ctx, t, "mfa_recovery_renew", "user", userID, div, nil, map[string]int{"recovery_codes_left": len(hashes)})
	})
}

// RecoveryCodesLeft implements auth.MFAStore.
func (db *DB) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = ? AND used_at = 0`, userID).Scan(&n)
	return n, err
}

// ResetMFA implements auth.MFAStore.
func (db *DB) ResetMFA(ctx context.Context, userID int64) error {
	return db.inTx(ctx, func(t *tx) error {
		div, err := userDivision(ctx, t, userID)
		if err != nil {
			return err
		}
		var confirmed int64
		err = t.queryRow(ctx, `SELECT confirmed_at FROM user_mfa WHERE user_id = ?`, userID).Scan(&confirmed)
		if err == sql.ErrNoRows {
			return core.Errorf(core.ENOTFOUND, "user %d has no second factor to reset", userID)
		}
		if err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM user_mfa WHERE user_id = ?`, `DELETE FROM mfa_recovery_codes WHERE user_id = ?`,
			`DELETE FROM mfa_challenges WHERE user_id = ?`, `DELETE FROM tokens WHERE user_id = ? AND kind = '` + auth.SessionToken + `'`,
			`DELETE FROM webauthn_credentials WHERE user_id = ?`, `DELETE FROM webauthn_sessions WHERE user_id = ?`} {
			if _, err := t.exec(ctx, q, userID); err != nil {
				return fmt.Errorf("store: reset mfa: %w", err)
			}
		}
		before := mfaAudit{Enabled: confirmed != 0}
		if confirmed != 0 {
			at := time.UnixMilli(confirmed).UTC()
			before.ConfirmedAt = &at
		}
		return record(ctx, t, "mfa_reset", "user", userID, div, before, mfaAudit{})
	})
}

// CreateChallenge implements auth.MFAStore; expired challenges are swept.
func (db *DB) CreateChallenge(ctx context.Context, c *auth.Challenge) error {
	return db.inTx(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `DELETE FROM mfa_challenges WHERE expires_at < ?`, c.CreatedAt.UnixMilli()); err != nil {
			return err
		}
		_, err := t.exec(ctx, `INSERT INTO mfa_challenges (hash, user_id, created_at, expires_at, attempts) VALUES (?, ?, ?, ?, 0)`,
			c.Hash, c.UserID, c.CreatedAt.UnixMilli(), c.ExpiresAt.UnixMilli())
		if err != nil {
			return fmt.Errorf("store: challenge: %w", err)
		}
		return nil
	})
}

// TakeChallenge implements auth.MFAStore.
func (db *DB) TakeChallenge(ctx context.Context, hash string, now time.Time) (*auth.Challenge, error) {
	var c auth.Challenge
	err := db.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE mfa_challenges SET attempts = attempts + 1 WHERE hash = ? AND expires_at >= ?`, hash, now.UnixMilli())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return core.Errorf(core.EUNAUTHORIZED, "the sign-in has expired or is unknown; enter your password again")
		}
		var created, expires int64
		if err := t.queryRow(ctx, `SELECT user_id, created_at, expires_at, attempts FROM mfa_challenges WHERE hash = ?`, hash).
			Scan(&c.UserID, &created, &expires, &c.Attempts); err != nil {
			return err
		}
		c.Hash, c.CreatedAt, c.ExpiresAt = hash, time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// DeleteChallenge implements auth.MFAStore.
func (db *DB) DeleteChallenge(ctx context.Context, hash string) error {
	_, err := db.exec(ctx, `DELETE FROM mfa_challenges WHERE hash = ?`, hash)
	return err
}

// MFAPolicy implements auth.MFAStore.
func (db *DB) MFAPolicy(ctx context.Context) ([]string, bool, error) {
	var v string
	err := db.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, mfaPolicyKey).Scan(&v)
	if err == sql.ErrNoRows {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	roles := []string{}
	for r := range strings.SplitSeq(v, ",") {
		if r = strings.TrimSpace(r); r != "" {
			roles = append(roles, r)
		}
	}
	return roles, true, nil
}

// SetMFAPolicy implements auth.MFAStore; the change is audited.
func (db *DB) SetMFAPolicy(ctx context.Context, roles []string) error {
	return db.inTx(ctx, func(t *tx) error {
		var before any
		var old string
		err := t.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, mfaPolicyKey).Scan(&old)
		if err == nil {
			before = map[string]string{"required_roles": old}
		}
		if err == nil || err == sql.ErrNoRows {
			err = putSetting(ctx, t, mfaPolicyKey, strings.Join(roles, ","))
		}
		if err != nil {
			return fmt.Errorf("store: mfa policy: %w", err)
		}
		// the setting is the actor's to see in the audit trail of their area.
		div := ""
		if a := core.ActorFrom(ctx); a != nil {
			div = a.Division
		}
		return record(ctx, t, "update", "mfa_policy", 0, div, before, map[string]string{"required_roles": strings.Join(roles, ",")})
	})
}
