// Package storetest is the conformance suite of store.Store: every
// implementation (sqlite, postgres) runs Run from its own tests and must pass
// it unchanged.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Run runs the conformance suite. open must return a new, empty store with
// its migrations applied, and arrange for it to be closed (t.Cleanup). Each
// subtest opens its own store and runs in parallel with the others.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"MigrateTwiceAndPing", testMigratePing},
		{"Operators", testOperators},
		{"OperatorCodeConflict", testOperatorConflict},
		{"APIKeys", testAPIKeys},
		{"CreateOperatorIdempotency", testCreateOperatorIdem},
		{"CreateAccountIdempotency", testCreateAccountIdem},
		{"CreateAccountIDConflict", testCreateAccountConflict},
		{"CreateAccounts", testCreateAccounts},
		{"EnsureAccount", testEnsureAccount},
		{"EnsureAccountConcurrent", testEnsureAccountConcurrent},
		{"Accounts", testAccounts},
		{"NotFound", testNotFound},
		{"BatchCommit", testBatchCommit},
		{"BatchRollback", testBatchRollback},
		{"BatchIdempotencyRace", testBatchIdemRace},
		{"AccountTransfers", testAccountTransfers},
		{"Totals", testTotals},
		{"ExpiredHolds", testExpiredHolds},
		{"TimesUTC", testTimesUTC},
		{"TransparencyLog", testTransparencyLog},
		{"KYC", testKYC},
		{"Bank", testBank},                                 // bank.go
		{"WalletBankOperations", testWalletBankOperations}, // bank_list.go
	}
	tests = append(tests, authTests...)        // auth.go
	tests = append(tests, merchantTests...)    // merchant.go
	tests = append(tests, webhookTests...)     // webhook.go
	tests = append(tests, riskTests...)        // risk.go
	tests = append(tests, conditionalTests...) // conditional.go
	tests = append(tests, voucherTests...)     // vouchers.go
	tests = append(tests, spendingTests...)    // spending.go
	tests = append(tests, standingTests...)    // standing.go
	tests = append(tests, issuerTests...)      // issuers.go
	tests = append(tests, fxTests...)          // fx.go
	tests = append(tests, crossBorderTests...) // crossborder.go
	tests = append(tests, offlineTests...)     // offline.go
	tests = append(tests, openFinanceTests...) // openfinance.go
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			tc.fn(t, s)
		})
	}
}

// ---- fixtures ----

// shanghai is a non-UTC zone for times given to the store.
var shanghai = time.FixedZone("CST", 8*3600)

// now is a time with nanoseconds, in a non-UTC zone: the store must return
// it in UTC, truncated to microseconds.
func now() time.Time { return time.Now().In(shanghai) }

// norm is what the store returns for t.
func norm(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func randBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

func newKey(role ingot.Role, operatorID string) ingot.APIKey {
	h := sha256.Sum256(randBytes(32))
	return ingot.APIKey{ID: uuid.NewString(), Role: role, OperatorID: operatorID, Hash: h[:], CreatedAt: now()}
}

func newOperator(code string) ingot.Operator {
	return ingot.Operator{ID: uuid.NewString(), Name: "Bank " + code, Code: code, CreatedAt: now()}
}

func newIdem(scope, key string) *store.IdemRecord {
	h := sha256.Sum256([]byte(scope + key))
	return &store.IdemRecord{
		IdemKey:   ingot.IdemKey{Scope: scope, Key: key},
		Hash:      h[:],
		Status:    201,
		Body:      []byte(`{"key":"` + key + `"}`),
		CreatedAt: now(),
	}
}

func newWallet(operatorID, currency string) ingot.Account {
	return ingot.Account{
		ID: ingot.NewWalletID(), Kind: ingot.AccountWallet, OperatorID: operatorID, Currency: currency,
		Status: ingot.StatusActive, WalletKind: ingot.WalletPersonal,
		Holder: ingot.Holder{Name: "Li Wei", Phone: "+8613812345678"}, CreatedAt: now(),
	}
}

func newTransfer(kind ingot.TransferKind, debit, credit, amount int64, currency string) ingot.Transfer {
	return ingot.Transfer{
		ID: uuid.Must(uuid.NewV7()).String(), Kind: kind, Debit: debit, Credit: credit, Amount: amount,
		Currency: currency, Memo: "memo " + string(kind), DebitBalance: -amount, CreditBalance: amount,
		CreatedAt: now(), LogIndex: -1,
	}
}

func mustCreateOperator(t *testing.T, s store.Store, code string) ingot.Operator {
	t.Helper()
	op := newOperator(code)
	rec, err := s.CreateOperator(context.Background(), op, newKey(ingot.RoleOperator, op.ID), nil)
	if err != nil {
		t.Fatalf("CreateOperator(%s): %v", code, err)
	}
	if rec != nil {
		t.Fatalf("CreateOperator(%s) without idem returned record %+v", code, rec)
	}
	return op
}

func mustCreateWallet(t *testing.T, s store.Store, operatorID, currency string) ingot.Account {
	t.Helper()
	a := newWallet(operatorID, currency)
	rec, err := s.CreateAccount(context.Background(), a, nil)
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if rec != nil {
		t.Fatalf("CreateAccount without idem returned record %+v", rec)
	}
	return a
}

func mustEnsure(t *testing.T, s store.Store, kind ingot.AccountKind, operatorID, currency string) ingot.Account {
	t.Helper()
	a, err := s.EnsureAccount(context.Background(), kind, operatorID, currency)
	if err != nil {
		t.Fatalf("EnsureAccount(%s, %q, %s): %v", kind, operatorID, currency, err)
	}
	return a
}

// commit runs one batch writing w and commits it.
func commit(t *testing.T, s store.Store, w *store.BatchWrite) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatalf("BeginBatch: %v", err)
	}
	defer tx.Rollback(ctx)
	if err := tx.Write(ctx, w); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatalf("Rollback after Commit = %v, want nil", err)
	}
}

func checkNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: err = %v, want store.ErrNotFound", what, err)
	}
}

// ---- comparisons (times compared after normalization, with location) ----

func eqTime(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() }

func checkOperator(t *testing.T, got, want ingot.Operator) {
	t.Helper()
	if got.ID != want.ID || got.Name != want.Name || got.Code != want.Code || !eqTime(got.CreatedAt, norm(want.CreatedAt)) {
		t.Errorf("operator = %+v, want %+v", got, want)
	}
}

func checkKey(t *testing.T, got, want ingot.APIKey) {
	t.Helper()
	if got.ID != want.ID || got.Role != want.Role || got.OperatorID != want.OperatorID ||
		!bytes.Equal(got.Hash, want.Hash) || !eqTime(got.CreatedAt, norm(want.CreatedAt)) {
		t.Errorf("api key = %+v, want %+v", got, want)
	}
}

func checkAccount(t *testing.T, got, want ingot.Account) {
	t.Helper()
	w := want
	w.CreatedAt = norm(want.CreatedAt)
	g := got
	if !eqTime(g.CreatedAt, w.CreatedAt) {
		t.Errorf("account %d CreatedAt = %v, want %v", want.ID, g.CreatedAt, w.CreatedAt)
	}
	g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
	if !bytes.Equal(g.Holder.PhoneHash, w.Holder.PhoneHash) {
		t.Errorf("account %d phone hash = %x, want %x", want.ID, g.Holder.PhoneHash, w.Holder.PhoneHash)
	}
	g.Holder.PhoneHash, w.Holder.PhoneHash = nil, nil
	// Risk: nil and empty are the same.
	if !bytes.Equal(g.Risk, w.Risk) {
		t.Errorf("account %d risk = %x, want %x", want.ID, g.Risk, w.Risk)
	}
	g.Risk, w.Risk = nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("account = %+v, want %+v", got, want)
	}
}

func checkTransfer(t *testing.T, got, want ingot.Transfer) {
	t.Helper()
	if got.Seq <= 0 {
		t.Errorf("transfer %s Seq = %d, want > 0", got.ID, got.Seq)
	}
	if !eqTime(got.CreatedAt, norm(want.CreatedAt)) {
		t.Errorf("transfer %s CreatedAt = %v, want %v", want.ID, got.CreatedAt, norm(want.CreatedAt))
	}
	g, w := got, want
	g.Seq, w.Seq = 0, 0
	g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
	if g != w {
		t.Errorf("transfer = %+v, want %+v", got, want)
	}
}

func checkHold(t *testing.T, got, want ingot.Hold) {
	t.Helper()
	if !eqTime(got.ExpiresAt, norm(want.ExpiresAt)) || !eqTime(got.CreatedAt, norm(want.CreatedAt)) ||
		!eqTime(got.UpdatedAt, norm(want.UpdatedAt)) {
		t.Errorf("hold %s times = %v %v %v, want %v %v %v", want.ID, got.ExpiresAt, got.CreatedAt, got.UpdatedAt,
			norm(want.ExpiresAt), norm(want.CreatedAt), norm(want.UpdatedAt))
	}
	g, w := got, want
	g.ExpiresAt, g.CreatedAt, g.UpdatedAt = time.Time{}, time.Time{}, time.Time{}
	w.ExpiresAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Errorf("hold = %+v, want %+v", got, want)
	}
}

func checkIdem(t *testing.T, got, want store.IdemRecord) {
	t.Helper()
	if got.IdemKey != want.IdemKey || !bytes.Equal(got.Hash, want.Hash) || got.Status != want.Status ||
		!bytes.Equal(got.Body, want.Body) || !eqTime(got.CreatedAt, norm(want.CreatedAt)) {
		t.Errorf("idempotency record = %+v, want %+v", got, want)
	}
}

// ---- tests ----

func testMigratePing(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	// The test databases are primaries (a replica is tested by deploy/ha's
	// failover test).
	if role, err := s.Role(ctx); err != nil || role != store.RolePrimary {
		t.Fatalf("Role = %q, %v; want %q", role, err, store.RolePrimary)
	}
}

func testOperators(t *testing.T, s store.Store) {
	ctx := context.Background()
	var ops []ingot.Operator
	for i := range 7 {
		ops = append(ops, mustCreateOperator(t, s, fmt.Sprintf("OP%d", i)))
	}
	for _, op := range ops {
		got, err := s.Operator(ctx, op.ID)
		if err != nil {
			t.Fatalf("Operator(%s): %v", op.ID, err)
		}
		checkOperator(t, got, op)
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].ID < ops[j].ID })

	all, err := s.Operators(ctx, "", 100)
	if err != nil {
		t.Fatalf("Operators: %v", err)
	}
	if len(all) != len(ops) {
		t.Fatalf("Operators returned %d, want %d", len(all), len(ops))
	}
	for i := range ops {
		checkOperator(t, all[i], ops[i])
	}

	var paged []ingot.Operator
	after := ""
	for range 10 {
		page, err := s.Operators(ctx, after, 3)
		if err != nil {
			t.Fatalf("Operators(%q, 3): %v", after, err)
		}
		if len(page) > 3 {
			t.Fatalf("Operators(%q, 3) returned %d", after, len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = page[len(page)-1].ID
	}
	if len(paged) != len(ops) {
		t.Fatalf("paging returned %d operators, want %d", len(paged), len(ops))
	}
	for i := range ops {
		if paged[i].ID != ops[i].ID {
			t.Errorf("page item %d = %s, want %s", i, paged[i].ID, ops[i].ID)
		}
	}
	if n, err := s.CountAPIKeys(ctx, ingot.RoleOperator); err != nil || n != len(ops) {
		t.Errorf("CountAPIKeys(operator) = %d, %v; want %d", n, err, len(ops))
	}
}

func testOperatorConflict(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustCreateOperator(t, s, "ICBC")
	dup := newOperator("ICBC")
	key := newKey(ingot.RoleOperator, dup.ID)
	idem := newIdem("scope-cb", "k-dup")
	_, err := s.CreateOperator(ctx, dup, key, idem)
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateOperator with taken code: err = %v, want store.ErrConflict", err)
	}
	_, err = s.Operator(ctx, dup.ID)
	checkNotFound(t, "operator of the failed create", err)
	_, err = s.APIKeyByHash(ctx, key.Hash)
	checkNotFound(t, "key of the failed create", err)
	_, err = s.Idempotency(ctx, idem.IdemKey)
	checkNotFound(t, "idempotency record of the failed create", err)
	if n, err := s.CountAPIKeys(ctx, ingot.RoleOperator); err != nil || n != 1 {
		t.Errorf("CountAPIKeys(operator) = %d, %v; want 1", n, err)
	}
	ops, err := s.Operators(ctx, "", 10)
	if err != nil || len(ops) != 1 {
		t.Errorf("Operators = %v, %v; want one", ops, err)
	}
}

func testAPIKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	cb := newKey(ingot.RoleCentralBank, "")
	if _, err := s.CreateAPIKey(ctx, cb, nil); err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	op := mustCreateOperator(t, s, "BOC")
	opKey := newKey(ingot.RoleOperator, op.ID)
	if _, err := s.CreateAPIKey(ctx, opKey, nil); err != nil {
		t.Fatalf("CreateAPIKey(operator): %v", err)
	}
	got, err := s.APIKeyByHash(ctx, cb.Hash)
	if err != nil {
		t.Fatalf("APIKeyByHash: %v", err)
	}
	checkKey(t, got, cb)
	got, err = s.APIKeyByHash(ctx, opKey.Hash)
	if err != nil {
		t.Fatalf("APIKeyByHash(operator): %v", err)
	}
	checkKey(t, got, opKey)
	other := sha256.Sum256([]byte("unknown"))
	_, err = s.APIKeyByHash(ctx, other[:])
	checkNotFound(t, "APIKeyByHash(unknown)", err)
	if n, err := s.CountAPIKeys(ctx, ingot.RoleCentralBank); err != nil || n != 1 {
		t.Errorf("CountAPIKeys(central_bank) = %d, %v; want 1", n, err)
	}
	if n, err := s.CountAPIKeys(ctx, ingot.RoleOperator); err != nil || n != 2 {
		t.Errorf("CountAPIKeys(operator) = %d, %v; want 2", n, err)
	}
}

func testCreateOperatorIdem(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := newOperator("CCB")
	key := newKey(ingot.RoleOperator, op.ID)
	idem := newIdem("cb-key", "req-1")
	rec, err := s.CreateOperator(ctx, op, key, idem)
	if err != nil {
		t.Fatalf("CreateOperator: %v", err)
	}
	if rec != nil {
		t.Fatalf("first CreateOperator returned record %+v, want nil", rec)
	}
	stored, err := s.Idempotency(ctx, idem.IdemKey)
	if err != nil {
		t.Fatalf("Idempotency: %v", err)
	}
	checkIdem(t, stored, *idem)

	// The same key again, with another operator and another request hash:
	// nothing is written, the first record comes back.
	op2 := newOperator("ABC")
	key2 := newKey(ingot.RoleOperator, op2.ID)
	idem2 := newIdem("cb-key", "req-1")
	idem2.Hash = []byte("other hash")
	idem2.Body = []byte(`{"other":true}`)
	rec, err = s.CreateOperator(ctx, op2, key2, idem2)
	if err != nil {
		t.Fatalf("replayed CreateOperator: %v", err)
	}
	if rec == nil {
		t.Fatal("replayed CreateOperator returned no record")
	}
	checkIdem(t, *rec, *idem)
	_, err = s.Operator(ctx, op2.ID)
	checkNotFound(t, "operator of the replayed create", err)
	_, err = s.APIKeyByHash(ctx, key2.Hash)
	checkNotFound(t, "key of the replayed create", err)

	// The same key in another scope is another request.
	op3 := newOperator("XYZ")
	if rec, err := s.CreateOperator(ctx, op3, newKey(ingot.RoleOperator, op3.ID), newIdem("other-scope", "req-1")); err != nil || rec != nil {
		t.Fatalf("CreateOperator in another scope = %+v, %v; want nil, nil", rec, err)
	}
	if _, err := s.Operator(ctx, op3.ID); err != nil {
		t.Fatalf("Operator in another scope: %v", err)
	}
}

func testCreateAccountIdem(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := mustCreateOperator(t, s, "OPA")
	a := newWallet(op.ID, "CNY")
	idem := newIdem("op-key", "open-1")
	rec, err := s.CreateAccount(ctx, a, idem)
	if err != nil || rec != nil {
		t.Fatalf("CreateAccount = %+v, %v; want nil, nil", rec, err)
	}
	got, err := s.Account(ctx, a.ID)
	if err != nil {
		t.Fatalf("Account: %v", err)
	}
	checkAccount(t, got, a)
	stored, err := s.Idempotency(ctx, idem.IdemKey)
	if err != nil {
		t.Fatalf("Idempotency: %v", err)
	}
	checkIdem(t, stored, *idem)

	b := newWallet(op.ID, "CNY")
	idem2 := newIdem("op-key", "open-1")
	idem2.Hash = []byte("different")
	rec, err = s.CreateAccount(ctx, b, idem2)
	if err != nil {
		t.Fatalf("replayed CreateAccount: %v", err)
	}
	if rec == nil {
		t.Fatal("replayed CreateAccount returned no record")
	}
	checkIdem(t, *rec, *idem)
	_, err = s.Account(ctx, b.ID)
	checkNotFound(t, "account of the replayed create", err)
	list, err := s.Accounts(ctx, op.ID, ingot.AccountWallet, 0, 10)
	if err != nil || len(list) != 1 {
		t.Errorf("Accounts = %v, %v; want one", list, err)
	}
}

func testCreateAccountConflict(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := mustCreateOperator(t, s, "OPA")
	a := mustCreateWallet(t, s, op.ID, "CNY")
	b := newWallet(op.ID, "EUR")
	b.ID = a.ID
	idem := newIdem("op-key", "dup-id")
	if _, err := s.CreateAccount(ctx, b, idem); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateAccount with a taken id: err = %v, want store.ErrConflict", err)
	}
	_, err := s.Idempotency(ctx, idem.IdemKey)
	checkNotFound(t, "idempotency record of the failed create", err)
	got, err := s.Account(ctx, a.ID)
	if err != nil {
		t.Fatalf("Account: %v", err)
	}
	checkAccount(t, got, a)
}

func checkSystemAccount(t *testing.T, a ingot.Account, kind ingot.AccountKind, operatorID, currency string) {
	t.Helper()
	if a.ID < 1_000_000 || a.ID >= 1_000_000_000_000_000 {
		t.Errorf("%s account id %d not in [10^6, 10^15)", kind, a.ID)
	}
	if ingot.IsWalletID(a.ID) {
		t.Errorf("%s account id %d has the wallet id form", kind, a.ID)
	}
	if a.Kind != kind || a.OperatorID != operatorID || a.Currency != currency || a.Status != ingot.StatusActive ||
		a.Balance != 0 || a.Held != 0 {
		t.Errorf("EnsureAccount(%s, %q, %s) = %+v", kind, operatorID, currency, a)
	}
	if a.CreatedAt.IsZero() || a.CreatedAt.Location() != time.UTC {
		t.Errorf("EnsureAccount CreatedAt = %v, want a UTC time", a.CreatedAt)
	}
}

func testEnsureAccount(t *testing.T, s store.Store) {
	ctx := context.Background()
	opA := mustCreateOperator(t, s, "OPA")
	opB := mustCreateOperator(t, s, "OPB")

	iss := mustEnsure(t, s, ingot.AccountIssuance, "", "CNY")
	checkSystemAccount(t, iss, ingot.AccountIssuance, "", "CNY")
	again := mustEnsure(t, s, ingot.AccountIssuance, "", "CNY")
	checkAccount(t, again, iss)
	stored, err := s.Account(ctx, iss.ID)
	if err != nil {
		t.Fatalf("Account(issuance): %v", err)
	}
	checkAccount(t, stored, iss)

	issEUR := mustEnsure(t, s, ingot.AccountIssuance, "", "EUR")
	checkSystemAccount(t, issEUR, ingot.AccountIssuance, "", "EUR")
	resA := mustEnsure(t, s, ingot.AccountReserve, opA.ID, "CNY")
	checkSystemAccount(t, resA, ingot.AccountReserve, opA.ID, "CNY")
	resB := mustEnsure(t, s, ingot.AccountReserve, opB.ID, "CNY")
	checkSystemAccount(t, resB, ingot.AccountReserve, opB.ID, "CNY")
	resAEUR := mustEnsure(t, s, ingot.AccountReserve, opA.ID, "EUR")
	ids := map[int64]bool{iss.ID: true, issEUR.ID: true, resA.ID: true, resB.ID: true, resAEUR.ID: true}
	if len(ids) != 5 {
		t.Errorf("distinct (kind, operator, currency) share ids: %v", ids)
	}
	if again := mustEnsure(t, s, ingot.AccountReserve, opA.ID, "CNY"); again.ID != resA.ID {
		t.Errorf("second EnsureAccount(reserve) id = %d, want %d", again.ID, resA.ID)
	}
	list, err := s.Accounts(ctx, opA.ID, ingot.AccountReserve, 0, 10)
	if err != nil {
		t.Fatalf("Accounts(reserve): %v", err)
	}
	want := []int64{resA.ID, resAEUR.ID}
	slices.Sort(want)
	if len(list) != 2 || list[0].ID != want[0] || list[1].ID != want[1] {
		t.Errorf("Accounts(opA, reserve) = %v, want ids %v", list, want)
	}
	list, err = s.Accounts(ctx, "", ingot.AccountIssuance, 0, 10)
	if err != nil || len(list) != 2 {
		t.Errorf("Accounts(\"\", issuance) = %v, %v; want 2", list, err)
	}
	cur, err := s.Currencies(ctx)
	if err != nil || !slices.Equal(cur, []string{"CNY", "EUR"}) {
		t.Errorf("Currencies = %v, %v; want [CNY EUR]", cur, err)
	}
}

func testEnsureAccountConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := mustCreateOperator(t, s, "OPA")
	const n = 20
	type result struct {
		iss, res int64
		err      error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			a, err := s.EnsureAccount(ctx, ingot.AccountIssuance, "", "JPY")
			if err != nil {
				results[i].err = err
				return
			}
			b, err := s.EnsureAccount(ctx, ingot.AccountReserve, op.ID, "JPY")
			results[i] = result{iss: a.ID, res: b.ID, err: err}
		})
	}
	close(start)
	wg.Wait()
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("goroutine %d: %v", i, r.err)
		}
		if r.iss != results[0].iss || r.res != results[0].res {
			t.Errorf("goroutine %d got ids (%d, %d), goroutine 0 (%d, %d)", i, r.iss, r.res, results[0].iss, results[0].res)
		}
	}
	list, err := s.Accounts(ctx, "", ingot.AccountIssuance, 0, 100)
	if err != nil || len(list) != 1 {
		t.Errorf("issuance accounts = %v, %v; want exactly one", list, err)
	}
	list, err = s.Accounts(ctx, op.ID, ingot.AccountReserve, 0, 100)
	if err != nil || len(list) != 1 {
		t.Errorf("reserve accounts = %v, %v; want exactly one", list, err)
	}
}

func testAccounts(t *testing.T, s store.Store) {
	ctx := context.Background()
	opA := mustCreateOperator(t, s, "OPA")
	opB := mustCreateOperator(t, s, "OPB")
	var want []ingot.Account
	for i := range 7 {
		a := newWallet(opA.ID, "CNY")
		if i%2 == 1 {
			a.WalletKind = ingot.WalletMerchant
			a.Holder = ingot.Holder{Name: "Shop " + fmt.Sprint(i), Phone: ""}
			a.Status = ingot.StatusFrozen
		}
		if _, err := s.CreateAccount(ctx, a, nil); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		want = append(want, a)
	}
	mustCreateWallet(t, s, opB.ID, "CNY")
	mustEnsure(t, s, ingot.AccountReserve, opA.ID, "CNY")
	sort.Slice(want, func(i, j int) bool { return want[i].ID < want[j].ID })

	for _, a := range want {
		got, err := s.Account(ctx, a.ID)
		if err != nil {
			t.Fatalf("Account(%d): %v", a.ID, err)
		}
		checkAccount(t, got, a)
	}
	var paged []ingot.Account
	var after int64
	for range 10 {
		page, err := s.Accounts(ctx, opA.ID, ingot.AccountWallet, after, 3)
		if err != nil {
			t.Fatalf("Accounts: %v", err)
		}
		if len(page) > 3 {
			t.Fatalf("Accounts(limit 3) returned %d", len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = page[len(page)-1].ID
	}
	if len(paged) != len(want) {
		t.Fatalf("paging returned %d wallets, want %d", len(paged), len(want))
	}
	for i := range want {
		checkAccount(t, paged[i], want[i])
	}
	list, err := s.Accounts(ctx, opB.ID, ingot.AccountWallet, 0, 100)
	if err != nil || len(list) != 1 || list[0].OperatorID != opB.ID {
		t.Errorf("Accounts(opB) = %v, %v; want its one wallet", list, err)
	}
}

func testNotFound(t *testing.T, s store.Store) {
	ctx := context.Background()
	_, err := s.Operator(ctx, uuid.NewString())
	checkNotFound(t, "Operator", err)
	_, err = s.Account(ctx, ingot.NewWalletID())
	checkNotFound(t, "Account", err)
	_, err = s.Transfer(ctx, uuid.NewString())
	checkNotFound(t, "Transfer", err)
	_, err = s.Hold(ctx, uuid.NewString())
	checkNotFound(t, "Hold", err)
	_, err = s.Idempotency(ctx, ingot.IdemKey{Scope: "s", Key: "k"})
	checkNotFound(t, "Idempotency", err)
	ops, err := s.Operators(ctx, "", 10)
	if err != nil || len(ops) != 0 {
		t.Errorf("Operators on an empty store = %v, %v", ops, err)
	}
	tr, err := s.AccountTransfers(ctx, ingot.NewWalletID(), 0, 10)
	if err != nil || len(tr) != 0 {
		t.Errorf("AccountTransfers of an unknown account = %v, %v", tr, err)
	}
	cur, err := s.Currencies(ctx)
	if err != nil || len(cur) != 0 {
		t.Errorf("Currencies on an empty store = %v, %v", cur, err)
	}
}

// book is an issuance account, a reserve and wallets of one operator.
type book struct {
	op       ingot.Operator
	iss, res ingot.Account
	wallets  []ingot.Account
}

func newBook(t *testing.T, s store.Store, currency string, wallets int) *book {
	t.Helper()
	b := &book{op: mustCreateOperator(t, s, "B"+currency)}
	b.iss = mustEnsure(t, s, ingot.AccountIssuance, "", currency)
	b.res = mustEnsure(t, s, ingot.AccountReserve, b.op.ID, currency)
	for range wallets {
		b.wallets = append(b.wallets, mustCreateWallet(t, s, b.op.ID, currency))
	}
	return b
}

func testBatchCommit(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 2)
	w1, w2 := b.wallets[0], b.wallets[1]

	tx, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatalf("BeginBatch: %v", err)
	}
	defer tx.Rollback(ctx)
	unknown := ingot.NewWalletID()
	locked, err := tx.LockAccounts(ctx, []int64{w2.ID, unknown, b.res.ID, w1.ID, b.iss.ID})
	if err != nil {
		t.Fatalf("LockAccounts: %v", err)
	}
	wantIDs := []int64{w1.ID, w2.ID, b.res.ID, b.iss.ID}
	slices.Sort(wantIDs)
	var gotIDs []int64
	for _, a := range locked {
		gotIDs = append(gotIDs, a.ID)
	}
	if !slices.Equal(gotIDs, wantIDs) {
		t.Fatalf("LockAccounts ids = %v, want %v (sorted, unknown left out)", gotIDs, wantIDs)
	}
	for _, a := range locked {
		if a.ID == w1.ID {
			checkAccount(t, a, w1)
		}
	}
	if recs, err := tx.Idempotency(ctx, []ingot.IdemKey{{Scope: "s", Key: "nope"}}); err != nil || len(recs) != 0 {
		t.Fatalf("batch Idempotency of unknown keys = %v, %v", recs, err)
	}

	// Mint 1000 to the reserve, top up 300 to w1, w1 pays 100 to w2, w1
	// holds 50.
	iss, res, a1, a2 := b.iss, b.res, w1, w2
	mint := newTransfer(ingot.KindMint, iss.ID, res.ID, 1000, "CNY")
	mint.DebitBalance, mint.CreditBalance = -1000, 1000
	top := newTransfer(ingot.KindTopUp, res.ID, a1.ID, 300, "CNY")
	top.DebitBalance, top.CreditBalance = 700, 300
	pay := newTransfer(ingot.KindPayment, a1.ID, a2.ID, 100, "CNY")
	pay.DebitBalance, pay.CreditBalance = 200, 100
	pay.Memo = "coffee 咖啡"
	iss.Balance, res.Balance, a1.Balance, a2.Balance = -1000, 700, 200, 100
	a1.Held = 50
	a2.Status = ingot.StatusFrozen
	hold := ingot.Hold{
		ID: uuid.Must(uuid.NewV7()).String(), Wallet: a1.ID, OperatorID: b.op.ID, Amount: 50, Currency: "CNY",
		Status: ingot.HoldPending, ExpiresAt: now().Add(time.Hour), CreatedAt: now(), UpdatedAt: now(),
	}
	idems := []store.IdemRecord{*newIdem("k1", "pay-1"), *newIdem("k1", "pay-2"), *newIdem("k2", "pay-1")}
	w := &store.BatchWrite{
		Accounts:    []ingot.Account{iss, res, a1, a2},
		Transfers:   []ingot.Transfer{mint, top, pay},
		NewHolds:    []ingot.Hold{hold},
		Idempotency: idems,
	}
	if err := tx.Write(ctx, w); err != nil {
		t.Fatalf("Write: %v", err)
	}
	// Not committed: invisible to the store's reads.
	if got, err := s.Account(ctx, a1.ID); err != nil || got.Balance != 0 {
		t.Errorf("before commit, Account = %+v, %v; want balance 0", got, err)
	}
	_, err = s.Transfer(ctx, mint.ID)
	checkNotFound(t, "Transfer before commit", err)
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Errorf("Rollback after Commit = %v, want nil", err)
	}

	for _, want := range []ingot.Account{iss, res, a1, a2} {
		got, err := s.Account(ctx, want.ID)
		if err != nil {
			t.Fatalf("Account(%d): %v", want.ID, err)
		}
		checkAccount(t, got, want)
	}
	var last int64
	for _, want := range []ingot.Transfer{mint, top, pay} {
		got, err := s.Transfer(ctx, want.ID)
		if err != nil {
			t.Fatalf("Transfer(%s): %v", want.ID, err)
		}
		checkTransfer(t, got, want)
		if got.Seq <= last {
			t.Errorf("transfer %s Seq = %d, not above the previous %d", want.Kind, got.Seq, last)
		}
		last = got.Seq
	}
	gotHold, err := s.Hold(ctx, hold.ID)
	if err != nil {
		t.Fatalf("Hold: %v", err)
	}
	checkHold(t, gotHold, hold)
	for _, want := range idems {
		got, err := s.Idempotency(ctx, want.IdemKey)
		if err != nil {
			t.Fatalf("Idempotency(%v): %v", want.IdemKey, err)
		}
		checkIdem(t, got, want)
	}

	// Second batch: capture 30 of the hold into w2 (unfrozen).
	tx, err = s.BeginBatch(ctx)
	if err != nil {
		t.Fatalf("BeginBatch: %v", err)
	}
	defer tx.Rollback(ctx)
	recs, err := tx.Idempotency(ctx, []ingot.IdemKey{idems[1].IdemKey, {Scope: "k9", Key: "pay-1"}, idems[2].IdemKey})
	if err != nil {
		t.Fatalf("batch Idempotency: %v", err)
	}
	if len(recs) != 2 {
		t.Fatalf("batch Idempotency returned %d records, want 2", len(recs))
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Scope < recs[j].Scope })
	checkIdem(t, recs[0], idems[1])
	checkIdem(t, recs[1], idems[2])
	holds, err := tx.LockHolds(ctx, []string{uuid.NewString(), hold.ID})
	if err != nil {
		t.Fatalf("LockHolds: %v", err)
	}
	if len(holds) != 1 {
		t.Fatalf("LockHolds returned %d holds, want 1", len(holds))
	}
	checkHold(t, holds[0], hold)
	capture := newTransfer(ingot.KindCapture, a1.ID, a2.ID, 30, "CNY")
	capture.HoldID = hold.ID
	capture.DebitBalance, capture.CreditBalance = 170, 130
	a1.Balance, a1.Held = 170, 0
	a2.Balance, a2.Status = 130, ingot.StatusActive
	hold.Status, hold.Captured, hold.TransferID, hold.UpdatedAt = ingot.HoldCaptured, 30, capture.ID, now().Add(time.Minute)
	w = &store.BatchWrite{
		Accounts:     []ingot.Account{a1, a2},
		Transfers:    []ingot.Transfer{capture},
		UpdatedHolds: []ingot.Hold{hold},
	}
	if err := tx.Write(ctx, w); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	gotHold, err = s.Hold(ctx, hold.ID)
	if err != nil {
		t.Fatalf("Hold: %v", err)
	}
	checkHold(t, gotHold, hold)
	gotCap, err := s.Transfer(ctx, capture.ID)
	if err != nil {
		t.Fatalf("Transfer(capture): %v", err)
	}
	checkTransfer(t, gotCap, capture)
	if gotCap.Seq <= last {
		t.Errorf("capture Seq = %d, not above the previous batch's %d", gotCap.Seq, last)
	}
	for _, want := range []ingot.Account{a1, a2} {
		got, err := s.Account(ctx, want.ID)
		if err != nil {
			t.Fatalf("Account: %v", err)
		}
		checkAccount(t, got, want)
	}
}

func testBatchRollback(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 1)
	tx, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatalf("BeginBatch: %v", err)
	}
	mint := newTransfer(ingot.KindMint, b.iss.ID, b.res.ID, 500, "CNY")
	iss, res := b.iss, b.res
	iss.Balance, res.Balance, res.Status = -500, 500, ingot.StatusFrozen
	hold := ingot.Hold{
		ID: uuid.Must(uuid.NewV7()).String(), Wallet: b.wallets[0].ID, OperatorID: b.op.ID, Amount: 1,
		Currency: "CNY", Status: ingot.HoldPending, ExpiresAt: now(), CreatedAt: now(), UpdatedAt: now(),
	}
	idem := newIdem("k", "mint-1")
	if err := tx.Write(ctx, &store.BatchWrite{
		Accounts: []ingot.Account{iss, res}, Transfers: []ingot.Transfer{mint},
		NewHolds: []ingot.Hold{hold}, Idempotency: []store.IdemRecord{*idem},
	}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	for _, want := range []ingot.Account{b.iss, b.res} {
		got, err := s.Account(ctx, want.ID)
		if err != nil {
			t.Fatalf("Account: %v", err)
		}
		checkAccount(t, got, want)
	}
	_, err = s.Transfer(ctx, mint.ID)
	checkNotFound(t, "Transfer after rollback", err)
	_, err = s.Hold(ctx, hold.ID)
	checkNotFound(t, "Hold after rollback", err)
	_, err = s.Idempotency(ctx, idem.IdemKey)
	checkNotFound(t, "Idempotency after rollback", err)
	if tr, err := s.AccountTransfers(ctx, b.res.ID, 0, 10); err != nil || len(tr) != 0 {
		t.Errorf("AccountTransfers after rollback = %v, %v", tr, err)
	}
	if ids, err := s.ExpiredHolds(ctx, now().Add(time.Hour), 10); err != nil || len(ids) != 0 {
		t.Errorf("ExpiredHolds after rollback = %v, %v", ids, err)
	}
	// The store is still writable.
	commit(t, s, &store.BatchWrite{Transfers: []ingot.Transfer{mint}, Accounts: []ingot.Account{iss, res}})
	if got, err := s.Account(ctx, res.ID); err != nil || got.Balance != 500 {
		t.Errorf("Account after a later commit = %+v, %v; want balance 500", got, err)
	}
}

func testBatchIdemRace(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 0)
	first := newIdem("key-1", "req")
	commit(t, s, &store.BatchWrite{Idempotency: []store.IdemRecord{*first}})

	// A record stored by CreateAccount counts too.
	viaCreate := newIdem("key-1", "open")
	if _, err := s.CreateAccount(ctx, newWallet(b.op.ID, "CNY"), viaCreate); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}

	for _, taken := range []*store.IdemRecord{first, viaCreate} {
		tx, err := s.BeginBatch(ctx)
		if err != nil {
			t.Fatalf("BeginBatch: %v", err)
		}
		mint := newTransfer(ingot.KindMint, b.iss.ID, b.res.ID, 5, "CNY")
		fresh := newIdem("key-1", "fresh-"+taken.Key)
		dup := newIdem(taken.Scope, taken.Key)
		dup.Hash = []byte("another request")
		err = tx.Write(ctx, &store.BatchWrite{
			Transfers:   []ingot.Transfer{mint},
			Idempotency: []store.IdemRecord{*fresh, *dup},
		})
		if !errors.Is(err, store.ErrIdempotencyRace) {
			t.Errorf("Write with the taken key %v: err = %v, want store.ErrIdempotencyRace", taken.IdemKey, err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatalf("Rollback: %v", err)
		}
		_, err = s.Transfer(ctx, mint.ID)
		checkNotFound(t, "transfer of the raced batch", err)
		_, err = s.Idempotency(ctx, fresh.IdemKey)
		checkNotFound(t, "fresh record of the raced batch", err)
		got, err := s.Idempotency(ctx, taken.IdemKey)
		if err != nil {
			t.Fatalf("Idempotency: %v", err)
		}
		checkIdem(t, got, *taken)
	}
}

func testAccountTransfers(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 3)
	x, y, z := b.wallets[0].ID, b.wallets[1].ID, b.wallets[2].ID
	// Three batches of transfers; x is on the debit side of some, the
	// credit side of others, and absent from the rest.
	var all []ingot.Transfer
	pairs := [][2]int64{{b.res.ID, x}, {x, y}, {y, z}, {z, x}, {b.res.ID, y}, {x, z}, {y, x}, {z, y}, {x, b.res.ID}}
	for batch := range 3 {
		var ts []ingot.Transfer
		for i, p := range pairs {
			tr := newTransfer(ingot.KindPayment, p[0], p[1], int64(100*batch+i+1), "CNY")
			ts = append(ts, tr)
		}
		w := &store.BatchWrite{Transfers: ts}
		commit(t, s, w)
		all = append(all, ts...)
	}
	// Look the Seqs up, then build the expected lists.
	seqs := map[string]int64{}
	for _, tr := range all {
		got, err := s.Transfer(ctx, tr.ID)
		if err != nil {
			t.Fatalf("Transfer: %v", err)
		}
		seqs[tr.ID] = got.Seq
	}
	for i := 1; i < len(all); i++ {
		if seqs[all[i].ID] <= seqs[all[i-1].ID] {
			t.Fatalf("Seq of transfer %d (%d) not above transfer %d (%d)", i, seqs[all[i].ID], i-1, seqs[all[i-1].ID])
		}
	}
	for _, acct := range []int64{x, y, z, b.res.ID} {
		var want []ingot.Transfer
		for i := len(all) - 1; i >= 0; i-- {
			if all[i].Debit == acct || all[i].Credit == acct {
				tr := all[i]
				tr.Seq = seqs[tr.ID]
				want = append(want, tr)
			}
		}
		got, err := s.AccountTransfers(ctx, acct, 0, 1000)
		if err != nil {
			t.Fatalf("AccountTransfers(%d): %v", acct, err)
		}
		if len(got) != len(want) {
			t.Fatalf("AccountTransfers(%d) returned %d, want %d", acct, len(got), len(want))
		}
		for i := range want {
			checkTransfer(t, got[i], want[i])
			if got[i].Seq != want[i].Seq {
				t.Errorf("AccountTransfers(%d)[%d].Seq = %d, want %d", acct, i, got[i].Seq, want[i].Seq)
			}
		}
		// Pages of 4, by Seq.
		var paged []ingot.Transfer
		var before int64
		for range 20 {
			page, err := s.AccountTransfers(ctx, acct, before, 4)
			if err != nil {
				t.Fatalf("AccountTransfers(%d, %d, 4): %v", acct, before, err)
			}
			if len(page) > 4 {
				t.Fatalf("AccountTransfers(limit 4) returned %d", len(page))
			}
			if len(page) == 0 {
				break
			}
			for _, tr := range page {
				if before > 0 && tr.Seq >= before {
					t.Errorf("AccountTransfers(before %d) returned Seq %d", before, tr.Seq)
				}
			}
			paged = append(paged, page...)
			before = page[len(page)-1].Seq
		}
		if len(paged) != len(want) {
			t.Fatalf("paging AccountTransfers(%d) returned %d, want %d", acct, len(paged), len(want))
		}
		for i := range want {
			if paged[i].ID != want[i].ID {
				t.Errorf("page item %d of %d = %s, want %s", i, acct, paged[i].ID, want[i].ID)
			}
		}
	}
	// before = the newest Seq of x leaves that one out.
	newest, err := s.AccountTransfers(ctx, x, 0, 1)
	if err != nil || len(newest) != 1 {
		t.Fatalf("AccountTransfers(x, 0, 1) = %v, %v", newest, err)
	}
	next, err := s.AccountTransfers(ctx, x, newest[0].Seq, 1)
	if err != nil || len(next) != 1 || next[0].Seq >= newest[0].Seq {
		t.Errorf("AccountTransfers(x, %d, 1) = %v, %v", newest[0].Seq, next, err)
	}
}

func testTotals(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 2)
	e := newBook(t, s, "EUR", 1)
	iss, res, w1, w2 := b.iss, b.res, b.wallets[0], b.wallets[1]
	iss.Balance, res.Balance, w1.Balance, w2.Balance = -1000, 600, 300, 100
	w1.Held = 40
	eiss, ew := e.iss, e.wallets[0]
	eiss.Balance, ew.Balance, ew.Held = -7, 7, 7
	commit(t, s, &store.BatchWrite{Accounts: []ingot.Account{iss, res, w1, w2, eiss, ew}})

	got, err := s.Totals(ctx, "CNY")
	if err != nil {
		t.Fatalf("Totals: %v", err)
	}
	want := store.Totals{Currency: "CNY", Issuance: -1000, Reserves: 600, Wallets: 400, Held: 40}
	if got != want {
		t.Errorf("Totals(CNY) = %+v, want %+v", got, want)
	}
	got, err = s.Totals(ctx, "EUR")
	if err != nil {
		t.Fatalf("Totals: %v", err)
	}
	want = store.Totals{Currency: "EUR", Issuance: -7, Wallets: 7, Held: 7}
	if got != want {
		t.Errorf("Totals(EUR) = %+v, want %+v", got, want)
	}
	got, err = s.Totals(ctx, "USD")
	if err != nil {
		t.Fatalf("Totals(USD): %v", err)
	}
	if want := (store.Totals{Currency: "USD"}); got != want {
		t.Errorf("Totals(USD) = %+v, want %+v", got, want)
	}
	cur, err := s.Currencies(ctx)
	if err != nil || !slices.Equal(cur, []string{"CNY", "EUR"}) {
		t.Errorf("Currencies = %v, %v; want [CNY EUR]", cur, err)
	}
}

func testExpiredHolds(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 1)
	base := now()
	mk := func(exp time.Duration, status ingot.HoldStatus) ingot.Hold {
		return ingot.Hold{
			ID: uuid.Must(uuid.NewV7()).String(), Wallet: b.wallets[0].ID, OperatorID: b.op.ID, Amount: 1,
			Currency: "CNY", Status: status, ExpiresAt: base.Add(exp), CreatedAt: base, UpdatedAt: base,
		}
	}
	old := mk(-2*time.Hour, ingot.HoldPending)
	recent := mk(-time.Minute, ingot.HoldPending)
	exact := mk(0, ingot.HoldPending)
	future := mk(time.Hour, ingot.HoldPending)
	voided := mk(-time.Hour, ingot.HoldVoided)
	captured := mk(-time.Hour, ingot.HoldCaptured)
	commit(t, s, &store.BatchWrite{NewHolds: []ingot.Hold{future, old, voided, recent, captured, exact}})

	ids, err := s.ExpiredHolds(ctx, base, 100)
	if err != nil {
		t.Fatalf("ExpiredHolds: %v", err)
	}
	want := []string{old.ID, recent.ID, exact.ID}
	slices.Sort(want)
	slices.Sort(ids)
	if !slices.Equal(ids, want) {
		t.Errorf("ExpiredHolds(now) = %v, want %v", ids, want)
	}
	ids, err = s.ExpiredHolds(ctx, base, 2)
	if err != nil || len(ids) != 2 {
		t.Errorf("ExpiredHolds(limit 2) = %v, %v; want 2 ids", ids, err)
	}
	for _, id := range ids {
		if !slices.Contains(want, id) {
			t.Errorf("ExpiredHolds(limit 2) returned %s, not an expired pending hold", id)
		}
	}
	ids, err = s.ExpiredHolds(ctx, base.Add(-3*time.Hour), 100)
	if err != nil || len(ids) != 0 {
		t.Errorf("ExpiredHolds(3h ago) = %v, %v; want none", ids, err)
	}
	// Once updated to expired, a hold is no longer listed.
	old.Status, old.UpdatedAt = ingot.HoldExpired, now()
	commit(t, s, &store.BatchWrite{UpdatedHolds: []ingot.Hold{old}})
	ids, err = s.ExpiredHolds(ctx, base, 100)
	want = []string{recent.ID, exact.ID}
	slices.Sort(want)
	slices.Sort(ids)
	if err != nil || !slices.Equal(ids, want) {
		t.Errorf("ExpiredHolds after expiring one = %v, %v; want %v", ids, err, want)
	}
}

func testTimesUTC(t *testing.T, s store.Store) {
	ctx := context.Background()
	// A time with nanoseconds in a zone east of UTC, around a date change.
	at := time.Date(2025, 12, 31, 23, 59, 59, 123456789, shanghai)
	wantAt := time.Date(2025, 12, 31, 15, 59, 59, 123456000, time.UTC)

	op := newOperator("TIME")
	op.CreatedAt = at
	key := newKey(ingot.RoleOperator, op.ID)
	key.CreatedAt = at
	idem := newIdem("t", "1")
	idem.CreatedAt = at
	if _, err := s.CreateOperator(ctx, op, key, idem); err != nil {
		t.Fatalf("CreateOperator: %v", err)
	}
	check := func(what string, got time.Time) {
		t.Helper()
		if got != wantAt {
			t.Errorf("%s time = %v (%v), want %v", what, got, got.Location(), wantAt)
		}
	}
	gotOp, err := s.Operator(ctx, op.ID)
	if err != nil {
		t.Fatalf("Operator: %v", err)
	}
	check("operator", gotOp.CreatedAt)
	gotKey, err := s.APIKeyByHash(ctx, key.Hash)
	if err != nil {
		t.Fatalf("APIKeyByHash: %v", err)
	}
	check("api key", gotKey.CreatedAt)
	gotIdem, err := s.Idempotency(ctx, idem.IdemKey)
	if err != nil {
		t.Fatalf("Idempotency: %v", err)
	}
	check("idempotency", gotIdem.CreatedAt)

	w := newWallet(op.ID, "CNY")
	w.CreatedAt = at
	if _, err := s.CreateAccount(ctx, w, nil); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	gotW, err := s.Account(ctx, w.ID)
	if err != nil {
		t.Fatalf("Account: %v", err)
	}
	check("account", gotW.CreatedAt)

	res := mustEnsure(t, s, ingot.AccountReserve, op.ID, "CNY")
	tr := newTransfer(ingot.KindTopUp, res.ID, w.ID, 1, "CNY")
	tr.CreatedAt = at
	h := ingot.Hold{
		ID: uuid.Must(uuid.NewV7()).String(), Wallet: w.ID, OperatorID: op.ID, Amount: 1, Currency: "CNY",
		Status: ingot.HoldPending, ExpiresAt: at, CreatedAt: at, UpdatedAt: at,
	}
	commit(t, s, &store.BatchWrite{Transfers: []ingot.Transfer{tr}, NewHolds: []ingot.Hold{h}})
	gotTr, err := s.Transfer(ctx, tr.ID)
	if err != nil {
		t.Fatalf("Transfer: %v", err)
	}
	check("transfer", gotTr.CreatedAt)
	gotH, err := s.Hold(ctx, h.ID)
	if err != nil {
		t.Fatalf("Hold: %v", err)
	}
	check("hold expires", gotH.ExpiresAt)
	check("hold created", gotH.CreatedAt)
	check("hold updated", gotH.UpdatedAt)
	// ExpiredHolds compares instants, not wall clocks: the hold expired at
	// `at` whatever zone now is given in.
	ids, err := s.ExpiredHolds(ctx, wantAt, 10)
	if err != nil || !slices.Equal(ids, []string{h.ID}) {
		t.Errorf("ExpiredHolds(at, UTC) = %v, %v; want [%s]", ids, err, h.ID)
	}
	ids, err = s.ExpiredHolds(ctx, wantAt.Add(-time.Microsecond).In(shanghai), 10)
	if err != nil || len(ids) != 0 {
		t.Errorf("ExpiredHolds(just before at) = %v, %v; want none", ids, err)
	}
}
