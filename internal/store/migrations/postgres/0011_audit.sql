-- Yingji schema 14: the audit chain's hash algorithm per entry (sha256 or
-- sm3, so that a chain can switch), the anchor left by archiving (the last
-- archived entry's sequence number and hash, where verification starts),
-- and indexes for searching the trail.
ALTER TABLE audit_log ADD COLUMN hash_alg TEXT NOT NULL DEFAULT 'sha256';
ALTER TABLE audit_head ADD COLUMN anchor_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN anchor_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_actor ON audit_log (actor, seq);
CREATE INDEX audit_action ON audit_log (action, at);
