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

// shots is where -update writes screenshots (docs/screenshots).
var shots = os.Getenv("INGOT_SCREENSHOTS")

// windowSize is a browser window's.
type windowSize struct {
	name string // in screenshots' names
	w, h int64
}

var (
	phoneWindow = windowSize{"phone", 390, 844}
	wideWindow  = windowSize{"wide", 1280, 900}
	// phoneAndWide are the windows a page is tried in.
	phoneAndWide = []windowSize{phoneWindow, wideWindow}
)

// chrome is a tab of a headless Chromium that a test drives.
type chrome struct {
	t    *testing.T
	ctx  context.Context
	size windowSize
}

// startChrome starts a headless Chromium of a window size, its viewport
// that size, closed at the end of the test. A start that fails (a busy
// machine) is tried again, up to three times.
func startChrome(t *testing.T, path string, size windowSize) *chrome {
	t.Helper()
	var err error
	for range 3 {
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
			chromedp.Flag("disable-gpu", true), chromedp.WindowSize(int(size.w), int(size.h)))
		actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(actx)
		if err = chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.EmulateViewport(size.w, size.h)); err == nil {
			t.Cleanup(func() { cancel(); cancelA() })
			return &chrome{t: t, ctx: ctx, size: size}
		}
		cancel()
		cancelA()
		time.Sleep(time.Second)
	}
	t.Fatalf("Chromium does not start: %v", err)
	return nil
}

// run does actions, a step of the test called what; a step that fails or
// takes over 30 s fails the test with the page's text.
func (c *chrome) run(what string, as ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	wctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, as...); err != nil {
		got, _ := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS("main")))
		c.t.Fatalf("%s: %v; the page says:\n%s", what, err, got)
	}
}

// text is the page's main text.
func (c *chrome) text() string {
	c.t.Helper()
	return c.textOf("main")
}

// textOf is the text of the element sel, trimmed.
func (c *chrome) textOf(sel string) string {
	c.t.Helper()
	var err error
	for range 10 { // a page still replacing the last one may not answer yet
		var s string
		if s, err = chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS(sel))); err == nil {
			return strings.TrimSpace(s)
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("read %s: %v", sel, err)
	return ""
}

// shot checks that the page fits the window's width (nothing to scroll
// sideways but a wide table inside its own box) and, with
// INGOT_SCREENSHOTS=dir, saves a screenshot there as name-SIZE.png.
func (c *chrome) shot(name string) {
	c.t.Helper()
	if over, err := chromedp.Run(c.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`)); err != nil || over > 0 {
		c.t.Fatalf("%s: the page is %d px wider than the %d px window (%v)", name, over, c.size.w, err)
	}
	if shots == "" {
		return
	}
	png, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shots, name+"-"+c.size.name+".png"), png, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// inEachWindow runs f in a subtest of each window size (phoneAndWide),
// with a Chromium of that size.
func inEachWindow(t *testing.T, f func(t *testing.T, c *chrome)) {
	path := chromium(t)
	for _, size := range phoneAndWide {
		t.Run(size.name, func(t *testing.T) { f(t, startChrome(t, path, size)) })
	}
}

// submit is the button that sends a page's main form.
var submit = chromedp.CSS(`main form button[type="submit"]`)

// pin is a holder's first sign-in step: phone and PIN, then the page of
// the second, with wait on it.
func (c *chrome) pin(s *site, phone, wait string) {
	c.t.Helper()
	c.run("holder sign-in", chromedp.Navigate(s.url+"/signin"), chromedp.SendKeys(chromedp.CSS("#phone"), phone), chromedp.SendKeys(chromedp.CSS("#pin"), "385912"),
		chromedp.Click(submit), chromedp.WaitVisible(chromedp.CSS(wait)))
}

// code is the second step with the SMS code sent to phone: then the
// wallet page.
func (c *chrome) code(s *site, phone string) {
	c.t.Helper()
	c.run("code", chromedp.SendKeys(chromedp.CSS("#code"), s.lastCode(phone)), chromedp.Click(submit), chromedp.WaitVisible(chromedp.CSS("#to")))
}

// consoleSignIn signs a console in with key, then waits for wait.
func (c *chrome) consoleSignIn(s *site, key, wait string) {
	c.t.Helper()
	c.run("console sign-in", chromedp.Navigate(s.url+"/console/signin"), chromedp.SendKeys(chromedp.CSS("#api_key"), key),
		chromedp.Click(submit), chromedp.WaitVisible(chromedp.CSS(wait)))
}

// signOut signs out from the header, back to the start page.
func (c *chrome) signOut() {
	c.t.Helper()
	c.run("sign out", chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/signin"]`)))
}

// TestBrowser drives Chromium through the main paths, in a narrow (phone)
// and a wide window: the central bank mints from its console, a holder
// signs in with PIN and SMS code and pays, one payment needing approval.
// With INGOT_SCREENSHOTS=dir it saves a screenshot of each page there.
func TestBrowser(t *testing.T) {
	inEachWindow(t, func(t *testing.T, c *chrome) {
		s := newSite(t)
		h := newHolder(s, "13800138123")

		c.run("start", chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(chromedp.CSS(`a[href="/signin"]`)))
		c.shot("start")

		// The central bank's console: sign in with the key, mint.
		c.consoleSignIn(s, adminKey, "#operator_id")
		c.run("mint", chromedp.SendKeys(chromedp.CSS("#amount"), "2500.00"), chromedp.Submit(chromedp.CSS("#amount")), chromedp.WaitVisible(chromedp.CSS(".flash")))
		if got := c.text(); !strings.Contains(got, "CN¥12,500.00") {
			t.Fatalf("after minting 2,500.00: %s", got)
		}
		c.shot("central-bank")
		c.signOut()

		// The holder: PIN, then the SMS code.
		c.pin(s, h.phone, "#code")
		c.shot("signin-code")
		c.code(s, h.phone)
		if got := c.text(); !strings.Contains(got, h.wallet) || !strings.Contains(got, "CN¥1,000.00") {
			t.Fatalf("the wallet page: %s", got)
		}
		c.shot("wallet")

		// A payment above the exemption: approved with an SMS code.
		c.run("pay", chromedp.SendKeys(chromedp.CSS("#to"), h.payee), chromedp.SendKeys(chromedp.CSS("#amount"), "300.00"), chromedp.Submit(chromedp.CSS("#to")), chromedp.WaitVisible(chromedp.CSS("#acode")))
		if got := c.text(); !strings.Contains(got, "CN¥300.00 → "+h.payee) {
			t.Fatalf("the approval: %s", got)
		}
		c.run("send code", chromedp.Click(chromedp.CSS(`form[action="/wallet/approve/sms"] button`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
		c.shot("approval")
		c.run("approve", chromedp.SendKeys(chromedp.CSS("#acode"), s.lastCode(h.phone)), chromedp.Submit(chromedp.CSS("#acode")), chromedp.WaitNotPresent(chromedp.CSS("#acode")),
			chromedp.WaitVisible(chromedp.CSS(".flash")))
		if got := c.text(); !strings.Contains(got, "Paid: CN¥300.00") {
			t.Fatalf("after approving: %s", got)
		}
		if bal := s.api("GET", "/v1/wallets/"+h.payee, h.key, nil, 200)["balance"]; bal != "300.00" {
			t.Fatalf("payee balance %v; want 300.00", bal)
		}

		// In Chinese: the header's language switch, then the wallet.
		c.run("中文", chromedp.Click(chromedp.CSS(`form[action="/lang"] button`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-CN"]`)),
			chromedp.Navigate(s.url+"/wallet"), chromedp.WaitVisible(chromedp.CSS("#to")))
		if got := c.text(); !strings.Contains(got, "我的钱包") || !strings.Contains(got, "¥700.00") {
			t.Fatalf("the wallet in Chinese: %s", got)
		}
		c.shot("wallet-zh")
	})
}

// TestBrowserTill: a merchant's till shows a payment request's QR code,
// and turns paid by itself (its script polls the status) when a customer
// pays the code.
func TestBrowserTill(t *testing.T) {
	path := chromium(t)
	s := newSite(t)
	mf := newMerchant(s, "13900139111")

	c := startChrome(t, path, wideWindow)
	c.pin(s, mf.phone, "#code")
	c.code(s, mf.phone)
	c.run("payment request", chromedp.Navigate(s.url+"/merchant"), chromedp.SendKeys(chromedp.CSS("#mamount"), "38.00"), chromedp.SendKeys(chromedp.CSS("#reference"), "TABLE-12"),
		chromedp.Submit(chromedp.CSS("#mamount")), chromedp.WaitVisible(chromedp.CSS("img.qr")))
	alt, err := chromedp.Run(c.ctx, chromedp.AttributeValue(chromedp.CSS("img.qr"), "alt"))
	if err != nil {
		t.Fatal(err)
	}
	qr := strings.TrimPrefix(alt.Value, "QR: ")
	s.api("POST", "/v1/qr-payments", mf.key, map[string]any{"from": mf.payer, "qr": qr}, 201)
	// No reload by the test: the page's script sees the payment.
	c.run("the till turns paid", chromedp.WaitVisible(chromedp.CSS(`form[action="/merchant/refunds"]`)))
	c.shot("till-paid")
}

// TestBrowserProof: the central bank's console proves a transfer in the
// browser (WebCrypto: the checkpoint's Ed25519 signature, the RFC 6962
// inclusion proof), and refuses a proof whose data was altered on its way
// and a key that is not the log's.
func TestBrowserProof(t *testing.T) {
	path := chromium(t)
	s := newSite(t)
	op := s.api("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank of Ingot", "code": "BOI"}, 201)
	var id string
	for i := range 5 { // a tree of several leaves, so that the proof has hashes
		tr := s.api("POST", "/v1/issuance/mint", adminKey, map[string]any{"operator_id": op["id"], "amount": "100.00", "currency": "CNY"}, 201)
		if i == 2 {
			id = tr["id"].(string)
		}
	}

	c := startChrome(t, path, wideWindow)
	ctx := c.ctx
	c.consoleSignIn(s, adminKey, "#proof-transfer")
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
	c.run("another key", chromedp.Navigate(s.url+"/console/central-bank"), chromedp.WaitVisible(chromedp.CSS("#proof-key")),
		chromedp.SetValue(chromedp.CSS("#proof-key"), "ingot.local/log+0a0b0c0d+AcGeE1Bq1mvB7yZkqkUu8m8Gd2uFjqKjWAMCHVtYcCmR"))
	if got := result("refuted"); !strings.Contains(got, "NOT verified") {
		t.Fatalf("another key: %q", got)
	}
}
