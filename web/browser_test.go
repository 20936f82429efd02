package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds the browser: Debian's chromium package. Without it the
// browser tests skip, or fail when INGOT_REQUIRE_BROWSER is set (CI sets
// it, and .ci/run installs the package).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("INGOT_REQUIRE_BROWSER") != "" {
		t.Fatal("no Chromium on this machine (apt-get install chromium)")
	}
	t.Skip("no Chromium on this machine")
	return ""
}

// startBrowser starts a headless Chromium of a window size and returns
// its context, closed at the end of the test. A start that fails (a busy
// machine) is tried again, up to three times.
func startBrowser(t *testing.T, path string, w, h int) context.Context {
	t.Helper()
	var err error
	for range 3 {
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
			chromedp.Flag("disable-gpu", true), chromedp.WindowSize(w, h))
		actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(actx)
		if err = chromedp.Do(ctx, chromedp.Navigate("about:blank")); err == nil {
			t.Cleanup(func() { cancel(); cancelA() })
			return ctx
		}
		cancel()
		cancelA()
		time.Sleep(time.Second)
	}
	t.Fatalf("Chromium does not start: %v", err)
	return nil
}

// shots is where -update writes screenshots (docs/screenshots).
var shots = os.Getenv("INGOT_SCREENSHOTS")

// windowSize is a browser window of a test: a phone's and a wide one.
type windowSize struct {
	name string
	w, h int64
}

var (
	phoneWindow = windowSize{"phone", 390, 844}
	wideWindow  = windowSize{"wide", 1280, 900}
)

// tab is a test's browser tab in a window of one size.
type tab struct {
	t    *testing.T
	ctx  context.Context
	size windowSize
}

// openTab starts Chromium (path) with a tab in a window of size.
func openTab(t *testing.T, path string, size windowSize) *tab {
	t.Helper()
	ctx := startBrowser(t, path, int(size.w), int(size.h))
	return &tab{t: t, ctx: ctx, size: size}
}

// run runs actions (at most 30 s); a failure shows what the page says.
func (b *tab) run(what string, as ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, as...); err != nil {
		got, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("main")))
		b.t.Fatalf("%s: %v; the page says:\n%s", what, err, got)
	}
}

// text is the text of the element sel (trimmed); a page still replacing
// the last one may not answer at once.
func (b *tab) text(sel string) string {
	b.t.Helper()
	var err error
	for range 10 {
		var s string
		if s, err = chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel))); err == nil {
			return strings.TrimSpace(s)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("read %s: %v", sel, err)
	return ""
}

// main is the page's main text.
func (b *tab) main() string { return b.text("main") }

// shot checks that the page fits the window's width (nothing to scroll
// sideways but a wide table inside its own box) and, with
// INGOT_SCREENSHOTS=dir, saves it as dir/name-size.png.
func (b *tab) shot(name string) {
	b.t.Helper()
	if over, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`)); err != nil || over > 0 {
		b.t.Fatalf("%s: the page is %d px wider than the %d px window (%v)", name, over, b.size.w, err)
	}
	if shots == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shots, name+"-"+b.size.name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// TestBrowser drives Chromium through the main paths, in a narrow (phone)
// and a wide window: the central bank mints from its console, a holder
// signs in with PIN and SMS code and pays, one payment needing approval.
// With INGOT_SCREENSHOTS=dir it saves a screenshot of each page there.
func TestBrowser(t *testing.T) {
	path := chromium(t)
	for _, size := range []windowSize{phoneWindow, wideWindow} {
		t.Run(size.name, func(t *testing.T) {
			s := newSite(t)
			op := s.api("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank of Ingot", "code": "BOI"}, 201)
			key := op["api_key"].(string)
			s.api("POST", "/v1/issuance/mint", adminKey, map[string]any{"operator_id": op["id"], "amount": "10000.00", "currency": "CNY"}, 201)
			phone := "13800138123"
			w := s.api("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Li Wei", "phone": phone}, "currency": "CNY"}, 201)["id"].(string)
			s.api("POST", "/v1/wallets/"+w+"/topups", key, map[string]any{"amount": "1000.00"}, 201)
			payee := s.api("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Wang Fang", "phone": "13900139000"}, "currency": "CNY"}, 201)["id"].(string)
			e := s.api("POST", "/v1/auth/enroll", "", map[string]any{"phone": phone}, 202)
			s.api("POST", "/v1/auth/enroll/"+e["enrollment_id"].(string)+"/confirm", "", map[string]any{"code": s.lastCode(phone), "pin": "385912"}, 201)

			tb := openTab(t, path, size)
			run, text, shot := tb.run, tb.main, tb.shot
			submit := `main form button[type="submit"]`

			run("start", chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(chromedp.CSS(`a[href="/signin"]`)))
			shot("start")

			// The central bank's console: sign in with the key, mint.
			run("console sign-in", chromedp.Navigate(s.url+"/console/signin"), chromedp.SendKeys(chromedp.CSS("#api_key"), adminKey),
				chromedp.Click(chromedp.CSS(submit)), chromedp.WaitVisible(chromedp.CSS("#operator_id")))
			run("mint", chromedp.SendKeys(chromedp.CSS("#amount"), "2500.00"), chromedp.Submit(chromedp.CSS("#amount")), chromedp.WaitVisible(chromedp.CSS(".flash")))
			if got := text(); !strings.Contains(got, "CN¥12,500.00") {
				t.Fatalf("after minting 2,500.00: %s", got)
			}
			shot("central-bank")
			run("sign out", chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/signin"]`)))

			// The holder: PIN, then the SMS code.
			run("holder sign-in", chromedp.Navigate(s.url+"/signin"), chromedp.SendKeys(chromedp.CSS("#phone"), phone), chromedp.SendKeys(chromedp.CSS("#pin"), "385912"),
				chromedp.Click(chromedp.CSS(submit)), chromedp.WaitVisible(chromedp.CSS("#code")))
			shot("signin-code")
			run("code", chromedp.SendKeys(chromedp.CSS("#code"), s.lastCode(phone)), chromedp.Click(chromedp.CSS(submit)), chromedp.WaitVisible(chromedp.CSS("#to")))
			if got := text(); !strings.Contains(got, w) || !strings.Contains(got, "CN¥1,000.00") {
				t.Fatalf("the wallet page: %s", got)
			}
			shot("wallet")

			// A payment above the exemption: approved with an SMS code.
			run("pay", chromedp.SendKeys(chromedp.CSS("#to"), payee), chromedp.SendKeys(chromedp.CSS("#amount"), "300.00"), chromedp.Submit(chromedp.CSS("#to")), chromedp.WaitVisible(chromedp.CSS("#acode")))
			if got := text(); !strings.Contains(got, "CN¥300.00 → "+payee) {
				t.Fatalf("the approval: %s", got)
			}
			run("send code", chromedp.Click(chromedp.CSS(`form[action="/wallet/approve/sms"] button`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
			shot("approval")
			run("approve", chromedp.SendKeys(chromedp.CSS("#acode"), s.lastCode(phone)), chromedp.Submit(chromedp.CSS("#acode")), chromedp.WaitNotPresent(chromedp.CSS("#acode")),
				chromedp.WaitVisible(chromedp.CSS(".flash")))
			if got := text(); !strings.Contains(got, "Paid: CN¥300.00") {
				t.Fatalf("after approving: %s", got)
			}
			if bal := s.api("GET", "/v1/wallets/"+payee, key, nil, 200)["balance"]; bal != "300.00" {
				t.Fatalf("payee balance %v; want 300.00", bal)
			}

			// In Chinese: the header's language switch, then the wallet.
			run("中文", chromedp.Click(chromedp.CSS(`form[action="/lang"] button`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-CN"]`)),
				chromedp.Navigate(s.url+"/wallet"), chromedp.WaitVisible(chromedp.CSS("#to")))
			if got := text(); !strings.Contains(got, "我的钱包") || !strings.Contains(got, "¥700.00") {
				t.Fatalf("the wallet in Chinese: %s", got)
			}
			shot("wallet-zh")
		})
	}
}

// TestBrowserTill: a merchant's till shows a payment request's QR code,
// and turns paid by itself (its script polls the status) when a customer
// pays the code.
func TestBrowserTill(t *testing.T) {
	path := chromium(t)
	s := newSite(t)
	op := s.api("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank of Ingot", "code": "BOI"}, 201)
	key := op["api_key"].(string)
	s.api("POST", "/v1/issuance/mint", adminKey, map[string]any{"operator_id": op["id"], "amount": "10000.00", "currency": "CNY"}, 201)
	phone := "13900139111"
	m := s.api("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Wang Wei", "phone": phone, "kind": "business"},
		"currency": "CNY", "kind": "merchant"}, 201)["id"].(string)
	s.api("PUT", "/v1/wallets/"+m+"/merchant", key, map[string]any{"name": "Lao Wang Noodles", "city": "Beijing", "country": "CN", "mcc": "5812"}, 200)
	payer := s.api("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Li Na", "phone": "13800138222"}, "currency": "CNY"}, 201)["id"].(string)
	s.api("POST", "/v1/wallets/"+payer+"/topups", key, map[string]any{"amount": "100.00"}, 201)
	e := s.api("POST", "/v1/auth/enroll", "", map[string]any{"phone": phone}, 202)
	s.api("POST", "/v1/auth/enroll/"+e["enrollment_id"].(string)+"/confirm", "", map[string]any{"code": s.lastCode(phone), "pin": "385912"}, 201)

	ctx := startBrowser(t, path, 1280, 900)
	submit := chromedp.CSS(`main form button[type="submit"]`)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/signin"), chromedp.SendKeys(chromedp.CSS("#phone"), phone), chromedp.SendKeys(chromedp.CSS("#pin"), "385912"),
		chromedp.Click(submit), chromedp.WaitVisible(chromedp.CSS("#code"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#code"), s.lastCode(phone)), chromedp.Click(submit), chromedp.WaitVisible(chromedp.CSS("#to")),
		chromedp.Navigate(s.url+"/merchant"), chromedp.SendKeys(chromedp.CSS("#mamount"), "38.00"), chromedp.SendKeys(chromedp.CSS("#reference"), "TABLE-12"),
		chromedp.Submit(chromedp.CSS("#mamount")), chromedp.WaitVisible(chromedp.CSS("img.qr"))); err != nil {
		t.Fatal(err)
	}
	alt, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("img.qr"), "alt"))
	if err != nil {
		t.Fatal(err)
	}
	qr := strings.TrimPrefix(alt.Value, "QR: ")
	s.api("POST", "/v1/qr-payments", key, map[string]any{"from": payer, "qr": qr}, 201)
	// No reload by the test: the page's script sees the payment.
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(`form[action="/merchant/refunds"]`))); err != nil {
		t.Fatalf("the till did not turn paid: %v", err)
	}
	if shots != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err == nil {
			_ = os.WriteFile(filepath.Join(shots, "till-paid-wide.png"), png, 0o644)
		}
	}
}

// TestBrowserProof: the central bank's console proves a transfer in the
// browser (WebCrypto: the checkpoint's Ed25519 signature, the RFC 6962
// inclusion proof), and refuses a proof whose data was altered on its way
// and a key that is not the log's.
func TestBrowserProof(t *testing.T) {
	path := chromium(t)
	s := newSite(t)
	op := s.api("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank of Ingot", "code": "BOI"}, 201)
	key := op["api_key"].(string)
	var id string
	for i := range 5 { // a tree of several leaves, so that the proof has hashes
		tr := s.api("POST", "/v1/issuance/mint", adminKey, map[string]any{"operator_id": op["id"], "amount": "100.00", "currency": "CNY"}, 201)
		if i == 2 {
			id = tr["id"].(string)
		}
	}
	_ = key

	ctx := startBrowser(t, path, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/console/signin"), chromedp.SendKeys(chromedp.CSS("#api_key"), adminKey),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#proof-transfer"))); err != nil {
		t.Fatal(err)
	}
	result := func(want string) string {
		t.Helper()
		// Once the page's script holds the form (else a click would send
		// it as a plain form); a check that never ends fails in 30 s.
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(wctx, chromedp.WaitReady(chromedp.CSS(`#prove[data-ready="1"]`)), chromedp.SetValue(chromedp.CSS("#proof-transfer"), id),
			chromedp.Click(chromedp.CSS(`#prove button`)), chromedp.WaitVisible(chromedp.CSS("#proof-result."+want))); err != nil {
			got, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#proof-result")))
			k, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("proof-key").value`))
			t.Fatalf("waiting for a %s proof: %v (the page says %q; key %q)", want, err, got, k)
		}
		got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#proof-result")))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := result("verified"); !strings.Contains(got, "leaf 2 of 5") {
		t.Fatalf("verified proof: %q", got)
	}
	// The proof's data altered in transit: one bit of the leaf.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`(function () {
		var orig = window.fetch;
		window.fetch = function (u, o) {
			return orig(u, o).then(function (r) { return r.json().then(function (p) {
				var b = atob(p.leaf); p.leaf = btoa(String.fromCharCode(b.charCodeAt(0) ^ 1) + b.slice(1));
				return new Response(JSON.stringify(p), { status: 200 });
			}); });
		};
		return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
	if got := result("refuted"); !strings.Contains(got, "inclusion proof does not lead") {
		t.Fatalf("altered leaf: %q", got)
	}
	// Another key: the signature does not verify.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/console/central-bank"), chromedp.WaitVisible(chromedp.CSS("#proof-key")),
		chromedp.SetValue(chromedp.CSS("#proof-key"), "ingot.local/log+0a0b0c0d+AcGeE1Bq1mvB7yZkqkUu8m8Gd2uFjqKjWAMCHVtYcCmR")); err != nil {
		t.Fatal(err)
	}
	if got := result("refuted"); !strings.Contains(got, "NOT verified") {
		t.Fatalf("another key: %q", got)
	}
}
