package ledger

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
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
	oldAccts  []ingot.Account // the journal's old account values
	oldHolds  []ingot.Hold    // the journal's old hold values
	transfers []*ingot.Transfer
	events    []pendingEvent // webhook events (events.go)
	newHolds  []string       // ids of holds created in this batch
	touched   map[int64]struct{}
	touchedH  map[string]struct{}
	bank      *bankState    // bank.go
	sca       scaState      // sca.go
	merch     merchantState // merchant_state.go

	// Sub-wallets (subwallet.go): the sub-wallets of every locked wallet's
	// family parent, and their status as read (the open ones are locked);
	// the accounts opened and the limit rules set in the batch.
	subs        map[int64][]int64
	subStatus   map[int64]ingot.Status
	newAccounts []int64
	newRules    []ingot.LimitRule

	// Risk (risk.go): the batch's risk context (nil when it makes no
	// payment), the channel of the command being applied, and the rules
	// whose evaluation failed.
	risk       *riskState
	reviews    map[string]*risk.Review // locked (reviews.go)
	reviewed   bool                    // a reviewer's release is being applied: the rules are not asked
	cond       condState               // conditional payments (conditional.go)
	fxq        fxState                 // FX quotes (fx.go)
	countries  *countries              // operators' jurisdictions (jurisdiction.go)
	xb         crossBorderState        // cross-border rules and corridors (jurisdiction.go)
	vouch      voucherState            // vouchers (voucher_state.go)
	so         standingState           // standing orders (standing.go)
	off        offlineState            // offline purses (offline_state.go)
	of         consentState            // open finance's consents (consent_state.go)
	actor      ingot.Actor             // who sent the command being applied
	channel    string
	riskErrors []risk.RuleError
	spending   map[int64]struct{} // wallets whose spending rule was set or removed (spending.go)
}

// undoEntry is one change in the journal. The old values of accounts and
// holds live in oldAccts and oldHolds (at old), so that an entry stays small:
// a batch of thousands of payments journals tens of thousands of entries.
type undoEntry struct {
	acct    *ingot.Account
	hold    *ingot.Hold
	old     int    // index of the old value in oldAccts or oldHolds
	newHold string // a hold created in this batch: delete on undo
	fn      func() // undoes a change of bank.go
}

type mark struct{ journal, oldAccts, oldHolds, transfers, newHolds, events int }

// setNow sets the batch's time (and its day and year in zone).
func (s *state) setNow(now time.Time, zone *time.Location) {
	s.now = now
	s.day, s.year = ingot.Period(now, zone)
}

// journals keeps the journal's backing arrays from one batch to the next
// (*journalBufs): a batch of thousands of payments journals megabytes, and
// fresh memory costs page faults and zeroing on every batch.
var journals sync.Pool

type journalBufs struct {
	journal  []undoEntry
	oldAccts []ingot.Account
	oldHolds []ingot.Hold
}

// releaseJournal gives the journal's arrays back for a later batch, cleared
// of what they point to. The state cannot be undone afterwards.
func (s *state) releaseJournal() {
	clear(s.journal)
	clear(s.oldAccts)
	clear(s.oldHolds)
	journals.Put(&journalBufs{s.journal[:0], s.oldAccts[:0], s.oldHolds[:0]})
	s.journal, s.oldAccts, s.oldHolds = nil, nil, nil
}

func newState(now time.Time, zone *time.Location) *state {
	day, year := ingot.Period(now, zone)
	var j journalBufs
	if b, ok := journals.Get().(*journalBufs); ok {
		j = *b
	}
	return &state{
		journal:  j.journal,
		oldAccts: j.oldAccts,
		oldHolds: j.oldHolds,
		now:      now,
		day:      day,
		year:     year,
		limits:   newLimitTable(nil),
		accounts: map[int64]*ingot.Account{},
		holds:    map[string]*ingot.Hold{},
		reviews:  map[string]*risk.Review{},
		touched:  map[int64]struct{}{},
		touchedH: map[string]struct{}{},
		merch:    newMerchantState(),
		sca: scaState{counters: map[store.ExemptionKey]*ingot.ExemptionCounter{}, authorizations: map[string]*ingot.Authorization{},
			touchedCounters: map[store.ExemptionKey]struct{}{}, touchedAuth: map[string]struct{}{}},
	}
}

func (s *state) mark() mark {
	return mark{len(s.journal), len(s.oldAccts), len(s.oldHolds), len(s.transfers), len(s.newHolds), len(s.events)}
}

func (s *state) undo(m mark) {
	for i := len(s.journal) - 1; i >= m.journal; i-- {
		j := s.journal[i]
		switch {
		case j.fn != nil:
			j.fn()
		case j.acct != nil:
			*j.acct = s.oldAccts[j.old]
		case j.newHold != "":
			delete(s.holds, j.newHold)
		case j.hold != nil:
			*j.hold = s.oldHolds[j.old]
		}
	}
	s.journal = s.journal[:m.journal]
	s.oldAccts = s.oldAccts[:m.oldAccts]
	s.oldHolds = s.oldHolds[:m.oldHolds]
	s.transfers = s.transfers[:m.transfers]
	s.newHolds = s.newHolds[:m.newHolds]
	s.events = s.events[:m.events]
}

// save journals an account before it changes.
func (s *state) save(a *ingot.Account) {
	s.journal = append(s.journal, undoEntry{acct: a, old: len(s.oldAccts)})
	s.oldAccts = append(s.oldAccts, *a)
	s.touched[a.ID] = struct{}{}
}

func (s *state) saveHold(h *ingot.Hold) {
	s.journal = append(s.journal, undoEntry{hold: h, old: len(s.oldHolds)})
	s.oldHolds = append(s.oldHolds, *h)
	s.touchedH[h.ID] = struct{}{}
}

// onUndo journals a function that undoes a change (of the bank side, of
// sub-wallets opened and limit rules set in the batch).
func (s *state) onUndo(fn func()) { s.journal = append(s.journal, undoEntry{fn: fn}) }

// addHold records a hold created in the batch.
func (s *state) addHold(h *ingot.Hold) {
	s.holds[h.ID] = h
	s.newHolds = append(s.newHolds, h.ID)
	s.journal = append(s.journal, undoEntry{newHold: h.ID})
	s.touchedH[h.ID] = struct{}{}
}

// write collects the batch's net effects, bank side included.
func (s *state) write() *store.BatchWrite {
	w := &store.BatchWrite{Transfers: make([]ingot.Transfer, len(s.transfers)), Risk: s.writeRisk()} // risk.go, first: it changes accounts
	w.Conditional = s.writeConditional()                                                             // conditional.go
	w.Spending = s.writeSpending()                                                                   // spending.go
	w.Standing = s.writeStanding()                                                                   // standing.go
	w.FXQuotes = s.writeFXQuotes()                                                                   // fx.go
	w.Consents = s.writeConsents()                                                                   // consent_state.go
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
	s.writeBank(w)      // bank.go
	s.writeSCA(w)       // sca.go
	s.writeCorridors(w) // jurisdiction.go
	s.writeMerchant(w)  // merchant_state.go
	s.writeVouchers(w)  // voucher_state.go
	s.writeOffline(w)   // offline_state.go
	return w
}

func notFound(what string) *ingot.Error {
	return ingot.Errorf(ingot.CodeNotFound, "%s not found", what)
}

// ownWallet returns a wallet the actor owns: one of its operator's, or a
// holder's own. Any other wallet does not exist for the actor.
func (s *state) ownWallet(id int64, a ingot.Actor) (*ingot.Account, error) {
	acc := s.accounts[id]
	if !a.Owns(acc) {
		return nil, notFound("wallet " + ingot.FormatWalletID(id))
	}
	return acc, nil
}

// anyWallet returns a wallet at any operator (a payee).
func (s *state) anyWallet(id int64) (*ingot.Account, error) {
	acc := s.accounts[id]
	if acc == nil || acc.Kind != ingot.AccountWallet {
		return nil, notFound("wallet " + ingot.FormatWalletID(id))
	}
	return acc, nil
}

// canSend is the status rule of every transfer: a frozen wallet neither
// sends nor receives, a closed one does nothing.
func canSend(a *ingot.Account) error {
	switch a.Status {
	case ingot.StatusFrozen:
		return ingot.Errorf(ingot.CodeWalletFrozen, "wallet %s is frozen", ingot.FormatWalletID(a.ID))
	case ingot.StatusClosed:
		return ingot.Errorf(ingot.CodeWalletClosed, "wallet %s is closed", ingot.FormatWalletID(a.ID))
	}
	return nil
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

// sortedKeys are a set's keys in ascending order: the order locks are
// taken in.
func sortedKeys[K cmp.Ordered](m map[K]struct{}) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// notClosed refuses to change a closed wallet.
func notClosed(w *ingot.Account) error {
	if w.Status == ingot.StatusClosed {
		return ingot.Errorf(ingot.CodeWalletClosed, "wallet %s is closed", ingot.FormatWalletID(w.ID))
	}
	return nil
}

// WalletView is a wallet as a command left it, with its effective limits.
type WalletView struct {
	Account ingot.Account
	Limits  WalletLimits
}

// walletView is the result of a command that changed or opened a wallet.
func (s *state) walletView(w *ingot.Account) *WalletView {
	return &WalletView{Account: *w, Limits: *s.limits.view(w, s.day, s.year)}
}

func sortExemptionKeys(keys []store.ExemptionKey) {
	slices.SortFunc(keys, func(x, y store.ExemptionKey) int {
		return cmp.Or(cmp.Compare(x.HolderID, y.HolderID), cmp.Compare(x.Currency, y.Currency))
	})
}
