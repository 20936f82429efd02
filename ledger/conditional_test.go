package ledger_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/conditional"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/verify"
)

// condClock is a test clock for conditional payments.
type condClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *condClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *condClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func lockOf(secret string) string {
	s := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(s[:])
}

func condJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *env) conditional(a ingot.Actor, from, to, amount string, cond any, expires time.Time) *conditional.Payment {
	e.t.Helper()
	var exp *time.Time
	if !expires.IsZero() {
		exp = &expires
	}
	out, err := e.svc.CreateConditionalPayment(e.ctx, a, ledger.ConditionalIn{
		PayRequest: ledger.PayRequest{From: from, To: to, Amount: amount, Currency: "CNY", Memo: "escrow"},
		Condition:  condJSON(e.t, cond), ExpiresAt: exp}, nil)
	if err != nil {
		e.t.Fatalf("create conditional payment: %v", err)
	}
	if out.Payment.Status != conditional.Pending || out.Transfer == nil || out.Transfer.Kind != ingot.KindConditionalHold || out.Transfer.Amount != 0 {
		e.t.Fatalf("created %+v", out)
	}
	return &out.Payment
}

func (e *env) release(a ingot.Actor, id, preimage string) (*ledger.ConditionalOutcome, error) {
	return e.svc.ReleaseConditionalPayment(e.ctx, a, id, preimage, nil)
}

func (e *env) verifyDB() {
	e.t.Helper()
	if _, err := verify.Database(e.ctx, e.st, testSigner(e.t).VerifierKey(), ""); err != nil {
		e.t.Fatalf("verify: %v", err)
	}
}

// TestConditionalPayments covers each condition kind and combinations,
// expiry, cancellation, and the holds API refusing a conditional hold.
func TestConditionalPayments(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		clk := &condClock{now: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)}
		e := newEnvWith(t, testdb.Open(t, kind), ledger.Options{Now: clk.Now})
		a, aID := e.operator("CONDA")
		b, _ := e.operator("CONDB")
		c, cID := e.operator("CONDC") // an escrow agent
		e.mint(aID, "10000.00", "CNY")
		payer := e.wallet(a, "CNY", "1000.00")
		payee := e.wallet(b, "CNY", "")
		t0 := clk.Now()

		// after: released by the engine once the time came.
		p := e.conditional(a, payer, payee, "100.00", map[string]any{"after": t0.Add(time.Hour)}, t0.Add(48*time.Hour))
		if bal, held := e.balance(a, payer); bal != 1000_00 || held != 100_00 {
			t.Fatalf("payer after making it: %d held %d", bal, held)
		}
		_, err := e.release(a, p.ID, "")
		wantCode(t, err, ingot.CodeConditionNotMet)
		if _, err := e.svc.CaptureHold(e.ctx, a, p.HoldID, ledger.CaptureRequest{To: payee}, nil); ingot.ErrorCode(err) != ingot.CodeForbidden {
			t.Fatalf("capture of a conditional payment's hold through the holds API: %v", err)
		}
		if _, err := e.svc.VoidHold(e.ctx, a, p.HoldID, nil); ingot.ErrorCode(err) != ingot.CodeForbidden {
			t.Fatalf("void of a conditional payment's hold through the holds API: %v", err)
		}
		if n, err := e.svc.RunConditionalDue(e.ctx); err != nil || n != 0 {
			t.Fatalf("due before the time: %d %v", n, err)
		}
		clk.advance(time.Hour)
		if n, err := e.svc.RunConditionalDue(e.ctx); err != nil || n != 1 {
			t.Fatalf("due at the time: %d %v", n, err)
		}
		got, err := e.svc.ConditionalPayment(e.ctx, b, p.ID)
		if err != nil || got.Status != conditional.Released || got.TransferID == "" {
			t.Fatalf("after the time: %+v %v", got, err)
		}
		if bal, _ := e.balance(b, payee); bal != 100_00 {
			t.Fatalf("payee %d", bal)
		}
		_, err = e.release(b, p.ID, "")
		wantCode(t, err, ingot.CodeConditionalClosed)

		// hashlock: anyone with the preimage; the payer may not cancel.
		lock := lockOf("open sesame")
		p = e.conditional(a, payer, payee, "50.00", map[string]any{"hashlock": lock}, time.Time{})
		_, err = e.release(c, p.ID, hex.EncodeToString([]byte("wrong")))
		wantCode(t, err, ingot.CodeInvalidPreimage)
		_, err = e.svc.CancelConditionalPayment(e.ctx, a, p.ID, nil)
		wantCode(t, err, ingot.CodeForbidden)
		if _, err := e.svc.ConditionalPayment(e.ctx, c, p.ID); ingot.ErrorCode(err) != ingot.CodeNotFound {
			t.Fatalf("a stranger reads it: %v", err)
		}
		out, err := e.release(c, p.ID, hex.EncodeToString([]byte("open sesame")))
		if err != nil || out.Payment.Status != conditional.Released || out.Transfer.Kind != ingot.KindCapture ||
			out.Payment.Met.Preimages[lock] != hex.EncodeToString([]byte("open sesame")) {
			t.Fatalf("release with the preimage: %+v %v", out, err)
		}

		// approver (an operator): only it releases.
		p = e.conditional(a, payer, payee, "30.00", map[string]any{"approver": map[string]string{"operator": cID}}, time.Time{})
		_, err = e.release(a, p.ID, "")
		wantCode(t, err, ingot.CodeConditionNotMet)
		if _, err := e.svc.ConditionalPayment(e.ctx, c, p.ID); err != nil {
			t.Fatalf("the approver reads it: %v", err)
		}
		if out, err := e.release(c, p.ID, ""); err != nil || out.Payment.Status != conditional.Released ||
			out.Payment.History[len(out.Payment.History)-1].By != "operator:"+cID {
			t.Fatalf("approver's release: %+v %v", out, err)
		}

		// payee_accepts, and all: the payee's step is recorded, the
		// preimage then releases.
		p = e.conditional(a, payer, payee, "20.00", map[string]any{"all": []any{
			map[string]any{"payee_accepts": true}, map[string]any{"hashlock": lock}}}, time.Time{})
		out, err = e.release(b, p.ID, "")
		if err != nil || out.Payment.Status != conditional.Pending || !out.Payment.Met.PayeeAccepted ||
			out.Transfer.Kind != ingot.KindConditionalStep || out.Transfer.Amount != 0 {
			t.Fatalf("payee's acceptance: %+v %v", out, err)
		}
		_, err = e.release(b, p.ID, "")
		wantCode(t, err, ingot.CodeConditionNotMet)
		out, err = e.release(b, p.ID, hex.EncodeToString([]byte("open sesame")))
		if err != nil || out.Payment.Status != conditional.Released {
			t.Fatalf("then the preimage: %+v %v", out, err)
		}

		// any: an after far ahead, or the approver wallet (of the payer's
		// operator).
		approver := e.wallet(a, "CNY", "")
		p = e.conditional(a, payer, payee, "10.00", map[string]any{"any": []any{
			map[string]any{"after": t0.Add(30 * 24 * time.Hour)}, map[string]any{"approver": map[string]string{"wallet": approver}}}}, t0.Add(60*24*time.Hour))
		// a's key owns both the payer and the approver wallet: as the
		// payer it may not cancel, since the approver could release now.
		_, err = e.svc.CancelConditionalPayment(e.ctx, a, p.ID, nil)
		wantCode(t, err, ingot.CodeForbidden)
		if out, err := e.release(a, p.ID, ""); err != nil || out.Payment.Status != conditional.Released {
			t.Fatalf("the approver wallet's operator releases: %+v %v", out, err)
		}

		// The payer cancels before an after; the payee at any time.
		p = e.conditional(a, payer, payee, "5.00", map[string]any{"all": []any{
			map[string]any{"after": t0.Add(24 * time.Hour)}, map[string]any{"payee_accepts": true}}}, t0.Add(72*time.Hour))
		out, err = e.svc.CancelConditionalPayment(e.ctx, a, p.ID, nil)
		if err != nil || out.Payment.Status != conditional.Cancelled || out.Transfer.Kind != ingot.KindConditionalCancel {
			t.Fatalf("payer's cancel before the time: %+v %v", out, err)
		}
		_, err = e.svc.CancelConditionalPayment(e.ctx, b, p.ID, nil)
		wantCode(t, err, ingot.CodeConditionalClosed)
		p = e.conditional(a, payer, payee, "5.00", map[string]any{"payee_accepts": true}, time.Time{})
		if out, err := e.svc.CancelConditionalPayment(e.ctx, b, p.ID, nil); err != nil || out.Payment.Status != conditional.Cancelled {
			t.Fatalf("payee's cancel: %+v %v", out, err)
		}

		// Expiry returns the money, once; the after-time refused when the
		// payee is frozen is tried again, then the payment expires.
		p = e.conditional(a, payer, payee, "7.00", map[string]any{"after": t0.Add(25 * time.Hour)}, t0.Add(27*time.Hour))
		if _, err := e.svc.SetWalletStatus(e.ctx, b, payee, ingot.StatusFrozen, nil); err != nil {
			t.Fatal(err)
		}
		clk.advance(25 * time.Hour) // t0+26h
		if _, err := e.svc.RunConditionalDue(e.ctx); err != nil {
			t.Fatal(err)
		}
		got, _ = e.svc.ConditionalPayment(e.ctx, a, p.ID)
		if last := got.History[len(got.History)-1]; got.Status != conditional.Pending || last.Type != conditional.EventReleaseFailed || last.Code != ingot.CodeWalletFrozen {
			t.Fatalf("release refused by a frozen payee: %+v", got)
		}
		clk.advance(time.Hour) // t0+27h: expired
		if n, err := e.svc.RunConditionalDue(e.ctx); err != nil || n != 1 {
			t.Fatalf("expiry: %d %v", n, err)
		}
		got, _ = e.svc.ConditionalPayment(e.ctx, a, p.ID)
		if got.Status != conditional.Expired {
			t.Fatalf("expired: %+v", got)
		}
		if n, _ := e.svc.RunConditionalDue(e.ctx); n != 0 {
			t.Fatalf("expired twice: %d", n)
		}
		bal, held := e.balance(a, payer)
		if held != 0 || bal != 1000_00-100_00-50_00-30_00-20_00-10_00 {
			t.Fatalf("payer at the end: %d held %d", bal, held)
		}

		if _, err := e.svc.SetWalletStatus(e.ctx, b, payee, ingot.StatusActive, nil); err != nil {
			t.Fatal(err)
		}

		// Bad input.
		_, err = e.svc.CreateConditionalPayment(e.ctx, a, ledger.ConditionalIn{PayRequest: ledger.PayRequest{From: payer, To: payee, Amount: "1.00", Currency: "CNY"},
			Condition: []byte(`{"after":"2030-01-01T00:00:00Z"}`)}, nil)
		wantCode(t, err, ingot.CodeInvalidCondition) // after the default expiry
		_, err = e.svc.CreateConditionalPayment(e.ctx, a, ledger.ConditionalIn{PayRequest: ledger.PayRequest{From: payer, To: payee, Amount: "1.00", Currency: "CNY"},
			Condition: []byte(`{"approver":{"operator":"0194a1c2-0000-7000-8000-000000000001"}}`)}, nil)
		wantCode(t, err, ingot.CodeInvalidCondition) // no such operator
		_, err = e.svc.CreateConditionalPayment(e.ctx, a, ledger.ConditionalIn{PayRequest: ledger.PayRequest{From: payer, To: payee, Amount: "100000.00", Currency: "CNY"},
			Condition: []byte(`{"payee_accepts":true}`)}, nil)
		wantCode(t, err, ingot.CodeInsufficientFunds)

		list, _, err := e.svc.ConditionalPayments(e.ctx, b, ledger.ConditionalQuery{Status: "released"})
		if err != nil || len(list) != 5 {
			t.Fatalf("the payee's operator lists %d released: %v", len(list), err)
		}
		e.verifyDB()
	})
}

// TestConditionalRace: concurrent releases and cancels of one payment, from
// two engines on one database: exactly one ends it.
func TestConditionalRace(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		st := testdb.Open(t, kind)
		e := newEnvOn(t, st, 0)
		e2 := &env{t: t, st: st, svc: ledger.NewService(st, newEnvEngine(t, st), nil).WithPII(testPII()), cb: e.cb, ctx: e.ctx}
		a, aID := e.operator("RACEA")
		b, _ := e.operator("RACEB")
		e.mint(aID, "1000.00", "CNY")
		payer, payee := e.wallet(a, "CNY", "500.00"), e.wallet(b, "CNY", "")
		lock := lockOf("race")
		for round := range 3 {
			p := e.conditional(a, payer, payee, "10.00", map[string]any{"hashlock": lock}, time.Time{})
			var wins atomic.Int64
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					svc := e.svc
					if i%2 == 1 {
						svc = e2.svc
					}
					var err error
					if i%4 < 2 {
						_, err = svc.ReleaseConditionalPayment(e.ctx, b, p.ID, hex.EncodeToString([]byte("race")), nil)
					} else {
						_, err = svc.CancelConditionalPayment(e.ctx, b, p.ID, nil)
					}
					if err == nil {
						wins.Add(1)
					} else if ingot.ErrorCode(err) != ingot.CodeConditionalClosed {
						t.Errorf("round %d: %v", round, err)
					}
				})
			}
			wg.Wait()
			if wins.Load() != 1 {
				t.Fatalf("round %d: %d requests ended one payment", round, wins.Load())
			}
		}
		if _, held := e.balance(a, payer); held != 0 {
			t.Fatalf("held %d after every payment ended", held)
		}
		e.verifyDB()
	})
}

// TestAtomicSwap: two Ingot instances (two databases, two engines), one
// hash lock. Alice pays Bob on ledger 1, Bob pays Alice on ledger 2, both
// locked by H = SHA-256(s) that only Alice knows. Alice claims Bob's
// payment on ledger 2 with s, which reveals s there; Bob reads it and
// claims Alice's payment on ledger 1. Bob's lock expires first, so Alice
// cannot wait to claim after Bob's money went back.
func TestAtomicSwap(t *testing.T) {
	kind := testdb.Kinds[len(testdb.Kinds)-1]
	one, two := newEnv(t, kind, 0), newEnv(t, testdb.Kinds[0], 0)
	a1, a1ID := one.operator("SWAPA")
	one.mint(a1ID, "1000.00", "CNY")
	alice1, bob1 := one.wallet(a1, "CNY", "300.00"), one.wallet(a1, "CNY", "")
	a2, a2ID := two.operator("SWAPB")
	two.mint(a2ID, "1000.00", "CNY")
	bob2, alice2 := two.wallet(a2, "CNY", "200.00"), two.wallet(a2, "CNY", "")

	secret := []byte(fmt.Sprintf("swap secret %d", time.Now().UnixNano()))
	sum := sha256.Sum256(secret)
	h := hex.EncodeToString(sum[:])
	now := time.Now()
	onLedger1 := one.conditional(a1, alice1, bob1, "100.00", map[string]any{"hashlock": h}, now.Add(48*time.Hour))
	onLedger2 := two.conditional(a2, bob2, alice2, "80.00", map[string]any{"hashlock": h}, now.Add(24*time.Hour))

	// Alice claims on ledger 2 (through her operator there).
	out, err := two.release(a2, onLedger2.ID, hex.EncodeToString(secret))
	if err != nil || out.Payment.Status != conditional.Released {
		t.Fatalf("Alice's claim: %+v %v", out, err)
	}
	// Bob learns the secret from ledger 2 and claims on ledger 1.
	seen, err := two.svc.ConditionalPayment(two.ctx, a2, onLedger2.ID)
	if err != nil || seen.Met.Preimages[h] == "" {
		t.Fatalf("the preimage on ledger 2: %+v %v", seen, err)
	}
	out, err = one.release(a1, onLedger1.ID, seen.Met.Preimages[h])
	if err != nil || out.Payment.Status != conditional.Released {
		t.Fatalf("Bob's claim: %+v %v", out, err)
	}
	if b, _ := one.balance(a1, bob1); b != 100_00 {
		t.Fatalf("Bob on ledger 1: %d", b)
	}
	if b, _ := two.balance(a2, alice2); b != 80_00 {
		t.Fatalf("Alice on ledger 2: %d", b)
	}
	one.verifyDB()
	two.verifyDB()
}

// newEnvEngine is a second engine on st (another process, as far as the
// database can tell), signing with the tests' log key.
func newEnvEngine(t *testing.T, st store.Store) *ledger.Engine {
	eng := ledger.NewEngine(st, ledger.Options{Signer: testSigner(t)})
	t.Cleanup(eng.Close)
	return eng
}
