package ledger

import (
	"errors"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
)

// payBatchCmd is many payments in one command. Each item succeeds or fails
// alone; with atomic, all succeed or none does (a failed item undoes the
// others, which answer linked_transfer_failed).
type payBatchCmd struct {
	items  []Item
	atomic bool
}

// ItemResult is one batch item's outcome: a transfer or an error.
type ItemResult struct {
	Transfer *ingot.Transfer
	Err      *ingot.Error
	// Review is set when a review rule held the payment (reviews.go).
	Review *InReview
}

func (c *payBatchCmd) weight() int { return len(c.items) }

func (c *payBatchCmd) locks(ls *lockSet) {
	for _, it := range c.items {
		ls.account(it.From)
		ls.credit(it.To)
	}
}

func (c *payBatchCmd) pairs(_ *state, add func(payer, payee int64)) {
	for _, it := range c.items {
		add(it.From, it.To)
	}
}

func (c *payBatchCmd) channel() string { return risk.ChannelBatch }

// applied reports whether any item moved money: a batch none of whose
// items applied is not recorded under its Idempotency-Key.
func (c *payBatchCmd) applied(res []ItemResult) bool {
	for _, it := range res {
		if it.Transfer != nil || it.Review != nil {
			return true
		}
	}
	return false
}

func (c *payBatchCmd) apply(s *state, a ingot.Actor) ([]ItemResult, error) {
	res := make([]ItemResult, len(c.items))
	start := s.mark()
	for i, it := range c.items {
		m := s.mark()
		t, err := s.pay(a, it)
		if err == nil {
			res[i].Transfer = t
			continue
		}
		var held *InReview
		if errors.As(err, &held) {
			if !c.atomic {
				res[i].Review = held // its hold and review stand
				continue
			}
			err = ingot.Errorf(ingot.CodeRiskDenied, "this payment would be held for review, which an atomic batch cannot wait for")
		}
		s.undo(m)
		res[i].Err = itemError(err)
		if c.atomic {
			s.undo(start)
			for j := range res {
				if j != i {
					res[j] = ItemResult{Err: ingot.Errorf(ingot.CodeLinkedFailed, "not applied: transfers[%d] of this atomic batch failed", i)}
				}
			}
			break
		}
	}
	return res, nil
}

// itemError is a batch item's error as its answer carries it.
func itemError(err error) *ingot.Error {
	if e := ingot.AsError(err); e != nil {
		return e
	}
	return ingot.Errorf(ingot.CodeInternal, "%v", err)
}
