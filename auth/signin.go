package auth

import (
	"context"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/pii"
)

// Sign-in: enrolment (SMS code, then a PIN), login (PIN, then a second
// factor), token refresh and logout.

// Tokens is a signed-in session's token pair.
type Tokens struct {
	Access    string
	Refresh   string
	ExpiresIn time.Duration // of the access token
}

var (
	errInvalidCredentials = ingot.Errorf(ingot.CodeInvalidCredentials, "the phone number or the PIN is wrong")
	errInvalidCode        = ingot.Errorf(ingot.CodeInvalidCode, "the code is wrong, used or expired")
	errInvalidToken       = ingot.Errorf(ingot.CodeInvalidToken, "the token is unknown, expired or revoked; sign in again")
)

// TooManyAttempts is the too_many_attempts error, with how long to wait.
type TooManyAttempts struct{ RetryAfter time.Duration }

func (e *TooManyAttempts) Error() string { return e.Unwrap().Error() }

// Unwrap is the too_many_attempts error.
func (e *TooManyAttempts) Unwrap() error {
	return ingot.Errorf(ingot.CodeTooManyAttempts, "too many failed attempts on this phone; try again in %d minutes", int(e.RetryAfter.Minutes()+0.999))
}

// checkLock refuses a phone that is locked out, whatever the attempt.
func (s *Service) checkLock(ctx context.Context, phoneHash []byte) error {
	at, err := s.st.Attempts(ctx, phoneHash)
	if err != nil {
		return s.unavailable(ctx, err)
	}
	if now := s.now(); at.LockedUntil.After(now) {
		return &TooManyAttempts{RetryAfter: at.LockedUntil.Sub(now)}
	}
	return nil
}

// fail counts a failure of a phone and answers err, or too_many_attempts
// (and a signin.locked event) when this failure locks it.
func (s *Service) fail(ctx context.Context, phoneHash []byte, holder Holder, phone string, c Client, err error) error {
	at, serr := s.st.RecordFailure(ctx, phoneHash, s.now(), MaxFailures, LockFor)
	if serr != nil {
		return s.unavailable(ctx, serr)
	}
	var ws []ingot.Account
	if holder.ID != "" {
		ws, _ = s.st.HolderWallets(ctx, phoneHash)
	}
	s.holderEvent(ctx, EventSigninFailed, holder, ws, phone, ingot.ErrorCode(err), c)
	if now := s.now(); at.LockedUntil.After(now) {
		if at.Failures == 0 { // this failure locked it (the count starts again)
			s.holderEvent(ctx, EventSigninLocked, holder, ws, phone, "", c)
		}
		return &TooManyAttempts{RetryAfter: at.LockedUntil.Sub(now)}
	}
	return err
}

// Enroll starts an enrolment: when a wallet has the phone, a code is sent
// to it by SMS. The answer is the same whether or not one has (no
// enumeration of phones).
func (s *Service) Enroll(ctx context.Context, rawPhone string) (string, error) {
	phone, ph, err := s.phone(rawPhone)
	if err != nil {
		return "", err
	}
	if err := s.checkLock(ctx, ph); err != nil {
		return "", err
	}
	now := s.now()
	c := Challenge{ID: newID(), Kind: ChallengeEnroll, PhoneHash: ph, ExpiresAt: now.Add(CodeTTL), CreatedAt: now}
	ws, err := s.st.HolderWallets(ctx, ph)
	if err != nil {
		return "", s.unavailable(ctx, err)
	}
	if len(ws) > 0 {
		if c.CodeHash, err = s.sendCode(ctx, c.ID, phone, func(code string) string {
			return "Ingot: " + code + " is your code to set up sign-in to your wallet. It expires in 5 minutes. Never share it."
		}); err != nil {
			return "", err
		}
	}
	if err := s.st.CreateChallenge(ctx, c); err != nil {
		return "", s.unavailable(ctx, err)
	}
	return c.ID, nil
}

// ConfirmEnroll finishes an enrolment with the SMS code and the PIN the
// holder chose, and signs the new holder in.
func (s *Service) ConfirmEnroll(ctx context.Context, id, code, pin string, cl Client) (*Tokens, error) {
	c, err := s.st.Challenge(ctx, id)
	if isNotFound(err) || (err == nil && c.Kind != ChallengeEnroll) {
		return nil, errInvalidCode
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	if err := s.checkLock(ctx, c.PhoneHash); err != nil {
		return nil, err
	}
	if err := CheckPIN(pin); err != nil {
		return nil, err
	}
	if err := s.checkCode(ctx, &c, code, cl); err != nil {
		return nil, err
	}
	if err := s.st.UseChallenge(ctx, c.ID, s.now()); isConflict(err) {
		return nil, errInvalidCode
	} else if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	hash, err := HashPIN(pin)
	if err != nil {
		return nil, err
	}
	now := s.now()
	h := Holder{ID: newID(), PhoneHash: c.PhoneHash, PINHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := s.st.CreateHolder(ctx, h); isConflict(err) {
		return nil, ingot.Errorf(ingot.CodeConflict, "this phone is enrolled already: sign in with its PIN")
	} else if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	_ = s.st.ResetFailures(ctx, c.PhoneHash)
	phone, ws, _ := s.holderPhone(ctx, h)
	s.holderEvent(ctx, EventSigninSucceeded, h, ws, phone, "enrolled", cl)
	return s.newSession(ctx, h)
}

// checkCode checks an SMS code of a challenge: unexpired, unused, at most
// MaxTries tries. The try is counted before the code is compared, so that
// concurrent guesses never get more than MaxTries; a wrong code counts
// against the phone too.
func (s *Service) checkCode(ctx context.Context, c *Challenge, code string, cl Client) error {
	if !c.UsedAt.IsZero() || !c.ExpiresAt.After(s.now()) {
		return errInvalidCode
	}
	after, err := s.st.ChallengeTry(ctx, c.ID)
	if err != nil {
		return s.unavailable(ctx, err)
	}
	if after.Tries <= MaxTries && len(code) == CodeLength && sameHash(c.CodeHash, s.codeHash(c.ID, code)) {
		return nil
	}
	return s.fail(ctx, c.PhoneHash, Holder{ID: c.HolderID}, "", cl, errInvalidCode)
}

// Login is a login's first step: the PIN. It never signs in by itself:
// it answers a login id and the second factors the holder may use
// ("sms" always, "totp" and "webauthn" when enrolled; WebAuthn then
// with its assertion options, JSON).
type Login struct {
	ID       string
	Methods  []string
	WebAuthn []byte
}

// Login checks a phone's PIN. A wrong PIN and an unknown phone answer the
// same, in about the same time.
func (s *Service) Login(ctx context.Context, rawPhone, pin string, cl Client) (*Login, error) {
	phone, ph, err := s.phone(rawPhone)
	if err != nil {
		return nil, errInvalidCredentials
	}
	if err := s.checkLock(ctx, ph); err != nil {
		return nil, err
	}
	h, err := s.st.HolderByPhone(ctx, ph)
	if err != nil && !isNotFound(err) {
		return nil, s.unavailable(ctx, err)
	}
	if isNotFound(err) {
		VerifyPIN(dummyHash, pin) // as long as a real check
		return nil, s.fail(ctx, ph, Holder{}, phone, cl, errInvalidCredentials)
	}
	if !VerifyPIN(h.PINHash, pin) {
		return nil, s.fail(ctx, ph, h, phone, cl, errInvalidCredentials)
	}
	now := s.now()
	c := Challenge{ID: newID(), Kind: ChallengeLogin, PhoneHash: ph, HolderID: h.ID, ExpiresAt: now.Add(CodeTTL), CreatedAt: now}
	l := &Login{ID: c.ID}
	if l.Methods, l.WebAuthn, c.WebAuthn, err = s.secondFactors(ctx, h, nil); err != nil {
		return nil, err
	}
	if err := s.st.CreateChallenge(ctx, c); err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return l, nil
}

// secondFactors lists the second factors a holder may use and, when it
// has a passkey, begins a WebAuthn assertion (with challenge when not
// nil): its options for the client and its session to keep.
func (s *Service) secondFactors(ctx context.Context, h Holder, challenge []byte) (methods []string, options, session []byte, err error) {
	fs, err := s.st.Factors(ctx, h.ID)
	if err != nil {
		return nil, nil, nil, s.unavailable(ctx, err)
	}
	methods = []string{"sms"}
	var creds []webauthn.Credential
	for _, f := range fs {
		switch {
		case f.Kind == FactorTOTP && f.Confirmed:
			methods = append(methods, "totp")
		case f.Kind == FactorWebAuthn:
			if cr, err := decodeCredential(f.Credential); err == nil {
				creds = append(creds, cr)
			}
		}
	}
	if len(creds) == 0 {
		return methods, nil, nil, nil
	}
	methods = append(methods, "webauthn")
	var opts []webauthn.LoginOption
	if challenge != nil {
		opts = append(opts, webauthn.WithChallenge(challenge))
	}
	assertion, sd, err := s.wa.BeginLogin(waUser{h: h, creds: creds}, opts...)
	if err != nil {
		return nil, nil, nil, ingot.Errorf(ingot.CodeInternal, "webauthn: %v", err)
	}
	return methods, mustJSON(assertion), mustJSON(sd), nil
}

// LoginSMS sends a login's SMS code.
func (s *Service) LoginSMS(ctx context.Context, id string) error {
	c, h, err := s.loginChallenge(ctx, id)
	if err != nil {
		return err
	}
	phone, _, err := s.holderPhone(ctx, h)
	if err != nil {
		return err
	}
	hash, err := s.sendCode(ctx, c.ID, phone, func(code string) string {
		return "Ingot: " + code + " is your sign-in code. It expires in 5 minutes. Never share it."
	})
	if err != nil {
		return err
	}
	if err := s.st.SetChallengeCode(ctx, c.ID, hash, nil); err != nil {
		return s.unavailable(ctx, err)
	}
	return nil
}

// loginChallenge reads a usable login and its holder.
func (s *Service) loginChallenge(ctx context.Context, id string) (Challenge, Holder, error) {
	c, err := s.st.Challenge(ctx, id)
	if isNotFound(err) || (err == nil && (c.Kind != ChallengeLogin || !c.UsedAt.IsZero() || !c.ExpiresAt.After(s.now()))) {
		return Challenge{}, Holder{}, ingot.Errorf(ingot.CodeNotFound, "no login %s waiting for its second factor (it expires after 5 minutes)", id)
	}
	if err != nil {
		return Challenge{}, Holder{}, s.unavailable(ctx, err)
	}
	h, err := s.st.Holder(ctx, c.HolderID)
	if err != nil {
		return Challenge{}, Holder{}, s.unavailable(ctx, err)
	}
	return c, h, nil
}

// Proof is a second factor's proof: an SMS or TOTP code, or a WebAuthn
// assertion (the credential as the browser returns it, JSON).
type Proof struct {
	Method     string // "sms", "totp" or "webauthn"
	Code       string
	Credential []byte
}

// VerifyLogin finishes a login with its second factor and signs in.
func (s *Service) VerifyLogin(ctx context.Context, id string, p Proof, cl Client) (*Tokens, error) {
	c, h, err := s.loginChallenge(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.checkLock(ctx, c.PhoneHash); err != nil {
		return nil, err
	}
	if err := s.checkFactor(ctx, h, &c, nil, p, cl); err != nil {
		return nil, err
	}
	if err := s.st.UseChallenge(ctx, c.ID, s.now()); isConflict(err) {
		return nil, errInvalidCode
	} else if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	_ = s.st.ResetFailures(ctx, c.PhoneHash)
	phone, ws, _ := s.holderPhone(ctx, h)
	s.holderEvent(ctx, EventSigninSucceeded, h, ws, phone, p.Method, cl)
	return s.newSession(ctx, h)
}

// checkFactor checks a second factor's proof for a challenge (a login) or
// an approval: one of the two is given. The try is counted first (at most
// MaxTries per challenge or approval, also under concurrent guesses); a
// failure counts against the holder's phone too, and an approval whose
// tries are spent is denied.
func (s *Service) checkFactor(ctx context.Context, h Holder, c *Challenge, a *ingot.Authorization, p Proof, cl Client) error {
	if p.Method != "sms" && p.Method != "totp" && p.Method != "webauthn" {
		return ingot.Errorf(ingot.CodeInvalidRequest, "method must be \"sms\", \"totp\" or \"webauthn\"")
	}
	var tries int
	var codeHash, session []byte
	var ref string
	switch {
	case c != nil:
		after, err := s.st.ChallengeTry(ctx, c.ID)
		if err != nil {
			return s.unavailable(ctx, err)
		}
		tries, codeHash, session, ref = after.Tries, after.CodeHash, after.WebAuthn, c.ID
	case a != nil:
		after, err := s.st.AuthorizationTry(ctx, a.ID, MaxTries+1, s.now())
		if err != nil {
			return s.unavailable(ctx, err)
		}
		if after.Status == ingot.AuthorizationDenied && a.Status != ingot.AuthorizationDenied {
			phone, ws, _ := s.holderPhone(ctx, h)
			s.holderEvent(ctx, EventApprovalDenied, h, ws, phone, "too many tries for authorization "+a.ID, cl)
		}
		tries, codeHash, session, ref = after.Tries, after.CodeHash, after.WebAuthn, a.ID
	}
	ok := false
	if tries <= MaxTries {
		switch p.Method {
		case "sms":
			ok = len(p.Code) == CodeLength && sameHash(codeHash, s.codeHash(ref, p.Code))
		case "totp":
			ok = s.checkTOTP(ctx, h, p.Code)
		case "webauthn":
			ok = s.checkPasskey(ctx, h, session, p.Credential)
		}
	}
	if ok {
		return nil
	}
	return s.fail(ctx, h.PhoneHash, h, "", cl, errInvalidCode)
}

// checkPasskey validates a WebAuthn assertion against a session, and
// stores the credential's new sign count.
func (s *Service) checkPasskey(ctx context.Context, h Holder, session, assertion []byte) bool {
	if len(session) == 0 || len(assertion) == 0 {
		return false
	}
	var sd webauthn.SessionData
	if err := jsonUnmarshal(session, &sd); err != nil {
		return false
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(assertion)
	if err != nil {
		return false
	}
	fs, err := s.st.Factors(ctx, h.ID)
	if err != nil {
		return false
	}
	u := waUser{h: h}
	byID := map[string]Factor{}
	for _, f := range fs {
		if f.Kind != FactorWebAuthn {
			continue
		}
		if cr, err := decodeCredential(f.Credential); err == nil {
			u.creds = append(u.creds, cr)
			byID[string(cr.ID)] = f
		}
	}
	cred, err := s.wa.ValidateLogin(u, sd, parsed)
	if err != nil {
		s.log.InfoContext(ctx, "auth: a passkey assertion did not validate", "err", err)
		return false
	}
	if f, ok := byID[string(cred.ID)]; ok {
		if err := s.st.SetCredential(ctx, f.ID, mustJSON(cred)); err != nil {
			s.log.WarnContext(ctx, "auth: storing a passkey's sign count failed", "err", err)
		}
	}
	return true
}

// newSession signs a holder in: a new session and its tokens.
func (s *Service) newSession(ctx context.Context, h Holder) (*Tokens, error) {
	access, ah := newToken(accessPrefix)
	refresh, rh := newToken(refreshPrefix)
	now := s.now()
	ss := Session{ID: newID(), HolderID: h.ID, AccessHash: ah, AccessExpiresAt: now.Add(AccessTTL), RefreshHash: rh, LastSeenAt: now, CreatedAt: now}
	if err := s.st.CreateSession(ctx, ss); err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return &Tokens{Access: access, Refresh: refresh, ExpiresIn: AccessTTL}, nil
}

// alive reports whether a session may still be used at now.
func alive(ss Session, now time.Time) bool {
	return ss.EndedAt.IsZero() && now.Sub(ss.LastSeenAt) <= IdleTimeout && now.Sub(ss.CreatedAt) <= SessionMax
}

// Refresh rotates a session's tokens. A refresh token used a second time
// ends its session: someone else may hold it.
func (s *Service) Refresh(ctx context.Context, refresh string) (*Tokens, error) {
	if len(refresh) > 256 {
		return nil, errInvalidToken
	}
	old := TokenHash(refresh)
	ss, spent, err := s.st.SessionByRefresh(ctx, old)
	if isNotFound(err) {
		return nil, errInvalidToken
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	now := s.now()
	if spent {
		_ = s.st.EndSession(ctx, ss.ID, now)
		s.log.WarnContext(ctx, "auth: a spent refresh token was used again; its session is ended", "session", ss.ID)
		return nil, errInvalidToken
	}
	if !alive(ss, now) {
		_ = s.st.EndSession(ctx, ss.ID, now)
		return nil, errInvalidToken
	}
	access, ah := newToken(accessPrefix)
	fresh, rh := newToken(refreshPrefix)
	if err := s.st.RotateSession(ctx, ss.ID, old, ah, now.Add(AccessTTL), rh, now); isConflict(err) {
		return nil, errInvalidToken
	} else if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return &Tokens{Access: access, Refresh: fresh, ExpiresIn: AccessTTL}, nil
}

// Logout ends a holder's session: its tokens answer 401 afterwards.
func (s *Service) Logout(ctx context.Context, a ingot.Actor) error {
	if a.Role != ingot.RoleHolder || a.SessionID == "" {
		return ingot.Errorf(ingot.CodeForbidden, "only a signed-in holder signs out")
	}
	if err := s.st.EndSession(ctx, a.SessionID, s.now()); err != nil {
		return s.unavailable(ctx, err)
	}
	return nil
}

// maskedPhone is the phone of a holder, masked, for names shown to it.
func maskedPhone(phone string) string { return pii.MaskPhone(phone) }
