package ledger

import "github.com/ingot-cbdc/ingot"

// voidCmd releases a pending hold without paying it.
type voidCmd struct{ hold string }

func (c *voidCmd) locks(ls *lockSet) {
	ls.hold(c.hold)
	ls.conditional(c.hold) // a conditional payment's hold is not voided here
}

func (c *voidCmd) apply(s *state, a ingot.Actor) (*ingot.Hold, error) {
	h, err := s.pendingHold(c.hold, a)
	if err != nil {
		return nil, err
	}
	s.release(h, ingot.HoldVoided)
	hc := *h
	return &hc, nil
}
