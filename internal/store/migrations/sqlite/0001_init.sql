-- Yingji schema 1 (SQLite): divisions, registry, accounts, audit.
CREATE TABLE divisions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_code TEXT NOT NULL DEFAULT '',
    center_lon  REAL,
    center_lat  REAL,
    boundary    TEXT
);
CREATE INDEX divisions_parent ON divisions (parent_code);

CREATE TABLE registry_objects (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    category      TEXT NOT NULL,
    status        TEXT NOT NULL,
    division_code TEXT NOT NULL REFERENCES divisions (code),
    owner_id      INTEGER REFERENCES registry_objects (id),
    enterprise_id INTEGER REFERENCES registry_objects (id),
    geometry      TEXT NOT NULL,
    lon           REAL NOT NULL,
    lat           REAL NOT NULL,
    min_lon       REAL NOT NULL,
    min_lat       REAL NOT NULL,
    max_lon       REAL NOT NULL,
    max_lat       REAL NOT NULL,
    attrs         TEXT NOT NULL DEFAULT '{}',
    search        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    UNIQUE (kind, code)
);
CREATE INDEX registry_kind_division ON registry_objects (kind, division_code);
CREATE INDEX registry_kind_category ON registry_objects (kind, category);
CREATE INDEX registry_kind_bbox ON registry_objects (kind, min_lon, max_lon, min_lat, max_lat);
CREATE INDEX registry_owner ON registry_objects (owner_id);
CREATE INDEX registry_enterprise ON registry_objects (enterprise_id);

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL DEFAULT '',
    password_hash       TEXT NOT NULL,
    role                TEXT NOT NULL,
    division_code       TEXT NOT NULL REFERENCES divisions (code),
    enterprise_id       INTEGER REFERENCES registry_objects (id),
    disabled            INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
);

CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    hash         TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY,
    at            INTEGER NOT NULL,
    actor_id      INTEGER,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    entity        TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    division_code TEXT NOT NULL DEFAULT '',
    before_json   TEXT,
    after_json    TEXT,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_at ON audit_log (at);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
