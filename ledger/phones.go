package ledger

import (
	"context"
	"regexp"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/pii"
)

// Payees as a holder names them on a feature phone (package featurephone):
// a phone number, a wallet id, or a merchant's short code.

// Payee finds the wallet a holder names to pay in a currency: a 16-digit
// wallet id, or a phone number (national or E.164), whose holder's first
// active main wallet in the currency is the payee (at any operator, by
// id). The wallet's holder is opened, for the caller to show masked.
// Nothing found is not_found.
func (s *Service) Payee(ctx context.Context, a ingot.Actor, to, currency string) (ingot.Account, error) {
	if err := requireRole(a, ingot.RoleHolder); err != nil {
		return ingot.Account{}, err
	}
	if len(to) == 16 {
		id, err := ingot.ParseWalletID(to)
		if err != nil {
			return ingot.Account{}, err
		}
		w, err := s.st.Account(ctx, id)
		if isNotFound(err) || (err == nil && (w.Kind != ingot.AccountWallet || w.Currency != currency)) {
			return ingot.Account{}, notFound("wallet " + to + " in " + currency)
		}
		if err != nil {
			return ingot.Account{}, s.unavailable(ctx, err)
		}
		return w, s.Reveal(&w)
	}
	if s.pii == nil {
		return ingot.Account{}, ingot.Errorf(ingot.CodeInternal, "no data key")
	}
	p, err := phoneOf("to", to)
	if err != nil {
		return ingot.Account{}, err
	}
	ws, err := s.st.HolderWallets(ctx, s.pii.LookupHash(pii.KindPhone, p))
	if err != nil {
		return ingot.Account{}, s.unavailable(ctx, err)
	}
	for _, w := range ws {
		if w.Currency == currency && w.Status == ingot.StatusActive && w.ParentID == 0 {
			return w, s.Reveal(&w)
		}
	}
	return ingot.Account{}, notFound("a wallet in " + currency + " of this phone")
}

// shortCodeRe is a merchant's short code: 4 to 8 digits.
var shortCodeRe = regexp.MustCompile(`^[0-9]{4,8}$`)

// MerchantByShortCode finds the merchant a holder names by its short code,
// with its wallet; none is not_found.
func (s *Service) MerchantByShortCode(ctx context.Context, a ingot.Actor, code string) (ingot.Account, ingot.Merchant, error) {
	if err := requireRole(a, ingot.RoleHolder); err != nil {
		return ingot.Account{}, ingot.Merchant{}, err
	}
	if !shortCodeRe.MatchString(code) {
		return ingot.Account{}, ingot.Merchant{}, notFound("merchant " + code)
	}
	m, err := s.st.MerchantByShortCode(ctx, code)
	if isNotFound(err) {
		return ingot.Account{}, ingot.Merchant{}, notFound("merchant " + code)
	}
	if err != nil {
		return ingot.Account{}, ingot.Merchant{}, s.unavailable(ctx, err)
	}
	w, err := s.st.Account(ctx, m.Wallet)
	if err != nil {
		return ingot.Account{}, ingot.Merchant{}, s.unavailable(ctx, err)
	}
	return w, m, nil
}

// PaidBefore answers the payment stored under idem's key, when a payment
// was made under it (with Replayed set), and nil otherwise: a feature
// phone's repeated final callback is answered from it without asking for
// the PIN and an approval again. The same key with another payment is
// idempotency_conflict.
func (s *Service) PaidBefore(ctx context.Context, idem *Idem) (*ingot.Transfer, error) {
	rec, err := s.st.Idempotency(ctx, idem.IdemKey)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return replayed[*ingot.Transfer](&rec, idem)
}
