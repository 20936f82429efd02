package ledger

import (
	"math/bits"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
)

// refundCmd pays (part of) a payment back: its payee pays its payer, and
// the operator returns the share of the payment's fee in proportion (the
// last refund returns what is left of it). The payment's refund total is
// a locked row: the refunds of one payment never add up to more than it,
// also when they run concurrently.
type refundCmd struct {
	payment    ingot.Transfer // the payment refunded, as committed
	amount     int64
	reason     string
	feeAccount int64 // the payee's operator's fee account, when the payment had a fee
}

func (c *refundCmd) locks(ls *lockSet) {
	ls.refundTotal(c.payment.ID)
	ls.account(c.payment.Credit, c.feeAccount)
	ls.credit(c.payment.Debit)
}

func (c *refundCmd) apply(s *state, a ingot.Actor) (*ingot.Refund, error) {
	p := c.payment
	payee, err := s.ownWallet(p.Credit, a)
	if err != nil {
		return nil, notFound("transfer " + p.ID)
	}
	payer, err := s.anyWallet(p.Debit)
	if err != nil {
		return nil, err
	}
	total := s.merch.totals[p.ID]
	if total == nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "the refund total of %s is not locked", p.ID)
	}
	cur := ingot.MustCurrency(p.Currency)
	if c.amount > p.Amount-total.Refunded {
		return nil, ingot.Errorf(ingot.CodeRefundExceedsPayment, "the payment of %s has %s left to refund; %s asked",
			ingot.FormatAmount(p.Amount, cur), ingot.FormatAmount(p.Amount-total.Refunded, cur), ingot.FormatAmount(c.amount, cur))
	}
	t, err := s.move(ingot.KindPaymentRefund, payee, payer, c.amount, p.Currency, c.reason, "")
	if err != nil {
		return nil, err
	}
	t.Reference = p.ID
	if err := s.refundVouchers(p.ID, payer, total.Refunded, c.amount, p.Currency); err != nil { // voucher_state.go
		return nil, err
	}
	fee := int64(0)
	if p.Fee > 0 {
		if total.Refunded+c.amount == p.Amount {
			fee = p.Fee - total.FeeRefunded // the last refund: what is left
		} else {
			fee = feeShare(p.Fee, c.amount, p.Amount)
		}
	}
	if fee > 0 {
		acc := s.accounts[c.feeAccount]
		if acc == nil || acc.Kind != ingot.AccountFee {
			return nil, ingot.Errorf(ingot.CodeInternal, "the fee account of the refund of %s is not locked", p.ID)
		}
		if _, err := s.move(ingot.KindFeeRefund, acc, payee, fee, p.Currency, "fee of refunded "+p.ID, ""); err != nil {
			return nil, err
		}
	}
	old := *total
	s.onUndo(func() { *total = old })
	total.Refunded += c.amount
	total.FeeRefunded += fee
	s.merch.touchedTots[p.ID] = struct{}{}
	r := ingot.Refund{ID: uuid.Must(uuid.NewV7()).String(), TransferID: p.ID, Payer: payer.ID, Payee: payee.ID, Amount: c.amount,
		Fee: fee, Currency: p.Currency, Reason: c.reason, RefundTransferID: t.ID, CreatedAt: s.now}
	n := len(s.merch.refunds)
	s.merch.refunds = append(s.merch.refunds, r)
	s.onUndo(func() { s.merch.refunds = s.merch.refunds[:n] })
	s.emit(ingot.EventRefundCreated, payee.OperatorID, &r)
	return &r, nil
}

// feeShare is a refund's share of a payment's fee, fee*amount/payment
// rounded down (the last refund returns the rest), in 128 bits: amount <=
// payment, so the quotient is at most fee.
func feeShare(fee, amount, payment int64) int64 {
	hi, lo := bits.Mul64(uint64(fee), uint64(amount))
	q, _ := bits.Div64(hi, lo, uint64(payment))
	return int64(q)
}
