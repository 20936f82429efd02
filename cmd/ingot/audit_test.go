package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/httpapi"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/translog"
	"github.com/ingot-cbdc/ingot/verify/verifytest"
)

// auditEnv is a real server (httpapi over a real store and engine) behind a
// proxy that a test can make lie.
type auditEnv struct {
	t        *testing.T
	e        *verifytest.Env
	real     *httptest.Server
	proxy    *httptest.Server
	override atomic.Pointer[func(w http.ResponseWriter, r *http.Request) bool]
	key      string // an auditor's API key
	state    string
}

func newAuditEnv(t *testing.T, kind string) *auditEnv {
	t.Helper()
	e := verifytest.New(t, kind, nil, 0)
	a := &auditEnv{t: t, e: e, state: filepath.Join(t.TempDir(), "audit.state")}
	a.real = httptest.NewServer(httpapi.NewServer(e.Svc, e.Auth, httpapi.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(a.real.Close)
	target, _ := url.Parse(a.real.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	a.proxy = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := a.override.Load(); h != nil && (*h)(w, r) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(a.proxy.Close)
	res, err := e.Svc.CreateAuditor(e.Ctx, e.CB, nil)
	if err != nil {
		t.Fatalf("create an auditor: %v", err)
	}
	a.key = res.APIKey
	a.requireLogRoutes()
	return a
}

// requireLogRoutes fails the test when the server has no log routes: an
// answer other than a checkpoint or the problem+json of an empty log (say,
// the router's plain 404) means the log endpoints are missing, a bug.
func (a *auditEnv) requireLogRoutes() {
	a.t.Helper()
	body, status, ctype := a.getReal("/v1/log/checkpoint")
	if status == http.StatusOK || (status == http.StatusNotFound && strings.Contains(ctype, "problem+json")) {
		return
	}
	a.t.Fatalf("GET /v1/log/checkpoint: %d %s %q; want a checkpoint or the not_found problem of an empty log: the audit needs the log endpoints", status, ctype, body)
}

func (a *auditEnv) getReal(path string) (string, int, string) {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.real.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+a.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode, resp.Header.Get("Content-Type")
}

// lie makes the proxy answer path (without query) with h's answer.
func (a *auditEnv) lie(path string, h func(w http.ResponseWriter, r *http.Request)) {
	f := func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != path {
			return false
		}
		h(w, r)
		return true
	}
	a.override.Store(&f)
}

func (a *auditEnv) truth() { a.override.Store(nil) }

func serveText(body []byte) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(body)
	}
}

// audit runs `ingot audit` through the proxy.
func (a *auditEnv) audit(extra ...string) (string, string, error) {
	a.t.Helper()
	args := append([]string{"audit", "--url", a.proxy.URL, "--state", a.state}, extra...)
	return ingotRun(a.t, map[string]string{"INGOT_API_KEY": a.key}, args...)
}

// fails asserts that audit fails with a message containing want and leaves
// the state file as it was.
func (a *auditEnv) fails(want string, extra ...string) {
	a.t.Helper()
	before, _ := os.ReadFile(a.state)
	out, _, err := a.audit(extra...)
	if err == nil || !strings.Contains(err.Error(), want) {
		a.t.Errorf("audit %v: error %v, stdout %q; want an error with %q", extra, err, out, want)
	} else {
		a.t.Logf("rejected as expected: %v", err)
	}
	if after, _ := os.ReadFile(a.state); !bytes.Equal(before, after) {
		a.t.Errorf("a failed audit changed the state file:\n%s\n->\n%s", before, after)
	}
}

func (a *auditEnv) latest() (string, tlog.Tree) {
	a.t.Helper()
	cp, err := a.e.St.LatestCheckpoint(context.Background())
	if err != nil {
		a.t.Fatal(err)
	}
	return string(cp.Note), tlog.Tree{N: cp.Size, Hash: cp.Root}
}

func (a *auditEnv) pay(n int) {
	a.t.Helper()
	for i := range n {
		_, err := a.e.Svc.Pay(a.e.Ctx, a.e.Op, ledger.PayRequest{
			From: ingot.FormatWalletID(a.e.Wallets[0]), To: ingot.FormatWalletID(a.e.Wallets[1]), Amount: "0.01", Currency: "CNY", Memo: fmt.Sprint("audit ", i),
		}, nil)
		if err != nil {
			a.t.Fatal(err)
		}
	}
}

func (a *auditEnv) savedSize() int64 {
	a.t.Helper()
	var s auditState
	b, err := os.ReadFile(a.state)
	if err != nil {
		a.t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		a.t.Fatal(err)
	}
	return s.TreeSize
}

func randomRoot() tlog.Hash {
	var h tlog.Hash
	_, _ = rand.Read(h[:])
	return h
}

func randomB64() string {
	h := randomRoot()
	return base64.StdEncoding.EncodeToString(h[:])
}

// replaceLine replaces line i (0-based) of a note's text.
func replaceLine(note string, i int, with string) string {
	lines := strings.Split(note, "\n")
	lines[i] = with
	return strings.Join(lines, "\n")
}

func TestAudit(t *testing.T) {
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			a := newAuditEnv(t, kind)
			e := a.e

			// An empty log: nothing to prove, the key is pinned.
			out, stderr, err := a.audit()
			if err != nil || !strings.Contains(out, "empty") || !strings.Contains(stderr, "first use") {
				t.Fatalf("empty log: %v %q %q", err, out, stderr)
			}

			e.Populate()
			out, _, err = a.audit("--transfers", e.IDs[0]+","+e.IDs[7])
			if err != nil {
				t.Fatalf("first audit: %v", err)
			}
			n := int64(len(e.IDs)) // the fixture's log size
			if !strings.Contains(out, fmt.Sprintf("transfer %s is leaf 7 of tree %d: payment of ", e.IDs[7], n)) || !strings.Contains(out, ": OK") {
				t.Errorf("first audit's output: %q", out)
			}
			if a.savedSize() != n {
				t.Errorf("saved size %d", a.savedSize())
			}

			// The log grows: the new checkpoint extends the old one.
			a.pay(3)
			out, _, err = a.audit("--transfers", e.IDs[14], "--log-key", e.Signer.VerifierKey())
			if err != nil || !strings.Contains(out, fmt.Sprintf("tree %d extends tree %d", n+3, n)) {
				t.Fatalf("second audit: %v %q", err, out)
			}
			if a.savedSize() != n+3 {
				t.Errorf("saved size %d", a.savedSize())
			}
			// A random sample of leaves, proven by index.
			out, _, err = a.audit("--sample", "5")
			if err != nil || strings.Count(out, fmt.Sprintf(" of tree %d is transfer ", n+3)) != 5 {
				t.Fatalf("sampled audit: %v %q", err, out)
			}

			note, tree := a.latest()

			// A checkpoint signed by another key (named like the log's).
			other := verifytest.NewSigner(verifytest.Origin)
			forged, _ := translog.SignCheckpoint(other, verifytest.Origin, tree)
			a.lie("/v1/log/checkpoint", serveText(forged))
			a.fails("not a checkpoint of log ingot.test/log signed by its key")

			// A changed root, a changed size: the signature no longer holds.
			a.lie("/v1/log/checkpoint", serveText([]byte(replaceLine(note, 2, randomB64()))))
			a.fails("not a checkpoint of log ingot.test/log signed by its key")
			a.lie("/v1/log/checkpoint", serveText([]byte(replaceLine(note, 1, strconv.FormatInt(tree.N+1, 10)))))
			a.fails("not a checkpoint of log ingot.test/log signed by its key")
			a.lie("/v1/log/checkpoint", serveText([]byte(replaceLine(note, 1, strconv.FormatInt(tree.N-1, 10)))))
			a.fails("not a checkpoint of log ingot.test/log signed by its key")

			// The log shrank: an older checkpoint, genuinely signed.
			old, err := e.St.Checkpoint(context.Background(), 12)
			if err != nil {
				t.Fatal(err)
			}
			a.lie("/v1/log/checkpoint", serveText(old.Note))
			a.fails("the log shrank")

			// A fork at the same size, signed with the log's own key.
			fork, _ := translog.SignCheckpoint(e.Signer, verifytest.Origin, tlog.Tree{N: tree.N, Hash: randomRoot()})
			a.lie("/v1/log/checkpoint", serveText(fork))
			a.fails("the log forked")

			// A fork at a larger size: the server's genuine consistency proof
			// does not lead from the saved tree to the forked root.
			a.truth()
			a.pay(2)
			_, grown := a.latest()
			fork, _ = translog.SignCheckpoint(e.Signer, verifytest.Origin, tlog.Tree{N: grown.N, Hash: randomRoot()})
			a.lie("/v1/log/checkpoint", serveText(fork))
			a.fails("the log forked")

			// A consistency proof with a changed hash.
			a.lie("/v1/log/consistency", func(w http.ResponseWriter, r *http.Request) {
				body, _, _ := a.getReal(r.URL.RequestURI())
				var c map[string]any
				json.Unmarshal([]byte(body), &c)
				p := c["proof"].([]any)
				p[0] = randomB64()
				json.NewEncoder(w).Encode(c)
			})
			a.fails("the log forked")

			// The key: pinned, so another --log-key, or another served key,
			// is refused.
			a.truth()
			a.fails("is not the key pinned", "--log-key", other.VerifierKey())
			a.lie("/v1/log/key", serveText([]byte(other.VerifierKey()+"\n")))
			a.fails("the server serves the log key")

			// Inclusion: a changed leaf, a proof of another transfer, an
			// unknown transfer, a changed proof hash.
			id := e.IDs[5]
			rewriteProof := func(f func(p map[string]any)) {
				a.override.Store(nil)
				a.lie("/v1/transfers/"+id+"/proof", func(w http.ResponseWriter, r *http.Request) {
					body, _, _ := a.getReal(r.URL.RequestURI())
					var p map[string]any
					json.Unmarshal([]byte(body), &p)
					f(p)
					json.NewEncoder(w).Encode(p)
				})
			}
			rewriteProof(func(p map[string]any) {
				leaf, _ := base64.StdEncoding.DecodeString(p["leaf"].(string))
				leaf[len(leaf)-40] ^= 1 // in the memo hash
				p["leaf"] = base64.StdEncoding.EncodeToString(leaf)
			})
			a.fails("does not verify against the signed checkpoint", "--transfers", id)
			rewriteProof(func(p map[string]any) {
				pr := p["proof"].([]any)
				pr[len(pr)-1] = randomB64()
			})
			a.fails("does not verify against the signed checkpoint", "--transfers", id)
			a.lie("/v1/transfers/"+id+"/proof", func(w http.ResponseWriter, r *http.Request) {
				body, _, _ := a.getReal(strings.Replace(r.URL.RequestURI(), id, e.IDs[6], 1))
				io.WriteString(w, body)
			})
			a.fails("is transfer "+e.IDs[6]+", not "+id, "--transfers", id)
			rewriteProof(func(p map[string]any) {
				forged, _ := translog.SignCheckpoint(other, verifytest.Origin, tree)
				p["checkpoint"] = string(forged)
			})
			a.fails("the proof's checkpoint does not verify", "--transfers", id)
			a.truth()
			a.fails("404 Not Found", "--transfers", "01900000-0000-7000-8000-000000000000")

			// A state file that was tampered with.
			saved, _ := os.ReadFile(a.state)
			var s auditState
			json.Unmarshal(saved, &s)
			s.Checkpoint = replaceLine(s.Checkpoint, 1, "3")
			b, _ := json.Marshal(s)
			os.WriteFile(a.state, b, 0o600)
			a.fails("the checkpoint in the state file")
			os.WriteFile(a.state, saved, 0o600)

			// After all the lies, the truth still verifies.
			out, _, err = a.audit("--transfers", id)
			if err != nil || !strings.Contains(out, fmt.Sprintf("tree %d extends tree %d", grown.N, n+3)) {
				t.Fatalf("audit after the lies: %v %q", err, out)
			}
		})
	}
}

func TestAuditFlags(t *testing.T) {
	for _, args := range [][]string{
		{"audit"},
		{"audit", "--url", "http://127.0.0.1:1", "--key", ""},
		{"audit", "--url", "ftp://x", "--key", "k"},
		{"audit", "--url", "http://127.0.0.1:1", "--key", "k", "--sample", "3"},
	} {
		if _, _, err := ingotRun(t, nil, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	// A state file that is not one.
	state := filepath.Join(t.TempDir(), "s")
	os.WriteFile(state, []byte("{"), 0o600)
	if _, _, err := ingotRun(t, nil, "audit", "--url", "http://127.0.0.1:1", "--key", "k", "--state", state); err == nil || !strings.Contains(err.Error(), "not an audit state") {
		t.Errorf("bad state file: %v", err)
	}
}
