-- Yingji schema 8 (SQLite): the duty roster — shifts with a leader and
-- officers, the handover log, and the daily all-quiet reports.
CREATE TABLE duty_shifts (
    id            INTEGER PRIMARY KEY,
    division_code TEXT NOT NULL REFERENCES divisions (code),
    date          TEXT NOT NULL,
    name          TEXT NOT NULL,
    start_at      INTEGER NOT NULL,
    end_at        INTEGER NOT NULL,
    leader_id     INTEGER NOT NULL REFERENCES users (id),
    phone         TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CHECK (end_at > start_at)
);
CREATE INDEX duty_shifts_division_time ON duty_shifts (division_code, start_at, end_at);
CREATE INDEX duty_shifts_time ON duty_shifts (start_at, end_at);

CREATE TABLE duty_shift_officers (
    shift_id INTEGER NOT NULL REFERENCES duty_shifts (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (shift_id, user_id)
);

CREATE TABLE duty_handovers (
    id                INTEGER PRIMARY KEY,
    division_code     TEXT NOT NULL REFERENCES divisions (code),
    shift_id          INTEGER REFERENCES duty_shifts (id) ON DELETE SET NULL,
    at                INTEGER NOT NULL,
    outgoing_id       INTEGER,
    outgoing_username TEXT NOT NULL,
    outgoing_name     TEXT NOT NULL DEFAULT '',
    incoming_id       INTEGER NOT NULL REFERENCES users (id),
    incoming_username TEXT NOT NULL,
    incoming_name     TEXT NOT NULL DEFAULT '',
    open_text         TEXT NOT NULL DEFAULT '',
    watch_text        TEXT NOT NULL DEFAULT '',
    alarms            TEXT NOT NULL DEFAULT '[]',
    open_alarms       INTEGER NOT NULL DEFAULT 0,
    accepted_at       INTEGER
);
CREATE INDEX duty_handovers_division_at ON duty_handovers (division_code, at);

CREATE TABLE duty_quiet_reports (
    id               INTEGER PRIMARY KEY,
    division_code    TEXT NOT NULL REFERENCES divisions (code),
    date             TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    reporter_id      INTEGER,
    reporter_username TEXT NOT NULL,
    reporter_name    TEXT NOT NULL DEFAULT '',
    reported_at      INTEGER NOT NULL,
    late             INTEGER NOT NULL DEFAULT 0,
    UNIQUE (division_code, date)
);
CREATE INDEX duty_quiet_date ON duty_quiet_reports (date);
