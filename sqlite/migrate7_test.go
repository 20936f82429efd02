package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/store"
)

// TestMigrateFrom6: a database that a build without 00007 migrated and
// wrote to (operators, keys, wallets, a transfer, an idempotency record)
// migrates to 7 with its data intact; the keys it had read back with nil
// Scopes (every scope of their role) and no name, expiry, revocation or
// client certificate; the new tables work; 00007 goes down and up.
func TestMigrateFrom6(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ingot.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	if _, err := migrations(t, s).UpTo(ctx, 6); err != nil {
		t.Fatalf("migrate to 6: %v", err)
	}
	created := time.Date(2026, 5, 1, 8, 30, 0, 123456000, time.UTC)
	keyHash := bytes.Repeat([]byte{7}, 32)
	cbHash := bytes.Repeat([]byte{8}, 32)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO operators (id, name, code, created_at) VALUES (?, ?, ?, ?)`, []any{"op-1", "Bank", "BANK", micros(created)}},
		{`INSERT INTO api_keys (id, role, operator_id, hash, created_at) VALUES (?, ?, ?, ?, ?)`,
			[]any{"key-1", "operator", "op-1", keyHash, micros(created)}},
		{`INSERT INTO api_keys (id, role, operator_id, hash, created_at) VALUES (?, ?, ?, ?, ?)`,
			[]any{"key-cb", "central_bank", "", cbHash, micros(created)}},
	} {
		if _, err := s.w.ExecContext(ctx, q.sql, q.args...); err != nil {
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
	if _, err := s.createWithIdem(ctx, "create account at 6", idem, func(tx *sql.Tx) error {
		insertOldAccount(t, tx, w) // migrate_test.go
		return nil
	}); err != nil {
		t.Fatalf("CreateAccount at 6: %v", err)
	}
	res := ingot.Account{ID: 1_000_001, Kind: ingot.AccountReserve, OperatorID: "op-1", Currency: "CNY",
		Status: ingot.StatusActive, CreatedAt: created}
	insertOldAccount(t, s.w, res)
	tr := ingot.Transfer{ID: "t1", Kind: ingot.KindTopUp, Debit: res.ID, Credit: w.ID, Amount: 100, Currency: "CNY",
		DebitBalance: -100, CreditBalance: 100, CreatedAt: created, LogIndex: -1}
	res.Balance, w.Balance = -100, 100
	insertOldTransfer(t, s, tr) // migrate_test.go
	tx, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	writeOldBalances(t, tx, res, w) // migrate_test.go
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate from 6: %v", err)
	}
	p := migrations(t, s)
	if v, err := p.GetDBVersion(ctx); err != nil || v != latest(t, p) {
		t.Fatalf("version after Migrate = %d, %v; want %d", v, err, latest(t, p))
	}
	checkData := func(when string) {
		t.Helper()
		if b, h := oldAccount(t, s, w.ID); b != 100 || !bytes.Equal(h, phone) { // migrate_test.go
			t.Fatalf("%s: wallet balance, phone hash = %d, %x", when, b, h)
		}
		if v, err := p.GetDBVersion(ctx); err != nil || v < latest(t, p) {
			if amount := oldTransferAmount(t, s, "t1"); amount != 100 { // migrate_test.go
				t.Fatalf("%s: transfer t1 amount = %d, want 100", when, amount)
			}
		} else if got, err := s.Transfer(ctx, "t1"); err != nil || got.Amount != 100 || got.Fee != 0 ||
			got.Reference != "" || got.PaymentRequestID != "" {
			t.Fatalf("%s: Transfer = %+v, %v", when, got, err)
		} else if a, err := s.Account(ctx, w.ID); err != nil || a.Balance != 100 || !bytes.Equal(a.Holder.PhoneHash, phone) || a.Risk != nil {
			t.Fatalf("%s: Account = %+v, %v", when, a, err)
		}
		if r, err := s.Idempotency(ctx, idem.IdemKey); err != nil || r.Status != 201 {
			t.Fatalf("%s: Idempotency = %+v, %v", when, r, err)
		}
		if v, err := p.GetDBVersion(ctx); err != nil || v < latest(t, p) {
			// Below 00019 operators have no country: read the row itself.
			var code string
			if err := s.r.QueryRowContext(ctx, `SELECT code FROM operators WHERE id = 'op-1'`).Scan(&code); err != nil || code != "BANK" {
				t.Fatalf("%s: operator op-1's code = %q, %v", when, code, err)
			}
		} else if o, err := s.Operator(ctx, "op-1"); err != nil || o.Code != "BANK" || o.Country != "" {
			t.Fatalf("%s: Operator = %+v, %v", when, o, err)
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
