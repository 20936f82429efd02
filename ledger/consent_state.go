package ledger

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/openfinance"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// Open finance in the engine: a provider's payment within its mandate
// (mandatePayCmd) and a holder's revocation (consentRevokeCmd) lock the
// consent's row, so that the mandate's period total is exact across
// processes and no payment passes a revocation committed before it.

// consentState is a batch's locked consents and those it changed.
type consentState struct {
	locked  map[string]*openfinance.Consent
	changed map[string]*openfinance.Consent
}

// consent locks a consent (before holds and accounts).
func (l *lockSet) consent(id string) {
	if l.consents == nil {
		l.consents = map[string]struct{}{}
	}
	l.consents[id] = struct{}{}
}

// loadConsents locks the batch's consents.
func loadConsents(ctx context.Context, tx store.BatchTx, ls *lockSet, st *state) error {
	if len(ls.consents) == 0 {
		return nil
	}
	cs, err := tx.LockConsents(ctx, sortedKeys(ls.consents))
	if err != nil {
		return err
	}
	st.of.locked = make(map[string]*openfinance.Consent, len(cs))
	for i := range cs {
		c := cs[i]
		st.of.locked[c.ID] = &c
	}
	return nil
}

// changeConsent journals a consent before it changes.
func (s *state) changeConsent(c *openfinance.Consent) {
	if s.of.changed == nil {
		s.of.changed = map[string]*openfinance.Consent{}
	}
	_, was := s.of.changed[c.ID]
	old := *c
	s.onUndo(func() {
		*c = old
		if !was {
			delete(s.of.changed, c.ID)
		}
	})
	c.UpdatedAt = s.now
	s.of.changed[c.ID] = c
}

// writeConsents is the batch's changed consents, by id.
func (s *state) writeConsents() []openfinance.Consent {
	if len(s.of.changed) == 0 {
		return nil
	}
	out := make([]openfinance.Consent, 0, len(s.of.changed))
	for _, id := range slices.Sorted(maps.Keys(s.of.changed)) {
		out = append(out, *s.of.changed[id])
	}
	return out
}

// MandatePayment is what the mandate.payment webhook reports: a provider's
// payment and where its consent's period stands after it.
type MandatePayment struct {
	ConsentID   string
	ProviderID  string
	Transfer    *ingot.Transfer
	PeriodStart time.Time
	PeriodTotal int64
}

// mandatePayCmd is a provider's payment from a consented wallet within the
// consent's mandate: it needs no approval of the holder (given with the
// consent), and the holder's limits, spending rule and the risk rules apply
// as to any payment.
type mandatePayCmd struct {
	consent string
	zone    *time.Location
	Item
}

func (c *mandatePayCmd) locks(ls *lockSet) {
	ls.consent(c.consent)
	ls.account(c.From)
	ls.credit(c.To)
}

func (c *mandatePayCmd) pairs(_ *state, add func(payer, payee int64)) { add(c.From, c.To) }

func (c *mandatePayCmd) channel() string { return risk.ChannelProvider }

func (c *mandatePayCmd) apply(s *state, a ingot.Actor) (*ingot.Transfer, error) {
	con := s.of.locked[c.consent]
	if con == nil || con.StatusAt(s.now) != openfinance.StatusActive {
		return nil, ingot.Errorf(ingot.CodeUnauthorized, "the consent was revoked or has expired")
	}
	if !con.Has(openfinance.ScopePaymentsWrite) || con.Mandate == nil {
		return nil, ingot.Errorf(ingot.CodeInsufficientScope, "this consent does not grant %s", openfinance.ScopePaymentsWrite)
	}
	if !con.Names(c.From) {
		return nil, notFound("wallet " + ingot.FormatWalletID(c.From))
	}
	start, total, err := con.Mandate.Check(c.To, c.Amount, c.Currency, s.now, c.zone, con.PeriodStart, con.PeriodTotal)
	if err != nil {
		return nil, err
	}
	t, err := s.pay(a, c.Item)
	if err != nil {
		return nil, err
	}
	s.changeConsent(con)
	con.PeriodStart, con.PeriodTotal = start, total
	if payer := s.accounts[c.From]; payer != nil {
		s.emit(ingot.EventMandatePayment, payer.OperatorID, &MandatePayment{ConsentID: con.ID, ProviderID: con.ProviderID,
			Transfer: t, PeriodStart: start, PeriodTotal: total})
	}
	return t, nil
}

// consentRevokeCmd revokes a holder's consent: its tokens stop working at
// once (every call reads the consent), and no payment of its provider
// passes after it commits. Revoking a revoked consent changes nothing.
type consentRevokeCmd struct{ id string }

func (c *consentRevokeCmd) locks(ls *lockSet) { ls.consent(c.id) }

// Revocation is what a revocation did: the consent after it, and whether
// this revocation revoked it (false: it was revoked before).
type Revocation struct {
	Consent openfinance.Consent
	Revoked bool
}

func (c *consentRevokeCmd) apply(s *state, a ingot.Actor) (*Revocation, error) {
	con := s.of.locked[c.id]
	if con == nil || con.HolderID != a.HolderID || a.HolderID == "" {
		return nil, notFound("consent " + c.id)
	}
	if con.Status == openfinance.StatusRevoked {
		return &Revocation{Consent: *con}, nil
	}
	s.changeConsent(con)
	con.Status, con.RevokedAt = openfinance.StatusRevoked, s.now
	out := *con
	out.CodeHash = nil
	for _, op := range con.Operators {
		s.emit(ingot.EventConsentRevoked, op, &out)
	}
	return &Revocation{Consent: out, Revoked: true}, nil
}
