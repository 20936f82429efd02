package web_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/ingot-cbdc/ingot/internal/webauthntest"
)

// TestConsentScreen: a provider sends the holder's browser to GET
// /oauth/authorize; the holder signs in, sees the provider and what it
// asks, chooses the wallet and the mandate, approves it with an SMS code,
// and the browser goes back to the provider with the code, which the
// provider exchanges with its PKCE verifier. A redirect_uri the provider
// did not register is refused before anything is shown.
// lender is a provider (Acme Lending, its redirect URI cb) and the query
// of its authorization request for a payments mandate, with its PKCE
// verifier.
type lender struct {
	clientID, secret, verifier string
	q                          url.Values
}

const cb = "https://lender.example/cb"

func newLender(s *site) lender {
	p := s.api("POST", "/v1/providers", adminKey, map[string]any{"name": "Acme Lending", "redirect_uris": []string{cb}, "roles": []string{"ais", "pis"}}, 201)
	l := lender{clientID: p["client_id"].(string), secret: p["client_secret"].(string), verifier: strings.Repeat("verifier-", 6)}
	sum := sha256.Sum256([]byte(l.verifier))
	l.q = url.Values{"response_type": {"code"}, "client_id": {l.clientID}, "redirect_uri": {cb}, "scope": {"accounts:read payments:write"},
		"state": {"xyz"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	return l
}

// stayHome makes b follow redirects on the site only: the provider's
// address is where the test looks, not where it goes.
func stayHome(s *site, b *browser) {
	site, _ := url.Parse(s.url)
	b.c.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
		if r.URL.Host != site.Host {
			return http.ErrUseLastResponse // the provider's host: not followed
		}
		return nil
	}
}

// mandateForm fills a consent form's wallet and mandate, and allows.
func mandateForm(s *site, h holderFixture, f url.Values) url.Values {
	f.Set("wallet", h.wallet)
	f.Set("payee", h.payee)
	f.Set("max_per_payment", "50.00")
	f.Set("max_per_period", "100.00")
	f.Set("period", "month")
	f.Set("valid_until", s.now().Add(30*24*time.Hour).UTC().Format(time.RFC3339))
	f.Set("decision", "allow")
	return f
}

func TestConsentScreen(t *testing.T) {
	s := newSite(t)
	h := newHolder(s, "13800138777")
	l := newLender(s)
	clientID, secret, verifier, q := l.clientID, l.secret, l.verifier, l.q

	b := s.browser()
	stayHome(s, b)
	b.get("/oauth/authorize?"+q.Encode(), 200) // sign in first
	b.has(`name="pin"`)
	b.post("/signin", url.Values{"phone": {h.phone}, "pin": {"385912"}}, 200)
	b.post("/signin/verify", url.Values{"method": {"sms"}, "code": {s.lastCode(h.phone)}}, 200)
	b.has("Give access to your wallet", "Acme Lending", "last 90 days", "pay from it", h.wallet)

	bad := url.Values{}
	for k, v := range q {
		bad[k] = v
	}
	bad.Set("redirect_uri", "https://evil.example/cb")
	b.get("/oauth/authorize?"+bad.Encode(), 400)
	if strings.Contains(b.page, "Acme Lending") || strings.Contains(b.page, "evil.example") {
		t.Fatalf("a foreign redirect_uri showed the request: %s", b.page)
	}

	b.get("/oauth/authorize?"+q.Encode(), 200)
	mandate := func(f url.Values) url.Values { return mandateForm(s, h, f) }
	b.post("/oauth/authorize", mandate(hidden(t, b.page, "/oauth/authorize")), 200)
	b.has("Approve the mandate", "100.00")
	f := mandate(hidden(t, b.page, "/oauth/authorize"))
	f.Set("code", s.lastCode(h.phone))
	res, err := b.c.PostForm(s.url+"/oauth/authorize", f)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || err != nil || !strings.HasPrefix(loc.String(), cb+"?") || loc.Query().Get("state") != "xyz" {
		t.Fatalf("approved: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	tok := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {cb}, "code_verifier": {verifier}}
	req, _ := http.NewRequest("POST", s.url+"/oauth/token", strings.NewReader(tok.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	tr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Body.Close()
	raw, _ := io.ReadAll(tr.Body)
	var out map[string]any
	if tr.StatusCode != 200 || json.Unmarshal(raw, &out) != nil || out["scope"] != "accounts:read payments:write" {
		t.Fatalf("token: %d %s", tr.StatusCode, raw)
	}

	// Denying sends the provider access_denied.
	b.get("/oauth/authorize?"+q.Encode(), 200)
	d := hidden(t, b.page, "/oauth/authorize")
	d.Set("decision", "deny")
	res, err = b.c.PostForm(s.url+"/oauth/authorize", d)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if l := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.Contains(l, "error=access_denied") || !strings.HasPrefix(l, cb) {
		t.Fatalf("denied: %d %q", res.StatusCode, l)
	}
}

// TestConsentWithAuthenticator: a holder with an authenticator app
// approves a mandate on the consent screen with the app's code instead of
// the text message; a wrong code approves nothing.
func TestConsentWithAuthenticator(t *testing.T) {
	s := newSite(t)
	h := newHolder(s, "13800138778")
	l := newLender(s)
	b := s.signIn(h.phone)
	stayHome(s, b)
	b.post("/wallet/totp", url.Values{}, 200)
	secret := regexp.MustCompile(`<code id="totp-secret">([A-Z2-7]+)</code>`).FindStringSubmatch(b.page)
	if secret == nil {
		t.Fatalf("no key for the authenticator app:\n%s", b.page)
	}
	code := func(at time.Time) string {
		c, err := totp.GenerateCodeCustom(secret[1], at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	b.post("/wallet/totp/confirm", url.Values{"code": {code(time.Now())}}, 200)

	b.get("/oauth/authorize?"+l.q.Encode(), 200)
	b.post("/oauth/authorize", mandateForm(s, h, hidden(t, b.page, "/oauth/authorize")), 200)
	b.has("Approve the mandate", `name="method" value="sms" checked`, `name="method" value="totp"`)
	f := mandateForm(s, h, hidden(t, b.page, "/oauth/authorize"))
	f.Set("method", "totp")
	f.Set("code", "000000")
	b.post("/oauth/authorize", f, 422)
	f.Set("code", code(time.Now().Add(30*time.Second))) // the next step's: each code is taken once
	res, err := b.c.PostForm(s.url+"/oauth/authorize", f)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, cb+"?code=") {
		t.Fatalf("approved with the app: %d %q", res.StatusCode, loc)
	}
}

// TestConsentWithPasskey: a holder with a passkey approves a mandate on the
// consent screen with it (a software authenticator answering the page's
// WebAuthn options, as the browser would); a passkey form without the
// browser's answer approves nothing.
func TestConsentWithPasskey(t *testing.T) {
	eachStore(t, false, func(t *testing.T, s *site) {
		h := newHolder(s, "13800138779")
		l := newLender(s)
		b := s.signIn(h.phone)
		stayHome(s, b)
		auth := webauthntest.New(s.url)
		res, err := b.c.PostForm(s.url+"/wallet/passkeys/options", url.Values{"csrf_token": {csrfRe.FindStringSubmatch(b.page)[1]}})
		if err != nil {
			t.Fatal(err)
		}
		opts, _ := io.ReadAll(res.Body)
		res.Body.Close()
		cred, err := auth.Create(opts)
		if err != nil {
			t.Fatalf("create: %v (%s)", err, opts)
		}
		b.post("/wallet/passkeys", url.Values{"credential": {string(cred)}}, 200)
		b.has("The factor was added.")

		b.get("/oauth/authorize?"+l.q.Encode(), 200)
		b.post("/oauth/authorize", mandateForm(s, h, hidden(t, b.page, "/oauth/authorize")), 200)
		const passkeyForm = `<form method="post" action="/oauth/authorize" class="passkey"`
		i := strings.Index(b.page, passkeyForm)
		if i < 0 {
			t.Fatalf("no passkey on the mandate's approval:\n%s", b.page)
		}
		options := regexp.MustCompile(`data-webauthn-get="([^"]+)"`).FindStringSubmatch(b.page[i:])
		f := hidden(t, b.page[i:], "/oauth/authorize")
		if f.Get("method") != "webauthn" || f.Get("max_per_period") != "100.00" || f.Get("wallet") != h.wallet || options == nil {
			t.Fatalf("the passkey form: %v", f)
		}
		b.post("/oauth/authorize", f, 422) // no answer from the browser
		b.has("The passkey did not answer")
		answer, err := auth.Get([]byte(html.UnescapeString(options[1])))
		if err != nil {
			t.Fatal(err)
		}
		f.Set("credential", string(answer))
		res, err = b.c.PostForm(s.url+"/oauth/authorize", f)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, cb+"?code=") {
			t.Fatalf("approved with the passkey: %d %q", res.StatusCode, loc)
		}
	}, atLocalhost())
}
