package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Accounts: creation (one, in bulk, system accounts on demand), reads and
// sums.

const accountCols = `id, kind, operator_id, currency, status, balance, held, wallet_kind, holder_name, holder_phone, created_at,
	tier, phone_verified, id_verified, bank_linked, in_person, holding_limit, reverse_waterfall, sweep_account, parent_id,
	out_day, out_day_total, out_year, out_year_total, holder_kind, holder_id_number, holder_phone_hash, label, risk, spending_rule`

// accountParams is the number of accountCols.
const accountParams = 30

func scanAccount(sc scanner) (ingot.Account, error) {
	var a ingot.Account
	var kind, status, wk, hk, spending string
	var created int64
	var tier int
	if err := sc.Scan(&a.ID, &kind, &a.OperatorID, &a.Currency, &status, &a.Balance, &a.Held,
		&wk, &a.Holder.Name, &a.Holder.Phone, &created,
		&tier, &a.Evidence.PhoneVerified, &a.Evidence.IDVerified, &a.Evidence.BankLinked, &a.Evidence.InPerson,
		&a.HoldingLimit, &a.ReverseWaterfall, &a.SweepAccount, &a.ParentID,
		&a.Outflow.Day, &a.Outflow.DayTotal, &a.Outflow.Year, &a.Outflow.YearTotal,
		&hk, &a.Holder.IDNumber, &a.Holder.PhoneHash, &a.Label, &a.Risk, &spending); err != nil {
		return ingot.Account{}, err
	}
	var err error
	if a.Spending, err = ingot.DecodeSpendingRule(spending); err != nil {
		return ingot.Account{}, fmt.Errorf("account %d: %w", a.ID, err)
	}
	a.Tier = ingot.Tier(tier)
	a.Holder.Kind = ingot.HolderKind(hk)
	a.Holder.PhoneHash = emptyNil(a.Holder.PhoneHash)
	a.Risk = emptyNil(a.Risk) // none is nil, however it was written
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
	return []any{a.ID, string(a.Kind), a.OperatorID, a.Currency, string(a.Status), a.Balance, a.Held,
		string(a.WalletKind), a.Holder.Name, a.Holder.Phone, micros(a.CreatedAt),
		int(a.Tier), a.Evidence.PhoneVerified, a.Evidence.IDVerified, a.Evidence.BankLinked, a.Evidence.InPerson,
		a.HoldingLimit, a.ReverseWaterfall, a.SweepAccount, a.ParentID,
		a.Outflow.Day, a.Outflow.DayTotal, a.Outflow.Year, a.Outflow.YearTotal,
		string(a.Holder.Kind), a.Holder.IDNumber, nonNil(a.Holder.PhoneHash), a.Label, nonNil(a.Risk),
		ingot.EncodeSpendingRule(a.Spending)}
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

// bulkRows is the number of accounts one multi-row INSERT carries:
// accountParams each, far below SQLite's limit of 32,766 parameters.
const bulkRows = 256

// insertAccountsSQL is a multi-row INSERT of n accounts.
func insertAccountsSQL(n int) string {
	var b strings.Builder
	b.Grow(len(insertAccountSQL) + n*(len(accountPlaceholders)+2))
	b.WriteString(insertAccountSQL)
	for range n - 1 {
		b.WriteString(", ")
		b.WriteString(accountPlaceholders)
	}
	return b.String()
}

// CreateAccounts stores new wallet accounts (balance zero) in one
// transaction with idem: multi-row INSERTs of bulkRows accounts, the full
// ones through one prepared statement. A taken id (or one given twice) is
// ErrConflict and nothing is written; an existing idem record is returned
// and nothing is written.
func (s *Store) CreateAccounts(ctx context.Context, as []ingot.Account, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "create accounts", idem, func(tx *sql.Tx) error {
		args := make([]any, 0, accountParams*min(len(as), bulkRows))
		rows := func(chunk []ingot.Account) []any {
			args = args[:0]
			for i := range chunk {
				a := chunk[i]
				a.Balance, a.Held = 0, 0
				args = append(args, accountArgs(&a)...)
			}
			return args
		}
		if full := len(as) / bulkRows; full > 0 {
			stmt, err := tx.PrepareContext(ctx, insertAccountsSQL(bulkRows))
			if err != nil {
				return fmt.Errorf("sqlite: create accounts: prepare: %w", err)
			}
			defer stmt.Close()
			for i := range full {
				if _, err := stmt.ExecContext(ctx, rows(as[i*bulkRows:(i+1)*bulkRows])...); err != nil {
					return createAccountsError(err)
				}
			}
		}
		if rest := as[len(as)/bulkRows*bulkRows:]; len(rest) > 0 {
			if _, err := tx.ExecContext(ctx, insertAccountsSQL(len(rest)), rows(rest)...); err != nil {
				return createAccountsError(err)
			}
		}
		return nil
	})
}

func createAccountsError(err error) error {
	if isUnique(err) {
		return store.ErrConflict
	}
	return fmt.Errorf("sqlite: create accounts: %w", err)
}

// Smallest and bound of generated issuance, reserve and fee account ids: never
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

// EnsureAccount returns the issuance account, or an operator's reserve or
// fee account, of a currency, creating it when missing.
func (s *Store) EnsureAccount(ctx context.Context, kind ingot.AccountKind, operatorID, currency string) (ingot.Account, error) {
	if kind != ingot.AccountIssuance && kind != ingot.AccountReserve && kind != ingot.AccountFee {
		return ingot.Account{}, fmt.Errorf("sqlite: ensure account: kind %q is not issuance, reserve or fee", kind)
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
	tx, err := s.w.BeginTx(ctx)
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

// AllAccounts lists every account by id.
func (s *Store) AllAccounts(ctx context.Context, after int64, limit int) ([]ingot.Account, error) {
	return queryAccounts(ctx, s.r, "all accounts", `SELECT `+accountCols+` FROM accounts WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
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
		case ingot.AccountFee:
			t.Fees += bal
		case ingot.AccountWallet:
			t.Wallets += bal
		case ingot.AccountEarmark:
			t.Earmarked += bal
		case ingot.AccountOffline:
			t.Offline += bal
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
