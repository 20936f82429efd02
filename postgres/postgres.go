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
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is an Ingot database on PostgreSQL. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value
// DSN; pgxpool options such as pool_max_conns are honoured). It does not
// migrate; call Migrate.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	// An acknowledged transfer must survive a crash: never rely on the
	// server's default for synchronous_commit.
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
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

// ---- errors ----

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

// ---- API keys and operators ----

const keyCols = "id, role, operator_id, hash, created_at"

func scanKey(row pgx.Row) (ingot.APIKey, error) {
	var k ingot.APIKey
	var role string
	err := row.Scan(&k.ID, &role, &k.OperatorID, &k.Hash, &k.CreatedAt)
	k.Role = ingot.Role(role)
	k.CreatedAt = k.CreatedAt.UTC()
	return k, err
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func insertKey(ctx context.Context, db execer, key ingot.APIKey) error {
	_, err := db.Exec(ctx, `INSERT INTO api_keys (`+keyCols+`) VALUES ($1, $2, $3, $4, $5)`,
		key.ID, string(key.Role), key.OperatorID, key.Hash, key.CreatedAt)
	if isUniqueViolation(err) {
		return store.ErrConflict
	}
	return err
}

// CreateAPIKey stores a key.
func (s *Store) CreateAPIKey(ctx context.Context, key ingot.APIKey, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		if err := insertKey(ctx, tx, key); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return err
			}
			return fmt.Errorf("postgres: create api key: %w", err)
		}
		return nil
	})
}

// CountAPIKeys counts the keys of a role.
func (s *Store) CountAPIKeys(ctx context.Context, role ingot.Role) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM api_keys WHERE role = $1`, string(role)).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count api keys: %w", err)
	}
	return n, nil
}

// APIKeyByHash finds a key by the SHA-256 of its secret.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (ingot.APIKey, error) {
	k, err := scanKey(s.pool.QueryRow(ctx, `SELECT `+keyCols+` FROM api_keys WHERE hash = $1`, hash))
	if err != nil {
		return ingot.APIKey{}, notFound(err, "api key")
	}
	return k, nil
}

// claimIdem inserts idem in tx unless a record with its key exists; then it
// returns that record. A concurrent uncommitted insert of the same key makes
// PostgreSQL wait for its transaction's end.
func claimIdem(ctx context.Context, tx pgx.Tx, idem *store.IdemRecord) (*store.IdemRecord, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO idempotency (scope, key, hash, status, body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		idem.Scope, idem.Key, idem.Hash, idem.Status, nonNil(idem.Body), idem.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("postgres: insert idempotency record: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil, nil
	}
	rec, err := scanIdem(tx.QueryRow(ctx, `SELECT `+idemCols+` FROM idempotency WHERE scope = $1 AND key = $2`,
		idem.Scope, idem.Key))
	if err != nil {
		return nil, fmt.Errorf("postgres: read idempotency record: %w", err)
	}
	return &rec, nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
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

// errReplay ends a transaction early (rolled back) when an idempotency
// record exists already.
var errReplay = errors.New("replay")

// createWithIdem runs insert in a transaction, after claiming idem when it
// is not nil; an existing record is returned and nothing is written.
func (s *Store) createWithIdem(ctx context.Context, idem *store.IdemRecord, insert func(tx pgx.Tx) error) (*store.IdemRecord, error) {
	var existing *store.IdemRecord
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if idem != nil {
			rec, err := claimIdem(ctx, tx, idem)
			if err != nil {
				return err
			}
			if rec != nil {
				existing = rec
				return errReplay
			}
		}
		return insert(tx)
	})
	if errors.Is(err, errReplay) {
		return existing, nil
	}
	return nil, err
}

// CreateOperator stores an operator and its first API key, with idem.
func (s *Store) CreateOperator(ctx context.Context, op ingot.Operator, key ingot.APIKey, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO operators (id, name, code, created_at) VALUES ($1, $2, $3, $4)`,
			op.ID, op.Name, op.Code, op.CreatedAt)
		if isUniqueViolation(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("postgres: create operator: %w", err)
		}
		if err := insertKey(ctx, tx, key); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return err
			}
			return fmt.Errorf("postgres: create operator key: %w", err)
		}
		return nil
	})
}

const operatorCols = "id, name, code, created_at"

func scanOperators(rows pgx.Rows) ([]ingot.Operator, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.Operator, error) {
		var op ingot.Operator
		err := row.Scan(&op.ID, &op.Name, &op.Code, &op.CreatedAt)
		op.CreatedAt = op.CreatedAt.UTC()
		return op, err
	})
}

// Operator reads an operator.
func (s *Store) Operator(ctx context.Context, id string) (ingot.Operator, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+operatorCols+` FROM operators WHERE id = $1`, id)
	ops, err := scanOperators(rows)
	if err != nil {
		return ingot.Operator{}, fmt.Errorf("postgres: operator: %w", err)
	}
	if len(ops) == 0 {
		return ingot.Operator{}, store.ErrNotFound
	}
	return ops[0], nil
}

// Operators lists operators by id, those with id > after, at most limit.
func (s *Store) Operators(ctx context.Context, after string, limit int) ([]ingot.Operator, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+operatorCols+` FROM operators WHERE id > $1 ORDER BY id LIMIT $2`,
		after, limit)
	ops, err := scanOperators(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: operators: %w", err)
	}
	return ops, nil
}

// ---- accounts ----

// accountColumns are the accounts table's columns, in the order of
// accountValues and scanAccount.
var accountColumns = []string{"id", "kind", "operator_id", "currency", "status", "balance", "held", "wallet_kind",
	"holder_name", "holder_phone", "created_at",
	"tier", "phone_verified", "id_verified", "bank_linked", "in_person", "holding_limit", "reverse_waterfall",
	"sweep_account", "parent_id", "out_day", "out_day_total", "out_year", "out_year_total",
	"holder_kind", "holder_id_number", "holder_phone_hash", "label"}

var accountCols = strings.Join(accountColumns, ", ")

// accountValuesSQL is "$1, $2, ..." for an INSERT of one account.
var accountValuesSQL = func() string {
	p := make([]string, len(accountColumns))
	for i := range p {
		p[i] = fmt.Sprintf("$%d", i+1)
	}
	return strings.Join(p, ", ")
}()

// accountValues are an account's values for accountColumns.
func accountValues(a *ingot.Account) []any {
	ph := a.Holder.PhoneHash
	if ph == nil {
		ph = []byte{}
	}
	return []any{a.ID, string(a.Kind), a.OperatorID, a.Currency, string(a.Status), a.Balance, a.Held,
		string(a.WalletKind), a.Holder.Name, a.Holder.Phone, a.CreatedAt,
		int32(a.Tier), a.Evidence.PhoneVerified, a.Evidence.IDVerified, a.Evidence.BankLinked, a.Evidence.InPerson,
		a.HoldingLimit, a.ReverseWaterfall, a.SweepAccount, a.ParentID,
		a.Outflow.Day, a.Outflow.DayTotal, a.Outflow.Year, a.Outflow.YearTotal,
		string(a.Holder.Kind), a.Holder.IDNumber, ph, a.Label}
}

func scanAccount(row pgx.Row) (ingot.Account, error) {
	var a ingot.Account
	var kind, status, wkind, hkind string
	var tier int32
	err := row.Scan(&a.ID, &kind, &a.OperatorID, &a.Currency, &status, &a.Balance, &a.Held, &wkind,
		&a.Holder.Name, &a.Holder.Phone, &a.CreatedAt,
		&tier, &a.Evidence.PhoneVerified, &a.Evidence.IDVerified, &a.Evidence.BankLinked, &a.Evidence.InPerson,
		&a.HoldingLimit, &a.ReverseWaterfall, &a.SweepAccount, &a.ParentID,
		&a.Outflow.Day, &a.Outflow.DayTotal, &a.Outflow.Year, &a.Outflow.YearTotal,
		&hkind, &a.Holder.IDNumber, &a.Holder.PhoneHash, &a.Label)
	a.Tier, a.Holder.Kind = ingot.Tier(tier), ingot.HolderKind(hkind)
	if len(a.Holder.PhoneHash) == 0 {
		a.Holder.PhoneHash = nil
	}
	a.Kind, a.Status, a.WalletKind = ingot.AccountKind(kind), ingot.Status(status), ingot.WalletKind(wkind)
	a.CreatedAt = a.CreatedAt.UTC()
	return a, err
}

func collectAccounts(rows pgx.Rows, err error) ([]ingot.Account, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.Account, error) { return scanAccount(row) })
}

// CreateAccount stores a new wallet account with a zero balance, with idem.
// A taken id is store.ErrConflict.
func (s *Store) CreateAccount(ctx context.Context, a ingot.Account, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		a.Balance, a.Held = 0, 0
		_, err := tx.Exec(ctx, `INSERT INTO accounts (`+accountCols+`) VALUES (`+accountValuesSQL+`)`, accountValues(&a)...)
		if isUniqueViolation(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("postgres: create account: %w", err)
		}
		return nil
	})
}

// Smallest and first excluded ids of issuance and reserve accounts.
const (
	systemIDMin = 1_000_000
	systemIDMax = 1_000_000_000_000_000
)

// EnsureAccount returns the issuance account (operatorID "") or an
// operator's reserve of a currency, creating it when missing. The unique
// index on (kind, operator_id, currency) makes concurrent creators agree.
func (s *Store) EnsureAccount(ctx context.Context, kind ingot.AccountKind, operatorID, currency string) (ingot.Account, error) {
	if kind != ingot.AccountIssuance && kind != ingot.AccountReserve {
		return ingot.Account{}, fmt.Errorf("postgres: EnsureAccount of kind %q", kind)
	}
	if kind == ingot.AccountIssuance {
		operatorID = ""
	}
	sel := `SELECT ` + accountCols + ` FROM accounts WHERE kind = $1 AND operator_id = $2 AND currency = $3
		AND kind IN ('issuance', 'reserve')`
	for range 10 {
		a, err := scanAccount(s.pool.QueryRow(ctx, sel, string(kind), operatorID, currency))
		if err == nil {
			return a, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return ingot.Account{}, fmt.Errorf("postgres: ensure account: %w", err)
		}
		id := systemIDMin + rand.Int64N(systemIDMax-systemIDMin)
		// Conflicts on the singleton index (another creator won) or,
		// rarely, on the id; either way the SELECT above decides.
		na := ingot.Account{ID: id, Kind: kind, OperatorID: operatorID, Currency: currency, Status: ingot.StatusActive, CreatedAt: time.Now()}
		_, err = s.pool.Exec(ctx, `INSERT INTO accounts (`+accountCols+`) VALUES (`+accountValuesSQL+`) ON CONFLICT DO NOTHING`,
			accountValues(&na)...)
		if err != nil {
			return ingot.Account{}, fmt.Errorf("postgres: ensure account: %w", err)
		}
	}
	return ingot.Account{}, fmt.Errorf("postgres: ensure account %s %q %s: no id found", kind, operatorID, currency)
}

// Account reads an account.
func (s *Store) Account(ctx context.Context, id int64) (ingot.Account, error) {
	a, err := scanAccount(s.pool.QueryRow(ctx, `SELECT `+accountCols+` FROM accounts WHERE id = $1`, id))
	if err != nil {
		return ingot.Account{}, notFound(err, "account %d", id)
	}
	return a, nil
}

// Accounts lists an operator's accounts of a kind by id, after after.
func (s *Store) Accounts(ctx context.Context, operatorID string, kind ingot.AccountKind, after int64, limit int) ([]ingot.Account, error) {
	as, err := collectAccounts(s.pool.Query(ctx, `SELECT `+accountCols+` FROM accounts
		WHERE operator_id = $1 AND kind = $2 AND id > $3 ORDER BY id LIMIT $4`,
		operatorID, string(kind), after, limit))
	if err != nil {
		return nil, fmt.Errorf("postgres: accounts: %w", err)
	}
	return as, nil
}

// Totals sums balances of a currency by account kind.
func (s *Store) Totals(ctx context.Context, currency string) (store.Totals, error) {
	t := store.Totals{Currency: currency}
	rows, _ := s.pool.Query(ctx, `SELECT kind, coalesce(sum(balance), 0)::bigint, coalesce(sum(held), 0)::bigint
		FROM accounts WHERE currency = $1 GROUP BY kind`, currency)
	var kind string
	var bal, held int64
	_, err := pgx.ForEachRow(rows, []any{&kind, &bal, &held}, func() error {
		switch ingot.AccountKind(kind) {
		case ingot.AccountIssuance:
			t.Issuance += bal
		case ingot.AccountReserve:
			t.Reserves += bal
		case ingot.AccountWallet:
			t.Wallets += bal
		}
		t.Held += held
		return nil
	})
	if err != nil {
		return store.Totals{}, fmt.Errorf("postgres: totals: %w", err)
	}
	return t, nil
}

// Currencies lists the currencies that have accounts, sorted. A recursive
// skip scan over accounts_currency reads one index entry per currency.
func (s *Store) Currencies(ctx context.Context) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `WITH RECURSIVE c(currency) AS (
			(SELECT currency FROM accounts ORDER BY currency LIMIT 1)
			UNION ALL
			SELECT (SELECT a.currency FROM accounts a WHERE a.currency > c.currency ORDER BY a.currency LIMIT 1)
			FROM c WHERE c.currency IS NOT NULL
		) SELECT currency FROM c WHERE currency IS NOT NULL ORDER BY currency`)
	cur, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: currencies: %w", err)
	}
	return cur, nil
}

// ---- transfers ----

const transferCols = "id, kind, debit, credit, amount, currency, memo, hold_id, debit_balance, credit_balance, created_at, log_index"

func scanTransfer(row pgx.Row) (ingot.Transfer, error) {
	var t ingot.Transfer
	var kind string
	err := row.Scan(&t.Seq, &t.ID, &kind, &t.Debit, &t.Credit, &t.Amount, &t.Currency, &t.Memo, &t.HoldID,
		&t.DebitBalance, &t.CreditBalance, &t.CreatedAt, &t.LogIndex)
	t.Kind = ingot.TransferKind(kind)
	t.CreatedAt = t.CreatedAt.UTC()
	return t, err
}

// Transfer reads a transfer, with its Seq.
func (s *Store) Transfer(ctx context.Context, id string) (ingot.Transfer, error) {
	t, err := scanTransfer(s.pool.QueryRow(ctx, `SELECT seq, `+transferCols+` FROM transfers WHERE id = $1`, id))
	if err != nil {
		return ingot.Transfer{}, notFound(err, "transfer %s", id)
	}
	return t, nil
}

// AccountTransfers lists the transfers of an account, newest first, with
// Seq < before (before <= 0: from the newest), at most limit. The debit and
// credit sides are two index range scans merged, never an OR scan.
func (s *Store) AccountTransfers(ctx context.Context, account int64, before int64, limit int) ([]ingot.Transfer, error) {
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, _ := s.pool.Query(ctx, `SELECT seq, `+transferCols+` FROM (
			(SELECT * FROM transfers WHERE debit = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3)
			UNION ALL
			(SELECT * FROM transfers WHERE credit = $1 AND debit <> $1 AND seq < $2 ORDER BY seq DESC LIMIT $3)
		) t ORDER BY seq DESC LIMIT $3`, account, before, limit)
	ts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.Transfer, error) { return scanTransfer(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: account transfers: %w", err)
	}
	return ts, nil
}

// ---- holds ----

const holdCols = "id, wallet, operator_id, amount, currency, status, captured, transfer_id, expires_at, created_at, updated_at"

func scanHold(row pgx.Row) (ingot.Hold, error) {
	var h ingot.Hold
	var status string
	err := row.Scan(&h.ID, &h.Wallet, &h.OperatorID, &h.Amount, &h.Currency, &status, &h.Captured, &h.TransferID,
		&h.ExpiresAt, &h.CreatedAt, &h.UpdatedAt)
	h.Status = ingot.HoldStatus(status)
	h.ExpiresAt, h.CreatedAt, h.UpdatedAt = h.ExpiresAt.UTC(), h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	return h, err
}

// Hold reads a hold.
func (s *Store) Hold(ctx context.Context, id string) (ingot.Hold, error) {
	h, err := scanHold(s.pool.QueryRow(ctx, `SELECT `+holdCols+` FROM holds WHERE id = $1`, id))
	if err != nil {
		return ingot.Hold{}, notFound(err, "hold %s", id)
	}
	return h, nil
}

// ExpiredHolds lists ids of pending holds with ExpiresAt <= now, oldest first.
func (s *Store) ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id FROM holds WHERE status = $1 AND expires_at <= $2
		ORDER BY expires_at LIMIT $3`, string(ingot.HoldPending), now, limit)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: expired holds: %w", err)
	}
	return ids, nil
}

// ---- idempotency ----

const idemCols = "scope, key, hash, status, body, created_at"

func scanIdem(row pgx.Row) (store.IdemRecord, error) {
	var r store.IdemRecord
	err := row.Scan(&r.Scope, &r.Key, &r.Hash, &r.Status, &r.Body, &r.CreatedAt)
	r.CreatedAt = r.CreatedAt.UTC()
	return r, err
}

// Idempotency reads a stored idempotency record.
func (s *Store) Idempotency(ctx context.Context, k ingot.IdemKey) (store.IdemRecord, error) {
	r, err := scanIdem(s.pool.QueryRow(ctx, `SELECT `+idemCols+` FROM idempotency WHERE scope = $1 AND key = $2`,
		k.Scope, k.Key))
	if err != nil {
		return store.IdemRecord{}, notFound(err, "idempotency record")
	}
	return r, nil
}

// ---- transparency log ----

type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func readHashes(ctx context.Context, q queryer, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	// Each index is found in the block that starts at or before it.
	rows, _ := q.Query(ctx, `SELECT i.idx, substring(b.hashes from ((i.idx - b.start) * 32 + 1)::int for 32)
		FROM unnest($1::bigint[]) AS i(idx)
		CROSS JOIN LATERAL (SELECT start, hashes FROM log_hash_blocks WHERE start <= i.idx ORDER BY start DESC LIMIT 1) b`, indexes)
	got := make(map[int64]tlog.Hash, len(indexes))
	var idx int64
	var b []byte
	_, err := pgx.ForEachRow(rows, []any{&idx, &b}, func() error {
		if len(b) != tlog.HashSize {
			return nil // past the end of its block: not stored
		}
		got[idx] = tlog.Hash(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read log hashes: %w", err)
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := got[idx]
		if !ok {
			return nil, fmt.Errorf("postgres: log hash %d: %w", idx, store.ErrNotFound)
		}
		out[i] = h
	}
	return out, nil
}

// ReadHashes reads stored log hashes; every index must exist.
func (s *Store) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, s.pool, indexes)
}

const checkpointCols = "size, root, note, created_at"

func scanCheckpoint(row pgx.Row) (ingot.Checkpoint, error) {
	var c ingot.Checkpoint
	var root []byte
	if err := row.Scan(&c.Size, &root, &c.Note, &c.CreatedAt); err != nil {
		return ingot.Checkpoint{}, err
	}
	if len(root) != tlog.HashSize {
		return ingot.Checkpoint{}, fmt.Errorf("checkpoint %d root has %d bytes", c.Size, len(root))
	}
	c.Root = tlog.Hash(root)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}

// LatestCheckpoint is the checkpoint of the largest tree.
func (s *Store) LatestCheckpoint(ctx context.Context) (ingot.Checkpoint, error) {
	c, err := scanCheckpoint(s.pool.QueryRow(ctx, `SELECT `+checkpointCols+` FROM checkpoints ORDER BY size DESC LIMIT 1`))
	if err != nil {
		return ingot.Checkpoint{}, notFound(err, "latest checkpoint")
	}
	return c, nil
}

// Checkpoint is the checkpoint of a tree size.
func (s *Store) Checkpoint(ctx context.Context, size int64) (ingot.Checkpoint, error) {
	c, err := scanCheckpoint(s.pool.QueryRow(ctx, `SELECT `+checkpointCols+` FROM checkpoints WHERE size = $1`, size))
	if err != nil {
		return ingot.Checkpoint{}, notFound(err, "checkpoint %d", size)
	}
	return c, nil
}

// Checkpoints lists checkpoints with size > after, ascending.
func (s *Store) Checkpoints(ctx context.Context, after int64, limit int) ([]ingot.Checkpoint, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+checkpointCols+` FROM checkpoints WHERE size > $1 ORDER BY size LIMIT $2`, after, limit)
	cs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.Checkpoint, error) { return scanCheckpoint(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: checkpoints: %w", err)
	}
	return cs, nil
}

// LogTransfers lists transfers by log index, from the given one.
func (s *Store) LogTransfers(ctx context.Context, from int64, limit int) ([]ingot.Transfer, error) {
	rows, _ := s.pool.Query(ctx, `SELECT seq, `+transferCols+` FROM transfers WHERE log_index >= $1 ORDER BY log_index LIMIT $2`, max(from, 0), limit)
	ts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.Transfer, error) { return scanTransfer(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: log transfers: %w", err)
	}
	return ts, nil
}

// CountTransfers counts all transfers.
func (s *Store) CountTransfers(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM transfers`).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count transfers: %w", err)
	}
	return n, nil
}

// AllAccounts lists every account by id.
func (s *Store) AllAccounts(ctx context.Context, after int64, limit int) ([]ingot.Account, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+accountCols+` FROM accounts WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	as, err := collectAccounts(rows, err)
	if err != nil {
		return nil, fmt.Errorf("postgres: all accounts: %w", err)
	}
	return as, nil
}

// AllHolds lists every hold by id.
func (s *Store) AllHolds(ctx context.Context, after string, limit int) ([]ingot.Hold, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+holdCols+` FROM holds WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	hs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.Hold, error) { return scanHold(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: all holds: %w", err)
	}
	return hs, nil
}

// ---- KYC ----

// AccountsByPhone lists an operator's wallets with a holder phone hash.
func (s *Store) AccountsByPhone(ctx context.Context, operatorID string, h []byte) ([]ingot.Account, error) {
	as, err := collectAccounts(s.pool.Query(ctx, `SELECT `+accountCols+` FROM accounts
		WHERE operator_id = $1 AND holder_phone_hash = $2 AND kind = 'wallet' ORDER BY id`, operatorID, h))
	if err != nil {
		return nil, fmt.Errorf("postgres: accounts by phone: %w", err)
	}
	return as, nil
}

// SubWallets lists the wallets whose parent is the given wallet.
func (s *Store) SubWallets(ctx context.Context, parent int64) ([]ingot.Account, error) {
	as, err := collectAccounts(s.pool.Query(ctx, `SELECT `+accountCols+` FROM accounts WHERE parent_id = $1 AND parent_id <> 0 ORDER BY id`, parent))
	if err != nil {
		return nil, fmt.Errorf("postgres: sub-wallets: %w", err)
	}
	return as, nil
}

const upsertLimitRuleSQL = `INSERT INTO tier_limits (operator_id, currency, wallet_kind, tier, balance, single, daily, yearly, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
	ON CONFLICT (operator_id, currency, wallet_kind, tier) DO UPDATE SET balance = excluded.balance,
		single = excluded.single, daily = excluded.daily, yearly = excluded.yearly, updated_at = excluded.updated_at`

func limitRuleArgs(r ingot.LimitRule) []any {
	return []any{r.OperatorID, r.Currency, string(r.WalletKind), int32(r.Tier), r.Limits.Balance, r.Limits.Single, r.Limits.Daily, r.Limits.Yearly, r.UpdatedAt}
}

// SetLimitRule stores a limit rule, replacing the one with its key.
func (s *Store) SetLimitRule(ctx context.Context, r ingot.LimitRule) error {
	_, err := s.pool.Exec(ctx, upsertLimitRuleSQL, limitRuleArgs(r)...)
	if err != nil {
		return fmt.Errorf("postgres: set limit rule: %w", err)
	}
	return nil
}

func limitRules(ctx context.Context, q queryer, operatorIDs []string) ([]ingot.LimitRule, error) {
	if len(operatorIDs) == 0 {
		return nil, nil
	}
	rows, _ := q.Query(ctx, `SELECT operator_id, currency, wallet_kind, tier, balance, single, daily, yearly, updated_at
		FROM tier_limits WHERE operator_id = ANY($1) ORDER BY operator_id, currency, wallet_kind, tier`, operatorIDs)
	rs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.LimitRule, error) {
		var r ingot.LimitRule
		var wk string
		var tier int32
		err := row.Scan(&r.OperatorID, &r.Currency, &wk, &tier, &r.Limits.Balance, &r.Limits.Single, &r.Limits.Daily, &r.Limits.Yearly, &r.UpdatedAt)
		r.WalletKind, r.Tier, r.UpdatedAt = ingot.WalletKind(wk), ingot.Tier(tier), r.UpdatedAt.UTC()
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: limit rules: %w", err)
	}
	return rs, nil
}

// LimitRules lists the limit rules of the given operators.
func (s *Store) LimitRules(ctx context.Context, operatorIDs []string) ([]ingot.LimitRule, error) {
	return limitRules(ctx, s.pool, operatorIDs)
}

// LimitRules lists the limit rules of the given operators in the batch.
func (b *batchTx) LimitRules(ctx context.Context, operatorIDs []string) ([]ingot.LimitRule, error) {
	return limitRules(ctx, b.tx, operatorIDs)
}
