// Package sqlite is the SQLite implementation of store.Store, for a single
// node. It keeps two handles on one database file: a writer with a single
// connection, whose transactions start with BEGIN IMMEDIATE and so hold the
// write lock from the start, and a pool of query-only readers which, in WAL
// mode, never wait for the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"

	"github.com/ingot-cbdc/ingot/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// busyTimeout is how long a connection waits for another process's lock.
const busyTimeout = 10 * time.Second

// Store is an Ingot database in one SQLite file.
type Store struct {
	w *writer // one connection, BEGIN IMMEDIATE, group commit (durable.go)
	r *reader // query-only pool
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it if needed) the database at path, in WAL mode with
// synchronous=FULL: a committed transaction survives a power loss. It does
// not migrate; call Migrate.
func Open(path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: create directory: %w", err)
		}
	}
	common := url.Values{}
	common.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	common.Set("_foreign_keys", "on")

	wq := url.Values{}
	for k, v := range common {
		wq[k] = v
	}
	wq.Set("_journal_mode", "WAL")
	// NORMAL: a commit does not wait for the disk; walSync (durable.go)
	// does, outside the write lock, before anything is acknowledged.
	wq.Set("_synchronous", "NORMAL")
	// A 64 MiB page cache for the writer, so that the pages of accounts and
	// indexes that batches touch stay in memory.
	wq.Set("_cache_size", "-65536")
	wq.Set("_txlock", "immediate")
	w, err := sql.Open(writerDriver, "file:"+escapePath(path)+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Connect now: this creates the file and switches it to WAL before any
	// reader opens it.
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	rq := url.Values{}
	for k, v := range common {
		rq[k] = v
	}
	rq.Set("_query_only", "true")
	r, err := sql.Open("sqlite3", "file:"+escapePath(path)+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.Ping(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlite: open readers %s: %w", path, err)
	}
	ws := newWALSync(path)
	return &Store{w: &writer{db: w, sync: ws}, r: &reader{db: r, sync: ws}}, nil
}

// escapePath makes path safe inside a file: URI (go-sqlite3 splits the DSN
// at the first '?').
func escapePath(path string) string {
	u := url.URL{Path: path}
	return u.EscapedPath()
}

// Migrate applies the embedded migrations that are not applied yet.
func (s *Store) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.w.db, sub)
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	// p.Close would close s.w: not called.
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	// The migrations committed without waiting for the disk.
	return s.w.sync.flush()
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Role is always store.RolePrimary: an SQLite file has no replicas.
func (s *Store) Role(ctx context.Context) (store.Role, error) {
	if err := s.Ping(ctx); err != nil {
		return "", err
	}
	return store.RolePrimary, nil
}

// Close closes both handles.
func (s *Store) Close() error {
	return errors.Join(s.r.db.Close(), s.w.db.Close(), s.w.sync.close())
}

// Pragmas reports the writer's journal mode and synchronous level (1 is
// NORMAL: the store itself syncs the WAL before a write returns, see
// durable.go), on which durability depends.
func (s *Store) Pragmas(ctx context.Context) (journalMode string, synchronous int, err error) {
	if err := s.w.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journalMode); err != nil {
		return "", 0, fmt.Errorf("sqlite: pragma journal_mode: %w", err)
	}
	if err := s.w.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&synchronous); err != nil {
		return "", 0, fmt.Errorf("sqlite: pragma synchronous: %w", err)
	}
	return journalMode, synchronous, nil
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func isUnique(err error) bool {
	var e sqlite3.Error
	if errors.As(err, &e) {
		return e.ExtendedCode == sqlite3.ErrConstraintUnique || e.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	return false
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}

type scanner interface{ Scan(dest ...any) error }

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func jsonArray(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// nullMicros is t in microseconds, or NULL for the zero time ("never").
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return micros(t)
}

// fromNullMicros is the time of a nullable column; NULL is the zero time.
func fromNullMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMicros(v.Int64)
}

// nullBytes stores an empty byte slice as NULL; emptyNil reads it back nil.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func emptyNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// nonNil is b, or an empty slice for nil: go-sqlite3 binds a nil []byte
// as NULL, which a NOT NULL blob column refuses.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// scopesValue is an API key's scopes as stored: a JSON array, or NULL for
// nil (a key made before scopes, which has every scope of its role). An
// empty, non-nil list is stored as [] and stays empty: no scope at all.
func scopesValue(scopes []string) (any, error) {
	if scopes == nil {
		return nil, nil
	}
	return jsonArray(scopes)
}

// parseScopes reads what scopesValue stored.
func parseScopes(v sql.NullString) ([]string, error) {
	if !v.Valid {
		return nil, nil
	}
	scopes := []string{}
	if err := json.Unmarshal([]byte(v.String), &scopes); err != nil {
		return nil, fmt.Errorf("scopes %q: %w", v.String, err)
	}
	return scopes, nil
}
