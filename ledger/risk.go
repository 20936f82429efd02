package ledger

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// Risk in the engine (package risk; docs/risk.md). Every payment between
// wallets (a payment, a QR payment, a payment code charged, a capture) is
// assessed inside its own batch, before it moves money:
//
//   - the facts: the payment, both wallets, the channel, whether the payer
//     paid the payee before, and both wallets' velocity (their recent
//     payments, risk.Velocity, kept in their rows);
//   - the rules of the central bank and of both wallets' operators
//     (risk.Decide): deny refuses it, approve asks the holder's approval,
//     alert lets it pay and raises an alert;
//   - the built-in AML patterns (risk.Thresholds.Patterns), which raise
//     alerts, and the large-value report lines of the day.
//
// Then the payment updates both velocities and their pair. All of it is
// journaled like the balances (a refused command leaves no trace) and
// written with the batch, so that it is exact across processes: the
// wallets' rows are locked, and a new rule is read by the next batch of any
// process (the rules' version is read in every batch that pays).

// RiskOptions configures the engine's built-in AML.
type RiskOptions struct {
	// Thresholds per currency; a currency without an entry gets
	// risk.DefaultThresholds.
	Thresholds map[string]risk.Thresholds
}

func (o *RiskOptions) thresholds(currency string) risk.Thresholds {
	if t, ok := o.Thresholds[currency]; ok {
		return t
	}
	return risk.DefaultThresholds(ingot.MustCurrency(currency))
}

// riskRules is the engine's compiled copy of the active rules, loaded
// again when a batch reads a newer version.
type riskRules struct {
	mu      sync.Mutex
	version int64
	loaded  bool
	rules   []*risk.Compiled
}

// channelOf is how a command reached the ledger.
func channelOf(c op) string { return c.channel() }

// pairer is a command that pays: it names its (payer, payee) wallets once
// the batch's rows are read, so that their pair is read with them.
type pairer interface {
	pairs(s *state, add func(payer, payee int64))
}

// channeler is a command that says how its payment reached the ledger
// (risk.Channel*); others are risk.ChannelOperator.
type channeler interface{ channel() string }

// riskState is a batch's risk context.
type riskState struct {
	opt   *RiskOptions
	rules []*risk.Compiled
	// last payments of the batch's pairs, as read, then as paid in the batch
	pairs map[store.Pair]time.Time
	// pairs paid in the batch
	paid map[store.Pair]*store.PairWrite
	// decoded velocities of the wallets assessed; dirty ones are encoded
	// back into their accounts when the batch is written
	vel   map[int64]*risk.Velocity
	dirty map[int64]struct{}

	alerts []risk.Alert
	large  map[largeKey]risk.LargeValue

	newReviews     []*risk.Review
	updatedReviews map[string]*risk.Review
}

func newRiskState(opt *RiskOptions, rules []*risk.Compiled, pairs map[store.Pair]time.Time) *riskState {
	if opt == nil {
		opt = &RiskOptions{}
	}
	return &riskState{opt: opt, rules: rules, pairs: pairs, paid: map[store.Pair]*store.PairWrite{},
		vel: map[int64]*risk.Velocity{}, dirty: map[int64]struct{}{}, large: map[largeKey]risk.LargeValue{},
		updatedReviews: map[string]*risk.Review{}}
}

type largeKey struct {
	wallet int64
	day    int32
}

// loadRisk reads what the batch's payments are assessed against: the rules
// (when their version changed) and the pairs' last payments.
func (e *Engine) loadRisk(ctx context.Context, tx store.BatchTx, batch []*request, st *state) error {
	seen := map[store.Pair]struct{}{}
	var pairs []store.Pair
	for _, r := range batch {
		r.cmd.pairs(st, func(payer, payee int64) {
			k := store.Pair{Payer: payer, Payee: payee}
			if _, dup := seen[k]; !dup && payer != 0 && payee != 0 {
				seen[k] = struct{}{}
				pairs = append(pairs, k)
			}
		})
	}
	if len(pairs) == 0 {
		return nil
	}
	rules, err := e.riskRules(ctx, tx)
	if err != nil {
		return err
	}
	last, err := tx.RiskPairs(ctx, pairs)
	if err != nil {
		return err
	}
	st.risk = newRiskState(&e.opt.Risk, rules, last)
	for _, k := range pairs {
		if _, ok := last[k]; !ok {
			last[k] = time.Time{} // read, never paid
		}
	}
	return nil
}

// riskRules returns the active rules, compiled, as of the batch's
// transaction.
func (e *Engine) riskRules(ctx context.Context, tx store.BatchTx) ([]*risk.Compiled, error) {
	v, err := tx.RiskRulesVersion(ctx)
	if err != nil {
		return nil, err
	}
	c := &e.rules
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded && c.version == v {
		return c.rules, nil
	}
	rs, err := tx.ActiveRiskRules(ctx)
	if err != nil {
		return nil, err
	}
	compiled := make([]*risk.Compiled, 0, len(rs))
	for _, r := range rs {
		cr, err := risk.CompileRule(r)
		if err != nil {
			// Rules are compiled when they are created; one that no longer
			// compiles (a newer Ingot's language) is skipped, loudly.
			e.log.Error("a risk rule does not compile; it is not applied", "rule", r.ID, "version", r.Version, "err", err)
			continue
		}
		compiled = append(compiled, cr)
	}
	c.version, c.loaded, c.rules = v, true, compiled
	return compiled, nil
}

// velocity returns a wallet's decoded velocity.
func (r *riskState) velocity(a *ingot.Account) (*risk.Velocity, error) {
	if v, ok := r.vel[a.ID]; ok {
		return v, nil
	}
	v := &risk.Velocity{}
	if err := v.UnmarshalBinary(a.Risk); err != nil {
		return nil, fmt.Errorf("ledger: wallet %d: %w", a.ID, err)
	}
	r.vel[a.ID] = v
	return v, nil
}

// assessment is a payment's risk decision, kept until the payment is made.
type assessment struct {
	facts    risk.Facts
	decision risk.Decision
	findings []risk.Finding
	pair     store.Pair
	last     time.Time // the pair's previous payment; zero: none
	th       risk.Thresholds
}

// assess decides a payment from debit to credit before it moves money.
// It answers nil for what is not assessed (no risk state, not between
// wallets, between a wallet and its own sub-wallet).
func (s *state) assess(kind ingot.TransferKind, debit, credit *ingot.Account, amount int64, currency string) (*assessment, error) {
	r := s.risk
	if r == nil || (kind != ingot.KindPayment && kind != ingot.KindCapture) ||
		debit.Kind != ingot.AccountWallet || credit.Kind != ingot.AccountWallet {
		return nil, nil
	}
	k := store.Pair{Payer: debit.ID, Payee: credit.ID}
	last, ok := r.pairs[k]
	if !ok {
		return nil, ingot.Errorf(ingot.CodeInternal, "the payment's pair %d -> %d was not read", debit.ID, credit.ID)
	}
	pv, err := r.velocity(debit)
	if err != nil {
		return nil, err
	}
	qv, err := r.velocity(credit)
	if err != nil {
		return nil, err
	}
	as := &assessment{pair: k, last: last, th: r.opt.thresholds(currency)}
	as.facts = risk.Facts{Amount: amount, Currency: currency, Channel: s.channel, NewPayee: last.IsZero(), Now: s.now,
		Payer: s.party(debit, pv), Payee: s.party(credit, qv)}
	as.decision = risk.Decide(r.rules, &as.facts)
	s.riskErrors = append(s.riskErrors, as.decision.Errors...)
	newInWindow := last.IsZero() || !last.After(s.now.Add(-24*time.Hour))
	as.findings = as.th.Patterns(&as.facts, newInWindow)
	return as, nil
}

// party is a wallet as the rules see it.
func (s *state) party(a *ingot.Account, v *risk.Velocity) risk.Party {
	h, d := v.Hour(s.now), v.Day24(s.now)
	idleSince := v.LastActive
	if idleSince.IsZero() {
		idleSince = a.CreatedAt
	}
	p := risk.Party{
		Wallet: ingot.FormatWalletID(a.ID), Tier: int64(a.Tier), Kind: string(a.WalletKind), Operator: a.OperatorID,
		AgeDays: days(s.now.Sub(a.CreatedAt)), Country: s.riskCountry(a),
		Sent1h: h.Sent, Sent24h: d.Sent, Count1h: h.SentCount, Count24h: d.SentCount,
		Received1h: h.Received, Received24h: d.Received, Senders24h: d.Senders, Payees24h: d.Payees,
		IdleDays: days(s.now.Sub(idleSince)), Balance: a.Balance,
		Near24h: d.Near, Business: a.WalletKind == ingot.WalletMerchant,
	}
	if m, ok := s.merch.profiles[a.ID]; ok {
		p.MCC = m.MCC
	}
	return p
}

func days(d time.Duration) int64 { return max(0, int64(d/(24*time.Hour))) }

// riskCountry is a party's country in the rules: its operator's
// jurisdiction (jurisdiction.go), or for an account that is not a wallet
// its currency's country.
func (s *state) riskCountry(a *ingot.Account) string {
	if c := s.country(a); c != "" {
		return c
	}
	return currencyCountry(a.Currency)
}

// currencyCountry is the country of a national currency: the first two
// letters of its ISO 4217 code (CNY: CN, HKD: HK). Wallets carry no
// country of their own yet.
func currencyCountry(c string) string {
	if len(c) == 3 && !strings.HasPrefix(c, "X") {
		return c[:2]
	}
	return ""
}

// enforce applies the decision's action before the payment: deny and
// approve refuse it (approve asks the holder's approval, when a holder
// pays without one).
func (s *state) enforce(as *assessment, a ingot.Actor) error {
	d := as.decision
	switch d.Action {
	case risk.ActionDeny:
		return riskDenied(d.By, a, "refused by the risk rules")
	case risk.ActionApprove:
		if s.sca.gate != nil && s.sca.strong {
			return nil // approved by the holder, for exactly this payment
		}
		if s.sca.gate != nil {
			return &scaRequired{*s.sca.gate}
		}
		return riskDenied(d.By, a, "needs the holder's approval: only the holder can make this payment")
	case risk.ActionReview:
		// A payment is held for review by move (reviews.go); what reaches
		// here is a capture, whose money is held already: refused.
		return riskDenied(d.By, a, "refused for review (a capture cannot be held again)")
	}
	return nil
}

// riskDenied is the risk_denied error: the rule's name is shown to the
// central bank and to operators, never to holders.
func riskDenied(r *risk.Rule, a ingot.Actor, what string) error {
	if a.Role == ingot.RoleHolder || r == nil {
		return ingot.Errorf(ingot.CodeRiskDenied, "this payment was %s", what)
	}
	return ingot.Errorf(ingot.CodeRiskDenied, "this payment was %s: rule %q (%s, version %d)", what, r.Name, r.ID, r.Version)
}

// recordRisk records a payment that was made: its pair, both velocities,
// the alerts of its rules and patterns, and the day's large-value lines.
func (s *state) recordRisk(as *assessment, t *ingot.Transfer, debit, credit *ingot.Account) error {
	return s.recordRiskOf(as, t, debit, credit, t.Amount, as.th)
}

// recordRiskOf is recordRisk for a payment whose payee received another
// amount (an exchange's buy leg, in its own currency, with its thresholds
// qth): the payer's velocity counts what it sent, the payee's what it got.
func (s *state) recordRiskOf(as *assessment, t *ingot.Transfer, debit, credit *ingot.Account, received int64, qth risk.Thresholds) error {
	r := s.risk
	pv, qv := r.vel[debit.ID], r.vel[credit.ID]
	// Journal what changes, as one undo.
	oldP, oldQ := cloneVelocity(pv), cloneVelocity(qv)
	oldLast := r.pairs[as.pair]
	oldPaid, hadPaid := r.paid[as.pair]
	var oldPaidV store.PairWrite
	if hadPaid {
		oldPaidV = *oldPaid
	}
	nAlerts := len(r.alerts)
	kp, kq := largeKey{debit.ID, s.day}, largeKey{credit.ID, s.day}
	oldLP, hadLP := r.large[kp]
	oldLQ, hadLQ := r.large[kq]
	_, dirtyP := r.dirty[debit.ID]
	_, dirtyQ := r.dirty[credit.ID]
	s.onUndo(func() {
		*pv, *qv = oldP, oldQ
		r.pairs[as.pair] = oldLast
		if hadPaid {
			*r.paid[as.pair] = oldPaidV
		} else {
			delete(r.paid, as.pair)
		}
		r.alerts = r.alerts[:nAlerts]
		restoreLarge(r.large, kp, oldLP, hadLP)
		restoreLarge(r.large, kq, oldLQ, hadLQ)
		if !dirtyP {
			delete(r.dirty, debit.ID)
		}
		if !dirtyQ {
			delete(r.dirty, credit.ID)
		}
	})

	near := as.th.Near(t.Amount, as.facts.Payer.Business)
	pv.Sent(s.now, s.day, t.Amount, as.last, near)
	qv.Received(s.now, s.day, received, as.last)
	r.dirty[debit.ID], r.dirty[credit.ID] = struct{}{}, struct{}{}
	r.pairs[as.pair] = s.now
	if pw, ok := r.paid[as.pair]; ok {
		pw.Last, pw.Count = s.now, pw.Count+1
	} else {
		r.paid[as.pair] = &store.PairWrite{Pair: as.pair, Last: s.now, Count: 1}
	}

	if err := s.raiseHits(as, t, debit, credit); err != nil {
		return err
	}
	var sentAcross, gotAcross int64 // jurisdiction.go: a cross-border payment's amounts
	if s.country(debit) != s.country(credit) {
		sentAcross, gotAcross = t.Amount, received
	}
	s.largeValue(debit, pv, as.th, sentAcross)
	s.largeValue(credit, qv, qth, gotAcross)
	return nil
}

// raiseHits raises the alerts of an assessment's rules and patterns, on
// transfer t.
func (s *state) raiseHits(as *assessment, t *ingot.Transfer, debit, credit *ingot.Account) error {
	for _, rule := range as.decision.Hits {
		ev, _ := json.Marshal(map[string]any{"amount": as.facts.Amount, "currency": as.facts.Currency, "channel": as.facts.Channel,
			"action": rule.Action, "payee": ingot.FormatWalletID(credit.ID)})
		if err := s.raise(risk.Alert{RuleID: rule.ID, RuleVersion: rule.Version, Severity: rule.Severity,
			Wallet: debit.ID, OperatorID: debit.OperatorID, TransferID: t.ID, Evidence: ev}); err != nil {
			return err
		}
	}
	for _, f := range as.findings {
		w := debit
		if f.Payee {
			w = credit
		}
		ev, _ := json.Marshal(f.Evidence)
		if err := s.raise(risk.Alert{Pattern: f.Pattern, Severity: f.Severity, Wallet: w.ID, OperatorID: w.OperatorID,
			TransferID: t.ID, Evidence: ev}); err != nil {
			return err
		}
	}
	return nil
}

func restoreLarge(m map[largeKey]risk.LargeValue, k largeKey, old risk.LargeValue, had bool) {
	if had {
		m[k] = old
	} else {
		delete(m, k)
	}
}

func cloneVelocity(v *risk.Velocity) risk.Velocity {
	c := *v
	c.Buckets = append([]risk.Bucket(nil), v.Buckets...)
	return c
}

// raise adds an alert to the batch.
func (s *state) raise(al risk.Alert) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	al.ID, al.Status, al.CreatedAt = id.String(), risk.AlertOpen, s.now
	s.risk.alerts = append(s.risk.alerts, al)
	s.emit(ingot.EventAlertCreated, al.OperatorID, &al)
	return nil
}

// largeValue keeps a wallet's large-value report line of the day current
// once its day's payments reach its threshold, or once a cross-border
// payment (cross, its amount; 0 for a domestic one) reaches the
// cross-border threshold: the line then names that threshold.
func (s *state) largeValue(a *ingot.Account, v *risk.Velocity, th risk.Thresholds, cross int64) {
	sent, received, count := v.DayTotals(s.day)
	limit := th.LargeValueThreshold(a.WalletKind == ingot.WalletMerchant)
	if cb := th.LargeValueCrossBorder; cb > 0 && cross >= cb {
		limit = cb
	} else if old, ok := s.risk.large[largeKey{a.ID, s.day}]; ok && old.Threshold < limit {
		limit = old.Threshold // the day's line has a cross-border payment already
	}
	if limit <= 0 || (sent < limit && received < limit) {
		return
	}
	s.risk.large[largeKey{a.ID, s.day}] = risk.LargeValue{Wallet: a.ID, Day: s.day, OperatorID: a.OperatorID,
		Currency: a.Currency, Sent: sent, Received: received, Count: count, Threshold: limit, UpdatedAt: s.now}
}

// writeRisk encodes the changed velocities into their accounts (before
// the accounts are collected) and collects the risk rows, in key order.
func (s *state) writeRisk() store.RiskWrite {
	var w store.RiskWrite
	r := s.risk
	if r == nil {
		return w
	}
	for id := range r.dirty {
		b, _ := r.vel[id].MarshalBinary() // never fails
		s.accounts[id].Risk = b
		s.touched[id] = struct{}{}
	}
	for _, p := range r.paid {
		w.Pairs = append(w.Pairs, *p)
	}
	slices.SortFunc(w.Pairs, func(a, b store.PairWrite) int {
		return cmp.Or(cmp.Compare(a.Payer, b.Payer), cmp.Compare(a.Payee, b.Payee))
	})
	w.Alerts = r.alerts
	for _, l := range r.large {
		w.LargeValues = append(w.LargeValues, l)
	}
	slices.SortFunc(w.LargeValues, func(a, b risk.LargeValue) int {
		return cmp.Or(cmp.Compare(a.Wallet, b.Wallet), cmp.Compare(a.Day, b.Day))
	})
	for _, rv := range r.newReviews {
		w.NewReviews = append(w.NewReviews, *rv)
	}
	for _, rv := range r.updatedReviews {
		w.UpdatedReviews = append(w.UpdatedReviews, *rv)
	}
	slices.SortFunc(w.UpdatedReviews, func(a, b risk.Review) int { return cmp.Compare(a.ID, b.ID) })
	return w
}
