package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
)

// WebAuthn security keys (issue 9): auth.KeyStore.

const keyCols = `id, user_id, credential_id, name, data, created_at, last_used_at`

func scanKey(s scanner) (*auth.Key, error) {
	var k auth.Key
	var c, u int64
	if err := s.Scan(&k.ID, &k.UserID, &k.CredentialID, &k.Name, &k.Data, &c, &u); err != nil {
		return nil, err
	}
	k.CreatedAt = time.UnixMilli(c).UTC()
	if u != 0 {
		k.LastUsedAt = time.UnixMilli(u).UTC()
	}
	return &k, nil
}

// keyAudit is what the audit trail keeps of a key: never its public key.
type keyAudit struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	CredentialID string `json:"credential_id"`
}

// AddKey implements auth.KeyStore; audited against the user.
func (db *DB) AddKey(ctx context.Context, k *auth.Key) error {
	return db.inTx(ctx, func(t *tx) error {
		div, err := userDivision(ctx, t, k.UserID)
		if err != nil {
			return err
		}
		if err := t.queryRow(ctx, `INSERT INTO webauthn_credentials (user_id, credential_id, name, data, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			k.UserID, k.CredentialID, k.Name, k.Data, k.CreatedAt.UnixMilli()).Scan(&k.ID); err != nil {
			if t.d.isUnique(err) {
				return core.Errorf(core.ECONFLICT, "this security key is already registered")
			}
			return fmt.Errorf("store: add security key: %w", err)
		}
		return record(ctx, t, "webauthn_add", "user", k.UserID, div, nil, keyAudit{k.ID, k.Name, k.CredentialID})
	})
}

// ListKeys implements auth.KeyStore.
func (db *DB) ListKeys(ctx context.Context, userID int64) ([]*auth.Key, error) {
	rows, err := db.query(ctx, `SELECT `+keyCols+` FROM webauthn_credentials WHERE user_id = ? ORDER BY id`, userID)
	return collect(rows, err, "security keys", scanKey)
}

// UseKey implements auth.KeyStore: the credential's new state (its
// signature counter) and the time of use.
func (db *DB) UseKey(ctx context.Context, id int64, data string, at time.Time) error {
	_, err := db.exec(ctx, `UPDATE webauthn_credentials SET data = ?, last_used_at = ? WHERE id = ?`, data, at.UnixMilli(), id)
	return err
}

// DeleteKey implements auth.KeyStore; audited against the user.
func (db *DB) DeleteKey(ctx context.Context, userID, id int64) error {
	return db.inTx(ctx, func(t *tx) error {
		k, err := scanKey(t.queryRow(ctx, `SELECT `+keyCols+` FROM webauthn_credentials WHERE id = ? AND user_id = ?`, id, userID))
		if err == sql.ErrNoRows {
			return core.Errorf(core.ENOTFOUND, "security key %d not found", id)
		}
		if err != nil {
			return err
		}
		div, err := userDivision(ctx, t, userID)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM webauthn_credentials WHERE id = ?`, id); err != nil {
			return err
		}
		return record(ctx, t, "webauthn_remove", "user", userID, div, keyAudit{k.ID, k.Name, k.CredentialID}, nil)
	})
}

// PutKeySession implements auth.KeyStore: the state between a ceremony's
// two steps, replacing one under the same key; expired ones are swept.
func (db *DB) PutKeySession(ctx context.Context, key string, userID int64, data string, expires, now time.Time) error {
	return db.inTx(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `DELETE FROM webauthn_sessions WHERE key = ? OR expires_at < ?`, key, now.UnixMilli()); err != nil {
			return err
		}
		_, err := t.exec(ctx, `INSERT INTO webauthn_sessions (key, user_id, data, expires_at) VALUES (?, ?, ?, ?)`, key, userID, data, expires.UnixMilli())
		return err
	})
}

// TakeKeySession implements auth.KeyStore: it returns and removes the
// unexpired state under key (good once); EUNAUTHORIZED otherwise.
func (db *DB) TakeKeySession(ctx context.Context, key string, now time.Time) (int64, string, error) {
	var userID, expires int64
	var data string
	err := db.inTx(ctx, func(t *tx) error {
		err := t.queryRow(ctx, `SELECT user_id, data, expires_at FROM webauthn_sessions WHERE key = ?`, key).Scan(&userID, &data, &expires)
		if err != nil {
			return err
		}
		_, err = t.exec(ctx, `DELETE FROM webauthn_sessions WHERE key = ?`, key)
		return err
	})
	if err == sql.ErrNoRows || err == nil && expires < now.UnixMilli() {
		return 0, "", core.Errorf(core.EUNAUTHORIZED, "the security key step has expired or is unknown; start again")
	}
	if err != nil {
		return 0, "", err
	}
	return userID, data, nil
}
