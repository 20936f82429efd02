package pii

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func testKeys(t testing.TB, fill byte) *Keys {
	t.Helper()
	k, err := NewKeys(bytes.Repeat([]byte{fill}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	k := testKeys(t, 1)
	for _, pt := range []string{
		"13812345678", "+8613812345678", "王小明", "Li Wei", "a", "\x00", "with\x00nul",
		strings.Repeat("long value ", 1000), "\xff\xfe invalid utf-8",
	} {
		const ctx = "accounts.holder_phone:w_1"
		sealed, err := k.Seal(pt, ctx)
		if err != nil {
			t.Fatalf("Seal(%q): %v", pt, err)
		}
		if !strings.HasPrefix(sealed, "v1:") {
			t.Errorf("sealed %q does not start with v1:", sealed)
		}
		for _, c := range sealed {
			if c < 0x21 || c > 0x7e {
				t.Fatalf("sealed value has a non-printable character %q: %q", c, sealed)
			}
		}
		if len(pt) >= 3 && strings.Contains(sealed, pt) {
			t.Errorf("sealed value contains its plaintext %q", pt)
		}
		got, err := k.Open(sealed, ctx)
		if err != nil {
			t.Fatalf("Open(Seal(%q)): %v", pt, err)
		}
		if got != pt {
			t.Errorf("Open(Seal(%q)) = %q", pt, got)
		}
		// A second Keys from the same raw key opens it too.
		got, err = testKeys(t, 1).Open(sealed, ctx)
		if err != nil || got != pt {
			t.Errorf("Open with an equal key = %q, %v", got, err)
		}
	}
}

func TestSealEmpty(t *testing.T) {
	t.Parallel()
	k := testKeys(t, 1)
	sealed, err := k.Seal("", "ctx")
	if err != nil || sealed != "" {
		t.Fatalf(`Seal("") = %q, %v; want "", nil`, sealed, err)
	}
	got, err := k.Open("", "any other ctx")
	if err != nil || got != "" {
		t.Fatalf(`Open("") = %q, %v; want "", nil`, got, err)
	}
}

func TestOpenFailures(t *testing.T) {
	t.Parallel()
	k := testKeys(t, 1)
	const pt, ctx = "+8613812345678", "accounts.holder_phone:w_1"
	sealed, err := k.Seal(pt, ctx)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 12+len(pt)+16 {
		t.Fatalf("sealed value has %d bytes, want nonce+ciphertext+tag = %d", len(raw), 12+len(pt)+16)
	}
	reencode := func(b []byte) string { return "v1:" + base64.RawStdEncoding.EncodeToString(b) }

	expectErr := func(t *testing.T, k *Keys, sealed, ctx string, want error) {
		t.Helper()
		got, err := k.Open(sealed, ctx)
		if !errors.Is(err, want) {
			t.Errorf("Open = %q, %v; want error %v", got, err, want)
		}
		if got != "" {
			t.Errorf("Open returned %q alongside its error", got)
		}
		if err != nil && strings.Contains(err.Error(), pt) {
			t.Errorf("error %q contains the plaintext", err)
		}
	}

	t.Run("wrong key", func(t *testing.T) {
		expectErr(t, testKeys(t, 2), sealed, ctx, ErrOpen)
		other, _ := ParseKey(GenerateKey())
		expectErr(t, other, sealed, ctx, ErrOpen)
	})
	t.Run("other context", func(t *testing.T) {
		for _, other := range []string{"accounts.holder_phone:w_2", "accounts.holder_name:w_1", "", ctx + " ", strings.ToUpper(ctx)} {
			expectErr(t, k, sealed, other, ErrOpen)
		}
	})
	t.Run("swapped between rows", func(t *testing.T) {
		a, _ := k.Seal("+8613800000001", "phone:w_a")
		b, _ := k.Seal("+8613800000002", "phone:w_b")
		expectErr(t, k, a, "phone:w_b", ErrOpen)
		expectErr(t, k, b, "phone:w_a", ErrOpen)
	})
	t.Run("every byte changed", func(t *testing.T) {
		for i := range raw {
			for _, flip := range []byte{0x01, 0x80, 0xff} {
				c := bytes.Clone(raw)
				c[i] ^= flip
				expectErr(t, k, reencode(c), ctx, ErrOpen)
			}
		}
	})
	t.Run("every character changed", func(t *testing.T) {
		for i := len("v1:"); i < len(sealed); i++ {
			c := []byte(sealed)
			if c[i] == 'A' {
				c[i] = 'B'
			} else {
				c[i] = 'A'
			}
			if _, err := k.Open(string(c), ctx); err == nil {
				t.Errorf("Open succeeded with character %d changed", i)
			}
		}
	})
	t.Run("malformed", func(t *testing.T) {
		for _, s := range []string{
			"x", "v1:", "v1", "v2:" + sealed[3:], sealed[3:], "V1:" + sealed[3:],
			sealed + "=", sealed + "A", sealed[:len(sealed)-1], " " + sealed, sealed + "\n",
			reencode(raw[:12+15]), // shorter than nonce + tag
			"v1:" + base64.StdEncoding.EncodeToString(raw) + "==",
			"v1:" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 40)),
		} {
			if got, err := k.Open(s, ctx); err == nil {
				t.Errorf("Open(%q) = %q, nil; want an error", s, got)
			}
		}
		expectErr(t, k, "garbage", ctx, ErrMalformed)
		expectErr(t, k, "v1:!!!!", ctx, ErrMalformed)
		expectErr(t, k, reencode(raw[:27]), ctx, ErrMalformed)
	})
	// The unaltered value still opens, so the failures above are the
	// alterations' doing.
	if got, err := k.Open(sealed, ctx); err != nil || got != pt {
		t.Fatalf("Open(original) = %q, %v", got, err)
	}
	if got, err := k.Open(reencode(raw), ctx); err != nil || got != pt {
		t.Fatalf("Open(re-encoded original) = %q, %v", got, err)
	}
}

// sealFixed seals as Seal does, but with a fixed nonce and independently of
// Seal: AES-256-GCM under the data key, additional data "ingot/pii/v1", a
// zero byte and the context, "v1:" and unpadded standard base64 of nonce,
// ciphertext and tag.
func sealFixed(t testing.TB, keyFill, nonceFill byte, pt, ctx string) string {
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
	out := gcm.Seal(bytes.Clone(nonce), nonce, []byte(pt), []byte("ingot/pii/v1\x00"+ctx))
	return "v1:" + base64.RawStdEncoding.EncodeToString(out)
}

func TestSealFormat(t *testing.T) {
	t.Parallel()
	k := testKeys(t, 1)
	s := sealFixed(t, 1, 9, "+8613812345678", "phone:w_1")
	if got, err := k.Open(s, "phone:w_1"); err != nil || got != "+8613812345678" {
		t.Fatalf("Open of an independently sealed value = %q, %v", got, err)
	}
	// Without the version in the additional data it does not open.
	block, _ := aes.NewCipher(bytes.Repeat([]byte{1}, 32))
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, 12)
	bare := "v1:" + base64.RawStdEncoding.EncodeToString(gcm.Seal(bytes.Clone(nonce), nonce, []byte("x"), []byte("phone:w_1")))
	if _, err := k.Open(bare, "phone:w_1"); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open of a value sealed without the version prefix: %v", err)
	}
}

func TestNoncesDiffer(t *testing.T) {
	t.Parallel()
	k := testKeys(t, 1)
	seen := map[string]bool{}
	nonces := map[string]bool{}
	for range 200 {
		s, err := k.Seal("+8613812345678", "ctx")
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawStdEncoding.DecodeString(s[3:])
		if err != nil {
			t.Fatal(err)
		}
		if seen[s] {
			t.Fatalf("two Seals of the same value gave %q", s)
		}
		if nonces[string(raw[:12])] {
			t.Fatalf("two Seals used nonce %x", raw[:12])
		}
		seen[s], nonces[string(raw[:12])] = true, true
	}
}

func TestLookupHash(t *testing.T) {
	t.Parallel()
	k, k2 := testKeys(t, 1), testKeys(t, 2)
	const phone = "+8613812345678"
	h := k.LookupHash(KindPhone, phone)
	if len(h) != 32 {
		t.Fatalf("hash has %d bytes, want 32", len(h))
	}
	if !bytes.Equal(h, k.LookupHash(KindPhone, phone)) || !bytes.Equal(h, testKeys(t, 1).LookupHash(KindPhone, phone)) {
		t.Error("equal values under equal keys hash differently")
	}
	differ := map[string][]byte{
		"other value":     k.LookupHash(KindPhone, "+8613812345679"),
		"other kind":      k.LookupHash("id_number", phone),
		"other key":       k2.LookupHash(KindPhone, phone),
		"shifted border":  k.LookupHash(KindPhone+"+", phone[1:]),
		"empty value":     k.LookupHash(KindPhone, ""),
		"not normalized":  k.LookupHash(KindPhone, "13812345678"),
		"empty kind":      k.LookupHash("", phone),
		"kind into value": k.LookupHash("", KindPhone+"\x00"+phone),
	}
	for name, d := range differ {
		if bytes.Equal(d, h) {
			t.Errorf("%s: hash equals the phone's", name)
		}
	}
	if bytes.Contains(h, []byte(phone)) || bytes.Contains(h, []byte("13812345678")[:6]) {
		t.Error("hash contains the value")
	}

	// The hash is HMAC-SHA256 under HKDF-SHA256(data key, lookupInfo) of
	// kind, 0, value; the lookup key is not the data key.
	dataKey := bytes.Repeat([]byte{1}, KeySize)
	lk, err := hkdf.Key(sha256.New, dataKey, nil, "ingot/pii/lookup-key/v1", 32)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, lk)
	m.Write([]byte("phone\x00+8613812345678"))
	if want := m.Sum(nil); !bytes.Equal(h, want) {
		t.Errorf("hash = %x, want %x", h, want)
	}
	m = hmac.New(sha256.New, dataKey)
	m.Write([]byte("phone\x00+8613812345678"))
	if bytes.Equal(h, m.Sum(nil)) {
		t.Error("the lookup key is the data key")
	}

	defer func() {
		if recover() == nil {
			t.Error("LookupHash with a zero byte in kind did not panic")
		}
	}()
	k.LookupHash("pho\x00ne", phone)
}

func TestKeysNeverPrint(t *testing.T) {
	t.Parallel()
	raw := bytes.Repeat([]byte{0xab}, KeySize)
	k, err := NewKeys(raw)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("keys", "k", k, "v", *k)
	outs := []string{logged.String()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%q"} {
		outs = append(outs, fmt.Sprintf(verb, k), fmt.Sprintf(verb, *k))
	}
	for _, out := range outs {
		if !strings.Contains(out, "pii.Keys{redacted}") {
			t.Errorf("printed as %q, want pii.Keys{redacted}", out)
		}
		for _, leak := range []string{"abab", "ABAB", "171, 171", "171 171", base64.StdEncoding.EncodeToString(raw)[:8]} {
			if strings.Contains(out, leak) {
				t.Errorf("printed %q contains key material %q", out, leak)
			}
		}
	}
}

func TestNewKeysAndParseKey(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewKeys(make([]byte, n)); err == nil {
			t.Errorf("NewKeys accepted a %d-byte key", n)
		}
	}
	raw := bytes.Repeat([]byte{7}, KeySize)
	k1, _ := NewKeys(raw)
	raw[0] = 8 // NewKeys copies its input
	k2, _ := NewKeys(bytes.Repeat([]byte{7}, KeySize))
	if !bytes.Equal(k1.LookupHash("x", "y"), k2.LookupHash("x", "y")) {
		t.Error("NewKeys kept a reference to its input")
	}

	g := GenerateKey()
	if b, err := base64.StdEncoding.DecodeString(g); err != nil || len(b) != KeySize {
		t.Fatalf("GenerateKey() = %q: %d bytes, %v", g, len(b), err)
	}
	if g == GenerateKey() {
		t.Error("GenerateKey returned the same key twice")
	}
	if _, err := ParseKey(" " + g + "\n"); err != nil {
		t.Errorf("ParseKey with surrounding space: %v", err)
	}
	secret := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 16))
	for _, bad := range []string{"", "not base64!", secret, g + "AAAA", g[:len(g)-4], base64.RawStdEncoding.EncodeToString(make([]byte, 33))} {
		_, err := ParseKey(bad)
		if err == nil {
			t.Errorf("ParseKey(%q) succeeded", bad)
			continue
		}
		if len(bad) > 4 && strings.Contains(err.Error(), bad) {
			t.Errorf("error %q contains the key", err)
		}
	}
}

// sameKeys reports whether a and b hold the same data key: each opens the
// other's sealed value and their lookup hashes agree.
func sameKeys(t *testing.T, a, b *Keys) bool {
	t.Helper()
	s, err := a.Seal("probe", "ctx")
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Open(s, "ctx")
	return err == nil && bytes.Equal(a.LookupHash("k", "v"), b.LookupHash("k", "v"))
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is subject to umask
		t.Fatal(err)
	}
}

func TestLoadOrCreateKeyCreates(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "state", "ingot")
	path := filepath.Join(dir, "data.key")
	k1, err := LoadOrCreateKey("", path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %#o, want 0600", perm)
	}
	dst, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := dst.Mode().Perm(); perm != 0o700 {
		t.Errorf("key directory mode %#o, want 0700", perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := ParseKey(string(b))
	if err != nil {
		t.Fatalf("key file %q does not hold a key: %v", b, err)
	}
	if !sameKeys(t, k1, fromFile) {
		t.Error("returned key differs from the file's")
	}
	k2, err := LoadOrCreateKey("", path)
	if err != nil {
		t.Fatal(err)
	}
	if !sameKeys(t, k1, k2) {
		t.Error("second LoadOrCreateKey made another key")
	}
	if b2, _ := os.ReadFile(path); !bytes.Equal(b, b2) {
		t.Error("second LoadOrCreateKey rewrote the file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("key directory holds %d entries, want only the key file", len(entries))
	}
}

func TestLoadOrCreateKeyRefuses(t *testing.T) {
	t.Parallel()
	good := GenerateKey() + "\n"
	cases := []struct {
		name    string
		content string
		mode    os.FileMode
		want    string
	}{
		{"world readable", good, 0o644, "mode"},
		{"group readable", good, 0o640, "mode"},
		{"group writable", good, 0o620, "mode"},
		{"other writable", good, 0o602, "mode"},
		{"short key", base64.StdEncoding.EncodeToString(make([]byte, 16)) + "\n", 0o600, "32 bytes"},
		{"truncated", good[:20], 0o600, "key file"},
		{"long key", base64.StdEncoding.EncodeToString(make([]byte, 64)), 0o600, "32 bytes"},
		{"empty", "", 0o600, "key file"},
		{"raw bytes", string(bytes.Repeat([]byte{0xfe}, 32)), 0o600, "base64"},
		{"huge", strings.Repeat("A", 70000), 0o600, "too large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "data.key")
			writeFile(t, path, c.content, c.mode)
			k, err := LoadOrCreateKey("", path)
			if err == nil {
				t.Fatalf("LoadOrCreateKey accepted the file (%v)", k)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			if len(c.content) > 8 && strings.Contains(err.Error(), strings.TrimSpace(c.content)) {
				t.Errorf("error %q contains the file's content", err)
			}
			if b, _ := os.ReadFile(path); string(b) != c.content {
				t.Error("the refused file was changed")
			}
			st, _ := os.Stat(path)
			if st.Mode().Perm() != c.mode {
				t.Errorf("the refused file's mode changed to %#o", st.Mode().Perm())
			}
		})
	}
	// The same valid content at 0600 is accepted, so the refusals are the
	// mode's doing.
	path := filepath.Join(t.TempDir(), "data.key")
	writeFile(t, path, good, 0o600)
	if _, err := LoadOrCreateKey("", path); err != nil {
		t.Fatalf("valid 0600 key file refused: %v", err)
	}
	writeFile(t, path, good, 0o400)
	if _, err := LoadOrCreateKey("", path); err != nil {
		t.Fatalf("valid 0400 key file refused: %v", err)
	}

	if _, err := LoadOrCreateKey("", t.TempDir()); err == nil || !strings.Contains(err.Error(), "regular file") {
		t.Errorf("a directory as key file: %v", err)
	}
	if _, err := LoadOrCreateKey("", ""); err == nil {
		t.Error("no env and no path: no error")
	}
}

func TestLoadOrCreateKeyEnvFirst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fileKey, envKey := GenerateKey(), GenerateKey()
	path := filepath.Join(dir, "data.key")
	writeFile(t, path, fileKey, 0o600)
	fromFile, _ := ParseKey(fileKey)
	fromEnv, _ := ParseKey(envKey)

	k, err := LoadOrCreateKey(envKey, path)
	if err != nil {
		t.Fatal(err)
	}
	if !sameKeys(t, k, fromEnv) || sameKeys(t, k, fromFile) {
		t.Error("the env key did not take precedence over the file")
	}
	// Without the env key, the file's.
	k, err = LoadOrCreateKey("", path)
	if err != nil {
		t.Fatal(err)
	}
	if !sameKeys(t, k, fromFile) {
		t.Error("without env, the file's key was not used")
	}
	// With the env key no file is created, nor is a bad one looked at.
	missing := filepath.Join(dir, "sub", "none.key")
	if _, err := LoadOrCreateKey(envKey, missing); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sub")); !os.IsNotExist(err) {
		t.Errorf("with an env key, the key directory was created (%v)", err)
	}
	bad := filepath.Join(dir, "bad.key")
	writeFile(t, bad, "short", 0o644)
	if _, err := LoadOrCreateKey(envKey, bad); err != nil {
		t.Errorf("with an env key, the key file was read: %v", err)
	}
	// An invalid env key is an error, never a silent fall back to the file.
	for _, env := range []string{"short", base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		_, err := LoadOrCreateKey(env, path)
		if err == nil || !strings.Contains(err.Error(), "INGOT_DATA_KEY") {
			t.Errorf("invalid env key %q: err = %v, want an INGOT_DATA_KEY error", env, err)
		}
	}
}

func TestLoadOrCreateKeyConcurrentFirstUse(t *testing.T) {
	t.Parallel()
	for round := range 20 {
		dir := filepath.Join(t.TempDir(), "keys")
		path := filepath.Join(dir, "data.key")
		const n = 16
		keys := make([]*Keys, n)
		errs := make([]error, n)
		var start, done sync.WaitGroup
		start.Add(1)
		for i := range n {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				keys[i], errs[i] = LoadOrCreateKey("", path)
			}()
		}
		start.Done()
		done.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d, goroutine %d: %v", round, i, errs[i])
			}
			if !sameKeys(t, keys[0], keys[i]) {
				t.Fatalf("round %d: goroutines 0 and %d got different keys", round, i)
			}
		}
		b, _ := os.ReadFile(path)
		fromFile, err := ParseKey(string(b))
		if err != nil || !sameKeys(t, keys[0], fromFile) {
			t.Fatalf("round %d: the key used is not the file's (%v)", round, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("round %d: %d entries left in the key directory, want 1", round, len(entries))
		}
	}
}
