-- Yingji schema 5: public warnings (issue 6). One row per message of a
-- warning chain: drafts, published alerts, updates and cancels, and CAP
-- messages imported from outside. Times are Unix milliseconds (UTC).
CREATE TABLE warnings (
    id             INTEGER PRIMARY KEY,
    chain_id       INTEGER NOT NULL,
    msg_type       TEXT NOT NULL,
    status         TEXT NOT NULL,
    template       TEXT NOT NULL DEFAULT '',
    level          TEXT NOT NULL,
    category       TEXT NOT NULL,
    urgency        TEXT NOT NULL,
    severity       TEXT NOT NULL,
    certainty      TEXT NOT NULL,
    response_type  TEXT NOT NULL DEFAULT '',
    event          TEXT NOT NULL,
    headline       TEXT NOT NULL,
    description    TEXT NOT NULL,
    instruction    TEXT NOT NULL DEFAULT '',
    english        TEXT,
    onset          INTEGER NOT NULL,
    expires        INTEGER NOT NULL,
    area           TEXT NOT NULL,
    division_code  TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    identifier     TEXT,
    sender         TEXT NOT NULL DEFAULT '',
    sent           INTEGER,
    refs           TEXT NOT NULL DEFAULT '',
    scope          TEXT NOT NULL,
    drafted_by     INTEGER,
    drafter        TEXT NOT NULL DEFAULT '',
    approved_by    INTEGER,
    approver       TEXT NOT NULL DEFAULT '',
    approved_at    INTEGER,
    published_by   INTEGER,
    publisher      TEXT NOT NULL DEFAULT '',
    delivered_at   INTEGER,
    delivery_error TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL,
    forwarded_from INTEGER,
    from_alarm     INTEGER,
    from_incident  INTEGER,
    cap_xml        TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
-- a sender's identifiers are unique (CAP 1.2 3.2.1); this also deduplicates imports.
CREATE UNIQUE INDEX warnings_message ON warnings (sender, identifier) WHERE identifier IS NOT NULL;
CREATE INDEX warnings_chain ON warnings (chain_id, id);
CREATE INDEX warnings_status ON warnings (status, expires);
CREATE INDEX warnings_division ON warnings (division_code, id);
CREATE INDEX warnings_pending ON warnings (status, delivered_at);
