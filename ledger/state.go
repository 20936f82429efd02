package ledger

import (
	"math"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// state is a batch's in-memory view of the accounts and holds it locked. The
// rules of the ledger are checked here, one command at a time; every change
// is journaled so that a rejected command (or a failed atomic batch) is
// undone exactly.
type state struct {
	now       time.Time
	day, year int32 // the period of daily and yearly limits
	limits    *limitTable
	front     *logFrontier // the log's frontier after this batch, if it appended
	accounts  map[int64]*ingot.Account
	holds     map[string]*ingot.Hold

	journal   []undoEntry
	transfers []*ingot.Transfer
	newHolds  []string // ids of holds created in this batch
	touched   map[int64]struct{}
	touchedH  map[string]struct{}
	bank      *bankState // bank.go

	// Sub-wallets (subwallet.go): the sub-wallets of every locked wallet's
	// family parent, and their status as read (the open ones are locked);
	// the accounts opened and the limit rules set in the batch.
	subs        map[int64][]int64
	subStatus   map[int64]ingot.Status
	newAccounts []int64
	newRules    []ingot.LimitRule
}

type undoEntry struct {
	acct    *ingot.Account
	oldAcct ingot.Account
	hold    *ingot.Hold
	oldHold ingot.Hold
	newHold string // a hold created in this batch: delete on undo
	fn      func() // undoes a change of bank.go
}

type mark struct{ journal, transfers, newHolds int }

func newState(now time.Time, zone *time.Location) *state {
	day, year := ingot.Period(now, zone)
	return &state{
		now:      now,
		day:      day,
		year:     year,
		limits:   newLimitTable(nil),
		accounts: map[int64]*ingot.Account{},
		holds:    map[string]*ingot.Hold{},
		touched:  map[int64]struct{}{},
		touchedH: map[string]struct{}{},
	}
}

func (s *state) mark() mark { return mark{len(s.journal), len(s.transfers), len(s.newHolds)} }

func (s *state) undo(m mark) {
	for i := len(s.journal) - 1; i >= m.journal; i-- {
		j := s.journal[i]
		switch {
		case j.fn != nil:
			j.fn()
		case j.acct != nil:
			*j.acct = j.oldAcct
		case j.newHold != "":
			delete(s.holds, j.newHold)
		case j.hold != nil:
			*j.hold = j.oldHold
		}
	}
	s.journal = s.journal[:m.journal]
	s.transfers = s.transfers[:m.transfers]
	s.newHolds = s.newHolds[:m.newHolds]
}

// save journals an account before it changes.
func (s *state) save(a *ingot.Account) {
	s.journal = append(s.journal, undoEntry{acct: a, oldAcct: *a})
	s.touched[a.ID] = struct{}{}
}

func (s *state) saveHold(h *ingot.Hold) {
	s.journal = append(s.journal, undoEntry{hold: h, oldHold: *h})
	s.touchedH[h.ID] = struct{}{}
}

// write collects the batch's net effects.
func (s *state) write() *store.BatchWrite {
	w := &store.BatchWrite{Transfers: make([]ingot.Transfer, len(s.transfers))}
	for i, t := range s.transfers {
		w.Transfers[i] = *t
	}
	ids := make([]int64, 0, len(s.touched))
	for id := range s.touched {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		w.Accounts = append(w.Accounts, *s.accounts[id])
	}
	for _, id := range s.newAccounts {
		w.NewAccounts = append(w.NewAccounts, *s.accounts[id])
	}
	w.LimitRules = append(w.LimitRules, s.newRules...)
	created := map[string]bool{}
	for _, id := range s.newHolds {
		created[id] = true
		w.NewHolds = append(w.NewHolds, *s.holds[id])
	}
	hids := make([]string, 0, len(s.touchedH))
	for id := range s.touchedH {
		if _, ok := s.holds[id]; ok && !created[id] {
			hids = append(hids, id)
		}
	}
	slices.Sort(hids)
	for _, id := range hids {
		w.UpdatedHolds = append(w.UpdatedHolds, *s.holds[id])
	}
	return w
}

func notFound(what string) *ingot.Error {
	return ingot.Errorf(ingot.CodeNotFound, "%s not found", what)
}

// wallet returns a wallet account the actor's operator owns. Another
// operator's wallet does not exist for the actor.
func (s *state) ownWallet(id int64, a Actor) (*ingot.Account, *ingot.Error) {
	acc := s.accounts[id]
	if acc == nil || acc.Kind != ingot.AccountWallet || acc.OperatorID != a.OperatorID || a.OperatorID == "" {
		return nil, notFound("wallet " + ingot.FormatWalletID(id))
	}
	return acc, nil
}

// anyWallet returns a wallet at any operator (a payee).
func (s *state) anyWallet(id int64) (*ingot.Account, *ingot.Error) {
	acc := s.accounts[id]
	if acc == nil || acc.Kind != ingot.AccountWallet {
		return nil, notFound("wallet " + ingot.FormatWalletID(id))
	}
	return acc, nil
}

func canSend(a *ingot.Account) *ingot.Error {
	switch a.Status {
	case ingot.StatusFrozen:
		return ingot.Errorf(ingot.CodeWalletFrozen, "wallet %s is frozen", ingot.FormatWalletID(a.ID))
	case ingot.StatusClosed:
		return ingot.Errorf(ingot.CodeWalletClosed, "wallet %s is closed", ingot.FormatWalletID(a.ID))
	}
	return nil
}

func (s *state) apply(c *Command) (*Result, error) {
	switch c.Op {
	case OpMint, OpBurn:
		if c.Actor.Role != ingot.RoleCentralBank {
			return nil, ingot.Errorf(ingot.CodeForbidden, "only the central bank issues and redeems")
		}
		kind := ingot.KindMint
		if c.Op == OpBurn {
			kind = ingot.KindBurn
		}
		t, err := s.move(kind, s.accounts[c.Debit], s.accounts[c.Credit], c.Amount, c.Currency, c.Memo, "")
		if err != nil {
			return nil, err
		}
		return &Result{Transfer: t}, nil
	case OpTopUp, OpWithdraw:
		wid, kind := c.Credit, ingot.KindTopUp
		if c.Op == OpWithdraw {
			wid, kind = c.Debit, ingot.KindWithdraw
		}
		if _, err := s.ownWallet(wid, c.Actor); err != nil {
			return nil, err
		}
		reserve := s.accounts[c.Debit+c.Credit-wid]
		if reserve == nil || reserve.Kind != ingot.AccountReserve || reserve.OperatorID != c.Actor.OperatorID {
			return nil, notFound("reserve account")
		}
		t, err := s.move(kind, s.accounts[c.Debit], s.accounts[c.Credit], c.Amount, c.Currency, c.Memo, "")
		if err != nil {
			return nil, err
		}
		return &Result{Transfer: t}, nil
	case OpPay:
		t, err := s.pay(c.Actor, Item{From: c.Debit, To: c.Credit, Amount: c.Amount, Currency: c.Currency, Memo: c.Memo})
		if err != nil {
			return nil, err
		}
		return &Result{Transfer: t}, nil
	case OpBatch:
		return s.batch(c), nil
	case OpHold:
		return s.hold(c)
	case OpCapture:
		return s.capture(c)
	case OpVoid:
		h, err := s.pendingHold(c.HoldID, c.Actor)
		if err != nil {
			return nil, err
		}
		s.release(h, ingot.HoldVoided)
		return &Result{Hold: h}, nil
	case OpExpire:
		var n int
		for _, id := range c.HoldIDs {
			h := s.holds[id]
			if h == nil || h.Status != ingot.HoldPending || h.ExpiresAt.After(s.now) {
				continue
			}
			s.release(h, ingot.HoldExpired)
			n++
		}
		return &Result{}, nil
	case OpFreeze, OpUnfreeze, OpClose:
		return s.setStatus(c)
	case OpUpgrade:
		return s.upgrade(c)
	case OpSettings:
		return s.settings(c)
	case OpOpenSub:
		return s.openSub(c) // subwallet.go
	case OpLinkBank, OpUnlinkBank, OpBankWithdraw, OpBankSettle:
		return s.applyBank(c) // bank.go
	}
	return nil, ingot.Errorf(ingot.CodeInternal, "unknown command %d", c.Op)
}

// move is the one place where balances change: Amount from debit to credit,
// with every rule that holds for all transfers. Only the issuance account may
// go negative.
func (s *state) move(kind ingot.TransferKind, debit, credit *ingot.Account, amount int64, currency, memo, holdID string) (*ingot.Transfer, *ingot.Error) {
	if debit == nil || credit == nil {
		return nil, notFound("account")
	}
	if amount <= 0 || amount > ingot.MaxAmount {
		return nil, ingot.Errorf(ingot.CodeInvalidAmount, "amount must be between 1 and %d minor units", ingot.MaxAmount)
	}
	if debit.ID == credit.ID {
		return nil, ingot.Errorf(ingot.CodeSameAccount, "payer and payee are the same account")
	}
	if debit.Currency != currency || credit.Currency != currency {
		return nil, ingot.Errorf(ingot.CodeCurrencyMismatch, "the transfer is in %s but the accounts are in %s and %s", currency, debit.Currency, credit.Currency)
	}
	if err := canSend(debit); err != nil {
		return nil, err
	}
	if err := canSend(credit); err != nil {
		return nil, err
	}
	if debit.Kind == ingot.AccountIssuance {
		if debit.Balance < math.MinInt64+amount {
			return nil, ingot.Errorf(ingot.CodeBalanceOverflow, "issuance would overflow")
		}
	} else if debit.Available() < amount {
		cur, _ := ingot.LookupCurrency(currency)
		return nil, ingot.Errorf(ingot.CodeInsufficientFunds, "available balance %s %s is less than %s", ingot.FormatAmount(debit.Available(), cur), currency, ingot.FormatAmount(amount, cur))
	}
	if credit.Balance > math.MaxInt64-amount {
		return nil, ingot.Errorf(ingot.CodeBalanceOverflow, "the payee's balance would overflow")
	}
	cur, _ := ingot.LookupCurrency(currency)
	var excess int64 // the waterfall: swept on to the bank below (bank.go)
	if credit.Kind == ingot.AccountWallet && kind != ingot.KindRefund && kind != ingot.KindAllocate {
		// A family is one holder for its tier's balance cap (subwallet.go).
		if err := s.checkFamilyBalance(debit, credit, amount, cur); err != nil {
			return nil, err
		}
	}
	if credit.Kind == ingot.AccountWallet && kind != ingot.KindRefund {
		if limit, name := s.limits.balanceCap(credit); limit > 0 && credit.Balance+amount > limit {
			if kind != ingot.KindAllocate && s.canSweep(credit) {
				excess = credit.Balance + amount - limit
			} else {
				return nil, ingot.Errorf(ingot.CodeLimitExceeded, "%s: wallet %s would hold %s %s, above its %s of %s",
					name, ingot.FormatWalletID(credit.ID), ingot.FormatAmount(credit.Balance+amount, cur), currency, name, ingot.FormatAmount(limit, cur))
			}
		}
	}
	outflow := debit.Kind == ingot.AccountWallet && (kind == ingot.KindPayment || kind == ingot.KindCapture)
	var parent *ingot.Account // a paying sub-wallet's parent: its outflow counts too
	if outflow {
		if err := ingot.CheckOutflow(s.limits.For(debit), debit.Outflow, amount, s.day, s.year, cur); err != nil {
			return nil, err.(*ingot.Error)
		}
		if debit.ParentID != 0 {
			// A family is one holder for its tier's outflow limits: a
			// sub-wallet's payment is its parent's outflow too.
			if parent = s.accounts[debit.ParentID]; parent == nil {
				return nil, ingot.Errorf(ingot.CodeInternal, "the parent of %s is not locked", ingot.FormatWalletID(debit.ID))
			}
			if err := ingot.CheckOutflow(s.limits.For(parent), parent.Outflow, amount, s.day, s.year, cur); err != nil {
				e := err.(*ingot.Error)
				return nil, ingot.Errorf(e.Code, "%s (the limits of wallet %s and its sub-wallets together)", e.Detail, ingot.FormatWalletID(parent.ID))
			}
		}
	}
	s.save(debit)
	s.save(credit)
	debit.Balance -= amount
	credit.Balance += amount
	if outflow {
		debit.Outflow = debit.Outflow.Add(amount, s.day, s.year)
		if parent != nil {
			s.save(parent)
			parent.Outflow = parent.Outflow.Add(amount, s.day, s.year)
		}
	}
	t := &ingot.Transfer{
		ID:            uuid.Must(uuid.NewV7()).String(),
		Kind:          kind,
		Debit:         debit.ID,
		Credit:        credit.ID,
		Amount:        amount,
		Currency:      currency,
		Memo:          memo,
		HoldID:        holdID,
		DebitBalance:  debit.Balance,
		CreditBalance: credit.Balance,
		CreatedAt:     s.now,
		LogIndex:      -1,
	}
	s.transfers = append(s.transfers, t)
	if excess > 0 {
		if err := s.sweep(credit, excess); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// pay is a wallet-to-wallet payment: the payer's operator sends it; the
// payee may be at any operator.
func (s *state) pay(a Actor, it Item) (*ingot.Transfer, *ingot.Error) {
	from, err := s.ownWallet(it.From, a)
	if err != nil {
		return nil, err
	}
	to, err := s.anyWallet(it.To)
	if err != nil {
		return nil, err
	}
	kind := ingot.KindPayment
	if isAllocation(from, to) {
		kind = ingot.KindAllocate // subwallet.go: not outflow
	}
	return s.move(kind, from, to, it.Amount, it.Currency, it.Memo, "")
}

func (s *state) batch(c *Command) *Result {
	res := &Result{Items: make([]ItemResult, len(c.Items))}
	start := s.mark()
	failed := -1
	for i, it := range c.Items {
		m := s.mark()
		t, err := s.pay(c.Actor, it)
		if err != nil {
			s.undo(m)
			res.Items[i].Err = err
			if c.Atomic {
				failed = i
				break
			}
			continue
		}
		res.Items[i].Transfer = t
	}
	if failed >= 0 {
		s.undo(start)
		for i := range res.Items {
			if i == failed {
				continue
			}
			res.Items[i] = ItemResult{Err: ingot.Errorf(ingot.CodeLinkedFailed, "not applied: transfers[%d] of this atomic batch failed", failed)}
		}
	}
	return res
}

func (s *state) hold(c *Command) (*Result, error) {
	w, err := s.ownWallet(c.Wallet, c.Actor)
	if err != nil {
		return nil, err
	}
	if err := canSend(w); err != nil {
		return nil, err
	}
	if c.Currency != "" && c.Currency != w.Currency {
		return nil, ingot.Errorf(ingot.CodeCurrencyMismatch, "the wallet is in %s", w.Currency)
	}
	if c.Amount <= 0 || c.Amount > ingot.MaxAmount {
		return nil, ingot.Errorf(ingot.CodeInvalidAmount, "amount must be positive")
	}
	if !c.ExpiresAt.After(s.now) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "expires_at must be in the future")
	}
	if w.Available() < c.Amount {
		cur, _ := ingot.LookupCurrency(w.Currency)
		return nil, ingot.Errorf(ingot.CodeInsufficientFunds, "available balance %s %s is less than %s", ingot.FormatAmount(w.Available(), cur), w.Currency, ingot.FormatAmount(c.Amount, cur))
	}
	s.save(w)
	w.Held += c.Amount
	h := &ingot.Hold{
		ID: uuid.Must(uuid.NewV7()).String(), Wallet: w.ID, OperatorID: w.OperatorID,
		Amount: c.Amount, Currency: w.Currency, Status: ingot.HoldPending,
		ExpiresAt: c.ExpiresAt.UTC().Truncate(time.Microsecond), CreatedAt: s.now, UpdatedAt: s.now,
	}
	s.holds[h.ID] = h
	s.newHolds = append(s.newHolds, h.ID)
	s.journal = append(s.journal, undoEntry{newHold: h.ID})
	s.touchedH[h.ID] = struct{}{}
	hc := *h
	return &Result{Hold: &hc}, nil
}

func (s *state) pendingHold(id string, a Actor) (*ingot.Hold, *ingot.Error) {
	h := s.holds[id]
	if h == nil || h.OperatorID != a.OperatorID || a.OperatorID == "" {
		return nil, notFound("hold " + id)
	}
	if h.Status != ingot.HoldPending {
		return nil, ingot.Errorf(ingot.CodeHoldNotPending, "hold %s is %s", id, h.Status)
	}
	return h, nil
}

// release ends a pending hold without moving money.
func (s *state) release(h *ingot.Hold, status ingot.HoldStatus) {
	w := s.accounts[h.Wallet]
	s.save(w)
	w.Held -= h.Amount
	s.saveHold(h)
	h.Status = status
	h.UpdatedAt = s.now
}

func (s *state) capture(c *Command) (*Result, error) {
	h, err := s.pendingHold(c.HoldID, c.Actor)
	if err != nil {
		return nil, err
	}
	if !h.ExpiresAt.After(s.now) {
		return nil, ingot.Errorf(ingot.CodeHoldExpired, "hold %s expired at %s", h.ID, h.ExpiresAt.Format(time.RFC3339))
	}
	amount := c.Amount
	if amount == 0 {
		amount = h.Amount
	}
	if amount > h.Amount {
		cur, _ := ingot.LookupCurrency(h.Currency)
		return nil, ingot.Errorf(ingot.CodeAmountExceedsHold, "capture of %s is more than the held %s", ingot.FormatAmount(amount, cur), ingot.FormatAmount(h.Amount, cur))
	}
	to, err := s.anyWallet(c.Credit)
	if err != nil {
		return nil, err
	}
	from := s.accounts[h.Wallet]
	s.release(h, ingot.HoldCaptured)
	t, err := s.move(ingot.KindCapture, from, to, amount, h.Currency, c.Memo, h.ID)
	if err != nil {
		return nil, err
	}
	h.Captured = amount
	h.TransferID = t.ID
	hc := *h
	return &Result{Transfer: t, Hold: &hc}, nil
}

func (s *state) setStatus(c *Command) (*Result, error) {
	w, err := s.ownWallet(c.Wallet, c.Actor)
	if err != nil {
		return nil, err
	}
	if w.Status == ingot.StatusClosed {
		return nil, ingot.Errorf(ingot.CodeWalletClosed, "wallet %s is closed", ingot.FormatWalletID(w.ID))
	}
	next := w.Status
	var moved *ingot.Transfer // a sub-wallet's balance, back to its parent
	switch c.Op {
	case OpFreeze:
		next = ingot.StatusFrozen
	case OpUnfreeze:
		next = ingot.StatusActive
	case OpClose:
		if w.Kind == ingot.AccountWallet {
			t, err := s.closeFamily(w) // subwallet.go
			if err != nil {
				return nil, err
			}
			moved = t
		}
		if w.Balance != 0 || w.Held != 0 {
			cur, _ := ingot.LookupCurrency(w.Currency)
			return nil, ingot.Errorf(ingot.CodeWalletNotEmpty, "wallet %s holds %s %s (%s on hold); withdraw or pay it out first", ingot.FormatWalletID(w.ID), ingot.FormatAmount(w.Balance, cur), w.Currency, ingot.FormatAmount(w.Held, cur))
		}
		next = ingot.StatusClosed
	}
	if next != w.Status {
		s.save(w)
		w.Status = next
	}
	ac := *w
	return &Result{Account: &ac, Transfer: moved}, nil
}

func sortedInts(m map[int64]struct{}) []int64 {
	out := make([]int64, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func sortedStrings(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// upgrade moves a wallet to another tier: up when the evidence for it is
// present (what the wallet has plus what the operator vouches for now), down
// when the balance fits the lower tier's balance limit.
func (s *state) upgrade(c *Command) (*Result, error) {
	w, err := s.ownWallet(c.Wallet, c.Actor)
	if err != nil {
		return nil, err
	}
	if w.Status == ingot.StatusClosed {
		return nil, ingot.Errorf(ingot.CodeWalletClosed, "wallet %s is closed", ingot.FormatWalletID(w.ID))
	}
	if !c.Tier.Valid() {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "tier must be 1, 2, 3 or 4")
	}
	if w.ParentID != 0 {
		p := s.accounts[w.ParentID]
		if p == nil {
			return nil, ingot.Errorf(ingot.CodeInternal, "the parent of %s is not locked", ingot.FormatWalletID(w.ID))
		}
		if c.Tier < walletTier(p) {
			return nil, ingot.Errorf(ingot.CodeTierRequirements, "tier %d needs a parent wallet of tier %d or better: sub-wallet %s is at most its parent's tier %d",
				c.Tier, c.Tier, ingot.FormatWalletID(w.ID), walletTier(p))
		}
	}
	ev := w.Evidence
	ev.IDVerified = ev.IDVerified || c.Evidence.IDVerified
	ev.InPerson = ev.InPerson || c.Evidence.InPerson
	idNumber := w.Holder.IDNumber
	if c.IDNumber != "" {
		idNumber = c.IDNumber
	}
	if c.Tier < walletTier(w) {
		missing := ev.Missing(c.Tier)
		if ev.IDVerified && idNumber == "" && c.Tier <= ingot.Tier3 {
			missing = append([]string{"the identity document's number (id_number)"}, missing...)
		}
		if len(missing) > 0 {
			return nil, ingot.Errorf(ingot.CodeTierRequirements, "tier %d needs %s", c.Tier, joinAnd(missing))
		}
	}
	next := *w
	next.Tier = c.Tier
	if limit := s.limits.For(&next).Balance; limit > 0 {
		if w.Balance > limit {
			cur, _ := ingot.LookupCurrency(w.Currency)
			return nil, ingot.Errorf(ingot.CodeLimitExceeded, "balance limit: the balance %s %s is above tier %d's balance limit of %s",
				ingot.FormatAmount(w.Balance, cur), w.Currency, c.Tier, ingot.FormatAmount(limit, cur))
		}
	}
	s.save(w)
	w.Tier, w.Evidence, w.Holder.IDNumber = c.Tier, ev, idNumber
	if limit := s.limits.For(w).Balance; limit > 0 && w.HoldingLimit > limit {
		w.HoldingLimit = limit // a holding limit never exceeds the tier's cap
	}
	ac := *w
	return &Result{Account: &ac}, nil
}

// settings changes the holder's holding limit and reverse waterfall.
func (s *state) settings(c *Command) (*Result, error) {
	w, err := s.ownWallet(c.Wallet, c.Actor)
	if err != nil {
		return nil, err
	}
	if w.Status == ingot.StatusClosed {
		return nil, ingot.Errorf(ingot.CodeWalletClosed, "wallet %s is closed", ingot.FormatWalletID(w.ID))
	}
	if c.HoldingLimit != nil {
		h := *c.HoldingLimit
		if h < 0 {
			return nil, ingot.Errorf(ingot.CodeInvalidAmount, "holding_limit must not be negative")
		}
		if limit := s.limits.For(w).Balance; limit > 0 && h > limit {
			cur, _ := ingot.LookupCurrency(w.Currency)
			return nil, ingot.Errorf(ingot.CodeLimitExceeded, "balance limit: a holding limit of %s is above the tier's balance limit of %s",
				ingot.FormatAmount(h, cur), ingot.FormatAmount(limit, cur))
		}
	}
	s.save(w)
	if c.HoldingLimit != nil {
		w.HoldingLimit = *c.HoldingLimit
	}
	if c.ReverseWaterfall != nil {
		w.ReverseWaterfall = *c.ReverseWaterfall
	}
	ac := *w
	return &Result{Account: &ac}, nil
}

func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	out := ""
	for i, p := range parts {
		switch {
		case i == 0:
			out = p
		case i == len(parts)-1:
			out += " and " + p
		default:
			out += ", " + p
		}
	}
	return out
}
