-- Yingji schema 2 (SQLite): devices, time series, alarms, notifications, dead letters.
CREATE TABLE devices (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    owner_id      INTEGER NOT NULL REFERENCES registry_objects (id),
    division_code TEXT NOT NULL,
    enterprise_id INTEGER,
    secret_hash   TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE point_rules (
    point_id   INTEGER PRIMARY KEY REFERENCES registry_objects (id) ON DELETE CASCADE,
    rules      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE reading_chunks (
    point_id INTEGER NOT NULL,
    start_ms INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    data     BLOB NOT NULL,
    PRIMARY KEY (point_id, start_ms)
);

CREATE TABLE rollups (
    point_id   INTEGER NOT NULL,
    resolution INTEGER NOT NULL,
    bucket_ms  INTEGER NOT NULL,
    min_value  REAL NOT NULL,
    max_value  REAL NOT NULL,
    sum_value  REAL NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (point_id, resolution, bucket_ms)
);

CREATE TABLE latest_values (
    point_id INTEGER PRIMARY KEY,
    ts       INTEGER NOT NULL,
    value    REAL NOT NULL,
    quality  INTEGER NOT NULL
);

CREATE TABLE ingest_rejections (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    device    TEXT NOT NULL,
    transport TEXT NOT NULL,
    reason    TEXT NOT NULL,
    point     TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL,
    raw       TEXT NOT NULL
);
CREATE INDEX ingest_rejections_at ON ingest_rejections (at);

CREATE TABLE alarms (
    id            INTEGER PRIMARY KEY,
    point_id      INTEGER NOT NULL,
    point_code    TEXT NOT NULL,
    point_name    TEXT NOT NULL,
    point_kind    TEXT NOT NULL,
    rule          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    level         TEXT NOT NULL,
    max_level     TEXT NOT NULL,
    state         TEXT NOT NULL,
    value         REAL NOT NULL,
    unit          TEXT NOT NULL,
    message       TEXT NOT NULL,
    recovered     INTEGER NOT NULL DEFAULT 0,
    division_code TEXT NOT NULL,
    enterprise_id INTEGER,
    industry      TEXT NOT NULL DEFAULT '',
    tier          INTEGER NOT NULL,
    ack_deadline  INTEGER NOT NULL,
    overdue       INTEGER NOT NULL DEFAULT 0,
    raised_at     INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    ack_at        INTEGER,
    recovered_at  INTEGER,
    closed_at     INTEGER,
    feedback      TEXT
);
CREATE UNIQUE INDEX alarms_one_open ON alarms (point_id, rule) WHERE state <> 'closed';
CREATE INDEX alarms_state ON alarms (state, ack_deadline);
CREATE INDEX alarms_division ON alarms (division_code, raised_at);

CREATE TABLE alarm_events (
    id         INTEGER PRIMARY KEY,
    alarm_id   INTEGER NOT NULL REFERENCES alarms (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    action     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    from_level TEXT NOT NULL DEFAULT '',
    to_level   TEXT NOT NULL DEFAULT '',
    from_state TEXT NOT NULL DEFAULT '',
    to_state   TEXT NOT NULL DEFAULT '',
    tier       INTEGER NOT NULL,
    value      REAL,
    note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alarm_events_alarm ON alarm_events (alarm_id, id);

CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY,
    at            INTEGER NOT NULL,
    tier          TEXT NOT NULL,
    division_code TEXT NOT NULL,
    enterprise_id INTEGER,
    alarm_id      INTEGER REFERENCES alarms (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL
);
CREATE INDEX notifications_division ON notifications (division_code, at);

CREATE TABLE webhook_outbox (
    id          INTEGER PRIMARY KEY,
    url         TEXT NOT NULL,
    body        TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    last_error  TEXT NOT NULL DEFAULT '',
    delivered_at INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (delivered_at, next_at);
