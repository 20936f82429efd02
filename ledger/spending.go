package ledger

import (
	"context"
	"strings"
	"sync"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// Spending rules on a wallet (docs/spending-rules.md): parental controls
// and corporate cards. A wallet has at most one rule, a CEL expression that
// is true for the payments it may make, over the facts the risk rules see.
//
//   - Where it lives: in the wallet's own row (ingot.Account.Spending),
//     so that a batch reads it with the accounts it locks anyway. A wallet
//     without a rule costs a payment one nil check, and no query.
//   - When it applies: to every payment and capture the wallet sends to
//     another wallet (and so QR payments, payment codes charged and the
//     release of conditional payments), in the payment's batch, after the
//     ledger's own rules and before the risk rules' actions (move.go). Not
//     to allocations between a wallet and its own sub-wallet, top-ups,
//     withdrawals, refunds or fees: exactly the payments risk assesses. A
//     payment held for review was allowed when it was held; its release is
//     not asked again.
//   - What it does: a payment it does not allow (false, or an evaluation
//     error: a rule fails closed) is refused with spending_rule_denied, or,
//     with otherwise approve, needs the holder's approval of exactly that
//     payment, the path a risk rule's approve takes (an operator's back
//     end cannot approve, and is refused).
//   - Who sets it: the wallet's operator on any of its wallets; a holder on
//     its own sub-wallets (a parent's controls on a child's pocket money),
//     unless the operator set the rule there. Through the engine, so that
//     a rule applies to every payment accepted after it was answered.

// SpendingRuleIn sets a wallet's spending rule.
type SpendingRuleIn struct {
	Allow     string // the CEL expression, true for what the wallet may pay
	Otherwise string // deny (the default) or approve
}

// WalletSpendingRule is a wallet's spending rule: set, read or removed.
type WalletSpendingRule struct {
	Wallet int64
	Rule   ingot.SpendingRule
}

// SetSpendingRule sets (or replaces) the spending rule of a wallet the
// caller owns: an operator on its wallets, a holder on its sub-wallets.
func (s *Service) SetSpendingRule(ctx context.Context, a ingot.Actor, walletID string, in SpendingRuleIn, idem *Idem) (*WalletSpendingRule, error) {
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	if in.Otherwise == "" {
		in.Otherwise = string(ingot.OtherwiseDeny)
	}
	r := &ingot.SpendingRule{Allow: in.Allow, Otherwise: ingot.SpendingOtherwise(in.Otherwise), SetBy: a.Role}
	if !r.Otherwise.Valid() {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "otherwise must be deny or approve")
	}
	if strings.TrimSpace(r.Allow) == "" {
		return nil, ingot.Errorf(ingot.CodeInvalidRule, "allow must be a CEL expression")
	}
	if _, err := risk.CompileAllow(r.Allow); err != nil {
		return nil, err
	}
	return submit(ctx, s.eng, a, &spendingCmd{wallet: w.ID, rule: r}, idem)
}

// RemoveSpendingRule removes a wallet's spending rule; it answers the
// rule removed.
func (s *Service) RemoveSpendingRule(ctx context.Context, a ingot.Actor, walletID string, idem *Idem) (*WalletSpendingRule, error) {
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	return submit(ctx, s.eng, a, &spendingCmd{wallet: w.ID}, idem)
}

// SpendingRule reads the spending rule of a wallet the caller owns (a
// holder reads the rules of all its wallets, main wallets too).
func (s *Service) SpendingRule(ctx context.Context, a ingot.Actor, walletID string) (*WalletSpendingRule, error) {
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	if w.Spending == nil {
		return nil, errNoSpendingRule(w.ID)
	}
	return &WalletSpendingRule{Wallet: w.ID, Rule: *w.Spending}, nil
}

func errNoSpendingRule(id int64) error {
	return notFound("a spending rule of wallet " + ingot.FormatWalletID(id))
}

// checkSpending applies the payer's spending rule to a payment the risk
// engine assessed (its facts are as's), before the risk rules' actions.
func (s *state) checkSpending(as *assessment, payer *ingot.Account) error {
	r := payer.Spending
	if r == nil {
		return nil
	}
	why := "does not allow this payment"
	p, err := spendingPrograms.get(r.Allow)
	if err == nil {
		var ok bool
		if ok, err = p.Eval(&as.facts); err == nil && ok {
			return nil
		}
	}
	if err != nil {
		// A rule that fails (an overflow, the cost limit; one that no
		// longer compiles) allows nothing: it is the wallet's limit.
		why = "could not be evaluated (" + err.Error() + "), so it allows nothing"
	}
	if r.Otherwise == ingot.OtherwiseApprove {
		switch {
		case s.sca.gate != nil && s.sca.strong:
			return nil // approved by the holder, for exactly this payment
		case s.sca.gate != nil:
			return &scaRequired{*s.sca.gate}
		}
		why += " without the holder's approval, which only the holder can give"
	}
	return ingot.Errorf(ingot.CodeSpendingRuleDenied, "the spending rule of wallet %s %s", ingot.FormatWalletID(payer.ID), why)
}

// setSpending records that the batch changed a wallet's spending rule.
func (s *state) setSpending(w *ingot.Account, r *ingot.SpendingRule) {
	old := w.Spending
	_, was := s.spending[w.ID]
	s.onUndo(func() {
		w.Spending = old
		if !was {
			delete(s.spending, w.ID)
		}
	})
	if s.spending == nil {
		s.spending = map[int64]struct{}{}
	}
	w.Spending = r
	s.spending[w.ID] = struct{}{}
}

// writeSpending collects the rules the batch set or removed: each wallet's
// last, in id order.
func (s *state) writeSpending() []store.SpendingWrite {
	if len(s.spending) == 0 {
		return nil
	}
	out := make([]store.SpendingWrite, 0, len(s.spending))
	for _, id := range sortedKeys(s.spending) {
		out = append(out, store.SpendingWrite{Wallet: id, Rule: s.accounts[id].Spending})
	}
	return out
}

// maxSpendingPrograms bounds the cache of compiled spending rules.
const maxSpendingPrograms = 4096

// spendingPrograms are the compiled spending rules by expression, for
// every engine of the process: a rule is compiled once, however many
// wallets and payments share it (compiling costs tens of microseconds, an
// evaluation about one). When full, an entry is dropped at random.
var spendingPrograms = &programCache{max: maxSpendingPrograms, m: map[string]*risk.Program{}}

// programCache is a bounded cache of compiled expressions.
type programCache struct {
	mu  sync.Mutex
	max int
	m   map[string]*risk.Program
}

// get returns expr compiled.
func (c *programCache) get(expr string) (*risk.Program, error) {
	c.mu.Lock()
	p, ok := c.m[expr]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := risk.CompileAllow(expr)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for k := range c.m { // a random key: Go's map order
			delete(c.m, k)
			break
		}
	}
	c.m[expr] = p
	return p, nil
}
