package ledger

import (
	"time"

	"github.com/ingot-cbdc/ingot"
)

// captureCmd pays (part of) a pending hold to a wallet and releases the
// rest: the second phase of a two-phase payment. An amount of 0 captures
// the whole hold.
type captureCmd struct {
	hold    string
	to      int64
	amount  int64
	memo    string
	purpose string // ISO 20022 purpose code, "" none
}

// Capture is a capture's outcome: the hold, now captured, and the payment.
type Capture struct {
	Hold     *ingot.Hold
	Transfer *ingot.Transfer
}

func (c *captureCmd) locks(ls *lockSet) {
	ls.hold(c.hold)
	ls.conditional(c.hold) // a conditional payment's hold is not captured here
	ls.credit(c.to)
}

func (c *captureCmd) pairs(s *state, add func(payer, payee int64)) {
	if h := s.holds[c.hold]; h != nil {
		add(h.Wallet, c.to)
	}
}

func (c *captureCmd) apply(s *state, a ingot.Actor) (*Capture, error) {
	h, err := s.pendingHold(c.hold, a)
	if err != nil {
		return nil, err
	}
	if !h.ExpiresAt.After(s.now) {
		return nil, ingot.Errorf(ingot.CodeHoldExpired, "hold %s expired at %s", h.ID, h.ExpiresAt.Format(time.RFC3339))
	}
	amount := c.amount
	if amount == 0 {
		amount = h.Amount
	}
	if amount > h.Amount {
		cur := ingot.MustCurrency(h.Currency)
		return nil, ingot.Errorf(ingot.CodeAmountExceedsHold, "capture of %s is more than the held %s", ingot.FormatAmount(amount, cur), ingot.FormatAmount(h.Amount, cur))
	}
	to, err := s.anyWallet(c.to)
	if err != nil {
		return nil, err
	}
	s.release(h, ingot.HoldCaptured)
	t, err := s.withPurpose(c.purpose, func() (*ingot.Transfer, error) {
		return s.move(ingot.KindCapture, s.accounts[h.Wallet], to, amount, h.Currency, c.memo, h.ID)
	})
	if err != nil {
		return nil, err
	}
	if err := s.chargeFee(t, to); err != nil {
		return nil, err
	}
	h.Captured = amount
	h.TransferID = t.ID
	hc := *h
	return &Capture{Hold: &hc, Transfer: t}, nil
}
