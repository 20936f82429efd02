package sqlite_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/sqlite"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/store/storetest"
)

func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		s.Close()
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		// A directory that does not exist yet: Open creates it.
		s := open(t, filepath.Join(t.TempDir(), "sub", "dir", "ingot.db"))
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	})
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ingot.db")
	s := open(t, path)
	iss, err := s.EnsureAccount(ctx, ingot.AccountIssuance, "", "CNY")
	if err != nil {
		t.Fatalf("EnsureAccount: %v", err)
	}
	res, err := s.EnsureAccount(ctx, ingot.AccountReserve, "op", "CNY")
	if err != nil {
		t.Fatalf("EnsureAccount: %v", err)
	}
	tx, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatalf("BeginBatch: %v", err)
	}
	iss.Balance, res.Balance = -100, 100
	tr := ingot.Transfer{ID: "t1", Kind: ingot.KindMint, Debit: iss.ID, Credit: res.ID, Amount: 100, Currency: "CNY",
		DebitBalance: -100, CreditBalance: 100, CreatedAt: time.Now()}
	if err := tx.Write(ctx, &store.BatchWrite{Accounts: []ingot.Account{iss, res}, Transfers: []ingot.Transfer{tr}}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = open(t, path) // Migrate again on an existing database.
	defer s.Close()
	got, err := s.Account(ctx, res.ID)
	if err != nil || got.Balance != 100 {
		t.Fatalf("after reopen, Account = %+v, %v; want balance 100", got, err)
	}
	again, err := s.EnsureAccount(ctx, ingot.AccountIssuance, "", "CNY")
	if err != nil || again.ID != iss.ID || again.Balance != -100 {
		t.Fatalf("after reopen, EnsureAccount = %+v, %v; want id %d balance -100", again, err, iss.ID)
	}
	trs, err := s.AccountTransfers(ctx, res.ID, 0, 10)
	if err != nil || len(trs) != 1 || trs[0].ID != "t1" {
		t.Fatalf("after reopen, AccountTransfers = %v, %v", trs, err)
	}
	tot, err := s.Totals(ctx, "CNY")
	if err != nil || tot.Issuance != -100 || tot.Reserves != 100 {
		t.Fatalf("after reopen, Totals = %+v, %v", tot, err)
	}
}

// TestDurabilitySettings checks the pragmas a committed batch's durability
// depends on.
func TestDurabilitySettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ingot.db")
	s := open(t, path)
	defer s.Close()
	mode, sync, err := s.Pragmas(context.Background())
	if err != nil {
		t.Fatalf("Pragmas: %v", err)
	}
	// NORMAL: the writer's commits do not wait for the disk; the store's
	// group commit does (TestGroupCommit).
	if mode != "wal" || sync != 1 {
		t.Fatalf("journal_mode = %q, synchronous = %d; want wal, 1 (NORMAL)", mode, sync)
	}
}

// BenchmarkBatchWrite measures one committed batch of 1000 transfers
// between 100 wallets (with their account updates).
func BenchmarkBatchWrite(b *testing.B) {
	ctx := context.Background()
	s, err := sqlite.Open(filepath.Join(b.TempDir(), "ingot.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	var accts []ingot.Account
	for range 100 {
		a := ingot.Account{ID: ingot.NewWalletID(), Kind: ingot.AccountWallet, OperatorID: "op", Currency: "CNY",
			Status: ingot.StatusActive, WalletKind: ingot.WalletPersonal, CreatedAt: time.Now()}
		if _, err := s.CreateAccount(ctx, a, nil); err != nil {
			b.Fatal(err)
		}
		accts = append(accts, a)
	}
	const n = 1000
	seq := 0
	b.ResetTimer()
	for range b.N {
		w := &store.BatchWrite{Accounts: accts}
		for i := range n {
			seq++
			w.Transfers = append(w.Transfers, ingot.Transfer{
				ID: "t" + strconv.Itoa(seq), Kind: ingot.KindPayment, Debit: accts[i%100].ID,
				Credit: accts[(i+1)%100].ID, Amount: 1, Currency: "CNY", CreatedAt: time.Now(), LogIndex: -1,
			})
		}
		tx, err := s.BeginBatch(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := tx.Write(ctx, w); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "transfers/s")
}

// BenchmarkRiskWrite measures batches with and without their risk rows
// (storetest.BenchmarkRiskWrite).
func BenchmarkRiskWrite(b *testing.B) {
	s, err := sqlite.Open(filepath.Join(b.TempDir(), "ingot.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	storetest.BenchmarkRiskWrite(b, s)
}
