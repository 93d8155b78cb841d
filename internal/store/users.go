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

const userCols = `id, username, display_name, password_hash, role, division_code, enterprise_id, disabled, created_at, updated_at, password_changed_at`

func scanUser(s scanner) (*auth.User, error) {
	var u auth.User
	var ent sql.NullInt64
	var disabled int
	var created, updated, pw int64
	if err := s.Scan(&u.ID, &u.Username, &u.DisplayName, &u.PasswordHash, &u.Role, &u.Division, &ent, &disabled, &created, &updated, &pw); err != nil {
		return nil, err
	}
	u.EnterpriseID, u.Disabled = ent.Int64, disabled != 0
	u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC(), time.UnixMilli(pw).UTC()
	return &u, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateUser implements auth.Store.
func (db *DB) CreateUser(ctx context.Context, u *auth.User) error {
	return db.inTx(ctx, func(t *tx) error {
		err := t.queryRow(ctx, `INSERT INTO users (username, display_name, password_hash, role, division_code, enterprise_id, disabled, created_at, updated_at, password_changed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.Username, u.DisplayName, u.PasswordHash, u.Role, u.Division, nullInt(u.EnterpriseID), boolInt(u.Disabled),
			u.CreatedAt.UnixMilli(), u.UpdatedAt.UnixMilli(), u.PasswordChangedAt.UnixMilli()).Scan(&u.ID)
		if db.d.isUnique(err) {
			return core.Errorf(core.ECONFLICT, "username: %q is taken", u.Username)
		}
		if err != nil {
			return fmt.Errorf("store: create user: %w", err)
		}
		if err := addPasswordHistory(ctx, t, u.ID, u.PasswordHash, u.PasswordChangedAt); err != nil {
			return err
		}
		return record(ctx, t, "create", "user", u.ID, u.Division, nil, u)
	})
}

// UpdateUser implements auth.Store.
func (db *DB) UpdateUser(ctx context.Context, u *auth.User) error {
	return db.inTx(ctx, func(t *tx) error {
		before, err := scanUser(t.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, u.ID))
		if err == sql.ErrNoRows {
			return core.Errorf(core.ENOTFOUND, "user %d not found", u.ID)
		}
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE users SET display_name = ?, password_hash = ?, role = ?, division_code = ?, enterprise_id = ?, disabled = ?, updated_at = ?, password_changed_at = ? WHERE id = ?`,
			u.DisplayName, u.PasswordHash, u.Role, u.Division, nullInt(u.EnterpriseID), boolInt(u.Disabled), u.UpdatedAt.UnixMilli(), u.PasswordChangedAt.UnixMilli(), u.ID); err != nil {
			return fmt.Errorf("store: update user: %w", err)
		}
		// a disabled account or a new password ends every open session.
		if u.PasswordHash != before.PasswordHash {
			if err := addPasswordHistory(ctx, t, u.ID, u.PasswordHash, u.PasswordChangedAt); err != nil {
				return err
			}
		}
		if u.Disabled || u.PasswordHash != before.PasswordHash {
			if _, err := t.exec(ctx, `DELETE FROM tokens WHERE user_id = ? AND kind = ?`, u.ID, auth.SessionToken); err != nil {
				return err
			}
		}
		if u.Disabled {
			if _, err := t.exec(ctx, `DELETE FROM tokens WHERE user_id = ?`, u.ID); err != nil {
				return err
			}
		}
		return record(ctx, t, "update", "user", u.ID, u.Division, before, u)
	})
}

func (db *DB) oneUser(ctx context.Context, where string, arg any, what any) (*auth.User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE `+where, arg))
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "user %v not found", what)
	}
	if err != nil {
		return nil, fmt.Errorf("store: user: %w", err)
	}
	return u, nil
}

// GetUser implements auth.Store.
func (db *DB) GetUser(ctx context.Context, id int64) (*auth.User, error) {
	return db.oneUser(ctx, `id = ?`, id, id)
}

// UserByName implements auth.Store.
func (db *DB) UserByName(ctx context.Context, username string) (*auth.User, error) {
	return db.oneUser(ctx, `username = ?`, username, username)
}

// ListUsers implements auth.Store.
func (db *DB) ListUsers(ctx context.Context) ([]*auth.User, error) {
	rows, err := db.query(ctx, `SELECT `+userCols+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	var out []*auth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CreateToken implements auth.Store. Session tokens are not audited (a
// login is not a change to data); API tokens are.
func (db *DB) CreateToken(ctx context.Context, tk *auth.Token) error {
	return db.inTx(ctx, func(t *tx) error {
		if err := t.queryRow(ctx, `INSERT INTO tokens (user_id, kind, name, hash, scopes, created_at, expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			tk.UserID, tk.Kind, tk.Name, tk.Hash, joinScopes(tk.Scopes), tk.CreatedAt.UnixMilli(), tk.ExpiresAt.UnixMilli(), tk.LastUsedAt.UnixMilli()).Scan(&tk.ID); err != nil {
			return fmt.Errorf("store: create token: %w", err)
		}
		// expired tokens are swept here rather than by a timer.
		if _, err := t.exec(ctx, `DELETE FROM tokens WHERE expires_at < ?`, tk.CreatedAt.UnixMilli()); err != nil {
			return err
		}
		if tk.Kind == auth.APIToken {
			div, err := userDivision(ctx, t, tk.UserID)
			if err != nil {
				return err
			}
			return record(ctx, t, "create", "api_token", tk.ID, div, nil, tk)
		}
		return nil
	})
}

// TokenUser implements auth.Store.
func (db *DB) TokenUser(ctx context.Context, hash string, now time.Time) (*auth.Token, *auth.User, error) {
	tk, err := scanToken(db.queryRow(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, hash))
	if err == sql.ErrNoRows || err == nil && tk.ExpiresAt.UnixMilli() < now.UnixMilli() {
		return nil, nil, core.Errorf(core.EUNAUTHORIZED, "the token is unknown or has expired; sign in again")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("store: token: %w", err)
	}
	tk.Hash = hash
	// last use is kept to the minute, so that reads do not become writes.
	if now.Sub(tk.LastUsedAt) > time.Minute {
		// the token keeps the previous use, for the idle-timeout check.
		db.exec(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, now.UnixMilli(), tk.ID)
	}
	u, err := db.GetUser(ctx, tk.UserID)
	if err != nil {
		return nil, nil, err
	}
	return tk, u, nil
}

// ListTokens implements auth.Store.
func (db *DB) ListTokens(ctx context.Context, userID int64) ([]*auth.Token, error) {
	return db.listTokens(ctx, db.query, `WHERE user_id = ?`, userID)
}

func (db *DB) listTokens(ctx context.Context, q func(context.Context, string, ...any) (*sql.Rows, error), where string, args ...any) ([]*auth.Token, error) {
	rows, err := q(ctx, `SELECT `+tokenCols+` FROM tokens `+where+` ORDER BY id`, args...)
	return collect(rows, err, "tokens", scanToken)
}

const tokenCols = `id, user_id, kind, name, scopes, created_at, expires_at, last_used_at`

// scanToken reads a token (without its hash).
func scanToken(s scanner) (*auth.Token, error) {
	var tk auth.Token
	var c, e, u int64
	var scopes string
	if err := s.Scan(&tk.ID, &tk.UserID, &tk.Kind, &tk.Name, &scopes, &c, &e, &u); err != nil {
		return nil, err
	}
	tk.Scopes = splitScopes(scopes)
	tk.CreatedAt, tk.ExpiresAt, tk.LastUsedAt = time.UnixMilli(c).UTC(), time.UnixMilli(e).UTC(), time.UnixMilli(u).UTC()
	return &tk, nil
}

// DeleteToken implements auth.Store: the audit entry keeps the token (its
// name, kind and scopes) and the account's division.
func (db *DB) DeleteToken(ctx context.Context, userID, id int64) error {
	return db.inTx(ctx, func(t *tx) error {
		before, err := db.listTokens(ctx, t.query, `WHERE id = ? AND user_id = ?`, id, userID)
		if err != nil {
			return err
		}
		if len(before) == 0 {
			return core.Errorf(core.ENOTFOUND, "token %d not found", id)
		}
		if _, err := t.exec(ctx, `DELETE FROM tokens WHERE id = ? AND user_id = ?`, id, userID); err != nil {
			return err
		}
		div, err := userDivision(ctx, t, userID)
		if err != nil {
			return err
		}
		entity := "token" // a session
		if before[0].Kind == auth.APIToken {
			entity = "api_token"
		}
		return record(ctx, t, "delete", entity, id, div, before[0], nil)
	})
}

func joinScopes(ps []auth.Permission) string {
	ss := make([]string, len(ps))
	for i, p := range ps {
		ss[i] = string(p)
	}
	return strings.Join(ss, " ")
}

func splitScopes(s string) []auth.Permission {
	var out []auth.Permission
	for _, f := range strings.Fields(s) {
		out = append(out, auth.Permission(f))
	}
	return out
}

// Setting reads a key from the settings table ("" when absent).
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return v, err
}

// SetSetting writes a key to the settings table.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	return db.inTx(ctx, func(t *tx) error { return putSetting(ctx, t, key, value) })
}

// putSetting writes a key to the settings table inside t.
func putSetting(ctx context.Context, t *tx, key, value string) error {
	res, err := t.exec(ctx, `UPDATE settings SET value = ? WHERE key = ?`, value, key)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		_, err = t.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, key, value)
	}
	return err
}

// DeleteTokenByHash implements auth.Store: it ends the session or revokes
// the token with that hash (logout).
func (db *DB) DeleteTokenByHash(ctx context.Context, hash string) error {
	_, err := db.exec(ctx, `DELETE FROM tokens WHERE hash = ?`, hash)
	return err
}
