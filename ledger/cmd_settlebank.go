package ledger

import "github.com/ingot-cbdc/ingot"

// settleBankCmd completes or fails a pending bank operation once its bank
// side is known: a completed top-up (or pull) credits the wallet from the
// reserve, a failed withdrawal (or sweep) refunds it. The operation's state
// is checked on its locked row, so an operation that is not pending any
// more is answered as it is: settling happens once, however many
// processes, retries or restarts try.
type settleBankCmd struct {
	op              string
	reserve, wallet int64 // the operation's operator's reserve, and its wallet
	outcome         ingot.BankOpStatus
	reason          string // why it failed
}

func (c *settleBankCmd) locks(ls *lockSet) {
	ls.bankOp(c.op)
	ls.account(c.reserve)
	ls.credit(c.wallet)
}

func (c *settleBankCmd) apply(s *state, a ingot.Actor) (*BankMove, error) {
	op := s.bk().ops[c.op]
	if op == nil || (a.OperatorID != "" && op.OperatorID != a.OperatorID) {
		return nil, notFound("bank operation " + c.op)
	}
	if op.Status != ingot.BankPending {
		oc := *op
		return &BankMove{Op: &oc}, nil
	}
	w, reserve := s.accounts[op.Wallet], s.accounts[c.reserve]
	if w == nil || c.wallet != op.Wallet || reserve == nil || reserve.Kind != ingot.AccountReserve || reserve.OperatorID != op.OperatorID {
		return nil, ingot.Errorf(ingot.CodeInternal, "bank operation %s settled with the wrong accounts", op.ID)
	}
	var res BankMove
	switch c.outcome {
	case ingot.BankCompleted:
		var transfer string
		if !op.Kind.Credits() {
			// The bank was debited: the wallet receives the money now.
			t, err := s.move(ingot.KindTopUp, reserve, w, op.Amount, op.Currency, "", "")
			if err != nil {
				return nil, err
			}
			transfer = t.ID
			res.Transfer = t
		}
		s.setOp(op, func(o *ingot.BankOperation) {
			o.Status, o.LastError = ingot.BankCompleted, ""
			if transfer != "" {
				o.TransferID = transfer
			}
		})
	case ingot.BankFailed:
		var refund string
		if op.Kind.Credits() {
			// The bank refused the credit: the money goes back.
			t, err := s.move(ingot.KindRefund, reserve, w, op.Amount, op.Currency, "bank operation "+op.ID+" refused", "")
			if err != nil {
				return nil, err
			}
			refund = t.ID
			res.Transfer = t
		}
		s.setOp(op, func(o *ingot.BankOperation) {
			o.Status, o.LastError, o.RefundTransferID = ingot.BankFailed, c.reason, refund
		})
	default:
		return nil, ingot.Errorf(ingot.CodeInternal, "a bank operation settles as completed or failed")
	}
	oc := *op
	res.Op = &oc
	typ := ingot.EventBankOperationDone
	if oc.Status == ingot.BankFailed {
		typ = ingot.EventBankOperationFailed
	}
	s.emit(typ, oc.OperatorID, &oc)
	return &res, nil
}
