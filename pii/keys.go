package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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
// keyring's first data key. It differs from every other use of the data
// key, so the lookup key and the encryption key are independent.
const lookupInfo = "ingot/pii/lookup-key/v1"

// The sealed formats. "v1:<base64>" is sealed with the keyring's first
// (original) key; "v2:<key id>:<base64>" with the key of that id. Each
// binds its version (and v2 its key id) in the additional data, beside the
// caller's context.
const (
	sealPrefixV1 = "v1:"
	sealPrefixV2 = "v2:"
	adPrefixV1   = "ingot/pii/v1\x00"
	adPrefixV2   = "ingot/pii/v2\x00"
)

// OriginalKeyName names, in reports and in --data-key-id, the original key
// of a keyring whose first key has no id: the key of "v1:" values. It is
// not a valid key id.
const OriginalKeyName = "v1"

const nonceSize = 12 // 96-bit random nonces, the GCM standard size

// maxKeys bounds the keys of one keyring; maxKeyID the length of a key id.
const (
	maxKeys  = 64
	maxKeyID = 32
)

var sealEncoding = base64.RawStdEncoding.Strict()

// Errors returned by [Keys.Open]. None carries the sealed value.
var (
	// ErrMalformed: the value is not a sealed value of a known format.
	ErrMalformed = errors.New("pii: sealed value is malformed")
	// ErrOpen: the value does not authenticate: another key, another
	// context (moved to another row or column), or altered.
	ErrOpen = errors.New("pii: sealed value does not open with this key and context")
	// ErrUnknownKey: the value names a key id the keyring does not hold.
	ErrUnknownKey = errors.New("pii: sealed value names a data key this keyring does not hold")
)

// dataKey is one key of a keyring.
type dataKey struct {
	id   string // "" only for a first key given without an id
	aead cipher.AEAD
}

// Keys is a keyring of data keys, each with a key id, oldest first, and the
// lookup key. New values are sealed with the sealing key (the newest, unless
// [Keys.WithSealKey] chose another); every value opens with the key that
// sealed it, named in the value. The first key is the original one: it
// opens "v1:" values (sealed before keyrings existed, or by a keyring whose
// first key has no id), and the lookup key is derived from it, so lookup
// hashes never change when keys are added.
//
// A Keys is safe for concurrent use and never changes. It never prints its
// keys: fmt and log/slog show "pii.Keys{redacted}".
type Keys struct {
	ring   []*dataKey // oldest first; ring[0] is the original key
	seal   *dataKey
	lookup []byte // HKDF-SHA256(ring[0]'s key, info lookupInfo), 32 bytes
}

// entry is a parsed keyring entry.
type entry struct {
	id  string
	raw []byte
}

// NewKeys makes a keyring of one data key, the original key, without an
// id: it seals "v1:" values. The data key is the AES-256 key; the lookup key
// is derived from it with HKDF-SHA256 (no salt, info
// "ingot/pii/lookup-key/v1"). raw is copied, not kept.
func NewKeys(raw []byte) (*Keys, error) {
	return newKeyring([]entry{{raw: raw}})
}

func newKeyring(entries []entry) (*Keys, error) {
	if len(entries) == 0 {
		return nil, errors.New("pii: no data key")
	}
	k := &Keys{}
	for i, e := range entries {
		if len(e.raw) != KeySize {
			return nil, fmt.Errorf("pii: data key must be %d bytes, got %d", KeySize, len(e.raw))
		}
		if e.id == "" && i > 0 {
			return nil, errors.New("pii: only the first data key may have no key id")
		}
		block, err := aes.NewCipher(e.raw)
		if err != nil {
			return nil, fmt.Errorf("pii: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("pii: %w", err)
		}
		k.ring = append(k.ring, &dataKey{id: e.id, aead: aead})
	}
	lookup, err := hkdf.Key(sha256.New, entries[0].raw, nil, lookupInfo, KeySize)
	if err != nil {
		return nil, fmt.Errorf("pii: deriving lookup key: %w", err)
	}
	k.lookup = lookup
	k.seal = k.ring[len(k.ring)-1]
	return k, nil
}

// GenerateKey returns a new random data key in the form of a bare key in
// INGOT_DATA_KEY or the key file: standard base64 (with padding) of 32
// bytes.
func GenerateKey() string {
	raw := make([]byte, KeySize)
	rand.Read(raw) // never fails; see crypto/rand.Read
	return base64.StdEncoding.EncodeToString(raw)
}

// GenerateKeyEntry returns a new random data key as a keyring entry,
// "<key id> <base64 key>", and its id, which is derived from the key (8 hex digits
// of a hash of it).
func GenerateKeyEntry() (id, entry string) {
	raw := make([]byte, KeySize)
	rand.Read(raw) // never fails; see crypto/rand.Read
	id = keyID(raw)
	return id, id + " " + base64.StdEncoding.EncodeToString(raw)
}

// keyID is the id GenerateKeyEntry gives a key: 8 hex digits of SHA-256 of
// a label and the key, so that two processes that name one id with
// different keys (a mistake) disagree visibly.
func keyID(raw []byte) string {
	h := sha256.New()
	io.WriteString(h, "ingot/pii/key-id\x00")
	h.Write(raw)
	return hex.EncodeToString(h.Sum(nil)[:4])
}

// ValidKeyID reports whether id can name a data key: 1 to 32 letters,
// digits, '.', '_' or '-', and not "v1" (OriginalKeyName).
func ValidKeyID(id string) bool {
	if id == "" || len(id) > maxKeyID || id == OriginalKeyName {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ParseKey decodes a keyring: the text of INGOT_DATA_KEY or of the key
// file. It is a list of entries, oldest first, separated by newlines or
// commas; each entry is "<key id> <base64 key>" (standard base64 of 32
// bytes), except that the first may be a bare "<base64 key>", the original
// key without an id (a single bare key is the form of earlier versions and
// of GenerateKey). Surrounding white space, empty entries and lines starting
// with '#' are ignored. Key ids are unique, and so are keys; at most 64
// keys. Its errors never contain key material.
func ParseKey(s string) (*Keys, error) {
	entries, err := parseEntries(s)
	if err != nil {
		return nil, err
	}
	return newKeyring(entries)
}

func parseEntries(s string) ([]entry, error) {
	if len(s) > maxKeyFile {
		return nil, errors.New("pii: data keys: too long")
	}
	var out []entry
	ids := map[string]bool{}
	keys := map[string]bool{}
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		for item := range strings.SplitSeq(line, ",") {
			fields := strings.Fields(item)
			if len(fields) == 0 {
				continue
			}
			n := len(out) + 1
			var e entry
			var b64 string
			switch len(fields) {
			case 1:
				if n > 1 {
					return nil, fmt.Errorf("pii: data key %d has no key id; only the first key may be given bare (want \"<key id> <base64 key>\")", n)
				}
				b64 = fields[0]
			case 2:
				e.id, b64 = fields[0], fields[1]
				if !ValidKeyID(e.id) {
					return nil, fmt.Errorf("pii: data key %d: a key id is 1 to %d letters, digits, '.', '_' or '-' (and not %q)", n, maxKeyID, OriginalKeyName)
				}
				if ids[e.id] {
					return nil, fmt.Errorf("pii: data key %d: key id %s appears twice", n, e.id)
				}
				ids[e.id] = true
			default:
				return nil, fmt.Errorf("pii: data key %d: want \"<key id> <base64 key>\", got %d words", n, len(fields))
			}
			raw, err := base64.StdEncoding.Strict().DecodeString(b64)
			if err != nil {
				return nil, fmt.Errorf("pii: data key %d is not standard base64", n)
			}
			if len(raw) != KeySize {
				return nil, fmt.Errorf("pii: data key %d must be base64 of %d bytes, got %d bytes", n, KeySize, len(raw))
			}
			if keys[string(raw)] {
				return nil, fmt.Errorf("pii: data key %d is the same key as an earlier one", n)
			}
			keys[string(raw)] = true
			if n > maxKeys {
				return nil, fmt.Errorf("pii: more than %d data keys", maxKeys)
			}
			e.raw = raw
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("pii: no data key")
	}
	return out, nil
}

// KeyIDs names the keyring's keys, oldest first: their ids, and "v1"
// (OriginalKeyName) for a first key without one.
func (k *Keys) KeyIDs() []string {
	out := make([]string, len(k.ring))
	for i, d := range k.ring {
		out[i] = d.name()
	}
	return out
}

func (d *dataKey) name() string {
	if d.id == "" {
		return OriginalKeyName
	}
	return d.id
}

// SealKeyID names the key that seals new values (as KeyIDs names it).
func (k *Keys) SealKeyID() string { return k.seal.name() }

// SealedPrefix is how every value sealed by this keyring's sealing key
// starts: "v2:<key id>:", or "v1:" for an original key without an id. A
// stored value that does not start with it is sealed with another key and
// is what `ingot rekey` re-seals.
func (k *Keys) SealedPrefix() string {
	if k.seal.id == "" {
		return sealPrefixV1
	}
	return sealPrefixV2 + k.seal.id + ":"
}

// WithSealKey returns a keyring with the same keys that seals new values
// with the key named id (an id of KeyIDs), rather than the newest: while a
// new key is being given to every process, the processes that have it
// already go on sealing with the key all the others have.
func (k *Keys) WithSealKey(id string) (*Keys, error) {
	for _, d := range k.ring {
		if d.name() == id {
			c := *k
			c.seal = d
			return &c, nil
		}
	}
	return nil, fmt.Errorf("pii: no data key with id %q in the keyring (it holds %s)", id, strings.Join(k.KeyIDs(), ", "))
}

// SealedWith names the key a sealed value says it was sealed with ("v1"
// for a "v1:" value, else its key id), without opening it; ok is false for
// a value that is not sealed.
func SealedWith(sealed string) (name string, ok bool) {
	if strings.HasPrefix(sealed, sealPrefixV1) {
		return OriginalKeyName, true
	}
	rest, ok := strings.CutPrefix(sealed, sealPrefixV2)
	if !ok {
		return "", false
	}
	id, _, ok := strings.Cut(rest, ":")
	if !ok || !ValidKeyID(id) {
		return "", false
	}
	return id, true
}

// IsSealed reports whether s has the form of a sealed value ("v1:" or
// "v2:"), as opposed to "" or a value stored in clear before sealing
// existed. It does not say that s opens.
func IsSealed(s string) bool {
	return strings.HasPrefix(s, sealPrefixV1) || strings.HasPrefix(s, sealPrefixV2)
}

// LoadOrCreateKey finds the keyring.
//
// When env (the value of INGOT_DATA_KEY) is not empty, it is the keyring,
// in the form ParseKey reads, and path is not looked at.
//
// Otherwise the keyring is read from the file at path, which holds the same
// text. The file must be a regular file that neither group nor others may
// read or write (mode 0600 or stricter), and must hold a valid keyring;
// anything else is refused, never repaired or replaced.
//
// When the file does not exist it is created with one new key (with an id,
// so that it seals "v2:" values): its directory is made with mode 0700 when
// missing, the key is written and synced to a temporary file (mode 0600) in
// that directory, which is then hard-linked to path. Linking fails when
// path exists, so processes starting at the same time all end up with the
// key of whichever linked first.
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
	k, err := LoadKeyFile(path)
	if !errors.Is(err, os.ErrNotExist) {
		return k, err
	}
	if err := createKeyFile(path); err != nil {
		return nil, err
	}
	return LoadKeyFile(path)
}

// maxKeyFile bounds how much of a key file (or INGOT_DATA_KEY) is read; a
// key is 45 bytes, an entry with an id at most 78.
const maxKeyFile = 64 << 10

// LoadKeyFile reads the keyring of an existing key file, with the checks
// of LoadOrCreateKey. A missing file is an error that wraps os.ErrNotExist.
func LoadKeyFile(path string) (*Keys, error) {
	b, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("pii: key file %s: %w", path, err)
	}
	return k, nil
}

func readKeyFile(path string) ([]byte, error) {
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
		return nil, fmt.Errorf("pii: key file %s is too large to hold data keys", path)
	}
	return b, nil
}

// keyFileHeader starts a key file made by Ingot.
const keyFileHeader = `# Ingot data keys: "<key id> <base64 key>" per line, oldest first.
# The newest seals new values; every key opens what it sealed. The first
# key also derives the lookup hashes: never remove or change it.
`

// createKeyFile writes a new keyring of one key to path unless path exists
// by then. It returns nil both when it created the file and when another
// process (or goroutine) did first.
func createKeyFile(path string) (err error) {
	_, e := GenerateKeyEntry()
	return writeKeyFile(path, keyFileHeader+e+"\n", false)
}

// AddKeyFileKey appends a new key (GenerateKeyEntry) to the keyring in the
// key file at path, which must exist and hold a valid keyring, and returns
// its id. The file is replaced atomically (a new file, mode 0600, synced,
// renamed over it), so a process starting meanwhile reads the old keyring
// or the new one. Processes read their keyring at start: restart them to
// use the new key.
func AddKeyFileKey(path string) (id string, err error) {
	b, err := readKeyFile(path)
	if err != nil {
		return "", err
	}
	if _, err := ParseKey(string(b)); err != nil {
		return "", fmt.Errorf("pii: key file %s: %w", path, err)
	}
	id, e := GenerateKeyEntry()
	text := string(b)
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	text += e + "\n"
	if _, err := ParseKey(text); err != nil { // a full keyring, say
		return "", fmt.Errorf("pii: key file %s: %w", path, err)
	}
	return id, writeKeyFile(path, text, true)
}

// writeKeyFile writes text to path through a synced temporary file (mode
// 0600) in its directory, linked to path (which must not exist) or, with
// replace, renamed over it.
func writeKeyFile(path, text string, replace bool) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("pii: key directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".ingot-data-key-*") // mode 0600
	if err != nil {
		return fmt.Errorf("pii: writing key file: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("pii: writing key file: %w", err)
	}
	if _, err := tmp.WriteString(text); err != nil {
		return fmt.Errorf("pii: writing key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("pii: writing key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("pii: writing key file: %w", err)
	}
	if replace {
		if err := os.Rename(tmp.Name(), path); err != nil {
			return fmt.Errorf("pii: writing key file: %w", err)
		}
	} else if err := os.Link(tmp.Name(), path); err != nil {
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

// Seal encrypts plaintext with AES-256-GCM under the sealing key and a
// fresh random 96-bit nonce, and returns "v2:<key id>:" (or "v1:" for an
// original key without an id) followed by unpadded standard base64 of
// nonce || ciphertext || tag: printable, and safe in a TEXT column.
//
// context is authenticated but not stored: Open must be given the same
// context. Use the column and the record's id (for example
// "holder_phone:6212345678901234"), so that a value moved to another row or
// column does not open. The format version and the key id are
// authenticated too.
//
// The empty plaintext seals to "" (and "" opens to "" under any context):
// an empty column means "no value", and a caller that requires a value must
// check for it. Every other plaintext seals to a different string each time.
func (k *Keys) Seal(plaintext, context string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	d := k.seal
	buf := make([]byte, nonceSize, nonceSize+len(plaintext)+d.aead.Overhead())
	rand.Read(buf) // never fails; see crypto/rand.Read
	buf = d.aead.Seal(buf, buf[:nonceSize], []byte(plaintext), additionalData(d.id, context))
	if d.id == "" {
		return sealPrefixV1 + sealEncoding.EncodeToString(buf), nil
	}
	return sealPrefixV2 + d.id + ":" + sealEncoding.EncodeToString(buf), nil
}

// Open reverses Seal with the same context, with the key the value names:
// the first key for "v1:", the key of its id for "v2:". It returns
// ErrMalformed for a value that is not a sealed value, ErrUnknownKey for
// one sealed with a key the keyring does not hold, and ErrOpen for one
// that does not authenticate (another key, another context, or altered).
// "" opens to "".
func (k *Keys) Open(sealed, context string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	var d *dataKey
	var id, enc string // id: the key id bound in the additional data
	if rest, ok := strings.CutPrefix(sealed, sealPrefixV1); ok {
		d, enc = k.ring[0], rest
	} else if rest, ok := strings.CutPrefix(sealed, sealPrefixV2); ok {
		var found bool
		if id, enc, found = strings.Cut(rest, ":"); !found || !ValidKeyID(id) {
			return "", ErrMalformed
		}
		for _, r := range k.ring {
			if r.id == id {
				d = r
			}
		}
	} else {
		return "", ErrMalformed
	}
	if !isBase64(enc) { // the decoder skips '\r' and '\n'; a sealed value has none
		return "", ErrMalformed
	}
	if d == nil {
		return "", ErrUnknownKey
	}
	raw, err := sealEncoding.DecodeString(enc)
	if err != nil || len(raw) < nonceSize+d.aead.Overhead() {
		return "", ErrMalformed
	}
	pt, err := d.aead.Open(nil, raw[:nonceSize], raw[nonceSize:], additionalData(id, context))
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

// additionalData binds the format, the key id (v2) and the context: v1
// "ingot/pii/v1" 0 context, v2 "ingot/pii/v2" 0 id 0 context. A key id has
// no zero byte, so the encoding is unambiguous.
func additionalData(id, context string) []byte {
	if id == "" {
		return append([]byte(adPrefixV1), context...)
	}
	ad := append([]byte(adPrefixV2), id...)
	ad = append(ad, 0)
	return append(ad, context...)
}

// Lookup kinds for LookupHash.
const (
	// KindPhone hashes a phone number in E.164 form (see NormalizePhone).
	KindPhone = "phone"
)

// LookupHash returns HMAC-SHA256, under the lookup key, of kind, a zero
// byte and value: 32 bytes that are equal for equal (kind, value) pairs
// under keyrings with the same first key (adding keys changes no hash), and
// that reveal nothing of value without the key.
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
