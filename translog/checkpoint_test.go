package translog

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func newTestSigner(t testing.TB, origin string) *Signer {
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	if s.VerifierKey() != vkey || s.Name() != origin || s.NoteSigner().Name() != origin {
		t.Fatalf("NewSigner: verifier key %q, want %q; name %q", s.VerifierKey(), vkey, s.Name())
	}
	return s
}

func testTree(n int64) tlog.Tree {
	var b Builder
	for i := range n {
		b.Add(leafData(int(i)))
	}
	return b.Tree()
}

func TestCheckpointRoundTrip(t *testing.T) {
	t.Parallel()
	s := newTestSigner(t, DefaultOrigin)
	for _, n := range []int64{0, 1, 2, 7, 100} {
		tree := testTree(n)
		msg, err := SignCheckpoint(s, s.Name(), tree)
		if err != nil {
			t.Fatal(err)
		}
		// The C2SP layout, byte for byte up to the signature.
		wantText := DefaultOrigin + "\n" + itoa(n) + "\n" + base64.StdEncoding.EncodeToString(tree.Hash[:]) + "\n"
		if !bytes.HasPrefix(msg, []byte(wantText+"\n— "+DefaultOrigin+" ")) || !bytes.HasSuffix(msg, []byte("\n")) {
			t.Fatalf("checkpoint:\n%s\nwant text\n%s", msg, wantText)
		}
		got, err := OpenCheckpoint(msg, s.VerifierKey(), DefaultOrigin)
		if err != nil || got != tree {
			t.Fatalf("OpenCheckpoint = %v, %v; want %v", got, err, tree)
		}
		// The origin defaults to the key's name.
		if got, err := OpenCheckpoint(msg, s.VerifierKey(), ""); err != nil || got != tree {
			t.Fatalf("OpenCheckpoint without origin = %v, %v", got, err)
		}
		// Plain x/mod/sumdb/note opens it too.
		v, _ := note.NewVerifier(s.VerifierKey())
		if nt, err := note.Open(msg, note.VerifierList(v)); err != nil || nt.Text != wantText {
			t.Fatalf("note.Open: %v %q", err, nt.Text)
		}
	}
}

func itoa(n int64) string {
	return strings.TrimSpace(strings.Replace(string(mustFormat(n)), "x\n", "", 1))
}

func mustFormat(n int64) []byte {
	b, _ := FormatCheckpoint("x", tlog.Tree{N: n})
	return bytes.SplitN(b, []byte("\n"), 3)[1]
}

func TestCheckpointRejected(t *testing.T) {
	t.Parallel()
	s := newTestSigner(t, DefaultOrigin)
	other := newTestSigner(t, DefaultOrigin) // same name, another key
	stranger := newTestSigner(t, "other.example/log")
	tree := testTree(10)
	msg, err := SignCheckpoint(s, DefaultOrigin, tree)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(msg), "\n")

	byOther, _ := SignCheckpoint(other, DefaultOrigin, tree)
	changedRoot := strings.Replace(string(msg), lines[2], testTree(11).Hash.String(), 1)
	changedSize := strings.Replace(string(msg), "\n10\n", "\n11\n", 1)
	zeroRoot := strings.Replace(string(msg), lines[2], tlog.Hash{}.String(), 1)
	changedSig := strings.Replace(string(msg), lines[4], lines[4][:len(lines[4])-6]+"AAAAA=", 1)
	wrongOrigin, _ := SignCheckpoint(s, "other.example/log", tree)
	byStranger, _ := SignCheckpoint(stranger, "other.example/log", tree)
	extraLine := strings.Replace(string(msg), lines[2]+"\n", lines[2]+"\nextension\n", 1)
	unsigned := strings.Join(lines[:4], "\n")

	for name, c := range map[string]struct {
		msg    string
		origin string
		check  func(error) bool
	}{
		"signed by another key":  {string(byOther), DefaultOrigin, isUnverified},
		"changed root":           {changedRoot, DefaultOrigin, isInvalidSig},
		"changed size":           {changedSize, DefaultOrigin, isInvalidSig},
		"zero root":              {zeroRoot, DefaultOrigin, isInvalidSig},
		"changed signature":      {changedSig, DefaultOrigin, isInvalidSig},
		"added extension line":   {extraLine, DefaultOrigin, isInvalidSig},
		"another log's origin":   {string(wrongOrigin), "", isOrigin},
		"expected another log":   {string(msg), "other.example/log", isOrigin},
		"another log's key":      {string(byStranger), "", isUnverified},
		"no signature":           {unsigned, DefaultOrigin, notNil},
		"empty":                  {"", DefaultOrigin, notNil},
		"signature only":         {lines[4] + "\n", DefaultOrigin, notNil},
		"text without signature": {strings.Join(lines[:3], "\n") + "\n", DefaultOrigin, notNil},
	} {
		_, err := OpenCheckpoint([]byte(c.msg), s.VerifierKey(), c.origin)
		if !c.check(err) {
			t.Errorf("%s: OpenCheckpoint error %v", name, err)
		}
	}
	if _, err := OpenCheckpoint(msg, "not a key", ""); err == nil {
		t.Error("bad verifier key accepted")
	}
}

func isUnverified(err error) bool {
	var e *note.UnverifiedNoteError
	return errors.As(err, &e)
}

func isInvalidSig(err error) bool {
	var e *note.InvalidSignatureError
	return errors.As(err, &e)
}

func isOrigin(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "checkpoint of log") || strings.Contains(err.Error(), "not after the log's origin"))
}

func notNil(err error) bool { return err != nil }

// TestCheckpointWitnessed: signatures by other keys (witnesses' cosignatures)
// are ignored, as C2SP requires.
func TestCheckpointWitnessed(t *testing.T) {
	t.Parallel()
	s := newTestSigner(t, DefaultOrigin)
	w := newTestSigner(t, "witness.example/w1")
	tree := testTree(5)
	msg, err := SignCheckpoint(s, DefaultOrigin, tree)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(msg, note.VerifierList(mustVerifier(t, s.VerifierKey())))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(n, w.NoteSigner())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(cosigned, []byte("\n— ")) != 2 {
		t.Fatalf("not cosigned:\n%s", cosigned)
	}
	if got, err := OpenCheckpoint(cosigned, s.VerifierKey(), ""); err != nil || got != tree {
		t.Fatalf("cosigned checkpoint: %v %v", got, err)
	}
	// Only the witness's key does not open it as the log's checkpoint.
	if _, err := OpenCheckpoint(cosigned, w.VerifierKey(), DefaultOrigin); !isOrigin(err) {
		t.Fatalf("opened with the witness's key: %v", err)
	}
}

func mustVerifier(t testing.TB, vkey string) note.Verifier {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseCheckpoint(t *testing.T) {
	t.Parallel()
	root := testTree(3).Hash.String()
	good := map[string]tlog.Tree{
		"a/log\n3\n" + root + "\n":                 {N: 3, Hash: testTree(3).Hash},
		"a/log\n3\n" + root + "\next\nmore ext\n":  {N: 3, Hash: testTree(3).Hash},
		"a/log\n0\n" + tlog.Hash{}.String() + "\n": {N: 0},
	}
	for text, want := range good {
		origin, tree, err := ParseCheckpoint([]byte(text))
		if err != nil || origin != "a/log" || tree != want {
			t.Errorf("ParseCheckpoint(%q) = %q, %v, %v", text, origin, tree, err)
		}
	}
	h := testTree(3).Hash
	b := base64.StdEncoding
	for _, text := range []string{
		"",
		"a/log\n3\n" + root,         // no final newline
		"a/log\n3\n",                // two lines
		"\n3\n" + root + "\n",       // empty origin
		"a/log\n03\n" + root + "\n", // leading zero
		"a/log\n+3\n" + root + "\n", // sign
		"a/log\n-3\n" + root + "\n", // negative
		"a/log\n 3\n" + root + "\n", // space
		"a/log\n3x\n" + root + "\n", // not a number
		"a/log\n99999999999999999999\n" + root + "\n",                                           // overflow
		"a/log\n3\n" + b.EncodeToString(h[:31]) + "\n",                                          // 31 bytes
		"a/log\n3\n" + b.EncodeToString(append(h[:], 0)) + "\n",                                 // 33 bytes
		"a/log\n3\n" + strings.TrimRight(root, "=") + "\n",                                      // no padding
		"a/log\n3\n" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 32)) + "\n", // URL alphabet
		"a/log\n3\n" + root[:42] + "B=\n",                                                       // non-canonical last char
		"a/log\n3\n" + root + "\n\n",                                                            // empty extension line
		"a/log\n3\n" + root + "\nx\n\ny\n",                                                      // empty line inside
		"a/log\n3\n" + root + "\n" + strings.Repeat("x", 1<<16) + "\n",                          // too long
	} {
		if _, _, err := ParseCheckpoint([]byte(text)); !errors.Is(err, ErrMalformedCheckpoint) {
			t.Errorf("ParseCheckpoint(%.60q): %v", text, err)
		}
	}
	for _, origin := range []string{"", "a log", "a+log", "a\nlog", "a\tlog"} {
		if _, err := FormatCheckpoint(origin, tlog.Tree{}); err == nil {
			t.Errorf("FormatCheckpoint(%q): no error", origin)
		}
	}
	if _, err := FormatCheckpoint("a/log", tlog.Tree{N: -1}); err == nil {
		t.Error("FormatCheckpoint of a negative size: no error")
	}
}

func TestNewSignerRejects(t *testing.T) {
	t.Parallel()
	_, vkey, _ := note.GenerateKey(rand.Reader, "a/log")
	for _, k := range []string{"", "garbage", vkey, "PRIVATE+KEY+a/log+00000000+AAAA"} {
		if _, err := NewSigner(k); err == nil {
			t.Errorf("NewSigner(%q): no error", k)
		}
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "log.key")
	skey, vkey, err := LoadOrCreateKey(path, DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("key file has permissions %04o, want 0600", perm)
	}
	if di, _ := os.Stat(filepath.Dir(path)); di.Mode().Perm() != 0o700 {
		t.Fatalf("key directory has permissions %04o, want 0700", di.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if string(data) != skey+"\n" || !strings.HasPrefix(skey, "PRIVATE+KEY+"+DefaultOrigin+"+") {
		t.Fatalf("key file holds %q", data)
	}
	if !strings.HasPrefix(vkey, DefaultOrigin+"+") || strings.Contains(vkey, "PRIVATE") {
		t.Fatalf("verifier key %q", vkey)
	}

	// Second use: the same key.
	skey2, vkey2, err := LoadOrCreateKey(path, DefaultOrigin)
	if err != nil || skey2 != skey || vkey2 != vkey {
		t.Fatalf("second load: %v; same key: %v", err, skey2 == skey)
	}

	// The pair works: signed with one, opened with the other.
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := SignCheckpoint(s, DefaultOrigin, testTree(4))
	if _, err := OpenCheckpoint(msg, vkey, DefaultOrigin); err != nil {
		t.Fatal(err)
	}

	// Another origin than the key's name is refused.
	if _, _, err := LoadOrCreateKey(path, "other.example/log"); err == nil {
		t.Fatal("key of another name accepted")
	}

	// Readable or writable by group or others: refused, and left alone.
	for _, perm := range []os.FileMode{0o644, 0o640, 0o604, 0o620, 0o602} {
		if err := os.Chmod(path, perm); err != nil {
			t.Fatal(err)
		}
		if _, _, err := LoadOrCreateKey(path, DefaultOrigin); err == nil || !strings.Contains(err.Error(), "permissions") {
			t.Fatalf("file with permissions %04o: %v", perm, err)
		}
		if s, err := LoadSigner("", path, DefaultOrigin); err == nil || s != nil {
			t.Fatalf("LoadSigner with permissions %04o: %v", perm, err)
		}
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if k, _, err := LoadOrCreateKey(path, DefaultOrigin); err != nil || k != skey {
		t.Fatalf("read-only 0400 file: %v", err)
	}
}

func TestLoadOrCreateKeyRefusesBadFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(garbage, []byte("not a key\n"), 0o600)
	if _, _, err := LoadOrCreateKey(garbage, DefaultOrigin); err == nil {
		t.Error("garbage key file accepted")
	}
	if _, _, err := LoadOrCreateKey(dir, DefaultOrigin); err == nil {
		t.Error("directory accepted as key file")
	}
	if _, _, err := LoadOrCreateKey("", DefaultOrigin); err == nil {
		t.Error("empty path accepted")
	}
	if _, _, err := LoadOrCreateKey(filepath.Join(dir, "k"), "bad origin"); err == nil {
		t.Error("bad origin accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "k")); !errors.Is(err, os.ErrNotExist) {
		t.Error("key file made for a bad origin")
	}
}

func TestLoadOrCreateKeyConcurrent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "log.key")
	const n = 8
	keys := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], _, errs[i] = LoadOrCreateKey(path, DefaultOrigin) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || keys[i] != keys[0] {
			t.Fatalf("process %d: %v; same key: %v", i, errs[i], keys[i] == keys[0])
		}
	}
	// Only the key file is left: no temporary files.
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 || entries[0].Name() != "log.key" {
		t.Fatalf("key directory holds %v (%v)", entries, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v", err)
	}
}

func TestLoadSigner(t *testing.T) {
	t.Parallel()
	skey, vkey, _ := note.GenerateKey(rand.Reader, DefaultOrigin)
	path := filepath.Join(t.TempDir(), "log.key")
	// From the environment's key: no file is made.
	s, err := LoadSigner(skey+"\n", path, DefaultOrigin)
	if err != nil || s.VerifierKey() != vkey {
		t.Fatalf("LoadSigner(key): %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("LoadSigner with a key wrote a key file")
	}
	if _, err := LoadSigner(skey, path, "other.example/log"); err == nil {
		t.Fatal("key named for another origin accepted")
	}
	if _, err := LoadSigner("garbage", path, DefaultOrigin); err == nil {
		t.Fatal("garbage key accepted")
	}
	// Without one: the file, made now.
	s, err = LoadSigner("", path, DefaultOrigin)
	if err != nil || s.VerifierKey() == vkey {
		t.Fatalf("LoadSigner(file): %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
