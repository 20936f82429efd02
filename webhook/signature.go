package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Signatures follow the Standard Webhooks specification
// (https://www.standardwebhooks.com, "Signature scheme"): the signed content
// is "<webhook-id>.<webhook-timestamp>.<body>", signed with HMAC-SHA256
// under the endpoint's secret, and sent as "v1,<base64 of the MAC>" in the
// webhook-signature header, a space-separated list (during a secret's
// rotation it holds several signatures; one valid is enough).

// Headers of a delivery.
const (
	HeaderID        = "webhook-id"        // the event's id: the same on every attempt, receivers dedupe by it
	HeaderTimestamp = "webhook-timestamp" // the attempt's time, Unix seconds
	HeaderSignature = "webhook-signature" // "v1,<base64>", space-separated when several
)

// SecretPrefix starts every signing secret (the specification's
// serialization of a symmetric secret).
const SecretPrefix = "whsec_"

// secretBytes is the size of a new secret's key.
const secretBytes = 32

// DefaultTolerance is how far a delivery's timestamp may be from the
// receiver's clock, either way (the specification's recommendation).
const DefaultTolerance = 5 * time.Minute

// Verification failures. Verify wraps them; errors.Is finds them.
var (
	ErrMissingHeaders = errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature")
	ErrBadTimestamp   = errors.New("webhook: webhook-timestamp is not Unix seconds")
	ErrTooOld         = errors.New("webhook: timestamp too old")
	ErrTooNew         = errors.New("webhook: timestamp too far in the future")
	ErrNoSignature    = errors.New("webhook: no matching signature")
	ErrBadSecret      = errors.New("webhook: a secret is \"whsec_\" and base64")
)

// NewSecret returns a new random signing secret: "whsec_" and the standard
// base64 of 32 random bytes.
func NewSecret() string {
	var b [secretBytes]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b[:])
}

// secretKey is the HMAC key of a secret: its base64 after the prefix,
// decoded.
func secretKey(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(k) == 0 {
		return nil, ErrBadSecret
	}
	return k, nil
}

// mac is the raw HMAC-SHA256 of "<id>.<ts>.<body>" under key.
func mac(key []byte, id string, ts int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(strconv.FormatInt(ts, 10)))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Sign returns the webhook-signature value of a delivery: "v1," and the
// standard base64 of the HMAC-SHA256 of "<id>.<Unix seconds of ts>.<body>"
// keyed with the secret's decoded bytes. A secret that is not "whsec_" and
// base64 gives "" (secrets come from NewSecret).
func Sign(secret, id string, ts time.Time, body []byte) string {
	key, err := secretKey(secret)
	if err != nil {
		return ""
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac(key, id, ts.Unix(), body))
}

// Verify checks a delivery the way a receiver does: the three headers are
// present, webhook-timestamp is within tolerance of now (either way;
// tolerance <= 0 is DefaultTolerance), and one of the "v1,..." signatures of
// webhook-signature is that of the body under secret (compared in constant
// time). body must be the request body exactly as received.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	key, err := secretKey(secret)
	if err != nil {
		return err
	}
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	at := time.Unix(ts, 0)
	if now.Sub(at) > tolerance {
		return fmt.Errorf("%w: %s, %s ago", ErrTooOld, at.UTC().Format(time.RFC3339), now.Sub(at).Round(time.Second))
	}
	if at.Sub(now) > tolerance {
		return fmt.Errorf("%w: %s", ErrTooNew, at.UTC().Format(time.RFC3339))
	}
	want := mac(key, id, ts, body)
	for _, s := range strings.Fields(sigs) {
		version, b64, ok := strings.Cut(s, ",")
		if !ok || version != "v1" {
			continue // another scheme (v1a: asymmetric) or a malformed entry
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrNoSignature
}
