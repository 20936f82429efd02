package openfinance

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Provider is a third-party provider (a lender, a budgeting app): an OAuth
// client registered by the central bank or by an operator. It has no key
// to any wallet; it acts only through tokens holders granted it.
type Provider struct {
	ID           string // UUIDv7
	ClientID     string // public
	SecretHash   []byte // SHA-256 of the client secret, shown once
	Name         string
	RedirectURIs []string
	Roles        []string // ais, pis
	OperatorID   string   // the operator that registered it; "": the central bank
	CreatedAt    time.Time
}

// HasRedirect reports whether uri is one of the provider's redirect URIs,
// compared exactly (RFC 6749 §3.1.2.3, as OAuth 2.1 requires).
func (p *Provider) HasRedirect(uri string) bool { return slices.Contains(p.RedirectURIs, uri) }

// Status is a consent's state.
type Status string

// Consent states. Expired is never stored: a consent past ExpiresAt reads
// expired.
const (
	StatusActive  Status = "active"
	StatusRevoked Status = "revoked"
	StatusExpired Status = "expired"
)

// Consent is a holder's consent to a provider: scopes over wallets for at
// most MaxConsent, with a mandate when it grants payments:write. Its
// authorization code (hashed, single use, CodeTTL) is bound to the client,
// the redirect URI and the PKCE challenge. PeriodStart and PeriodTotal
// count the mandate's payments of the current period; the engine changes
// them on the locked row, in the payment's transaction.
type Consent struct {
	ID            string // UUIDv7
	ProviderID    string
	ClientID      string
	ProviderName  string
	HolderID      string
	Operators     []string // the wallets' operators (webhooks, security events)
	Scopes        []string
	Wallets       []int64
	Mandate       *Mandate // with payments:write
	RedirectURI   string
	CodeChallenge string
	CodeHash      []byte
	CodeExpiresAt time.Time
	CodeUsedAt    time.Time // zero: not exchanged yet
	Status        Status    // active or revoked
	ExpiresAt     time.Time
	PeriodStart   time.Time
	PeriodTotal   int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
	RevokedAt     time.Time
}

// StatusAt is the consent's state at now.
func (c *Consent) StatusAt(now time.Time) Status {
	if c.Status == StatusActive && !now.Before(c.ExpiresAt) {
		return StatusExpired
	}
	return c.Status
}

// Has reports whether the consent grants a scope.
func (c *Consent) Has(scope string) bool { return slices.Contains(c.Scopes, scope) }

// Names reports whether the consent names a wallet.
func (c *Consent) Names(wallet int64) bool { return slices.Contains(c.Wallets, wallet) }

// TokenKind is what a token is.
type TokenKind string

// Token kinds.
const (
	KindAccess  TokenKind = "access"
	KindRefresh TokenKind = "refresh"
)

// Token is an access or refresh token of a consent, stored as its hash. A
// refresh token is spent when used (rotation): a spent one used again
// revokes its consent's tokens.
type Token struct {
	Hash      []byte
	ConsentID string
	Kind      TokenKind
	ExpiresAt time.Time
	SpentAt   time.Time // refresh tokens: zero while unused
	CreatedAt time.Time
}

// CheckRedirectURI checks a redirect URI a provider registers: an absolute
// https URL (http only to a loopback host, for development) without a
// fragment, of at most 512 bytes.
func CheckRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	bad := err != nil || len(raw) > 512 || !u.IsAbs() || u.Host == "" || u.Fragment != "" || strings.Contains(raw, "#") || u.User != nil
	if !bad {
		switch u.Scheme {
		case "https":
		case "http":
			h := u.Hostname()
			bad = h != "localhost" && h != "127.0.0.1" && h != "::1"
		default:
			bad = true
		}
	}
	if bad {
		return ingot.Errorf(ingot.CodeInvalidRedirectURI, "redirect_uris: %q is not an absolute https URL without a fragment (http only to localhost)", truncate(raw, 80))
	}
	return nil
}
