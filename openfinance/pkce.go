package openfinance

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// PKCE (RFC 7636), S256 only: the client sends code_challenge =
// BASE64URL(SHA-256(code_verifier)) with the authorization request, and the
// verifier with the token request.

// MethodS256 is the only code_challenge_method accepted.
const MethodS256 = "S256"

// ValidVerifier reports whether v is a code verifier: 43 to 128 characters
// of [A-Z] [a-z] [0-9] - . _ ~ (RFC 7636 §4.1).
func ValidVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !unreserved(v[i]) {
			return false
		}
	}
	return true
}

// ValidChallenge reports whether c is an S256 challenge: the unpadded
// base64url form of 32 bytes (43 characters).
func ValidChallenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	return err == nil && len(b) == sha256.Size
}

// Challenge is the S256 challenge of a verifier.
func Challenge(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// VerifyS256 reports, in constant time, whether verifier is the one whose
// S256 challenge is challenge.
func VerifyS256(verifier, challenge string) bool {
	if !ValidVerifier(verifier) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(Challenge(verifier)), []byte(challenge)) == 1
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
