package ledger

import (
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
)

// qrPayCmd pays a merchant's payment request (a dynamic QR code): exactly
// once — the request is locked, and of concurrent payers one pays and the
// others find it paid (payment_request_closed); an expired request
// answers payment_request_expired. The request becomes paid, with the
// payment, in the same batch; the merchant pays its fee.
type qrPayCmd struct {
	request string
	from    int64
	amount  int64 // the payer's amount: for an open request; else 0 or the request's
	memo    string
	purpose string // ISO 20022 purpose code, "" none
}

func (c *qrPayCmd) locks(ls *lockSet) {
	ls.paymentRequest(c.request) // and its wallet, credited
	ls.account(c.from)
}

func (c *qrPayCmd) pairs(s *state, add func(payer, payee int64)) {
	if r := s.merch.requests[c.request]; r != nil {
		add(c.from, r.Wallet)
	}
}

func (c *qrPayCmd) channel() string { return risk.ChannelQR }

func (c *qrPayCmd) apply(s *state, a ingot.Actor) (*ingot.Transfer, error) {
	r := s.merch.requests[c.request]
	if r == nil {
		return nil, notFound("payment request " + c.request)
	}
	switch {
	case r.Status == ingot.PaymentRequestPaid:
		return nil, ingot.Errorf(ingot.CodePaymentRequestClosed, "payment request %s is paid already", r.ID)
	case r.Status == ingot.PaymentRequestExpired || !r.ExpiresAt.After(s.now):
		return nil, ingot.Errorf(ingot.CodePaymentRequestExpired, "payment request %s expired at %s", r.ID, r.ExpiresAt.Format(time.RFC3339))
	}
	amount := r.Amount
	switch {
	case amount == 0 && c.amount == 0:
		return nil, ingot.Errorf(ingot.CodeInvalidAmount, "this payment request is open: give the amount")
	case amount == 0:
		amount = c.amount
	case c.amount != 0 && c.amount != amount:
		return nil, ingot.Errorf(ingot.CodeInvalidAmount, "payment request %s is for a fixed amount", r.ID)
	}
	from, err := s.ownWallet(c.from, a)
	if err != nil {
		return nil, err
	}
	to, err := s.anyWallet(r.Wallet)
	if err != nil {
		return nil, err
	}
	memo := c.memo
	if memo == "" {
		memo = r.Reference
	}
	t, err := s.withPurpose(c.purpose, func() (*ingot.Transfer, error) {
		return s.payWallet(from, to, amount, r.Currency, memo) // cmd_pay.go: vouchers first
	})
	if err != nil {
		return nil, err
	}
	t.Reference, t.PaymentRequestID = r.Reference, r.ID
	if err := s.chargeFee(t, to); err != nil {
		return nil, err
	}
	s.setRequest(r, func(r *ingot.PaymentRequest) { r.Status, r.TransferID = ingot.PaymentRequestPaid, t.ID })
	s.emit(ingot.EventPaymentRequestPaid, r.OperatorID, r)
	return t, nil
}
