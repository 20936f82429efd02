package ledger_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/risk"
)

// setSpending sets a wallet's spending rule or fails the test.
func setSpending(e *env, a ingot.Actor, wallet, allow, otherwise string) *ledger.WalletSpendingRule {
	e.t.Helper()
	r, err := e.svc.SetSpendingRule(e.ctx, a, wallet, ledger.SpendingRuleIn{Allow: allow, Otherwise: otherwise}, nil)
	if err != nil {
		e.t.Fatalf("set the spending rule of %s: %v", wallet, err)
	}
	return r
}

// mustPay pays or fails the test.
func mustPay(e *env, a ingot.Actor, from, to, amount string) {
	e.t.Helper()
	if _, err := pay(e, a, from, to, amount); err != nil {
		e.t.Fatalf("pay %s from %s to %s: %v", amount, from, to, err)
	}
}

// refused checks that a payment was refused with code and moved nothing.
func refused(e *env, a ingot.Actor, code, from, to, amount string) {
	e.t.Helper()
	fb, _ := e.balance(a, from)
	_, err := pay(e, a, from, to, amount)
	wantCode(e.t, err, code)
	if b, _ := e.balance(a, from); b != fb {
		e.t.Fatalf("a refused payment moved money: balance %d, was %d", b, fb)
	}
}

// TestSpendingRules: a child's sub-wallet may pay only food merchants, at
// most 50.00 in 24 hours; allocations back to the parent always pass; a
// wallet without a rule is not concerned; the rule is replaced and
// removed; only the wallet's operator sets it.
func TestSpendingRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		clk := &testClock{}
		e := newEnvWith(t, testdb.Open(t, kind), ledger.Options{Now: clk.now})
		a, aID := e.operator("SPENDA")
		b, _ := e.operator("SPENDB")
		e.mint(aID, "10000.00", "CNY")
		parent := e.wallet(a, "CNY", "500.00")
		child, _ := openSub(e, a, parent, ledger.SubWalletRequest{Name: "pocket money"})
		mustPay(e, a, parent, child, "200.00") // an allocation
		food, cafe, casino := e.merchant(a, "5411"), e.merchant(a, "5812"), e.merchant(a, "7995")
		friend := e.wallet(a, "CNY", "")

		// Bad rules: CEL's message, the decimal hint, a bad otherwise.
		for _, bad := range []string{"payee.mcc in ", "payee.nickname == 'x'", "amount", "payer.sent_24h + amount <= 50.00", "  "} {
			_, err := e.svc.SetSpendingRule(e.ctx, a, child, ledger.SpendingRuleIn{Allow: bad}, nil)
			wantCode(t, err, ingot.CodeInvalidRule)
			if strings.Contains(bad, "50.00") && !strings.Contains(detailOf(t, err), "minor units") {
				t.Fatalf("a decimal amount's invalid_rule does not say amounts are minor units: %q", detailOf(t, err))
			}
		}
		_, err := e.svc.SetSpendingRule(e.ctx, a, child, ledger.SpendingRuleIn{Allow: "true", Otherwise: "review"}, nil)
		wantCode(t, err, ingot.CodeInvalidRequest)
		// Another operator's wallet does not exist for b, and nobody's for the central bank.
		_, err = e.svc.SetSpendingRule(e.ctx, b, child, ledger.SpendingRuleIn{Allow: "true"}, nil)
		wantCode(t, err, ingot.CodeNotFound)
		_, err = e.svc.SetSpendingRule(e.ctx, e.cb, child, ledger.SpendingRuleIn{Allow: "true"}, nil)
		wantCode(t, err, ingot.CodeForbidden)
		_, err = e.svc.SpendingRule(e.ctx, a, child)
		wantCode(t, err, ingot.CodeNotFound) // none yet

		r := setSpending(e, a, child, "payee.mcc in ['5411', '5812'] && payer.sent_24h + amount <= 5000", "")
		if r.Rule.Otherwise != ingot.OtherwiseDeny || r.Rule.SetBy != ingot.RoleOperator || r.Rule.CreatedAt.IsZero() {
			t.Fatalf("set: %+v", r)
		}
		got, err := e.svc.SpendingRule(e.ctx, a, child)
		if err != nil || got.Rule != r.Rule {
			t.Fatalf("read back %+v, %v; want %+v", got, err, r)
		}
		_, err = e.svc.SpendingRule(e.ctx, b, child)
		wantCode(t, err, ingot.CodeNotFound)

		// The mcc list.
		mustPay(e, a, child, food, "20.00")
		mustPay(e, a, child, cafe, "25.00")
		refused(e, a, ingot.CodeSpendingRuleDenied, child, casino, "1.00")
		refused(e, a, ingot.CodeSpendingRuleDenied, child, friend, "1.00")
		// The daily cap: 45.00 paid, 5.00 left; the refused ones did not count.
		refused(e, a, ingot.CodeSpendingRuleDenied, child, food, "5.01")
		mustPay(e, a, child, food, "5.00")
		refused(e, a, ingot.CodeSpendingRuleDenied, child, food, "0.01")
		// Allocations within the family always pass, both ways.
		mustPay(e, a, child, parent, "10.00")
		mustPay(e, a, parent, child, "10.00")
		// The parent, without a rule, pays anyone.
		mustPay(e, a, parent, casino, "100.00")
		// A capture is a payment too.
		h, err := e.svc.PlaceHold(e.ctx, a, child, "3.00", time.Now().Add(48*time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.CaptureHold(e.ctx, a, h.ID, ledger.CaptureRequest{To: food}, nil)
		wantCode(t, err, ingot.CodeSpendingRuleDenied) // 50.00 paid already
		if _, held := e.balance(a, child); held != 300 {
			t.Fatalf("a refused capture released its hold: held %d", held)
		}
		// A day later the cap is free again.
		clk.advance(25 * time.Hour)
		if _, err := e.svc.CaptureHold(e.ctx, a, h.ID, ledger.CaptureRequest{To: food}, nil); err != nil {
			t.Fatalf("capture: %v", err)
		}
		mustPay(e, a, child, food, "47.00")
		refused(e, a, ingot.CodeSpendingRuleDenied, child, food, "0.01")
		// In a batch, the item is refused alone.
		res, err := e.svc.PayBatch(e.ctx, a, []ledger.PayRequest{{From: child, To: casino, Amount: "1.00", Currency: "CNY"},
			{From: parent, To: casino, Amount: "1.00", Currency: "CNY"}}, false, nil)
		if err != nil || len(res) != 2 || res[0].Err == nil || res[0].Err.Code != ingot.CodeSpendingRuleDenied || res[1].Err != nil {
			t.Fatalf("batch: %+v, %v", res, err)
		}

		// Replaced: approve instead of deny; an operator's back end cannot
		// approve, and is refused, saying why.
		setSpending(e, a, child, "payee.kind == 'merchant'", "approve")
		mustPay(e, a, child, casino, "1.00")
		refused(e, a, ingot.CodeSpendingRuleDenied, child, friend, "1.00")
		_, err = pay(e, a, child, friend, "1.00")
		if d := detailOf(t, err); !strings.Contains(d, "approval") {
			t.Fatalf("the refusal of an approve rule does not say it needs approval: %q", d)
		}
		// A rule that fails to evaluate allows nothing.
		setSpending(e, a, child, "1 / (amount - 100) > 0 || payee.kind == 'merchant'", "")
		refused(e, a, ingot.CodeSpendingRuleDenied, child, friend, "1.00")
		_, err = pay(e, a, child, friend, "1.00")
		if d := detailOf(t, err); !strings.Contains(d, "could not be evaluated") {
			t.Fatalf("detail %q", d)
		}

		// Removed: it answers the rule removed, and the child pays anyone.
		rm, err := e.svc.RemoveSpendingRule(e.ctx, a, child, nil)
		if err != nil || !strings.HasPrefix(rm.Rule.Allow, "1 / (amount") {
			t.Fatalf("remove: %+v, %v", rm, err)
		}
		mustPay(e, a, child, friend, "1.00")
		_, err = e.svc.RemoveSpendingRule(e.ctx, a, child, nil)
		wantCode(t, err, ingot.CodeNotFound)
		_, err = e.svc.RemoveSpendingRule(e.ctx, b, child, nil)
		wantCode(t, err, ingot.CodeNotFound)

		// A main wallet's rule, by its operator; a closed wallet's stays.
		if _, err := e.svc.Fund(e.ctx, a, friend, "10.00", false, nil); err != nil {
			t.Fatal(err)
		}
		setSpending(e, a, friend, "amount <= 100", "deny")
		mustPay(e, a, friend, food, "1.00")
		refused(e, a, ingot.CodeSpendingRuleDenied, friend, food, "1.01")
		closed := e.wallet(a, "CNY", "")
		if _, err := e.svc.SetWalletStatus(e.ctx, a, closed, ingot.StatusClosed, nil); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.SetSpendingRule(e.ctx, a, closed, ledger.SpendingRuleIn{Allow: "true"}, nil)
		wantCode(t, err, ingot.CodeWalletClosed)
	})
}

// TestSpendingRuleIdempotency: setting a rule with an Idempotency-Key
// twice sets it once and answers the same; another body under the key is
// idempotency_conflict.
func TestSpendingRuleIdempotency(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, _ := e.operator("SPENDI")
		w := e.wallet(a, "CNY", "")
		in := ledger.SpendingRuleIn{Allow: "amount <= 5000"}
		first, err := e.svc.SetSpendingRule(e.ctx, a, w, in, idem(a.KeyID, "k1", "one"))
		if err != nil {
			t.Fatal(err)
		}
		setSpending(e, a, w, "amount <= 1", "")
		again := idem(a.KeyID, "k1", "one")
		second, err := e.svc.SetSpendingRule(e.ctx, a, w, in, again)
		if err != nil || !again.Replayed || second.Rule != first.Rule || second.Wallet != first.Wallet {
			t.Fatalf("replay: %+v (replayed %v), %v; want %+v", second, again.Replayed, err, first)
		}
		if got, _ := e.svc.SpendingRule(e.ctx, a, w); got.Rule.Allow != "amount <= 1" {
			t.Fatalf("a replay set the rule again: %+v", got)
		}
		_, err = e.svc.SetSpendingRule(e.ctx, a, w, ledger.SpendingRuleIn{Allow: "true"}, idem(a.KeyID, "k1", "two"))
		wantCode(t, err, ingot.CodeIdempotencyConflict)
	})
}

// storeApprover is the Approver of the tests: it records a pending
// approval in the store, as package auth does (without its factors).
type storeApprover struct{ st auth.Store }

func (p storeApprover) RequestApproval(ctx context.Context, holder ingot.Actor, payer int64, payee string, amount int64, currency string) error {
	now := time.Now().UTC().Truncate(time.Microsecond)
	a := ingot.Authorization{ID: "auth-" + ingot.FormatWalletID(ingot.NewWalletID()), HolderID: holder.HolderID, Payer: payer, Payee: payee,
		Amount: amount, Currency: currency, Status: ingot.AuthorizationPending, ExpiresAt: now.Add(ingot.AuthorizationTTL), CreatedAt: now, UpdatedAt: now}
	if err := p.st.CreateAuthorization(ctx, a); err != nil {
		return err
	}
	return &ingot.ApprovalRequired{Authorization: a, Methods: []string{"sms"}}
}

// holderOf is the signed-in holder of a wallet.
func holderOf(e *env, wallet string) ingot.Actor {
	e.t.Helper()
	id, _ := ingot.ParseWalletID(wallet)
	w, err := e.st.Account(e.ctx, id)
	if err != nil || len(w.Holder.PhoneHash) == 0 {
		e.t.Fatalf("the holder of %s: %+v, %v", wallet, w, err)
	}
	return ingot.Actor{KeyID: "holder:h-" + wallet, Role: ingot.RoleHolder, HolderID: "h-" + wallet, PhoneHash: w.Holder.PhoneHash}
}

// TestSpendingRuleHolder: the parent's holder sets its sub-wallet's rule,
// never its main wallet's nor one the operator set; with otherwise
// approve, a payment the rule does not allow needs the holder's approval
// of exactly that payment, which then pays it.
func TestSpendingRuleHolder(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		e.svc.WithApprover(storeApprover{e.st.(auth.Store)}, nil)
		a, aID := e.operator("SPENDH")
		e.mint(aID, "10000.00", "CNY")
		parent := e.wallet(a, "CNY", "500.00")
		child, _ := openSub(e, a, parent, ledger.SubWalletRequest{})
		mustPay(e, a, parent, child, "100.00")
		food, casino := e.merchant(a, "5411"), e.merchant(a, "7995")
		h := holderOf(e, parent)

		_, err := e.svc.SetSpendingRule(e.ctx, h, parent, ledger.SpendingRuleIn{Allow: "true"}, nil)
		wantCode(t, err, ingot.CodeForbidden) // a main wallet's rule is its operator's
		r, err := e.svc.SetSpendingRule(e.ctx, h, child, ledger.SpendingRuleIn{Allow: "payee.mcc == '5411'", Otherwise: "approve"}, nil)
		if err != nil || r.Rule.SetBy != ingot.RoleHolder {
			t.Fatalf("the holder sets its sub-wallet's rule: %+v, %v", r, err)
		}
		if got, err := e.svc.SpendingRule(e.ctx, h, child); err != nil || got.Rule != r.Rule {
			t.Fatalf("the holder reads it: %+v, %v", got, err)
		}
		// The operator reads it, and could replace it.
		if got, err := e.svc.SpendingRule(e.ctx, a, child); err != nil || got.Rule != r.Rule {
			t.Fatalf("the operator reads it: %+v, %v", got, err)
		}

		hpay := func(to, amount, approval string) (*ingot.Transfer, error) {
			return e.svc.Pay(e.ctx, h, ledger.PayRequest{From: child, To: to, Amount: amount, Currency: "CNY", Authorization: approval}, nil)
		}
		if _, err := hpay(food, "1.00", ""); err != nil {
			t.Fatalf("an allowed payment of the holder: %v", err)
		}
		// Not allowed: sca_required, even below the low-value exemption,
		// with an approval of exactly this payment.
		_, err = hpay(casino, "2.00", "")
		var ar *ingot.ApprovalRequired
		if !errors.As(err, &ar) || ar.Authorization.Amount != 200 || ar.Authorization.Payee != casino {
			t.Fatalf("got %v; want sca_required for 2.00 to %s", err, casino)
		}
		if b, _ := e.balance(a, child); b != 9900 {
			t.Fatalf("balance %d after a payment that awaits approval", b)
		}
		_, err = hpay(casino, "2.00", ar.Authorization.ID)
		wantCode(t, err, ingot.CodeAuthorizationPending)
		if err := e.st.(auth.Store).ApproveAuthorization(e.ctx, ar.Authorization.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		_, err = hpay(casino, "2.01", ar.Authorization.ID)
		wantCode(t, err, ingot.CodeAuthorizationMismatch)
		if _, err := hpay(casino, "2.00", ar.Authorization.ID); err != nil {
			t.Fatalf("the approved payment: %v", err)
		}
		if b, _ := e.balance(a, child); b != 9700 {
			t.Fatalf("balance %d after the approved payment", b)
		}

		// The holder removes its own rule; not the operator's.
		if _, err := e.svc.RemoveSpendingRule(e.ctx, h, child, nil); err != nil {
			t.Fatal(err)
		}
		setSpending(e, a, child, "payee.mcc == '5411'", "deny")
		_, err = e.svc.SetSpendingRule(e.ctx, h, child, ledger.SpendingRuleIn{Allow: "true"}, nil)
		wantCode(t, err, ingot.CodeForbidden)
		_, err = e.svc.RemoveSpendingRule(e.ctx, h, child, nil)
		wantCode(t, err, ingot.CodeForbidden)
		// A deny rule is not approved away.
		_, err = hpay(casino, "1.00", "")
		wantCode(t, err, ingot.CodeSpendingRuleDenied)
	})
}

// TestSpendingRuleAcrossTwoEngines: a rule set through one process
// applies at once to a payment through another.
func TestSpendingRuleAcrossTwoEngines(t *testing.T) {
	t.Parallel()
	e1, e2 := twoProcesses(t)
	res, err := e1.svc.CreateOperator(e1.ctx, e1.cb, "Bank A", "BANKA", nil)
	if err != nil {
		t.Fatal(err)
	}
	a := keyActor(t, e1.st, res.APIKey)
	e1.mint(res.Operator.ID, "1000.00", "CNY")
	from, to := e1.wallet(a, "CNY", "100.00"), e1.wallet(a, "CNY", "")
	mustPay(e2, a, from, to, "1.00")
	setSpending(e1, a, from, "amount <= 100", "")
	refused(e2, a, ingot.CodeSpendingRuleDenied, from, to, "1.01")
	mustPay(e2, a, from, to, "1.00")
	if _, err := e2.svc.RemoveSpendingRule(e2.ctx, a, from, nil); err != nil {
		t.Fatal(err)
	}
	mustPay(e1, a, from, to, "50.00")
}

// TestSpendingRuleAndRiskRules: the payer's spending rule is asked before
// the risk rules' actions: a payment it refuses is not held for review.
func TestSpendingRuleAndRiskRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("SPENDR")
		e.mint(aID, "1000.00", "CNY")
		from, to := e.wallet(a, "CNY", "100.00"), e.wallet(a, "CNY", "")
		rule(t, e, a, "review everything", "true", risk.ActionReview)
		setSpending(e, a, from, "amount <= 100", "")
		refused(e, a, ingot.CodeSpendingRuleDenied, from, to, "2.00")
		if _, held := e.balance(a, from); held != 0 {
			t.Fatalf("a payment the spending rule refused was held: %d", held)
		}
		_, err := pay(e, a, from, to, "1.00")
		var ir *ledger.InReview
		if !errors.As(err, &ir) {
			t.Fatalf("an allowed payment is still reviewed: %v", err)
		}
	})
}
