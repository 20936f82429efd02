package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// testCreateAccounts is Store.CreateAccounts: many wallets in one call,
// with the idempotency semantics of CreateAccount, all or nothing.
func testCreateAccounts(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := mustCreateOperator(t, s, "OPA")

	// More than one statement's worth of rows on SQLite, and a rest.
	const n = 600
	as := make([]ingot.Account, n)
	for i := range as {
		as[i] = newWallet(op.ID, "CNY")
		as[i].Holder.Name = fmt.Sprintf("Holder %d", i)
		if i%3 == 0 {
			as[i].WalletKind = ingot.WalletMerchant
		}
	}
	idem := newIdem("op-key", "open-many")
	rec, err := s.CreateAccounts(ctx, as, idem)
	if err != nil || rec != nil {
		t.Fatalf("CreateAccounts = %+v, %v; want nil, nil", rec, err)
	}
	for _, a := range as {
		got, err := s.Account(ctx, a.ID)
		if err != nil {
			t.Fatalf("Account(%d): %v", a.ID, err)
		}
		checkAccount(t, got, a)
	}
	if list := listAll(t, s, op.ID); len(list) != n {
		t.Fatalf("Accounts lists %d wallets, want %d", len(list), n)
	}
	stored, err := s.Idempotency(ctx, idem.IdemKey)
	if err != nil {
		t.Fatalf("Idempotency: %v", err)
	}
	checkIdem(t, stored, *idem)

	// The same key again: nothing written, the first record returned.
	again := []ingot.Account{newWallet(op.ID, "CNY"), newWallet(op.ID, "CNY")}
	idem2 := newIdem("op-key", "open-many")
	idem2.Hash = []byte("different")
	rec, err = s.CreateAccounts(ctx, again, idem2)
	if err != nil || rec == nil {
		t.Fatalf("replayed CreateAccounts = %+v, %v; want the stored record", rec, err)
	}
	checkIdem(t, *rec, *idem)
	for _, a := range again {
		_, err := s.Account(ctx, a.ID)
		checkNotFound(t, "account of the replayed create", err)
	}

	// A taken id anywhere in the batch: ErrConflict, nothing written, no
	// idempotency record.
	bad := make([]ingot.Account, 300)
	for i := range bad {
		bad[i] = newWallet(op.ID, "EUR")
	}
	bad[299].ID = as[7].ID
	idem3 := newIdem("op-key", "taken")
	if _, err := s.CreateAccounts(ctx, bad, idem3); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateAccounts with a taken id: err = %v, want store.ErrConflict", err)
	}
	_, err = s.Idempotency(ctx, idem3.IdemKey)
	checkNotFound(t, "idempotency record of the failed create", err)
	for _, a := range bad[:299] {
		_, err := s.Account(ctx, a.ID)
		checkNotFound(t, "account of the failed create", err)
	}
	got, err := s.Account(ctx, as[7].ID)
	if err != nil {
		t.Fatalf("Account: %v", err)
	}
	checkAccount(t, got, as[7])

	// One id twice in a batch is a conflict too.
	dup := []ingot.Account{newWallet(op.ID, "CNY"), newWallet(op.ID, "CNY")}
	dup[1].ID = dup[0].ID
	if _, err := s.CreateAccounts(ctx, dup, nil); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateAccounts with an id twice: err = %v, want store.ErrConflict", err)
	}
	_, err = s.Account(ctx, dup[0].ID)
	checkNotFound(t, "account of the batch with an id twice", err)

	// The key, now free of the failed batch, works; without idem, nothing
	// is recorded.
	if rec, err := s.CreateAccounts(ctx, bad[:1], idem3); err != nil || rec != nil {
		t.Fatalf("CreateAccounts after the conflict = %+v, %v; want nil, nil", rec, err)
	}
	if rec, err := s.CreateAccounts(ctx, bad[1:3], nil); err != nil || rec != nil {
		t.Fatalf("CreateAccounts without idem = %+v, %v; want nil, nil", rec, err)
	}
	if list := listAll(t, s, op.ID); len(list) != n+3 {
		t.Fatalf("Accounts lists %d wallets, want %d", len(list), n+3)
	}
	// The wallets count in the totals (balance zero).
	tot, err := s.Totals(ctx, "EUR")
	if err != nil || tot.Wallets != 0 {
		t.Fatalf("Totals(EUR) = %+v, %v", tot, err)
	}
}

// listAll lists all of an operator's wallets.
func listAll(t *testing.T, s store.Store, operatorID string) []ingot.Account {
	t.Helper()
	var all []ingot.Account
	var after int64
	for {
		page, err := s.Accounts(context.Background(), operatorID, ingot.AccountWallet, after, 500)
		if err != nil {
			t.Fatalf("Accounts: %v", err)
		}
		all = append(all, page...)
		if len(page) < 500 {
			return all
		}
		after = page[len(page)-1].ID
	}
}
