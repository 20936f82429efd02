package ledger

import "github.com/ingot-cbdc/ingot"

// requestCmd creates a merchant's payment request (checked by
// Service.CreatePaymentRequest) in a batch: its row is written in the
// batch's transaction with its idempotency record, so that thousands of
// requests share a commit as payments do, instead of one transaction each.
// It locks nothing: nothing in the batch reads a request made in it.
type requestCmd struct{ pr ingot.PaymentRequest }

func (c *requestCmd) locks(*lockSet) {}

func (c *requestCmd) apply(s *state, _ ingot.Actor) (*ingot.PaymentRequest, error) {
	n := len(s.merch.newRequests)
	s.merch.newRequests = append(s.merch.newRequests, c.pr)
	s.onUndo(func() { s.merch.newRequests = s.merch.newRequests[:n] })
	pr := c.pr
	return &pr, nil
}
