package storetest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// The risk part of the suite (store/risk.go): rule versions and the
// rules' version a batch reads, the active rules, payer-payee pairs,
// alerts (filters, cursor, one resolution of concurrent ones), the
// large-value report, and a wallet's risk bytes through every account
// read and write.

// riskTests are the risk tests Run runs.
var riskTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"RiskRules", testRiskRules},
	{"RiskRulesVersion", testRiskRulesVersion},
	{"ActiveRiskRules", testActiveRiskRules},
	{"RiskPairs", testRiskPairs},
	{"Alerts", testAlerts},
	{"AlertsFilters", testAlertsFilters},
	{"ResolveAlertConcurrent", testResolveAlertConcurrent},
	{"LargeValues", testLargeValues},
	{"BatchRiskRollback", testBatchRiskRollback},
	{"AccountRisk", testAccountRisk},
}

// ---- fixtures ----

func newRule(id string, version int, operatorID string, active bool) risk.Rule {
	return risk.Rule{ID: id, Version: version, OperatorID: operatorID, Name: fmt.Sprintf("rule %s v%d 规则", id, version),
		Expression: fmt.Sprintf("payment.amount > %d", 1000*version), Action: risk.ActionAlert,
		Severity: risk.SeverityHigh, Active: active, CreatedAt: now()}
}

func mustAddRule(t *testing.T, s store.Store, r risk.Rule) risk.Rule {
	t.Helper()
	if err := addRiskRule(context.Background(), s, r); err != nil {
		t.Fatalf("AddRiskRule(%s v%d): %v", r.ID, r.Version, err)
	}
	return r
}

// rulesVersion reads the rules' version in a batch (rolled back).
func rulesVersion(t *testing.T, s store.Store) int64 {
	t.Helper()
	var v int64
	inBatch(t, s, func(tx store.BatchTx) {
		var err error
		if v, err = tx.RiskRulesVersion(context.Background()); err != nil {
			t.Fatalf("RiskRulesVersion: %v", err)
		}
	})
	return v
}

func activeRules(t *testing.T, s store.Store) []risk.Rule {
	t.Helper()
	var rs []risk.Rule
	inBatch(t, s, func(tx store.BatchTx) {
		var err error
		if rs, err = tx.ActiveRiskRules(context.Background()); err != nil {
			t.Fatalf("ActiveRiskRules: %v", err)
		}
	})
	return rs
}

func riskPairs(t *testing.T, s store.Store, pairs ...store.Pair) map[store.Pair]time.Time {
	t.Helper()
	var m map[store.Pair]time.Time
	inBatch(t, s, func(tx store.BatchTx) {
		var err error
		if m, err = tx.RiskPairs(context.Background(), pairs); err != nil {
			t.Fatalf("RiskPairs: %v", err)
		}
	})
	return m
}

// pairStatsReader reads what RiskPairs does not return: a pair's first
// time and count. Both stores have it, outside store.RiskStore.
type pairStatsReader interface {
	RiskPairStats(ctx context.Context, p store.Pair) (first, last time.Time, count int64, err error)
}

func newAlert(w ingot.Account, severity risk.Severity) risk.Alert {
	return risk.Alert{ID: newID(), OperatorID: w.OperatorID, RuleID: newID(), RuleVersion: 3, Severity: severity,
		Wallet: w.ID, TransferID: newID(), Evidence: json.RawMessage(`{"amount": "5000.00", "count":3}`),
		Status: risk.AlertOpen, CreatedAt: now()}
}

func mustAlert(t *testing.T, s store.Store, id string) risk.Alert {
	t.Helper()
	a, err := s.Alert(context.Background(), id)
	if err != nil {
		t.Fatalf("Alert(%s): %v", id, err)
	}
	return a
}

// alertIDs are the ids of as, in order.
func alertIDs(as []risk.Alert) []string {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids
}

// newestFirst are the ids of the alerts of as that keep selects, by id
// descending.
func newestFirst(as []risk.Alert, keep func(risk.Alert) bool) []string {
	var ids []string
	for _, a := range as {
		if keep(a) {
			ids = append(ids, a.ID)
		}
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	return ids
}

// ---- rules ----

// testRiskRules: versions are kept, oldest first; a taken (id, version) is
// a conflict; RiskRules lists each rule's latest version (active or not)
// of an owner, the central bank's for "", everyone's for "" and all.
func testRiskRules(t *testing.T, s store.Store) {
	ctx := context.Background()
	op, other := newID(), newID()
	a1 := mustAddRule(t, s, newRule("a", 1, op, true))
	a2 := newRule("a", 2, op, false)
	a2.Action, a2.Severity, a2.Expression = risk.ActionDeny, risk.SeverityCritical, `payment.channel == "qr" && payer.kyc_tier >= 3`
	mustAddRule(t, s, a2)
	b1 := newRule("b", 1, "", true) // an issuer's, for its currencies
	b1.IssuerID, b1.Currencies = newID(), []string{"HKD", "MOP"}
	mustAddRule(t, s, b1)
	c1 := mustAddRule(t, s, newRule("c", 1, other, true))
	d1 := mustAddRule(t, s, newRule("d", 1, op, true))

	dup := newRule("a", 2, op, true)
	dup.Name = "another"
	checkConflict(t, "AddRiskRule(a v2 again)", addRiskRule(ctx, s, dup))

	vs, err := s.RiskRuleVersions(ctx, "a")
	checkNil(t, "RiskRuleVersions(a)", err)
	same(t, "RiskRuleVersions(a)", vs, []risk.Rule{normTimes(a1), normTimes(a2)})
	_, err = s.RiskRuleVersions(ctx, "nope")
	checkNotFound(t, "RiskRuleVersions(unknown)", err)

	for _, c := range []struct {
		operatorID string
		all        bool
		want       []risk.Rule
	}{
		{op, false, []risk.Rule{a2, d1}},
		{op, true, []risk.Rule{a2, d1}},
		{other, false, []risk.Rule{c1}},
		{"", false, []risk.Rule{b1}},
		{"", true, []risk.Rule{a2, b1, c1, d1}},
		{newID(), false, nil},
	} {
		got, err := s.RiskRules(ctx, c.operatorID, c.all)
		checkNil(t, "RiskRules", err)
		want := make([]risk.Rule, len(c.want))
		for i, r := range c.want {
			want[i] = normTimes(r)
		}
		if len(want) == 0 {
			want = nil
		}
		if len(got) == 0 {
			got = nil
		}
		same(t, fmt.Sprintf("RiskRules(%q, %v)", c.operatorID, c.all), got, want)
	}
}

// testRiskRulesVersion: 0 before the first rule; every stored version
// advances it, as a batch reads it; a refused one does not.
func testRiskRulesVersion(t *testing.T, s store.Store) {
	ctx := context.Background()
	if v := rulesVersion(t, s); v != 0 {
		t.Fatalf("RiskRulesVersion of an empty store = %d, want 0", v)
	}
	mustAddRule(t, s, newRule("r", 1, "", true))
	v1 := rulesVersion(t, s)
	if v1 <= 0 {
		t.Fatalf("RiskRulesVersion after a rule = %d, want > 0", v1)
	}
	mustAddRule(t, s, newRule("r", 2, "", false))
	v2 := rulesVersion(t, s)
	if v2 <= v1 {
		t.Fatalf("RiskRulesVersion after a second version = %d, want > %d", v2, v1)
	}
	checkConflict(t, "AddRiskRule(r v2 again)", addRiskRule(ctx, s, newRule("r", 2, "", true)))
	if v := rulesVersion(t, s); v != v2 {
		t.Fatalf("RiskRulesVersion after a refused rule = %d, want %d", v, v2)
	}

	mustAddRule(t, s, newRule("q", 1, newID(), true))
	if v := rulesVersion(t, s); v <= v2 {
		t.Fatalf("RiskRulesVersion after an operator's rule = %d, want > %d", v, v2)
	}
}

// testActiveRiskRules: the latest version of each rule whose latest
// version is active; an older active version of a rule since deactivated
// is not.
func testActiveRiskRules(t *testing.T, s store.Store) {
	if rs := activeRules(t, s); len(rs) != 0 {
		t.Fatalf("ActiveRiskRules of an empty store = %+v", rs)
	}
	op := newID()
	// a changed (its latest version listed), b deactivated, c never
	// active, d activated later, e another operator's.
	mustAddRule(t, s, newRule("a", 1, op, true))
	a2 := mustAddRule(t, s, newRule("a", 2, op, true))
	mustAddRule(t, s, newRule("b", 1, "", true))
	mustAddRule(t, s, newRule("b", 2, "", false))
	mustAddRule(t, s, newRule("c", 1, op, false))
	mustAddRule(t, s, newRule("d", 1, "", false))
	d2 := mustAddRule(t, s, newRule("d", 2, "", true))
	e1 := mustAddRule(t, s, newRule("e", 1, newID(), true))
	same(t, "ActiveRiskRules", activeRules(t, s), []risk.Rule{normTimes(a2), normTimes(d2), normTimes(e1)})
}

// ---- pairs ----

// testRiskPairs: a new pair gets first = last = its time and its count; a
// known one keeps its first time, moves its last and adds the count; a
// pair written twice in one batch is as if written twice in a row; pairs
// are directed.
func testRiskPairs(t *testing.T, s store.Store) {
	ctx := context.Background()
	ps, ok := s.(pairStatsReader)
	if !ok {
		t.Fatalf("%T has no RiskPairStats", s)
	}
	checkPair := func(what string, p store.Pair, first, last time.Time, count int64) {
		t.Helper()
		f, l, n, err := ps.RiskPairStats(ctx, p)
		if err != nil || !eqTime(f, norm(first)) || !eqTime(l, norm(last)) || n != count {
			t.Errorf("%s: RiskPairStats(%v) = %v, %v, %d, %v; want %v, %v, %d", what, p, f, l, n, err,
				norm(first), norm(last), count)
		}
	}
	if m := riskPairs(t, s); len(m) != 0 {
		t.Fatalf("RiskPairs(none) = %v", m)
	}
	w1, w2, w3 := ingot.NewWalletID(), ingot.NewWalletID(), ingot.NewWalletID()
	p12, p21, p13, p23 := store.Pair{Payer: w1, Payee: w2}, store.Pair{Payer: w2, Payee: w1},
		store.Pair{Payer: w1, Payee: w3}, store.Pair{Payer: w2, Payee: w3}
	if m := riskPairs(t, s, p12, p13); len(m) != 0 {
		t.Fatalf("RiskPairs before any payment = %v", m)
	}
	t1 := now().Add(-time.Hour)
	commit(t, s, &store.BatchWrite{Risk: store.RiskWrite{Pairs: []store.PairWrite{
		{Pair: p12, Last: t1, Count: 2},
		{Pair: p13, Last: t1.Add(time.Second), Count: 1},
	}}})
	same(t, "RiskPairs after the first batch", riskPairs(t, s, p12, p21, p13, p23),
		map[store.Pair]time.Time{p12: norm(t1), p13: norm(t1.Add(time.Second))})
	checkPair("first batch", p12, t1, t1, 2)

	t2 := now()
	commit(t, s, &store.BatchWrite{Risk: store.RiskWrite{Pairs: []store.PairWrite{
		{Pair: p12, Last: t2, Count: 3},
		{Pair: p23, Last: t2.Add(-time.Minute), Count: 1},
		{Pair: p23, Last: t2, Count: 4},
	}}})
	same(t, "RiskPairs after the second batch", riskPairs(t, s, p12, p21, p13, p23),
		map[store.Pair]time.Time{p12: norm(t2), p13: norm(t1.Add(time.Second)), p23: norm(t2)})
	checkPair("second batch", p12, t1, t2, 5)
	checkPair("second batch", p13, t1.Add(time.Second), t1.Add(time.Second), 1)
	checkPair("pair written twice in a batch", p23, t2.Add(-time.Minute), t2, 5)
	_, _, _, err := ps.RiskPairStats(ctx, p21)
	checkNotFound(t, "RiskPairStats(reversed pair)", err)

	// Many pairs at once, as a large batch reads them.
	var many []store.PairWrite
	var ask []store.Pair
	for i := range 500 {
		p := store.Pair{Payer: w1 + int64(i+1), Payee: w2}
		if i%2 == 0 {
			many = append(many, store.PairWrite{Pair: p, Last: t2, Count: 1})
		}
		ask = append(ask, p)
	}
	commit(t, s, &store.BatchWrite{Risk: store.RiskWrite{Pairs: many}})
	if m := riskPairs(t, s, ask...); len(m) != len(many) {
		t.Errorf("RiskPairs of 500 pairs, 250 known: %d found", len(m))
	}
}

// ---- alerts ----

// testAlerts: alerts read back as written (evidence byte for byte, {} for
// none), a taken id is a conflict, an alert is resolved once.
func testAlerts(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 1)
	w := b.wallets[0]
	byRule := newAlert(w, risk.SeverityHigh)
	byRule.Evidence = json.RawMessage("{\"z\": 1,  \"a\" : [1.50, \"五千\", null],\n\"nested\":{\"k\":true}}")
	byPattern := newAlert(w, risk.SeverityMedium)
	byPattern.RuleID, byPattern.RuleVersion, byPattern.Pattern = "", 0, "structuring"
	screening := newAlert(w, risk.SeverityCritical)
	screening.TransferID, screening.Evidence = "", nil
	resolved := newAlert(w, risk.SeverityLow)
	resolved.Status, resolved.Resolution, resolved.Note, resolved.ResolvedAt = risk.AlertResolved, risk.ResolutionNoAction, "known customer", now()
	commit(t, s, &store.BatchWrite{Risk: store.RiskWrite{Alerts: []risk.Alert{byRule, byPattern, screening, resolved}}})

	for _, a := range []risk.Alert{byRule, byPattern, resolved} {
		same(t, "Alert", mustAlert(t, s, a.ID), a)
	}
	gotScreening := mustAlert(t, s, screening.ID)
	if string(gotScreening.Evidence) != "{}" {
		t.Errorf("evidence written empty reads back %q, want {}", gotScreening.Evidence)
	}
	screening.Evidence = json.RawMessage("{}")
	same(t, "Alert(no evidence)", gotScreening, screening)
	_, err := s.Alert(ctx, newID())
	checkNotFound(t, "Alert(unknown)", err)

	// A taken id fails the batch.
	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	again := newAlert(w, risk.SeverityLow)
	again.ID = byRule.ID
	checkConflict(t, "Write of a taken alert id", tx.Write(ctx, &store.BatchWrite{Risk: store.RiskWrite{Alerts: []risk.Alert{again}}}))
	checkNil(t, "Rollback", tx.Rollback(ctx))

	at := now()
	checkNil(t, "ResolveAlert", resolveAlert(ctx, s, byRule.ID, risk.ResolutionReported, "filed STR 2026-17", at))
	want := byRule
	want.Status, want.Resolution, want.Note, want.ResolvedAt = risk.AlertResolved, risk.ResolutionReported, "filed STR 2026-17", at
	same(t, "Alert after ResolveAlert", mustAlert(t, s, byRule.ID), want)
	checkConflict(t, "ResolveAlert again", resolveAlert(ctx, s, byRule.ID, risk.ResolutionFalsePositive, "", now()))
	checkConflict(t, "ResolveAlert of one written resolved", resolveAlert(ctx, s, resolved.ID, risk.ResolutionReported, "", now()))
	same(t, "Alert after a refused resolution", mustAlert(t, s, byRule.ID), want)
	checkNotFound(t, "ResolveAlert(unknown)", resolveAlert(ctx, s, newID(), risk.ResolutionNoAction, "", now()))
}

// testAlertsFilters: every filter alone and together, newest first, pages
// through the cursor, limits.
func testAlertsFilters(t *testing.T, s store.Store) {
	ctx := context.Background()
	opA, opB := newBook(t, s, "CNY", 2), newBook(t, s, "EUR", 1)
	wallets := []ingot.Account{opA.wallets[0], opA.wallets[1], opB.wallets[0]}
	severities := []risk.Severity{risk.SeverityLow, risk.SeverityMedium, risk.SeverityHigh, risk.SeverityCritical}
	var all []risk.Alert
	for i := range 23 {
		a := newAlert(wallets[i%3], severities[i%4])
		all = append(all, a)
	}
	// Written in two batches, the second's alerts older by id than some of
	// the first's: the order is the ids'.
	commit(t, s, &store.BatchWrite{Risk: store.RiskWrite{Alerts: all[12:]}})
	commit(t, s, &store.BatchWrite{Risk: store.RiskWrite{Alerts: all[:12]}})
	// Resolve every fifth.
	for i := 0; i < len(all); i += 5 {
		checkNil(t, "ResolveAlert", resolveAlert(ctx, s, all[i].ID, risk.ResolutionFalsePositive, "", now()))
		all[i].Status = risk.AlertResolved
	}

	for _, c := range []struct {
		name string
		f    store.AlertFilter
		keep func(risk.Alert) bool
	}{
		{"all", store.AlertFilter{}, func(risk.Alert) bool { return true }},
		{"operator A", store.AlertFilter{OperatorID: opA.op.ID}, func(a risk.Alert) bool { return a.OperatorID == opA.op.ID }},
		{"operator B", store.AlertFilter{OperatorID: opB.op.ID}, func(a risk.Alert) bool { return a.OperatorID == opB.op.ID }},
		{"unknown operator", store.AlertFilter{OperatorID: newID()}, func(risk.Alert) bool { return false }},
		{"open", store.AlertFilter{Status: risk.AlertOpen}, func(a risk.Alert) bool { return a.Status == risk.AlertOpen }},
		{"resolved", store.AlertFilter{Status: risk.AlertResolved}, func(a risk.Alert) bool { return a.Status == risk.AlertResolved }},
		{"high", store.AlertFilter{Severity: risk.SeverityHigh}, func(a risk.Alert) bool { return a.Severity == risk.SeverityHigh }},
		{"wallet", store.AlertFilter{Wallet: wallets[1].ID}, func(a risk.Alert) bool { return a.Wallet == wallets[1].ID }},
		{"operator A open critical", store.AlertFilter{OperatorID: opA.op.ID, Status: risk.AlertOpen, Severity: risk.SeverityCritical},
			func(a risk.Alert) bool {
				return a.OperatorID == opA.op.ID && a.Status == risk.AlertOpen && a.Severity == risk.SeverityCritical
			}},
		{"operator B's wallet open", store.AlertFilter{OperatorID: opB.op.ID, Wallet: wallets[2].ID, Status: risk.AlertOpen},
			func(a risk.Alert) bool { return a.Wallet == wallets[2].ID && a.Status == risk.AlertOpen }},
		{"operator A, B's wallet", store.AlertFilter{OperatorID: opA.op.ID, Wallet: wallets[2].ID}, func(risk.Alert) bool { return false }},
		{"EUR wallets", store.AlertFilter{Currencies: []string{"EUR"}}, func(a risk.Alert) bool { return a.Wallet == wallets[2].ID }},
		{"CNY and EUR wallets", store.AlertFilter{Currencies: []string{"CNY", "EUR"}}, func(risk.Alert) bool { return true }},
		{"HKD wallets", store.AlertFilter{Currencies: []string{"HKD"}}, func(risk.Alert) bool { return false }},
		{"no currency", store.AlertFilter{Currencies: []string{}}, func(risk.Alert) bool { return false }},
		{"CNY, open", store.AlertFilter{Currencies: []string{"CNY"}, Status: risk.AlertOpen},
			func(a risk.Alert) bool { return a.Wallet != wallets[2].ID && a.Status == risk.AlertOpen }},
	} {
		want := newestFirst(all, c.keep)
		got, err := s.Alerts(ctx, c.f)
		checkNil(t, "Alerts("+c.name+")", err)
		if ids := alertIDs(got); !slices.Equal(ids, want) {
			t.Errorf("Alerts(%s) = %v, want %v", c.name, ids, want)
		}
		for _, a := range got {
			if !c.keep(a) {
				t.Errorf("Alerts(%s) returned %+v", c.name, a)
			}
		}
		// Pages of 4 through the cursor add up to the whole list.
		var paged []string
		f := c.f
		f.Limit = 4
		for range 10 {
			page, err := s.Alerts(ctx, f)
			checkNil(t, "Alerts(page)", err)
			if len(page) > 4 {
				t.Fatalf("Alerts(%s, limit 4) returned %d", c.name, len(page))
			}
			paged = append(paged, alertIDs(page)...)
			if len(page) < 4 {
				break
			}
			f.Before = page[len(page)-1].ID
		}
		if !slices.Equal(paged, want) {
			t.Errorf("Alerts(%s) by pages of 4 = %v, want %v", c.name, paged, want)
		}
	}
	// A cursor that is not an alert's id works as a bound.
	ids := newestFirst(all, func(risk.Alert) bool { return true })
	mid := ids[10]
	got, err := s.Alerts(ctx, store.AlertFilter{Before: mid + "0", Limit: 3})
	checkNil(t, "Alerts(before)", err)
	if !slices.Equal(alertIDs(got), ids[10:13]) {
		t.Errorf("Alerts(before %s0, limit 3) = %v, want %v", mid, alertIDs(got), ids[10:13])
	}
	// The full alerts, not only their ids.
	got, err = s.Alerts(ctx, store.AlertFilter{Wallet: wallets[2].ID, Limit: 1})
	checkNil(t, "Alerts(wallet, 1)", err)
	newest := newestFirst(all, func(a risk.Alert) bool { return a.Wallet == wallets[2].ID })[0]
	if len(got) != 1 {
		t.Fatalf("Alerts(limit 1) = %v", got)
	}
	same(t, "Alerts(wallet, limit 1)[0]", got[0], mustAlert(t, s, newest))
}

// testResolveAlertConcurrent: of concurrent resolutions of one alert,
// exactly one wins; its resolution is the one stored.
func testResolveAlertConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 1)
	a := newAlert(b.wallets[0], risk.SeverityHigh)
	commit(t, s, &store.BatchWrite{Risk: store.RiskWrite{Alerts: []risk.Alert{a}}})
	res := []risk.Resolution{risk.ResolutionFalsePositive, risk.ResolutionNoAction, risk.ResolutionReported}
	errs := race(8, func(i int) error {
		return resolveAlert(ctx, s, a.ID, res[i%3], fmt.Sprint("investigator ", i), now())
	})
	winner := oneWinner(t, "ResolveAlert", errs)
	if winner < 0 {
		return
	}
	got := mustAlert(t, s, a.ID)
	if got.Status != risk.AlertResolved || got.Resolution != res[winner%3] ||
		got.Note != fmt.Sprint("investigator ", winner) || got.ResolvedAt.IsZero() {
		t.Errorf("alert after concurrent resolutions = %+v; want goroutine %d's", got, winner)
	}
}

// ---- the large-value report ----

// testLargeValues: lines are upserted by (wallet, day), every field
// replaced; listed by wallet for an operator or everyone, for one day.
func testLargeValues(t *testing.T, s store.Store) {
	ctx := context.Background()
	opA, opB := newID(), newID()
	w1, w2, w3 := ingot.NewWalletID(), ingot.NewWalletID(), ingot.NewWalletID()
	const day, next = 20260315, 20260316
	line := func(w int64, op string, d int32, sent int64) risk.LargeValue {
		return risk.LargeValue{Wallet: w, Day: d, OperatorID: op, Currency: "CNY", Sent: sent, Received: 7,
			Count: 2, Threshold: 5_000_000, UpdatedAt: now()}
	}
	a1, a2, b3 := line(w1, opA, day, 5_000_000), line(w2, opA, day, 6_000_000), line(w3, opB, day, 9_000_000)
	a1next := line(w1, opA, next, 5_000_001)
	commit(t, s, &store.BatchWrite{Risk: store.RiskWrite{LargeValues: []risk.LargeValue{a2, b3, a1, a1next}}})

	list := func(op string, d int32) []risk.LargeValue {
		t.Helper()
		ls, err := s.LargeValues(ctx, op, d)
		checkNil(t, "LargeValues", err)
		return ls
	}
	byWallet := func(ls ...risk.LargeValue) []risk.LargeValue {
		out := make([]risk.LargeValue, len(ls))
		for i, l := range ls {
			out[i] = normTimes(l)
		}
		slices.SortFunc(out, func(a, b risk.LargeValue) int { return cmp.Compare(a.Wallet, b.Wallet) })
		return out
	}
	same(t, "LargeValues(A, day)", list(opA, day), byWallet(a1, a2))
	same(t, "LargeValues(B, day)", list(opB, day), byWallet(b3))
	same(t, "LargeValues(everyone, day)", list("", day), byWallet(a1, a2, b3))
	same(t, "LargeValues(A, next)", list(opA, next), byWallet(a1next))
	if ls := list(opA, day-1); len(ls) != 0 {
		t.Errorf("LargeValues(another day) = %v", ls)
	}

	// Later in the day: the line is replaced, twice in one batch the last
	// one stays.
	a1b := a1
	a1b.Sent, a1b.Received, a1b.Count, a1b.Threshold, a1b.Currency, a1b.UpdatedAt = 6_500_000, 100, 5, 4_000_000, "EUR", now()
	a1c := a1b
	a1c.Received, a1c.Count, a1c.UpdatedAt = 200, 6, now().Add(time.Second)
	commit(t, s, &store.BatchWrite{Risk: store.RiskWrite{LargeValues: []risk.LargeValue{a1b, a1c}}})
	same(t, "LargeValues(A, day) after an update", list(opA, day), byWallet(a1c, a2))
	same(t, "LargeValues(A, next) after another day's update", list(opA, next), byWallet(a1next))
}

// testBatchRiskRollback: a rolled back batch leaves no pair, alert or
// report line.
func testBatchRiskRollback(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 2)
	w1, w2 := b.wallets[0], b.wallets[1]
	p := store.Pair{Payer: w1.ID, Payee: w2.ID}
	a := newAlert(w1, risk.SeverityLow)
	l := risk.LargeValue{Wallet: w1.ID, Day: 20260101, OperatorID: b.op.ID, Currency: "CNY", Sent: 1, UpdatedAt: now()}
	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{Risk: store.RiskWrite{
		Pairs: []store.PairWrite{{Pair: p, Last: now(), Count: 1}}, Alerts: []risk.Alert{a}, LargeValues: []risk.LargeValue{l}}}))
	if m, err := tx.RiskPairs(ctx, []store.Pair{p}); err != nil || len(m) != 1 {
		t.Errorf("RiskPairs in the batch that wrote the pair = %v, %v", m, err)
	}
	checkNil(t, "Rollback", tx.Rollback(ctx))
	if m := riskPairs(t, s, p); len(m) != 0 {
		t.Errorf("RiskPairs after rollback = %v", m)
	}
	_, err = s.Alert(ctx, a.ID)
	checkNotFound(t, "Alert after rollback", err)
	if ls, err := s.LargeValues(ctx, "", l.Day); err != nil || len(ls) != 0 {
		t.Errorf("LargeValues after rollback = %v, %v", ls, err)
	}
}

// ---- a wallet's risk bytes ----

// testAccountRisk: Account.Risk is written by batches (and on creation),
// read back by LockAccounts and every account read; none reads back
// empty (nil or zero length).
func testAccountRisk(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 2)
	w1, w2 := b.wallets[0], b.wallets[1]
	checkRisk := func(what string, got ingot.Account, want []byte) {
		t.Helper()
		if !bytes.Equal(got.Risk, want) {
			t.Errorf("%s: account %d Risk = %x, want %x", what, got.ID, got.Risk, want)
		}
	}
	// reads checks every read of w1 and w2.
	reads := func(when string, want1, want2 []byte) {
		t.Helper()
		for _, c := range []struct {
			w    ingot.Account
			want []byte
		}{{w1, want1}, {w2, want2}} {
			a, err := s.Account(ctx, c.w.ID)
			checkNil(t, "Account", err)
			checkRisk(when+": Account", a, c.want)
		}
		find := func(what string, as []ingot.Account, err error) {
			t.Helper()
			checkNil(t, what, err)
			n := 0
			for _, a := range as {
				switch a.ID {
				case w1.ID:
					checkRisk(when+": "+what, a, want1)
					n++
				case w2.ID:
					checkRisk(when+": "+what, a, want2)
					n++
				}
			}
			if n != 2 {
				t.Errorf("%s: %s found %d of the 2 wallets", when, what, n)
			}
		}
		as, err := s.Accounts(ctx, b.op.ID, ingot.AccountWallet, 0, 100)
		find("Accounts", as, err)
		as, err = s.AllAccounts(ctx, 0, 100)
		find("AllAccounts", as, err)
		inBatch(t, s, func(tx store.BatchTx) {
			as, err := tx.LockAccounts(ctx, []int64{w1.ID, w2.ID})
			find("LockAccounts", as, err)
		})
	}
	reads("new wallets", nil, nil)

	// Bytes of every value, NUL included, and a larger blob.
	v1 := make([]byte, 256)
	for i := range v1 {
		v1[i] = byte(i)
	}
	v2 := bytes.Repeat([]byte("velocity\x00"), 400)
	w1.Risk, w2.Risk = v1, v2
	commit(t, s, &store.BatchWrite{Accounts: []ingot.Account{w1, w2}})
	reads("after Write", v1, v2)

	// Changed again, and cleared: nil and empty are the same.
	w1.Risk, w2.Risk = v2[:7], nil
	commit(t, s, &store.BatchWrite{Accounts: []ingot.Account{w1, w2}})
	reads("after a second Write", v2[:7], nil)
	w1.Risk = []byte{}
	commit(t, s, &store.BatchWrite{Accounts: []ingot.Account{w1}})
	reads("after clearing", nil, nil)

	// Created with risk bytes, one at a time, in bulk and in a batch.
	one := newWallet(b.op.ID, "CNY")
	one.Risk = []byte{1, 2, 3}
	_, err := s.CreateAccount(ctx, one, nil)
	checkNil(t, "CreateAccount", err)
	bulk := []ingot.Account{newWallet(b.op.ID, "CNY"), newWallet(b.op.ID, "CNY")}
	bulk[0].Risk = []byte{4, 5}
	_, err = s.CreateAccounts(ctx, bulk, nil)
	checkNil(t, "CreateAccounts", err)
	sub := newWallet(b.op.ID, "CNY")
	sub.ParentID, sub.Risk = one.ID, []byte{6}
	commit(t, s, &store.BatchWrite{NewAccounts: []ingot.Account{sub}})
	for _, w := range []ingot.Account{one, bulk[0], bulk[1], sub} {
		got, err := s.Account(ctx, w.ID)
		checkNil(t, "Account", err)
		checkAccount(t, got, w)
		checkRisk("created", got, w.Risk)
	}
	subs, err := s.SubWallets(ctx, one.ID)
	if err != nil || len(subs) != 1 {
		t.Fatalf("SubWallets = %v, %v", subs, err)
	}
	checkRisk("SubWallets", subs[0], sub.Risk)
	inBatch(t, s, func(tx store.BatchTx) {
		subs, err := tx.SubWallets(ctx, []int64{one.ID})
		if err != nil || len(subs) != 1 {
			t.Fatalf("batch SubWallets = %v, %v", subs, err)
		}
		checkRisk("batch SubWallets", subs[0], sub.Risk)
	})
}

// addRiskRule and resolveAlert call the store without an idempotency
// record (idempotent creations are tested in idempotency tests).
func addRiskRule(ctx context.Context, s store.Store, r risk.Rule) error {
	_, err := s.AddRiskRule(ctx, r, nil)
	return err
}

func resolveAlert(ctx context.Context, s store.Store, id string, res risk.Resolution, note string, at time.Time) error {
	_, err := s.ResolveAlert(ctx, id, res, note, at, nil)
	return err
}
