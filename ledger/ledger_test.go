package ledger_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/translog"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// env is a real store, a running engine and the service over them.
type env struct {
	t   *testing.T
	st  store.Store
	eng *ledger.Engine
	svc *ledger.Service
	cb  ingot.Actor
	ctx context.Context
}

func newEnv(t *testing.T, kind string, maxBatch int) *env {
	t.Helper()
	st := testdb.Open(t, kind)
	return newEnvOn(t, st, maxBatch)
}

func newEnvOn(t *testing.T, st store.Store, maxBatch int) *env {
	t.Helper()
	return newEnvWith(t, st, ledger.Options{MaxBatch: maxBatch})
}

// testPII is one data key for all tests.
var testPII = sync.OnceValue(func() *pii.Keys {
	k, err := pii.ParseKey(pii.GenerateKey())
	if err != nil {
		panic(err)
	}
	return k
})

func newEnvWith(t *testing.T, st store.Store, opt ledger.Options) *env {
	t.Helper()
	opt.Signer = testSigner(t)
	eng := ledger.NewEngine(st, opt)
	t.Cleanup(eng.Close)
	svc := ledger.NewService(st, eng, nil).WithPII(testPII())
	ctx := context.Background()
	if _, err := svc.Bootstrap(ctx, "test-admin-key-"+t.Name()); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	cb := keyActor(t, st, "test-admin-key-"+t.Name())
	e := &env{t: t, st: st, eng: eng, svc: svc, cb: cb, ctx: ctx}
	t.Cleanup(e.checkBooks)
	t.Cleanup(e.checkLog)
	return e
}

var (
	signerOnce sync.Once
	signer     *translog.Signer
)

// testSigner is one log key for all tests (two engines on one database
// must share it, as two processes must).
func testSigner(t *testing.T) *translog.Signer {
	signerOnce.Do(func() {
		skey, _, err := note.GenerateKey(rand.Reader, "ingot.test/log")
		if err != nil {
			panic(err)
		}
		if signer, err = translog.NewSigner(skey); err != nil {
			panic(err)
		}
	})
	return signer
}

// checkLog rebuilds the transparency log from the stored transfers and
// compares it with the latest signed checkpoint and the stored hashes.
func (e *env) checkLog() {
	n, err := e.st.CountTransfers(e.ctx)
	if err != nil {
		e.t.Errorf("count transfers: %v", err)
		return
	}
	cp, err := e.st.LatestCheckpoint(e.ctx)
	if n == 0 {
		if !errors.Is(err, store.ErrNotFound) {
			e.t.Errorf("empty log has a checkpoint: %v", err)
		}
		return
	}
	if err != nil {
		e.t.Errorf("latest checkpoint: %v", err)
		return
	}
	tree, err := translog.OpenCheckpoint(cp.Note, testSigner(e.t).VerifierKey(), "ingot.test/log")
	if err != nil || tree.N != n || tree.Hash != cp.Root {
		e.t.Errorf("checkpoint %+v for %d transfers: %v", tree, n, err)
		return
	}
	var b translog.Builder
	for from := int64(0); ; {
		ts, err := e.st.LogTransfers(e.ctx, from, 1000)
		if err != nil {
			e.t.Errorf("log transfers: %v", err)
			return
		}
		for _, t := range ts {
			if t.LogIndex != b.Size() {
				e.t.Errorf("transfer %s has log index %d; want %d", t.ID, t.LogIndex, b.Size())
				return
			}
			b.Add(translog.LeafBytes(t))
		}
		if len(ts) < 1000 {
			break
		}
		from += 1000
	}
	if b.Size() != n || b.Root() != cp.Root {
		e.t.Errorf("rebuilt log of %d leaves has root %x; checkpoint %d has %x", b.Size(), b.Root(), cp.Size, cp.Root)
	}
	// Proofs from the stored hashes verify against the checkpoint.
	for _, i := range []int64{0, n / 2, n - 1} {
		hashes, err := translog.ProveInclusion(i, n, storeReader{e})
		if err != nil {
			e.t.Errorf("prove %d: %v", i, err)
			continue
		}
		leaf, _ := b.Hash(tlog.StoredHashIndex(0, i))
		if err := tlog.CheckRecord(hashes, n, cp.Root, i, leaf); err != nil {
			e.t.Errorf("inclusion proof of %d: %v", i, err)
		}
	}
}

type storeReader struct{ e *env }

func (r storeReader) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	return r.e.st.ReadHashes(r.e.ctx, idx)
}

func (e *env) operator(code string) (ingot.Actor, string) {
	e.t.Helper()
	res, err := e.svc.CreateOperator(e.ctx, e.cb, "Bank "+code, code, nil)
	if err != nil {
		e.t.Fatalf("create operator %s: %v", code, err)
	}
	return keyActor(e.t, e.st, res.APIKey), res.Operator.ID
}

func (e *env) mint(opID, amount, cur string) {
	e.t.Helper()
	if _, err := e.svc.Issue(e.ctx, e.cb, false, opID, amount, cur, nil); err != nil {
		e.t.Fatalf("mint %s %s: %v", amount, cur, err)
	}
}

func (e *env) wallet(op ingot.Actor, cur, topup string) string {
	e.t.Helper()
	res, err := e.svc.CreateWallet(e.ctx, op, ingot.Holder{Name: "Li Wei", Phone: "13812345678"}, cur, ingot.WalletPersonal, nil)
	if err != nil {
		e.t.Fatalf("create wallet: %v", err)
	}
	id := ingot.FormatWalletID(res.Account.ID)
	if topup != "" {
		if _, err := e.svc.Fund(e.ctx, op, id, topup, false, nil); err != nil {
			e.t.Fatalf("top up %s: %v", topup, err)
		}
	}
	return id
}

func (e *env) balance(op ingot.Actor, id string) (balance, held int64) {
	e.t.Helper()
	w, err := e.svc.Wallet(e.ctx, op, id)
	if err != nil {
		e.t.Fatalf("read wallet %s: %v", id, err)
	}
	return w.Balance, w.Held
}

// checkBooks asserts the ledger's first invariant: per currency, all
// balances sum to zero, so the supply equals reserves plus wallets.
func (e *env) checkBooks() {
	curs, err := e.st.Currencies(e.ctx)
	if err != nil {
		e.t.Errorf("currencies: %v", err)
		return
	}
	for _, c := range curs {
		tot, err := e.st.Totals(e.ctx, c)
		if err != nil {
			e.t.Errorf("totals %s: %v", c, err)
			continue
		}
		if tot.Issuance+tot.Reserves+tot.Wallets+tot.Fees+tot.Earmarked+tot.Offline != 0 {
			e.t.Errorf("books of %s do not balance: %+v", c, tot)
		}
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error; want %s", code)
	}
	if got := ingot.ErrorCode(err); got != code {
		t.Fatalf("got error %v; want code %s", err, code)
	}
}

// detailOf is the detail of a domain error; any other error fails the test.
func detailOf(t *testing.T, err error) string {
	t.Helper()
	e := ingot.AsError(err)
	if e == nil {
		t.Fatalf("got %v; want an *ingot.Error", err)
	}
	return e.Detail
}

// keyActor is the actor of an API key secret, as auth.Service.Authenticate
// makes it.
func keyActor(t testing.TB, st store.Store, secret string) ingot.Actor {
	t.Helper()
	k, err := st.APIKeyByHash(context.Background(), ledger.HashSecret(secret))
	if err != nil {
		t.Fatalf("API key: %v", err)
	}
	return ingot.Actor{KeyID: k.ID, Role: k.Role, OperatorID: k.OperatorID, IssuerID: k.IssuerID, Scopes: k.Scopes}
}

func pay(e *env, op ingot.Actor, from, to, amount string) (*ingot.Transfer, error) {
	return e.svc.Pay(e.ctx, op, ledger.PayRequest{From: from, To: to, Amount: amount, Currency: "CNY"}, nil)
}

func forEachStore(t *testing.T, f func(t *testing.T, kind string)) {
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f(t, kind)
		})
	}
}

func TestTwoTierFlow(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("BANKA")
		b, _ := e.operator("BANKB")
		e.mint(aID, "1000.00", "CNY")
		w1 := e.wallet(a, "CNY", "300.00")
		w2 := e.wallet(b, "CNY", "")
		res, err := pay(e, a, w1, w2, "120.50")
		if err != nil {
			t.Fatalf("pay: %v", err)
		}
		if tr := res; tr.Amount != 12050 || tr.Kind != ingot.KindPayment || tr.DebitBalance != 17950 || tr.CreditBalance != 12050 {
			t.Fatalf("transfer = %+v", tr)
		}
		if bal, _ := e.balance(a, w1); bal != 17950 {
			t.Fatalf("payer balance %d; want 17950", bal)
		}
		if bal, _ := e.balance(b, w2); bal != 12050 {
			t.Fatalf("payee balance %d; want 12050", bal)
		}
		// The payee's operator withdraws to its own reserve, then burns.
		if _, err := e.svc.Fund(e.ctx, b, w2, "20.50", true, nil); err != nil {
			t.Fatalf("withdraw: %v", err)
		}
		bID := b.OperatorID
		if _, err := e.svc.Issue(e.ctx, e.cb, true, bID, "20.51", "CNY", nil); ingot.ErrorCode(err) != ingot.CodeInsufficientFunds {
			t.Fatalf("burn above reserve: %v; want insufficient_funds", err)
		}
		if _, err := e.svc.Issue(e.ctx, e.cb, true, bID, "20.50", "CNY", nil); err != nil {
			t.Fatalf("burn: %v", err)
		}
		sup, err := e.svc.Supply(e.ctx, e.cb, "CNY")
		if err != nil {
			t.Fatal(err)
		}
		if sup.Issued != 97950 || sup.Reserves != 70000 || sup.Wallets != 27950 {
			t.Fatalf("supply = %+v; want issued 979.50 = reserves 700.00 + wallets 279.50", sup)
		}
		// History: newest first, signed amounts, balance after.
		h, next, err := e.svc.History(e.ctx, a, w1, "", 1)
		if err != nil || len(h) != 1 || next == "" {
			t.Fatalf("history page 1: %v %d %q", err, len(h), next)
		}
		if h[0].Amount != -12050 || h[0].BalanceAfter != 17950 {
			t.Fatalf("history[0] = %+v", h[0])
		}
		h2, next2, err := e.svc.History(e.ctx, a, w1, next, 10)
		if err != nil || len(h2) != 1 || next2 != "" || h2[0].Amount != 30000 || h2[0].BalanceAfter != 30000 {
			t.Fatalf("history page 2: %v %+v %q", err, h2, next2)
		}
		if _, _, err := e.svc.History(e.ctx, a, w1, "garbage!", 10); ingot.ErrorCode(err) != ingot.CodeInvalidCursor {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

func TestRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("BANKA")
		b, bID := e.operator("BANKB")
		e.mint(aID, "1000.00", "CNY")
		e.mint(bID, "1000.00", "CNY")
		w1 := e.wallet(a, "CNY", "100.00")
		w2 := e.wallet(a, "CNY", "")
		wb := e.wallet(b, "CNY", "50.00")
		wh := e.wallet(a, "HKD", "")

		_, err := pay(e, a, w1, w2, "100.01")
		wantCode(t, err, ingot.CodeInsufficientFunds)
		_, err = pay(e, a, w1, w1, "1.00")
		wantCode(t, err, ingot.CodeSameAccount)
		_, err = pay(e, a, w1, wh, "1.00")
		wantCode(t, err, ingot.CodeCurrencyMismatch)
		_, err = pay(e, a, w1, w2, "1.001")
		wantCode(t, err, ingot.CodeInvalidAmount)
		_, err = e.svc.Pay(e.ctx, a, ledger.PayRequest{From: w1, To: w2, Amount: "1", Currency: "XXX"}, nil)
		wantCode(t, err, ingot.CodeInvalidCurrency)
		// Another operator's wallet does not exist for a.
		_, err = pay(e, a, wb, w1, "1.00")
		wantCode(t, err, ingot.CodeNotFound)
		_, err = e.svc.Wallet(e.ctx, a, wb)
		wantCode(t, err, ingot.CodeNotFound)
		_, err = e.svc.Fund(e.ctx, a, wb, "1.00", false, nil)
		wantCode(t, err, ingot.CodeNotFound)
		// ...but it may be paid.
		if _, err := pay(e, a, w1, wb, "1.00"); err != nil {
			t.Fatalf("pay to another operator's wallet: %v", err)
		}
		// Only the central bank issues.
		_, err = e.svc.Issue(e.ctx, a, false, aID, "1.00", "CNY", nil)
		wantCode(t, err, ingot.CodeForbidden)
		_, err = e.svc.Supply(e.ctx, a, "CNY")
		wantCode(t, err, ingot.CodeForbidden)
		_, err = e.svc.CreateWallet(e.ctx, e.cb, ingot.Holder{Name: "x", Phone: "13812345678"}, "CNY", "", nil)
		wantCode(t, err, ingot.CodeForbidden)
		// Frozen: neither sends nor receives.
		if _, err := e.svc.SetWalletStatus(e.ctx, a, w2, ingot.StatusFrozen, nil); err != nil {
			t.Fatal(err)
		}
		_, err = pay(e, a, w1, w2, "1.00")
		wantCode(t, err, ingot.CodeWalletFrozen)
		_, err = pay(e, a, w2, w1, "1.00")
		wantCode(t, err, ingot.CodeWalletFrozen)
		_, err = e.svc.Fund(e.ctx, a, w2, "1.00", false, nil)
		wantCode(t, err, ingot.CodeWalletFrozen)
		// Another operator cannot freeze or unfreeze it.
		_, err = e.svc.SetWalletStatus(e.ctx, b, w2, ingot.StatusActive, nil)
		wantCode(t, err, ingot.CodeNotFound)
		if _, err := e.svc.SetWalletStatus(e.ctx, a, w2, ingot.StatusActive, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := pay(e, a, w1, w2, "1.00"); err != nil {
			t.Fatalf("pay after unfreeze: %v", err)
		}
		// Close needs a zero balance; closed does nothing.
		_, err = e.svc.SetWalletStatus(e.ctx, a, w2, ingot.StatusClosed, nil)
		wantCode(t, err, ingot.CodeWalletNotEmpty)
		if _, err := e.svc.Fund(e.ctx, a, w2, "1.00", true, nil); err != nil {
			t.Fatalf("withdraw: %v", err)
		}
		res, err := e.svc.SetWalletStatus(e.ctx, a, w2, ingot.StatusClosed, nil)
		if err != nil || res.Account.Status != ingot.StatusClosed {
			t.Fatalf("close: %v %+v", err, res)
		}
		_, err = pay(e, a, w1, w2, "1.00")
		wantCode(t, err, ingot.CodeWalletClosed)
		_, err = e.svc.Fund(e.ctx, a, w2, "1.00", false, nil)
		wantCode(t, err, ingot.CodeWalletClosed)
		_, err = e.svc.SetWalletStatus(e.ctx, a, w2, ingot.StatusActive, nil)
		wantCode(t, err, ingot.CodeWalletClosed)
		// Malformed ids.
		_, err = pay(e, a, "1234567890123456", w1, "1.00")
		wantCode(t, err, ingot.CodeInvalidWalletID)
		_, err = e.svc.Wallet(e.ctx, a, "4111111111111111")
		wantCode(t, err, ingot.CodeNotFound)
		if bal, _ := e.balance(a, w1); bal != 9800 {
			t.Fatalf("w1 balance %d; want 9800 (100.00 less 1.00 to wb and 1.00 to w2)", bal)
		}
	})
}

// TestNoOverdraftConcurrent spends one wallet from many goroutines at once:
// exactly as many payments succeed as the balance covers.
func TestNoOverdraftConcurrent(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		for _, maxBatch := range []int{0, 1} {
			e := newEnv(t, kind, maxBatch)
			a, aID := e.operator(fmt.Sprintf("BANK%d", maxBatch))
			e.mint(aID, "1000.00", "CNY")
			from := e.wallet(a, "CNY", "50.00")
			to := e.wallet(a, "CNY", "")
			var ok, insufficient atomic.Int64
			var wg sync.WaitGroup
			for i := 0; i < 150; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := pay(e, a, from, to, "1.00")
					switch {
					case err == nil:
						ok.Add(1)
					case ingot.ErrorCode(err) == ingot.CodeInsufficientFunds:
						insufficient.Add(1)
					default:
						t.Errorf("pay: %v", err)
					}
				}()
			}
			wg.Wait()
			if ok.Load() != 50 || insufficient.Load() != 100 {
				t.Fatalf("max-batch %d: %d paid, %d refused; want 50 and 100", maxBatch, ok.Load(), insufficient.Load())
			}
			if bal, _ := e.balance(a, from); bal != 0 {
				t.Fatalf("balance %d; want 0", bal)
			}
		}
	})
}

// TestTwoEnginesOneDatabase runs two engines (as two processes would) on one
// PostgreSQL database, both spending the same wallet.
func TestTwoEnginesOneDatabase(t *testing.T) {
	t.Parallel()
	st1, dsn := testdb.OpenURL(t, "postgres")
	st2, err := testdb.OpenDSN(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st2.Close() })
	e1 := newEnvOn(t, st1, 0)
	e2 := newEnvOn(t, st2, 0)
	res, err := e1.svc.CreateOperator(e1.ctx, e1.cb, "Bank A", "BANKA", nil)
	if err != nil {
		t.Fatal(err)
	}
	a := keyActor(e1.t, e1.st, res.APIKey)
	e1.mint(res.Operator.ID, "1000.00", "CNY")
	from := e1.wallet(a, "CNY", "40.00")
	to := e1.wallet(a, "CNY", "")
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 120; i++ {
		wg.Add(1)
		go func(e *env) {
			defer wg.Done()
			_, err := pay(e, a, from, to, "1.00")
			if err == nil {
				ok.Add(1)
			} else if ingot.ErrorCode(err) != ingot.CodeInsufficientFunds {
				t.Errorf("pay: %v", err)
			}
		}([]*env{e1, e2}[i%2])
	}
	wg.Wait()
	if ok.Load() != 40 {
		t.Fatalf("%d payments succeeded; want 40", ok.Load())
	}
	if bal, _ := e2.balance(a, from); bal != 0 {
		t.Fatalf("balance %d; want 0", bal)
	}
}

func idem(scope, key, body string) *ledger.Idem {
	return &ledger.Idem{IdemKey: ingot.IdemKey{Scope: scope, Key: key}, Hash: []byte(body)}
}

func TestIdempotency(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("BANKA")
		e.mint(aID, "1000.00", "CNY")
		from := e.wallet(a, "CNY", "100.00")
		to := e.wallet(a, "CNY", "")
		var mu sync.Mutex
		bodies := map[string]int{}
		replays := 0
		var wg sync.WaitGroup
		for i := 0; i < 30; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k := idem(a.KeyID, "k1", "same")
				res, err := e.svc.Pay(e.ctx, a, ledger.PayRequest{From: from, To: to, Amount: "7.00", Currency: "CNY"}, k)
				if err != nil {
					t.Errorf("pay: %v", err)
					return
				}
				mu.Lock()
				bodies[res.ID]++
				if k.Replayed {
					replays++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if len(bodies) != 1 || replays != 29 {
			t.Fatalf("concurrent retries answered with %d different transfers (%v), %d replays; want 1 transfer, 29 replays", len(bodies), bodies, replays)
		}
		if bal, _ := e.balance(a, from); bal != 9300 {
			t.Fatalf("balance %d; want 9300 (money moved once)", bal)
		}
		_, err := e.svc.Pay(e.ctx, a, ledger.PayRequest{From: from, To: to, Amount: "8.00", Currency: "CNY"}, idem(a.KeyID, "k1", "other"))
		wantCode(t, err, ingot.CodeIdempotencyConflict)
		// Keys are scoped to the credential.
		if _, err := e.svc.Pay(e.ctx, a, ledger.PayRequest{From: from, To: to, Amount: "7.00", Currency: "CNY"}, idem("other-key-id", "k1", "same")); err != nil {
			t.Fatalf("same key, other scope: %v", err)
		}
		// A rejected command stores nothing: a retry can succeed later.
		_, err = e.svc.Pay(e.ctx, a, ledger.PayRequest{From: to, To: from, Amount: "50.00", Currency: "CNY"}, idem(a.KeyID, "k2", "x"))
		wantCode(t, err, ingot.CodeInsufficientFunds)
		if _, err := pay(e, a, from, to, "50.00"); err != nil {
			t.Fatal(err)
		}
		k2 := idem(a.KeyID, "k2", "x")
		if res, err := e.svc.Pay(e.ctx, a, ledger.PayRequest{From: to, To: from, Amount: "50.00", Currency: "CNY"}, k2); err != nil || k2.Replayed {
			t.Fatalf("retry after rejection: %v %+v", err, res)
		}
		// Operator creation is idempotent in its own transaction.
		i := idem(e.cb.KeyID, "op", "op")
		r1, err := e.svc.CreateOperator(e.ctx, e.cb, "Bank C", "BANKC", i)
		if err != nil || r1.APIKey == "" || i.Replayed {
			t.Fatal(err)
		}
		i = idem(e.cb.KeyID, "op", "op")
		r2, err := e.svc.CreateOperator(e.ctx, e.cb, "Bank C", "BANKC", i)
		if err != nil || !i.Replayed || r2.Operator != r1.Operator || r2.APIKey != "" {
			t.Fatalf("replay of operator creation: %v %+v; want %+v without the secret", err, r2, r1.Operator)
		}
		_, err = e.svc.CreateOperator(e.ctx, e.cb, "Bank C", "BANKD", idem(e.cb.KeyID, "op", "different"))
		wantCode(t, err, ingot.CodeIdempotencyConflict)
		_, err = e.svc.CreateOperator(e.ctx, e.cb, "Bank C again", "BANKC", nil)
		wantCode(t, err, ingot.CodeConflict)
	})
}

func TestBatch(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("BANKA")
		e.mint(aID, "1000.00", "CNY")
		w1 := e.wallet(a, "CNY", "10.00")
		w2 := e.wallet(a, "CNY", "")
		items := []ledger.PayRequest{
			{From: w1, To: w2, Amount: "6.00", Currency: "CNY"},
			{From: w1, To: w2, Amount: "6.00", Currency: "CNY"}, // overdraft
			{From: w1, To: w2, Amount: "4.00", Currency: "CNY"},
		}
		res, err := e.svc.PayBatch(e.ctx, a, items, true, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res[1].Err == nil || res[1].Err.Code != ingot.CodeInsufficientFunds ||
			res[0].Err == nil || res[0].Err.Code != ingot.CodeLinkedFailed ||
			res[2].Err == nil || res[2].Err.Code != ingot.CodeLinkedFailed {
			t.Fatalf("atomic batch results: %+v", res)
		}
		if bal, _ := e.balance(a, w1); bal != 1000 {
			t.Fatalf("atomic batch moved money: balance %d", bal)
		}
		// A batch that moved nothing stores nothing under its key: after the
		// cause is fixed, the same key runs it.
		if _, err := e.svc.PayBatch(e.ctx, a, items, true, idem(a.KeyID, "b1", "batch")); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Fund(e.ctx, a, w1, "6.00", false, nil); err != nil {
			t.Fatal(err)
		}
		b1 := idem(a.KeyID, "b1", "batch")
		res, err = e.svc.PayBatch(e.ctx, a, items, true, b1)
		if err != nil || b1.Replayed || res[1].Transfer == nil {
			t.Fatalf("retry of a failed atomic batch: %v %+v", err, res)
		}
		// Back to w1 10.00, w2 0.00 for what follows.
		if _, err := e.svc.Fund(e.ctx, a, w2, "6.00", true, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := pay(e, a, w2, w1, "10.00"); err != nil {
			t.Fatal(err)
		}
		items = append(items, ledger.PayRequest{From: w1, To: "123", Amount: "1.00", Currency: "CNY"})
		res, err = e.svc.PayBatch(e.ctx, a, items, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Transfer == nil || res[1].Err.Code != ingot.CodeInsufficientFunds || res[2].Transfer == nil || res[3].Err.Code != ingot.CodeInvalidWalletID {
			t.Fatalf("non-atomic batch results: %+v", res)
		}
		if bal, _ := e.balance(a, w2); bal != 1000 {
			t.Fatalf("payee balance %d; want 1000", bal)
		}
	})
}

func TestHolds(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("BANKA")
		b, _ := e.operator("BANKB")
		e.mint(aID, "1000.00", "CNY")
		w1 := e.wallet(a, "CNY", "100.00")
		w2 := e.wallet(b, "CNY", "")
		soon := time.Now().Add(time.Hour)
		h, err := e.svc.PlaceHold(e.ctx, a, w1, "60.00", soon, nil)
		if err != nil {
			t.Fatal(err)
		}
		if bal, held := e.balance(a, w1); bal != 10000 || held != 6000 {
			t.Fatalf("after hold: balance %d held %d", bal, held)
		}
		_, err = pay(e, a, w1, w2, "40.01")
		wantCode(t, err, ingot.CodeInsufficientFunds)
		_, err = e.svc.CaptureHold(e.ctx, b, h.ID, ledger.CaptureRequest{To: w2}, nil)
		wantCode(t, err, ingot.CodeNotFound)
		_, err = e.svc.CaptureHold(e.ctx, a, h.ID, ledger.CaptureRequest{To: w2, Amount: "60.01"}, nil)
		wantCode(t, err, ingot.CodeAmountExceedsHold)
		res, err := e.svc.CaptureHold(e.ctx, a, h.ID, ledger.CaptureRequest{To: w2, Amount: "25.00"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Transfer.Amount != 2500 || res.Transfer.Kind != ingot.KindCapture || res.Hold.Status != ingot.HoldCaptured {
			t.Fatalf("capture = %+v %+v", res.Transfer, res.Hold)
		}
		if bal, held := e.balance(a, w1); bal != 7500 || held != 0 {
			t.Fatalf("after capture: balance %d held %d; want 7500 and 0 (rest released)", bal, held)
		}
		_, err = e.svc.CaptureHold(e.ctx, a, h.ID, ledger.CaptureRequest{To: w2}, nil)
		wantCode(t, err, ingot.CodeHoldNotPending)
		// Void.
		h, err = e.svc.PlaceHold(e.ctx, a, w1, "75.00", soon, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.PlaceHold(e.ctx, a, w1, "0.01", soon, nil)
		wantCode(t, err, ingot.CodeInsufficientFunds)
		_, err = e.svc.SetWalletStatus(e.ctx, a, w1, ingot.StatusClosed, nil)
		wantCode(t, err, ingot.CodeWalletNotEmpty)
		if _, err := e.svc.VoidHold(e.ctx, a, h.ID, nil); err != nil {
			t.Fatal(err)
		}
		if _, held := e.balance(a, w1); held != 0 {
			t.Fatalf("held %d after void", held)
		}
		// Expiry releases by itself.
		h, err = e.svc.PlaceHold(e.ctx, a, w1, "10.00", time.Now().Add(300*time.Millisecond), nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(e.ctx)
		defer cancel()
		go e.svc.RunExpiry(ctx, 50*time.Millisecond)
		deadline := time.Now().Add(10 * time.Second)
		for {
			hh, err := e.svc.Hold(e.ctx, a, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			if hh.Status == ingot.HoldExpired {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("hold still %s after expiry", hh.Status)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if _, held := e.balance(a, w1); held != 0 {
			t.Fatalf("held %d after expiry", held)
		}
		_, err = e.svc.CaptureHold(e.ctx, a, h.ID, ledger.CaptureRequest{To: w2}, nil)
		wantCode(t, err, ingot.CodeHoldNotPending)
	})
}

// TestRestart closes everything and opens the database again: nothing
// acknowledged is lost.
func TestRestart(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		dsn := testdb.NewDSN(t, kind)
		st, err := testdb.OpenDSN(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		eng := ledger.NewEngine(st, ledger.Options{})
		svc := ledger.NewService(st, eng, nil)
		ctx := context.Background()
		_, _ = svc.Bootstrap(ctx, "admin")
		cb := keyActor(t, st, "admin")
		op, err := svc.CreateOperator(ctx, cb, "A", "AAA", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Issue(ctx, cb, false, op.Operator.ID, "12.34", "CNY", nil); err != nil {
			t.Fatal(err)
		}
		eng.Close()
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		st2, err := testdb.OpenDSN(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer st2.Close()
		if err := st2.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		tot, err := st2.Totals(ctx, "CNY")
		if err != nil || tot.Reserves != 1234 || tot.Issuance != -1234 {
			t.Fatalf("after restart: %+v %v", tot, err)
		}
		eng2 := ledger.NewEngine(st2, ledger.Options{})
		defer eng2.Close()
		svc2 := ledger.NewService(st2, eng2, nil)
		if shown, err := svc2.Bootstrap(ctx, ""); err != nil || shown != "" {
			t.Fatalf("second bootstrap made a new key: %q %v", shown, err)
		}
		if a := keyActor(t, st2, "admin"); a.Role != ingot.RoleCentralBank {
			t.Fatalf("central bank key after restart: %+v", a)
		}
		if a := keyActor(t, st2, op.APIKey); a.Role != ingot.RoleOperator || a.OperatorID != op.Operator.ID {
			t.Fatalf("operator key after restart: %+v", a)
		}
		if _, err := st2.APIKeyByHash(ctx, ledger.HashSecret("wrong")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("wrong key: %v", err)
		}
	})
}
