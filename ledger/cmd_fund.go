package ledger

import "github.com/ingot-cbdc/ingot"

// topUpCmd moves money from the operator's reserve into one of its
// wallets (the holder paid the operator outside the ledger).
type topUpCmd struct {
	reserve, wallet int64
	amount          int64
	currency        string
}

func (c *topUpCmd) locks(ls *lockSet) {
	ls.account(c.reserve)
	ls.credit(c.wallet)
}

func (c *topUpCmd) apply(s *state, a ingot.Actor) (*ingot.Transfer, error) {
	w, res, err := s.walletAndReserve(a, c.wallet, c.reserve)
	if err != nil {
		return nil, err
	}
	return s.move(ingot.KindTopUp, res, w, c.amount, c.currency, "", "")
}

// withdrawCmd moves money from one of the operator's wallets back to its
// reserve (the operator pays the holder outside the ledger).
type withdrawCmd struct {
	wallet, reserve int64
	amount          int64
	currency        string
}

func (c *withdrawCmd) locks(ls *lockSet) { ls.account(c.wallet, c.reserve) }

func (c *withdrawCmd) apply(s *state, a ingot.Actor) (*ingot.Transfer, error) {
	w, res, err := s.walletAndReserve(a, c.wallet, c.reserve)
	if err != nil {
		return nil, err
	}
	return s.move(ingot.KindWithdraw, w, res, c.amount, c.currency, "", "")
}

// walletAndReserve are a wallet the actor owns and its operator's reserve.
func (s *state) walletAndReserve(a ingot.Actor, wallet, reserve int64) (*ingot.Account, *ingot.Account, error) {
	w, err := s.ownWallet(wallet, a)
	if err != nil {
		return nil, nil, err
	}
	res := s.accounts[reserve]
	if res == nil || res.Kind != ingot.AccountReserve || res.OperatorID != w.OperatorID {
		return nil, nil, notFound("reserve account")
	}
	return w, res, nil
}
