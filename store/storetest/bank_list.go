package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// testWalletBankOperations: a wallet's bank operations, newest first, by
// page; another wallet's are not among them.
func testWalletBankOperations(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := mustCreateOperator(t, s, "BOPS")
	w, other := newWallet(op.ID, "CNY"), newWallet(op.ID, "CNY")
	for _, a := range []ingot.Account{w, other} {
		if _, err := s.CreateAccount(ctx, a, nil); err != nil {
			t.Fatal(err)
		}
	}
	t0 := norm(now())
	var bw store.BankWrite
	var ids []string // oldest first
	for i, wl := range []int64{w.ID, w.ID, other.ID, w.ID} {
		ba := ingot.BankAccount{ID: uuid.NewString(), Wallet: wl, OperatorID: op.ID, BankCode: "ICBC", AccountNumber: "v1:n",
			HolderName: "v1:h", NumberHash: []byte{byte(i)}, Currency: "CNY", CreatedAt: t0, UpdatedAt: t0}
		o := ingot.BankOperation{ID: uuid.Must(uuid.NewV7()).String(), OperatorID: op.ID, Wallet: wl, BankAccount: ba.ID, Kind: ingot.BankTopUp,
			Amount: int64(100 * (i + 1)), Currency: "CNY", Status: ingot.BankPending, NextAttempt: t0, CreatedAt: t0.Add(time.Duration(i) * time.Millisecond), UpdatedAt: t0}
		bw.NewBankAccounts = append(bw.NewBankAccounts, ba)
		bw.NewBankOps = append(bw.NewBankOps, o)
		if wl == w.ID {
			ids = append(ids, o.ID)
		}
		time.Sleep(2 * time.Millisecond) // distinct UUIDv7 times
	}
	writeBank(t, s, bw)
	got, err := s.WalletBankOperations(ctx, w.ID, "", 2)
	if err != nil || len(got) != 2 || got[0].ID != ids[2] || got[1].ID != ids[1] || got[0].Amount != 400 || got[0].Wallet != w.ID {
		t.Fatalf("WalletBankOperations first page = %+v, %v; want %v", got, err, ids)
	}
	got, err = s.WalletBankOperations(ctx, w.ID, got[1].ID, 2)
	if err != nil || len(got) != 1 || got[0].ID != ids[0] {
		t.Fatalf("WalletBankOperations second page = %+v, %v", got, err)
	}
	if got, err := s.WalletBankOperations(ctx, ingot.NewWalletID(), "", 10); err != nil || len(got) != 0 {
		t.Fatalf("WalletBankOperations of a wallet without any = %+v, %v", got, err)
	}
}
