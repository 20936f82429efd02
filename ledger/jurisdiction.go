package ledger

import (
	"context"
	"sync"

	"golang.org/x/text/language"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Jurisdictions (docs/cross-border.md): a wallet's jurisdiction is its
// operator's country (ingot.Operator.Country, or Options.Country for an
// operator registered without one). A payment between wallets of two
// jurisdictions is cross-border: a tier-4 (phone-only) wallet may not send
// one (cross_border_not_allowed), and risk rules see each party's country.

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

// checkCrossBorder is the cross-border rule of a payment between wallets:
// a tier-4 wallet pays in its own jurisdiction only.
func (s *state) checkCrossBorder(kind ingot.TransferKind, debit, credit *ingot.Account) error {
	if debit.Kind != ingot.AccountWallet || credit.Kind != ingot.AccountWallet || (kind != ingot.KindPayment && kind != ingot.KindCapture) {
		return nil
	}
	from, to := s.country(debit), s.country(credit)
	if from == "" || to == "" || from == to {
		return nil
	}
	if debit.Tier == 0 || debit.Tier == ingot.Tier4 {
		return ingot.Errorf(ingot.CodeCrossBorderNotAllowed, "wallet %s (tier 4, %s) may not pay across borders (to %s)", ingot.FormatWalletID(debit.ID), from, to)
	}
	return nil
}
