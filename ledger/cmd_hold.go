package ledger

import (
	"time"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
)

// holdCmd reserves part of a wallet's available balance until it is
// captured, voided or expires (the first phase of a two-phase payment).
type holdCmd struct {
	wallet    int64
	amount    int64
	currency  string
	expiresAt time.Time
}

func (c *holdCmd) locks(ls *lockSet) { ls.account(c.wallet) }

func (c *holdCmd) apply(s *state, a ingot.Actor) (*ingot.Hold, error) {
	w, err := s.ownWallet(c.wallet, a)
	if err != nil {
		return nil, err
	}
	if err := canSend(w); err != nil {
		return nil, err
	}
	if c.currency != "" && c.currency != w.Currency {
		return nil, ingot.Errorf(ingot.CodeCurrencyMismatch, "the wallet is in %s", w.Currency)
	}
	if c.amount <= 0 || c.amount > ingot.MaxAmount {
		return nil, ingot.Errorf(ingot.CodeInvalidAmount, "amount must be positive")
	}
	if !c.expiresAt.After(s.now) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "expires_at must be in the future")
	}
	if err := checkFunds(w, c.amount); err != nil {
		return nil, err
	}
	s.save(w)
	w.Held += c.amount
	h := &ingot.Hold{
		ID: uuid.Must(uuid.NewV7()).String(), Wallet: w.ID, OperatorID: w.OperatorID,
		Amount: c.amount, Currency: w.Currency, Status: ingot.HoldPending,
		ExpiresAt: c.expiresAt.UTC().Truncate(time.Microsecond), CreatedAt: s.now, UpdatedAt: s.now,
	}
	s.addHold(h)
	hc := *h
	return &hc, nil
}

// pendingHold is a pending hold of the actor's operator.
func (s *state) pendingHold(id string, a ingot.Actor) (*ingot.Hold, error) {
	h := s.holds[id]
	if h == nil || !a.Owns(s.accounts[h.Wallet]) {
		return nil, notFound("hold " + id)
	}
	if h.Status != ingot.HoldPending {
		return nil, ingot.Errorf(ingot.CodeHoldNotPending, "hold %s is %s", id, h.Status)
	}
	if s.cond.locked[id] != nil {
		// Its payment's condition decides (conditional.go).
		return nil, ingot.Errorf(ingot.CodeForbidden, "hold %s is conditional payment %s's: release or cancel that payment instead", id, id)
	}
	return h, nil
}

// release ends a pending hold without moving money.
func (s *state) release(h *ingot.Hold, status ingot.HoldStatus) {
	w := s.accounts[h.Wallet]
	s.save(w)
	w.Held -= h.Amount
	s.saveHold(h)
	h.Status = status
	h.UpdatedAt = s.now
}
