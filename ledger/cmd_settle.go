package ledger

import (
	"slices"

	"github.com/ingot-cbdc/ingot"
)

// settleCmd is a merchant's end-of-day settlement: its balance above keep,
// as it stands in the batch, goes to its operator's reserve and on to its
// linked bank account (a sweep, which is not outflow). Nothing above keep:
// nothing moves. The service runs it with the day's idempotency key, so
// each day is settled once across restarts and processes.
type settleCmd struct {
	wallet, reserve int64
	keep            int64
	date            string
	op              ingot.BankOperation // prepared by the service: pending, its amount set here
}

func (c *settleCmd) locks(ls *lockSet) {
	ls.linkedAccounts(c.wallet)
	ls.account(c.reserve)
}

func (c *settleCmd) apply(s *state, a ingot.Actor) (*BankMove, error) {
	w, reserve, err := s.walletAndReserve(a, c.wallet, c.reserve)
	if err != nil {
		return nil, err
	}
	amount := w.Available() - c.keep
	if amount <= 0 {
		return &BankMove{}, nil
	}
	op := c.op
	if !slices.ContainsFunc(s.bk().accounts[w.ID], func(b ingot.BankAccount) bool { return b.ID == op.BankAccount }) {
		return nil, notFound("bank account " + op.BankAccount)
	}
	t, err := s.move(ingot.KindSweep, w, reserve, amount, w.Currency, "settlement of "+c.date, "")
	if err != nil {
		return nil, err
	}
	op.Amount, op.TransferID, op.Status = amount, t.ID, ingot.BankPending
	op.CreatedAt, op.UpdatedAt = s.now, s.now
	s.addOp(op)
	return &BankMove{Transfer: t, Op: &op}, nil
}
