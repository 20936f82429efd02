package ledger

import (
	"slices"

	"github.com/ingot-cbdc/ingot"
)

// bankWithdrawCmd is the ledger's side of a withdrawal to a linked bank
// account: the wallet pays the operator's reserve and the pending bank
// operation that will credit the bank account is recorded, in one step;
// the bank side follows (bank_service.go).
type bankWithdrawCmd struct {
	wallet, reserve int64
	op              ingot.BankOperation // prepared by the service: pending
}

// BankMove is the ledger's side of a bank operation: its transfer and the
// operation.
type BankMove struct {
	Transfer *ingot.Transfer
	Op       *ingot.BankOperation
}

func (c *bankWithdrawCmd) locks(ls *lockSet) {
	ls.linkedAccounts(c.wallet)
	ls.account(c.reserve)
}

func (c *bankWithdrawCmd) apply(s *state, a ingot.Actor) (*BankMove, error) {
	w, reserve, err := s.walletAndReserve(a, c.wallet, c.reserve)
	if err != nil {
		return nil, err
	}
	op := c.op
	if !slices.ContainsFunc(s.bk().accounts[w.ID], func(b ingot.BankAccount) bool { return b.ID == op.BankAccount }) {
		return nil, notFound("bank account " + op.BankAccount)
	}
	t, err := s.move(ingot.KindWithdraw, w, reserve, op.Amount, op.Currency, "", "")
	if err != nil {
		return nil, err
	}
	op.TransferID, op.Status = t.ID, ingot.BankPending
	op.CreatedAt, op.UpdatedAt = s.now, s.now
	s.addOp(op)
	return &BankMove{Transfer: t, Op: &op}, nil
}
