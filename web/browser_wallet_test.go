package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// virtualAuthenticator gives the browser's tab a platform authenticator
// (DevTools' WebAuthn domain: CTAP2, internal, resident keys, user
// verification that succeeds), as a phone's fingerprint reader.
func virtualAuthenticator(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (webauthn.AuthenticatorID, error) {
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return "", err
		}
		r, err := cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		}})
		return r.AuthenticatorID, err
	})
	if err != nil {
		t.Fatalf("virtual authenticator: %v", err)
	}
}

// TestBrowserPasskey: in Chromium with a virtual authenticator, in a
// phone's window on SQLite and a wide one on PostgreSQL, a holder signs in with PIN and SMS code,
// adds a passkey from the wallet page, signs out, signs in with PIN and
// the passkey, approves a payment with the passkey, and looks through the
// history.
func TestBrowserPasskey(t *testing.T) {
	path := chromium(t)
	for _, size := range []struct {
		windowSize
		store string
	}{{phoneWindow, "sqlite"}, {wideWindow, "postgres"}} {
		t.Run(size.name+"/"+size.store, func(t *testing.T) {
			s := newSite(t, onStore(size.store), atLocalhost())
			h := newHolder(s, "13800138401")
			s.api("POST", "/v1/sandbox/bank/accounts", h.key, map[string]any{"bank_code": "ICBC", "account_number": "6222021234566789",
				"holder_name": "Li Wei", "currency": "CNY", "balance": "1000.00"}, 201)
			s.api("POST", "/v1/wallets/"+h.wallet+"/bank-accounts", h.key, map[string]any{"bank_code": "ICBC", "account_number": "6222021234566789", "holder_name": "Li Wei"}, 201)
			c := startChrome(t, path, size.windowSize)
			virtualAuthenticator(t, c.ctx)

			// PIN and SMS code, then a passkey added from the wallet page.
			c.pin(s, h.phone, "#code")
			c.code(s, h.phone)
			c.run("add a passkey", chromedp.WaitReady(chromedp.CSS(`form[data-webauthn-create][data-ready="1"]`)), chromedp.Click(chromedp.CSS("#passkey-add")),
				chromedp.WaitVisible(chromedp.CSS(".flash")))
			if got := c.text(); !strings.Contains(got, "The factor was added.") || !strings.Contains(got, "Passkey") {
				t.Fatalf("after adding a passkey: %s", got)
			}
			c.shot("wallet-factors")
			c.signOut()

			// PIN, then the passkey.
			c.pin(s, h.phone, "#passkey-signin")
			c.shot("signin-passkey")
			c.run("passkey sign-in", chromedp.WaitReady(chromedp.CSS(`form[data-webauthn-get][data-ready="1"]`)), chromedp.Click(chromedp.CSS("#passkey-signin")),
				chromedp.WaitVisible(chromedp.CSS("#to")))
			if got := c.text(); !strings.Contains(got, h.wallet) || !strings.Contains(got, "CN¥1,000.00") {
				t.Fatalf("the wallet after a passkey sign-in: %s", got)
			}

			// A payment above the exemption, approved with the passkey.
			c.run("pay", chromedp.SendKeys(chromedp.CSS("#to"), h.payee), chromedp.SendKeys(chromedp.CSS("#amount"), "300.00"),
				chromedp.Click(chromedp.CSS(`form[action="/wallet/pay"] button`)), chromedp.WaitVisible(chromedp.CSS(`form.passkey[action="/wallet/approve"] button`)))
			if got := c.text(); !strings.Contains(got, "CN¥300.00 → "+h.payee) {
				t.Fatalf("the approval: %s", got)
			}
			c.shot("approval-passkey")
			c.run("approve with the passkey", chromedp.WaitReady(chromedp.CSS(`form.passkey[action="/wallet/approve"][data-ready="1"]`)),
				chromedp.Click(chromedp.CSS(`form.passkey[action="/wallet/approve"] button`)), chromedp.WaitNotPresent(chromedp.CSS("#acode")), chromedp.WaitVisible(chromedp.CSS(".flash")))
			if got := c.text(); !strings.Contains(got, "Paid: CN¥300.00") {
				t.Fatalf("after approving with the passkey: %s", got)
			}
			if bal := s.api("GET", "/v1/wallets/"+h.payee, h.key, nil, 200)["balance"]; bal != "300.00" {
				t.Fatalf("payee balance %v; want 300.00", bal)
			}

			// The history, searched.
			// (The answer's search field has the text as its value
			// attribute; the field typed in has it as its property only.)
			c.run("history", chromedp.Navigate(s.url+"/wallet/history"), chromedp.WaitVisible(chromedp.CSS("#hq")),
				chromedp.SendKeys(chromedp.CSS("#hq"), h.payee), chromedp.Submit(chromedp.CSS("#hq")),
				chromedp.WaitVisible(chromedp.CSS(`#hq[value="`+h.payee+`"]`)))
			if got := c.text(); !strings.Contains(got, "-CN¥300.00") || strings.Contains(got, "CN¥1,000.00") {
				t.Fatalf("the history searched for the payee: %s", got)
			}
			c.shot("history")

			// An authenticator app being set up: its QR code and key.
			c.run("authenticator app", chromedp.Navigate(s.url+"/wallet"), chromedp.Click(chromedp.CSS(`form[action="/wallet/totp"] button`)),
				chromedp.WaitVisible(chromedp.CSS("#totp-secret")))
			c.shot("wallet-totp")

			// A provider's mandate, approved with the passkey on the
			// consent screen; the browser goes back to the provider (here
			// an address of this site) with the code.
			lenderCB := s.url + "/lender/cb"
			p := s.api("POST", "/v1/providers", adminKey, map[string]any{"name": "Acme Lending", "redirect_uris": []string{lenderCB}, "roles": []string{"pis"}}, 201)
			q := url.Values{"response_type": {"code"}, "client_id": {p["client_id"].(string)}, "redirect_uri": {lenderCB}, "scope": {"payments:write"},
				"state": {"s1"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
			until := s.now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
			c.run("consent", chromedp.Navigate(s.url+"/oauth/authorize?"+q.Encode()), chromedp.WaitVisible(chromedp.CSS("#max_per_period")),
				chromedp.SendKeys(chromedp.CSS("#max_per_payment"), "50.00"), chromedp.SendKeys(chromedp.CSS("#max_per_period"), "300.00"),
				chromedp.SendKeys(chromedp.CSS("#valid_until"), until),
				chromedp.Click(chromedp.CSS(`button[name="decision"][value="allow"]`)), chromedp.WaitVisible(chromedp.CSS("#consent-passkey")))
			c.run("approve the mandate with the passkey", chromedp.WaitReady(chromedp.CSS(`form.passkey[action="/oauth/authorize"][data-ready="1"]`)),
				chromedp.Click(chromedp.CSS("#consent-passkey")))
			var at string
			for range 50 {
				at, _ = chromedp.Run(c.ctx, chromedp.Evaluate[string](`location.href`))
				if strings.HasPrefix(at, lenderCB+"?code=") {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if !strings.HasPrefix(at, lenderCB+"?code=") || !strings.Contains(at, "state=s1") {
				t.Fatalf("after approving the mandate with the passkey: %s; the page says %s", at, c.text())
			}
		})
	}
}
