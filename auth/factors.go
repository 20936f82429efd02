package auth

import (
	"context"
	"crypto/subtle"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/ingot-cbdc/ingot"
)

// A holder's second factors: TOTP (RFC 6238: SHA-1, 6 digits, 30 s; each
// code accepted once) and passkeys (WebAuthn). SMS to the wallets' phone is
// always a factor and is not stored. Removing a factor and changing the
// PIN need a fresh approval.

const (
	totpPeriod = 30
	totpSkew   = 1 // a code of the step before or after is accepted too
)

// holderOf reads a signed-in holder.
func (s *Service) holderOf(ctx context.Context, a ingot.Actor) (Holder, error) {
	if a.Role != ingot.RoleHolder {
		return Holder{}, ingot.Errorf(ingot.CodeForbidden, "only a signed-in holder may do this")
	}
	h, err := s.st.Holder(ctx, a.HolderID)
	if err != nil {
		return Holder{}, s.unavailable(ctx, err)
	}
	return h, nil
}

// NewTOTP is a TOTP factor being added: its secret (base32) and the
// otpauth:// URI an authenticator app scans.
type NewTOTP struct {
	FactorID string
	Secret   string
	URI      string
}

// AddTOTP begins adding a TOTP factor; it counts once ConfirmTOTP has seen
// a first code. A holder has one TOTP factor: an unconfirmed one is
// replaced, a confirmed one must be removed first.
func (s *Service) AddTOTP(ctx context.Context, a ingot.Actor) (*NewTOTP, error) {
	h, err := s.holderOf(ctx, a)
	if err != nil {
		return nil, err
	}
	fs, err := s.st.Factors(ctx, h.ID)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	for _, f := range fs {
		if f.Kind != FactorTOTP {
			continue
		}
		if f.Confirmed {
			return nil, ingot.Errorf(ingot.CodeConflict, "an authenticator app is set up already (factor %s); remove it first", f.ID)
		}
		if err := s.st.DeleteFactor(ctx, f.ID); err != nil {
			return nil, s.unavailable(ctx, err)
		}
	}
	phone, _, err := s.holderPhone(ctx, h)
	if err != nil {
		return nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Ingot", AccountName: maskedPhone(phone), Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "totp: %v", err)
	}
	f := Factor{ID: newID(), HolderID: h.ID, Kind: FactorTOTP, Name: "Authenticator app", CreatedAt: s.now()}
	if f.Secret, err = s.opt.PII.Seal(key.Secret(), "totp_secret:"+f.ID); err != nil {
		return nil, err
	}
	if err := s.st.AddFactor(ctx, f); err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return &NewTOTP{FactorID: f.ID, Secret: key.Secret(), URI: key.URL()}, nil
}

// ConfirmTOTP activates the holder's TOTP factor with a first code.
func (s *Service) ConfirmTOTP(ctx context.Context, a ingot.Actor, code string, cl Client) error {
	h, err := s.holderOf(ctx, a)
	if err != nil {
		return err
	}
	f, ok, err := s.totpFactor(ctx, h.ID, false)
	if err != nil {
		return err
	}
	if !ok {
		return ingot.Errorf(ingot.CodeNotFound, "no authenticator app being set up: POST /v1/me/totp first")
	}
	if !s.useTOTP(ctx, f, code) {
		return errInvalidCode
	}
	if err := s.st.ConfirmFactor(ctx, f.ID); err != nil {
		return s.unavailable(ctx, err)
	}
	phone, ws, _ := s.holderPhone(ctx, h)
	s.holderEvent(ctx, EventFactorAdded, h, ws, phone, "totp", cl)
	return nil
}

// totpFactor is the holder's TOTP factor, confirmed or being confirmed.
func (s *Service) totpFactor(ctx context.Context, holderID string, confirmed bool) (Factor, bool, error) {
	fs, err := s.st.Factors(ctx, holderID)
	if err != nil {
		return Factor{}, false, s.unavailable(ctx, err)
	}
	for _, f := range fs {
		if f.Kind == FactorTOTP && f.Confirmed == confirmed {
			return f, true, nil
		}
	}
	return Factor{}, false, nil
}

// checkTOTP checks a code of the holder's confirmed TOTP factor.
func (s *Service) checkTOTP(ctx context.Context, h Holder, code string) bool {
	f, ok, err := s.totpFactor(ctx, h.ID, true)
	return err == nil && ok && s.useTOTP(ctx, f, code)
}

// useTOTP accepts a code of a TOTP factor once: it finds the code's time
// step (now, or one step either side) and records it, so that the same
// code, or an older one, is refused afterwards.
func (s *Service) useTOTP(ctx context.Context, f Factor, code string) bool {
	if len(code) != CodeLength {
		return false
	}
	secret, err := s.opt.PII.Open(f.Secret, "totp_secret:"+f.ID)
	if err != nil {
		return false
	}
	now := s.opt.Now()
	for d := -totpSkew; d <= totpSkew; d++ {
		t := now.Add(time.Duration(d*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil || subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		step := t.Unix() / totpPeriod
		return s.st.UseTOTPStep(ctx, f.ID, step) == nil
	}
	return false
}

// PasskeyOptions begins registering a passkey: the creation options for
// the browser (JSON). The registration is found again by its challenge.
func (s *Service) PasskeyOptions(ctx context.Context, a ingot.Actor) ([]byte, error) {
	h, err := s.holderOf(ctx, a)
	if err != nil {
		return nil, err
	}
	u, err := s.waUserOf(ctx, h)
	if err != nil {
		return nil, err
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range u.creds {
		exclude = append(exclude, c.Descriptor())
	}
	creation, sd, err := s.wa.BeginRegistration(u, webauthn.WithExclusions(exclude),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{UserVerification: protocol.VerificationPreferred}))
	if err != nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "webauthn: %v", err)
	}
	now := s.now()
	c := Challenge{ID: sd.Challenge, Kind: challengeRegister, PhoneHash: h.PhoneHash, HolderID: h.ID, WebAuthn: mustJSON(sd),
		ExpiresAt: now.Add(CodeTTL), CreatedAt: now}
	if err := s.st.CreateChallenge(ctx, c); err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return mustJSON(creation), nil
}

// challengeRegister is a passkey's registration waiting for the browser's
// answer; its id is the WebAuthn challenge.
const challengeRegister ChallengeKind = "register"

// AddPasskey finishes registering a passkey with the browser's credential
// (JSON, as navigator.credentials.create returns it).
func (s *Service) AddPasskey(ctx context.Context, a ingot.Actor, credential []byte, cl Client) (*Factor, error) {
	h, err := s.holderOf(ctx, a)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(credential)
	if err != nil {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "credential is not a WebAuthn registration response")
	}
	c, err := s.st.Challenge(ctx, parsed.Response.CollectedClientData.Challenge)
	if isNotFound(err) || (err == nil && (c.Kind != challengeRegister || c.HolderID != h.ID || !c.UsedAt.IsZero() || !c.ExpiresAt.After(s.now()))) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "credential answers no registration of yours waiting (POST /v1/me/passkeys/options first; it expires after 5 minutes)")
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	var sd webauthn.SessionData
	if err := jsonUnmarshal(c.WebAuthn, &sd); err != nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "webauthn session: %v", err)
	}
	u, err := s.waUserOf(ctx, h)
	if err != nil {
		return nil, err
	}
	cred, err := s.wa.CreateCredential(u, sd, parsed)
	if err != nil {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "the passkey's registration does not verify: %v", err)
	}
	if err := s.st.UseChallenge(ctx, c.ID, s.now()); isConflict(err) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "this registration was finished already")
	} else if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	f := Factor{ID: newID(), HolderID: h.ID, Kind: FactorWebAuthn, Name: "Passkey", CredentialID: cred.ID, Credential: mustJSON(cred),
		Confirmed: true, CreatedAt: s.now()}
	if err := s.st.AddFactor(ctx, f); isConflict(err) {
		return nil, ingot.Errorf(ingot.CodeConflict, "this passkey is registered already")
	} else if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	phone, ws, _ := s.holderPhone(ctx, h)
	s.holderEvent(ctx, EventFactorAdded, h, ws, phone, "webauthn", cl)
	return &f, nil
}

// waUserOf is a holder with its passkeys.
func (s *Service) waUserOf(ctx context.Context, h Holder) (waUser, error) {
	fs, err := s.st.Factors(ctx, h.ID)
	if err != nil {
		return waUser{}, s.unavailable(ctx, err)
	}
	u := waUser{h: h}
	for _, f := range fs {
		if f.Kind == FactorWebAuthn {
			if c, err := decodeCredential(f.Credential); err == nil {
				u.creds = append(u.creds, c)
			}
		}
	}
	return u, nil
}

// Factors lists a holder's second factors (SMS is always one, not
// listed here).
func (s *Service) Factors(ctx context.Context, a ingot.Actor) ([]Factor, error) {
	h, err := s.holderOf(ctx, a)
	if err != nil {
		return nil, err
	}
	fs, err := s.st.Factors(ctx, h.ID)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return fs, nil
}

// RemoveFactor removes one of the holder's factors, with a fresh approval
// (approval "": one is asked for, and the request must be sent again with
// it).
func (s *Service) RemoveFactor(ctx context.Context, a ingot.Actor, id, approval string, cl Client) error {
	h, err := s.holderOf(ctx, a)
	if err != nil {
		return err
	}
	f, err := s.st.Factor(ctx, id)
	if isNotFound(err) || (err == nil && f.HolderID != h.ID) {
		return ingot.Errorf(ingot.CodeNotFound, "no factor %s of yours", id)
	}
	if err != nil {
		return s.unavailable(ctx, err)
	}
	if err := s.useApproval(ctx, a, h, "factor:"+f.ID, approval); err != nil {
		return err
	}
	if err := s.st.DeleteFactor(ctx, f.ID); err != nil {
		return s.unavailable(ctx, err)
	}
	phone, ws, _ := s.holderPhone(ctx, h)
	s.holderEvent(ctx, EventFactorRemoved, h, ws, phone, string(f.Kind), cl)
	return nil
}

// ChangePIN sets a new PIN, with a fresh approval.
func (s *Service) ChangePIN(ctx context.Context, a ingot.Actor, pin, approval string, cl Client) error {
	h, err := s.holderOf(ctx, a)
	if err != nil {
		return err
	}
	if err := CheckPIN(pin); err != nil {
		return err
	}
	if err := s.useApproval(ctx, a, h, "pin", approval); err != nil {
		return err
	}
	hash, err := HashPIN(pin)
	if err != nil {
		return err
	}
	if err := s.st.SetPIN(ctx, h.ID, hash, s.now()); err != nil {
		return s.unavailable(ctx, err)
	}
	phone, ws, _ := s.holderPhone(ctx, h)
	s.holderEvent(ctx, EventPINChanged, h, ws, phone, "", cl)
	return nil
}
