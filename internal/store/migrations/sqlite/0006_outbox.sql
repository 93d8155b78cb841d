-- Warning recipients and the delivery outbox (issue 6). Phone numbers,
-- e-mail addresses and push subscriptions are sealed (AES-256-GCM, with
-- the key id in the value) and looked up by keyed hash (HMAC-SHA256).
CREATE TABLE recipients (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    division_code TEXT NOT NULL,
    lon           REAL,
    lat           REAL,
    follows       TEXT NOT NULL DEFAULT '',
    phone_sealed  TEXT NOT NULL DEFAULT '',
    phone_hash    TEXT,
    phone_masked  TEXT NOT NULL DEFAULT '',
    email_sealed  TEXT NOT NULL DEFAULT '',
    email_hash    TEXT,
    email_masked  TEXT NOT NULL DEFAULT '',
    push_sealed   TEXT NOT NULL DEFAULT '',
    push_masked   TEXT NOT NULL DEFAULT '',
    app_user      TEXT NOT NULL DEFAULT '',
    webhook       TEXT NOT NULL DEFAULT '',
    topic         TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    enabled       INTEGER NOT NULL DEFAULT 1,
    channels      INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX recipients_division ON recipients (division_code);
CREATE UNIQUE INDEX recipients_phone ON recipients (phone_hash);
CREATE UNIQUE INDEX recipients_email ON recipients (email_hash);

CREATE TABLE outbox_messages (
    id         INTEGER PRIMARY KEY,
    warning_id INTEGER NOT NULL,
    identifier TEXT NOT NULL,
    body       TEXT NOT NULL,
    population TEXT NOT NULL,
    rows       INTEGER NOT NULL DEFAULT 0,
    -- the message's outbox rows are ids first_id..last_id (consecutive)
    first_id   INTEGER NOT NULL DEFAULT 1,
    last_id    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (warning_id, identifier)
);

-- one row per (message, recipient, channel); due_at is the next try while
-- queued and the end of the lease while sending. Fresh rows are claimed in
-- id order (store.ClaimJobs), so only rows already tried are indexed for
-- claiming: the enqueue of millions of rows pays for no claim index.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    message_id   INTEGER NOT NULL,
    recipient_id INTEGER NOT NULL,
    channel      INTEGER NOT NULL,
    county       INTEGER NOT NULL,
    state        TEXT NOT NULL DEFAULT 'queued',
    attempts     INTEGER NOT NULL DEFAULT 0,
    due_at       INTEGER NOT NULL,
    ref          TEXT,
    error        TEXT,
    done_at      INTEGER
);
CREATE INDEX outbox_retry ON outbox (channel, due_at) WHERE state IN ('queued', 'sending') AND attempts > 0;
CREATE INDEX outbox_ref ON outbox (channel, ref) WHERE ref IS NOT NULL;
