package translog

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// testKey is a signing key and its Signer.
type testKey struct {
	skey, vkey string
	s          *Signer
}

func newKey(t testing.TB, origin string) testKey {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{skey, vkey, s}
}

// memLog is a log's checkpoints in memory, as a store keeps them.
type memLog struct {
	mu  sync.Mutex
	cps map[int64][]byte
	top int64
}

func newMemLog() *memLog { return &memLog{cps: map[int64][]byte{}} }

func (l *memLog) latest() ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cps[l.top], nil
}

func (l *memLog) fetch(size int64) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.cps[size]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("no checkpoint of size %d", size)
}

// sign appends the checkpoint of size n, signed by s, as a batch does.
func (l *memLog) sign(t testing.TB, s *Signer, n int64) []byte {
	t.Helper()
	msg, err := SignCheckpoint(s, s.Name(), testTree(n))
	if err != nil {
		t.Fatalf("sign size %d: %v", n, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cps[n], l.top = msg, n
	return msg
}

func rotating(t testing.TB, key *Signer, prev, next *Signer, l *memLog) *Signer {
	t.Helper()
	r, err := key.WithRotation(prev, next, l.latest)
	if err != nil {
		t.Fatal(err)
	}
	latest, _ := l.latest()
	if err := r.Resume(latest); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	return r
}

func textOf(t testing.TB, msg []byte) string {
	t.Helper()
	text, err := noteText(msg)
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}

func sigCount(msg []byte) int { return strings.Count(string(msg), "\n— ") }

// TestRotationEndToEnd: a log signed by A rotates to B with two processes
// (one given B as its next key, one given B with A as its previous key),
// then to C; every checkpoint verifies in its epoch, the announcements are
// signed by both keys, a verifier pinned to A follows to C, and one that
// trusts C alone reaches A.
func TestRotationEndToEnd(t *testing.T) {
	t.Parallel()
	const origin = "ingot.test/rotation"
	a, b, c := newKey(t, origin), newKey(t, origin), newKey(t, origin)
	l := newMemLog()

	// Epoch A: plain checkpoints.
	l.sign(t, a.s, 1)
	l.sign(t, a.s, 3)
	if strings.Count(textOf(t, l.cps[3]), "\n") != 3 {
		t.Fatalf("a checkpoint of the first epoch has extension lines:\n%s", l.cps[3])
	}

	// Two processes: p1 signs with A and holds B as next; p2 signs with B
	// and holds A as previous. p1 signs first (the log is A's); then p2
	// announces B; then p1 follows: it signs with B.
	p1 := rotating(t, a.s, nil, b.s, l)
	p2 := rotating(t, b.s, a.s, nil, l)
	if p2.VerifierKey() != a.vkey || p1.VerifierKey() != a.vkey {
		t.Fatalf("before the switch both serve key A: %s, %s", p1.VerifierKey(), p2.VerifierKey())
	}
	l.sign(t, p1, 4)
	ann := l.sign(t, p2, 6)
	wantText := fmt.Sprintf("%s\n6\n%s\nkey 0 %s\nkey 6 %s\n", origin, b64(testTree(6).Hash), a.vkey, b.vkey)
	if textOf(t, ann) != wantText || sigCount(ann) != 2 {
		t.Fatalf("announcement:\n%s\nwant text\n%s", ann, wantText)
	}
	l.sign(t, p1, 8)
	l.sign(t, p2, 9)
	for _, n := range []int64{8, 9} {
		if textOf(t, l.cps[n]) != fmt.Sprintf("%s\n%d\n%s\nkey 6 %s\n", origin, n, b64(testTree(n).Hash), b.vkey) || sigCount(l.cps[n]) != 1 {
			t.Fatalf("checkpoint %d after the switch:\n%s", n, l.cps[n])
		}
		if _, err := OpenCheckpoint(l.cps[n], a.vkey, origin); err == nil {
			t.Fatalf("checkpoint %d after the switch verifies with A", n)
		}
	}
	if p1.VerifierKey() != b.vkey || p2.VerifierKey() != b.vkey {
		t.Errorf("after the switch both serve key B: %s, %s", p1.VerifierKey(), p2.VerifierKey())
	}
	// A process started afterwards with B alone carries B's key line.
	b2 := newKey(t, origin)
	b2.s, _ = NewSigner(b.skey)
	latest, _ := l.latest()
	if err := b2.s.Resume(latest); err != nil {
		t.Fatal(err)
	}
	l.sign(t, b2.s, 10)
	if got := textOf(t, l.cps[10]); !strings.HasSuffix(got, "key 6 "+b.vkey+"\n") {
		t.Fatalf("B alone after a restart:\n%s", got)
	}
	// A process with A alone refuses the log.
	if err := newKeyFrom(t, a.skey).Resume(latest); err == nil || !strings.Contains(err.Error(), "none of this process's keys") {
		t.Errorf("A alone on a log at B: %v", err)
	}

	// Epoch C, announced at 12.
	p3 := rotating(t, c.s, b.s, nil, l)
	l.sign(t, p3, 12)
	l.sign(t, p3, 15)
	if got := textOf(t, l.cps[12]); !strings.HasSuffix(got, "key 6 "+b.vkey+"\nkey 12 "+c.vkey+"\n") {
		t.Fatalf("second announcement:\n%s", got)
	}

	// Every checkpoint verifies in its epoch.
	epochs, anns, err := KeyChain(l.cps[15], "", l.fetch)
	want := []Epoch{{0, a.vkey}, {6, b.vkey}, {12, c.vkey}}
	if err != nil || fmt.Sprint(epochs) != fmt.Sprint(want) || len(anns) != 2 || string(anns[0]) != string(l.cps[6]) || string(anns[1]) != string(l.cps[12]) {
		t.Fatalf("KeyChain = %v, %d announcements, %v; want %v", epochs, len(anns), err, want)
	}
	for _, n := range []int64{1, 3, 4, 6, 8, 9, 10, 12, 15} {
		i := 0
		for j, e := range epochs {
			if e.Since <= n {
				i = j
			}
		}
		in := epochs[i]
		if i > 0 && epochs[i].Since == n {
			in = epochs[i-1]
		}
		tree, next, err := OpenRotating(l.cps[n], origin, in)
		if err != nil || tree != testTree(n) || next != epochs[i] {
			t.Errorf("checkpoint %d in epoch %v: %v, next %v, %v", n, in, tree.N, next, err)
		}
	}

	// A verifier pinned to A (its since unknown, or known) follows to C.
	for _, pinned := range []Epoch{{-1, a.vkey}, {0, a.vkey}} {
		steps, tree, e, err := Follow(l.cps[15], origin, pinned, l.fetch)
		if err != nil || tree != testTree(15) || e != want[2] || len(steps) != 2 || steps[0].From != want[0] || steps[0].To != want[1] || steps[1].Tree.N != 12 {
			t.Fatalf("Follow from %v = %+v, %v, %v, %v", pinned, steps, tree.N, e, err)
		}
	}
	// Pinned to B since 6, or to C: one step, or none.
	if steps, _, e, err := Follow(l.cps[15], origin, Epoch{6, b.vkey}, l.fetch); err != nil || len(steps) != 1 || e != want[2] {
		t.Errorf("Follow from B = %d steps, %v, %v", len(steps), e, err)
	}
	if steps, _, e, err := Follow(l.cps[15], origin, Epoch{-1, c.vkey}, l.fetch); err != nil || len(steps) != 0 || e != want[2] {
		t.Errorf("Follow from C = %d steps, %v, %v", len(steps), e, err)
	}
	// The latest is the announcement itself.
	if steps, tree, e, err := Follow(l.cps[6], origin, Epoch{-1, a.vkey}, l.fetch); err != nil || len(steps) != 1 || tree.N != 6 || e != want[1] {
		t.Errorf("Follow to the announcement = %d steps, %d, %v, %v", len(steps), tree.N, e, err)
	}
	// A wrong since for the pinned key is refused.
	if _, _, _, err := Follow(l.cps[15], origin, Epoch{3, a.vkey}, l.fetch); err == nil {
		t.Error("Follow from A since 3: no error")
	}
}

func newKeyFrom(t testing.TB, skey string) *Signer {
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func b64(h tlog.Hash) string { return h.String() }

// TestFollowRejects: an unknown key without a chain, a forged announcement
// (not signed by the pinned key), a broken chain and forged key lines are
// all refused.
func TestFollowRejects(t *testing.T) {
	t.Parallel()
	const origin = "ingot.test/forge"
	a, b, x := newKey(t, origin), newKey(t, origin), newKey(t, origin)
	l := newMemLog()
	l.sign(t, a.s, 2)
	l.sign(t, rotating(t, b.s, a.s, nil, l), 5)
	l.sign(t, rotating(t, b.s, nil, nil, l), 7)
	pinned := Epoch{-1, a.vkey}
	if _, _, _, err := Follow(l.cps[7], origin, pinned, l.fetch); err != nil {
		t.Fatalf("the genuine log: %v", err)
	}
	signWith := func(text string, ks ...testKey) []byte {
		var ss []note.Signer
		for _, k := range ks {
			ss = append(ss, k.s.NoteSigner())
		}
		msg, err := note.Sign(&note.Note{Text: text}, ss...)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	head := func(n int64) string { return fmt.Sprintf("%s\n%d\n%s\n", origin, n, b64(testTree(n).Hash)) }
	cases := []struct {
		name   string
		latest []byte
		extra  map[int64][]byte // checkpoints the server serves in place of the genuine ones
		want   string
	}{
		{"unknown key, no key line", signWith(head(9), x), nil, "no chain"},
		{"unknown key, pointing at the genuine announcement", signWith(head(9)+"key 5 "+x.vkey+"\n", x), nil, "does not announce"},
		{"unknown key announcing itself, signed by itself only", signWith(head(9)+"key 0 "+a.vkey+"\nkey 9 "+x.vkey+"\n", x), nil, "not signed by"},
		{"forged announcement, signed by the new key only", signWith(head(9)+"key 8 "+x.vkey+"\n", x),
			map[int64][]byte{8: signWith(head(8)+"key 0 "+a.vkey+"\nkey 8 "+x.vkey+"\n", x)}, "not signed by"},
		{"announcement signed by the old key only", signWith(head(9)+"key 8 "+x.vkey+"\n", x),
			map[int64][]byte{8: signWith(head(8)+"key 0 "+a.vkey+"\nkey 8 "+x.vkey+"\n", a)}, "not signed by both"},
		{"announcement of another key than the chain's", signWith(head(9)+"key 8 "+x.vkey+"\n", x),
			map[int64][]byte{8: signWith(head(8)+"key 0 "+a.vkey+"\nkey 8 "+b.vkey+"\n", a, b)}, "does not announce"},
		{"a key line claiming the pinned key, signed by another", signWith(head(9)+"key 5 "+b.vkey+"\n", x), nil, "not signed by"},
		{"the announcement is missing", signWith(head(9)+"key 8 "+x.vkey+"\n", x), nil, "size 8"},
	}
	for _, c := range cases {
		fetch := func(size int64) ([]byte, error) {
			if m, ok := c.extra[size]; ok {
				return m, nil
			}
			return l.fetch(size)
		}
		_, _, _, err := Follow(c.latest, origin, pinned, fetch)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error with %q", c.name, err, c.want)
		}
	}
	// An announcement that gives the pinned key another since than the
	// one the verifier knows.
	wrongSince := map[int64][]byte{8: signWith(head(8)+"key 1 "+a.vkey+"\nkey 8 "+x.vkey+"\n", a, x)}
	_, _, _, err := Follow(signWith(head(9)+"key 8 "+x.vkey+"\n", x), origin, Epoch{0, a.vkey}, func(size int64) ([]byte, error) { return wrongSince[size], nil })
	if err == nil || !strings.Contains(err.Error(), "signs from tree size 1, but it signs from 0") {
		t.Errorf("the pinned key's since is wrong: %v", err)
	}
	// Only "no chain" failures wrap ErrNoKeyChain.
	if _, _, _, err := Follow(cases[0].latest, origin, pinned, l.fetch); !errors.Is(err, ErrNoKeyChain) {
		t.Errorf("an unknown key: %v, want ErrNoKeyChain", err)
	}
}

func TestCheckpointKeyLines(t *testing.T) {
	t.Parallel()
	const origin = "ingot.test/lines"
	a, b := newKey(t, origin), newKey(t, origin)
	other := newKey(t, "other.test/log")
	head := func(n int64) string { return fmt.Sprintf("%s\n%d\n%s\n", origin, n, b64(testTree(n).Hash)) }
	good := map[string]CheckpointKeys{
		head(5):                            {},
		head(5) + "key 3 " + a.vkey + "\n": {Key: Epoch{3, a.vkey}},
		head(5) + "other extension\n":      {},
		head(5) + "key 0 " + a.vkey + "\nkey 5 " + b.vkey + "\n": {Key: Epoch{5, b.vkey}, Previous: &Epoch{0, a.vkey}},
		head(5) + "key 2 " + a.vkey + "\nkey 5 " + b.vkey + "\n": {Key: Epoch{5, b.vkey}, Previous: &Epoch{2, a.vkey}},
	}
	for text, want := range good {
		_, _, got, err := ParseCheckpointKeys([]byte(text))
		if err != nil || got.Key != want.Key || (got.Previous == nil) != (want.Previous == nil) || (got.Previous != nil && *got.Previous != *want.Previous) {
			t.Errorf("ParseCheckpointKeys(%q) = %+v, %v; want %+v", text, got, err, want)
		}
		if _, _, _, err := ParseCheckpointKeys([]byte(text)); err == nil {
			if out, err := FormatCheckpointKeys(origin, testTree(5), want); err != nil || (!strings.Contains(text, "other") && string(out) != text) {
				t.Errorf("FormatCheckpointKeys(%+v) = %q, %v", want, out, err)
			}
		}
	}
	for _, text := range []string{
		head(5) + "key 0 " + a.vkey + "\n",                                             // the first key has no line
		head(5) + "key 5 " + a.vkey + "\n",                                             // an announcement needs the previous key
		head(5) + "key 6 " + a.vkey + "\n",                                             // beyond the checkpoint
		head(5) + "key 03 " + a.vkey + "\n",                                            // leading zero
		head(5) + "key -1 " + a.vkey + "\n",                                            //
		head(5) + "key 3 " + a.vkey + " \n",                                            // trailing space
		head(5) + "key 3 " + other.vkey + "\n",                                         // another log's key
		head(5) + "key 3 not-a-key\n",                                                  //
		head(5) + "key 3\n",                                                            //
		head(5) + "key 0 " + a.vkey + "\nkey 4 " + b.vkey + "\n",                       // an announcement at another size
		head(5) + "key 5 " + a.vkey + "\nkey 5 " + b.vkey + "\n",                       // the previous key since the announcement
		head(5) + "key 0 " + a.vkey + "\nkey 5 " + a.vkey + "\n",                       // the same key
		head(5) + "key 1 " + a.vkey + "\nkey 2 " + b.vkey + "\nkey 5 " + a.vkey + "\n", // three lines
	} {
		if _, _, k, err := ParseCheckpointKeys([]byte(text)); err == nil || !errors.Is(err, ErrMalformedCheckpoint) {
			t.Errorf("ParseCheckpointKeys(%q) = %+v, %v; want ErrMalformedCheckpoint", text, k, err)
		}
	}
}

// TestSignerRotationRefusals: WithRotation checks its keys; Resume refuses
// a log signed by a key the Signer does not hold.
func TestSignerRotationRefusals(t *testing.T) {
	t.Parallel()
	const origin = "ingot.test/refuse"
	a, b, x := newKey(t, origin), newKey(t, origin), newKey(t, origin)
	l := newMemLog()
	if _, err := a.s.WithRotation(b.s, nil, nil); err == nil {
		t.Error("WithRotation without a reader of the latest checkpoint: no error")
	}
	if _, err := a.s.WithRotation(a.s, nil, l.latest); err == nil {
		t.Error("the previous key is the key: no error")
	}
	if _, err := a.s.WithRotation(b.s, b.s, l.latest); err == nil {
		t.Error("previous and next are one key: no error")
	}
	if _, err := a.s.WithRotation(newKey(t, "other.test/log").s, nil, l.latest); err == nil {
		t.Error("a previous key of another log: no error")
	}
	l.sign(t, x.s, 3)
	latest, _ := l.latest()
	r, _ := a.s.WithRotation(b.s, nil, l.latest)
	if err := r.Resume(latest); err == nil {
		t.Error("Resume of a log signed by another key: no error")
	}
	// A rotating signer that meets such a log while signing refuses too.
	r2, _ := a.s.WithRotation(b.s, nil, l.latest)
	if _, err := SignCheckpoint(r2, origin, testTree(4)); err == nil {
		t.Error("signing after a checkpoint of an unknown key: no error")
	}
}
