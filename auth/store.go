package auth

import (
	"context"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Store is what sign-in, sessions, factors, approvals, keys and security
// events keep in the database. Both stores implement it; the conformance
// suite (store/storetest) checks them alike. Reads of a row that does not
// exist answer store.ErrNotFound; a taken unique value store.ErrConflict.
//
// Everything that must hold across processes is decided by the database,
// never by a process's memory: a counter is incremented by one statement,
// a single-use row is used by one conditional update (the second caller
// gets store.ErrConflict).
type Store interface {
	// Holders.

	// CreateHolder stores a new holder; a phone that has one is ErrConflict.
	CreateHolder(ctx context.Context, h Holder) error
	HolderByPhone(ctx context.Context, phoneHash []byte) (Holder, error)
	Holder(ctx context.Context, id string) (Holder, error)
	// SetPIN replaces a holder's PIN hash.
	SetPIN(ctx context.Context, holderID, pinHash string, now time.Time) error
	// SetLanguage sets a holder's menu language and the USSD session it
	// was chosen in ("" none).
	SetLanguage(ctx context.Context, holderID, language, session string, now time.Time) error
	// HolderWallets lists the wallets (at every operator) whose holder's
	// phone has the lookup hash, by id.
	HolderWallets(ctx context.Context, phoneHash []byte) ([]ingot.Account, error)

	// Lock-out.

	// Attempts reads a phone's failures (zero Attempts when it has none).
	Attempts(ctx context.Context, phoneHash []byte) (Attempts, error)
	// RecordFailure adds a failure to a phone's count in one statement; when
	// the count reaches max, the phone is locked until now+lock and the
	// count starts again from zero. It returns the attempts after.
	RecordFailure(ctx context.Context, phoneHash []byte, now time.Time, max int, lock time.Duration) (Attempts, error)
	// ResetFailures clears a phone's failures (a successful sign-in).
	ResetFailures(ctx context.Context, phoneHash []byte) error

	// Challenges: enrolments and logins.

	CreateChallenge(ctx context.Context, c Challenge) error
	Challenge(ctx context.Context, id string) (Challenge, error)
	// SetChallengeCode stores the hash of a new code sent for a challenge
	// (its tries start again from zero) and, when not nil, its WebAuthn
	// session.
	SetChallengeCode(ctx context.Context, id string, codeHash, webauthn []byte) error
	// ChallengeTry counts a wrong code in one statement and returns the
	// challenge after.
	ChallengeTry(ctx context.Context, id string) (Challenge, error)
	// UseChallenge marks a usable challenge used; one already used (by a
	// concurrent caller too) is ErrConflict.
	UseChallenge(ctx context.Context, id string, now time.Time) error

	// Sessions.

	CreateSession(ctx context.Context, s Session) error
	// SessionByAccess finds a session by its current access token's hash
	// (ended sessions too; the caller checks).
	SessionByAccess(ctx context.Context, accessHash []byte) (Session, error)
	// SessionByRefresh finds a session by a refresh token's hash: its
	// current one (spent false) or one it had before (spent true).
	SessionByRefresh(ctx context.Context, refreshHash []byte) (s Session, spent bool, err error)
	// RotateSession gives a live session a new access and refresh token
	// when oldRefresh is still its current refresh token, remembering
	// oldRefresh as spent; otherwise (a concurrent refresh, an ended
	// session) ErrConflict.
	RotateSession(ctx context.Context, id string, oldRefresh, access []byte, accessExpires time.Time, refresh []byte, now time.Time) error
	// TouchSession sets a session's LastSeenAt.
	TouchSession(ctx context.Context, id string, now time.Time) error
	// EndSession ends a session (idempotent).
	EndSession(ctx context.Context, id string, now time.Time) error

	// Factors.

	// AddFactor stores a factor; a WebAuthn credential id registered
	// already is ErrConflict.
	AddFactor(ctx context.Context, f Factor) error
	Factor(ctx context.Context, id string) (Factor, error)
	// Factors lists a holder's factors, oldest first.
	Factors(ctx context.Context, holderID string) ([]Factor, error)
	ConfirmFactor(ctx context.Context, id string) error
	DeleteFactor(ctx context.Context, id string) error
	// UseTOTPStep records that a TOTP factor accepted the code of a time
	// step, when step is after the last one it accepted; otherwise (a code
	// used before) ErrConflict.
	UseTOTPStep(ctx context.Context, id string, step int64) error
	// SetCredential replaces a passkey's stored credential (its sign count
	// grows with every use).
	SetCredential(ctx context.Context, id string, credential []byte) error

	// Approvals (the engine marks them used, in a payment's batch).

	CreateAuthorization(ctx context.Context, a ingot.Authorization) error
	Authorization(ctx context.Context, id string) (ingot.Authorization, error)
	// SetAuthorizationCode is SetChallengeCode for an approval.
	SetAuthorizationCode(ctx context.Context, id string, codeHash, webauthn []byte, now time.Time) error
	// AuthorizationTry counts a wrong code; at max tries a pending approval
	// becomes denied. It returns the approval after.
	AuthorizationTry(ctx context.Context, id string, max int, now time.Time) (ingot.Authorization, error)
	// ApproveAuthorization makes a pending approval approved; any other
	// state (concurrently too) is ErrConflict.
	ApproveAuthorization(ctx context.Context, id string, now time.Time) error
	// UseAuthorization makes an approved approval used by usedBy (an
	// approval of something other than a payment: a factor's removal, a
	// PIN change); any other state is ErrConflict.
	UseAuthorization(ctx context.Context, id, usedBy string, now time.Time) error

	// API keys (CreateAPIKey and APIKeyByHash are store.Store's too).

	// APIKeyByHash finds a key by the SHA-256 of its secret (revoked and
	// expired ones too; the caller checks).
	APIKeyByHash(ctx context.Context, hash []byte) (ingot.APIKey, error)
	// KeyAddressSeen records that a key was used from a client address and
	// reports whether that was the first time (one conditional insert).
	KeyAddressSeen(ctx context.Context, keyID, address string, now time.Time) (first bool, err error)

	// APIKeys lists the keys of an operator ("" with role central_bank:
	// the central bank's), revoked ones too, by creation.
	APIKeys(ctx context.Context, role ingot.Role, operatorID string) ([]ingot.APIKey, error)
	APIKey(ctx context.Context, id string) (ingot.APIKey, error)
	// RevokeAPIKey sets a key's RevokedAt (a revoked key stays revoked:
	// ErrConflict).
	RevokeAPIKey(ctx context.Context, id string, now time.Time) error
	// TouchAPIKey sets a key's LastUsedAt.
	TouchAPIKey(ctx context.Context, id string, now time.Time) error

	// Security events.

	AddSecurityEvent(ctx context.Context, e SecurityEvent) error
	// SecurityEvents lists the events f selects, newest first.
	SecurityEvents(ctx context.Context, f EventFilter) ([]SecurityEvent, error)

	// The sandbox's text messages.

	AddSMS(ctx context.Context, m SMS) error
	// SMSTo lists the messages to a phone, newest first, at most limit.
	SMSTo(ctx context.Context, phoneHash []byte, limit int) ([]SMS, error)
}

// EventFilter selects security events.
type EventFilter struct {
	OperatorID string    // "": every event; else those that concern the operator
	Type       string    // "": every type
	After      time.Time // zero: from the first; else created after it
	Before     string    // "": from the newest; else ids below it (the cursor)
	Limit      int
}
