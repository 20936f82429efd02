package offline

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
)

// The first line of each object's canonical text: what it is, and the
// version of its format. A later version changes the line, so that a
// signature over one kind of object is never valid for another.
const (
	headOperator   = "ingot offline operator certificate v1"
	headDevice     = "ingot offline device certificate v1"
	headLoad       = "ingot offline load v1"
	headPayment    = "ingot offline payment v1"
	headRedemption = "ingot offline redemption v1"
)

var b64 = base64.RawURLEncoding

// Key is an Ed25519 public key; its text form is unpadded base64url.
type Key []byte

// MarshalText encodes the key as unpadded base64url.
func (k Key) MarshalText() ([]byte, error) { return []byte(b64.EncodeToString(k)), nil }

// UnmarshalText decodes an unpadded base64url Ed25519 public key.
func (k *Key) UnmarshalText(b []byte) error {
	v, err := decodeFixed(string(b), ed25519.PublicKeySize, "public key")
	*k = v
	return err
}

// String is the key's text form.
func (k Key) String() string { return b64.EncodeToString(k) }

// Equal reports whether two keys are the same.
func (k Key) Equal(o Key) bool { return string(k) == string(o) }

// ParseKey decodes a public key's text form.
func ParseKey(s string) (Key, error) {
	var k Key
	err := k.UnmarshalText([]byte(s))
	return k, err
}

// Sig is an Ed25519 signature; its text form is unpadded base64url.
type Sig []byte

// MarshalText encodes the signature as unpadded base64url.
func (s Sig) MarshalText() ([]byte, error) { return []byte(b64.EncodeToString(s)), nil }

// UnmarshalText decodes an unpadded base64url Ed25519 signature.
func (s *Sig) UnmarshalText(b []byte) error {
	v, err := decodeFixed(string(b), ed25519.SignatureSize, "signature")
	*s = v
	return err
}

// Hash is a SHA-256 hash; its text form is unpadded base64url.
type Hash [sha256.Size]byte

// MarshalText encodes the hash as unpadded base64url.
func (h Hash) MarshalText() ([]byte, error) { return []byte(b64.EncodeToString(h[:])), nil }

// UnmarshalText decodes an unpadded base64url SHA-256 hash.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := decodeFixed(string(b), sha256.Size, "hash")
	if err == nil {
		copy(h[:], v)
	}
	return err
}

// String is the hash's text form.
func (h Hash) String() string { return b64.EncodeToString(h[:]) }

// decodeFixed decodes unpadded base64url of exactly n bytes, in its one
// canonical form.
func decodeFixed(s string, n int, what string) ([]byte, error) {
	v, err := b64.Strict().DecodeString(s)
	if err != nil || len(v) != n {
		return nil, invalid("%s: not %d bytes in unpadded base64url", what, n)
	}
	return v, nil
}

// invalid is the error of a malformed or unverifiable object.
func invalid(format string, args ...any) error {
	return ingot.Errorf(ingot.CodeOfflineInvalid, format, args...)
}

// text builds an object's canonical text: its head, then "<name> <value>"
// lines, each ended by a newline.
type text struct{ b strings.Builder }

func newText(head string) *text {
	t := &text{}
	t.b.WriteString(head)
	t.b.WriteByte('\n')
	return t
}

func (t *text) line(name, value string) *text {
	t.b.WriteString(name)
	t.b.WriteByte(' ')
	t.b.WriteString(value)
	t.b.WriteByte('\n')
	return t
}

func (t *text) int(name string, v int64) *text { return t.line(name, strconv.FormatInt(v, 10)) }

func (t *text) time(name string, v time.Time) *text {
	return t.line(name, v.UTC().Format(time.RFC3339Nano))
}

func (t *text) bytes() []byte { return []byte(t.b.String()) }

// checkID checks a UUID in its canonical lower-case form.
func checkID(field, s string) error {
	u, err := uuid.Parse(s)
	if err != nil || u.String() != s {
		return invalid("%s: not a lower-case UUID", field)
	}
	return nil
}

// checkTime checks a time that round-trips through its text form: UTC, to
// the microsecond.
func checkTime(field string, v time.Time) error {
	if v.IsZero() || v.Location() != time.UTC || !v.Equal(v.Truncate(time.Microsecond)) {
		return invalid("%s: not a UTC time to the microsecond", field)
	}
	return nil
}

// amountJSON is an amount's JSON form: a decimal string in the currency.
func amountJSON(v int64, currency string) string {
	cur, err := ingot.LookupCurrency(currency)
	if err != nil {
		return strconv.FormatInt(v, 10)
	}
	return ingot.FormatAmount(v, cur)
}

// parseAmount parses an amount's JSON form in a currency.
func parseAmount(field, s, currency string) (int64, error) {
	cur, err := ingot.LookupCurrency(currency)
	if err != nil {
		return 0, invalid("currency: %q is not an ISO 4217 code", currency)
	}
	v, err := ingot.ParseAmount(s, cur)
	if err != nil {
		return 0, invalid("%s: %v", field, err)
	}
	return v, nil
}

// verify checks sig over msg with key.
func verify(key Key, msg []byte, sig Sig, what string) error {
	if len(key) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize || !ed25519.Verify(ed25519.PublicKey(key), msg, sig) {
		return invalid("%s: the signature does not verify", what)
	}
	return nil
}

func errorf(format string, args ...any) error { return fmt.Errorf("offline: "+format, args...) }

// strict decodes JSON into v refusing unknown fields: the custom decoders
// of the signed objects are as strict as ParsePayment.
func strict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(v)
}
