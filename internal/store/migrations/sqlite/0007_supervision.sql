-- Yingji schema 7 (SQLite): safety supervision — hidden dangers with their steps and photos,
-- risk diagnoses, GB 18218 assessments, inspection plans, records and enforcement cases.
-- Nothing here is deleted; records move through their states. Documents that are read whole are
-- kept as JSON (doc) beside the promoted columns that lists filter and scope on.
CREATE TABLE supervision_hazards (
    id              INTEGER PRIMARY KEY,
    enterprise_id   INTEGER NOT NULL,
    enterprise_name TEXT NOT NULL,
    division_code   TEXT NOT NULL,
    industry        TEXT NOT NULL DEFAULT '',
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    location        TEXT NOT NULL DEFAULT '',
    source          TEXT NOT NULL,
    alarm_id        INTEGER,
    inspection_id   INTEGER,
    reporter        TEXT NOT NULL DEFAULT '',
    level           TEXT NOT NULL,
    criterion       TEXT NOT NULL DEFAULT '',
    responsible     TEXT NOT NULL DEFAULT '',
    measures        TEXT NOT NULL DEFAULT '',
    deadline        INTEGER,
    state           TEXT NOT NULL,
    escalation      INTEGER NOT NULL DEFAULT 0,
    escalated_at    INTEGER,
    evidence        TEXT NOT NULL DEFAULT '',
    reported_by     TEXT NOT NULL,
    reported_at     INTEGER NOT NULL,
    rectified_at    INTEGER,
    verified_at     INTEGER,
    closed_at       INTEGER,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX supervision_hazards_division ON supervision_hazards (division_code);
CREATE INDEX supervision_hazards_enterprise ON supervision_hazards (enterprise_id, state);
CREATE INDEX supervision_hazards_due ON supervision_hazards (state, deadline);

CREATE TABLE supervision_hazard_events (
    id         INTEGER PRIMARY KEY,
    hazard_id  INTEGER NOT NULL REFERENCES supervision_hazards (id),
    at         INTEGER NOT NULL,
    action     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    from_state TEXT NOT NULL DEFAULT '',
    to_state   TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX supervision_hazard_events_hazard ON supervision_hazard_events (hazard_id);

CREATE TABLE supervision_photos (
    id           INTEGER PRIMARY KEY,
    hazard_id    INTEGER NOT NULL REFERENCES supervision_hazards (id),
    stage        TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    data         BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  INTEGER NOT NULL
);
CREATE INDEX supervision_photos_hazard ON supervision_photos (hazard_id);

CREATE TABLE supervision_diagnoses (
    id            INTEGER PRIMARY KEY,
    enterprise_id INTEGER NOT NULL,
    division_code TEXT NOT NULL,
    score         REAL NOT NULL,
    color         TEXT NOT NULL,
    assessed_at   INTEGER NOT NULL,
    doc           TEXT NOT NULL
);
CREATE INDEX supervision_diagnoses_enterprise ON supervision_diagnoses (enterprise_id, id);

CREATE TABLE supervision_assessments (
    id               INTEGER PRIMARY KEY,
    hazard_source_id INTEGER NOT NULL,
    division_code    TEXT NOT NULL,
    enterprise_id    INTEGER,
    grade            INTEGER NOT NULL,
    r_value          REAL NOT NULL,
    assessed_at      INTEGER NOT NULL,
    doc              TEXT NOT NULL
);
CREATE INDEX supervision_assessments_source ON supervision_assessments (hazard_source_id, id);

CREATE TABLE supervision_plans (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    division_code TEXT NOT NULL,
    enterprise_id INTEGER,
    state         TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    doc           TEXT NOT NULL
);

CREATE TABLE supervision_records (
    id            INTEGER PRIMARY KEY,
    plan_id       INTEGER REFERENCES supervision_plans (id),
    enterprise_id INTEGER NOT NULL,
    division_code TEXT NOT NULL,
    result        TEXT NOT NULL,
    inspected_at  INTEGER NOT NULL,
    doc           TEXT NOT NULL
);
CREATE INDEX supervision_records_enterprise ON supervision_records (enterprise_id);

CREATE TABLE supervision_cases (
    id            INTEGER PRIMARY KEY,
    enterprise_id INTEGER NOT NULL,
    division_code TEXT NOT NULL,
    state         TEXT NOT NULL,
    filed_at      INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    doc           TEXT NOT NULL
);
CREATE INDEX supervision_cases_enterprise ON supervision_cases (enterprise_id, filed_at);
