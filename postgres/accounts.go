package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Accounts: creation (one, in bulk, system accounts on demand), reads and
// sums.

// accountColumns are the accounts table's columns, in the order of
// accountValues and scanAccount.
var accountColumns = []string{"id", "kind", "operator_id", "currency", "status", "balance", "held", "wallet_kind",
	"holder_name", "holder_phone", "created_at",
	"tier", "phone_verified", "id_verified", "bank_linked", "in_person", "holding_limit", "reverse_waterfall",
	"sweep_account", "parent_id", "out_day", "out_day_total", "out_year", "out_year_total",
	"holder_kind", "holder_id_number", "holder_phone_hash", "label", "risk", "spending_rule"}

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
	return []any{a.ID, string(a.Kind), a.OperatorID, a.Currency, string(a.Status), a.Balance, a.Held,
		string(a.WalletKind), a.Holder.Name, a.Holder.Phone, a.CreatedAt,
		int32(a.Tier), a.Evidence.PhoneVerified, a.Evidence.IDVerified, a.Evidence.BankLinked, a.Evidence.InPerson,
		a.HoldingLimit, a.ReverseWaterfall, a.SweepAccount, a.ParentID,
		a.Outflow.Day, a.Outflow.DayTotal, a.Outflow.Year, a.Outflow.YearTotal,
		string(a.Holder.Kind), a.Holder.IDNumber, nonNil(a.Holder.PhoneHash), a.Label, nonNil(a.Risk),
		ingot.EncodeSpendingRule(a.Spending)}
}

func scanAccount(row pgx.Row) (ingot.Account, error) {
	var a ingot.Account
	var kind, status, wkind, hkind, spending string
	var tier int32
	err := row.Scan(&a.ID, &kind, &a.OperatorID, &a.Currency, &status, &a.Balance, &a.Held, &wkind,
		&a.Holder.Name, &a.Holder.Phone, &a.CreatedAt,
		&tier, &a.Evidence.PhoneVerified, &a.Evidence.IDVerified, &a.Evidence.BankLinked, &a.Evidence.InPerson,
		&a.HoldingLimit, &a.ReverseWaterfall, &a.SweepAccount, &a.ParentID,
		&a.Outflow.Day, &a.Outflow.DayTotal, &a.Outflow.Year, &a.Outflow.YearTotal,
		&hkind, &a.Holder.IDNumber, &a.Holder.PhoneHash, &a.Label, &a.Risk, &spending)
	if err == nil {
		if a.Spending, err = ingot.DecodeSpendingRule(spending); err != nil {
			err = fmt.Errorf("account %d: %w", a.ID, err)
		}
	}
	a.Tier, a.Holder.Kind = ingot.Tier(tier), ingot.HolderKind(hkind)
	a.Holder.PhoneHash = emptyNil(a.Holder.PhoneHash)
	a.Risk = emptyNil(a.Risk) // none is nil, however it was written
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

// CreateAccounts stores new wallet accounts (balance zero) with COPY, in
// one transaction with idem. A taken id (or one given twice) is
// store.ErrConflict and nothing is written; an existing idem record is
// returned and nothing is written.
func (s *Store) CreateAccounts(ctx context.Context, as []ingot.Account, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		if len(as) == 0 {
			return nil
		}
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"accounts"}, accountColumns,
			pgx.CopyFromSlice(len(as), func(i int) ([]any, error) {
				a := as[i]
				a.Balance, a.Held = 0, 0
				return accountValues(&a), nil
			}))
		if isUniqueViolation(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("postgres: create accounts: %w", err)
		}
		if n != int64(len(as)) {
			return fmt.Errorf("postgres: create accounts: copied %d of %d", n, len(as))
		}
		return nil
	})
}

// Smallest and first excluded ids of system accounts (issuance, reserve,
// fee).
const (
	systemIDMin = 1_000_000
	systemIDMax = 1_000_000_000_000_000
)

// EnsureAccount returns the issuance account (operatorID "") or an
// operator's reserve or fee account of a currency, creating it when
// missing. The unique index on (kind, operator_id, currency) makes
// concurrent creators agree.
func (s *Store) EnsureAccount(ctx context.Context, kind ingot.AccountKind, operatorID, currency string) (ingot.Account, error) {
	if kind != ingot.AccountIssuance && kind != ingot.AccountReserve && kind != ingot.AccountFee {
		return ingot.Account{}, fmt.Errorf("postgres: EnsureAccount of kind %q", kind)
	}
	if kind == ingot.AccountIssuance {
		operatorID = ""
	}
	sel := `SELECT ` + accountCols + ` FROM accounts WHERE kind = $1 AND operator_id = $2 AND currency = $3
		AND kind IN ('issuance', 'reserve', 'fee')`
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

// AllAccounts lists every account by id.
func (s *Store) AllAccounts(ctx context.Context, after int64, limit int) ([]ingot.Account, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+accountCols+` FROM accounts WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	as, err := collectAccounts(rows, err)
	if err != nil {
		return nil, fmt.Errorf("postgres: all accounts: %w", err)
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
