-- Yingji schema 10 (SQLite): two-factor login (TOTP, RFC 6238) with
-- recovery codes and the short-lived challenges between the password and
-- the code; login-failure counters for the lockout.
CREATE TABLE user_mfa (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    confirmed_at INTEGER NOT NULL DEFAULT 0,
    last_step    INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE mfa_recovery_codes (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash    TEXT NOT NULL,
    used_at INTEGER NOT NULL DEFAULT 0,
    UNIQUE (user_id, hash)
);

CREATE TABLE mfa_challenges (
    hash       TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX mfa_challenges_user ON mfa_challenges (user_id);

CREATE TABLE login_failures (
    subject      TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_at      INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE password_history (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash       TEXT NOT NULL,
    changed_at INTEGER NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, id);
