package ledger

import (
	"slices"

	"github.com/ingot-cbdc/ingot"
)

// unlinkBankCmd unlinks a bank account from one of the operator's wallets.
// The wallet's last one only when its tier does not need one (tiers 2 and
// 1 do) and its balance fits the cap it then has; a wallet that swept to
// it sweeps to its next linked account.
type unlinkBankCmd struct {
	wallet  int64
	account string
}

func (c *unlinkBankCmd) locks(ls *lockSet) { ls.linkedAccounts(c.wallet) }

func (c *unlinkBankCmd) apply(s *state, a ingot.Actor) (*ingot.BankAccount, error) {
	w, err := s.ownWallet(c.wallet, a)
	if err != nil {
		return nil, err
	}
	linked := s.bk().accounts[w.ID]
	i := slices.IndexFunc(linked, func(b ingot.BankAccount) bool { return b.ID == c.account })
	if i < 0 {
		return nil, notFound("bank account " + c.account)
	}
	ba := linked[i]
	rest := slices.Delete(slices.Clone(linked), i, i+1)
	next := *w
	if len(rest) == 0 {
		if t := walletTier(w); t <= ingot.Tier2 {
			return nil, ingot.Errorf(ingot.CodeConflict, "tier %d needs a linked bank account: this is the wallet's last one; downgrade the wallet to tier 3 first", t)
		}
		next.Evidence.BankLinked, next.SweepAccount = false, ""
		if limit, name := s.limits.balanceCap(&next); limit > 0 && w.Balance > limit {
			cur := ingot.MustCurrency(w.Currency)
			return nil, ingot.Errorf(ingot.CodeLimitExceeded, "%s: without a linked bank account the wallet may hold %s, and it holds %s",
				name, ingot.FormatAmount(limit, cur), ingot.FormatAmount(w.Balance, cur))
		}
	} else if w.SweepAccount == ba.ID {
		next.SweepAccount = rest[0].ID
	}
	s.setLinked(w.ID, rest)
	ba.Removed, ba.UpdatedAt = true, s.now
	b := s.bk()
	n := len(b.removed)
	b.removed = append(b.removed, ba)
	s.onUndo(func() { b.removed = b.removed[:n] })
	s.save(w)
	w.Evidence.BankLinked, w.SweepAccount = next.Evidence.BankLinked, next.SweepAccount
	return &ba, nil
}
