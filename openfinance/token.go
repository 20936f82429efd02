package openfinance

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
)

// Credentials are 256-bit random secrets (client ids 128-bit) with a
// prefix that says what they are, so that secret scanners find leaked
// ones. Only their SHA-256 is stored and looked up, as for API keys: they
// are high-entropy, so a fast hash is enough. Client secrets take the API
// keys' prefix (ingot_live_, or ingot_test_ in the sandbox).
const (
	ClientIDPrefix = "ingot_client_"
	AccessPrefix   = "ingot_oat_" // an OAuth access token
	RefreshPrefix  = "ingot_ort_" // an OAuth refresh token
	CodePrefix     = "ingot_oac_" // an authorization code
)

// NewSecret returns a new random credential with a prefix.
func NewSecret(prefix string) string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// NewClientID returns a new client id.
func NewClientID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return ClientIDPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// Hash is the stored form of a credential.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Grant types of the token endpoint.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// TokenRequest is a request to the token endpoint (RFC 6749 §4.1.3, §6),
// its client's credentials from the form or from HTTP Basic.
type TokenRequest struct {
	GrantType    string
	Code         string
	RedirectURI  string
	CodeVerifier string
	RefreshToken string
	ClientID     string
	ClientSecret string
}

// tokenParams are the parameters the token endpoint reads.
var tokenParams = []string{"grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "client_id", "client_secret", "scope"}

// ParseTokenForm reads a token request from its form: a parameter sent
// twice, one longer than 1024 bytes, or a grant's parameter missing is
// invalid_request; an unknown grant type unsupported_grant_type (RFC 6749
// §5.2). Unknown parameters are ignored (§3.2).
func ParseTokenForm(form url.Values) (TokenRequest, *Error) {
	for _, p := range tokenParams {
		if vs := form[p]; len(vs) > 1 {
			return TokenRequest{}, errInvalidRequest(p + " is sent more than once")
		} else if len(vs) == 1 && (len(vs[0]) > 1024 || strings.ContainsAny(vs[0], "\x00\r\n")) {
			return TokenRequest{}, errInvalidRequest(p + " is too long or has control characters")
		}
	}
	r := TokenRequest{GrantType: form.Get("grant_type"), Code: form.Get("code"), RedirectURI: form.Get("redirect_uri"),
		CodeVerifier: form.Get("code_verifier"), RefreshToken: form.Get("refresh_token"),
		ClientID: form.Get("client_id"), ClientSecret: form.Get("client_secret")}
	switch r.GrantType {
	case "":
		return TokenRequest{}, errInvalidRequest("grant_type is required")
	case GrantAuthorizationCode:
		switch {
		case r.Code == "":
			return TokenRequest{}, errInvalidRequest("code is required")
		case r.RedirectURI == "":
			return TokenRequest{}, errInvalidRequest("redirect_uri is required")
		case r.CodeVerifier == "":
			return TokenRequest{}, errInvalidRequest("code_verifier is required (PKCE)")
		}
	case GrantRefreshToken:
		if r.RefreshToken == "" {
			return TokenRequest{}, errInvalidRequest("refresh_token is required")
		}
	default:
		return TokenRequest{}, &Error{Code: ErrUnsupportedGrantType, Description: "grant_type must be authorization_code or refresh_token", Status: 400}
	}
	return r, nil
}

// OAuth error codes of the token endpoint (RFC 6749 §5.2).
const (
	ErrInvalidRequest       = "invalid_request"
	ErrInvalidClient        = "invalid_client"
	ErrInvalidGrant         = "invalid_grant"
	ErrUnauthorizedClient   = "unauthorized_client"
	ErrUnsupportedGrantType = "unsupported_grant_type"
	ErrServerError          = "server_error"
	ErrUnavailable          = "temporarily_unavailable"
)

// Error is an RFC 6749 error answer of the token endpoint: its JSON body
// {"error","error_description"} and its HTTP status.
type Error struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
	Status      int    `json:"-"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

func errInvalidRequest(d string) *Error {
	return &Error{Code: ErrInvalidRequest, Description: d, Status: 400}
}

// InvalidGrant is the answer to a code or refresh token that is unknown,
// used, expired, of another client or redirect URI, or whose verifier does
// not match: one answer for all (RFC 6749 §5.2).
func InvalidGrant(d string) *Error { return &Error{Code: ErrInvalidGrant, Description: d, Status: 400} }

// InvalidClient is the answer to unknown client credentials (401).
func InvalidClient() *Error {
	return &Error{Code: ErrInvalidClient, Description: "client authentication failed", Status: 401}
}
