// Package storetest opens real databases for tests: a SQLite file in a
// temporary folder, and PostgreSQL (YINGJI_TEST_POSTGRES, default
// postgres://postgres@127.0.0.1:5432/test) in a schema of its own that is
// dropped afterwards. A missing PostgreSQL fails the test: it is never
// skipped.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/store"
)

// Backend names a database to test against.
type Backend struct {
	Name string
	// DSN returns a fresh, empty database for one test.
	DSN func(t testing.TB) string
}

// PostgresURL is the server the tests use.
func PostgresURL() string {
	if u := os.Getenv("YINGJI_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// Backends returns SQLite and PostgreSQL.
func Backends() []Backend {
	return []Backend{
		{"sqlite", func(t testing.TB) string { return filepath.Join(t.TempDir(), "yingji.db") }},
		{"postgres", PostgresSchema},
	}
}

// PostgresSchema creates an empty schema and returns a URL whose
// search_path points at it; the schema is dropped when the test ends.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	admin, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "yjtest_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("postgres at %s is needed by this test and did not answer: %v", PostgresURL(), err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", PostgresURL())
		if err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens a migrated database with the Baoshan divisions loaded and
// returns it with the division tree.
func Open(t testing.TB, b Backend) (*store.DB, *region.Tree) {
	t.Helper()
	ctx := core.WithActor(context.Background(), core.SystemActor)
	db, err := store.Open(ctx, b.DSN(t))
	if err != nil {
		t.Fatalf("open %s: %v", b.Name, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", b.Name, err)
	}
	tree, err := region.Baoshan()
	if err != nil {
		t.Fatal(err)
	}
	divs, err := region.ParseCSV(bytes.NewReader(region.BaoshanCSV()))
	if err != nil {
		t.Fatal(err)
	}
	bounds, _, err := region.ParseBoundaries(region.BaoshanBoundaries())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.ImportDivisions(ctx, divs, bounds); err != nil {
		t.Fatalf("import divisions: %v", err)
	}
	return db, tree
}
