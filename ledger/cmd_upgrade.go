package ledger

import "github.com/ingot-cbdc/ingot"

// upgradeCmd moves a wallet to another tier: up when the evidence for it is
// present (what the wallet has plus what the operator vouches for now),
// down when the balance fits the lower tier's balance limit. A sub-wallet
// is at most its parent's tier.
type upgradeCmd struct {
	wallet, parent int64
	tier           ingot.Tier
	evidence       ingot.Evidence // vouched for by the operator, added to the wallet's
	idNumber       string         // sealed; "" keeps the wallet's
}

func (c *upgradeCmd) locks(ls *lockSet) { ls.account(c.wallet, c.parent) }

func (c *upgradeCmd) apply(s *state, a ingot.Actor) (*WalletView, error) {
	w, err := s.ownWallet(c.wallet, a)
	if err != nil {
		return nil, err
	}
	if err := notClosed(w); err != nil {
		return nil, err
	}
	if !c.tier.Valid() {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "tier must be 1, 2, 3 or 4")
	}
	if w.ParentID != 0 {
		p := s.accounts[w.ParentID]
		if p == nil {
			return nil, ingot.Errorf(ingot.CodeInternal, "the parent of %s is not locked", ingot.FormatWalletID(w.ID))
		}
		if c.tier < walletTier(p) {
			return nil, ingot.Errorf(ingot.CodeTierRequirements, "tier %d needs a parent wallet of tier %d or better: sub-wallet %s is at most its parent's tier %d",
				c.tier, c.tier, ingot.FormatWalletID(w.ID), walletTier(p))
		}
	}
	ev := w.Evidence
	ev.IDVerified = ev.IDVerified || c.evidence.IDVerified
	ev.InPerson = ev.InPerson || c.evidence.InPerson
	idNumber := w.Holder.IDNumber
	if c.idNumber != "" {
		idNumber = c.idNumber
	}
	if c.tier < walletTier(w) {
		missing := ev.Missing(c.tier)
		if ev.IDVerified && idNumber == "" && c.tier <= ingot.Tier3 {
			missing = append([]string{"the identity document's number (id_number)"}, missing...)
		}
		if len(missing) > 0 {
			return nil, ingot.Errorf(ingot.CodeTierRequirements, "tier %d needs %s", c.tier, joinAnd(missing))
		}
	}
	next := *w
	next.Tier = c.tier
	if limit := s.limits.For(&next).Balance; limit > 0 && w.Balance > limit {
		cur := ingot.MustCurrency(w.Currency)
		return nil, ingot.Errorf(ingot.CodeLimitExceeded, "balance limit: the balance %s %s is above tier %d's balance limit of %s",
			ingot.FormatAmount(w.Balance, cur), w.Currency, c.tier, ingot.FormatAmount(limit, cur))
	}
	s.save(w)
	w.Tier, w.Evidence, w.Holder.IDNumber = c.tier, ev, idNumber
	if limit := s.limits.For(w).Balance; limit > 0 && w.HoldingLimit > limit {
		w.HoldingLimit = limit // a holding limit never exceeds the tier's cap
	}
	return s.walletView(w), nil
}
