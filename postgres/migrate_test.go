package postgres

import (
	"bytes"
	"context"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/store"
)

// provider is a goose provider of the embedded migrations on s's database.
func provider(t *testing.T, s *Store) *goose.Provider {
	t.Helper()
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*s.pool.Config().ConnConfig.Copy())
	t.Cleanup(func() { db.Close() })
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMigrateFrom6: a database that a build without 00007 migrated and
// wrote to (operators, keys, wallets, a transfer, an idempotency record)
// migrates to 7 with its data intact; the keys it had read back with nil
// Scopes (every scope of their role) and no name, expiry, revocation or
// client certificate; the new tables work; 00007 goes down and up.
func TestMigrateFrom6(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openURL(t, schemaURL(t), false)
	p := provider(t, s)
	if _, err := p.UpTo(ctx, 6); err != nil {
		t.Fatalf("migrate to 6: %v", err)
	}
	created := time.Date(2026, 5, 1, 8, 30, 0, 123456000, time.UTC)
	keyHash := bytes.Repeat([]byte{7}, 32)
	cbHash := bytes.Repeat([]byte{8}, 32)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO operators (id, name, code, created_at) VALUES ($1, $2, $3, $4)`, []any{"op-1", "Bank", "BANK", created}},
		{`INSERT INTO api_keys (id, role, operator_id, hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			[]any{"key-1", "operator", "op-1", keyHash, created}},
		{`INSERT INTO api_keys (id, role, operator_id, hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			[]any{"key-cb", "central_bank", "", cbHash, created}},
	} {
		if _, err := s.pool.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	phone := bytes.Repeat([]byte{3}, 32)
	w := ingot.Account{ID: ingot.NewWalletID(), Kind: ingot.AccountWallet, OperatorID: "op-1", Currency: "CNY",
		Status: ingot.StatusActive, WalletKind: ingot.WalletPersonal, CreatedAt: created,
		Holder: ingot.Holder{Kind: ingot.HolderPerson, Name: "v1:n", Phone: "v1:p", PhoneHash: phone}}
	idem := &store.IdemRecord{IdemKey: ingot.IdemKey{Scope: "key-1", Key: "open"}, Hash: []byte{1}, Status: 201,
		Body: []byte(`{}`), CreatedAt: created}
	// The wallet with its idempotency record, as CreateAccount at 6 wrote
	// them, and a reserve.
	if _, err := s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		insertOldAccount(t, tx, w)
		return nil
	}); err != nil {
		t.Fatalf("CreateAccount at 6: %v", err)
	}
	res := ingot.Account{ID: 1_000_001, Kind: ingot.AccountReserve, OperatorID: "op-1", Currency: "CNY",
		Status: ingot.StatusActive, CreatedAt: created}
	insertOldAccount(t, s.pool, res)
	tr := ingot.Transfer{ID: "t1", Kind: ingot.KindTopUp, Debit: res.ID, Credit: w.ID, Amount: 100, Currency: "CNY",
		DebitBalance: -100, CreditBalance: 100, CreatedAt: created, LogIndex: -1}
	res.Balance, w.Balance = -100, 100
	// The transfer as a build at 6 wrote it (today's Write has columns of
	// later migrations).
	writeAt6(t, s, []ingot.Account{res, w}, tr)

	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate from 6: %v", err)
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != latestVersion(t, p) {
		t.Fatalf("version after Migrate = %d, %v; want %d", v, err, latestVersion(t, p))
	}
	if got, err := s.Transfer(ctx, "t1"); err != nil || got.Amount != 100 {
		t.Fatalf("after Migrate: Transfer = %+v, %v", got, err)
	}
	checkData := func(when string) {
		t.Helper()
		if b, h := oldAccount(t, s, w.ID); b != 100 || !bytes.Equal(h, phone) {
			t.Fatalf("%s: wallet balance, phone hash = %d, %x", when, b, h)
		}
		if v, err := p.GetDBVersion(ctx); err == nil && v == latestVersion(t, p) {
			if a, err := s.Account(ctx, w.ID); err != nil || a.Balance != 100 || !bytes.Equal(a.Holder.PhoneHash, phone) || a.Risk != nil {
				t.Fatalf("%s: Account = %+v, %v", when, a, err)
			}
		}
		// Read with the columns of 6, which every later version has.
		var amount int64
		if err := s.pool.QueryRow(ctx, `SELECT amount FROM transfers WHERE id = 't1'`).Scan(&amount); err != nil || amount != 100 {
			t.Fatalf("%s: transfer amount = %d, %v", when, amount, err)
		}
		if r, err := s.Idempotency(ctx, idem.IdemKey); err != nil || r.Status != 201 {
			t.Fatalf("%s: Idempotency = %+v, %v", when, r, err)
		}
		var code string // the columns of 6 (a country came with 00019)
		if err := s.pool.QueryRow(ctx, `SELECT code FROM operators WHERE id = 'op-1'`).Scan(&code); err != nil || code != "BANK" {
			t.Fatalf("%s: operator op-1's code = %q, %v", when, code, err)
		}
		if n, err := s.CountAPIKeys(ctx, ingot.RoleOperator); err != nil || n != 1 {
			t.Fatalf("%s: CountAPIKeys = %d, %v", when, n, err)
		}
	}
	checkKeys := func(when string) {
		t.Helper()
		want := ingot.APIKey{ID: "key-1", Role: ingot.RoleOperator, OperatorID: "op-1", Hash: keyHash, CreatedAt: created}
		k, err := s.APIKeyByHash(ctx, keyHash)
		if err != nil {
			t.Fatalf("%s: APIKeyByHash: %v", when, err)
		}
		if k.Scopes != nil || k.ID != want.ID || k.Role != want.Role || k.OperatorID != want.OperatorID ||
			!k.CreatedAt.Equal(created) || k.Name != "" || !k.ExpiresAt.IsZero() || !k.RevokedAt.IsZero() ||
			!k.LastUsedAt.IsZero() || k.ClientCert != nil {
			t.Fatalf("%s: key made at 6 = %+v, want %+v with nil Scopes", when, k, want)
		}
		ks, err := s.APIKeys(ctx, ingot.RoleCentralBank, "")
		if err != nil || len(ks) != 1 || ks[0].ID != "key-cb" || ks[0].Scopes != nil {
			t.Fatalf("%s: APIKeys(central bank) = %+v, %v", when, ks, err)
		}
	}
	checkData("after Migrate")
	checkKeys("after Migrate")
	ws, err := s.HolderWallets(ctx, phone)
	if err != nil || len(ws) != 1 || ws[0].ID != w.ID {
		t.Fatalf("HolderWallets of a wallet made at 6 = %v, %v", ws, err)
	}
	// The new tables work on the migrated database.
	h := auth.Holder{ID: "h-1", PhoneHash: phone, PINHash: "x", CreatedAt: created, UpdatedAt: created}
	if err := s.CreateHolder(ctx, h); err != nil {
		t.Fatalf("CreateHolder: %v", err)
	}
	if err := s.RevokeAPIKey(ctx, "key-1", created.Add(time.Hour)); err != nil {
		t.Fatalf("RevokeAPIKey of a key made at 6: %v", err)
	}

	if _, err := p.DownTo(ctx, 6); err != nil {
		t.Fatalf("down to 6: %v", err)
	}
	checkData("after down to 6")
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	checkData("after up again")
	checkKeys("after up again")
}

// latestVersion is the version of the newest embedded migration.
func latestVersion(t *testing.T, p *goose.Provider) int64 {
	t.Helper()
	srcs := p.ListSources()
	if len(srcs) == 0 {
		t.Fatal("no migrations")
	}
	return srcs[len(srcs)-1].Version
}

// oldAccountColumns are the accounts' columns that builds before 00012
// wrote and read: those of accountColumns before risk (and spending_rule,
// 00016). Every version from 5 has them.
var oldAccountColumns = accountColumns[:len(accountColumns)-2]

// insertOldAccount inserts an account as a build before 00012 did (at 5 or
// later), through q (the pool or a transaction).
func insertOldAccount(t *testing.T, q execer, a ingot.Account) {
	t.Helper()
	if n := len(accountColumns); accountColumns[n-2] != "risk" || accountColumns[n-1] != "spending_rule" {
		t.Fatal("accountColumns does not end with risk, spending_rule")
	}
	n := len(oldAccountColumns)
	if _, err := q.Exec(context.Background(), `INSERT INTO accounts (`+strings.Join(oldAccountColumns, ", ")+`)
		VALUES (`+strings.Join(strings.Split(accountValuesSQL, ", ")[:n], ", ")+`)`, accountValues(&a)[:n]...); err != nil {
		t.Fatalf("insert account %d: %v", a.ID, err)
	}
}

// oldAccount reads an account's balance and phone hash with a query that
// every version of the schema answers.
func oldAccount(t *testing.T, s *Store, id int64) (balance int64, phoneHash []byte) {
	t.Helper()
	if err := s.pool.QueryRow(context.Background(), `SELECT balance, holder_phone_hash FROM accounts WHERE id = $1`, id).
		Scan(&balance, &phoneHash); err != nil {
		t.Fatalf("read account %d: %v", id, err)
	}
	return balance, phoneHash
}

// writeAt6 writes accounts' balances and a transfer as a build at
// migration 6 or 7 did: the transfer without the columns of 8, the
// accounts without risk (00012).
func writeAt6(t *testing.T, s *Store, accounts []ingot.Account, tr ingot.Transfer) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, a := range accounts {
		if _, err := tx.(*batchTx).tx.Exec(ctx, `UPDATE accounts SET balance = $1, held = $2 WHERE id = $3`,
			a.Balance, a.Held, a.ID); err != nil {
			t.Fatalf("write account %d: %v", a.ID, err)
		}
	}
	if _, err := tx.(*batchTx).tx.Exec(ctx, `INSERT INTO transfers (id, kind, debit, credit, amount, currency, memo, hold_id,
			debit_balance, credit_balance, created_at, log_index) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		tr.ID, string(tr.Kind), tr.Debit, tr.Credit, tr.Amount, tr.Currency, tr.Memo, tr.HoldID,
		tr.DebitBalance, tr.CreditBalance, tr.CreatedAt, tr.LogIndex); err != nil {
		t.Fatalf("insert transfer: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateFrom7: a database that a build without 00008 migrated and
// wrote to (a reserve, a wallet, a transfer) migrates to the latest
// version: the transfer reads back with no fee, reference or payment
// request, fee accounts are singletons like reserves, statements read the
// old transfer; 00008 and later go down to 7 with the data intact and come
// up again.
func TestMigrateFrom7(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openURL(t, schemaURL(t), false)
	p := provider(t, s)
	if _, err := p.UpTo(ctx, 7); err != nil {
		t.Fatalf("migrate to 7: %v", err)
	}
	created := time.Date(2026, 5, 1, 8, 30, 0, 123456000, time.UTC)
	if _, err := s.pool.Exec(ctx, `INSERT INTO operators (id, name, code, created_at) VALUES ('op-1', 'Bank', 'BANK', $1)`, created); err != nil {
		t.Fatalf("operator at 7: %v", err)
	}
	w := ingot.Account{ID: ingot.NewWalletID(), Kind: ingot.AccountWallet, OperatorID: "op-1", Currency: "CNY",
		Status: ingot.StatusActive, WalletKind: ingot.WalletMerchant, CreatedAt: created}
	insertOldAccount(t, s.pool, w)
	res := ingot.Account{ID: 1_000_001, Kind: ingot.AccountReserve, OperatorID: "op-1", Currency: "CNY",
		Status: ingot.StatusActive, CreatedAt: created}
	insertOldAccount(t, s.pool, res)
	tr := ingot.Transfer{ID: "t1", Kind: ingot.KindTopUp, Debit: res.ID, Credit: w.ID, Amount: 100, Currency: "CNY",
		Memo: "top-up", DebitBalance: -100, CreditBalance: 100, CreatedAt: created, LogIndex: -1}
	res.Balance, w.Balance = -100, 100
	writeAt6(t, s, []ingot.Account{res, w}, tr)

	check := func(when string) {
		t.Helper()
		got, err := s.Transfer(ctx, "t1")
		if err != nil || got.Amount != 100 || got.Memo != "top-up" || got.Fee != 0 || got.Reference != "" || got.PaymentRequestID != "" {
			t.Fatalf("%s: Transfer = %+v, %v", when, got, err)
		}
		ts, err := s.AccountTransfersBetween(ctx, w.ID, created.Truncate(24*time.Hour), created.Truncate(24*time.Hour).Add(24*time.Hour), 10)
		if err != nil || len(ts) != 1 || ts[0].ID != "t1" {
			t.Fatalf("%s: AccountTransfersBetween = %+v, %v", when, ts, err)
		}
		if b, err := s.BalanceBefore(ctx, w.ID, created.Add(time.Second)); err != nil || b != 100 {
			t.Fatalf("%s: BalanceBefore = %d, %v", when, b, err)
		}
		fee, err := s.EnsureAccount(ctx, ingot.AccountFee, "op-1", "CNY")
		if err != nil || fee.Kind != ingot.AccountFee || fee.OperatorID != "op-1" || fee.ID == res.ID {
			t.Fatalf("%s: EnsureAccount(fee) = %+v, %v", when, fee, err)
		}
		if again, err := s.EnsureAccount(ctx, ingot.AccountFee, "op-1", "CNY"); err != nil || again.ID != fee.ID {
			t.Fatalf("%s: EnsureAccount(fee) again = %+v, %v; want %d", when, again, err, fee.ID)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate from 7: %v", err)
	}
	check("after Migrate")
	m := ingot.Merchant{Wallet: w.ID, Name: "Noodles", City: "Beijing", Country: "CN", MCC: "5812", UpdatedAt: created}
	if err := s.SetMerchant(ctx, m); err != nil {
		t.Fatalf("SetMerchant: %v", err)
	}

	if _, err := p.DownTo(ctx, 7); err != nil {
		t.Fatalf("down to 7: %v", err)
	}
	var amount int64
	if err := s.pool.QueryRow(ctx, `SELECT amount FROM transfers WHERE id = 't1'`).Scan(&amount); err != nil || amount != 100 {
		t.Fatalf("at 7 again: transfer amount = %d, %v", amount, err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	check("after up again")
}
