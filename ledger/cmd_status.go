package ledger

import "github.com/ingot-cbdc/ingot"

// statusCmd freezes, unfreezes or closes a wallet. A closed wallet stays
// closed. Closing needs a zero balance and no open holds; a sub-wallet's
// balance first returns to its parent, and a parent with open sub-wallets
// stays open (closeFamily, subwallet.go); a wallet whose offline devices
// hold money stays open too.
type statusCmd struct {
	wallet int64
	parent int64 // the wallet's parent, when it is a sub-wallet: locked too
	to     ingot.Status
}

func (c *statusCmd) locks(ls *lockSet) { ls.account(c.wallet, c.parent) }

func (c *statusCmd) apply(s *state, a ingot.Actor) (*WalletView, error) {
	w, err := s.ownWallet(c.wallet, a)
	if err != nil {
		return nil, err
	}
	if err := notClosed(w); err != nil {
		return nil, err
	}
	switch c.to {
	case ingot.StatusActive, ingot.StatusFrozen:
	case ingot.StatusClosed:
		if _, err := s.closeFamily(w); err != nil {
			return nil, err
		}
		if off := s.offlineOf(w); off != 0 { // offline_state.go
			cur := ingot.MustCurrency(w.Currency)
			return nil, ingot.Errorf(ingot.CodeWalletNotEmpty, "wallet %s's offline devices hold %s %s; unload them first",
				ingot.FormatWalletID(w.ID), ingot.FormatAmount(off, cur), w.Currency)
		}
		if w.Balance != 0 || w.Held != 0 {
			cur := ingot.MustCurrency(w.Currency)
			return nil, ingot.Errorf(ingot.CodeWalletNotEmpty, "wallet %s holds %s %s (%s on hold); withdraw or pay it out first",
				ingot.FormatWalletID(w.ID), ingot.FormatAmount(w.Balance, cur), w.Currency, ingot.FormatAmount(w.Held, cur))
		}
	default:
		return nil, ingot.Errorf(ingot.CodeInternal, "a wallet's status is active, frozen or closed, not %q", c.to)
	}
	if c.to != w.Status {
		s.save(w)
		w.Status = c.to
		if c.to == ingot.StatusFrozen {
			s.emit(ingot.EventWalletFrozen, w.OperatorID, w)
		}
	}
	return s.walletView(w), nil
}
