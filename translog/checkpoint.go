package translog

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// DefaultOrigin is the origin (log name, and name of the signing key) used
// when none is configured. Deployments set their own, a schema-less URL such
// as "cbdc.example-central-bank.org/ingot/log", with `--log-origin` or
// INGOT_LOG_ORIGIN.
const DefaultOrigin = "ingot.example/log"

// ErrMalformedCheckpoint is wrapped by the errors of [ParseCheckpoint] and
// [OpenCheckpoint] for a note text that is not a C2SP checkpoint.
var ErrMalformedCheckpoint = errors.New("translog: malformed checkpoint")

// maxCheckpointSize bounds the note text accepted by ParseCheckpoint.
const maxCheckpointSize = 1 << 16

// CheckOrigin reports whether origin can name a log and its key: a
// non-empty UTF-8 string without Unicode spaces or '+', as the signed-note
// format requires of key names (and C2SP recommends for origins).
func CheckOrigin(origin string) error {
	if origin == "" || !utf8.ValidString(origin) || strings.IndexFunc(origin, unicode.IsSpace) >= 0 ||
		strings.ContainsRune(origin, '+') || strings.IndexFunc(origin, unicode.IsControl) >= 0 {
		return fmt.Errorf("translog: origin %q must be non-empty UTF-8 without spaces, control characters or '+'", origin)
	}
	return nil
}

// Signer signs the log's checkpoints with an Ed25519 note key, and takes
// the log through a rotation of its key (rotation.go).
//
// A Signer made by NewSigner or LoadSigner has one key and signs with it;
// after Resume, with the key lines of the log's current epoch. One made by
// WithRotation (as `ingot serve` makes it) reads the log's latest
// checkpoint before each signature (the engine's batch has locked the log
// head when it signs, so that is the checkpoint the new one follows) and
// signs with the key of the log's current epoch; it may also hold the key
// its key replaces (previous), and then announces its key over it, signed
// by both, or the key that replaces it (next). So every process of a log
// signs with the same key, whatever key each was started with, provided
// each holds that key; one that does not fails to sign.
type Signer struct {
	key  *noteKey // this Signer's key
	prev *noteKey // the key it replaces, or nil
	next *noteKey // the key that replaces it, or nil
	// latest reads the log's latest signed checkpoint (nil: the log is
	// empty); set when prev or next is.
	latest func() ([]byte, error)

	mu    sync.Mutex
	epoch Epoch  // the log's current epoch, as last seen; its key is key, prev or next
	seen  []byte // the latest checkpoint, when epoch was taken from it
}

type noteKey struct {
	s    note.Signer
	vkey string
}

// NewSigner makes a Signer from a note signer key
// ("PRIVATE+KEY+<name>+<hash>+<base64 key>", as note.GenerateKey and
// [LoadOrCreateKey] make it, or as INGOT_SIGNING_KEY holds it).
func NewSigner(skey string) (*Signer, error) {
	k, err := newNoteKey(skey)
	if err != nil {
		return nil, err
	}
	return &Signer{key: k, epoch: Epoch{Key: k.vkey}}, nil
}

func newNoteKey(skey string) (*noteKey, error) {
	skey = strings.TrimSpace(skey)
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("translog: signing key: %v", err)
	}
	// note.NewSigner has checked the format and that the key hash matches
	// the public key; derive that public key for the verifier key.
	parts := strings.SplitN(skey, "+", 5)
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return nil, errors.New("translog: signing key is not an Ed25519 note key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(s.Name(), pub)
	if err != nil {
		return nil, fmt.Errorf("translog: signing key: %v", err)
	}
	return &noteKey{s: s, vkey: vkey}, nil
}

// Name is the key's name, which is the log's origin.
func (s *Signer) Name() string { return s.key.s.Name() }

// VerifierKey is the public verifier key in note format
// ("<name>+<hash>+<base64 of 0x01 || Ed25519 public key>") of the log's
// current key, as far as this Signer knows: its own key, unless the log is
// still in its previous key's epoch or has moved to its next key's. It is
// what GET /v1/log/key serves and auditors pin.
func (s *Signer) VerifierKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.epoch.Key
}

// OwnVerifierKey is the verifier key of this Signer's own key.
func (s *Signer) OwnVerifierKey() string { return s.key.vkey }

// Epoch is the log's current epoch, as far as this Signer knows.
func (s *Signer) Epoch() Epoch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.epoch
}

// NoteSigner returns the note.Signer of this Signer's own key.
func (s *Signer) NoteSigner() note.Signer { return s.key.s }

// WithRotation returns a Signer of s's key that also holds previous, the
// key s's key replaces, or next, the key that replaces it (either or both
// may be nil), and reads the log's latest checkpoint with latest before each
// signature (latest returns nil for an empty log), so that it signs with
// the key of the log's current epoch whatever other processes did. With
// previous, the first checkpoint it signs while the log is in previous's
// epoch is signed by both keys and announces s's key; with next, it signs
// with next once the log has moved to next's epoch; with neither, it
// refuses to sign (an error, not a signature by a key the log left) once
// the log has moved to a key it does not hold. Call Resume before signing.
func (s *Signer) WithRotation(previous, next *Signer, latest func() ([]byte, error)) (*Signer, error) {
	if latest == nil {
		return nil, errors.New("translog: a rotating signer needs to read the log's latest checkpoint")
	}
	r := &Signer{key: s.key, latest: latest, epoch: Epoch{Key: s.key.vkey}}
	for _, o := range []struct {
		what string
		k    *Signer
		to   **noteKey
	}{{"previous", previous, &r.prev}, {"next", next, &r.next}} {
		if o.k == nil {
			continue
		}
		if o.k.Name() != s.Name() {
			return nil, fmt.Errorf("translog: the %s signing key is named %q, not %q", o.what, o.k.Name(), s.Name())
		}
		if o.k.key.vkey == s.key.vkey {
			return nil, fmt.Errorf("translog: the %s signing key is the signing key", o.what)
		}
		*o.to = o.k.key
	}
	if r.prev != nil && r.next != nil && r.prev.vkey == r.next.vkey {
		return nil, errors.New("translog: the previous and the next signing keys are the same")
	}
	return r, nil
}

// Resume takes the log's epoch from its latest checkpoint (nil or empty:
// the log is empty, and the Signer's key starts it). It fails when the
// checkpoint does not verify with one of the Signer's keys as a checkpoint
// of that key's epoch: a Signer never signs a log whose key it does not
// hold.
func (s *Signer) Resume(latest []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(latest) == 0 {
		s.epoch, s.seen = Epoch{Key: s.key.vkey}, nil
		return nil
	}
	return s.resumeLocked(latest)
}

func (s *Signer) keys() []*noteKey {
	out := []*noteKey{s.key}
	for _, k := range []*noteKey{s.prev, s.next} {
		if k != nil {
			out = append(out, k)
		}
	}
	return out
}

func (s *Signer) resumeLocked(msg []byte) error {
	text, err := noteText(msg)
	if err != nil {
		return err
	}
	_, tree, keys, err := ParseCheckpointKeys(text)
	if err != nil {
		return err
	}
	var mine []string
	for _, k := range s.keys() {
		mine = append(mine, k.vkey)
	}
	e := keys.Key
	if e == (Epoch{}) {
		// The first epoch: the checkpoint does not name its key; it is
		// whichever of ours signs it.
		for _, k := range mine {
			if _, err := OpenCheckpoint(msg, k, s.Name()); err == nil {
				e = Epoch{Key: k}
				break
			}
		}
		if e.Key == "" {
			return fmt.Errorf("translog: the log's latest checkpoint, of size %d, is signed by none of this process's keys (%s)", tree.N, strings.Join(mine, ", "))
		}
	} else if !slices.Contains(mine, e.Key) {
		return fmt.Errorf("translog: the log's latest checkpoint, of size %d, is signed by key %s since size %d, which is none of this process's keys (%s)", tree.N, e.Key, e.Since, strings.Join(mine, ", "))
	}
	if _, got, err := OpenRotating(msg, s.Name(), e); err != nil {
		return err
	} else if got != e {
		return fmt.Errorf("translog: the log's latest checkpoint, of size %d, does not stay in the epoch of key %s", tree.N, e.Key)
	}
	s.epoch, s.seen = e, bytes.Clone(msg)
	return nil
}

// sign signs the checkpoint of tree with the key of the log's current
// epoch, or announces this Signer's key over its previous one.
func (s *Signer) sign(origin string, tree tlog.Tree) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.latest != nil {
		msg, err := s.latest()
		if err != nil {
			return nil, fmt.Errorf("translog: read the log's latest checkpoint: %w", err)
		}
		if len(msg) > 0 && !bytes.Equal(msg, s.seen) {
			if err := s.resumeLocked(msg); err != nil {
				return nil, err
			}
		}
	}
	var keys CheckpointKeys
	var signers []note.Signer
	announce := false
	if s.epoch.Since > 0 {
		keys.Key = s.epoch
	}
	switch {
	case s.epoch.Key == s.key.vkey:
		signers = []note.Signer{s.key.s}
	case s.next != nil && s.epoch.Key == s.next.vkey:
		signers = []note.Signer{s.next.s}
	case s.prev != nil && s.epoch.Key == s.prev.vkey:
		prev := s.epoch
		keys = CheckpointKeys{Key: Epoch{Since: tree.N, Key: s.key.vkey}, Previous: &prev}
		signers = []note.Signer{s.prev.s, s.key.s}
		announce = true
	default:
		return nil, fmt.Errorf("translog: the log's key %s is not one of this process's keys", s.epoch.Key)
	}
	text, err := FormatCheckpointKeys(origin, tree, keys)
	if err != nil {
		return nil, err
	}
	msg, err := note.Sign(&note.Note{Text: string(text)}, signers...)
	if err != nil {
		return nil, fmt.Errorf("translog: signing checkpoint: %v", err)
	}
	if announce {
		// The log is taken to be in the new epoch: this checkpoint commits
		// with its batch, or the batch fails and the next signature reads
		// the latest checkpoint, which is then not this one.
		s.epoch = keys.Key
	}
	// When this checkpoint is the latest at the next signature (no other
	// process signed meanwhile), the epoch is known: no need to check it.
	s.seen = msg
	return msg, nil
}

// LoadSigner returns the log's signer: from key, the content of
// INGOT_SIGNING_KEY, when it is not empty, otherwise from the key file at
// path, made at first use by [LoadOrCreateKey]. The key's name must be
// origin.
func LoadSigner(key, path, origin string) (*Signer, error) {
	if err := CheckOrigin(origin); err != nil {
		return nil, err
	}
	if strings.TrimSpace(key) == "" {
		var err error
		if key, _, err = LoadOrCreateKey(path, origin); err != nil {
			return nil, err
		}
	}
	s, err := NewSigner(key)
	if err != nil {
		return nil, err
	}
	if s.Name() != origin {
		return nil, fmt.Errorf("translog: signing key is named %q, but the log's origin is %q", s.Name(), origin)
	}
	return s, nil
}

// LoadExistingSigner returns the signer of an existing key named origin:
// from key (the content of an environment variable) when it is not empty,
// otherwise from the key file at path, which it never creates, with the
// checks of LoadOrCreateKey; nil when key and path are both empty.
func LoadExistingSigner(key, path, origin string) (*Signer, error) {
	if err := CheckOrigin(origin); err != nil {
		return nil, err
	}
	if strings.TrimSpace(key) == "" {
		if path == "" {
			return nil, nil
		}
		var err error
		if key, _, err = readKeyFile(path, origin); err != nil {
			return nil, err
		}
	}
	s, err := NewSigner(key)
	if err != nil {
		return nil, err
	}
	if s.Name() != origin {
		return nil, fmt.Errorf("translog: signing key is named %q, but the log's origin is %q", s.Name(), origin)
	}
	return s, nil
}

// LoadOrCreateKey returns the Ed25519 note key pair named origin kept in the
// file at path. At first use (no file) it generates one and writes the
// signer key to a new file with permissions 0600 (creating missing
// directories with 0700). It refuses a file that group or others may read
// or write, one that is not a regular file, and one whose key has another
// name than origin.
func LoadOrCreateKey(path, origin string) (skey, vkey string, err error) {
	if err := CheckOrigin(origin); err != nil {
		return "", "", err
	}
	if path == "" {
		return "", "", errors.New("translog: no signing key file given")
	}
	skey, vkey, err = readKeyFile(path, origin)
	if !errors.Is(err, fs.ErrNotExist) {
		return skey, vkey, err
	}
	skey, vkey, err = note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", "", fmt.Errorf("translog: generating signing key: %v", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("translog: signing key directory: %w", err)
	}
	// Write the key to a private temporary file and link it into place:
	// the link appears atomically, complete, and only if no other process
	// made the key first.
	f, err := os.CreateTemp(dir, ".signing-key-*")
	if err != nil {
		return "", "", fmt.Errorf("translog: creating signing key file: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	err = f.Chmod(0o600)
	if err == nil {
		_, err = io.WriteString(f, skey+"\n")
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", "", fmt.Errorf("translog: writing signing key file: %w", err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another process made it meanwhile: use that one.
			return readKeyFile(path, origin)
		}
		return "", "", fmt.Errorf("translog: creating signing key file: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: make the new directory entry durable
		d.Close()
	}
	return skey, vkey, nil
}

func readKeyFile(path, origin string) (skey, vkey string, err error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", "", err
		}
		return "", "", fmt.Errorf("translog: signing key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", "", fmt.Errorf("translog: signing key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", "", fmt.Errorf("translog: signing key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", "", fmt.Errorf("translog: signing key file %s has permissions %04o; group and others must have none (chmod 600)", path, perm)
	}
	data, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", "", fmt.Errorf("translog: signing key file: %w", err)
	}
	s, err := NewSigner(string(data))
	if err != nil {
		return "", "", fmt.Errorf("translog: signing key file %s: %w", path, err)
	}
	if s.Name() != origin {
		return "", "", fmt.Errorf("translog: signing key file %s holds a key named %q, but the log's origin is %q", path, s.Name(), origin)
	}
	return strings.TrimSpace(string(data)), s.VerifierKey(), nil
}

// FormatCheckpoint returns the note text of a C2SP tlog-checkpoint:
//
//	<origin>\n<tree size in decimal>\n<base64 of the root hash>\n
func FormatCheckpoint(origin string, tree tlog.Tree) ([]byte, error) {
	if err := CheckOrigin(origin); err != nil {
		return nil, err
	}
	if tree.N < 0 {
		return nil, fmt.Errorf("translog: negative tree size %d", tree.N)
	}
	return fmt.Appendf(nil, "%s\n%d\n%s\n", origin, tree.N, base64.StdEncoding.EncodeToString(tree.Hash[:])), nil
}

// ParseCheckpoint parses the note text of a C2SP tlog-checkpoint (not the
// signed note: see [OpenCheckpoint]). It is strict: the text ends in a
// newline and has at least three non-empty lines; the size is decimal with no
// sign and no leading zero; the root is the canonical standard base64 of 32
// bytes. Extension lines, which must be non-empty, are ignored.
func ParseCheckpoint(text []byte) (origin string, tree tlog.Tree, err error) {
	bad := func(why string) (string, tlog.Tree, error) {
		return "", tlog.Tree{}, fmt.Errorf("%w: %s", ErrMalformedCheckpoint, why)
	}
	if len(text) > maxCheckpointSize {
		return bad("too long")
	}
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return bad("does not end in a newline")
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) < 3 {
		return bad("fewer than three lines")
	}
	for _, l := range lines {
		if l == "" {
			return bad("empty line")
		}
	}
	origin = lines[0]
	if !utf8.ValidString(origin) {
		return bad("origin is not UTF-8")
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != lines[1] {
		return bad("tree size is not a decimal number without sign or leading zeros")
	}
	h, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize || base64.StdEncoding.EncodeToString(h) != lines[2] {
		return bad("root hash is not the base64 of 32 bytes")
	}
	tree.N = n
	copy(tree.Hash[:], h)
	return origin, tree, nil
}

// SignCheckpoint returns the signed note of the checkpoint of tree:
// the note text of [FormatCheckpoint] with the key lines of the log's
// current epoch (none before the log's first rotation), a blank line, and
// the signature line "— <key name> <base64 of key hash (4 bytes) ||
// Ed25519 signature>" of the epoch's key; in the checkpoint that announces
// a new key, one line for each of the two keys (see [Signer]). origin
// should be s.Name(), as C2SP recommends. The engine calls it with the
// log's head locked, so a rotating Signer reads the checkpoint this one
// follows.
func SignCheckpoint(s *Signer, origin string, tree tlog.Tree) ([]byte, error) {
	return s.sign(origin, tree)
}

// OpenCheckpoint verifies a signed checkpoint note against a verifier key
// (note format, as [Signer.VerifierKey] gives it) and returns its tree. It
// fails unless the key is named origin (when origin is empty, the key's name
// is taken as the origin), the note carries a valid signature by that key
// (others' signatures, such as witnesses', are ignored), its text is a
// well-formed checkpoint ([ParseCheckpoint]), and its origin line is origin.
func OpenCheckpoint(msg []byte, verifierKey string, origin string) (tlog.Tree, error) {
	v, err := note.NewVerifier(strings.TrimSpace(verifierKey))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("translog: verifier key: %v", err)
	}
	if origin == "" {
		origin = v.Name()
	}
	if v.Name() != origin {
		return tlog.Tree{}, fmt.Errorf("translog: verifier key is named %q, not after the log's origin %q", v.Name(), origin)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("translog: checkpoint not signed by %s: %w", v.Name(), err)
	}
	got, tree, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return tlog.Tree{}, err
	}
	if got != origin {
		return tlog.Tree{}, fmt.Errorf("translog: checkpoint of log %q, want %q", got, origin)
	}
	return tree, nil
}
