// Package sqlite is the SQLite implementation of store.Store, for a single
// node. It keeps two handles on one database file: a writer with a single
// connection, whose transactions start with BEGIN IMMEDIATE and so hold the
// write lock from the start, and a pool of query-only readers which, in WAL
// mode, never wait for the writer.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// busyTimeout is how long a connection waits for another process's lock.
const busyTimeout = 10 * time.Second

// Store is an Ingot database in one SQLite file.
type Store struct {
	w *sql.DB // one connection, BEGIN IMMEDIATE, synchronous=FULL
	r *sql.DB // query-only pool
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
	wq.Set("_synchronous", "FULL")
	wq.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite3", "file:"+escapePath(path)+"?"+wq.Encode())
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
	return &Store{w: w, r: r}, nil
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
	p, err := goose.NewProvider(goose.DialectSQLite3, s.w, sub)
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	// p.Close would close s.w: not called.
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes both handles.
func (s *Store) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

// ---- helpers ----

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

// ---- API keys ----

// CreateAPIKey stores a key.
func (s *Store) CreateAPIKey(ctx context.Context, k ingot.APIKey, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "create api key", idem, func(tx *sql.Tx) error {
		if err := insertAPIKey(ctx, tx, k); err != nil {
			if isUnique(err) {
				return store.ErrConflict
			}
			return fmt.Errorf("sqlite: create api key: %w", err)
		}
		return nil
	})
}

func insertAPIKey(ctx context.Context, q querier, k ingot.APIKey) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO api_keys (id, role, operator_id, hash, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.ID, string(k.Role), k.OperatorID, k.Hash, micros(k.CreatedAt))
	return err
}

// CountAPIKeys counts the keys of a role.
func (s *Store) CountAPIKeys(ctx context.Context, role ingot.Role) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM api_keys WHERE role = ?`, string(role)).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count api keys: %w", err)
	}
	return n, nil
}

// APIKeyByHash finds a key by the SHA-256 of its secret.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (ingot.APIKey, error) {
	var k ingot.APIKey
	var role string
	var created int64
	err := s.r.QueryRowContext(ctx,
		`SELECT id, role, operator_id, hash, created_at FROM api_keys WHERE hash = ?`, hash).
		Scan(&k.ID, &role, &k.OperatorID, &k.Hash, &created)
	if err != nil {
		return ingot.APIKey{}, notFound(err, "api key")
	}
	k.Role = ingot.Role(role)
	k.CreatedAt = fromMicros(created)
	return k, nil
}

// ---- idempotency ----

const idemCols = `scope, key, hash, status, body, created_at`

func scanIdem(sc scanner) (store.IdemRecord, error) {
	var r store.IdemRecord
	var created int64
	if err := sc.Scan(&r.Scope, &r.Key, &r.Hash, &r.Status, &r.Body, &created); err != nil {
		return store.IdemRecord{}, err
	}
	r.CreatedAt = fromMicros(created)
	return r, nil
}

// Idempotency reads a stored idempotency record.
func (s *Store) Idempotency(ctx context.Context, k ingot.IdemKey) (store.IdemRecord, error) {
	r, err := scanIdem(s.r.QueryRowContext(ctx,
		`SELECT `+idemCols+` FROM idempotency WHERE scope = ? AND key = ?`, k.Scope, k.Key))
	if err != nil {
		return store.IdemRecord{}, notFound(err, "idempotency")
	}
	return r, nil
}

const insertIdemSQL = `INSERT INTO idempotency (` + idemCols + `) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

func idemArgs(r *store.IdemRecord) []any {
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	hash := r.Hash
	if hash == nil {
		hash = []byte{}
	}
	return []any{r.Scope, r.Key, hash, r.Status, body, micros(r.CreatedAt)}
}

// claimIdem inserts idem inside tx. When a record with its key exists
// already, it returns that record and false.
func claimIdem(ctx context.Context, tx *sql.Tx, idem *store.IdemRecord) (*store.IdemRecord, bool, error) {
	res, err := tx.ExecContext(ctx, insertIdemSQL, idemArgs(idem)...)
	if err != nil {
		return nil, false, fmt.Errorf("insert idempotency: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, false, err
	}
	if n == 1 {
		return nil, true, nil
	}
	old, err := scanIdem(tx.QueryRowContext(ctx,
		`SELECT `+idemCols+` FROM idempotency WHERE scope = ? AND key = ?`, idem.Scope, idem.Key))
	if err != nil {
		return nil, false, fmt.Errorf("read idempotency: %w", err)
	}
	return &old, false, nil
}

// createWithIdem runs insert in a transaction on the writer, after claiming
// idem when it is not nil: when a record with idem's key exists already, it
// is returned and nothing is written. what names the caller in errors.
func (s *Store) createWithIdem(ctx context.Context, what string, idem *store.IdemRecord, insert func(tx *sql.Tx) error) (*store.IdemRecord, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: begin: %w", what, err)
	}
	defer tx.Rollback()
	if idem != nil {
		old, fresh, err := claimIdem(ctx, tx, idem)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", what, err)
		}
		if !fresh {
			return old, nil
		}
	}
	if err := insert(tx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: commit: %w", what, err)
	}
	return nil, nil
}

// ---- operators ----

// CreateOperator stores an operator and its first key, with idem. It returns
// (nil, nil) when it wrote them, and the existing record (writing nothing)
// when idem's key was used already.
func (s *Store) CreateOperator(ctx context.Context, op ingot.Operator, key ingot.APIKey, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "create operator", idem, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO operators (id, name, code, created_at) VALUES (?, ?, ?, ?)`,
			op.ID, op.Name, op.Code, micros(op.CreatedAt))
		if err != nil {
			if isUnique(err) {
				return store.ErrConflict
			}
			return fmt.Errorf("sqlite: create operator: %w", err)
		}
		if err := insertAPIKey(ctx, tx, key); err != nil {
			if isUnique(err) {
				return store.ErrConflict
			}
			return fmt.Errorf("sqlite: create operator key: %w", err)
		}
		return nil
	})
}

const operatorCols = `id, name, code, created_at`

func scanOperator(sc scanner) (ingot.Operator, error) {
	var o ingot.Operator
	var created int64
	if err := sc.Scan(&o.ID, &o.Name, &o.Code, &created); err != nil {
		return ingot.Operator{}, err
	}
	o.CreatedAt = fromMicros(created)
	return o, nil
}

// Operator reads an operator.
func (s *Store) Operator(ctx context.Context, id string) (ingot.Operator, error) {
	o, err := scanOperator(s.r.QueryRowContext(ctx, `SELECT `+operatorCols+` FROM operators WHERE id = ?`, id))
	if err != nil {
		return ingot.Operator{}, notFound(err, "operator")
	}
	return o, nil
}

// Operators lists operators by id, after the given one.
func (s *Store) Operators(ctx context.Context, after string, limit int) ([]ingot.Operator, error) {
	rows, err := s.r.QueryContext(ctx,
		`SELECT `+operatorCols+` FROM operators WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: operators: %w", err)
	}
	defer rows.Close()
	var out []ingot.Operator
	for rows.Next() {
		o, err := scanOperator(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: operators: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: operators: %w", err)
	}
	return out, nil
}

// ---- accounts ----

const accountCols = `id, kind, operator_id, currency, status, balance, held, wallet_kind, holder_name, holder_phone, created_at,
	tier, phone_verified, id_verified, bank_linked, in_person, holding_limit, reverse_waterfall, sweep_account, parent_id,
	out_day, out_day_total, out_year, out_year_total, holder_kind, holder_id_number, holder_phone_hash, label`

// accountParams is the number of accountCols.
const accountParams = 28

func scanAccount(sc scanner) (ingot.Account, error) {
	var a ingot.Account
	var kind, status, wk, hk string
	var created int64
	var tier int
	if err := sc.Scan(&a.ID, &kind, &a.OperatorID, &a.Currency, &status, &a.Balance, &a.Held,
		&wk, &a.Holder.Name, &a.Holder.Phone, &created,
		&tier, &a.Evidence.PhoneVerified, &a.Evidence.IDVerified, &a.Evidence.BankLinked, &a.Evidence.InPerson,
		&a.HoldingLimit, &a.ReverseWaterfall, &a.SweepAccount, &a.ParentID,
		&a.Outflow.Day, &a.Outflow.DayTotal, &a.Outflow.Year, &a.Outflow.YearTotal,
		&hk, &a.Holder.IDNumber, &a.Holder.PhoneHash, &a.Label); err != nil {
		return ingot.Account{}, err
	}
	a.Tier = ingot.Tier(tier)
	a.Holder.Kind = ingot.HolderKind(hk)
	if len(a.Holder.PhoneHash) == 0 {
		a.Holder.PhoneHash = nil
	}
	a.Kind = ingot.AccountKind(kind)
	a.Status = ingot.Status(status)
	a.WalletKind = ingot.WalletKind(wk)
	a.CreatedAt = fromMicros(created)
	return a, nil
}

func scanAccounts(rows *sql.Rows) ([]ingot.Account, error) {
	defer rows.Close()
	var out []ingot.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// queryAccounts runs a query for accounts (selecting accountCols) and scans
// them; what names the caller in errors.
func queryAccounts(ctx context.Context, q querier, what, query string, args ...any) ([]ingot.Account, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	out, err := scanAccounts(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return out, nil
}

var insertAccountSQL = `INSERT INTO accounts (` + accountCols + `) VALUES ` + accountPlaceholders

var accountPlaceholders = "(?" + strings.Repeat(", ?", accountParams-1) + ")"

func accountArgs(a *ingot.Account) []any {
	ph := a.Holder.PhoneHash
	if ph == nil {
		ph = []byte{}
	}
	return []any{a.ID, string(a.Kind), a.OperatorID, a.Currency, string(a.Status), a.Balance, a.Held,
		string(a.WalletKind), a.Holder.Name, a.Holder.Phone, micros(a.CreatedAt),
		int(a.Tier), a.Evidence.PhoneVerified, a.Evidence.IDVerified, a.Evidence.BankLinked, a.Evidence.InPerson,
		a.HoldingLimit, a.ReverseWaterfall, a.SweepAccount, a.ParentID,
		a.Outflow.Day, a.Outflow.DayTotal, a.Outflow.Year, a.Outflow.YearTotal,
		string(a.Holder.Kind), a.Holder.IDNumber, ph, a.Label}
}

// CreateAccount stores a new account, with idem as for CreateOperator. A
// taken id is ErrConflict.
func (s *Store) CreateAccount(ctx context.Context, a ingot.Account, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "create account", idem, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, insertAccountSQL, accountArgs(&a)...); err != nil {
			if isUnique(err) {
				return store.ErrConflict
			}
			return fmt.Errorf("sqlite: create account: %w", err)
		}
		return nil
	})
}

// Smallest and bound of generated issuance and reserve account ids: never
// 16 digits, so never a wallet number.
const (
	minSystemID = 1_000_000
	maxSystemID = 1_000_000_000_000_000 // exclusive
)

func randomSystemID() int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return minSystemID + int64(binary.BigEndian.Uint64(b[:])%(maxSystemID-minSystemID))
}

const singletonSQL = `SELECT ` + accountCols + ` FROM accounts WHERE kind = ? AND operator_id = ? AND currency = ?`

// EnsureAccount returns the issuance account or an operator's reserve of a
// currency, creating it when missing.
func (s *Store) EnsureAccount(ctx context.Context, kind ingot.AccountKind, operatorID, currency string) (ingot.Account, error) {
	if kind != ingot.AccountIssuance && kind != ingot.AccountReserve {
		return ingot.Account{}, fmt.Errorf("sqlite: ensure account: kind %q is not issuance or reserve", kind)
	}
	a, err := scanAccount(s.r.QueryRowContext(ctx, singletonSQL, string(kind), operatorID, currency))
	if err == nil {
		return a, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return ingot.Account{}, fmt.Errorf("sqlite: ensure account: %w", err)
	}
	for range 5 {
		a, err := s.ensureAccount(ctx, kind, operatorID, currency)
		if err == nil {
			return a, nil
		}
		if !errors.Is(err, errIDTaken) {
			return ingot.Account{}, fmt.Errorf("sqlite: ensure account: %w", err)
		}
	}
	return ingot.Account{}, errors.New("sqlite: ensure account: no free id found")
}

var errIDTaken = errors.New("random account id taken")

func (s *Store) ensureAccount(ctx context.Context, kind ingot.AccountKind, operatorID, currency string) (ingot.Account, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return ingot.Account{}, err
	}
	defer tx.Rollback()
	a := ingot.Account{
		ID: randomSystemID(), Kind: kind, OperatorID: operatorID, Currency: currency,
		Status: ingot.StatusActive, CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
	}
	// DO NOTHING covers both the singleton index (someone else created it)
	// and, very unlikely, a random id that is taken.
	if _, err := tx.ExecContext(ctx, insertAccountSQL+` ON CONFLICT DO NOTHING`, accountArgs(&a)...); err != nil {
		return ingot.Account{}, err
	}
	got, err := scanAccount(tx.QueryRowContext(ctx, singletonSQL, string(kind), operatorID, currency))
	if errors.Is(err, sql.ErrNoRows) {
		return ingot.Account{}, errIDTaken
	}
	if err != nil {
		return ingot.Account{}, err
	}
	if err := tx.Commit(); err != nil {
		return ingot.Account{}, err
	}
	return got, nil
}

// Account reads an account.
func (s *Store) Account(ctx context.Context, id int64) (ingot.Account, error) {
	a, err := scanAccount(s.r.QueryRowContext(ctx, `SELECT `+accountCols+` FROM accounts WHERE id = ?`, id))
	if err != nil {
		return ingot.Account{}, notFound(err, "account")
	}
	return a, nil
}

// Accounts lists an operator's accounts of a kind by id.
func (s *Store) Accounts(ctx context.Context, operatorID string, kind ingot.AccountKind, after int64, limit int) ([]ingot.Account, error) {
	return queryAccounts(ctx, s.r, "accounts",
		`SELECT `+accountCols+` FROM accounts WHERE operator_id = ? AND kind = ? AND id > ? ORDER BY id LIMIT ?`,
		operatorID, string(kind), after, limit)
}

// Totals sums balances of a currency by account kind. A currency without
// accounts has zero totals.
func (s *Store) Totals(ctx context.Context, currency string) (store.Totals, error) {
	t := store.Totals{Currency: currency}
	rows, err := s.r.QueryContext(ctx,
		`SELECT kind, sum(balance), sum(held) FROM accounts WHERE currency = ? GROUP BY kind`, currency)
	if err != nil {
		return t, fmt.Errorf("sqlite: totals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var bal, held int64
		if err := rows.Scan(&kind, &bal, &held); err != nil {
			return t, fmt.Errorf("sqlite: totals: %w", err)
		}
		switch ingot.AccountKind(kind) {
		case ingot.AccountIssuance:
			t.Issuance += bal
		case ingot.AccountReserve:
			t.Reserves += bal
		case ingot.AccountWallet:
			t.Wallets += bal
		}
		t.Held += held
	}
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("sqlite: totals: %w", err)
	}
	return t, nil
}

// Currencies lists the currencies that have accounts.
func (s *Store) Currencies(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT currency FROM accounts ORDER BY currency`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: currencies: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("sqlite: currencies: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: currencies: %w", err)
	}
	return out, nil
}

// ---- transfers ----

const transferCols = `seq, id, kind, debit, credit, amount, currency, memo, hold_id, debit_balance, credit_balance, created_at, log_index`

func scanTransfer(sc scanner) (ingot.Transfer, error) {
	var t ingot.Transfer
	var kind string
	var created int64
	if err := sc.Scan(&t.Seq, &t.ID, &kind, &t.Debit, &t.Credit, &t.Amount, &t.Currency, &t.Memo,
		&t.HoldID, &t.DebitBalance, &t.CreditBalance, &created, &t.LogIndex); err != nil {
		return ingot.Transfer{}, err
	}
	t.Kind = ingot.TransferKind(kind)
	t.CreatedAt = fromMicros(created)
	return t, nil
}

// Transfer reads a transfer.
func (s *Store) Transfer(ctx context.Context, id string) (ingot.Transfer, error) {
	t, err := scanTransfer(s.r.QueryRowContext(ctx, `SELECT `+transferCols+` FROM transfers WHERE id = ?`, id))
	if err != nil {
		return ingot.Transfer{}, notFound(err, "transfer")
	}
	return t, nil
}

// accountTransfersSQL takes the newest transfers of each side through its
// own index, then merges them.
const accountTransfersSQL = `
SELECT ` + transferCols + ` FROM (
	SELECT * FROM (SELECT ` + transferCols + ` FROM transfers WHERE debit = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3)
	UNION
	SELECT * FROM (SELECT ` + transferCols + ` FROM transfers WHERE credit = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3)
) ORDER BY seq DESC LIMIT ?3`

// AccountTransfers lists the transfers of an account, newest first.
func (s *Store) AccountTransfers(ctx context.Context, account int64, before int64, limit int) ([]ingot.Transfer, error) {
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := s.r.QueryContext(ctx, accountTransfersSQL, account, before, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: account transfers: %w", err)
	}
	defer rows.Close()
	var out []ingot.Transfer
	for rows.Next() {
		t, err := scanTransfer(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: account transfers: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: account transfers: %w", err)
	}
	return out, nil
}

// ---- holds ----

const holdCols = `id, wallet, operator_id, amount, currency, status, captured, transfer_id, expires_at, created_at, updated_at`

func scanHold(sc scanner) (ingot.Hold, error) {
	var h ingot.Hold
	var status string
	var exp, created, updated int64
	if err := sc.Scan(&h.ID, &h.Wallet, &h.OperatorID, &h.Amount, &h.Currency, &status, &h.Captured,
		&h.TransferID, &exp, &created, &updated); err != nil {
		return ingot.Hold{}, err
	}
	h.Status = ingot.HoldStatus(status)
	h.ExpiresAt = fromMicros(exp)
	h.CreatedAt = fromMicros(created)
	h.UpdatedAt = fromMicros(updated)
	return h, nil
}

// Hold reads a hold.
func (s *Store) Hold(ctx context.Context, id string) (ingot.Hold, error) {
	h, err := scanHold(s.r.QueryRowContext(ctx, `SELECT `+holdCols+` FROM holds WHERE id = ?`, id))
	if err != nil {
		return ingot.Hold{}, notFound(err, "hold")
	}
	return h, nil
}

// ExpiredHolds lists ids of pending holds with ExpiresAt <= now, soonest
// expired first.
func (s *Store) ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, err := s.r.QueryContext(ctx,
		`SELECT id FROM holds WHERE status = ? AND expires_at <= ? ORDER BY expires_at, id LIMIT ?`,
		string(ingot.HoldPending), micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: expired holds: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: expired holds: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: expired holds: %w", err)
	}
	return out, nil
}

// ---- batches ----

// BeginBatch opens a BEGIN IMMEDIATE transaction on the writer: it holds the
// database's write lock until Commit or Rollback.
func (s *Store) BeginBatch(ctx context.Context) (store.BatchTx, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin batch: %w", err)
	}
	return &batchTx{tx: tx}, nil
}

type batchTx struct {
	tx *sql.Tx
}

func jsonArray(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// Idempotency returns the committed records among keys.
func (b *batchTx) Idempotency(ctx context.Context, keys []ingot.IdemKey) ([]store.IdemRecord, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	pairs := make([][2]string, len(keys))
	for i, k := range keys {
		pairs[i] = [2]string{k.Scope, k.Key}
	}
	arg, err := jsonArray(pairs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: batch idempotency: %w", err)
	}
	rows, err := b.tx.QueryContext(ctx, `SELECT `+idemCols+` FROM idempotency WHERE (scope, key) IN
		(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: batch idempotency: %w", err)
	}
	defer rows.Close()
	var out []store.IdemRecord
	for rows.Next() {
		r, err := scanIdem(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: batch idempotency: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: batch idempotency: %w", err)
	}
	return out, nil
}

// LockAccounts returns the accounts among ids, by id. The transaction holds
// the write lock already, so they need no further locking.
func (b *batchTx) LockAccounts(ctx context.Context, ids []int64) ([]ingot.Account, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock accounts: %w", err)
	}
	return queryAccounts(ctx, b.tx, "lock accounts",
		`SELECT `+accountCols+` FROM accounts WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, arg)
}

// SubWallets lists the wallets whose parent is among parents, by id.
func (b *batchTx) SubWallets(ctx context.Context, parents []int64) ([]ingot.Account, error) {
	if len(parents) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(parents)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sub-wallets: %w", err)
	}
	return queryAccounts(ctx, b.tx, "sub-wallets",
		`SELECT `+accountCols+` FROM accounts WHERE parent_id IN (SELECT value FROM json_each(?)) AND parent_id <> 0 ORDER BY id`, arg)
}

// LockHolds returns the holds among ids, by id.
func (b *batchTx) LockHolds(ctx context.Context, ids []string) ([]ingot.Hold, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock holds: %w", err)
	}
	rows, err := b.tx.QueryContext(ctx,
		`SELECT `+holdCols+` FROM holds WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock holds: %w", err)
	}
	defer rows.Close()
	var out []ingot.Hold
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: lock holds: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: lock holds: %w", err)
	}
	return out, nil
}

// Write stores the batch's effects with statements prepared once per batch.
// It fills in the Seq of w.Transfers.
func (b *batchTx) Write(ctx context.Context, w *store.BatchWrite) error {
	if len(w.Idempotency) > 0 {
		st, err := b.tx.PrepareContext(ctx, insertIdemSQL)
		if err != nil {
			return fmt.Errorf("sqlite: write idempotency: %w", err)
		}
		defer st.Close()
		for i := range w.Idempotency {
			res, err := st.ExecContext(ctx, idemArgs(&w.Idempotency[i])...)
			if err != nil {
				return fmt.Errorf("sqlite: write idempotency: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("sqlite: write idempotency: %w", err)
			} else if n == 0 {
				return store.ErrIdempotencyRace
			}
		}
	}
	for i := range w.NewAccounts {
		if _, err := b.tx.ExecContext(ctx, insertAccountSQL, accountArgs(&w.NewAccounts[i])...); err != nil {
			return fmt.Errorf("sqlite: write new account %d: %w", w.NewAccounts[i].ID, err)
		}
	}
	for _, r := range w.LimitRules {
		if _, err := b.tx.ExecContext(ctx, upsertLimitRuleSQL, limitRuleArgs(r)...); err != nil {
			return fmt.Errorf("sqlite: write limit rule: %w", err)
		}
	}
	if len(w.Accounts) > 0 {
		st, err := b.tx.PrepareContext(ctx, `UPDATE accounts SET balance = ?, held = ?, status = ?, tier = ?,
			phone_verified = ?, id_verified = ?, bank_linked = ?, in_person = ?, holding_limit = ?, reverse_waterfall = ?,
			sweep_account = ?, out_day = ?, out_day_total = ?, out_year = ?, out_year_total = ?, holder_id_number = ?
			WHERE id = ?`)
		if err != nil {
			return fmt.Errorf("sqlite: write accounts: %w", err)
		}
		defer st.Close()
		for _, a := range w.Accounts {
			res, err := st.ExecContext(ctx, a.Balance, a.Held, string(a.Status), int(a.Tier),
				a.Evidence.PhoneVerified, a.Evidence.IDVerified, a.Evidence.BankLinked, a.Evidence.InPerson,
				a.HoldingLimit, a.ReverseWaterfall, a.SweepAccount,
				a.Outflow.Day, a.Outflow.DayTotal, a.Outflow.Year, a.Outflow.YearTotal, a.Holder.IDNumber, a.ID)
			if err != nil {
				return fmt.Errorf("sqlite: write account %d: %w", a.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("sqlite: write account %d: %w", a.ID, err)
			} else if n == 0 {
				return fmt.Errorf("sqlite: write account %d: %w", a.ID, store.ErrNotFound)
			}
		}
	}
	if len(w.Transfers) > 0 {
		st, err := b.tx.PrepareContext(ctx, `INSERT INTO transfers (id, kind, debit, credit, amount, currency, memo,
			hold_id, debit_balance, credit_balance, created_at, log_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("sqlite: write transfers: %w", err)
		}
		defer st.Close()
		for i := range w.Transfers {
			t := &w.Transfers[i]
			res, err := st.ExecContext(ctx, t.ID, string(t.Kind), t.Debit, t.Credit, t.Amount, t.Currency, t.Memo,
				t.HoldID, t.DebitBalance, t.CreditBalance, micros(t.CreatedAt), t.LogIndex)
			if err != nil {
				return fmt.Errorf("sqlite: write transfer %s: %w", t.ID, err)
			}
			seq, err := res.LastInsertId()
			if err != nil {
				return fmt.Errorf("sqlite: write transfer %s: %w", t.ID, err)
			}
			t.Seq = seq
		}
	}
	if len(w.NewHolds) > 0 {
		st, err := b.tx.PrepareContext(ctx, `INSERT INTO holds (`+holdCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("sqlite: write holds: %w", err)
		}
		defer st.Close()
		for _, h := range w.NewHolds {
			if _, err := st.ExecContext(ctx, h.ID, h.Wallet, h.OperatorID, h.Amount, h.Currency, string(h.Status),
				h.Captured, h.TransferID, micros(h.ExpiresAt), micros(h.CreatedAt), micros(h.UpdatedAt)); err != nil {
				return fmt.Errorf("sqlite: write hold %s: %w", h.ID, err)
			}
		}
	}
	if len(w.UpdatedHolds) > 0 {
		st, err := b.tx.PrepareContext(ctx,
			`UPDATE holds SET status = ?, captured = ?, transfer_id = ?, updated_at = ? WHERE id = ?`)
		if err != nil {
			return fmt.Errorf("sqlite: update holds: %w", err)
		}
		defer st.Close()
		for _, h := range w.UpdatedHolds {
			res, err := st.ExecContext(ctx, string(h.Status), h.Captured, h.TransferID, micros(h.UpdatedAt), h.ID)
			if err != nil {
				return fmt.Errorf("sqlite: update hold %s: %w", h.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("sqlite: update hold %s: %w", h.ID, err)
			} else if n == 0 {
				return fmt.Errorf("sqlite: update hold %s: %w", h.ID, store.ErrNotFound)
			}
		}
	}
	if len(w.LogHashes) > 0 {
		st, err := b.tx.PrepareContext(ctx, `INSERT INTO log_hashes (idx, hash) VALUES (?, ?)`)
		if err != nil {
			return fmt.Errorf("sqlite: write log hashes: %w", err)
		}
		defer st.Close()
		for _, h := range w.LogHashes {
			if _, err := st.ExecContext(ctx, h.Index, h.Hash[:]); err != nil {
				return fmt.Errorf("sqlite: write log hash %d: %w", h.Index, err)
			}
		}
	}
	if c := w.Checkpoint; c != nil {
		if _, err := b.tx.ExecContext(ctx, `INSERT INTO checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)`,
			c.Size, c.Root[:], c.Note, micros(c.CreatedAt)); err != nil {
			return fmt.Errorf("sqlite: write checkpoint %d: %w", c.Size, err)
		}
		if _, err := b.tx.ExecContext(ctx, `UPDATE log_head SET size = ? WHERE id = 1`, c.Size); err != nil {
			return fmt.Errorf("sqlite: write log head: %w", err)
		}
	}
	return nil
}

// LogHead returns the log's size; the transaction holds the write lock.
func (b *batchTx) LogHead(ctx context.Context) (int64, error) {
	var n int64
	if err := b.tx.QueryRowContext(ctx, `SELECT size FROM log_head WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: log head: %w", err)
	}
	return n, nil
}

// ReadHashes reads stored log hashes inside the batch.
func (b *batchTx) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, b.tx, indexes)
}

// Commit makes the batch durable.
func (b *batchTx) Commit(ctx context.Context) error {
	if err := b.tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit batch: %w", err)
	}
	return nil
}

// Rollback ends the batch without effect; a no-op after Commit.
func (b *batchTx) Rollback(ctx context.Context) error {
	if err := b.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("sqlite: rollback batch: %w", err)
	}
	return nil
}

// Pragmas reports the writer's journal mode and synchronous level (2 is
// FULL), on which durability depends.
func (s *Store) Pragmas(ctx context.Context) (journalMode string, synchronous int, err error) {
	if err := s.w.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journalMode); err != nil {
		return "", 0, fmt.Errorf("sqlite: pragma journal_mode: %w", err)
	}
	if err := s.w.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&synchronous); err != nil {
		return "", 0, fmt.Errorf("sqlite: pragma synchronous: %w", err)
	}
	return journalMode, synchronous, nil
}

// ---- transparency log ----

func readHashes(ctx context.Context, q querier, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(indexes)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT idx, hash FROM log_hashes WHERE idx IN (SELECT value FROM json_each(?))`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read log hashes: %w", err)
	}
	defer rows.Close()
	got := make(map[int64]tlog.Hash, len(indexes))
	for rows.Next() {
		var idx int64
		var b []byte
		if err := rows.Scan(&idx, &b); err != nil {
			return nil, fmt.Errorf("sqlite: read log hashes: %w", err)
		}
		if len(b) != tlog.HashSize {
			return nil, fmt.Errorf("sqlite: log hash %d has %d bytes", idx, len(b))
		}
		got[idx] = tlog.Hash(b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read log hashes: %w", err)
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := got[idx]
		if !ok {
			return nil, fmt.Errorf("sqlite: log hash %d: %w", idx, store.ErrNotFound)
		}
		out[i] = h
	}
	return out, nil
}

// ReadHashes reads stored log hashes; every index must exist.
func (s *Store) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, s.r, indexes)
}

const checkpointCols = `size, root, note, created_at`

func scanCheckpoint(sc scanner) (ingot.Checkpoint, error) {
	var c ingot.Checkpoint
	var root []byte
	var created int64
	if err := sc.Scan(&c.Size, &root, &c.Note, &created); err != nil {
		return ingot.Checkpoint{}, err
	}
	if len(root) != tlog.HashSize {
		return ingot.Checkpoint{}, fmt.Errorf("sqlite: checkpoint %d root has %d bytes", c.Size, len(root))
	}
	c.Root = tlog.Hash(root)
	c.CreatedAt = fromMicros(created)
	return c, nil
}

// LatestCheckpoint is the checkpoint of the largest tree.
func (s *Store) LatestCheckpoint(ctx context.Context) (ingot.Checkpoint, error) {
	c, err := scanCheckpoint(s.r.QueryRowContext(ctx, `SELECT `+checkpointCols+` FROM checkpoints ORDER BY size DESC LIMIT 1`))
	if err != nil {
		return ingot.Checkpoint{}, notFound(err, "checkpoint")
	}
	return c, nil
}

// Checkpoint is the checkpoint of a tree size.
func (s *Store) Checkpoint(ctx context.Context, size int64) (ingot.Checkpoint, error) {
	c, err := scanCheckpoint(s.r.QueryRowContext(ctx, `SELECT `+checkpointCols+` FROM checkpoints WHERE size = ?`, size))
	if err != nil {
		return ingot.Checkpoint{}, notFound(err, "checkpoint")
	}
	return c, nil
}

// Checkpoints lists checkpoints with size > after, ascending.
func (s *Store) Checkpoints(ctx context.Context, after int64, limit int) ([]ingot.Checkpoint, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+checkpointCols+` FROM checkpoints WHERE size > ? ORDER BY size LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: checkpoints: %w", err)
	}
	defer rows.Close()
	var out []ingot.Checkpoint
	for rows.Next() {
		c, err := scanCheckpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: checkpoints: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// LogTransfers lists transfers by log index, from the given one.
func (s *Store) LogTransfers(ctx context.Context, from int64, limit int) ([]ingot.Transfer, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+transferCols+` FROM transfers WHERE log_index >= ? ORDER BY log_index LIMIT ?`, max(from, 0), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: log transfers: %w", err)
	}
	defer rows.Close()
	var out []ingot.Transfer
	for rows.Next() {
		t, err := scanTransfer(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: log transfers: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CountTransfers counts all transfers.
func (s *Store) CountTransfers(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM transfers`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count transfers: %w", err)
	}
	return n, nil
}

// AllAccounts lists every account by id.
func (s *Store) AllAccounts(ctx context.Context, after int64, limit int) ([]ingot.Account, error) {
	return queryAccounts(ctx, s.r, "all accounts", `SELECT `+accountCols+` FROM accounts WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
}

// AllHolds lists every hold by id.
func (s *Store) AllHolds(ctx context.Context, after string, limit int) ([]ingot.Hold, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+holdCols+` FROM holds WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: all holds: %w", err)
	}
	defer rows.Close()
	var out []ingot.Hold
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: all holds: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// ---- KYC ----

// AccountsByPhone lists an operator's wallets with a holder phone hash.
func (s *Store) AccountsByPhone(ctx context.Context, operatorID string, h []byte) ([]ingot.Account, error) {
	return queryAccounts(ctx, s.r, "accounts by phone", `SELECT `+accountCols+` FROM accounts
		WHERE operator_id = ? AND holder_phone_hash = ? AND kind = 'wallet' ORDER BY id`, operatorID, h)
}

// SubWallets lists the wallets whose parent is the given wallet.
func (s *Store) SubWallets(ctx context.Context, parent int64) ([]ingot.Account, error) {
	return queryAccounts(ctx, s.r, "sub-wallets", `SELECT `+accountCols+` FROM accounts WHERE parent_id = ? AND parent_id <> 0 ORDER BY id`, parent)
}

const upsertLimitRuleSQL = `INSERT INTO tier_limits (operator_id, currency, wallet_kind, tier, balance, single, daily, yearly, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (operator_id, currency, wallet_kind, tier) DO UPDATE SET balance = excluded.balance,
		single = excluded.single, daily = excluded.daily, yearly = excluded.yearly, updated_at = excluded.updated_at`

func limitRuleArgs(r ingot.LimitRule) []any {
	return []any{r.OperatorID, r.Currency, string(r.WalletKind), int(r.Tier), r.Limits.Balance, r.Limits.Single, r.Limits.Daily, r.Limits.Yearly, micros(r.UpdatedAt)}
}

// SetLimitRule stores a limit rule, replacing the one with its key.
func (s *Store) SetLimitRule(ctx context.Context, r ingot.LimitRule) error {
	_, err := s.w.ExecContext(ctx, upsertLimitRuleSQL, limitRuleArgs(r)...)
	if err != nil {
		return fmt.Errorf("sqlite: set limit rule: %w", err)
	}
	return nil
}

func limitRules(ctx context.Context, q querier, operatorIDs []string) ([]ingot.LimitRule, error) {
	if len(operatorIDs) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(operatorIDs)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT operator_id, currency, wallet_kind, tier, balance, single, daily, yearly, updated_at
		FROM tier_limits WHERE operator_id IN (SELECT value FROM json_each(?))
		ORDER BY operator_id, currency, wallet_kind, tier`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: limit rules: %w", err)
	}
	defer rows.Close()
	var out []ingot.LimitRule
	for rows.Next() {
		var r ingot.LimitRule
		var wk string
		var tier int
		var updated int64
		if err := rows.Scan(&r.OperatorID, &r.Currency, &wk, &tier, &r.Limits.Balance, &r.Limits.Single, &r.Limits.Daily, &r.Limits.Yearly, &updated); err != nil {
			return nil, fmt.Errorf("sqlite: limit rules: %w", err)
		}
		r.WalletKind, r.Tier, r.UpdatedAt = ingot.WalletKind(wk), ingot.Tier(tier), fromMicros(updated)
		out = append(out, r)
	}
	return out, rows.Err()
}

// LimitRules lists the limit rules of the given operators.
func (s *Store) LimitRules(ctx context.Context, operatorIDs []string) ([]ingot.LimitRule, error) {
	return limitRules(ctx, s.r, operatorIDs)
}

// LimitRules lists the limit rules of the given operators in the batch.
func (b *batchTx) LimitRules(ctx context.Context, operatorIDs []string) ([]ingot.LimitRule, error) {
	return limitRules(ctx, b.tx, operatorIDs)
}
