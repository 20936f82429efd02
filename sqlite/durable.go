package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/mattn/go-sqlite3"
)

// Group commit.
//
// The writer runs with synchronous=NORMAL: a COMMIT writes the transaction's
// pages to the WAL and releases the write lock without waiting for the disk.
// Before anything is acknowledged, walSync fsyncs the WAL file, outside the
// lock, so the next transaction is built while this one reaches the disk,
// and one fsync covers every commit written before it. An acknowledged
// commit is therefore on disk exactly as with synchronous=FULL; what
// changes is who waits. SQLite's own checkpoints still sync the WAL before
// copying it and the database after (NORMAL keeps those syncs).
//
// The WAL is appended in commit order and recovered only up to its first
// invalid frame, so a commit that reached the disk implies every commit
// before it did. Readers, which in WAL mode could see a commit whose fsync
// is still running, first wait for it (reader.wait): nobody sees a state
// that a power loss could take back.

// walSync counts the writer's commits and how many of them are on disk.
type walSync struct {
	path string // the WAL file

	mu      sync.Mutex
	cond    *sync.Cond
	begun   uint64 // commits started
	done    uint64 // commits finished (written to the WAL or failed)
	synced  uint64 // commits on disk
	syncing bool
	fsyncs  uint64 // fsyncs done (several commits share one)
	f       *os.File
}

func newWALSync(dbPath string) *walSync {
	w := &walSync{path: dbPath + "-wal"}
	w.cond = sync.NewCond(&w.mu)
	return w
}

// begin is called just before a COMMIT, by whoever holds the writer's one
// connection (so commits are numbered in the order they happen, and a
// commit begun is one running, never one waiting for the connection); end
// with its number just after.
func (w *walSync) begin() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.begun++
	return w.begun
}

func (w *walSync) end(n uint64) {
	w.mu.Lock()
	w.done = max(w.done, n)
	w.cond.Broadcast()
	w.mu.Unlock()
}

// through returns once commit n (and so every earlier one) is on disk.
func (w *walSync) through(n uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.synced < n {
		if w.syncing || w.done < n {
			w.cond.Wait()
			continue
		}
		target := w.done
		w.syncing = true
		w.mu.Unlock()
		err := w.fsync()
		w.mu.Lock()
		w.syncing = false
		if err == nil {
			w.synced = max(w.synced, target)
			w.fsyncs++
		}
		w.cond.Broadcast()
		if err != nil {
			return err
		}
	}
	return nil
}

// flush returns once everything committed so far is on disk.
func (w *walSync) flush() error {
	n := w.begin()
	w.end(n)
	return w.through(n)
}

// visible returns once every commit started so far is on disk: what a
// reader is about to see can no longer be lost.
func (w *walSync) visible() error {
	w.mu.Lock()
	n := w.begun
	clean := w.synced >= n
	w.mu.Unlock()
	if clean {
		return nil
	}
	return w.through(n)
}

// fsync flushes the WAL file; a database without a WAL yet has nothing to
// flush. Called by one goroutine at a time.
func (w *walSync) fsync() error {
	if w.f == nil {
		f, err := os.OpenFile(w.path, os.O_RDWR, 0)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sqlite: open the WAL to sync it: %w", err)
		}
		w.f = f
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sqlite: sync the WAL: %w", err)
	}
	return nil
}

func (w *walSync) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

// writerDriver is go-sqlite3 with the writer's per-connection settings
// that its DSN cannot carry.
const writerDriver = "sqlite3_ingot_writer"

// walAutocheckpoint is the WAL size, in pages, after which a commit
// checkpoints it (SQLite's default is 1,000). Batches rewrite the same
// account and index pages; a longer WAL copies each of them back to the
// database once per checkpoint instead of ten times (docs/performance.md).
const walAutocheckpoint = 10000

func init() {
	sql.Register(writerDriver, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", walAutocheckpoint), nil)
			return err
		},
	})
}

// writer is the single-connection writer handle. Every write through it is
// on disk when its method (or its transaction's Commit) returns.
type writer struct {
	db   *sql.DB
	sync *walSync
}

// ExecContext runs one statement in its own transaction and waits for the
// disk.
func (w *writer) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := w.autocommit(ctx, func(c *sql.Conn) (err error) {
		res, err = c.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// autocommit runs f, one statement in its own transaction, on the
// writer's connection, numbering its commit while it holds the connection,
// and waits for the disk.
func (w *writer) autocommit(ctx context.Context, f func(*sql.Conn) error) error {
	c, err := w.db.Conn(ctx)
	if err != nil {
		return err
	}
	n := w.sync.begin()
	err = f(c)
	w.sync.end(n)
	c.Close()
	if err != nil {
		return err
	}
	return w.sync.through(n)
}

// QueryRowContext prepares one statement (a write with RETURNING, or a
// PRAGMA) that runs in its own transaction when the row is scanned; Scan
// returns once the write is on disk.
func (w *writer) QueryRowContext(ctx context.Context, query string, args ...any) *syncRow {
	return &syncRow{w: w, ctx: ctx, query: query, args: args}
}

// syncRow is a row of the writer, read and made durable by Scan.
type syncRow struct {
	w     *writer
	ctx   context.Context
	query string
	args  []any
}

func (r *syncRow) Scan(dest ...any) error {
	return r.w.autocommit(r.ctx, func(c *sql.Conn) error {
		return c.QueryRowContext(r.ctx, r.query, r.args...).Scan(dest...)
	})
}

// QueryContext runs one statement returning rows (an UPDATE ... RETURNING)
// and hands them to collect, which must close them; then it waits for the
// disk.
func (w *writer) QueryContext(ctx context.Context, collect func(*sql.Rows, error) error, query string, args ...any) error {
	return w.autocommit(ctx, func(c *sql.Conn) error {
		return collect(c.QueryContext(ctx, query, args...))
	})
}

// BeginTx opens a BEGIN IMMEDIATE transaction whose Commit waits for the
// disk.
func (w *writer) BeginTx(ctx context.Context) (*wtx, error) {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &wtx{Tx: tx, sync: w.sync}, nil
}

// wtx is a writer transaction.
type wtx struct {
	*sql.Tx
	sync *walSync
	n    uint64
}

// Commit commits and waits for the disk.
func (t *wtx) Commit() error {
	if err := t.commit(); err != nil {
		return err
	}
	return t.sync.through(t.n)
}

// commit commits without waiting for the disk; durable waits.
func (t *wtx) commit() error {
	t.n = t.sync.begin()
	err := t.Tx.Commit()
	t.sync.end(t.n)
	return err
}

func (t *wtx) durable() error { return t.sync.through(t.n) }

// reader is the pool of query-only connections. A query first waits until
// every commit started before it is on disk (walSync.visible).
type reader struct {
	db   *sql.DB
	sync *walSync
}

func (r *reader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := r.sync.visible(); err != nil {
		return nil, err
	}
	return r.db.QueryContext(ctx, query, args...)
}

// ExecContext is refused by the query-only connections; it is here so
// that the reader serves as a querier.
func (r *reader) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.db.ExecContext(ctx, query, args...)
}

// QueryRowContext is sql.DB's; should the WAL fail to sync, the query runs
// anyway and the failure is the writer's to report.
func (r *reader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	_ = r.sync.visible()
	return r.db.QueryRowContext(ctx, query, args...)
}
