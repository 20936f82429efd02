// Package openfinance holds the rules of open finance: third-party
// providers acting on a holder's wallets with the holder's consent, through
// OAuth 2.0 authorization codes with PKCE (RFC 6749, RFC 7636, S256 only).
// Account information (scope accounts:read) reads balances and history of
// the consented wallets; payment initiation (scope payments:write) pays
// from them within a variable recurring payment mandate.
//
// It has no I/O: scopes, PKCE, mandates and their periods, the token
// request's form, the credentials' formats, and the types the stores keep
// (Provider, Consent, Token). The ledger applies them (ledger/openfinance.go)
// and the API serves them (httpapi/openfinance.go). See docs/open-finance.md.
package openfinance

import "time"

// The numbers of the rules (docs/open-finance.md).
const (
	// MaxConsent is the longest a consent lasts.
	MaxConsent = 180 * 24 * time.Hour
	// CodeTTL is how long an authorization code may be exchanged.
	CodeTTL = 60 * time.Second
	// AccessTTL is how long an access token works.
	AccessTTL = 10 * time.Minute
	// MaxHistory is how far back a provider reads a wallet's history.
	MaxHistory = 90 * 24 * time.Hour
	// MaxWallets is the most wallets one consent names.
	MaxWallets = 10
	// MaxRedirectURIs is the most redirect URIs a provider registers.
	MaxRedirectURIs = 10
)
