package ledger

import "github.com/ingot-cbdc/ingot"

// expireCmd releases the pending holds among its ids whose time is past
// (the system's command, run by the expiry loop). It answers how many it
// released; a hold captured or voided meanwhile is left as it is.
type expireCmd struct{ holds []string }

func (c *expireCmd) weight() int { return len(c.holds) }

func (c *expireCmd) locks(ls *lockSet) {
	for _, id := range c.holds {
		ls.hold(id)
	}
}

func (c *expireCmd) apply(s *state, _ ingot.Actor) (int, error) {
	n := 0
	for _, id := range c.holds {
		h := s.holds[id]
		if h == nil || h.Status != ingot.HoldPending || h.ExpiresAt.After(s.now) {
			continue
		}
		s.release(h, ingot.HoldExpired)
		s.emit(ingot.EventHoldExpired, h.OperatorID, h)
		n++
	}
	return n, nil
}
