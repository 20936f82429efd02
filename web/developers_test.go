package web_test

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/client"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/web"
)

// send posts the page's form to action: its hidden fields (CSRF token,
// idempotency key) and the fields given.
func (b *browser) send(action string, fields url.Values, want int) string {
	b.s.t.Helper()
	f := hidden(b.s.t, b.page, action)
	for k, v := range fields {
		f[k] = v
	}
	return b.post(action, f, want)
}

// shows is has, of the page's text with its HTML entities decoded.
func (b *browser) shows(texts ...string) {
	b.s.t.Helper()
	page := html.UnescapeString(b.page)
	for _, x := range texts {
		if !strings.Contains(page, x) {
			b.s.t.Fatalf("the page lacks %q:\n%s", x, page)
		}
	}
}

// with is v and one more field.
func with(v url.Values, key, value string) url.Values {
	out := url.Values{key: {value}}
	for k, vs := range v {
		out[k] = vs
	}
	return out
}

// find is the first submatch of re in the last page, unescaped.
func (b *browser) find(re string) string {
	b.s.t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(b.page)
	if m == nil {
		b.s.t.Fatalf("the page has no %s:\n%s", re, b.page)
	}
	return html.UnescapeString(m[1])
}

// TestDevelopers walks the developer sandbox over HTTP: an operator made
// without a key, whose key then works against the API; a mint, capped; a
// test wallet with a fictional phone whose enrolment code shows on the
// page; a sandbox bank account linked and a top-up through it; a bank
// fault and its effect on the next top-up; a webhook endpoint and its
// delivery to a real receiver, shown with its status.
func TestDevelopers(t *testing.T) {
	eachStore(t, false, func(t *testing.T, s *site) {
		b := s.browser()
		b.get("/", 200)
		b.has(`href="/developers"`)
		b.get("/developers", 200)
		b.has("Developer sandbox", `action="/developers/operator"`)
		b.post("/developers/mint", url.Values{"amount": {"10.00"}}, 409) // no operator yet

		// 1. The operator, and its key shown once; it works against the API.
		b.get("/developers", 200)
		b.send("/developers/operator", url.Values{"name": {"Acme Pay"}}, 200)
		b.has("Your sandbox operator is ready.", "Acme Pay (DEV")
		key := b.find(`<code id="new-key">([^<]+)</code>`)
		if !strings.HasPrefix(key, "ingot_test_") {
			t.Fatalf("the sandbox operator's key %q", key)
		}
		if me := s.api("GET", "/v1/operators/me", key, nil, 200); me["name"] != "Acme Pay" {
			t.Fatalf("the key's operator: %v", me)
		}
		page := html.UnescapeString(b.page)
		for _, snippet := range []string{"export INGOT_API_KEY=" + key, `curl -H "Authorization: Bearer $INGOT_API_KEY" ` + s.url + "/v1/operators/me",
			`client.New("` + s.url + `", client.WithAPIKey(os.Getenv("INGOT_API_KEY")))`} {
			if !strings.Contains(page, snippet) {
				t.Fatalf("the page lacks the snippet %q:\n%s", snippet, page)
			}
		}
		b.get("/developers", 200)
		if strings.Contains(b.page, key) {
			t.Fatal("the key is shown again")
		}
		b.has("Acme Pay")
		b.post("/developers/operator", url.Values{"name": {"Another"}}, 409) // one operator per browser
		b.has("has a sandbox operator already")

		// 2. Mint: capped.
		b.get("/developers", 200)
		b.send("/developers/mint", url.Values{"amount": {"1000000.01"}}, 422)
		b.has("at most CN¥1,000,000.00")
		b.send("/developers/mint", url.Values{"amount": {"5000.00"}}, 200)
		b.has("Minted into your reserve: CN¥5,000.00", `<dd id="dev-reserve">CN¥5,000.00</dd>`)

		// 3. A test wallet with a fictional phone; its holder enrols and
		// the code sent shows on the page.
		phone := b.find(`id="dev-phone" name="phone" type="tel" value="([^"]+)"`)
		if !regexp.MustCompile(`^\+1\d{3}55501\d\d$`).MatchString(phone) {
			t.Fatalf("suggested phone %q is not one reserved for fiction", phone)
		}
		b.send("/developers/wallets", url.Values{"name": {"Li Wei"}, "phone": {"12345"}}, 422)
		b.has("not a valid phone number")
		b.send("/developers/wallets", url.Values{"name": {"Li Wei"}, "phone": {phone}}, 200)
		w := b.find(`<h3 id="w-(\d{16})">`)
		b.shows("Wallet opened: "+w, phone, "None yet.")
		e := s.api("POST", "/v1/auth/enroll", "", map[string]any{"phone": phone}, 202)
		b.get("/developers", 200)
		code := b.find(`(?s)<ul class="dev-sms"[^>]*>.*?\b(\d{6})\b`)
		s.api("POST", "/v1/auth/enroll/"+e["enrollment_id"].(string)+"/confirm", "", map[string]any{"code": code, "pin": "385912"}, 201)

		// 4. A sandbox bank account, linked; a top-up through it.
		b.send("/developers/bank-accounts", url.Values{"wallet": {w}, "balance": {"5000.00"}}, 200)
		b.has("opened and linked to "+w, "SANDBOX 62")
		account := url.Values{"account": {b.find(`<option value="([^"]+)">SANDBOX 62\d{14} → ` + w)}}
		b.send("/developers/topups", with(account, "amount", "300.00"), 200)
		b.has("Top-up of CN¥300.00: completed", "CN¥4,700.00")
		if bal := s.api("GET", "/v1/wallets/"+w, key, nil, 200)["balance"]; bal != "300.00" {
			t.Fatalf("wallet balance %v after a top-up of 300.00", bal)
		}

		// 5. A fault: the next bank call is refused; the one after works.
		b.send("/developers/faults", url.Values{"mode": {"fail"}, "count": {"1"}}, 200)
		b.has("next 1 call(s): refuse")
		b.send("/developers/topups", with(account, "amount", "50.00"), 200)
		b.has("Top-up of CN¥50.00: failed")
		if !regexp.MustCompile(`<tr class="dev-bankop"><td>[^<]*</td><td>topup</td><td>CN¥50.00</td><td>failed</td><td>[^<]+</td></tr>`).MatchString(b.page) {
			t.Fatalf("the failed operation and its error are not listed:\n%s", b.page)
		}
		if bal := s.api("GET", "/v1/wallets/"+w, key, nil, 200)["balance"]; bal != "300.00" {
			t.Fatalf("wallet balance %v after a refused top-up", bal)
		}

		// 6. A webhook endpoint, and the delivery of the next top-up's
		// events to it, verified by the receiver and shown.
		var mu sync.Mutex
		var got []string
		var secret string
		recv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			if err := client.VerifyWebhook(secret, r.Header, body, time.Now()); err != nil {
				http.Error(rw, err.Error(), http.StatusUnauthorized)
				return
			}
			got = append(got, r.Header.Get("webhook-id"))
			rw.WriteHeader(http.StatusNoContent)
		}))
		defer recv.Close()
		b.send("/developers/webhooks", url.Values{"url": {recv.URL + "/hooks"}, "events": {"bank_operation.completed", "transfer.received"}}, 200)
		mu.Lock()
		secret = b.find(`<code id="hook-secret">([^<]+)</code>`)
		mu.Unlock()
		b.has("Endpoint added.", recv.URL+"/hooks", "No deliveries yet.")
		b.send("/developers/topups", with(account, "amount", "20.00"), 200)
		b.has("Top-up of CN¥20.00: completed")
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(b.get("/developers", 200), `<td>delivered</td><td>1</td><td>204</td>`) {
			if time.Now().After(deadline) {
				t.Fatalf("no delivery shown as delivered:\n%s", b.page)
			}
			time.Sleep(200 * time.Millisecond)
		}
		b.has("bank_operation.completed")
		mu.Lock()
		if len(got) == 0 {
			t.Fatal("the receiver verified no delivery")
		}
		mu.Unlock()

		// 7. Chinese; then forget the sandbox.
		b.post("/lang", url.Values{"lang": {"zh"}, "back": {"/developers"}}, 200)
		b.has("开发者沙箱", "您的沙箱运营机构")
		b.send("/developers/forget", url.Values{}, 200)
		b.has(`action="/developers/operator"`)
	}, asSandbox())
}

// TestDevelopersNotFound: without the sandbox there is no /developers, no
// link to it, and no web with a key that is not the sandbox's.
func TestDevelopersNotFound(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.get("/", 200)
	if strings.Contains(b.page, `href="/developers"`) {
		t.Fatal("a link to /developers without the sandbox")
	}
	b.get("/developers", 404)
	b.post("/developers/operator", url.Values{"name": {"x"}}, 404)
	keys, err := pii.ParseKey(pii.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := web.New(web.Options{API: http.NotFoundHandler(), Keys: keys, Sandbox: &web.Sandbox{CentralBankKey: "ingot_live_abc"}}); err == nil {
		t.Fatal("a developer sandbox with a live key")
	}
}
