package ledger

import (
	"slices"

	"github.com/ingot-cbdc/ingot"
)

// linkBankCmd links a bank account, verified with the bank and sealed by
// the service, to one of the operator's wallets: the wallet gains the
// "bank account linked" evidence and, when it has none, its sweep account
// for the waterfall. A sub-wallet links none; an account is linked once.
type linkBankCmd struct {
	wallet  int64
	account ingot.BankAccount
}

func (c *linkBankCmd) locks(ls *lockSet) { ls.linkedAccounts(c.wallet) }

func (c *linkBankCmd) apply(s *state, a ingot.Actor) (*ingot.BankAccount, error) {
	w, err := s.ownWallet(c.wallet, a)
	if err != nil {
		return nil, err
	}
	if err := notClosed(w); err != nil {
		return nil, err
	}
	if w.ParentID != 0 {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "wallet %s is a sub-wallet: it is funded by its parent %s and links no bank account of its own",
			ingot.FormatWalletID(w.ID), ingot.FormatWalletID(w.ParentID))
	}
	ba := c.account
	linked := s.bk().accounts[w.ID]
	for _, o := range linked {
		if string(o.NumberHash) == string(ba.NumberHash) {
			return nil, ingot.Errorf(ingot.CodeConflict, "this bank account is linked to the wallet already (%s)", o.ID)
		}
	}
	ba.Wallet, ba.OperatorID, ba.Currency = w.ID, w.OperatorID, w.Currency
	ba.CreatedAt, ba.UpdatedAt = s.now, s.now
	s.setLinked(w.ID, append(slices.Clone(linked), ba))
	b := s.bk()
	n := len(b.newAccounts)
	b.newAccounts = append(b.newAccounts, ba)
	s.onUndo(func() { b.newAccounts = b.newAccounts[:n] })
	s.save(w)
	w.Evidence.BankLinked = true
	if w.SweepAccount == "" {
		w.SweepAccount = ba.ID
	}
	return &ba, nil
}
