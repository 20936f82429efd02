package ledger

import "github.com/ingot-cbdc/ingot"

// payCmd is a wallet-to-wallet payment: the payer's operator sends it; the
// payee may be at any operator. Between a wallet and its own sub-wallet it
// is an allocation, which is not outflow (subwallet.go).
type payCmd struct{ Item }

// Item is one payment: From pays To.
type Item struct {
	From, To int64
	Amount   int64
	Currency string
	Memo     string
}

func (c *payCmd) locks(ls *lockSet) {
	ls.account(c.From)
	ls.credit(c.To)
}

func (c *payCmd) pairs(_ *state, add func(payer, payee int64)) { add(c.From, c.To) }

func (c *payCmd) apply(s *state, a ingot.Actor) (*ingot.Transfer, error) { return s.pay(a, c.Item) }

// pay applies one payment.
func (s *state) pay(a ingot.Actor, it Item) (*ingot.Transfer, error) {
	from, err := s.ownWallet(it.From, a)
	if err != nil {
		return nil, err
	}
	to, err := s.anyWallet(it.To)
	if err != nil {
		return nil, err
	}
	kind := ingot.KindPayment
	if isAllocation(from, to) {
		kind = ingot.KindAllocate
	}
	var uses []ingot.VoucherUse
	if kind == ingot.KindPayment {
		// Eligible earmarked money pays first (voucher_state.go).
		if uses, err = s.useVouchers(from, to, it.Amount, it.Currency); err != nil {
			return nil, err
		}
		s.vouch.paying = len(uses) > 0
		defer func() { s.vouch.paying = false }()
	}
	t, err := s.move(kind, from, to, it.Amount, it.Currency, it.Memo, "")
	if err != nil {
		return nil, err
	}
	s.recordUses(t.ID, uses)
	if kind == ingot.KindPayment {
		if err := s.chargeFee(t, to); err != nil { // merchant_state.go
			return nil, err
		}
	}
	return t, nil
}
