-- Yingji schema 13: API token scopes (issue 9). A token's permissions,
-- space-separated; '' for sessions. Tokens issued before scopes existed
-- keep their user's whole role ('*') until revoked.
ALTER TABLE tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
UPDATE tokens SET scopes = '*' WHERE kind = 'api';
