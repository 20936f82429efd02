package ledger

import (
	"context"
	"errors"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// Strong customer authentication of holders' payments. A payment a holder
// sends (not an operator's back end) passes through a gate in the engine's
// batch, atomically with the payment:
//
//   - to one of the holder's own wallets: exempt;
//   - with an approval (Ingot-Authorization): it must be approved, unused,
//     unexpired and of exactly this payer, payee, amount and currency; it
//     is used, and the holder's exemption counters start again;
//   - else low-value: exempt while SCALimits allow, counted;
//   - else sca_required: the service asks the Approver for an approval.
//
// The counters and the approval are locked rows, so that concurrent
// payments of one holder (also from several processes) never pass more
// than the exemption allows, and an approval pays once.

// Approver asks a holder to approve a payment (package auth implements
// it): it records a pending approval bound to the payment and answers the
// *ingot.ApprovalRequired error to send back.
type Approver interface {
	RequestApproval(ctx context.Context, holder ingot.Actor, payer int64, payee string, amount int64, currency string) error
}

// WithApprover gives the service the Approver of holders' payments and
// the low-value exemption per currency (missing currencies:
// ingot.DefaultSCALimits). Without an Approver, holders cannot pay.
func (s *Service) WithApprover(a Approver, limits map[string]ingot.SCALimits) *Service {
	s.approver, s.scaLimits = a, limits
	return s
}

func (s *Service) scaLimitsOf(currency string) ingot.SCALimits {
	if l, ok := s.scaLimits[currency]; ok {
		return l
	}
	return ingot.DefaultSCALimits(ingot.MustCurrency(currency))
}

// scaGate is what a holder's payment is checked against.
type scaGate struct {
	holder        ingot.Actor
	payer         int64
	payee         string // a 16-digit wallet id, or "bank:<bank account id>"
	payeeWallet   int64  // the payee wallet, when the payee is one (locked by the command)
	amount        int64
	currency      string
	authorization string // the approval the request names; "" none
	limits        ingot.SCALimits
}

// approved is a holder's command behind the SCA gate.
type approved[R any] struct {
	gate scaGate
	cmd  command[R]
}

func (c *approved[R]) locks(ls *lockSet) {
	c.cmd.locks(ls)
	ls.exemption(store.ExemptionKey{HolderID: c.gate.holder.HolderID, Currency: c.gate.currency})
	if c.gate.authorization != "" {
		ls.authorization(c.gate.authorization)
	}
}

func (c *approved[R]) pairs(s *state, add func(payer, payee int64)) {
	if p, ok := c.cmd.(pairer); ok {
		p.pairs(s, add)
	}
}

// channel is the holder's, unless the holder paid a QR code or a code.
func (c *approved[R]) channel() string {
	if ch, ok := c.cmd.(channeler); ok {
		return ch.channel()
	}
	return risk.ChannelHolder
}

func (c *approved[R]) apply(s *state, a ingot.Actor) (R, error) {
	if err := s.approve(&c.gate); err != nil {
		var zero R
		return zero, err
	}
	return c.cmd.apply(s, a)
}

// scaRequired refuses a payment the gate does not pass: the service asks
// the Approver for an approval of exactly that payment.
type scaRequired struct{ gate scaGate }

func (e *scaRequired) Error() string { return e.Unwrap().Error() }

// Unwrap is the sca_required error.
func (e *scaRequired) Unwrap() error {
	return ingot.Errorf(ingot.CodeSCARequired, "this payment needs the payer's approval")
}

// approve passes a payment through the gate, or refuses it.
func (s *state) approve(g *scaGate) error {
	s.sca.gate, s.sca.strong = g, false
	if w := s.accounts[g.payeeWallet]; g.payeeWallet != 0 && g.holder.Owns(w) {
		s.sca.strong = true // to one's own wallet: nothing to approve
		return nil
	}
	key := store.ExemptionKey{HolderID: g.holder.HolderID, Currency: g.currency}
	c := s.sca.counters[key]
	if c == nil {
		return ingot.Errorf(ingot.CodeInternal, "the exemption counter of the payment's holder is not locked")
	}
	if g.authorization == "" {
		if !g.limits.Exempt(*c, g.amount) {
			return &scaRequired{*g}
		}
		s.setCounter(c, c.Sum+g.amount, c.Count+1)
		return nil
	}
	au := s.sca.authorizations[g.authorization]
	if au == nil || au.HolderID != g.holder.HolderID {
		return ingot.Errorf(ingot.CodeAuthorizationMismatch, "authorization %s is not one of yours", g.authorization)
	}
	if !au.Binds(g.payer, g.payee, g.amount, g.currency) {
		return ingot.Errorf(ingot.CodeAuthorizationMismatch, "authorization %s approves another payment (payer, payee, amount or currency differ)", au.ID)
	}
	switch au.Status {
	case ingot.AuthorizationUsed:
		return ingot.Errorf(ingot.CodeAuthorizationUsed, "authorization %s was used already", au.ID)
	case ingot.AuthorizationPending:
		if au.ExpiresAt.After(s.now) {
			return ingot.Errorf(ingot.CodeAuthorizationPending, "authorization %s is not verified yet", au.ID)
		}
	}
	if au.Status != ingot.AuthorizationApproved || !au.ExpiresAt.After(s.now) {
		return &scaRequired{*g} // expired or denied: approve again
	}
	old := *au
	s.onUndo(func() { *au = old })
	au.Status, au.UpdatedAt = ingot.AuthorizationUsed, s.now
	s.sca.touchedAuth[au.ID] = struct{}{}
	s.setCounter(c, 0, 0) // a strong authentication starts the exemption again
	s.sca.strong = true
	return nil
}

func (s *state) setCounter(c *ingot.ExemptionCounter, sum int64, count int) {
	old := *c
	s.onUndo(func() { *c = old })
	c.Sum, c.Count = sum, count
	s.sca.touchedCounters[store.ExemptionKey{HolderID: c.HolderID, Currency: c.Currency}] = struct{}{}
}

// scaState is a batch's locked exemption counters and approvals.
type scaState struct {
	// gate is the gate the command being applied passed (nil: none, not a
	// holder's payment), and strong whether it passed with the holder's
	// approval of exactly this payment (risk rules' approve action).
	gate   *scaGate
	strong bool

	counters        map[store.ExemptionKey]*ingot.ExemptionCounter
	authorizations  map[string]*ingot.Authorization
	touchedCounters map[store.ExemptionKey]struct{}
	touchedAuth     map[string]struct{}
}

// loadSCA locks the batch's exemption counters and approvals, after
// everything else the batch locks.
func loadSCA(ctx context.Context, tx store.BatchTx, ls *lockSet, st *state) error {
	if len(ls.exemptions) > 0 {
		keys := make([]store.ExemptionKey, 0, len(ls.exemptions))
		for k := range ls.exemptions {
			keys = append(keys, k)
		}
		sortExemptionKeys(keys)
		cs, err := tx.LockExemptions(ctx, keys)
		if err != nil {
			return err
		}
		for i := range cs {
			c := cs[i]
			st.sca.counters[store.ExemptionKey{HolderID: c.HolderID, Currency: c.Currency}] = &c
		}
	}
	if len(ls.authorizations) > 0 {
		as, err := tx.LockAuthorizations(ctx, sortedKeys(ls.authorizations))
		if err != nil {
			return err
		}
		for i := range as {
			a := as[i]
			st.sca.authorizations[a.ID] = &a
		}
	}
	return nil
}

// writeSCA adds the batch's changed counters and approvals to w.
func (s *state) writeSCA(w *store.BatchWrite) {
	keys := make([]store.ExemptionKey, 0, len(s.sca.touchedCounters))
	for k := range s.sca.touchedCounters {
		keys = append(keys, k)
	}
	sortExemptionKeys(keys)
	for _, k := range keys {
		w.Exemptions = append(w.Exemptions, *s.sca.counters[k])
	}
	for _, id := range sortedKeys(s.sca.touchedAuth) {
		w.Authorizations = append(w.Authorizations, *s.sca.authorizations[id])
	}
}

// submitGated submits a command; a holder's goes through the SCA gate g
// (its holder and limits are filled in here), and a refusal for want of
// approval asks the Approver for one.
func submitGated[R any](ctx context.Context, s *Service, a ingot.Actor, c command[R], g scaGate, idem *Idem) (R, error) {
	if a.Role != ingot.RoleHolder {
		return submit(ctx, s.eng, a, c, idem)
	}
	var zero R
	if s.approver == nil {
		return zero, ingot.Errorf(ingot.CodeForbidden, "holders' payments need an approver; this server has none")
	}
	g.holder, g.limits = a, s.scaLimitsOf(g.currency)
	res, err := submit(ctx, s.eng, a, &approved[R]{gate: g, cmd: c}, idem)
	return askApproval(ctx, s, res, err)
}

// askApproval turns a payment the gate refused into the approval asked of
// its holder (the *ingot.ApprovalRequired answer).
func askApproval[R any](ctx context.Context, s *Service, res R, err error) (R, error) {
	var sr *scaRequired
	if errors.As(err, &sr) {
		if s.approver == nil {
			return res, ingot.Errorf(ingot.CodeForbidden, "holders' payments need an approver; this server has none")
		}
		g := sr.gate
		return res, s.approver.RequestApproval(ctx, g.holder, g.payer, g.payee, g.amount, g.currency)
	}
	return res, err
}

// payGate is the gate of a payment to a wallet.
func payGate(it Item, approval string) scaGate {
	return scaGate{payer: it.From, payee: ingot.FormatWalletID(it.To), payeeWallet: it.To, amount: it.Amount, currency: it.Currency, authorization: approval}
}
