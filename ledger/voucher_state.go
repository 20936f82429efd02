package ledger

import (
	"cmp"
	"context"
	"slices"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Vouchers inside the engine's batch (docs/vouchers.md). A wallet's
// earmarked money of a program is an earmark account, a child of the
// wallet: loadFamilies locks it with the wallet (it comes with the query of
// sub-wallets, which the batch makes anyway) and keeps it apart from the
// wallet's sub-wallets. loadVouchers then reads the earmarks of the locked
// earmark accounts and their programs; a batch without earmark accounts
// costs nothing here.

// voucherState is a batch's view of earmarks and programs.
type voucherState struct {
	accounts []int64                          // earmark accounts locked (loadFamilies, or named by a command)
	earmarks map[int64]*ingot.Earmark         // by earmark account
	byWallet map[int64][]int64                // a wallet's earmark accounts
	programs map[string]*ingot.VoucherProgram // the earmarks' programs and the batch's named ones
	uses     map[string][]ingot.VoucherUse    // refunded payments' voucher shares
	paying   bool                             // a payment with earmarked money is being applied (move: no review hold)

	newPrograms []ingot.VoucherProgram
	newEarmarks []ingot.Earmark
	newUses     []ingot.VoucherUse
	expired     []int64
}

// loadVouchers reads the earmarks of the batch's earmark accounts, the
// programs of those and of the programs its commands name, and the voucher
// shares of the payments it refunds; it locks the issuer accounts a refund
// of an ended program returns money to.
func loadVouchers(ctx context.Context, tx store.BatchTx, ls *lockSet, st *state) error {
	v := &st.vouch
	if len(v.accounts) == 0 && len(ls.programs) == 0 {
		return nil
	}
	v.earmarks = map[int64]*ingot.Earmark{}
	v.byWallet = map[int64][]int64{}
	v.programs = map[string]*ingot.VoucherProgram{}
	v.uses = map[string][]ingot.VoucherUse{}
	names := map[string]struct{}{}
	for p := range ls.programs {
		names[p] = struct{}{}
	}
	if len(v.accounts) > 0 {
		slices.Sort(v.accounts)
		es, err := tx.Earmarks(ctx, slices.Compact(v.accounts))
		if err != nil {
			return err
		}
		for i := range es {
			e := es[i]
			v.earmarks[e.Account] = &e
			v.byWallet[e.Wallet] = append(v.byWallet[e.Wallet], e.Account)
			names[e.Program] = struct{}{}
		}
	}
	ps, err := tx.VoucherPrograms(ctx, sortedKeys(names))
	if err != nil {
		return err
	}
	for i := range ps {
		p := ps[i]
		v.programs[p.Program] = &p
	}
	if len(v.earmarks) == 0 || len(ls.totals) == 0 {
		return nil
	}
	us, err := tx.VoucherUses(ctx, sortedKeys(ls.totals))
	if err != nil {
		return err
	}
	issuers := map[int64]struct{}{}
	for _, u := range us {
		v.uses[u.Payment] = append(v.uses[u.Payment], u)
		if e := v.earmarks[u.Account]; e != nil {
			if p := v.programs[e.Program]; p != nil && !p.Running(st.now) && st.accounts[p.Issuer] == nil {
				issuers[p.Issuer] = struct{}{}
			}
		}
	}
	if len(issuers) == 0 {
		return nil
	}
	as, err := tx.LockAccounts(ctx, sortedKeys(issuers))
	if err != nil {
		return err
	}
	for i := range as {
		a := as[i]
		st.accounts[a.ID] = &a
	}
	return nil
}

// earmark returns a locked earmark account, its earmark and its program.
func (s *state) earmark(id int64) (*ingot.Account, *ingot.Earmark, *ingot.VoucherProgram, error) {
	acc, e := s.accounts[id], s.vouch.earmarks[id]
	if acc == nil || acc.Kind != ingot.AccountEarmark || e == nil {
		return nil, nil, nil, ingot.Errorf(ingot.CodeInternal, "earmark account %d is not locked", id)
	}
	p := s.vouch.programs[e.Program]
	if p == nil {
		return nil, nil, nil, ingot.Errorf(ingot.CodeInternal, "voucher program %q is not loaded", e.Program)
	}
	return acc, e, p, nil
}

// useVouchers is the earmarked side of a payment of amount from a wallet
// to a merchant: the payer's earmarked money of the programs that are
// running and list the merchant pays first, the programs ending first
// first, each share moved to the payer's wallet (voucher_use) for the
// payment that follows in the same command. It returns the shares, to be
// recorded against the payment (recordUses).
func (s *state) useVouchers(from, to *ingot.Account, amount int64, currency string) ([]ingot.VoucherUse, error) {
	ids := s.vouch.byWallet[from.ID]
	if len(ids) == 0 || to.WalletKind != ingot.WalletMerchant {
		return nil, nil
	}
	type source struct {
		acc *ingot.Account
		p   *ingot.VoucherProgram
	}
	var srcs []source
	mcc := s.merch.profiles[to.ID].MCC
	for _, id := range ids {
		acc, _, p, err := s.earmark(id)
		if err != nil {
			return nil, err
		}
		if acc.Balance > 0 && acc.Currency == currency && p.Running(s.now) && p.Eligible(to.ID, mcc) {
			srcs = append(srcs, source{acc, p})
		}
	}
	slices.SortFunc(srcs, func(x, y source) int {
		return cmp.Or(x.p.ExpiresAt.Compare(y.p.ExpiresAt), cmp.Compare(x.acc.ID, y.acc.ID))
	})
	var uses []ingot.VoucherUse
	left := amount
	for _, src := range srcs {
		if left == 0 {
			break
		}
		n := min(src.acc.Balance, left)
		if _, err := s.move(ingot.KindVoucherUse, src.acc, from, n, currency, "voucher "+src.p.Program, ""); err != nil {
			return nil, err
		}
		uses = append(uses, ingot.VoucherUse{Account: src.acc.ID, Amount: n})
		left -= n
	}
	return uses, nil
}

// recordUses records a payment's voucher shares.
func (s *state) recordUses(payment string, uses []ingot.VoucherUse) {
	if len(uses) == 0 {
		return
	}
	n := len(s.vouch.newUses)
	for _, u := range uses {
		u.Payment = payment
		s.vouch.newUses = append(s.vouch.newUses, u)
	}
	s.onUndo(func() { s.vouch.newUses = s.vouch.newUses[:n] })
}

// refundVouchers gives a refund of a payment back to the earmarked money
// it was paid with: the refunds of a payment return its voucher shares
// first (prev was refunded before this refund of amount), each to its
// earmark account (voucher_refund) from the payer's wallet, which the
// refund just credited; a share of a program that has ended goes on to
// the program's issuer (voucher_return).
func (s *state) refundVouchers(payment string, payer *ingot.Account, prev, amount int64, currency string) error {
	uses := s.vouch.uses[payment]
	var before int64 // the shares before this one
	for _, u := range uses {
		was := min(max(prev-before, 0), u.Amount)
		now := min(max(prev+amount-before, 0), u.Amount)
		before += u.Amount
		back := now - was
		if back <= 0 {
			continue
		}
		acc, _, p, err := s.earmark(u.Account)
		if err != nil {
			return err
		}
		if _, err := s.move(ingot.KindVoucherRefund, payer, acc, back, currency, "refund of voucher "+p.Program, ""); err != nil {
			return err
		}
		if p.Running(s.now) {
			continue
		}
		if err := s.returnEarmark(acc, p, back); err != nil {
			return err
		}
	}
	return nil
}

// returnEarmark returns amount of an earmark account to its program's
// issuer.
func (s *state) returnEarmark(acc *ingot.Account, p *ingot.VoucherProgram, amount int64) error {
	issuer := s.accounts[p.Issuer]
	if issuer == nil {
		return ingot.Errorf(ingot.CodeInternal, "the issuer account of voucher program %q is not locked", p.Program)
	}
	_, err := s.move(ingot.KindVoucherReturn, acc, issuer, amount, acc.Currency, "voucher "+p.Program+" expired", "")
	return err
}

// writeVouchers adds the batch's voucher rows to w.
func (s *state) writeVouchers(w *store.BatchWrite) {
	v := &s.vouch
	w.Vouchers = store.VoucherWrite{Programs: v.newPrograms, Earmarks: v.newEarmarks, Uses: v.newUses, Expired: v.expired}
}
