// Package store is the one SQL store of Yingji, for SQLite (the embedded
// default, modernc.org/sqlite) and PostgreSQL (pgx). Each query is written
// once with ? placeholders; what differs between the two (placeholders, DDL,
// error codes, row locks) sits behind the dialect type.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/yingji/yingji/internal/region"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/yingji/yingji/internal/registry"
)

// dialect is everything that differs between the two databases.
type dialect struct {
	name string
	// forUpdate is appended to a SELECT that must lock its rows until the
	// transaction ends; SQLite's write transactions are already exclusive.
	forUpdate string
}

var (
	sqliteDialect   = dialect{name: "sqlite"}
	postgresDialect = dialect{name: "postgres", forUpdate: " FOR UPDATE"}
)

// rebind rewrites ? placeholders for PostgreSQL ($1, $2, …). Queries in this
// package never contain a literal question mark.
func (d dialect) rebind(q string) string {
	if d.name != "postgres" || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// isUnique reports whether err is a unique-constraint violation.
func (d dialect) isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// isForeignKey reports whether err is a foreign-key violation.
func (d dialect) isForeignKey(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// DB is an open store.
type DB struct {
	sql *sql.DB
	d   dialect
	// wmu queues SQLite's writers in the process. SQLite allows one writer;
	// without this, waiting writers poll with sleeps that grow to 100 ms,
	// which an alarm waiting behind a batch of readings must not pay.
	wmu sync.Mutex
	// DSN is what the store was opened with, without a password.
	DSN string
	// auditAlg is the audit chain's hash for new entries (SetAuditHash).
	auditAlg string
	// fields seals registry records' personal fields (SetSealer); nil
	// stores them in clear.
	fields registry.Sealer
}

// Open opens the database at dsn: a postgres:// or postgresql:// URL, or a
// SQLite file path (its folder is created). It does not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var db *DB
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sdb, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		sdb.SetMaxOpenConns(16)
		sdb.SetMaxIdleConns(16)
		db = &DB{sql: sdb, d: postgresDialect, DSN: redact(dsn)}
	} else {
		path := strings.TrimPrefix(dsn, "sqlite:")
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: create folder for %s: %w", path, err)
			}
		}
		// _txlock=immediate takes the write lock at BEGIN, so two writers
		// queue on the busy timeout instead of failing on lock upgrade.
		q := "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)&_txlock=immediate"
		sdb, err := sql.Open("sqlite", "file:"+path+q)
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
		}
		sdb.SetMaxOpenConns(8)
		db = &DB{sql: sdb, d: sqliteDialect, DSN: path}
	}
	if err := db.sql.PingContext(ctx); err != nil {
		db.sql.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", db.DSN, err)
	}
	return db, nil
}

func redact(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 {
		return dsn
	}
	cred := dsn[scheme+3 : at]
	if i := strings.Index(cred, ":"); i >= 0 {
		return dsn[:scheme+3] + cred[:i] + ":***" + dsn[at:]
	}
	return dsn
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.d.name }

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Ping checks that the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// SQL exposes the pool for metrics (sql.DBStats).
func (db *DB) SQL() *sql.DB { return db.sql }

// tx is a transaction that rebinds its queries.
type tx struct {
	*sql.Tx
	d dialect
	// auditAlg is the hash algorithm of the audit entries it writes.
	auditAlg string
	// fields seals registry records' personal fields.
	fields registry.Sealer
}

func (t *tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.ExecContext(ctx, t.d.rebind(q), args...)
}

func (t *tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.QueryContext(ctx, t.d.rebind(q), args...)
}

func (t *tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.QueryRowContext(ctx, t.d.rebind(q), args...)
}

// inTx runs fn in a transaction, committing when it returns nil.
func (db *DB) inTx(ctx context.Context, fn func(*tx) error) error {
	if db.d.name == "sqlite" {
		db.wmu.Lock()
		defer db.wmu.Unlock()
	}
	stx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	t := &tx{Tx: stx, d: db.d, auditAlg: db.auditAlg, fields: db.fields}
	if err := fn(t); err != nil {
		stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.sql.QueryContext(ctx, db.d.rebind(q), args...)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.sql.QueryRowContext(ctx, db.d.rebind(q), args...)
}

// exec runs a statement that writes, queued with the other writers.
func (db *DB) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if db.d.name == "sqlite" {
		db.wmu.Lock()
		defer db.wmu.Unlock()
	}
	return db.sql.ExecContext(ctx, db.d.rebind(q), args...)
}

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// filter builds a list query's WHERE clause and its arguments; it starts
// as " WHERE 1 = 1" and each condition is ANDed on.
type filter struct {
	where string
	args  []any
}

func newFilter() *filter { return &filter{where: ` WHERE 1 = 1`} }

// add appends " AND cond" and cond's arguments.
func (f *filter) add(cond string, args ...any) {
	f.where += ` AND ` + cond
	f.args = append(f.args, args...)
}

// division keeps the rows whose col is in division code or under it; ""
// keeps all.
func (f *filter) division(col, code string) {
	if code != "" {
		f.add(col+` LIKE ?`, region.Prefix(code)+"%")
	}
}

// scope appends a clause from scopeClause or dutyScope as it is.
func (f *filter) scope(sc string, args []any) {
	f.where += sc
	f.args = append(f.args, args...)
}

// filterIn keeps the rows whose col is one of vals; none keeps all.
func filterIn[T ~string](f *filter, col string, vals []T) {
	if len(vals) == 0 {
		return
	}
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = string(v)
	}
	f.add(col+` IN (`+placeholders(len(vals))+`)`, args...)
}
