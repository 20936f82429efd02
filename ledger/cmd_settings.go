package ledger

import "github.com/ingot-cbdc/ingot"

// settingsCmd changes the holder's own settings of a wallet: its holding
// limit (at most the tier's balance cap; 0 removes it) and its reverse
// waterfall. nil leaves a setting as it is.
type settingsCmd struct {
	wallet           int64
	holdingLimit     *int64
	reverseWaterfall *bool
}

func (c *settingsCmd) locks(ls *lockSet) { ls.account(c.wallet) }

func (c *settingsCmd) apply(s *state, a ingot.Actor) (*WalletView, error) {
	w, err := s.ownWallet(c.wallet, a)
	if err != nil {
		return nil, err
	}
	if err := notClosed(w); err != nil {
		return nil, err
	}
	if c.holdingLimit != nil {
		h := *c.holdingLimit
		if h < 0 {
			return nil, ingot.Errorf(ingot.CodeInvalidAmount, "holding_limit must not be negative")
		}
		if limit := s.limits.For(w).Balance; limit > 0 && h > limit {
			cur := ingot.MustCurrency(w.Currency)
			return nil, ingot.Errorf(ingot.CodeLimitExceeded, "balance limit: a holding limit of %s is above the tier's balance limit of %s",
				ingot.FormatAmount(h, cur), ingot.FormatAmount(limit, cur))
		}
	}
	s.save(w)
	if c.holdingLimit != nil {
		w.HoldingLimit = *c.holdingLimit
	}
	if c.reverseWaterfall != nil {
		w.ReverseWaterfall = *c.reverseWaterfall
	}
	return s.walletView(w), nil
}
