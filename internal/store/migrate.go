package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func (db *DB) migrations() ([]migration, error) {
	dir := "migrations/" + db.d.name
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("store: migration %s: name must start with its number", name)
		}
		body, err := fs.ReadFile(migrationFS, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// SchemaVersion returns the newest applied migration (0 for an empty
// database) and the newest this binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (applied, known int, err error) {
	ms, err := db.migrations()
	if err != nil {
		return 0, 0, err
	}
	known = ms[len(ms)-1].version
	if _, err := db.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return 0, known, fmt.Errorf("store: schema_migrations: %w", err)
	}
	var v *int
	if err := db.queryRow(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, known, fmt.Errorf("store: read schema version: %w", err)
	}
	if v != nil {
		applied = *v
	}
	return applied, known, nil
}

// Migrate applies every migration newer than the database, each in its own
// transaction. It refuses a database whose schema is newer than this binary,
// which means an older binary was started against a newer database.
func (db *DB) Migrate(ctx context.Context) (applied []string, err error) {
	have, known, err := db.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if have > known {
		return nil, fmt.Errorf("store: the database schema is version %d but this yingji knows only up to %d; run a newer yingji", have, known)
	}
	ms, err := db.migrations()
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.version <= have {
			continue
		}
		err := db.inTx(ctx, func(t *tx) error {
			if _, err := t.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := t.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("store: migration %s: %w", m.name, err)
		}
		applied = append(applied, m.name)
	}
	return applied, nil
}
