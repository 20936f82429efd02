package ledger

import "github.com/ingot-cbdc/ingot"

// openSubCmd opens a sub-wallet of a wallet (subwallet.go): child,
// prepared by the service (id, holder sealed for it, holding limit), takes
// the locked parent's tier and evidence here, with its own single and daily
// limits, all within the tier's. A wallet has at most MaxSubWallets open
// sub-wallets; a sub-wallet has none, and a frozen or closed wallet opens
// none.
type openSubCmd struct {
	parent int64
	child  ingot.Account
	own    ingot.Limits // the sub-wallet's own single and daily limits; 0: the tier's
}

func (c *openSubCmd) locks(ls *lockSet) { ls.account(c.parent) }

func (c *openSubCmd) apply(s *state, a ingot.Actor) (*WalletView, error) {
	p, err := s.ownWallet(c.parent, a)
	if err != nil {
		return nil, err
	}
	if p.ParentID != 0 {
		return nil, errNoGrandchildren(p.ID)
	}
	if err := canSend(p); err != nil {
		return nil, err
	}
	open, ok := s.openSubs(p.ID)
	if !ok {
		return nil, ingot.Errorf(ingot.CodeInternal, "sub-wallets of %s not loaded", ingot.FormatWalletID(p.ID))
	}
	if len(open) >= MaxSubWallets {
		return nil, ingot.Errorf(ingot.CodeLimitExceeded, "sub-wallets: wallet %s has %d open sub-wallets, the most a wallet may have", ingot.FormatWalletID(p.ID), len(open))
	}
	child := c.child
	if child.ParentID != p.ID || child.OperatorID != p.OperatorID || child.Currency != p.Currency || s.accounts[child.ID] != nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "a sub-wallet that does not match its parent")
	}
	child.Kind, child.WalletKind, child.Status = ingot.AccountWallet, ingot.WalletPersonal, ingot.StatusActive
	child.Balance, child.Held, child.Outflow = 0, 0, ingot.Outflow{}
	child.Tier, child.Evidence = walletTier(p), p.Evidence
	child.SweepAccount, child.ReverseWaterfall = "", false
	// The sub-wallet's own limits must be within its tier's.
	cur := ingot.MustCurrency(child.Currency)
	tier := s.limits.tierLimits(child.OperatorID, ingot.WalletPersonal, child.Tier, cur)
	for _, f := range []struct {
		name     string
		v, limit int64
	}{{"holding limit", child.HoldingLimit, tier.Balance}, {"single payment limit", c.own.Single, tier.Single}, {"daily limit", c.own.Daily, tier.Daily}} {
		if f.v > 0 && f.limit > 0 && f.v > f.limit {
			return nil, ingot.Errorf(ingot.CodeLimitExceeded, "%s: a sub-wallet's %s of %s is above tier %d's limit of %s",
				f.name, f.name, ingot.FormatAmount(f.v, cur), child.Tier, ingot.FormatAmount(f.limit, cur))
		}
	}
	s.accounts[child.ID] = &child
	s.subs[p.ID] = append(s.subs[p.ID], child.ID)
	s.newAccounts = append(s.newAccounts, child.ID)
	s.onUndo(func() {
		delete(s.accounts, child.ID)
		s.subs[p.ID] = s.subs[p.ID][:len(s.subs[p.ID])-1]
		s.newAccounts = s.newAccounts[:len(s.newAccounts)-1]
	})
	if own := (ingot.Limits{Single: c.own.Single, Daily: c.own.Daily}); own != (ingot.Limits{}) {
		key := WalletRuleKey(child.ID)
		s.newRules = append(s.newRules, ingot.LimitRule{OperatorID: key, Currency: child.Currency,
			WalletKind: ingot.WalletPersonal, Tier: child.Tier, Limits: own, UpdatedAt: s.now})
		s.limits.wallets[key] = own
		s.onUndo(func() {
			delete(s.limits.wallets, key)
			s.newRules = s.newRules[:len(s.newRules)-1]
		})
	}
	return s.walletView(&child), nil
}
