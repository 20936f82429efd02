package auth

import (
	"context"

	"github.com/ingot-cbdc/ingot"
)

// Feature phones (package featurephone: USSD and SMS). The caller is the
// operator's USSD or SMS gateway, which the server trusts (a shared
// secret): the phone number it sends is the SIM the session runs on. The
// SIM is then the possession factor, and the PIN typed in the session the
// knowledge factor: a payment with both is approved (strong customer
// authentication, two independent factors), bound to its payer, payee,
// amount and currency like every approval. The PIN is the holder's one
// PIN, with the sign-in's lock-out: a wrong one counts against the phone,
// five lock it for 15 minutes on every channel.

// PhoneHolder is the holder of a gateway's phone: its E.164 phone, its
// wallets, and the holder (ID "" when no holder has chosen a PIN yet).
type PhoneHolder struct {
	Phone   string
	Wallets []ingot.Account
	Holder  Holder
}

// Actor is the holder as the ledger knows a signed-in one.
func (p *PhoneHolder) Actor() ingot.Actor {
	return ingot.Actor{KeyID: "holder:" + p.Holder.ID, Role: ingot.RoleHolder, HolderID: p.Holder.ID, PhoneHash: p.Holder.PhoneHash}
}

// Registered reports whether the phone's holder has a PIN.
func (p *PhoneHolder) Registered() bool { return p.Holder.ID != "" }

// HolderOfPhone finds the holder and wallets of a phone a gateway vouches
// for. A phone that is no valid number is invalid_request.
func (s *Service) HolderOfPhone(ctx context.Context, rawPhone string) (*PhoneHolder, error) {
	phone, ph, err := s.phone(rawPhone)
	if err != nil {
		return nil, err
	}
	ws, err := s.st.HolderWallets(ctx, ph)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	p := &PhoneHolder{Phone: phone, Wallets: ws}
	h, err := s.st.HolderByPhone(ctx, ph)
	switch {
	case err == nil:
		p.Holder = h
	case isNotFound(err):
		p.Holder.PhoneHash = ph
	default:
		return nil, s.unavailable(ctx, err)
	}
	return p, nil
}

// RegisterPhone gives a phone that has wallets and no holder its holder,
// with a PIN chosen on the phone: the gateway's SIM stands for the SMS code
// of an enrolment (POST /v1/auth/enroll). channel names the gateway in the
// security event ("ussd").
func (s *Service) RegisterPhone(ctx context.Context, p *PhoneHolder, pin, channel string, cl Client) error {
	if len(p.Wallets) == 0 {
		return ingot.Errorf(ingot.CodeNotFound, "no wallet has this phone")
	}
	if err := s.checkLock(ctx, p.Holder.PhoneHash); err != nil {
		return err
	}
	if err := CheckPIN(pin); err != nil {
		return err
	}
	hash, err := HashPIN(pin)
	if err != nil {
		return err
	}
	now := s.now()
	h := Holder{ID: newID(), PhoneHash: p.Holder.PhoneHash, PINHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := s.st.CreateHolder(ctx, h); isConflict(err) {
		return ingot.Errorf(ingot.CodeConflict, "this phone has a PIN already")
	} else if err != nil {
		return s.unavailable(ctx, err)
	}
	p.Holder = h
	s.holderEvent(ctx, EventSigninSucceeded, h, p.Wallets, p.Phone, "enrolled: "+channel, cl)
	return nil
}

// SetLanguage remembers a holder's menu language, and the USSD session
// it was chosen on the first screen of ("" none).
func (s *Service) SetLanguage(ctx context.Context, p *PhoneHolder, language, session string) error {
	if err := s.st.SetLanguage(ctx, p.Holder.ID, language, session, s.now()); err != nil {
		return s.unavailable(ctx, err)
	}
	p.Holder.Language, p.Holder.LanguageSession = language, session
	return nil
}

// checkPhonePIN checks a PIN typed on the holder's phone: refused while
// the phone is locked out; a wrong one counts as a failed sign-in (and may
// lock the phone); a right one, with the SIM, is two factors and clears
// the failures.
func (s *Service) checkPhonePIN(ctx context.Context, p *PhoneHolder, pin string, cl Client) error {
	if err := s.checkLock(ctx, p.Holder.PhoneHash); err != nil {
		return err
	}
	if !VerifyPIN(p.Holder.PINHash, pin) {
		return s.fail(ctx, p.Holder.PhoneHash, p.Holder, p.Phone, cl, errWrongPIN)
	}
	_ = s.st.ResetFailures(ctx, p.Holder.PhoneHash)
	return nil
}

var errWrongPIN = ingot.Errorf(ingot.CodeInvalidCredentials, "the PIN is wrong")

// ApproveWithPIN approves a payment the holder confirmed on its phone with
// its PIN: the SIM (possession) and the PIN (knowledge) are the two
// factors. It returns the approval, approved and bound to the payment,
// for the payment to use once (ledger.PayRequest.Authorization), and
// records approval.granted naming the channel.
func (s *Service) ApproveWithPIN(ctx context.Context, p *PhoneHolder, pin string, payer int64, payee string, amount int64, currency, channel string, cl Client) (string, error) {
	if !p.Registered() {
		return "", ingot.Errorf(ingot.CodeForbidden, "this phone has no PIN yet")
	}
	if err := s.checkPhonePIN(ctx, p, pin, cl); err != nil {
		return "", err
	}
	now := s.now()
	a := ingot.Authorization{ID: newID(), HolderID: p.Holder.ID, Payer: payer, Payee: payee, Amount: amount, Currency: currency,
		Status: ingot.AuthorizationApproved, ExpiresAt: now.Add(ingot.AuthorizationTTL), CreatedAt: now, UpdatedAt: now}
	if err := s.st.CreateAuthorization(ctx, a); err != nil {
		return "", s.unavailable(ctx, err)
	}
	s.holderEvent(ctx, EventApprovalGranted, p.Holder, p.Wallets, p.Phone, channel+" (SIM and PIN): "+describe(a), cl)
	return a.ID, nil
}

// ChangePINWithPIN sets a new PIN from the holder's phone, approved by the
// current PIN on the SIM.
func (s *Service) ChangePINWithPIN(ctx context.Context, p *PhoneHolder, old, pin, channel string, cl Client) error {
	if !p.Registered() {
		return ingot.Errorf(ingot.CodeForbidden, "this phone has no PIN yet")
	}
	if err := CheckPIN(pin); err != nil {
		return err
	}
	if err := s.checkPhonePIN(ctx, p, old, cl); err != nil {
		return err
	}
	hash, err := HashPIN(pin)
	if err != nil {
		return err
	}
	if err := s.st.SetPIN(ctx, p.Holder.ID, hash, s.now()); err != nil {
		return s.unavailable(ctx, err)
	}
	p.Holder.PINHash = hash
	s.holderEvent(ctx, EventPINChanged, p.Holder, p.Wallets, p.Phone, channel, cl)
	return nil
}
