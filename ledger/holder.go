package ledger

import (
	"context"
	"errors"
	"strconv"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/pii"
)

// Holders' personal data (name, phone, ID number) is sealed with the data
// key before it is stored (pii.Keys.Seal, bound to its column and wallet)
// and opened only to be masked in answers. The phone is also stored as a
// keyed hash of its E.164 form, so that wallets can be found by phone.

// sealHolder seals a new wallet's holder in place and sets its phone hash.
// The phone must be E.164 already.
func (s *Service) sealHolder(a *ingot.Account) error {
	if s.pii == nil {
		return ingot.Errorf(ingot.CodeInternal, "no data key: personal data cannot be stored")
	}
	h := &a.Holder
	h.PhoneHash = s.pii.LookupHash(pii.KindPhone, h.Phone)
	var err error
	if h.Name, err = s.sealPII("holder_name", a.ID, h.Name); err != nil {
		return err
	}
	if h.Phone, err = s.sealPII("holder_phone", a.ID, h.Phone); err != nil {
		return err
	}
	if h.IDNumber != "" && !pii.IsSealed(h.IDNumber) {
		if h.IDNumber, err = s.sealPII("holder_id_number", a.ID, h.IDNumber); err != nil {
			return err
		}
	}
	return nil
}

// Reveal opens a wallet's sealed holder fields in place, for masking in an
// answer. Fields stored before sealing existed are left as they are.
func (s *Service) Reveal(a *ingot.Account) error {
	if a.Kind != ingot.AccountWallet {
		return nil
	}
	for _, f := range []struct {
		column string
		v      *string
	}{{"holder_name", &a.Holder.Name}, {"holder_phone", &a.Holder.Phone}, {"holder_id_number", &a.Holder.IDNumber}, {"label", &a.Label}} {
		if !pii.IsSealed(*f.v) {
			continue
		}
		if s.pii == nil {
			return ingot.Errorf(ingot.CodeInternal, "no data key: personal data cannot be read")
		}
		v, err := s.pii.Open(*f.v, f.column+":"+strconv.FormatInt(a.ID, 10))
		if err != nil {
			// A sealed value that does not open is a wrong data key or a
			// tampered row; never show the sealed text.
			return errors.New("ledger: a holder field does not open with the data key: " + f.column)
		}
		*f.v = v
	}
	return nil
}

// phoneOf normalizes a phone number to E.164 (default region CN).
func phoneOf(field, raw string) (string, error) {
	p, err := pii.NormalizePhone(raw, pii.DefaultRegion)
	if err != nil {
		return "", ingot.Errorf(ingot.CodeInvalidRequest, "%s is not a valid phone number (E.164, or a number of the default region %s)", field, pii.DefaultRegion)
	}
	return p, nil
}

// WalletsByPhone finds the operator's wallets whose holder has a phone
// number, in any spelling NormalizePhone accepts, through its keyed hash.
func (s *Service) WalletsByPhone(ctx context.Context, a ingot.Actor, phone string) ([]ingot.Account, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	if s.pii == nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "no data key")
	}
	p, err := phoneOf("phone", phone)
	if err != nil {
		return nil, err
	}
	ws, err := s.st.AccountsByPhone(ctx, a.OperatorID, s.pii.LookupHash(pii.KindPhone, p))
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return ws, nil
}
