package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/verify/verifytest"
)

const rotationOrigin = "ingot.test/rotation"

// payer makes payments through a served API.
type payer struct {
	t      *testing.T
	cb     string
	opKey  string
	w1, w2 string
	n      int
	mu     sync.Mutex
}

func (p *payer) must(base string, status int, method, path, key, body string) map[string]any {
	p.t.Helper()
	st, m := call(p.t, method, base+path, key, body)
	if st != status {
		p.t.Fatalf("%s %s: %d %v; want %d", method, path, st, m, status)
	}
	return m
}

func newPayer(t *testing.T, base, cb string) *payer {
	p := &payer{t: t, cb: cb}
	op := p.must(base, 201, "POST", "/v1/operators", cb, `{"name":"Rotation Bank","code":"ROT"}`)
	p.opKey = op["api_key"].(string)
	p.must(base, 201, "POST", "/v1/issuance/mint", cb, fmt.Sprintf(`{"operator_id":%q,"amount":"1000.00","currency":"CNY"}`, op["id"]))
	for _, w := range []*string{&p.w1, &p.w2} {
		m := p.must(base, 201, "POST", "/v1/wallets", p.opKey, `{"holder":{"name":"Li Wei","phone":"13812345678"},"currency":"CNY","kind":"personal"}`)
		*w = m["id"].(string)
	}
	p.must(base, 201, "POST", "/v1/wallets/"+p.w1+"/topups", p.opKey, `{"amount":"500.00"}`)
	return p
}

// pay makes n payments through base, one by one (one checkpoint each).
func (p *payer) pay(base string, n int) {
	p.t.Helper()
	for range n {
		p.mu.Lock()
		p.n++
		memo := fmt.Sprint("payment ", p.n)
		p.mu.Unlock()
		p.must(base, 201, "POST", "/v1/transfers", p.opKey, fmt.Sprintf(`{"from":%q,"to":%q,"amount":"0.01","currency":"CNY","memo":%q}`, p.w1, p.w2, memo))
	}
}

func (p *payer) get(base, path, key string) string {
	p.t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	return string(b)
}

func readState(t *testing.T, path string) auditState {
	t.Helper()
	var s auditState
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSigningKeyRotation rotates the log's signing key of a served database
// on both stores: served with key A and audited (the auditor pins A); B
// made with `ingot keys new-signing-key`; served with B and A as the
// previous key (the first checkpoint is signed by both and announces B),
// then with B alone. The auditor pinned to A follows to B; `ingot verify`
// checks every checkpoint with its key, trusting B (or A); a process with
// A alone refuses to start.
func TestSigningKeyRotation(t *testing.T) {
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) { signingKeyRotation(t, kind) })
	}
}

func signingKeyRotation(t *testing.T, kind string) {
	dir := t.TempDir()
	db := testdb.NewDSN(t, kind)
	aFile, bFile, state := filepath.Join(dir, "a.key"), filepath.Join(dir, "b.key"), filepath.Join(dir, "audit.state")
	env := map[string]string{"INGOT_ADMIN_KEY": "cb-signing-rotation-0123456789", "INGOT_LOG_ORIGIN": rotationOrigin, "INGOT_DATA_KEY": pii.GenerateKey()}
	cb := env["INGOT_ADMIN_KEY"]

	base, _, stop := startServe(t, db, env, "--signing-key-file", aFile)
	p := newPayer(t, base, cb)
	p.pay(base, 3)
	aud := p.must(base, 201, "POST", "/v1/auditors", cb, "")["api_key"].(string)
	vkeyA := strings.TrimSpace(p.get(base, "/v1/log/key", aud))
	audit := func(base string, extra ...string) (string, error) {
		t.Helper()
		out, _, err := ingotRun(t, map[string]string{"INGOT_API_KEY": aud}, append([]string{"audit", "--url", base, "--state", state, "--sample", "3"}, extra...)...)
		return out, err
	}
	if out, err := audit(base, "--log-key", vkeyA); err != nil {
		t.Fatalf("audit with A: %v\n%s", err, out)
	}
	p.pay(base, 2)
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	out, _, err := ingotRun(t, env, "keys", "new-signing-key", "--out", bFile)
	if err != nil {
		t.Fatalf("keys new-signing-key: %v", err)
	}
	vkeyB := strings.TrimSpace(out)
	if v, err := note.NewVerifier(vkeyB); err != nil || v.Name() != rotationOrigin || vkeyB == vkeyA {
		t.Fatalf("new-signing-key printed %q: %v", vkeyB, err)
	}
	if _, _, err := ingotRun(t, env, "keys", "new-signing-key", "--out", bFile); err == nil {
		t.Error("new-signing-key over an existing file: no error")
	}

	// The switch: B signs, holding A as its previous key.
	base, _, stop = startServe(t, db, env, "--signing-key-file", bFile, "--previous-signing-key-file", aFile)
	if k := strings.TrimSpace(p.get(base, "/v1/log/key", aud)); k != vkeyA {
		t.Errorf("before its first checkpoint the server serves %s, want A", k)
	}
	p.pay(base, 1)
	ann := p.get(base, "/v1/log/checkpoint", aud)
	text, _, _ := strings.Cut(ann, "\n\n")
	lines := strings.Split(text, "\n")
	if len(lines) != 5 || lines[3] != "key 0 "+vkeyA || lines[4] != "key "+lines[1]+" "+vkeyB || strings.Count(ann, "\n— ") != 2 {
		t.Fatalf("the announcement:\n%s", ann)
	}
	since := lines[1]
	if k := strings.TrimSpace(p.get(base, "/v1/log/key", aud)); k != vkeyB {
		t.Errorf("after the announcement the server serves %s, want B", k)
	}
	p.pay(base, 2)
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// B alone.
	base, _, stop = startServe(t, db, env, "--signing-key-file", bFile)
	p.pay(base, 2)
	latest := p.get(base, "/v1/log/checkpoint", aud)
	if !strings.Contains(latest, "\nkey "+since+" "+vkeyB+"\n\n") || strings.Count(latest, "\n— ") != 1 {
		t.Fatalf("a checkpoint after the rotation:\n%s", latest)
	}

	// The auditor pinned to A follows the announcement to B.
	out, err = audit(base)
	if err != nil || !strings.Contains(out, "key rotated at tree size "+since+" from "+vkeyA+" to "+vkeyB) {
		t.Fatalf("audit across the rotation: %v\n%s", err, out)
	}
	st := readState(t, state)
	if st.LogKey != vkeyB || st.KeySince == nil || fmt.Sprint(*st.KeySince) != since || len(st.Rotations) != 1 {
		t.Fatalf("the state after the rotation: %+v", st)
	}
	p.pay(base, 1)
	if out, err = audit(base); err != nil || strings.Contains(out, "rotated") {
		t.Fatalf("audit after following: %v\n%s", err, out)
	}
	// An old --log-key is still accepted: the state followed from it.
	if out, err = audit(base, "--log-key", vkeyA); err != nil {
		t.Fatalf("audit with the old --log-key: %v\n%s", err, out)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// verify checks every checkpoint with the key of its epoch.
	out, _, err = ingotRun(t, env, "verify", "--db", db, "--signing-key-file", bFile)
	if err != nil || !strings.Contains(out, "signing key 1, from tree size 0: "+vkeyA) || !strings.Contains(out, "signing key 2, from tree size "+since+": "+vkeyB) {
		t.Fatalf("verify trusting B: %v\n%s", err, out)
	}
	if out, _, err = ingotRun(t, env, "verify", "--db", db, "--log-key", vkeyA); err != nil {
		t.Fatalf("verify trusting A: %v\n%s", err, out)
	}
	_, other := verifytest.NewKey(rotationOrigin)
	if _, _, err = ingotRun(t, env, "verify", "--db", db, "--log-key", other.VerifierKey()); err == nil || !strings.Contains(err.Error(), "none of them is the trusted key") {
		t.Fatalf("verify trusting another key: %v", err)
	}

	// A process with A alone does not sign a log that moved to B.
	if _, _, err := ingotRun(t, env, "serve", "--db", db, "--signing-key-file", aFile, "--addr", "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "not signed by this process's key") {
		t.Fatalf("serve with A after the rotation: %v", err)
	}
}

// TestSigningKeyRotationTwoProcesses rotates the key of a log that two
// processes serve on one PostgreSQL database, without stopping both: both
// get B as their next key; one restarts with B and A as its previous key
// and announces B while the other, still signing with A, goes on taking
// payments and follows B. Exactly one checkpoint announces B, every later
// one is B's, verify passes and the auditor follows.
func TestSigningKeyRotationTwoProcesses(t *testing.T) {
	dir := t.TempDir()
	db := testdb.NewDSN(t, "postgres")
	aFile, bFile, state := filepath.Join(dir, "a.key"), filepath.Join(dir, "b.key"), filepath.Join(dir, "audit.state")
	env := map[string]string{"INGOT_ADMIN_KEY": "cb-two-processes-0123456789", "INGOT_LOG_ORIGIN": rotationOrigin, "INGOT_DATA_KEY": pii.GenerateKey()}
	cb := env["INGOT_ADMIN_KEY"]
	if _, _, err := ingotRun(t, env, "keys", "new-signing-key", "--out", aFile); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ingotRun(t, env, "keys", "new-signing-key", "--out", bFile); err != nil {
		t.Fatal(err)
	}

	// Step 1: both processes hold A as their key and B as their next.
	base1, _, stop1 := startServe(t, db, env, "--signing-key-file", aFile, "--next-signing-key-file", bFile)
	p := newPayer(t, base1, cb)
	base2, _, stop2 := startServe(t, db, env, "--signing-key-file", aFile, "--next-signing-key-file", bFile)
	p.pay(base1, 2)
	p.pay(base2, 2)
	aud := p.must(base1, 201, "POST", "/v1/auditors", cb, "")["api_key"].(string)
	audit := func(base string) (string, error) {
		out, _, err := ingotRun(t, map[string]string{"INGOT_API_KEY": aud}, "audit", "--url", base, "--state", state, "--sample", "3")
		return out, err
	}
	if out, err := audit(base1); err != nil {
		t.Fatalf("audit before the rotation: %v\n%s", err, out)
	}

	// Step 2: process 2 restarts with B, A as its previous key, while
	// process 1 keeps taking payments.
	if err := stop2(); err != nil {
		t.Fatal(err)
	}
	base2, _, stop2 = startServe(t, db, env, "--signing-key-file", bFile, "--previous-signing-key-file", aFile)
	var wg sync.WaitGroup
	for _, base := range []string{base1, base2, base1, base2} {
		wg.Go(func() { p.pay(base, 3) })
	}
	wg.Wait()

	// Step 3: process 1 restarts with B alone.
	if err := stop1(); err != nil {
		t.Fatal(err)
	}
	base1, _, stop1 = startServe(t, db, env, "--signing-key-file", bFile)
	p.pay(base1, 1)
	p.pay(base2, 1)
	out, err := audit(base1)
	if err != nil || strings.Count(out, "key rotated at tree size") != 1 {
		t.Fatalf("audit across the rotation: %v\n%s", err, out)
	}
	for _, stop := range []func() error{stop1, stop2} {
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	}

	// One announcement; after it, B's checkpoints only.
	st, err := testdb.OpenDSN(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cps, err := st.Checkpoints(context.Background(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	vkeyB := readState(t, state).LogKey
	announcements, afterB := 0, false
	for _, c := range cps {
		text, _, _ := strings.Cut(string(c.Note), "\n\n")
		switch n := strings.Count(text, "\nkey "); {
		case n == 2:
			announcements++
			afterB = true
		case afterB && (n != 1 || !strings.Contains(text, vkeyB)):
			t.Errorf("checkpoint %d after the announcement:\n%s", c.Size, c.Note)
		case !afterB && n != 0:
			t.Errorf("checkpoint %d before the announcement:\n%s", c.Size, c.Note)
		}
	}
	if announcements != 1 {
		t.Errorf("%d announcements, want 1", announcements)
	}
	if out, _, err := ingotRun(t, env, "verify", "--db", db, "--signing-key-file", bFile); err != nil {
		t.Fatalf("verify: %v\n%s", err, out)
	}
}

// TestAuditRotationForgeries: an auditor pinned to the log's key rejects a
// checkpoint of an unknown key without an announcement, an announcement
// not signed by the pinned key, a rotation whose trees are not consistent
// with what it verified, and an announcement older than a checkpoint the
// old key signed; its state is unchanged each time, and the truth still
// audits.
func TestAuditRotationForgeries(t *testing.T) {
	a := newAuditEnv(t, "sqlite")
	a.e.Populate()
	if out, _, err := a.audit(); err != nil {
		t.Fatalf("first audit: %v\n%s", err, out)
	}
	a.pay(3)
	_, real := a.latest()
	stateSize := a.savedSize()
	keyA, vkeyA := verifytest.SignerKey(), verifytest.Signer().VerifierKey()
	_, x := verifytest.NewKey(verifytest.Origin)
	b := verifytest.NewSigner(verifytest.Origin)
	signerOf := func(skey string) note.Signer {
		s, err := note.NewSigner(skey)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	sign := func(n int64, root tlog.Hash, lines string, signers ...note.Signer) []byte {
		text := fmt.Sprintf("%s\n%d\n%s\n%s", verifytest.Origin, n, root, lines)
		msg, err := note.Sign(&note.Note{Text: text}, signers...)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	// serve answers /v1/log/checkpoint with latest and the checkpoint of
	// the sizes in at (as the proof of leaf 0 carries it); the rest is true.
	serve := func(latest []byte, at map[int64][]byte) {
		f := func(w http.ResponseWriter, r *http.Request) bool {
			switch {
			case r.URL.Path == "/v1/log/checkpoint":
				serveText(latest)(w, r)
				return true
			case r.URL.Path == "/v1/log/key":
				serveText([]byte(b.VerifierKey()))(w, r)
				return true
			case r.URL.Path == "/v1/log/entries/0":
				var n int64
				fmt.Sscan(r.URL.Query().Get("tree_size"), &n)
				if c, ok := at[n]; ok {
					w.Header().Set("Content-Type", "application/json")
					json.NewEncoder(w).Encode(map[string]any{"log_index": 0, "tree_size": n, "leaf": []byte{}, "proof": []string{}, "checkpoint": string(c)})
					return true
				}
			}
			return false
		}
		a.override.Store(&f)
	}
	cpAt := func(n int64) tlog.Tree {
		c, err := a.e.St.Checkpoint(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		return tlog.Tree{N: c.Size, Hash: c.Root}
	}
	older := cpAt(stateSize - 1)
	if older.N == 0 {
		t.Fatal("no checkpoint before the audited one")
	}
	bLine := func(since int64) string { return fmt.Sprintf("key %d %s\n", since, b.VerifierKey()) }
	annLines := func(since int64) string { return fmt.Sprintf("key 0 %s\n", vkeyA) + bLine(since) }

	cases := []struct {
		name   string
		latest []byte
		at     map[int64][]byte
		want   string
	}{
		{"an unknown key, no announcement", sign(real.N, real.Hash, "", x.NoteSigner()), nil, "no chain of key announcements"},
		{"an unknown key pointing to no announcement", sign(real.N, real.Hash, bLine(real.N-1), b.NoteSigner()), nil, "announced"},
		{"an announcement signed by the new key only", sign(real.N, real.Hash, bLine(real.N-1), b.NoteSigner()),
			map[int64][]byte{real.N - 1: sign(real.N-1, cpAt(real.N-1).Hash, annLines(real.N-1), b.NoteSigner())}, "not signed by"},
		{"an announcement signed by another key than the pinned one", sign(real.N, real.Hash, bLine(real.N-1), b.NoteSigner()),
			map[int64][]byte{real.N - 1: sign(real.N-1, cpAt(real.N-1).Hash, annLines(real.N-1), x.NoteSigner(), b.NoteSigner())}, "not signed by"},
		{"a rotation onto another history", sign(real.N, randomRoot(), bLine(real.N), signerOf(keyA), b.NoteSigner()), nil, "forked"},
		{"a rotation before a checkpoint the old key signed", sign(real.N, real.Hash, bLine(older.N), b.NoteSigner()),
			map[int64][]byte{older.N: sign(older.N, older.Hash, annLines(older.N), signerOf(keyA), b.NoteSigner())}, "signed after it was replaced"},
	}
	// The announcement at real.N must carry both key lines.
	cases[4].latest = sign(real.N, randomRoot(), annLines(real.N), signerOf(keyA), b.NoteSigner())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			serve(c.latest, c.at)
			a.fails(c.want)
		})
	}
	a.truth()
	if out, _, err := a.audit(); err != nil || readState(t, a.state).LogKey != vkeyA {
		t.Fatalf("audit of the truth after the forgeries: %v\n%s", err, out)
	}
}

// TestSigningKeyLeftBehind: a process that holds only the old key, still
// running when another process announces the new one (the rotation's first
// step skipped), does not sign with the old key after the announcement: its
// batches fail (503) until it is restarted with the new key, and the log
// stays valid.
func TestSigningKeyLeftBehind(t *testing.T) {
	dir := t.TempDir()
	db := testdb.NewDSN(t, "postgres")
	aFile, bFile := filepath.Join(dir, "a.key"), filepath.Join(dir, "b.key")
	env := map[string]string{"INGOT_ADMIN_KEY": "cb-left-behind-0123456789", "INGOT_LOG_ORIGIN": rotationOrigin, "INGOT_DATA_KEY": pii.GenerateKey()}
	for _, f := range []string{aFile, bFile} {
		if _, _, err := ingotRun(t, env, "keys", "new-signing-key", "--out", f); err != nil {
			t.Fatal(err)
		}
	}
	base1, _, _ := startServe(t, db, env, "--signing-key-file", aFile)
	p := newPayer(t, base1, env["INGOT_ADMIN_KEY"])
	base2, _, _ := startServe(t, db, env, "--signing-key-file", bFile, "--previous-signing-key-file", aFile)
	p.pay(base1, 1)
	p.pay(base2, 1) // the announcement
	st, m := call(t, "POST", base1+"/v1/transfers", p.opKey, fmt.Sprintf(`{"from":%q,"to":%q,"amount":"0.01","currency":"CNY"}`, p.w1, p.w2))
	if st != http.StatusServiceUnavailable {
		t.Fatalf("a payment through the process left with the old key: %d %v; want 503", st, m)
	}
	p.pay(base2, 1)
	if out, _, err := ingotRun(t, env, "verify", "--db", db, "--signing-key-file", bFile); err != nil {
		t.Fatalf("verify: %v\n%s", err, out)
	}
}
