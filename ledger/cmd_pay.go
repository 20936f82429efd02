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
	Purpose  string // ISO 20022 purpose code, "" none
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
	if isAllocation(from, to) {
		return s.move(ingot.KindAllocate, from, to, it.Amount, it.Currency, it.Memo, "")
	}
	t, err := s.withPurpose(it.Purpose, func() (*ingot.Transfer, error) {
		return s.payWallet(from, to, it.Amount, it.Currency, it.Memo)
	})
	if err != nil {
		return nil, err
	}
	if err := s.chargeFee(t, to); err != nil { // merchant_state.go
		return nil, err
	}
	return t, nil
}

// payWallet moves a payment from a wallet to another, the payer's
// eligible earmarked money first (voucher_state.go): the step every kind of
// payment shares (a transfer, a QR payment, a payment code), before its
// merchant's fee.
func (s *state) payWallet(from, to *ingot.Account, amount int64, currency, memo string) (*ingot.Transfer, error) {
	uses, err := s.useVouchers(from, to, amount, currency)
	if err != nil {
		return nil, err
	}
	s.vouch.paying = len(uses) > 0
	defer func() { s.vouch.paying = false }()
	t, err := s.move(ingot.KindPayment, from, to, amount, currency, memo, "")
	if err != nil {
		return nil, err
	}
	s.recordUses(t.ID, uses)
	return t, nil
}
