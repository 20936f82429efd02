package ledger_test

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/verify"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/risk"
)

func rule(t *testing.T, e *env, a ingot.Actor, name, expr string, action risk.Action) *risk.Rule {
	t.Helper()
	r, err := e.svc.CreateRiskRule(e.ctx, a, ledger.RiskRuleIn{Name: name, Expression: expr, Action: string(action), Severity: "high"}, nil)
	if err != nil {
		t.Fatalf("rule %s: %v", name, err)
	}
	return r
}

func alerts(t *testing.T, e *env, a ingot.Actor) []risk.Alert {
	t.Helper()
	as, _, err := e.svc.Alerts(e.ctx, a, ledger.AlertQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func TestRiskRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("RISKA")
		b, bID := e.operator("RISKB")
		e.mint(aID, "10000.00", "CNY")
		e.mint(bID, "10000.00", "CNY")
		w1, w2, w3 := e.wallet(a, "CNY", "1000.00"), e.wallet(a, "CNY", ""), e.wallet(a, "CNY", "")
		v1 := e.wallet(b, "CNY", "1000.00")

		// Compilation errors are invalid_rule with CEL's message.
		_, err := e.svc.CreateRiskRule(e.ctx, a, ledger.RiskRuleIn{Name: "bad", Expression: "amount >", Action: "deny", Severity: "low"}, nil)
		wantCode(t, err, ingot.CodeInvalidRule)
		_, err = e.svc.CreateRiskRule(e.ctx, a, ledger.RiskRuleIn{Name: "bad", Expression: "payer.nickname == 'x'", Action: "deny", Severity: "low"}, nil)
		wantCode(t, err, ingot.CodeInvalidRule)

		// The central bank's deny applies to everyone, at once.
		deny := rule(t, e, e.cb, "no big payments", "amount > 50000", risk.ActionDeny)
		_, err = pay(e, a, w1, w2, "600.00")
		wantCode(t, err, ingot.CodeRiskDenied)
		if d := detailOf(t, err); !strings.Contains(d, "no big payments") {
			t.Fatalf("an operator's risk_denied names the rule: %q", d)
		}
		_, err = pay(e, b, v1, w1, "600.00")
		wantCode(t, err, ingot.CodeRiskDenied)
		if _, err := pay(e, a, w1, w2, "400.00"); err != nil {
			t.Fatal(err)
		}

		// An operator's alert rule: only payments of its wallets; the
		// aggregates do not count the payment being decided.
		al := rule(t, e, a, "second payment within the hour", "payer.count_1h >= 1 && new_payee", risk.ActionAlert)
		if _, err := pay(e, b, v1, e.wallet(b, "CNY", ""), "1.00"); err != nil {
			t.Fatal(err)
		}
		if _, err := pay(e, b, v1, e.wallet(b, "CNY", ""), "1.00"); err != nil {
			t.Fatal(err)
		}
		if n := len(alerts(t, e, b)); n != 0 {
			t.Fatalf("operator B has %d alerts from A's rule", n)
		}
		tr, err := pay(e, a, w1, w3, "1.00") // w1's second payment this hour, to a new payee
		if err != nil {
			t.Fatal(err)
		}
		as := alerts(t, e, a)
		if len(as) != 1 || as[0].RuleID != al.ID || as[0].RuleVersion != 1 || as[0].TransferID != tr.ID || as[0].Status != risk.AlertOpen {
			t.Fatalf("alerts %+v", as)
		}
		if _, err := pay(e, a, w1, w3, "1.00"); err != nil { // not a new payee
			t.Fatal(err)
		}
		if n := len(alerts(t, e, a)); n != 1 {
			t.Fatalf("%d alerts after a payment to a known payee", n)
		}
		// The central bank sees every alert; resolve once.
		if n := len(alerts(t, e, e.cb)); n != 1 {
			t.Fatalf("the central bank sees %d alerts", n)
		}
		if _, err := e.svc.ResolveAlert(e.ctx, a, as[0].ID, "false_positive", "a regular customer", nil); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.ResolveAlert(e.ctx, a, as[0].ID, "no_action", "", nil)
		wantCode(t, err, ingot.CodeAlertClosed)
		_, err = e.svc.Alert(e.ctx, b, as[0].ID)
		wantCode(t, err, ingot.CodeNotFound)

		// A change is a new version; retiring the deny rule lets payments through.
		off := false
		v2, err := e.svc.UpdateRiskRule(e.ctx, e.cb, deny.ID, ledger.RiskRuleIn{Active: &off}, nil)
		if err != nil || v2.Version != 2 || v2.Active {
			t.Fatalf("update: %+v, %v", v2, err)
		}
		if _, err := pay(e, a, w1, w2, "550.00"); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.UpdateRiskRule(e.ctx, a, deny.ID, ledger.RiskRuleIn{Active: &off}, nil)
		wantCode(t, err, ingot.CodeNotFound) // not its own
		vs, err := e.svc.RiskRule(e.ctx, e.cb, deny.ID)
		if err != nil || len(vs) != 2 {
			t.Fatalf("versions %+v, %v", vs, err)
		}
	})
}

// A velocity rule holds exactly across two engines on one database.
func TestRiskAcrossTwoEngines(t *testing.T) {
	t.Parallel()
	e1, e2 := twoProcesses(t)
	res, err := e1.svc.CreateOperator(e1.ctx, e1.cb, "Bank A", "BANKA", nil)
	if err != nil {
		t.Fatal(err)
	}
	a := keyActor(t, e1.st, res.APIKey)
	e1.mint(res.Operator.ID, "1000.00", "CNY")
	from, to := e1.wallet(a, "CNY", "100.00"), e1.wallet(a, "CNY", "")
	rule(t, e2, e2.cb, "five an hour", "payer.count_1h >= 5", risk.ActionDeny) // made through the other process
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			_, err := pay([]*env{e1, e2}[i%2], a, from, to, "1.00")
			if err == nil {
				ok.Add(1)
			} else if ingot.ErrorCode(err) != ingot.CodeRiskDenied {
				t.Errorf("pay: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 5 {
		t.Fatalf("%d payments passed a rule of five an hour across two processes", ok.Load())
	}
}

// testClock is a clock a test moves.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

func TestAMLPatterns(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		clk := &testClock{}
		th := risk.Thresholds{LargeValue: 100_00, LargeValueBusiness: 1000_00, StructuringCount: 3, PassThroughMin: 50_00,
			FanOut: 3, FanIn: 3, DormantDays: 90, DormantMin: 50_00}
		e := newEnvWith(t, testdb.Open(t, kind), ledger.Options{Now: clk.now, Risk: ledger.RiskOptions{Thresholds: map[string]risk.Thresholds{"CNY": th}}})
		a, aID := e.operator("AML")
		e.mint(aID, "100000.00", "CNY")
		patterns := func() map[string]int {
			m := map[string]int{}
			for _, al := range alerts(t, e, a) {
				m[al.Pattern]++
			}
			return m
		}
		must := func(from, to, amount string) {
			t.Helper()
			if _, err := pay(e, a, from, to, amount); err != nil {
				t.Fatal(err)
			}
		}
		// Structuring: two payments at 95 % of the threshold are not yet a
		// pattern; the third is.
		s, p := e.wallet(a, "CNY", "1000.00"), e.wallet(a, "CNY", "")
		must(s, p, "95.00")
		must(s, p, "95.00")
		if n := patterns()[risk.PatternStructuring]; n != 0 {
			t.Fatalf("structuring after two: %d", n)
		}
		must(s, p, "95.00")
		if n := patterns()[risk.PatternStructuring]; n != 1 {
			t.Fatalf("structuring after three: %d", n)
		}
		// The large-value report: s sent 285.00 today, p received it.
		ls, err := e.svc.LargeValueReport(e.ctx, a, "")
		if err != nil || len(ls) != 2 {
			t.Fatalf("large-value report %+v, %v", ls, err)
		}
		// Fan-out: the third distinct payee within a day.
		f := e.wallet(a, "CNY", "100.00")
		must(f, e.wallet(a, "CNY", ""), "1.00")
		must(f, e.wallet(a, "CNY", ""), "1.00")
		if n := patterns()[risk.PatternFanOut]; n != 0 {
			t.Fatalf("fan-out after two payees: %d", n)
		}
		must(f, e.wallet(a, "CNY", ""), "1.00")
		if n := patterns()[risk.PatternFanOut]; n != 1 {
			t.Fatalf("fan-out after three payees: %d", n)
		}
		// Pass-through: money in and most of it out within the hour.
		in, out := e.wallet(a, "CNY", "10.00"), e.wallet(a, "CNY", "")
		must(s, in, "60.00")
		must(in, out, "60.00")
		if n := patterns()[risk.PatternPassThrough]; n != 1 {
			t.Fatalf("pass-through: %d", n)
		}
		// Dormant: 90 days without a payment, then a large one.
		d1, d2 := e.wallet(a, "CNY", "500.00"), e.wallet(a, "CNY", "")
		must(d1, d2, "1.00")
		clk.advance(89 * 24 * time.Hour)
		must(d1, d2, "60.00")
		if n := patterns()[risk.PatternDormant]; n != 0 {
			t.Fatalf("dormant after 89 days: %d", n)
		}
		clk.advance(91 * 24 * time.Hour)
		must(d1, d2, "60.00")
		if n := patterns()[risk.PatternDormant]; n != 2 { // the payer and the payee
			t.Fatalf("dormant after 91 days: %d", n)
		}
	})
}

func TestReviews(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("REVIEW")
		e.mint(aID, "10000.00", "CNY")
		from, to := e.wallet(a, "CNY", "1000.00"), e.wallet(a, "CNY", "")
		rule(t, e, a, "large to a new payee", "amount >= 10000 && new_payee", risk.ActionReview)

		held := func(key string) *ledger.InReview {
			t.Helper()
			_, err := e.svc.Pay(e.ctx, a, ledger.PayRequest{From: from, To: to, Amount: "100.00", Currency: "CNY"}, idem(a.KeyID, key, "same"))
			var ir *ledger.InReview
			if !errors.As(err, &ir) || ir.ReviewID == "" {
				t.Fatalf("pay: %v; want in review", err)
			}
			return ir
		}
		ir := held("k1")
		if bal, h := e.balance(a, from); bal != 1000_00 || h != 100_00 {
			t.Fatalf("held payment: balance %d, held %d", bal, h)
		}
		// A replay answers the same review, and holds nothing more.
		_, err := e.svc.Pay(e.ctx, a, ledger.PayRequest{From: from, To: to, Amount: "100.00", Currency: "CNY"}, idem(a.KeyID, "k1", "same"))
		var sa *ledger.StoredAnswer
		if !errors.As(err, &sa) || sa.Status != 202 || !strings.Contains(string(sa.Body), ir.ReviewID) {
			t.Fatalf("replay: %v", err)
		}
		if _, h := e.balance(a, from); h != 100_00 {
			t.Fatalf("after a replay held %d", h)
		}
		rv, err := e.svc.Review(e.ctx, a, ir.ReviewID)
		if err != nil || rv.Status != risk.ReviewPending || rv.AlertID == "" {
			t.Fatalf("review %+v, %v", rv, err)
		}
		out, err := e.svc.ReleaseReview(e.ctx, a, ir.ReviewID, nil)
		if err != nil || out.Transfer == nil || out.Review.Status != risk.ReviewReleased {
			t.Fatalf("release: %+v, %v", out, err)
		}
		if bal, h := e.balance(a, to); bal != 100_00 || h != 0 {
			t.Fatalf("payee after release: %d, %d", bal, h)
		}
		_, err = e.svc.RefuseReview(e.ctx, a, ir.ReviewID, nil)
		wantCode(t, err, ingot.CodeReviewClosed)

		// Refuse returns the money. Concurrent release and refuse: one wins.
		to = e.wallet(a, "CNY", "")
		for round := range 2 {
			ir := held("k-round-" + string(rune('a'+round)))
			var wins atomic.Int64
			var wg sync.WaitGroup
			for i := range 6 {
				wg.Go(func() {
					var err error
					if i%2 == 0 {
						_, err = e.svc.ReleaseReview(e.ctx, a, ir.ReviewID, nil)
					} else {
						_, err = e.svc.RefuseReview(e.ctx, a, ir.ReviewID, nil)
					}
					if err == nil {
						wins.Add(1)
					} else if ingot.ErrorCode(err) != ingot.CodeReviewClosed {
						t.Errorf("decide: %v", err)
					}
				})
			}
			wg.Wait()
			if wins.Load() != 1 {
				t.Fatalf("%d decisions of one review won", wins.Load())
			}
			to = e.wallet(a, "CNY", "") // a new payee for the next round
		}
		if _, h := e.balance(a, from); h != 0 {
			t.Fatalf("held %d after every review was decided", h)
		}

		// A refusal is a record leaf of the log: amount 0, payer to payee,
		// the review's hold, balances unchanged.
		ir = held("k-refused")
		bal, _ := e.balance(a, from)
		out, err = e.svc.RefuseReview(e.ctx, a, ir.ReviewID, nil)
		if err != nil || out.Review.Status != risk.ReviewRefused || out.Transfer == nil || out.Review.TransferID != out.Transfer.ID {
			t.Fatalf("refuse: %+v, %v", out, err)
		}
		rec, err := e.svc.Transfer(e.ctx, a, out.Transfer.ID)
		if err != nil {
			t.Fatal(err)
		}
		fromID, _ := ingot.ParseWalletID(from)
		if rec.Kind != ingot.KindReviewRefusal || rec.Amount != 0 || rec.HoldID != ir.HoldID || rec.LogIndex < 0 ||
			rec.Debit != fromID || rec.DebitBalance != bal {
			t.Fatalf("refusal record %+v; want review_refusal of 0 from %d (balance %d) with hold %s in the log", rec, fromID, bal, ir.HoldID)
		}
		if b, h := e.balance(a, from); b != bal || h != 0 {
			t.Fatalf("after the refusal: balance %d held %d; want %d and 0", b, h, bal)
		}
		if _, err := verify.Database(e.ctx, e.st, testSigner(t).VerifierKey(), ""); err != nil {
			t.Fatalf("verify: %v", err)
		}
	})
}

func TestCasesAndReveal(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("CASES")
		e.mint(aID, "10000.00", "CNY")
		from, to := e.wallet(a, "CNY", "1000.00"), e.wallet(a, "CNY", "")
		rule(t, e, a, "everything", "true", risk.ActionAlert)
		if _, err := pay(e, a, from, to, "1.00"); err != nil {
			t.Fatal(err)
		}
		as := alerts(t, e, a)
		if len(as) != 1 {
			t.Fatalf("alerts %+v", as)
		}
		c, err := e.svc.CreateCase(e.ctx, a, []string{as[0].ID}, "looks odd", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.DecideCase(e.ctx, a, c.ID, "freeze", "frozen pending a report", nil); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.DecideCase(e.ctx, a, c.ID, "close", "", nil)
		wantCode(t, err, ingot.CodeCaseClosed)
		_, err = pay(e, a, from, to, "1.00")
		wantCode(t, err, ingot.CodeWalletFrozen)

		// The four-eyes reveal: the central bank's first key asks, a second approves.
		r, err := e.svc.RequestReveal(e.ctx, e.cb, c.ID, "suspected fraud ring", "", nil)
		if err != nil || r.Status != risk.RevealPending {
			t.Fatalf("request reveal: %+v, %v", r, err)
		}
		_, err = e.svc.ApproveReveal(e.ctx, e.cb, r.ID, "", nil)
		wantCode(t, err, ingot.CodeForbidden)
		_, err = e.svc.RequestReveal(e.ctx, a, c.ID, "x", "", nil)
		wantCode(t, err, ingot.CodeForbidden)
		k2, err := e.svc.CreateAPIKey(e.ctx, e.cb, ledger.KeyRequest{Name: "second officer", Scopes: []string{ingot.ScopeRiskWrite}}, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		second := keyActor(t, e.st, k2.Secret)
		res, err := e.svc.ApproveReveal(e.ctx, second, r.ID, "", nil)
		if err != nil || len(res.Identities) != 1 || !res.Identities[0].Anonymous || res.Identities[0].Holder.Name != "" {
			t.Fatalf("approve: a tier-4 wallet's identity: %+v, %v", res, err)
		}
		// A wallet of a stronger tier shows its identity through a second reveal.
		if _, err := e.svc.Upgrade(e.ctx, a, from, ledger.UpgradeRequest{Tier: 3, IDNumber: "110101199003071234", IDVerified: true}, nil); err != nil {
			t.Fatal(err)
		}
		r2, err := e.svc.RequestReveal(e.ctx, e.cb, c.ID, "the account holder now", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err = e.svc.ApproveReveal(e.ctx, second, r2.ID, "", nil)
		if err != nil || len(res.Identities) != 1 || res.Identities[0].Holder.Name != "Li Wei" {
			t.Fatalf("approve: %+v, %v", res, err)
		}
		_, err = e.svc.ApproveReveal(e.ctx, second, r.ID, "", nil)
		wantCode(t, err, ingot.CodeRevealClosed)
	})
}

func TestBacktest(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("BTA")
		b, bID := e.operator("BTB")
		e.mint(aID, "1000.00", "CNY")
		e.mint(bID, "1000.00", "CNY")
		w1, w2 := e.wallet(a, "CNY", "100.00"), e.wallet(a, "CNY", "")
		v1, v2 := e.wallet(b, "CNY", "100.00"), e.wallet(b, "CNY", "")
		for _, amt := range []string{"1.00", "1.00", "10.00"} {
			if _, err := pay(e, a, w1, w2, amt); err != nil {
				t.Fatal(err)
			}
		}
		mid := time.Now()
		time.Sleep(2 * time.Millisecond)
		for _, amt := range []string{"1.00", "10.00"} {
			if _, err := pay(e, a, w1, w2, amt); err != nil {
				t.Fatal(err)
			}
			if _, err := pay(e, b, v1, v2, amt); err != nil {
				t.Fatal(err)
			}
		}
		r := rule(t, e, a, "ten or more", "amount >= 1000", risk.ActionAlert)
		bt, err := e.svc.BacktestRule(e.ctx, a, r.ID, time.Time{}, time.Time{})
		if err != nil || bt.Evaluated != 5 || bt.Hits != 2 {
			t.Fatalf("backtest of operator A's rule: %+v, %v; want 5 evaluated, 2 hits", bt, err)
		}
		bt, err = e.svc.BacktestRule(e.ctx, a, r.ID, mid, time.Time{})
		if err != nil || bt.Evaluated != 2 || bt.Hits != 1 {
			t.Fatalf("backtest from the middle: %+v, %v", bt, err)
		}
		cb := rule(t, e, e.cb, "velocity", "payer.count_1h >= 2", risk.ActionAlert)
		bt, err = e.svc.BacktestRule(e.ctx, e.cb, cb.ID, time.Time{}, time.Time{})
		if err != nil || bt.Evaluated != 7 || bt.Hits != 3 { // w1's 3rd, 4th, 5th; v1's never reaches 2 before
			t.Fatalf("backtest of the central bank's rule: %+v, %v", bt, err)
		}
		_, err = e.svc.BacktestRule(e.ctx, b, r.ID, time.Time{}, time.Time{})
		wantCode(t, err, ingot.CodeNotFound)
		// Nothing happened: no alert.
		if n := len(alerts(t, e, e.cb)); n != 0 {
			t.Fatalf("a backtest raised %d alerts", n)
		}
	})
}

func screeningAlerts(t *testing.T, e *env) map[int64]int {
	t.Helper()
	m := map[int64]int{}
	for _, al := range alerts(t, e, e.cb) {
		if al.Pattern == risk.PatternScreening {
			m[al.Wallet]++
		}
	}
	return m
}

func TestScreening(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, _ := e.operator("SCREEN")
		open := func(name string) int64 {
			t.Helper()
			res, err := e.svc.CreateWallet(e.ctx, a, ingot.Holder{Name: name, Phone: "13812345678"}, "CNY", ingot.WalletPersonal, nil)
			if err != nil {
				t.Fatal(err)
			}
			return res.Account.ID
		}
		before := open("Li Wei") // e.wallet's holder too
		if n := len(screeningAlerts(t, e)); n != 0 {
			t.Fatalf("%d screening alerts without a list", n)
		}
		_, err := e.svc.SetScreeningList(e.ctx, e.cb, strings.NewReader("id,program\nX-1,TEST\n"), nil)
		wantCode(t, err, ingot.CodeInvalidRequest)
		_, err = e.svc.SetScreeningList(e.ctx, a, strings.NewReader("name\nWEI Li\n"), nil)
		wantCode(t, err, ingot.CodeForbidden)
		l, err := e.svc.SetScreeningList(e.ctx, e.cb, strings.NewReader("name,id,program\n\"WEI, Lì\",SDN-1,TEST\nIvan Petrov,SDN-2,TEST\n"), nil)
		if err != nil || l.Version != 1 || l.Entries != 2 {
			t.Fatalf("set list: %+v, %v", l, err)
		}
		// Every wallet is screened again by the job; twice is once.
		for range 2 {
			if err := e.svc.Rescreen(e.ctx); err != nil {
				t.Fatal(err)
			}
		}
		if m := screeningAlerts(t, e); m[before] != 1 || len(m) != 1 {
			t.Fatalf("after the rescreen: %v", m)
		}
		// A new holder is screened at opening.
		hit, miss := open("Wei LI"), open("Zhang San")
		if m := screeningAlerts(t, e); m[hit] != 1 || m[miss] != 0 {
			t.Fatalf("at opening: %v", m)
		}
		al := alerts(t, e, a)[0]
		if al.Severity != risk.SeverityHigh || !strings.Contains(string(al.Evidence), "SDN-1") {
			t.Fatalf("screening alert %+v", al)
		}
	})
}

// Two processes screening every wallet share the work: each wallet once.
func TestScreeningTwoProcesses(t *testing.T) {
	t.Parallel()
	e1, e2 := twoProcesses(t)
	a, _ := e1.operator("SCREEN2")
	var ws []ledger.WalletRequest
	for i := range 900 {
		name := "Zhang San"
		if i%3 == 0 {
			name = "Ivan Petrov"
		}
		ws = append(ws, ledger.WalletRequest{Holder: ingot.Holder{Name: name, Phone: "13812345678"}, Currency: "CNY"})
	}
	if _, err := e1.svc.CreateWallets(e1.ctx, a, ws, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e2.svc.SetScreeningList(e2.ctx, e2.cb, strings.NewReader("name\nPetrov Ivan\n"), nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, e := range []*env{e1, e2, e1, e2} {
		wg.Go(func() {
			if err := e.svc.Rescreen(e.ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	m := screeningAlerts(t, e1)
	if len(m) != 300 {
		t.Fatalf("%d wallets flagged; want 300", len(m))
	}
	for w, n := range m {
		if n != 1 {
			t.Fatalf("wallet %d flagged %d times", w, n)
		}
	}
}

// Two processes deciding one review: exactly one decision wins.
func TestReviewTwoProcesses(t *testing.T) {
	t.Parallel()
	e1, e2 := twoProcesses(t)
	a, aID := e1.operator("REVIEW2")
	e1.mint(aID, "1000.00", "CNY")
	from := e1.wallet(a, "CNY", "500.00")
	rule(t, e2, a, "all held", "true", risk.ActionReview)
	for round := range 3 {
		to := e1.wallet(a, "CNY", "")
		_, err := pay(e1, a, from, to, "10.00")
		var ir *ledger.InReview
		if !errors.As(err, &ir) {
			t.Fatalf("pay: %v", err)
		}
		var wins atomic.Int64
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				e := []*env{e1, e2}[i%2]
				var err error
				if (i/2+round)%2 == 0 {
					_, err = e.svc.ReleaseReview(e.ctx, a, ir.ReviewID, nil)
				} else {
					_, err = e.svc.RefuseReview(e.ctx, a, ir.ReviewID, nil)
				}
				if err == nil {
					wins.Add(1)
				} else if ingot.ErrorCode(err) != ingot.CodeReviewClosed {
					t.Errorf("decide: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("round %d: %d decisions won across two processes", round, wins.Load())
		}
	}
	if _, h := e1.balance(a, from); h != 0 {
		t.Fatalf("held %d after every review was decided", h)
	}
}

// twoProcesses is two engines and services on one PostgreSQL database, as
// two processes of a deployment are.
func twoProcesses(t *testing.T) (*env, *env) {
	t.Helper()
	st1, dsn := testdb.OpenURL(t, "postgres")
	st2, err := testdb.OpenDSN(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st2.Close() })
	return newEnvOn(t, st1, 0), newEnvOn(t, st2, 0)
}
