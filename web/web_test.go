package web_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"

	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/bank"
	"github.com/ingot-cbdc/ingot/httpapi"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/translog"
	"github.com/ingot-cbdc/ingot/web"
	"github.com/ingot-cbdc/ingot/webhook"
)

const adminKey = "ingot_test_web_central_bank_key_0123456789"

// site is a real Ingot (SQLite, engine, sign-in with the sandbox's text
// messages, the API) with the web mounted, over real HTTP.
type site struct {
	t   *testing.T
	url string
	// skew moves the clock of the whole site (engine, sign-in, webhooks,
	// web) ahead.
	skew atomic.Int64
	// d is the webhook deliverer (withWebhooks), run by the test
	// (consoleSite.deliver) unless asSandbox runs it in the background.
	d    *webhook.Deliverer
	zone *time.Location
}

// advance moves the site's clock ahead by d.
func (s *site) advance(d time.Duration) { s.skew.Add(int64(d)) }

// now is the site's clock.
func (s *site) now() time.Time { return time.Now().Add(time.Duration(s.skew.Load())) }

// siteOptions say what a test site has beyond the API and the web.
type siteOptions struct {
	kind      string             // the store (testdb.Kinds); "" is SQLite
	localhost bool               // served at http://localhost:PORT, sign-in's public URL: WebAuthn's relying party "localhost", a secure context without TLS
	webhooks  bool               // webhook endpoints (at any address) and their deliverer, s.d
	deliver   bool               // with webhooks: the deliverer runs in the background
	sandbox   bool               // as `ingot serve --sandbox`: ingot_test_ keys, and the developer sandbox with a central bank key of only the scopes it needs
	risk      ledger.RiskOptions // the engine's built-in AML thresholds (zero: the defaults)
}

// siteOption is one of a test site's options (newSite).
type siteOption func(*siteOptions)

// onStore puts the site on a store of kind (testdb.Kinds).
func onStore(kind string) siteOption { return func(o *siteOptions) { o.kind = kind } }

// atLocalhost serves the site at http://localhost:PORT, for WebAuthn.
func atLocalhost() siteOption { return func(o *siteOptions) { o.localhost = true } }

// withWebhooks gives the site webhook endpoints and their deliverer, run
// by the test (consoleSite.deliver).
func withWebhooks() siteOption { return func(o *siteOptions) { o.webhooks = true } }

// asSandbox makes the site as `ingot serve --sandbox` runs it: ingot_test_
// keys, webhooks to any address with their deliverer running, and the
// developer sandbox.
func asSandbox() siteOption {
	return func(o *siteOptions) { o.webhooks, o.deliver, o.sandbox = true, true, true }
}

// newSite starts a real Ingot (store, engine with the log, sign-in with
// the sandbox's text messages, the sandbox bank, the API and the web) over
// HTTP, with one clock the test may move: on SQLite with the API and the
// web only, unless opts say more.
func newSite(t *testing.T, opts ...siteOption) *site {
	var o siteOptions
	for _, opt := range opts {
		opt(&o)
	}
	t.Helper()
	if o.kind == "" {
		o.kind = "sqlite"
	}
	s := &site{t: t}
	st := testdb.Open(t, o.kind)
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.DiscardHandler)
	skey, _, err := note.GenerateKey(rand.Reader, translog.DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := translog.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	eng := ledger.NewEngine(st, ledger.Options{Logger: log, Registerer: prometheus.NewRegistry(), Signer: signer, Now: s.now, Risk: o.risk})
	s.zone = eng.Zone()
	keys, err := pii.ParseKey(pii.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	aopt := auth.Options{PII: keys, Sender: auth.NewSandboxSender(st.(auth.Store), keys, s.now), Logger: log, Now: s.now}
	if o.localhost {
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		aopt.PublicURL = "http://localhost:" + port
	}
	sb := bank.NewSandbox(st.(bank.SandboxStore), keys)
	au, err := auth.New(st.(auth.Store), aopt)
	if err != nil {
		t.Fatal(err)
	}
	svc := ledger.NewService(st, eng, log).WithPII(keys).WithBank(sb, ledger.BankOptions{}).WithApprover(au, nil).WithEvents(au.Record)
	if o.sandbox {
		svc = svc.WithKeyPrefix(ledger.TestKeyPrefix)
	}
	if _, err := svc.Bootstrap(ctx, adminKey); err != nil {
		t.Fatal(err)
	}
	hopt := httpapi.Options{Logger: log, Registry: prometheus.NewRegistry(), Sandbox: sb}
	if o.webhooks {
		ws := st.(webhook.Store)
		wopt := webhook.Options{Now: s.now, AllowPrivate: true, Logger: log, Render: httpapi.EventRenderer(svc, log), Record: au.Record}
		s.d = webhook.NewDeliverer(ws, keys, wopt)
		hopt.Webhooks = webhook.NewService(ws, keys, wopt).WithWake(s.d.Wake)
	}
	api := httpapi.NewServer(svc, au, hopt)
	wopt := web.Options{API: api, Keys: keys, Zone: eng.Zone(), Logger: log, Now: s.now}
	if o.sandbox {
		// The sandbox's central bank key, as `ingot serve --sandbox` makes it.
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/v1/api-keys", strings.NewReader(`{"name":"developer sandbox","scopes":["operators:write","issuance:write","sandbox"]}`))
		req.Header.Set("Authorization", "Bearer "+adminKey)
		req.Header.Set("Content-Type", "application/json")
		api.ServeHTTP(rec, req)
		var k struct {
			APIKey string `json:"api_key"`
		}
		if rec.Code != 201 || json.Unmarshal(rec.Body.Bytes(), &k) != nil {
			t.Fatalf("the sandbox's central bank key: %d %s", rec.Code, rec.Body)
		}
		wopt.Sandbox = &web.Sandbox{CentralBankKey: k.APIKey}
	}
	wb, err := web.New(wopt)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = web.Mount(api, wb)
	srv.Start()
	s.url = srv.URL
	if o.localhost {
		s.url = aopt.PublicURL
	}
	var wg sync.WaitGroup
	if o.webhooks && o.deliver {
		wg.Add(1)
		go func() { defer wg.Done(); s.d.Run(ctx) }()
	}
	t.Cleanup(func() { srv.Close(); cancel(); wg.Wait(); eng.Close() })
	return s
}

// api calls the REST API with a key and decodes the answer.
func (s *site) api(method, path, key string, in any, want int) map[string]any {
	s.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, s.url+path, body)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		s.t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, raw)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// browser is a visitor with its cookies.
type browser struct {
	s    *site
	c    *http.Client
	page string // the last page's HTML
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{s: s, c: &http.Client{Jar: jar}}
}

func (b *browser) get(path string, want int) string {
	b.s.t.Helper()
	res, err := b.c.Get(b.s.url + path)
	if err != nil {
		b.s.t.Fatal(err)
	}
	return b.read(res, "GET "+path, want)
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
var idemRe = regexp.MustCompile(`name="idem" value="([^"]+)"`)

// post sends a form from the last page (its CSRF token, and its form's
// idempotency key when it has one), following redirects.
func (b *browser) post(path string, form url.Values, want int) string {
	b.s.t.Helper()
	if m := csrfRe.FindStringSubmatch(b.page); m != nil && form.Get("csrf_token") == "" {
		form.Set("csrf_token", m[1])
	}
	if m := idemRe.FindStringSubmatch(b.page); m != nil && form.Get("idem") == "" {
		form.Set("idem", m[1])
	}
	res, err := b.c.PostForm(b.s.url+path, form)
	if err != nil {
		b.s.t.Fatal(err)
	}
	return b.read(res, "POST "+path, want)
}

func (b *browser) read(res *http.Response, what string, want int) string {
	b.s.t.Helper()
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	b.page = string(raw)
	if res.StatusCode != want {
		b.s.t.Fatalf("%s: %d, want %d: %s", what, res.StatusCode, want, raw)
	}
	if ct := res.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/html") {
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			b.s.t.Fatalf("%s: CSP %q", what, csp)
		}
		if !strings.Contains(b.page, `<meta name="viewport"`) || !regexp.MustCompile(`<html lang="(en|zh-CN)">`).MatchString(b.page) {
			b.s.t.Fatalf("%s: no lang or viewport", what)
		}
		if strings.Contains(b.page, "<script>") || regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(b.page) {
			b.s.t.Fatalf("%s: inline script or another host", what)
		}
		for _, f := range regexp.MustCompile(`(?s)<form method="post".*?</form>`).FindAllString(b.page, -1) {
			if !strings.Contains(f, `name="csrf_token"`) {
				b.s.t.Fatalf("%s: a form without a CSRF token: %s", what, f)
			}
		}
	}
	return b.page
}

func (b *browser) has(texts ...string) {
	b.s.t.Helper()
	for _, x := range texts {
		if !strings.Contains(b.page, x) {
			b.s.t.Fatalf("the page lacks %q:\n%s", x, b.page)
		}
	}
}

// lastCode is the code of the newest text message to phone.
func (s *site) lastCode(phone string) string {
	s.t.Helper()
	r := s.api("GET", "/v1/sandbox/sms?phone="+url.QueryEscape(phone), adminKey, nil, 200)
	ms, _ := r["messages"].([]any)
	if len(ms) == 0 {
		s.t.Fatalf("no SMS to %s", phone)
	}
	return regexp.MustCompile(`\b\d{6}\b`).FindString(ms[0].(map[string]any)["text"].(string))
}

// eachStore runs f in a subtest of each store kind (testdb.Kinds), in
// parallel or not, on a site of that kind with opts.
func eachStore(t *testing.T, parallel bool, f func(t *testing.T, s *site), opts ...siteOption) {
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) {
			if parallel {
				t.Parallel()
			}
			f(t, newSite(t, append([]siteOption{onStore(kind)}, opts...)...))
		})
	}
}

// operator registers an operator (Bank of Ingot, BOI) and mints
// 10,000.00 CNY into its reserve.
func (s *site) operator() (id, key string) {
	s.t.Helper()
	op := s.api("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank of Ingot", "code": "BOI"}, 201)
	s.api("POST", "/v1/issuance/mint", adminKey, map[string]any{"operator_id": op["id"], "amount": "10000.00", "currency": "CNY"}, 201)
	return op["id"].(string), op["api_key"].(string)
}

// openWallet opens a personal CNY wallet for a holder at the operator of
// key.
func (s *site) openWallet(key, name, phone string) string {
	s.t.Helper()
	return s.api("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": name, "phone": phone}, "currency": "CNY"}, 201)["id"].(string)
}

// enroll sets up the holder of phone's sign-in, with PIN 385912.
func (s *site) enroll(phone string) {
	s.t.Helper()
	e := s.api("POST", "/v1/auth/enroll", "", map[string]any{"phone": phone}, 202)
	s.api("POST", "/v1/auth/enroll/"+e["enrollment_id"].(string)+"/confirm", "", map[string]any{"code": s.lastCode(phone), "pin": "385912"}, 201)
}

// holderFixture is a holder with a funded wallet at an operator, enrolled
// (PIN 385912), and a payee's wallet.
type holderFixture struct {
	key, opID, phone, wallet, payee string
}

// newHolder is Li Wei of phone with CN¥1,000.00 at Bank of Ingot (10,000.00
// in its reserve before), enrolled, and Wang Fang's empty wallet.
func newHolder(s *site, phone string) holderFixture {
	s.t.Helper()
	opID, key := s.operator()
	w := s.openWallet(key, "Li Wei", phone)
	s.api("POST", "/v1/wallets/"+w+"/topups", key, map[string]any{"amount": "1000.00"}, 201)
	payee := s.openWallet(key, "Wang Fang", "13900139000")
	s.enroll(phone)
	return holderFixture{key: key, opID: opID, phone: phone, wallet: w, payee: payee}
}

// merchantFixture is a merchant (Lao Wang Noodles) whose owner is enrolled
// (PIN 385912), and a customer's wallet with CN¥100.00, at one operator.
type merchantFixture struct {
	key, phone, merchant, payer string
}

func newMerchant(s *site, phone string) merchantFixture {
	s.t.Helper()
	_, key := s.operator()
	m := s.api("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Wang Wei", "phone": phone, "kind": "business"},
		"currency": "CNY", "kind": "merchant"}, 201)["id"].(string)
	s.api("PUT", "/v1/wallets/"+m+"/merchant", key, map[string]any{"name": "Lao Wang Noodles", "city": "Beijing", "country": "CN", "mcc": "5812"}, 200)
	payer := s.openWallet(key, "Li Na", "13800138222")
	s.api("POST", "/v1/wallets/"+payer+"/topups", key, map[string]any{"amount": "100.00"}, 201)
	s.enroll(phone)
	return merchantFixture{key: key, phone: phone, merchant: m, payer: payer}
}

func TestConsoles(t *testing.T) {
	s := newSite(t)
	op := s.api("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank of Ingot", "code": "BOI"}, 201)
	opKey := op["api_key"].(string)

	// The start page, in English and then in Chinese.
	cb := s.browser()
	cb.get("/", 200)
	cb.has(`href="/signin"`, `href="/console/signin"`, `<html lang="en">`)
	cb.post("/lang", url.Values{"lang": {"zh"}, "back": {"/"}}, 200)
	cb.has(`<html lang="zh-CN">`, "我的钱包")
	cb.post("/lang", url.Values{"lang": {"en"}, "back": {"https://evil.example/"}}, 200) // back to / only
	cb.has("My wallet")

	// A form without its CSRF token is refused.
	cb.post("/console/signin", url.Values{"csrf_token": {"forged"}, "api_key": {adminKey}}, 403)

	// The central bank: supply, mint into the operator's reserve.
	cb.get("/console/signin", 200)
	cb.post("/console/signin", url.Values{"api_key": {"ingot_test_nobody"}}, 401)
	cb.post("/console/signin", url.Values{"api_key": {adminKey}}, 200)
	cb.has("Central bank console", "Bank of Ingot (BOI)")
	cb.post("/console/central-bank/mint", url.Values{"operator_id": {op["id"].(string)}, "amount": {"5000.00"}}, 200)
	cb.has("Done.", "CN¥5,000.00")
	if sup := s.api("GET", "/v1/issuance/supply?currency=CNY", adminKey, nil, 200); sup["issued"] != "5000.00" {
		t.Fatalf("supply after the console's mint: %v", sup)
	}
	// Burn 1,000.00 back (the burn form's own idempotency key: the
	// page's second).
	burnIdem := idemRe.FindAllStringSubmatch(cb.page, -1)[1][1]
	cb.post("/console/central-bank/burn", url.Values{"operator_id": {op["id"].(string)}, "amount": {"1000.00"}, "idem": {burnIdem}}, 200)
	cb.has("Done.", "CN¥4,000.00")
	cb.post("/console/central-bank/burn", url.Values{"operator_id": {op["id"].(string)}, "amount": {"99999.00"}}, 422)
	cb.get("/console/operator", 403) // not the central bank's

	// The operator: open a wallet, find it, freeze and unfreeze it.
	ob := s.browser()
	ob.get("/console/signin", 200)
	ob.post("/console/signin", url.Values{"api_key": {opKey}}, 200)
	ob.has("Operator console: Bank of Ingot", "CN¥4,000.00")
	ob.post("/console/operator/wallets", url.Values{"name": {"Li Wei"}, "phone": {"13800138000"}}, 200)
	id := regexp.MustCompile(`<h3 id="w-h">(\d{16})</h3>`).FindStringSubmatch(ob.page)
	if id == nil {
		t.Fatalf("no wallet shown after opening one:\n%s", ob.page)
	}
	ob.has("L* W**") // masked
	ob.post("/console/operator/wallets/"+id[1]+"/freeze", url.Values{}, 200)
	ob.has("frozen", "Unfreeze")
	ob.post("/console/operator/wallets/"+id[1]+"/unfreeze", url.Values{}, 200)
	ob.has("active")
	ob.get("/console/operator?wallet=6200000000000000", 404)

	// A key with one scope, shown once, then revoked.
	ob.get("/console/operator", 200)
	ob.has("API keys", "Security events", "Webhook endpoints")
	ob.post("/console/operator/keys", url.Values{"name": {"reports"}, "scopes": {"wallets:read"}}, 200)
	nk := regexp.MustCompile(`<code id="new-key">([^<]+)</code>`).FindStringSubmatch(ob.page)
	if nk == nil {
		t.Fatalf("the new key is not shown:\n%s", ob.page)
	}
	s.api("GET", "/v1/wallets", nk[1], nil, 200)
	s.api("POST", "/v1/wallets", nk[1], map[string]any{"holder": map[string]any{"name": "X", "phone": "13800138001"}, "currency": "CNY"}, 403)
	ob.get("/console/operator", 200)
	if strings.Contains(ob.page, nk[1]) {
		t.Fatal("the key is shown again")
	}
	rev := regexp.MustCompile(`action="(/console/operator/keys/[^/"]+/revoke)"`).FindAllStringSubmatch(ob.page, -1)
	if len(rev) == 0 {
		t.Fatalf("no revoke button:\n%s", ob.page)
	}
	// The newest key is listed last; revoke it.
	ob.post(rev[len(rev)-1][1], url.Values{}, 200)
	ob.has("revoked")
	time.Sleep(1100 * time.Millisecond) // the API's key cache holds a key a second
	s.api("GET", "/v1/wallets", nk[1], nil, 401)

	// Signing out ends the session.
	ob.post("/signout", url.Values{}, 200)
	ob.get("/console/operator", 200)
	ob.has("Console sign-in")
}

func TestHolderWallet(t *testing.T) {
	s := newSite(t)
	h := newHolder(s, "13800138123")
	key, phone, w, payee := h.key, h.phone, h.wallet, h.payee

	b := s.browser()
	b.get("/wallet", 200) // not signed in: the sign-in page
	b.has(`name="phone"`, `name="pin"`)
	b.post("/signin", url.Values{"phone": {phone}, "pin": {"000000"}}, 422)
	b.post("/signin", url.Values{"phone": {phone}, "pin": {"385912"}}, 200)
	b.has(`name="code"`, `value="sms"`, "We sent a code")
	b.post("/signin/verify", url.Values{"method": {"sms"}, "code": {s.lastCode(phone)}}, 200)
	b.has("My wallets", w, "CN¥1,000.00")

	// A small payment needs no approval.
	b.post("/wallet/pay", url.Values{"from": {w}, "to": {payee}, "amount": {"12.30"}, "memo": {"noodles"}}, 200)
	b.has("Paid: CN¥12.30", "noodles")
	// The same form sent again (its idempotency key) pays once.
	idem := idemRe.FindStringSubmatch(b.page)[1]
	b.post("/wallet/pay", url.Values{"from": {w}, "to": {payee}, "amount": {"12.30"}, "idem": {idem}}, 200)
	b.post("/wallet/pay", url.Values{"from": {w}, "to": {payee}, "amount": {"12.30"}, "idem": {idem}}, 200)
	if bal := s.api("GET", "/v1/wallets/"+payee, key, nil, 200)["balance"]; bal != "24.60" {
		t.Fatalf("payee balance %v after one payment and one form sent twice; want 24.60", bal)
	}

	// A large one asks for approval, bound to its amount and payee.
	b.post("/wallet/pay", url.Values{"from": {w}, "to": {payee}, "amount": {"300.00"}}, 200)
	b.has("Approve this payment", "CN¥300.00 → "+payee)
	b.post("/wallet/approve/sms", hidden(t, b.page, "/wallet/approve/sms"), 200)
	code := s.lastCode(phone)
	form := hidden(t, b.page, "/wallet/approve")
	form.Set("code", code)
	b.post("/wallet/approve", form, 200)
	b.has("Paid: CN¥300.00")
	if bal := s.api("GET", "/v1/wallets/"+payee, key, nil, 200)["balance"]; bal != "324.60" {
		t.Fatalf("payee balance %v after the approved payment; want 324.60", bal)
	}

	b.post("/signout", url.Values{}, 200)
	b.get("/wallet", 200)
	b.has(`name="pin"`)
}

// hidden are the hidden fields of the page's form posting to action.
func hidden(t *testing.T, page, action string) url.Values {
	t.Helper()
	f := regexp.MustCompile(`(?s)<form method="post" action="` + regexp.QuoteMeta(action) + `".*?</form>`).FindString(page)
	if f == "" {
		t.Fatalf("no form to %s:\n%s", action, page)
	}
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(f, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

func TestMerchantTill(t *testing.T) {
	s := newSite(t)
	mf := newMerchant(s, "13900139111")
	key, m, payer := mf.key, mf.merchant, mf.payer

	b := s.signIn(mf.phone)
	b.get("/merchant", 200)
	b.has("Ask to be paid", `<option value="`+m+`">`)
	b.post("/merchant/requests", url.Values{"wallet": {m}, "amount": {"38.00"}, "reference": {"TABLE-12"}}, 200)
	b.has("Show this code to the customer", "CN¥38.00 TABLE-12", "Waiting for payment", `data-status-url="/merchant/requests/`)
	id := regexp.MustCompile(`/merchant/requests/([0-9a-f-]{36})/qr\.png`).FindStringSubmatch(b.page)
	if id == nil {
		t.Fatalf("no QR image on the till:\n%s", b.page)
	}
	qr := regexp.MustCompile(`alt="QR: ([^"]+)"`).FindStringSubmatch(b.page)
	res, err := b.c.Get(s.url + "/merchant/requests/" + id[1] + "/qr.png")
	if err != nil {
		t.Fatal(err)
	}
	png, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(string(png), "\x89PNG") {
		t.Fatalf("the till's QR image: %s, %d bytes", res.Header.Get("Content-Type"), len(png))
	}
	status := func() string {
		res, err := b.c.Get(s.url + "/merchant/requests/" + id[1] + "/status")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var st map[string]string
		_ = json.NewDecoder(res.Body).Decode(&st)
		return st["status"]
	}
	if got := status(); got != "open" {
		t.Fatalf("status before payment %q", got)
	}
	// The customer pays the code shown (the alt text carries the payload).
	s.api("POST", "/v1/qr-payments", key, map[string]any{"from": payer, "qr": html.UnescapeString(qr[1])}, 201)
	if got := status(); got != "paid" {
		t.Fatalf("status after payment %q", got)
	}
	b.get("/merchant/requests/"+id[1], 200)
	b.has("Paid", `action="/merchant/refunds"`)
	b.post("/merchant/refunds", url.Values{"transfer_id": {regexp.MustCompile(`name="transfer_id" value="([^"]+)"`).FindStringSubmatch(b.page)[1]},
		"amount": {"10.00"}, "reason": {"cold"}}, 200)
	b.has("Done.")
	if bal := s.api("GET", "/v1/wallets/"+payer, key, nil, 200)["balance"]; bal != "72.00" {
		t.Fatalf("payer balance %v after paying 38.00 and a refund of 10.00; want 72.00", bal)
	}
	res, err = b.c.Get(s.url + "/merchant/statement?wallet=" + m + "&format=csv&date=" + regexp.MustCompile(`name="date" type="date" value="([0-9-]+)"`).FindStringSubmatch(b.page)[1])
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.HasPrefix(string(csv), "at,transfer_id,type,amount,fee,counterparty,reference") || !strings.Contains(string(csv), "payment_refund,-10.00") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "statement-"+m) {
		t.Fatalf("statement download: %s\n%s", res.Header, csv)
	}
	// Another holder's request is not this till's.
	b.get("/merchant/requests/01a2221f-ecd6-7c0b-b5e5-b7eb0d259ad3", 404)
}

// TestOAuthTokenIsAPI: the token endpoint is the API's, not a page.
func TestOAuthTokenIsAPI(t *testing.T) {
	s := newSite(t)
	res, err := http.Post(s.url+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader("grant_type=refresh_token&refresh_token=x"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(string(raw), `"error":"invalid_client"`) {
		t.Fatalf("POST /oauth/token: %d %s", res.StatusCode, raw)
	}
}
