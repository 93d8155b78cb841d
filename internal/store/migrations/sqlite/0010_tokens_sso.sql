-- Yingji schema 13: API token scopes (issue 9). A token's permissions,
-- space-separated; '' for sessions. Tokens issued before scopes existed
-- keep their user's whole role ('*') until revoked.
ALTER TABLE tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
UPDATE tokens SET scopes = '*' WHERE kind = 'api';

-- WebAuthn security keys as a second factor beside the authenticator app,
-- and the short-lived state between a ceremony's two steps.
CREATE TABLE webauthn_credentials (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    data          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials (user_id);

CREATE TABLE webauthn_sessions (
    key        TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    data       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
