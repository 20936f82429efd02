package ledger

import "github.com/ingot-cbdc/ingot"

// expireRequestsCmd marks open payment requests past their expiry expired
// (the system's command, run by the expiry loop), each reported once to
// its merchant's operator; a request paid meanwhile is left as it is.
type expireRequestsCmd struct{ requests []string }

func (c *expireRequestsCmd) weight() int { return len(c.requests) }

func (c *expireRequestsCmd) locks(ls *lockSet) {
	for _, id := range c.requests {
		ls.paymentRequest(id)
	}
}

func (c *expireRequestsCmd) apply(s *state, _ ingot.Actor) (int, error) {
	n := 0
	for _, id := range c.requests {
		r := s.merch.requests[id]
		if r == nil || r.Status != ingot.PaymentRequestOpen || r.ExpiresAt.After(s.now) {
			continue
		}
		s.setRequest(r, func(r *ingot.PaymentRequest) { r.Status = ingot.PaymentRequestExpired })
		s.emit(ingot.EventPaymentRequestExpired, r.OperatorID, r)
		n++
	}
	return n, nil
}
