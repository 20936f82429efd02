package ledger

import (
	"context"
	"strings"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Sub-wallets (e-CNY's design): a wallet may open sub-wallets with their
// own, lower limits. A sub-wallet has its parent's operator, currency,
// holder (re-sealed for its own id), tier and evidence; it is personal and
// has no sub-wallets of its own. Money moves between a parent and its own
// sub-wallet as "allocation" transfers, which are not outflow; closing a
// sub-wallet moves its balance back to the parent in the same command.
//
// Every rule about a family is checked in the engine's batch with the
// parent locked: a sub-wallet is opened (OpOpenSub) and closed only by
// batches that lock its parent, so the list of sub-wallets read after the
// parent's lock is current.

// MaxSubWallets is the most open sub-wallets a wallet may have.
const MaxSubWallets = 10

// SubWalletRequest opens a sub-wallet: a label and the sub-wallet's own
// limits, decimal amounts; "" leaves a limit to the tier.
type SubWalletRequest struct {
	Name         string
	HoldingLimit string
	SingleLimit  string
	DailyLimit   string
}

// OpenSubWallet opens a sub-wallet of one of the operator's wallets.
func (s *Service) OpenSubWallet(ctx context.Context, a ingot.Actor, parentID string, r SubWalletRequest, idem *Idem) (*WalletView, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	p, err := s.Wallet(ctx, a, parentID)
	if err != nil {
		return nil, err
	}
	if p.ParentID != 0 {
		return nil, errNoGrandchildren(p.ID)
	}
	cur := ingot.MustCurrency(p.Currency)
	var holding int64
	var own ingot.Limits
	for _, f := range []struct {
		name, in string
		out      *int64
	}{{"holding_limit", r.HoldingLimit, &holding}, {"single_limit", r.SingleLimit, &own.Single}, {"daily_limit", r.DailyLimit, &own.Daily}} {
		if f.in == "" {
			continue
		}
		v, err := ingot.ParseAmount(f.in, cur)
		if err != nil {
			return nil, ingot.Prefix(err, f.name)
		}
		*f.out = v
	}
	name := strings.TrimSpace(r.Name)
	if name != "" {
		if err := checkName("name", name, 100); err != nil {
			return nil, err
		}
	}
	// The holder is the parent's, sealed again for the sub-wallet's id.
	if err := s.Reveal(&p); err != nil {
		return nil, err
	}
	child := ingot.Account{
		ID: ingot.NewWalletID(), Kind: ingot.AccountWallet, OperatorID: p.OperatorID, Currency: p.Currency,
		Status: ingot.StatusActive, WalletKind: ingot.WalletPersonal, ParentID: p.ID,
		Holder:    ingot.Holder{Kind: p.Holder.Kind, Name: p.Holder.Name, Phone: p.Holder.Phone, IDNumber: p.Holder.IDNumber},
		CreatedAt: s.now(),
	}
	if err := s.sealHolder(&child); err != nil {
		return nil, err
	}
	if name != "" {
		if child.Label, err = s.sealPII("label", child.ID, name); err != nil {
			return nil, err
		}
	}
	child.HoldingLimit = holding
	return submit(ctx, s.eng, a, &openSubCmd{parent: p.ID, child: child, own: own}, idem)
}

// SubWallets lists the sub-wallets of one of the operator's wallets, by id
// (closed ones too).
func (s *Service) SubWallets(ctx context.Context, a ingot.Actor, parentID string) ([]ingot.Account, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	p, err := s.Wallet(ctx, a, parentID)
	if err != nil {
		return nil, err
	}
	ws, err := s.st.SubWallets(ctx, p.ID)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return ws, nil
}

func errNoGrandchildren(id int64) *ingot.Error {
	return ingot.Errorf(ingot.CodeInvalidRequest, "wallet %s is a sub-wallet; a sub-wallet cannot have sub-wallets", ingot.FormatWalletID(id))
}

// loadFamilies locks, after the batch's own accounts, the rest of every
// family a locked wallet belongs to: the parent of a locked sub-wallet and
// the open sub-wallets of every locked (or so loaded) parent. KYC tiers are
// per holder, so a family is one holder for its parent's tier limits
// (familyBalance, move), and every member must be locked to check them.
// It also lists each parent's sub-wallets (closed ones too) for opening and
// closing them.
//
// The extra lock rounds are out of the global id order that LockAccounts
// keeps within one round: on PostgreSQL, two processes locking one family
// from different members can deadlock. PostgreSQL detects it and fails one
// transaction; the engine runs a failed batch again (it only gives up after
// a commit of unknown outcome), so this costs a retry, not a wrong answer.
// A batch without sub-wallets costs one indexed query (the sub-wallets of
// its wallets, none) and no extra lock. The same query brings a wallet's
// earmark accounts (its vouchers), which are locked with the family but are
// no part of it, and its devices' offline accounts, which count towards
// its balance cap (offline_state.go).
func loadFamilies(ctx context.Context, tx store.BatchTx, st *state) error {
	lock := func(ids map[int64]struct{}) error {
		if len(ids) == 0 {
			return nil
		}
		as, err := tx.LockAccounts(ctx, sortedKeys(ids))
		if err != nil {
			return err
		}
		for i := range as {
			a := as[i]
			st.accounts[a.ID] = &a
		}
		return nil
	}
	// The parents of locked sub-wallets first: a sub-wallet's parent never
	// changes, and its sub-wallets are read below with it locked.
	missing := map[int64]struct{}{}
	for _, a := range st.accounts {
		if a.Kind == ingot.AccountEarmark {
			st.vouch.accounts = append(st.vouch.accounts, a.ID) // voucher_state.go
		}
		if a.Kind == ingot.AccountWallet && a.ParentID != 0 && st.accounts[a.ParentID] == nil {
			missing[a.ParentID] = struct{}{}
		}
	}
	if err := lock(missing); err != nil {
		return err
	}
	parents := map[int64]struct{}{}
	for _, a := range st.accounts {
		if a.Kind != ingot.AccountWallet {
			continue
		}
		if a.ParentID == 0 {
			parents[a.ID] = struct{}{}
		} else {
			parents[a.ParentID] = struct{}{}
		}
	}
	if len(parents) == 0 {
		return nil
	}
	subs, err := tx.SubWallets(ctx, sortedKeys(parents))
	if err != nil {
		return err
	}
	st.subs = make(map[int64][]int64, len(parents))
	st.subStatus = make(map[int64]ingot.Status, len(subs))
	for id := range parents {
		st.subs[id] = nil
	}
	missing = map[int64]struct{}{}
	for _, a := range subs {
		if a.Kind == ingot.AccountEarmark {
			// A wallet's earmarked money (voucher_state.go), not a
			// sub-wallet: locked with its wallet, never in its family.
			if st.accounts[a.ID] == nil {
				st.vouch.accounts = append(st.vouch.accounts, a.ID)
				missing[a.ID] = struct{}{}
			}
			continue
		}
		if a.Kind == ingot.AccountOffline {
			// A device's money (offline_state.go), not a sub-wallet: locked
			// with its wallet, whose balance cap counts it.
			if st.off.byWallet == nil {
				st.off.byWallet = map[int64][]int64{}
			}
			st.off.byWallet[a.ParentID] = append(st.off.byWallet[a.ParentID], a.ID)
			if st.accounts[a.ID] == nil {
				missing[a.ID] = struct{}{}
			}
			continue
		}
		st.subs[a.ParentID] = append(st.subs[a.ParentID], a.ID)
		st.subStatus[a.ID] = a.Status
		if a.Status != ingot.StatusClosed && st.accounts[a.ID] == nil {
			missing[a.ID] = struct{}{}
		}
	}
	return lock(missing)
}

// family is a wallet's family as locked in the batch: its parent (the
// wallet itself when it is not a sub-wallet) and the parent's open
// sub-wallets. ok is false for a wallet with neither parent nor open
// sub-wallets.
func (s *state) family(w *ingot.Account) (parent *ingot.Account, subs []*ingot.Account, ok bool, err error) {
	if w.Kind != ingot.AccountWallet {
		return nil, nil, false, nil
	}
	parent = w
	if w.ParentID != 0 {
		if parent = s.accounts[w.ParentID]; parent == nil {
			return nil, nil, false, ingot.Errorf(ingot.CodeInternal, "the parent of %s is not locked", ingot.FormatWalletID(w.ID))
		}
	}
	open, loaded := s.openSubs(parent.ID)
	if !loaded {
		return nil, nil, false, ingot.Errorf(ingot.CodeInternal, "sub-wallets of %s not loaded", ingot.FormatWalletID(parent.ID))
	}
	for _, id := range open {
		a := s.accounts[id]
		if a == nil {
			return nil, nil, false, ingot.Errorf(ingot.CodeInternal, "sub-wallet %s is not locked", ingot.FormatWalletID(id))
		}
		subs = append(subs, a)
	}
	return parent, subs, w.ParentID != 0 || len(subs) > 0, nil
}

// checkFamilyBalance refuses a credit of amount to credit (not an
// allocation, not a refund) that would take its family's total balance
// above the parent's tier balance cap. A payment within the family does
// not change the total and passes. Above the cap it is refused, never
// swept, even when the parent links a bank account.
func (s *state) checkFamilyBalance(debit, credit *ingot.Account, amount int64, cur ingot.Currency) error {
	parent, subs, ok, err := s.family(credit)
	if err != nil || !ok {
		return err
	}
	if debit.Kind == ingot.AccountWallet && (debit.ID == parent.ID || debit.ParentID == parent.ID) {
		return nil
	}
	limit := s.limits.For(parent).Balance
	if limit <= 0 {
		return nil
	}
	total := parent.Balance + s.offlineOf(parent)
	for _, a := range subs {
		total += a.Balance + s.offlineOf(a)
	}
	if total > limit-amount {
		return ingot.Errorf(ingot.CodeLimitExceeded, "balance limit: the family of wallet %s (it and its %d open sub-wallets) would hold %s %s, above its balance limit of %s",
			ingot.FormatWalletID(parent.ID), len(subs), ingot.FormatAmount(total+amount, cur), cur.Code, ingot.FormatAmount(limit, cur))
	}
	return nil
}

// openSubs lists a parent's sub-wallets that are not closed, as they stand
// in the batch.
func (s *state) openSubs(parent int64) ([]int64, bool) {
	ids, ok := s.subs[parent]
	if !ok {
		return nil, false
	}
	var open []int64
	for _, id := range ids {
		status := s.subStatus[id]
		if a := s.accounts[id]; a != nil {
			status = a.Status
		}
		if status != ingot.StatusClosed {
			open = append(open, id)
		}
	}
	return open, true
}

func walletList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = ingot.FormatWalletID(id)
	}
	return joinAnd(parts)
}

// closeFamily checks the family rules of a close: a parent with open
// sub-wallets stays open; a sub-wallet's balance goes back to its parent
// (an allocation) before it closes. It returns the allocation, if any.
func (s *state) closeFamily(w *ingot.Account) (*ingot.Transfer, error) {
	if w.ParentID == 0 {
		open, ok := s.openSubs(w.ID)
		if !ok {
			return nil, ingot.Errorf(ingot.CodeInternal, "sub-wallets of %s not loaded", ingot.FormatWalletID(w.ID))
		}
		if len(open) > 0 {
			return nil, ingot.Errorf(ingot.CodeWalletNotEmpty, "wallet %s has open sub-wallets (%s); close them first", ingot.FormatWalletID(w.ID), walletList(open))
		}
		return nil, nil
	}
	if w.Held != 0 {
		cur, _ := ingot.LookupCurrency(w.Currency)
		return nil, ingot.Errorf(ingot.CodeWalletNotEmpty, "sub-wallet %s has %s %s on hold; capture or void the holds first", ingot.FormatWalletID(w.ID), ingot.FormatAmount(w.Held, cur), w.Currency)
	}
	if w.Balance == 0 {
		return nil, nil
	}
	parent := s.accounts[w.ParentID]
	if parent == nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "the parent of %s is not locked", ingot.FormatWalletID(w.ID))
	}
	return s.move(ingot.KindAllocate, w, parent, w.Balance, w.Currency, "sub-wallet closed: its balance returns to the parent", "")
}

// isAllocation reports whether a payment is between a wallet and its own
// sub-wallet (either way).
func isAllocation(from, to *ingot.Account) bool {
	return from.OperatorID == to.OperatorID && ((from.ParentID != 0 && from.ParentID == to.ID) || (to.ParentID != 0 && to.ParentID == from.ID))
}
