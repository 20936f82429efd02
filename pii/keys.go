package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// KeySize is the size of a data key in bytes (AES-256).
const KeySize = 32

// lookupInfo is the HKDF info string that derives the lookup key from the
// data key. It differs from every other use of the data key, so the lookup
// key and the encryption key are independent.
const lookupInfo = "ingot/pii/lookup-key/v1"

// sealPrefix starts every sealed value; a later format gets a new prefix.
const sealPrefix = "v1:"

// adPrefix starts the additional data of every sealed value, binding the
// format version to the ciphertext as well as the caller's context.
const adPrefix = "ingot/pii/v1\x00"

const nonceSize = 12 // 96-bit random nonces, the GCM standard size

var sealEncoding = base64.RawStdEncoding.Strict()

// Errors returned by [Keys.Open]. Neither carries the sealed value.
var (
	// ErrMalformed: the value is not a sealed value of a known format.
	ErrMalformed = errors.New("pii: sealed value is malformed")
	// ErrOpen: the value does not authenticate: another key, another
	// context (moved to another row or column), or altered.
	ErrOpen = errors.New("pii: sealed value does not open with this key and context")
)

// Keys holds the data key's AES-256-GCM cipher and the lookup key derived
// from it. A Keys is safe for concurrent use. It never prints its keys:
// fmt and log/slog show "pii.Keys{redacted}".
type Keys struct {
	aead   cipher.AEAD
	lookup []byte // HKDF-SHA256(data key, info lookupInfo), 32 bytes
}

// NewKeys makes Keys from a 32-byte data key. The data key is the AES-256
// key; the lookup key is derived from it with HKDF-SHA256 (no salt, info
// "ingot/pii/lookup-key/v1"). raw is copied, not kept.
func NewKeys(raw []byte) (*Keys, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("pii: data key must be %d bytes, got %d", KeySize, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("pii: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("pii: %w", err)
	}
	lookup, err := hkdf.Key(sha256.New, raw, nil, lookupInfo, KeySize)
	if err != nil {
		return nil, fmt.Errorf("pii: deriving lookup key: %w", err)
	}
	return &Keys{aead: aead, lookup: lookup}, nil
}

// GenerateKey returns a new random data key in the form INGOT_DATA_KEY and
// the key file take: standard base64 (with padding) of 32 bytes.
func GenerateKey() string {
	raw := make([]byte, KeySize)
	rand.Read(raw) // never fails; see crypto/rand.Read
	return base64.StdEncoding.EncodeToString(raw)
}

// ParseKey decodes a data key in the form GenerateKey returns, ignoring
// surrounding white space. Its errors never contain the key.
func ParseKey(s string) (*Keys, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, errors.New("pii: data key is not standard base64")
	}
	if len(raw) != KeySize {
		return nil, fmt.Errorf("pii: data key must be base64 of %d bytes, got %d bytes", KeySize, len(raw))
	}
	return NewKeys(raw)
}

// LoadOrCreateKey finds the data key.
//
// When env (the value of INGOT_DATA_KEY) is not empty, it is the key, as
// base64 of 32 bytes, and path is not looked at.
//
// Otherwise the key is read from the file at path, which holds the same
// base64 text. The file must be a regular file that neither group nor others
// may read or write (mode 0600 or stricter), and must hold exactly one
// 32-byte key; anything else is refused, never repaired or replaced.
//
// When the file does not exist it is created with a new key: its directory
// is made with mode 0700 when missing, the key is written and synced to a
// temporary file (mode 0600) in that directory, which is then hard-linked to
// path. Linking fails when path exists, so processes starting at the same
// time all end up with the key of whichever linked first.
func LoadOrCreateKey(env string, path string) (*Keys, error) {
	if env != "" {
		k, err := ParseKey(env)
		if err != nil {
			return nil, fmt.Errorf("INGOT_DATA_KEY: %w", err)
		}
		return k, nil
	}
	if path == "" {
		return nil, errors.New("pii: no data key: INGOT_DATA_KEY is empty and no key file is configured")
	}
	k, err := readKeyFile(path)
	if !errors.Is(err, os.ErrNotExist) {
		return k, err
	}
	if err := createKeyFile(path); err != nil {
		return nil, err
	}
	return readKeyFile(path)
}

// maxKeyFile bounds how much of a key file is read; a valid one is 45 bytes.
const maxKeyFile = 1024

func readKeyFile(path string) (*Keys, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pii: key file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("pii: key file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("pii: key file %s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("pii: key file %s has mode %#o; it must not be accessible to group or others (chmod 600 %s)", path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("pii: key file: %w", err)
	}
	if len(b) > maxKeyFile {
		return nil, fmt.Errorf("pii: key file %s is too large to hold a data key", path)
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("pii: key file %s: %w", path, err)
	}
	return k, nil
}

// createKeyFile writes a new key to path unless path exists by then.
// It returns nil both when it created the file and when another process
// (or goroutine) did first.
func createKeyFile(path string) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("pii: key directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".ingot-data-key-*") // mode 0600
	if err != nil {
		return fmt.Errorf("pii: creating key file: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("pii: creating key file: %w", err)
	}
	if _, err := tmp.WriteString(GenerateKey() + "\n"); err != nil {
		return fmt.Errorf("pii: creating key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("pii: creating key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("pii: creating key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil // someone else's key won; the caller reads it
		}
		return fmt.Errorf("pii: creating key file: %w", err)
	}
	if d, err := os.Open(dir); err == nil { // make the new name durable
		d.Sync()
		d.Close()
	}
	return nil
}

// Seal encrypts plaintext with AES-256-GCM under a fresh random 96-bit nonce
// and returns "v1:" followed by unpadded standard base64 of nonce ||
// ciphertext || tag: printable, and safe in a TEXT column.
//
// context is authenticated but not stored: Open must be given the same
// context. Use the column and the record's id (for example
// "accounts.holder_phone:w_123"), so that a value moved to another row or
// column does not open.
//
// The empty plaintext seals to "" (and "" opens to "" under any context):
// an empty column means "no value", and a caller that requires a value must
// check for it. Every other plaintext seals to a different string each time.
func (k *Keys) Seal(plaintext, context string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	buf := make([]byte, nonceSize, nonceSize+len(plaintext)+k.aead.Overhead())
	rand.Read(buf) // never fails; see crypto/rand.Read
	buf = k.aead.Seal(buf, buf[:nonceSize], []byte(plaintext), additionalData(context))
	return sealPrefix + sealEncoding.EncodeToString(buf), nil
}

// Open reverses Seal with the same context. It returns ErrMalformed for a
// value that is not a sealed value and ErrOpen for one that does not
// authenticate (another key, another context, or altered). "" opens to "".
func (k *Keys) Open(sealed, context string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	enc, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return "", ErrMalformed
	}
	if !isBase64(enc) { // the decoder skips '\r' and '\n'; a sealed value has none
		return "", ErrMalformed
	}
	raw, err := sealEncoding.DecodeString(enc)
	if err != nil || len(raw) < nonceSize+k.aead.Overhead() {
		return "", ErrMalformed
	}
	pt, err := k.aead.Open(nil, raw[:nonceSize], raw[nonceSize:], additionalData(context))
	if err != nil {
		return "", ErrOpen
	}
	return string(pt), nil
}

func isBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

func additionalData(context string) []byte {
	return append([]byte(adPrefix), context...)
}

// Lookup kinds for LookupHash.
const (
	// KindPhone hashes a phone number in E.164 form (see NormalizePhone).
	KindPhone = "phone"
)

// LookupHash returns HMAC-SHA256, under the lookup key, of kind, a zero
// byte and value: 32 bytes that are equal for equal (kind, value) pairs
// under the same data key, and that reveal nothing of value without the key.
// Store it beside the sealed value and look records up by it.
//
// value must already be normalized (a phone in E.164 form from
// NormalizePhone): the hash is over its bytes as given. kind names what the
// value is (KindPhone), so equal strings of different kinds hash apart; it
// is a constant of the caller's and must not contain a zero byte (LookupHash
// panics if it does, since the encoding would then be ambiguous).
func (k *Keys) LookupHash(kind, value string) []byte {
	if strings.IndexByte(kind, 0) >= 0 {
		panic("pii: LookupHash kind contains a zero byte")
	}
	m := hmac.New(sha256.New, k.lookup)
	io.WriteString(m, kind)
	m.Write([]byte{0})
	io.WriteString(m, value)
	return m.Sum(nil)
}

// String says that the keys are redacted; Keys never print.
func (Keys) String() string { return "pii.Keys{redacted}" }

// GoString is String, for %#v.
func (k Keys) GoString() string { return k.String() }

// Format prints String for every verb, so that no fmt verb (not even %d or
// %x on the struct's fields) shows key material.
func (k Keys) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// LogValue keeps the keys out of slog output.
func (k Keys) LogValue() slog.Value { return slog.StringValue(k.String()) }
