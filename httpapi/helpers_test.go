package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/bank"
	"github.com/ingot-cbdc/ingot/featurephone"
	"github.com/ingot-cbdc/ingot/httpapi"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/sqlite"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/translog"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"
)

const adminKey = "ik_test_admin_key_0123456789abcdef"

// env is a running API over a real database.
type env struct {
	t     testing.TB
	url   string
	h     http.Handler
	st    store.Store
	vkey  string // the log's verifier key
	svc   *ledger.Service
	auth  *auth.Service
	sb    *bank.Sandbox // the sandbox bank, on in tests (bank_test.go)
	clock *clock        // the server's clock, which tests may move
}

// clock is a clock a test moves forward.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

// advance moves the clock forward by d.
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// opener opens a fresh, empty store for a test.
type opener func(t testing.TB) store.Store

func openSQLite(t testing.TB) store.Store {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "ingot.db"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// stores are the databases every HTTP test runs on: SQLite always,
// PostgreSQL when configured (see postgres_test.go).
var stores = map[string]opener{"sqlite": openSQLite}

// forEachStore runs f once per store.
func forEachStore(t *testing.T, f func(t *testing.T, e *env)) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, newEnv(t, open, 0))
		})
	}
}

func newEnv(t testing.TB, open opener, maxBatch int) *env {
	t.Helper()
	return newEnvLog(t, open, maxBatch, io.Discard)
}

// newEnvLog is newEnv with the server's logs written to w; opts change the
// server's options.
func newEnvLog(t testing.TB, open opener, maxBatch int, w io.Writer, opts ...func(*httpapi.Options)) *env {
	t.Helper()
	st := open(t)
	ctx := context.Background()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(w, nil))
	reg := prometheus.NewRegistry()
	skey, vkey, err := note.GenerateKey(rand.Reader, translog.DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := translog.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	eng := ledger.NewEngine(st, ledger.Options{MaxBatch: maxBatch, Logger: log, Registerer: reg, Signer: signer, Now: clk.Now})
	dataKey, err := pii.ParseKey(pii.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	sb := bank.NewSandbox(st.(bank.SandboxStore), dataKey)
	sb.Delay = 10 * time.Millisecond
	ast := st.(auth.Store)
	sender := auth.NewSandboxSender(ast, dataKey, clk.Now)
	au, err := auth.New(ast, auth.Options{PII: dataKey, Sender: sender, Logger: log, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	svc := ledger.NewService(st, eng, log).WithPII(dataKey).WithBank(sb, ledger.BankOptions{Grace: -1, RetryBase: time.Millisecond, RetryMax: time.Millisecond}).
		WithApprover(au, nil).WithEvents(au.Record)
	if _, err := svc.Bootstrap(ctx, adminKey); err != nil {
		t.Fatal(err)
	}
	phones, err := featurephone.New(featurephone.Options{Ledger: svc, Auth: au, Sender: sender, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	o := httpapi.Options{Logger: log, Registry: reg, Sandbox: sb, Phones: phones}
	for _, f := range opts {
		f(&o)
	}
	h := httpapi.NewServer(svc, au, o)
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		eng.Close()
		_ = st.Close()
	})
	return &env{t: t, url: srv.URL, h: h, st: st, vkey: vkey, svc: svc, auth: au, sb: sb, clock: clk}
}

// resp is a decoded answer.
type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r *resp) str(k string) string {
	v, _ := r.body[k].(string)
	return v
}

func (r *resp) items() []any {
	v, _ := r.body["items"].([]any)
	return v
}

// req sends a request; body may be nil, a string (sent as is) or a value
// (sent as JSON). Extra headers come in pairs.
func (e *env) req(method, path, key string, body any, hdr ...string) *resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	r, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := &resp{status: res.StatusCode, header: res.Header, raw: raw}
	if strings.Contains(res.Header.Get("Content-Type"), "json") && len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			e.t.Fatalf("%s %s: answer is not a JSON object: %v: %s", method, path, err, raw)
		}
	}
	return out
}

// must checks the status of an answer.
func (e *env) must(r *resp, status int) *resp {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

// problem checks an answer is an RFC 9457 problem with status and code.
func (e *env) problem(r *resp, status int, code string) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d (%s): %s", r.status, status, code, r.raw)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		e.t.Fatalf("Content-Type %q, want application/problem+json: %s", ct, r.raw)
	}
	if got := r.str("code"); got != code {
		e.t.Fatalf("code %q, want %q: %s", got, code, r.raw)
	}
	if s, _ := r.body["status"].(float64); int(s) != status {
		e.t.Fatalf("problem status %v, want %d", r.body["status"], status)
	}
	if r.str("title") == "" || r.str("detail") == "" || r.str("type") == "" {
		e.t.Fatalf("problem without type, title or detail: %s", r.raw)
	}
}

// operator creates an operator and returns its id and key.
func (e *env) operator(code string) (id, key string) {
	e.t.Helper()
	r := e.must(e.req("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank " + code, "code": code}), 201)
	id, key = r.str("id"), r.str("api_key")
	if id == "" || !strings.HasPrefix(key, "ingot_live_") {
		e.t.Fatalf("operator answer without id or key: %s", r.raw)
	}
	return id, key
}

func (e *env) mint(opID, amount string) {
	e.t.Helper()
	e.must(e.req("POST", "/v1/issuance/mint", adminKey, map[string]any{"operator_id": opID, "amount": amount, "currency": "CNY"}), 201)
}

// wallet opens a CNY wallet and tops it up with amount (when not "").
func (e *env) wallet(key, amount string) string {
	e.t.Helper()
	r := e.must(e.req("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Zhang San", "phone": "13812345678"}, "currency": "CNY"}), 201)
	id := r.str("id")
	if amount != "" {
		e.must(e.req("POST", "/v1/wallets/"+id+"/topups", key, map[string]any{"amount": amount}), 201)
	}
	return id
}

func (e *env) balance(key, wallet string) string {
	e.t.Helper()
	return e.must(e.req("GET", "/v1/wallets/"+wallet, key, nil), 200).str("balance")
}

// funded is an operator with a minted reserve.
func (e *env) funded(code string) (id, key string) {
	id, key = e.operator(code)
	e.mint(id, "1000000.00")
	return id, key
}
