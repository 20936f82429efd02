package pii

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// b64Key is the base64 of a key of 32 bytes fill.
func b64Key(fill byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, KeySize))
}

func mustParse(t testing.TB, s string) *Keys {
	t.Helper()
	k, err := ParseKey(s)
	if err != nil {
		t.Fatalf("ParseKey: %v", err)
	}
	return k
}

// sealFixedV2 seals as Seal does in format v2, independently of Seal.
func sealFixedV2(t testing.TB, keyFill, nonceFill byte, id, pt, ctx string) string {
	t.Helper()
	block, err := aes.NewCipher(bytes.Repeat([]byte{keyFill}, 32))
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	nonce := bytes.Repeat([]byte{nonceFill}, 12)
	out := gcm.Seal(bytes.Clone(nonce), nonce, []byte(pt), []byte("ingot/pii/v2\x00"+id+"\x00"+ctx))
	return "v2:" + id + ":" + base64.RawStdEncoding.EncodeToString(out)
}

// TestKeyringRotation: a keyring that gains a key seals with it, still opens
// what the older keys sealed, and keeps its lookup hashes.
func TestKeyringRotation(t *testing.T) {
	t.Parallel()
	old := mustParse(t, b64Key(1))                         // an original key, as earlier versions had it
	ring := mustParse(t, b64Key(1)+"\nk2 "+b64Key(2)+"\n") // the same, plus a newer key
	const ctx = "holder_phone:6212345678901234"

	v1, err := old.Seal("+8613812345678", ctx)
	if err != nil || !strings.HasPrefix(v1, "v1:") {
		t.Fatalf("the original key seals %q, %v; want v1:", v1, err)
	}
	v2, err := ring.Seal("+8613812345678", ctx)
	if err != nil || !strings.HasPrefix(v2, "v2:k2:") {
		t.Fatalf("the keyring seals %q, %v; want v2:k2:", v2, err)
	}
	for _, c := range []struct {
		k      *Keys
		sealed string
		err    error
	}{{old, v1, nil}, {ring, v1, nil}, {ring, v2, nil}, {old, v2, ErrUnknownKey}} {
		got, err := c.k.Open(c.sealed, ctx)
		if !errors.Is(err, c.err) || (err == nil && got != "+8613812345678") {
			t.Errorf("Open(%.12s...) = %q, %v; want error %v", c.sealed, got, err, c.err)
		}
	}
	if !bytes.Equal(old.LookupHash(KindPhone, "+8613812345678"), ring.LookupHash(KindPhone, "+8613812345678")) {
		t.Error("adding a key changed the lookup hash")
	}
	// A third key, and a keyring whose first key has an id: same lookups.
	named := mustParse(t, "orig "+b64Key(1)+", k2 "+b64Key(2)+", k3 "+b64Key(3))
	if !bytes.Equal(old.LookupHash(KindPhone, "x"), named.LookupHash(KindPhone, "x")) {
		t.Error("the first key's id changed the lookup hash")
	}
	for _, s := range []string{v1, v2} {
		if got, err := named.Open(s, ctx); err != nil || got != "+8613812345678" {
			t.Errorf("the three-key ring opens %.12s... = %q, %v", s, got, err)
		}
	}
	if p := named.SealedPrefix(); p != "v2:k3:" {
		t.Errorf("SealedPrefix = %q", p)
	}
	if ids := named.KeyIDs(); strings.Join(ids, ",") != "orig,k2,k3" {
		t.Errorf("KeyIDs = %v", ids)
	}
	if ids := ring.KeyIDs(); strings.Join(ids, ",") != "v1,k2" || ring.SealKeyID() != "k2" || old.SealKeyID() != "v1" {
		t.Errorf("KeyIDs = %v, SealKeyID %q, %q", ids, ring.SealKeyID(), old.SealKeyID())
	}
	// A different first key: other lookups.
	other := mustParse(t, "k2 "+b64Key(2))
	if bytes.Equal(other.LookupHash(KindPhone, "x"), ring.LookupHash(KindPhone, "x")) {
		t.Error("keyrings with different first keys share lookup hashes")
	}
}

func TestSealFormatV2(t *testing.T) {
	t.Parallel()
	k := mustParse(t, b64Key(1)+"\nk2 "+b64Key(2))
	s := sealFixedV2(t, 2, 7, "k2", "王小明", "holder_name:1")
	if got, err := k.Open(s, "holder_name:1"); err != nil || got != "王小明" {
		t.Fatalf("Open of an independently sealed v2 value = %q, %v", got, err)
	}
	// The key id is bound: the same key under another id does not open it.
	relabeled := mustParse(t, b64Key(1)+"\nk9 "+b64Key(2))
	moved := "v2:k9:" + strings.TrimPrefix(s, "v2:k2:")
	if _, err := relabeled.Open(moved, "holder_name:1"); !errors.Is(err, ErrOpen) {
		t.Errorf("a value relabeled to another id of the same key: %v, want ErrOpen", err)
	}
	// So is the version: the v2 ciphertext under v1 with the same key.
	first := mustParse(t, b64Key(2))
	if _, err := first.Open("v1:"+strings.TrimPrefix(s, "v2:k2:"), "holder_name:1"); !errors.Is(err, ErrOpen) {
		t.Errorf("a v2 ciphertext as v1: %v, want ErrOpen", err)
	}
	for _, bad := range []string{"v2:", "v2:k2", "v2::" + s[6:], "v2:v1:" + s[6:], "v2:k 2:" + s[6:], "v2:k2:" + s[6:] + "!", "v2:" + strings.Repeat("k", 33) + ":" + s[6:]} {
		if _, err := k.Open(bad, "holder_name:1"); !errors.Is(err, ErrMalformed) {
			t.Errorf("Open(%q) = %v, want ErrMalformed", bad, err)
		}
	}
	if _, err := k.Open("v2:k3:"+s[6:], "holder_name:1"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("an unknown key id: %v, want ErrUnknownKey", err)
	}
}

func TestWithSealKey(t *testing.T) {
	t.Parallel()
	ring := mustParse(t, b64Key(1)+"\nk2 "+b64Key(2))
	pinned, err := ring.WithSealKey("v1")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := pinned.Seal("x", "c"); !strings.HasPrefix(s, "v1:") || pinned.SealedPrefix() != "v1:" {
		t.Errorf("pinned to the original key, seals %q", s)
	}
	if s, _ := ring.Seal("x", "c"); !strings.HasPrefix(s, "v2:k2:") {
		t.Errorf("WithSealKey changed the keyring it was called on: %q", s)
	}
	if _, err := ring.WithSealKey("k3"); err == nil || !strings.Contains(err.Error(), "v1, k2") {
		t.Errorf("an unknown id: %v", err)
	}
}

func TestSealedWithAndIsSealed(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]string{"v1:AAAA": "v1", "v2:k2:AAAA": "k2", "v2:a.b-c_d:": "a.b-c_d", "v2:k2": "", "v2:v1:AA": "", "": "", "Li Wei": "", "v3:x": ""} {
		got, ok := SealedWith(s)
		if got != want || ok != (want != "") {
			t.Errorf("SealedWith(%q) = %q, %v; want %q", s, got, ok, want)
		}
	}
	for s, want := range map[string]bool{"v1:x": true, "v2:x": true, "": false, "13812345678": false, "V1:x": false} {
		if IsSealed(s) != want {
			t.Errorf("IsSealed(%q) = %v", s, !want)
		}
	}
}

func TestParseKeyring(t *testing.T) {
	t.Parallel()
	k1, k2, k3 := b64Key(1), b64Key(2), b64Key(3)
	good := map[string]string{ // text: the ids, and the seal prefix last
		k1:                                 "v1 v1:",
		"  " + k1 + "  \n\n":               "v1 v1:",
		k1 + "\nk2 " + k2:                  "v1,k2 v2:k2:",
		"a " + k1 + "\r\nb " + k2 + "\r\n": "a,b v2:b:",
		k1 + ",k2 " + k2 + ", k3\t" + k3:   "v1,k2,k3 v2:k3:",
		"# comment, with a comma\n" + k1 + "\n# end\n": "v1 v1:",
		"x.y_z-1 " + k1: "x.y_z-1 v2:x.y_z-1:",
	}
	for text, want := range good {
		k, err := ParseKey(text)
		if err != nil {
			t.Errorf("ParseKey(%q): %v", text, err)
			continue
		}
		if got := strings.Join(k.KeyIDs(), ",") + " " + k.SealedPrefix(); got != want {
			t.Errorf("ParseKey(%q) = %s, want %s", text, got, want)
		}
	}
	many := k1
	for i := range 64 {
		many += fmt.Sprintf("\nk%d %s", i, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(i + 10)}, KeySize)))
	}
	bad := map[string]string{
		"":                           "no data key",
		"# only a comment":           "no data key",
		"k1 " + k1 + "\n" + k2:       "no key id",
		"k1 " + k1 + "\nk1 " + k2:    "twice",
		"k1 " + k1 + "\nk2 " + k1:    "same key",
		k1 + "\nv1 " + k2:            "key id",
		"k/1 " + k1:                  "key id",
		"k1 " + k1 + " extra":        "3 words",
		"k1 " + k1[:40]:              "base64",
		"k1 " + b64Key(1)[:43] + "A": "base64",
		"k1 " + base64.StdEncoding.EncodeToString(make([]byte, 16)): "32 bytes",
		strings.Repeat("k", 33) + " " + k1:                          "key id",
		many:                                                        "more than 64",
	}
	for text, want := range bad {
		_, err := ParseKey(text)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseKey(%.40q) = %v, want an error about %q", text, err, want)
			continue
		}
		for _, key := range []string{k1, k2, k1[:40]} {
			if strings.Contains(err.Error(), key) {
				t.Errorf("error %q contains key material", err)
			}
		}
	}
}

func TestLoadOrCreateKeyMakesAKeyring(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data.key")
	k, err := LoadOrCreateKey("", path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), "#") || len(k.KeyIDs()) != 1 || !strings.HasPrefix(k.SealedPrefix(), "v2:"+k.KeyIDs()[0]+":") {
		t.Fatalf("a new key file %q seals %q", b, k.SealedPrefix())
	}
}

func TestAddKeyFileKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "data.key")
	writeFile(t, path, b64Key(1), 0o600) // an original key, no newline
	before := mustParse(t, b64Key(1))
	sealed, _ := before.Seal("Li Wei", "holder_name:7")

	id, err := AddKeyFileKey(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file after adding: %v, %v", st, err)
	}
	after, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !ValidKeyID(id) || after.SealKeyID() != id || strings.Join(after.KeyIDs(), ",") != "v1,"+id {
		t.Fatalf("added %q: keyring %v sealing with %q", id, after.KeyIDs(), after.SealKeyID())
	}
	if got, err := after.Open(sealed, "holder_name:7"); err != nil || got != "Li Wei" {
		t.Errorf("the old value after adding a key: %q, %v", got, err)
	}
	if !bytes.Equal(before.LookupHash(KindPhone, "p"), after.LookupHash(KindPhone, "p")) {
		t.Error("adding a key changed the lookup hash")
	}
	id2, err := AddKeyFileKey(path)
	if err != nil || id2 == id {
		t.Fatalf("second key %q, %v", id2, err)
	}
	if k, _ := LoadKeyFile(path); strings.Join(k.KeyIDs(), ",") != "v1,"+id+","+id2 {
		t.Errorf("after two additions: %v", k.KeyIDs())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries in the key directory, want 1", len(entries))
	}

	// Refused: no file, a readable file, a broken keyring; none is changed.
	if _, err := AddKeyFileKey(filepath.Join(dir, "none.key")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
	for name, c := range map[string]struct {
		content string
		mode    os.FileMode
	}{"readable": {b64Key(1), 0o644}, "broken": {"k1 " + b64Key(1) + "\nk1 " + b64Key(2), 0o600}} {
		p := filepath.Join(t.TempDir(), "data.key")
		writeFile(t, p, c.content, c.mode)
		if _, err := AddKeyFileKey(p); err == nil {
			t.Errorf("%s: no error", name)
		}
		if b, _ := os.ReadFile(p); string(b) != c.content {
			t.Errorf("%s: the file was changed", name)
		}
	}
}

func TestGenerateKeyEntry(t *testing.T) {
	t.Parallel()
	id, e := GenerateKeyEntry()
	k := mustParse(t, b64Key(1)+"\n"+e)
	if k.SealKeyID() != id || len(id) != 8 {
		t.Fatalf("entry %q: id %q, keyring seals with %q", e[:9], id, k.SealKeyID())
	}
	raw, _ := base64.StdEncoding.DecodeString(strings.Fields(e)[1])
	if keyID(raw) != id {
		t.Error("the id is not the key's")
	}
}
