package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"math/big"
)

// Tokens are 256-bit random secrets with a prefix that says what they are
// (so that secret scanners can find leaked ones); only their SHA-256 is
// stored, as for API keys.
const (
	accessPrefix  = "ingot_at_"
	refreshPrefix = "ingot_rt_"
)

// newToken returns a new token with a prefix, and its stored hash.
func newToken(prefix string) (token string, hash []byte) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, TokenHash(token)
}

// TokenHash is the stored form of a token.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CodeLength is the number of digits of a one-time code.
const CodeLength = 6

// newCode returns a random 6-digit code.
func newCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// sameHash compares two hashes in constant time; nil matches nothing.
func sameHash(a, b []byte) bool {
	return len(a) > 0 && subtle.ConstantTimeCompare(a, b) == 1
}
