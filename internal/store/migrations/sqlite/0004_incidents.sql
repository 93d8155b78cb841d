-- Yingji schema 4 (SQLite): incident command — the event-type table,
-- emergency plans, incidents with their timeline, tasks, dispatch orders,
-- situation reports and attachments. Times are Unix milliseconds (UTC).
CREATE TABLE incident_types (
    code       TEXT PRIMARY KEY,
    parent     TEXT NOT NULL DEFAULT '',
    category   TEXT NOT NULL,
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    std_code   TEXT NOT NULL DEFAULT '',
    criteria   TEXT,
    deadlines  TEXT,
    sort       INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE emergency_plans (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);

-- one row per readable-number prefix (YJ-<county>-<day>): the next
-- sequence is taken by an upsert that locks the row.
CREATE TABLE incident_counters (
    prefix TEXT PRIMARY KEY,
    seq    INTEGER NOT NULL
);

CREATE TABLE incidents (
    id                  INTEGER PRIMARY KEY,
    number              TEXT NOT NULL UNIQUE,
    title               TEXT NOT NULL,
    type_code           TEXT NOT NULL,
    category            TEXT NOT NULL,
    status              TEXT NOT NULL,
    occurred_at         INTEGER NOT NULL,
    received_at         INTEGER NOT NULL,
    lon                 REAL,
    lat                 REAL,
    address             TEXT NOT NULL DEFAULT '',
    division_code       TEXT NOT NULL,
    enterprise_id       INTEGER,
    source              TEXT NOT NULL,
    reporter            TEXT NOT NULL DEFAULT '',
    reporter_phone      TEXT NOT NULL DEFAULT '',
    unit                TEXT NOT NULL DEFAULT '',
    deaths              INTEGER NOT NULL DEFAULT 0,
    missing             INTEGER NOT NULL DEFAULT 0,
    serious_injuries    INTEGER NOT NULL DEFAULT 0,
    trapped             INTEGER NOT NULL DEFAULT 0,
    loss_cny            REAL NOT NULL DEFAULT 0,
    extra               TEXT,
    description         TEXT NOT NULL DEFAULT '',
    level               INTEGER NOT NULL,
    grading             TEXT NOT NULL,
    alarm_id            INTEGER,
    merged_into         INTEGER REFERENCES incidents (id),
    response_plan       TEXT NOT NULL DEFAULT '',
    response_level      INTEGER NOT NULL DEFAULT 0,
    initial_reported_at INTEGER,
    onward_reported_at  INTEGER,
    last_report_at      INTEGER,
    next_due_at         INTEGER,
    summary             TEXT NOT NULL DEFAULT '',
    closed_at           INTEGER,
    review              TEXT,
    created_by          TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX incidents_division ON incidents (division_code, occurred_at);
CREATE INDEX incidents_type ON incidents (type_code, occurred_at);
CREATE INDEX incidents_due ON incidents (status, next_due_at);

CREATE TABLE incident_events (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    summary     TEXT NOT NULL,
    data        TEXT
);
CREATE INDEX incident_events_incident ON incident_events (incident_id, at);

CREATE TABLE incident_tasks (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    owner       TEXT NOT NULL,
    status      TEXT NOT NULL,
    due_at      INTEGER,
    notes       TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX incident_tasks_incident ON incident_tasks (incident_id);

CREATE TABLE incident_dispatches (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    resource_id   INTEGER NOT NULL REFERENCES registry_objects (id),
    resource_code TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    items         TEXT,
    people        INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    steps         TEXT NOT NULL,
    ordered_by    TEXT NOT NULL,
    ordered_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX incident_dispatches_incident ON incident_dispatches (incident_id);
CREATE INDEX incident_dispatches_resource ON incident_dispatches (resource_id, status);

CREATE TABLE incident_reports (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    seq          INTEGER,
    number       TEXT,
    status       TEXT NOT NULL,
    body         TEXT NOT NULL,
    author       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    published_at INTEGER,
    version      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (incident_id, seq)
);

CREATE TABLE incident_attachments (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX incident_attachments_incident ON incident_attachments (incident_id);
