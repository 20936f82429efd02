package ledger

import "github.com/ingot-cbdc/ingot"

// spendingCmd sets a wallet's spending rule (rule), or removes it (rule
// nil), on the locked wallet: the caller must own it; a holder acts only
// on its sub-wallets, and never on a rule the operator set; a closed
// wallet keeps what it has.
type spendingCmd struct {
	wallet int64
	rule   *ingot.SpendingRule // CreatedAt is the batch's time
}

func (c *spendingCmd) locks(ls *lockSet) { ls.account(c.wallet) }

func (c *spendingCmd) apply(s *state, a ingot.Actor) (*WalletSpendingRule, error) {
	w, err := s.ownWallet(c.wallet, a)
	if err != nil {
		return nil, err
	}
	if err := notClosed(w); err != nil {
		return nil, err
	}
	if a.Role == ingot.RoleHolder {
		if w.ParentID == 0 {
			return nil, ingot.Errorf(ingot.CodeForbidden, "a holder sets spending rules on its sub-wallets only; wallet %s's are set by its operator", ingot.FormatWalletID(w.ID))
		}
		if w.Spending != nil && w.Spending.SetBy != ingot.RoleHolder {
			return nil, ingot.Errorf(ingot.CodeForbidden, "the operator set the spending rule of wallet %s; only the operator changes or removes it", ingot.FormatWalletID(w.ID))
		}
	}
	if c.rule == nil {
		old := w.Spending
		if old == nil {
			return nil, errNoSpendingRule(w.ID)
		}
		s.setSpending(w, nil)
		return &WalletSpendingRule{Wallet: w.ID, Rule: *old}, nil
	}
	r := *c.rule
	r.CreatedAt = s.now
	s.setSpending(w, &r)
	return &WalletSpendingRule{Wallet: w.ID, Rule: r}, nil
}
