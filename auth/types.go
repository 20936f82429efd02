// Package auth signs holders in — the people and businesses who own
// wallets — with two independent factors, keeps their sessions, approves
// their payments (strong customer authentication with dynamic linking),
// manages organisations' API keys and records security events.
//
// The rules follow the EU's strong customer authentication (PSD2 RTS
// 2018/389) and e-CNY's practice: a 6-digit PIN (knowledge) never signs in
// alone; a second factor of possession (an SMS code, a TOTP code) or
// inherence (a passkey: fingerprint or face through WebAuthn) does; five
// failures in a row lock a phone out for 15 minutes; sessions end after 5
// idle minutes or 12 hours. See docs/security.md.
package auth

import (
	"time"
)

// Holder is a person or business who signs in: found by the phone on their
// wallets (the keyed hash of its E.164 form), with the PIN they chose.
type Holder struct {
	ID        string // UUIDv7
	PhoneHash []byte // pii.LookupHash(pii.KindPhone, E.164): unique
	PINHash   string // argon2id, PHC string format
	// Language is the language of the holder's feature-phone menus (package
	// ussd: "en", "zh"); "" until chosen. LanguageSession is the USSD
	// session on whose first screen it was chosen.
	Language        string
	LanguageSession string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Attempts counts a phone's failed sign-in steps in a row (a wrong PIN or
// code, also for a phone no holder has): at MaxFailures it is locked until
// LockedUntil. Shared by every process on the database.
type Attempts struct {
	PhoneHash   []byte
	Failures    int
	LockedUntil time.Time
}

// ChallengeKind is what a challenge is a step of.
type ChallengeKind string

const (
	ChallengeEnroll ChallengeKind = "enroll" // an enrolment: the SMS code, then a PIN
	ChallengeLogin  ChallengeKind = "login"  // a login after the PIN: the second factor
)

// Challenge is an enrolment or a login waiting for its code or passkey:
// single use, valid CodeTTL, at most MaxTries wrong codes.
type Challenge struct {
	ID        string // UUIDv7; the enrollment_id or login_id
	Kind      ChallengeKind
	PhoneHash []byte
	HolderID  string // a login's holder; "" for an enrolment
	CodeHash  []byte // keyed hash of the SMS code sent; nil: none sent yet
	Tries     int    // wrong codes so far
	WebAuthn  []byte // the WebAuthn assertion session (JSON), when offered
	ExpiresAt time.Time
	UsedAt    time.Time // zero while usable
	CreatedAt time.Time
}

// Session is a holder's signed-in session: an access token (AccessTTL) and
// a refresh token, both stored as hashes. Refreshing rotates both; a
// refresh token used a second time ends the session.
type Session struct {
	ID              string // UUIDv7
	HolderID        string
	AccessHash      []byte
	AccessExpiresAt time.Time
	RefreshHash     []byte
	LastSeenAt      time.Time // the last request, to SessionTouch
	CreatedAt       time.Time
	EndedAt         time.Time // zero while live
}

// FactorKind is a kind of second factor.
type FactorKind string

const (
	FactorTOTP     FactorKind = "totp"     // RFC 6238 codes from an authenticator app
	FactorWebAuthn FactorKind = "webauthn" // a passkey: fingerprint, face or security key
)

// Factor is a second factor a holder enrolled (SMS to the wallet's phone is
// always one, and is not stored).
type Factor struct {
	ID       string // UUIDv7
	HolderID string
	Kind     FactorKind
	Name     string
	// TOTP: the sealed base32 secret, and the last time step accepted, so
	// that each code is accepted once.
	Secret   string
	LastStep int64
	// WebAuthn: the credential's id (unique) and the credential as the
	// library keeps it (JSON: public key, sign count, flags).
	CredentialID []byte
	Credential   []byte
	// Confirmed: a TOTP factor counts once a first code was verified; a
	// passkey is confirmed when registered.
	Confirmed bool
	CreatedAt time.Time
}

// SecurityEvent is an append-only record of what matters for security:
// sign-ins, lock-outs, factors, approvals, keys. It names people only
// masked.
type SecurityEvent struct {
	ID   string // UUIDv7: time-ordered, the cursor
	Type string // one of the Event* constants
	// Operators are the operators it concerns (a holder's: those of their
	// wallets; a key's: its operator); none: the central bank's only.
	Operators []string
	HolderID  string
	KeyID     string
	Subject   string // masked: "+86 138****5678", a key's name
	Detail    string
	Address   string // the client's address
	CreatedAt time.Time
}

// Security event types.
const (
	EventSigninSucceeded = "signin.succeeded"
	EventSigninFailed    = "signin.failed"
	EventSigninLocked    = "signin.locked"
	EventFactorAdded     = "factor.added"
	EventFactorRemoved   = "factor.removed"
	EventApprovalGranted = "approval.granted"
	EventApprovalDenied  = "approval.denied"
	EventKeyCreated      = "api_key.created"
	EventKeyRevoked      = "api_key.revoked"
	EventKeyNewAddress   = "api_key.new_address"
	EventPINChanged      = "pin.changed"
	EventWebhookDisabled = "webhook.disabled" // an endpoint failing for 3 days was disabled (package webhook)
	EventDeviceRevoked   = "device.revoked"   // an offline device was revoked for a double spend (ledger/offline.go)
	// Open finance (ledger/openfinance.go): a holder granted or revoked a
	// provider's consent; a provider paid from a holder's wallet by mandate
	// (or was refused).
	EventConsentGranted = "consent.granted"
	EventConsentRevoked = "consent.revoked"
	EventMandatePayment = "mandate.payment"
	// A provider was registered (an organisation's act).
	EventProviderCreated = "provider.created"
)

// SMS is a text message the sandbox's sender keeps instead of sending it.
type SMS struct {
	ID        string // UUIDv7
	PhoneHash []byte
	Phone     string // sealed E.164
	Text      string
	SentAt    time.Time
}

// Security events of the central bank's four-eyes reveal of identities
// (ledger/cases.go).
const (
	EventRevealRequested = "reveal.requested"
	EventRevealApproved  = "reveal.approved"
	// An operator's key read a holder's identity in clear (?reveal=true).
	EventPIIRevealed = "pii.revealed"
)
