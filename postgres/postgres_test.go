package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/internal/testdb/testpg"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/store/storetest"
)

// EnvURL names the environment variable with the URL of a PostgreSQL
// database the tests may create schemas in (.ci/pg-start prints one).
const EnvURL = testpg.Env

// schemaURL creates a fresh schema for one test, dropped at its end, and
// returns a URL whose connections use it as their search_path. Without
// EnvURL the test fails under INGOT_REQUIRE_POSTGRES and skips otherwise.
func schemaURL(t testing.TB) string {
	t.Helper()
	base := testpg.URL(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect %s: %v", EnvURL, err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "ingot_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openURL opens a store at u, closed at the test's end.
func openURL(t testing.TB, u string, migrate bool) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if migrate {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	return s
}

// openTest opens a migrated store in a fresh schema.
func openTest(t testing.TB) *Store {
	t.Helper()
	return openURL(t, schemaURL(t), true)
}

func TestConformance(t *testing.T) {
	testpg.URL(t) // fail or skip the suite once, not each of its tests
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t) })
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	u := schemaURL(t)
	ctx := context.Background()
	const n = 4
	stores := make([]*Store, n)
	for i := range n {
		stores[i] = openURL(t, u, false)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = stores[i].Migrate(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate %d: %v", i, err)
		}
	}
	if _, err := stores[0].EnsureAccount(ctx, ingot.AccountIssuance, "", "CNY"); err != nil {
		t.Fatalf("EnsureAccount after concurrent migrations: %v", err)
	}
}

type fixture struct {
	s       *Store
	op      ingot.Operator
	iss     ingot.Account
	res     ingot.Account
	wallets []ingot.Account
}

func newFixture(t *testing.T, s *Store, wallets int) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{s: s}
	f.op = ingot.Operator{ID: uuid.NewString(), Name: "Bank", Code: "BANK", CreatedAt: time.Now()}
	key := ingot.APIKey{ID: uuid.NewString(), Role: ingot.RoleOperator, OperatorID: f.op.ID,
		Hash: []byte(uuid.NewString()), CreatedAt: time.Now()}
	if _, err := s.CreateOperator(ctx, f.op, key, nil); err != nil {
		t.Fatalf("CreateOperator: %v", err)
	}
	var err error
	if f.iss, err = s.EnsureAccount(ctx, ingot.AccountIssuance, "", "CNY"); err != nil {
		t.Fatalf("EnsureAccount: %v", err)
	}
	if f.res, err = s.EnsureAccount(ctx, ingot.AccountReserve, f.op.ID, "CNY"); err != nil {
		t.Fatalf("EnsureAccount: %v", err)
	}
	for range wallets {
		a := ingot.Account{ID: ingot.NewWalletID(), Kind: ingot.AccountWallet, OperatorID: f.op.ID,
			Currency: "CNY", Status: ingot.StatusActive, WalletKind: ingot.WalletPersonal, CreatedAt: time.Now()}
		if _, err := s.CreateAccount(ctx, a, nil); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		f.wallets = append(f.wallets, a)
	}
	return f
}

func transfer(kind ingot.TransferKind, debit, credit, amount int64) ingot.Transfer {
	return ingot.Transfer{ID: uuid.Must(uuid.NewV7()).String(), Kind: kind, Debit: debit, Credit: credit,
		Amount: amount, Currency: "CNY", CreatedAt: time.Now(), LogIndex: -1}
}

// TestLargeBatch writes thousands of transfers, holds and idempotency
// records in one batch, as the engine does under load.
func TestLargeBatch(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	f := newFixture(t, s, 50)

	const n = 5000
	w := &store.BatchWrite{}
	bal := map[int64]int64{}
	for i := range n {
		var tr ingot.Transfer
		if i%2 == 0 {
			tr = transfer(ingot.KindMint, f.iss.ID, f.res.ID, int64(i+1))
		} else {
			tr = transfer(ingot.KindTopUp, f.res.ID, f.wallets[i%len(f.wallets)].ID, 1)
		}
		bal[tr.Debit] -= tr.Amount
		bal[tr.Credit] += tr.Amount
		tr.DebitBalance, tr.CreditBalance = bal[tr.Debit], bal[tr.Credit]
		w.Transfers = append(w.Transfers, tr)
		w.Idempotency = append(w.Idempotency, store.IdemRecord{
			IdemKey: ingot.IdemKey{Scope: "k", Key: fmt.Sprint(i)}, Hash: []byte{1}, Status: 201,
			Body: []byte("{}"), CreatedAt: time.Now(),
		})
	}
	for i := range 1000 {
		w.NewHolds = append(w.NewHolds, ingot.Hold{ID: uuid.Must(uuid.NewV7()).String(),
			Wallet: f.wallets[i%len(f.wallets)].ID, OperatorID: f.op.ID, Amount: 1, Currency: "CNY",
			Status: ingot.HoldPending, ExpiresAt: time.Now().Add(time.Hour), CreatedAt: time.Now(), UpdatedAt: time.Now()})
	}

	tx, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	ids := []int64{f.iss.ID, f.res.ID}
	for _, a := range f.wallets {
		ids = append(ids, a.ID)
	}
	locked, err := tx.LockAccounts(ctx, ids)
	if err != nil || len(locked) != len(ids) {
		t.Fatalf("LockAccounts = %d accounts, %v; want %d", len(locked), err, len(ids))
	}
	for _, a := range locked {
		a.Balance = bal[a.ID]
		w.Accounts = append(w.Accounts, a)
	}
	start := time.Now()
	if err := tx.Write(ctx, w); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	t.Logf("wrote %d transfers, %d holds, %d idempotency records, %d accounts in %v",
		n, len(w.NewHolds), n, len(w.Accounts), time.Since(start))

	// Seq follows slice order.
	var prev int64
	for i, tr := range []ingot.Transfer{w.Transfers[0], w.Transfers[1], w.Transfers[n/2], w.Transfers[n-1]} {
		got, err := s.Transfer(ctx, tr.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Seq <= prev {
			t.Errorf("transfer %d: Seq %d not above %d", i, got.Seq, prev)
		}
		prev = got.Seq
	}
	var seqs []int64
	rows, _ := s.pool.Query(ctx, `SELECT seq FROM transfers ORDER BY seq`)
	seqs, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(seqs) != n {
		t.Fatalf("seqs: %d, %v", len(seqs), err)
	}
	rows, _ = s.pool.Query(ctx, `SELECT id FROM transfers ORDER BY seq`)
	order, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for i := range order {
		if order[i] != w.Transfers[i].ID {
			t.Fatalf("transfer at seq rank %d is %s, want %s", i, order[i], w.Transfers[i].ID)
		}
	}
	for id, want := range bal {
		a, err := s.Account(ctx, id)
		if err != nil || a.Balance != want {
			t.Errorf("Account(%d) balance = %d, %v; want %d", id, a.Balance, err, want)
		}
	}
	tot, err := s.Totals(ctx, "CNY")
	if err != nil || tot.Issuance+tot.Reserves+tot.Wallets != 0 {
		t.Errorf("Totals = %+v, %v; want a balanced book", tot, err)
	}
	page, err := s.AccountTransfers(ctx, f.res.ID, 0, 10)
	if err != nil || len(page) != 10 || page[0].ID != w.Transfers[n-1].ID {
		t.Errorf("AccountTransfers(reserve) = %d, %v; want the newest first", len(page), err)
	}
	exp, err := s.ExpiredHolds(ctx, time.Now().Add(2*time.Hour), 5000)
	if err != nil || len(exp) != 1000 {
		t.Errorf("ExpiredHolds = %d, %v; want 1000", len(exp), err)
	}
}

// TestLockWaitsForCommit: two batches on two connections lock the same
// account; the second waits until the first commits, then sees its balance.
func TestLockWaitsForCommit(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := newFixture(t, s, 1)
	w := f.wallets[0]

	tx1, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx)
	got, err := tx1.LockAccounts(ctx, []int64{w.ID, f.res.ID})
	if err != nil || len(got) != 2 {
		t.Fatalf("tx1 LockAccounts = %v, %v", got, err)
	}
	tr := transfer(ingot.KindTopUp, f.res.ID, w.ID, 700)
	res, wal := f.res, w
	res.Balance, wal.Balance = -700, 700
	if err := tx1.Write(ctx, &store.BatchWrite{Accounts: []ingot.Account{res, wal}, Transfers: []ingot.Transfer{tr}}); err != nil {
		t.Fatalf("tx1 Write: %v", err)
	}

	type result struct {
		accounts []ingot.Account
		err      error
		at       time.Time
	}
	done := make(chan result, 1)
	tx2, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback(ctx)
	go func() {
		as, err := tx2.LockAccounts(ctx, []int64{w.ID})
		done <- result{as, err, time.Now()}
	}()
	select {
	case r := <-done:
		t.Fatalf("tx2 LockAccounts returned while tx1 held the lock: %+v, %v", r.accounts, r.err)
	case <-time.After(300 * time.Millisecond):
	}
	committed := time.Now()
	if err := tx1.Commit(ctx); err != nil {
		t.Fatalf("tx1 Commit: %v", err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("tx2 LockAccounts: %v", r.err)
	}
	if r.at.Before(committed) {
		t.Errorf("tx2 got the lock before tx1 committed")
	}
	if len(r.accounts) != 1 || r.accounts[0].Balance != 700 {
		t.Fatalf("tx2 sees %+v, want balance 700", r.accounts)
	}
	if err := tx2.Commit(ctx); err != nil {
		t.Fatalf("tx2 Commit: %v", err)
	}
}

// TestIdempotencyRaceWaits: a batch writing a key another uncommitted
// batch wrote waits for it, then fails with ErrIdempotencyRace.
func TestIdempotencyRaceWaits(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rec := store.IdemRecord{IdemKey: ingot.IdemKey{Scope: "s", Key: "k"}, Hash: []byte{1}, Status: 201,
		Body: []byte("{}"), CreatedAt: time.Now()}

	tx1, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx)
	if err := tx1.Write(ctx, &store.BatchWrite{Idempotency: []store.IdemRecord{rec}}); err != nil {
		t.Fatalf("tx1 Write: %v", err)
	}
	tx2, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback(ctx)
	done := make(chan error, 1)
	go func() { done <- tx2.Write(ctx, &store.BatchWrite{Idempotency: []store.IdemRecord{rec}}) }()
	select {
	case err := <-done:
		t.Fatalf("tx2 Write returned while tx1 was open: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, store.ErrIdempotencyRace) {
		t.Fatalf("tx2 Write = %v, want ErrIdempotencyRace", err)
	}
}

// TestCreateOperatorIdemConcurrent: concurrent creates with one key write
// one operator; the others get the record back.
func TestCreateOperatorIdemConcurrent(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	const n = 8
	recs := make([]*store.IdemRecord, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			op := ingot.Operator{ID: uuid.NewString(), Name: "B", Code: fmt.Sprint("C", i), CreatedAt: time.Now()}
			key := ingot.APIKey{ID: uuid.NewString(), Role: ingot.RoleOperator, OperatorID: op.ID,
				Hash: []byte(uuid.NewString()), CreatedAt: time.Now()}
			idem := &store.IdemRecord{IdemKey: ingot.IdemKey{Scope: "cb", Key: "same"}, Hash: []byte{byte(i)},
				Status: 201, Body: []byte("{}"), CreatedAt: time.Now()}
			recs[i], errs[i] = s.CreateOperator(ctx, op, key, idem)
		})
	}
	wg.Wait()
	created := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("CreateOperator %d: %v", i, errs[i])
		}
		if recs[i] == nil {
			created++
		}
	}
	ops, err := s.Operators(ctx, "", 100)
	if created != 1 || err != nil || len(ops) != 1 {
		t.Errorf("created %d, operators %d (%v); want 1 and 1", created, len(ops), err)
	}
}

// BenchmarkRiskWrite measures batches with and without their risk rows
// (storetest.BenchmarkRiskWrite).
func BenchmarkRiskWrite(b *testing.B) {
	storetest.BenchmarkRiskWrite(b, openTest(b))
}
