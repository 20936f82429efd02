package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/bank"
	"github.com/ingot-cbdc/ingot/store"
)

// testBank: bank accounts and operations written by a batch, the
// operation's idempotency record, claims, retries and the sandbox's
// idempotent postings.
func testBank(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := mustCreateOperator(t, s, "BANK")
	w := newWallet(op.ID, "CNY")
	if _, err := s.CreateAccount(ctx, w, nil); err != nil {
		t.Fatal(err)
	}
	t0 := norm(now())
	ba := ingot.BankAccount{ID: uuid.NewString(), Wallet: w.ID, OperatorID: op.ID, BankCode: "ICBC", AccountNumber: "v1:n",
		HolderName: "v1:h", NumberHash: []byte{9, 9}, Currency: "CNY", CreatedAt: t0, UpdatedAt: t0}
	wop := ingot.BankOperation{ID: uuid.NewString(), OperatorID: op.ID, Wallet: w.ID, BankAccount: ba.ID, Kind: ingot.BankWithdraw,
		Amount: 500, Currency: "CNY", Status: ingot.BankPending, NextAttempt: t0, CreatedAt: t0, UpdatedAt: t0}
	writeBank(t, s, store.BankWrite{NewBankAccounts: []ingot.BankAccount{ba}, NewBankOps: []ingot.BankOperation{wop}})
	got, err := s.BankAccount(ctx, ba.ID)
	if err != nil || got.AccountNumber != "v1:n" || got.Wallet != w.ID || got.Removed || !got.CreatedAt.Equal(t0) {
		t.Fatalf("BankAccount = %+v, %v", got, err)
	}
	if l, err := s.WalletBankAccounts(ctx, w.ID); err != nil || len(l) != 1 {
		t.Fatalf("WalletBankAccounts = %d, %v", len(l), err)
	}

	// A top-up with an idempotency record; the same key again writes nothing.
	idem := &store.IdemRecord{IdemKey: ingot.IdemKey{Scope: "k", Key: "t-1"}, Hash: []byte{1}, Status: 201, Body: []byte(`{}`), CreatedAt: t0}
	top := wop
	top.ID, top.Kind, top.Idem = uuid.NewString(), ingot.BankTopUp, idem.IdemKey
	if rec, err := s.CreateBankOperation(ctx, top, idem); err != nil || rec != nil {
		t.Fatalf("CreateBankOperation = %v, %v", rec, err)
	}
	again := top
	again.ID = uuid.NewString()
	if rec, err := s.CreateBankOperation(ctx, again, idem); err != nil || rec == nil {
		t.Fatalf("CreateBankOperation again = %v, %v; want the record", rec, err)
	}
	if o, err := s.BankOperationByIdem(ctx, idem.IdemKey); err != nil || o.ID != top.ID {
		t.Fatalf("BankOperationByIdem = %+v, %v", o, err)
	}
	if _, err := s.BankOperation(ctx, again.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the replayed operation was written: %v", err)
	}

	// Claims: both due operations once, then none until released.
	later := t0.Add(time.Second)
	ops, err := s.ClaimBankOperations(ctx, later, later.Add(time.Minute), 10)
	if err != nil || len(ops) != 2 || ops[0].Attempts != 1 {
		t.Fatalf("claim = %+v, %v", ops, err)
	}
	if ops, err := s.ClaimBankOperations(ctx, later, later.Add(time.Minute), 10); err != nil || len(ops) != 0 {
		t.Fatalf("second claim = %d, %v", len(ops), err)
	}
	if err := s.RetryBankOperation(ctx, top.ID, "timeout", later); err != nil {
		t.Fatal(err)
	}
	if ops, err := s.ClaimBankOperations(ctx, later, later.Add(time.Minute), 10); err != nil || len(ops) != 1 || ops[0].ID != top.ID || ops[0].LastError != "timeout" || ops[0].Attempts != 2 {
		t.Fatalf("claim after retry = %+v, %v", ops, err)
	}

	// Settled in a batch: locked, updated, not claimable any more.
	tx, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	locked, err := tx.LockBankOperations(ctx, []string{wop.ID})
	_ = tx.Rollback(ctx)
	if err != nil || len(locked) != 1 || locked[0].Status != ingot.BankPending {
		t.Fatalf("LockBankOperations = %+v, %v", locked, err)
	}
	done := locked[0]
	done.Status, done.UpdatedAt = ingot.BankCompleted, later
	ba.Removed, ba.UpdatedAt = true, later
	writeBank(t, s, store.BankWrite{UpdatedBankOps: []ingot.BankOperation{done}, RemovedBankAccounts: []ingot.BankAccount{ba}})
	if o, _ := s.BankOperation(ctx, wop.ID); o.Status != ingot.BankCompleted {
		t.Fatalf("status %s", o.Status)
	}
	if l, _ := s.WalletBankAccounts(ctx, w.ID); len(l) != 0 {
		t.Fatalf("a removed account is listed")
	}

	// The sandbox bank's storage, through the interface package bank
	// declares: postings are idempotent by ref, never below zero.
	sb, ok := s.(bank.SandboxStore)
	if !ok {
		t.Fatalf("%T does not implement bank.SandboxStore", s)
	}
	h := []byte("hash-1")
	if err := sb.SandboxOpen(ctx, bank.SandboxAccount{Hash: h, BankCode: "ICBC", HolderName: "v1:x", Currency: "CNY", Balance: 1000, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := sb.SandboxOpen(ctx, bank.SandboxAccount{Hash: h, BankCode: "ICBC", HolderName: "v1:x", Currency: "CNY", CreatedAt: t0}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second open: %v", err)
	}
	// The entry has the time given to the first post (in UTC, truncated to
	// microseconds); a replay at another time returns it unchanged.
	posted := now().Add(time.Hour)
	for i := range 2 {
		e, replay, err := sb.SandboxPost(ctx, h, "ref-1", -300, posted.Add(time.Duration(i)*time.Minute))
		if err != nil || replay != (i == 1) {
			t.Fatalf("post %d: replay %v, %v", i, replay, err)
		}
		if e.Ref != "ref-1" || !bytes.Equal(e.Hash, h) || e.Amount != -300 || !e.CreatedAt.Equal(norm(posted)) || e.CreatedAt.Location() != time.UTC {
			t.Fatalf("post %d: entry %+v; want ref-1, -300 at %v UTC", i, e, norm(posted))
		}
	}
	if _, _, err := sb.SandboxPost(ctx, h, "ref-2", -701, t0); !errors.Is(err, bank.ErrSandboxInsufficient) {
		t.Fatalf("overdraft: %v", err)
	}
	if _, _, err := sb.SandboxPost(ctx, []byte("nope"), "ref-3", 1, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown account: %v", err)
	}
	if a, err := sb.SandboxAccount(ctx, h); err != nil || a.Balance != 700 {
		t.Fatalf("sandbox balance %d, %v; want 700", a.Balance, err)
	}
}

func writeBank(t *testing.T, s store.Store, bw store.BankWrite) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := tx.WriteBank(ctx, &bw); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}
