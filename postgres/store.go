// Package postgres is the PostgreSQL implementation of store.Store, on pgx
// (pgxpool) with migrations embedded and applied by goose.
//
// Several processes may serve one database: batches lock the accounts and
// holds they touch (SELECT ... FOR UPDATE in id order), idempotency records
// are claimed by INSERT ... ON CONFLICT DO NOTHING, and system accounts are
// created race-free through a unique index. Migrate holds a PostgreSQL
// advisory lock, so processes starting together migrate one at a time.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/ingot-cbdc/ingot/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is an Ingot database on PostgreSQL. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// Timeouts that bound waiting for a server that is gone or failing over,
// unless the URL sets its own (connect_timeout, pool_ping_timeout).
const (
	// DefaultConnectTimeout bounds making a connection, TLS and
	// authentication included.
	DefaultConnectTimeout = 5 * time.Second
	// DefaultPingTimeout bounds the liveness check of a connection that
	// was idle for more than a second, before it is used again.
	DefaultPingTimeout = 3 * time.Second
)

// Open connects to the database at url (a postgres:// URL or a key=value
// DSN; pgxpool options such as pool_max_conns are honoured). It does not
// migrate; call Migrate.
//
// Connections are made within DefaultConnectTimeout and idle ones checked
// within DefaultPingTimeout (the URL's connect_timeout and
// pool_ping_timeout win), so that a server that died or hangs costs a
// bounded wait; a statement is bounded by its caller's context (the
// engine's batch: 30 s), or by statement_timeout in the URL. The pool
// replaces broken connections by itself: after a failover behind a proxy
// (docs/high-availability.md) the next statements reach the new leader.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	// An acknowledged transfer must survive a crash: never rely on the
	// server's default for synchronous_commit.
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.PingTimeout == 0 {
		cfg.PingTimeout = DefaultPingTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Role reports whether the server is the primary or a replica (in
// recovery: pg_is_in_recovery()).
func (s *Store) Role(ctx context.Context) (store.Role, error) {
	var recovery bool
	if err := s.pool.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&recovery); err != nil {
		return "", fmt.Errorf("postgres: role: %w", err)
	}
	if recovery {
		return store.RoleReplica, nil
	}
	return store.RolePrimary, nil
}

// migrateLockID is the advisory lock key held while migrating
// (an arbitrary constant, distinct from goose's default).
const migrateLockID int64 = 0x1c7a_5e0d_9b3f_6a21

// advisoryLocker is a goose SessionLocker that waits on pg_advisory_lock
// (goose's own polls pg_try_advisory_lock every 5 seconds).
type advisoryLocker struct{}

func (advisoryLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrateLockID)
	return err
}

func (advisoryLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", migrateLockID)
	return err
}

// Migrate applies the embedded migrations that are not applied yet. It is
// safe to run from several processes at once.
func (s *Store) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	db := stdlib.OpenDB(*s.pool.Config().ConnConfig.Copy())
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub,
		goose.WithSessionLocker(advisoryLocker{}),
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// notFound maps pgx.ErrNoRows to store.ErrNotFound, wrapping other errors.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	return fmt.Errorf("postgres: "+format+": %w", append(args, err)...)
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// nullTime is t, or NULL for the zero time ("never").
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// fromNullTime is the time of a nullable column, in UTC; NULL is the zero
// time.
func fromNullTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
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

// scopesValue is an API key's scopes as stored: a JSON array, or NULL for
// nil (a key made before scopes, which has every scope of its role). An
// empty, non-nil list is stored as [] and stays empty: no scope at all.
func scopesValue(scopes []string) (any, error) {
	if scopes == nil {
		return nil, nil
	}
	b, err := json.Marshal(scopes)
	return string(b), err
}

// parseScopes reads what scopesValue stored.
func parseScopes(v *string) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	scopes := []string{}
	if err := json.Unmarshal([]byte(*v), &scopes); err != nil {
		return nil, fmt.Errorf("scopes %q: %w", *v, err)
	}
	return scopes, nil
}
