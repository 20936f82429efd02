package ledger

import (
	"context"
	"maps"
	"slices"
	"sync"

	"golang.org/x/text/language"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Jurisdictions (docs/cross-border.md): a wallet's jurisdiction is its
// operator's country (ingot.Operator.Country, or Options.Country for an
// operator registered without one). A payment between wallets of two
// jurisdictions is cross-border: it follows its currency's cross-border
// rules (checkCrossBorder), and risk rules see each party's country.

// DefaultCountry is the jurisdiction of operators registered without one
// when Options.Country is empty.
const DefaultCountry = "CN"

// ParseCountry checks an ISO 3166-1 alpha-2 country code ("CN", "HK").
func ParseCountry(c string) (string, error) {
	r, err := language.ParseRegion(c)
	if err != nil || len(c) != 2 || !r.IsCountry() || r.String() != c {
		return "", ingot.Errorf(ingot.CodeInvalidRequest, "country must be an ISO 3166-1 alpha-2 code in upper case, like \"CN\" or \"HK\"")
	}
	return c, nil
}

// countries caches operators' countries, which never change once an
// operator is registered: the engine reads each operator's once per
// process, in a batch that needs it.
type countries struct {
	def string
	m   sync.Map // operator id -> country
}

func (c *countries) of(operatorID string) (string, bool) {
	v, ok := c.m.Load(operatorID)
	if !ok {
		return "", false
	}
	return v.(string), true
}

// loadCountries reads the countries of the locked wallets' operators that
// the engine does not know yet.
func (e *Engine) loadCountries(ctx context.Context, tx store.BatchTx, st *state) error {
	var missing []string
	seen := map[string]bool{}
	for _, a := range st.accounts {
		if a.Kind != ingot.AccountWallet || a.OperatorID == "" || seen[a.OperatorID] {
			continue
		}
		seen[a.OperatorID] = true
		if _, ok := e.countries.of(a.OperatorID); !ok {
			missing = append(missing, a.OperatorID)
		}
	}
	if len(missing) > 0 {
		got, err := tx.OperatorCountries(ctx, missing)
		if err != nil {
			return err
		}
		for id, c := range got {
			if c == "" {
				c = e.countries.def
			}
			e.countries.m.Store(id, c)
		}
	}
	st.countries = &e.countries
	first := ""
	for op := range seen {
		c, _ := e.countries.of(op)
		if first == "" {
			first = c
		} else if c != first {
			st.xb.borders = true
			break
		}
	}
	return nil
}

// country is a wallet's jurisdiction ("" when unknown: not a wallet).
func (s *state) country(a *ingot.Account) string {
	if s.countries == nil || a.Kind != ingot.AccountWallet {
		return ""
	}
	c, _ := s.countries.of(a.OperatorID)
	return c
}

// crossBorderState is a batch's cross-border rules and corridor counters
// (crossborder.go in package ingot), read only when the batch's wallets span
// two or more jurisdictions, and the purpose code of the payment being
// applied.
type crossBorderState struct {
	rules    map[string]ingot.CrossBorderRules // by currency: those an issuer set
	counters map[store.CorridorKey]*ingot.CorridorCounter
	touched  map[store.CorridorKey]struct{}
	purpose  string
	borders  bool // the locked wallets span two or more jurisdictions
}

// rulesOf are a currency's cross-border rules: its issuer's, or the
// defaults.
func (x *crossBorderState) rulesOf(currency string) ingot.CrossBorderRules {
	if r, ok := x.rules[currency]; ok {
		return r
	}
	return ingot.DefaultCrossBorderRules(currency)
}

// holderRoot is the wallet a holder's corridor counters belong to: the
// family's parent.
func holderRoot(w *ingot.Account) int64 {
	if w.ParentID != 0 {
		return w.ParentID
	}
	return w.ID
}

// loadCrossBorder reads the cross-border rules of the locked wallets'
// currencies and locks the corridor counters they may need, when the
// wallets span two or more jurisdictions (otherwise no payment of the
// batch crosses a border, and nothing is read). It runs after the accounts
// and their countries, before the bank side: every batch locks counters in
// this one place, in key order.
func loadCrossBorder(ctx context.Context, tx store.BatchTx, st *state) error {
	if !st.xb.borders {
		return nil
	}
	countries, currencies := map[string]bool{}, map[string]struct{}{}
	for _, a := range st.accounts {
		if c := st.country(a); c != "" {
			countries[c] = true
			currencies[a.Currency] = struct{}{}
		}
	}
	rs, err := tx.CrossBorderRulesOf(ctx, sortedKeys(currencies))
	if err != nil {
		return err
	}
	st.xb.rules = make(map[string]ingot.CrossBorderRules, len(rs))
	for _, r := range rs {
		st.xb.rules[r.Currency] = r
	}
	keys := map[store.CorridorKey]struct{}{}
	for _, a := range st.accounts {
		r, ok := st.xb.rules[a.Currency]
		from := st.country(a)
		if !ok || from == "" || !r.LimitsFrom(from) {
			continue
		}
		for _, c := range r.Corridors {
			if c.From == from && countries[c.To] {
				keys[store.CorridorKey{WalletID: holderRoot(a), To: c.To}] = struct{}{}
			}
		}
	}
	if len(keys) == 0 {
		return nil
	}
	sorted := slices.SortedFunc(maps.Keys(keys), store.CompareCorridorKeys)
	cs, err := tx.LockCorridors(ctx, sorted)
	if err != nil {
		return err
	}
	st.xb.counters = make(map[store.CorridorKey]*ingot.CorridorCounter, len(cs))
	st.xb.touched = map[store.CorridorKey]struct{}{}
	for i := range cs {
		st.xb.counters[store.CorridorKey{WalletID: cs[i].WalletID, To: cs[i].To}] = &cs[i]
	}
	return nil
}

// checkCrossBorder is the cross-border rule of a payment of amount between
// wallets (kinds payment and capture; an exchange asks it for its two
// wallets): the payer's currency's issuer may bar the payer's tier, require
// a purpose code, and limit what one holder sends through the corridor in a
// day. It returns the corridor counter the payment counts in (nil: none),
// for countCorridor once the money moved.
func (s *state) checkCrossBorder(kind ingot.TransferKind, debit, credit *ingot.Account, amount int64) (*ingot.CorridorCounter, error) {
	if debit.Kind != ingot.AccountWallet || credit.Kind != ingot.AccountWallet || (kind != ingot.KindPayment && kind != ingot.KindCapture) {
		return nil, nil
	}
	from, to := s.country(debit), s.country(credit)
	if from == "" || to == "" || from == to {
		return nil, nil
	}
	r := s.xb.rulesOf(debit.Currency)
	if err := checkBorderEntry(r, debit, from, to, s.xb.purpose); err != nil {
		return nil, err
	}
	c, ok := r.Corridor(from, to)
	if !ok {
		return nil, nil
	}
	ctr := s.xb.counters[store.CorridorKey{WalletID: holderRoot(debit), To: to}]
	if ctr == nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "the corridor counter of wallet %s to %s is not locked", ingot.FormatWalletID(holderRoot(debit)), to)
	}
	if err := ingot.CheckCorridor(c, ctr.Used(s.day), amount, ingot.MustCurrency(debit.Currency)); err != nil {
		return nil, err
	}
	return ctr, nil
}

// withPurpose runs f, which applies one payment, with the payment's ISO
// 20022 purpose code: the cross-border rules may require one
// (checkCrossBorder), move writes it on the payment's transfer, and a
// payment held for review keeps it for its release (reviews.go).
func (s *state) withPurpose(purpose string, f func() (*ingot.Transfer, error)) (*ingot.Transfer, error) {
	s.xb.purpose = purpose
	defer func() { s.xb.purpose = "" }()
	return f()
}

// checkBorderEntry is the part of a currency's cross-border rules r that
// does not count: whether the payer's tier may pay from one jurisdiction to
// another, and whether the payment must carry a purpose code.
func checkBorderEntry(r ingot.CrossBorderRules, debit *ingot.Account, from, to, purpose string) error {
	if r.Blocks(debit.Tier) {
		return ingot.Errorf(ingot.CodeCrossBorderNotAllowed, "wallet %s (tier %d, %s) may not pay across borders (to %s): the %s issuer bars tiers %v",
			ingot.FormatWalletID(debit.ID), max(debit.Tier, 1), from, to, debit.Currency, r.BlockedTiers)
	}
	if r.PurposeRequired && purpose == "" {
		return ingot.Errorf(ingot.CodePurposeRequired, "a payment in %s from %s to %s needs an ISO 20022 purpose code (purpose), its issuer requires one across borders",
			debit.Currency, from, to)
	}
	return nil
}

// checkFutureBorder checks a payment to come as it is set up (a standing
// order, a conditional payment) against the cross-border rules that do not
// count (checkBorderEntry): one that could never be paid is refused at
// once. The corridor's daily total is checked, and counted, when each
// payment is made.
func (s *state) checkFutureBorder(debit, credit *ingot.Account, purpose string) error {
	from, to := s.country(debit), s.country(credit)
	if from == "" || to == "" || from == to {
		return nil
	}
	return checkBorderEntry(s.xb.rulesOf(debit.Currency), debit, from, to, purpose)
}

// countCorridor adds amount to a holder's corridor total of today.
func (s *state) countCorridor(c *ingot.CorridorCounter, amount int64) {
	if c == nil {
		return
	}
	old := *c
	s.onUndo(func() { *c = old })
	if c.Day != s.day {
		c.Day, c.Total = s.day, 0
	}
	c.Total += amount
	s.xb.touched[store.CorridorKey{WalletID: c.WalletID, To: c.To}] = struct{}{}
}

// writeCorridors adds the batch's changed corridor counters to w.
func (s *state) writeCorridors(w *store.BatchWrite) {
	for _, k := range slices.SortedFunc(maps.Keys(s.xb.touched), store.CompareCorridorKeys) {
		w.Corridors = append(w.Corridors, *s.xb.counters[k])
	}
}
