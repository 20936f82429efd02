package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/store"
)

// Open finance over HTTP: a provider registered, a holder's consent with
// PKCE, the token endpoint, account information and payments by mandate,
// revocation; on both stores, and across two servers on one database.

const lenderRedirect = "https://lender.example/callback"

// lender is a provider registered by the central bank, with the wallet
// its loans are repaid to.
type lender struct {
	e              *env
	clientID       string
	secret         string
	wallet         string
	verifier       string
	challenge      string
	access, refres string
}

func (e *env) newLender(code string, roles ...string) *lender {
	e.t.Helper()
	_, key := e.funded(code)
	w := e.wallet(key, "")
	r := e.must(e.req("POST", "/v1/providers", adminKey, map[string]any{"name": "Acme Lending", "redirect_uris": []string{lenderRedirect}, "roles": roles}), 201)
	if !strings.HasPrefix(r.str("client_secret"), "ingot_") || !strings.HasPrefix(r.str("client_id"), "ingot_client_") {
		e.t.Fatalf("provider answer %s", r.raw)
	}
	verifier := strings.Repeat("v", 20) + fmt.Sprint(time.Now().UnixNano()) + strings.Repeat("x", 10)
	sum := sha256.Sum256([]byte(verifier))
	return &lender{e: e, clientID: r.str("client_id"), secret: r.str("client_secret"), wallet: w, verifier: verifier,
		challenge: base64.RawURLEncoding.EncodeToString(sum[:])}
}

// consent is the holder's POST /v1/me/consents for the lender.
func (l *lender) consent(h *holder, scope string, mandate map[string]any) *resp {
	l.e.t.Helper()
	body := map[string]any{"client_id": l.clientID, "redirect_uri": lenderRedirect, "scope": scope, "state": "s-1",
		"code_challenge": l.challenge, "code_challenge_method": "S256", "wallets": []string{h.wallets[0]}}
	if mandate == nil {
		return l.e.req("POST", "/v1/me/consents", h.access, body)
	}
	// A mandate needs the holder's approval, as a payment of
	// max_per_period to the payee.
	body["mandate"] = mandate
	au := h.scaRequired(l.e.req("POST", "/v1/me/consents", h.access, body))
	if au["amount"] != mandate["max_per_period"] {
		l.e.t.Fatalf("the approval asked for is not of the mandate: %v", au)
	}
	h.approve(au["id"].(string))
	return l.e.req("POST", "/v1/me/consents", h.access, body, "Ingot-Authorization", au["id"].(string))
}

// token posts a form to /oauth/token, authenticating with HTTP Basic.
func (l *lender) token(form url.Values) *resp {
	l.e.t.Helper()
	return l.e.tokenReq(form, l.clientID, l.secret)
}

func (e *env) tokenReq(form url.Values, id, secret string) *resp {
	e.t.Helper()
	r, err := http.NewRequest("POST", e.url+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := &resp{status: res.StatusCode, header: res.Header, raw: raw}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		e.t.Fatalf("token answer is not JSON: %s", raw)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		e.t.Fatalf("token answer without Cache-Control: no-store")
	}
	return out
}

// oauthErr checks an RFC 6749 error answer.
func (e *env) oauthErr(r *resp, status int, code string) {
	e.t.Helper()
	if r.status != status || r.str("error") != code {
		e.t.Fatalf("status %d, want %d %s: %s", r.status, status, code, r.raw)
	}
}

func codeForm(code, redirect, verifier string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
}

// grant consents and exchanges the code: the consent's id, and the lender
// keeps the tokens.
func (l *lender) grant(h *holder, scope string, mandate map[string]any) string {
	l.e.t.Helper()
	c := l.e.must(l.consent(h, scope, mandate), 201)
	if c.str("state") != "s-1" || !strings.HasPrefix(c.str("code"), "ingot_oac_") || !strings.Contains(c.str("redirect_uri"), "code=") {
		l.e.t.Fatalf("consent answer %s", c.raw)
	}
	t := l.token(codeForm(c.str("code"), lenderRedirect, l.verifier))
	l.e.must(t, 200)
	l.keep(t)
	if t.str("scope") != scope {
		l.e.t.Fatalf("token scope %q, want %q", t.str("scope"), scope)
	}
	return c.str("consent_id")
}

func (l *lender) keep(t *resp) {
	l.e.t.Helper()
	l.access, l.refres = t.str("access_token"), t.str("refresh_token")
	if !strings.HasPrefix(l.access, "ingot_oat_") || !strings.HasPrefix(l.refres, "ingot_ort_") || t.str("token_type") != "Bearer" || t.body["expires_in"] != float64(600) {
		l.e.t.Fatalf("token answer %s", t.raw)
	}
}

func (l *lender) pay(h *holder, to, amount string) *resp {
	return l.e.req("POST", "/v1/transfers", l.access, map[string]any{"from": h.wallets[0], "to": to, "amount": amount, "currency": "CNY"})
}

func monthly(payee string, perPayment, perPeriod string, until time.Time) map[string]any {
	return map[string]any{"payee": payee, "max_per_payment": perPayment, "max_per_period": perPeriod, "period": "month",
		"valid_until": until.UTC().Format(time.RFC3339)}
}

func TestOpenFinanceCodeFlow(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		h := e.newHolder("OFH", "13900001111", "5000.00")
		h.enroll()
		l := e.newLender("OFL", "ais", "pis")
		until := e.clock.Now().Add(90 * 24 * time.Hour)

		// Refused before anything is shown: a foreign redirect.
		bad := map[string]any{"client_id": l.clientID, "redirect_uri": "https://evil.example/cb", "scope": "accounts:read",
			"code_challenge": l.challenge, "wallets": []string{h.wallets[0]}}
		e.problem(e.req("POST", "/v1/me/consents", h.access, bad), 400, "invalid_redirect_uri")
		e.problem(l.consent(h, "accounts:read payments:write", nil), 400, "invalid_mandate")
		e.problem(l.consent(h, "accounts:read wallets:write", nil), 400, "invalid_scope")
		// Only the holder consents; only the central bank or an operator registers.
		e.problem(e.req("POST", "/v1/me/consents", adminKey, bad), 403, "forbidden")
		e.problem(e.req("POST", "/v1/providers", h.access, map[string]any{"name": "x", "redirect_uris": []string{lenderRedirect}, "roles": []string{"ais"}}), 403, "forbidden")
		e.problem(e.req("POST", "/v1/providers", adminKey, map[string]any{"name": "x", "redirect_uris": []string{"http://evil.example/cb"}, "roles": []string{"ais"}}), 400, "invalid_redirect_uri")

		c := e.must(l.consent(h, "accounts:read payments:write", monthly(l.wallet, "100.00", "250.00", until)), 201)
		code := c.str("code")
		e.oauthErr(l.token(codeForm(code, lenderRedirect, l.verifier+"x")), 400, "invalid_grant")             // wrong verifier
		e.oauthErr(l.token(codeForm(code, "https://lender.example/other", l.verifier)), 400, "invalid_grant") // foreign redirect
		e.oauthErr(e.tokenReq(codeForm(code, lenderRedirect, l.verifier), l.clientID, l.secret+"x"), 401, "invalid_client")
		e.oauthErr(e.tokenReq(codeForm(code, lenderRedirect, l.verifier), "", ""), 401, "invalid_client")
		e.oauthErr(l.token(url.Values{"grant_type": {"password"}}), 400, "unsupported_grant_type")
		e.oauthErr(l.token(url.Values{"grant_type": {"authorization_code"}, "code": {code, code}}), 400, "invalid_request")
		// The client in the form instead of HTTP Basic.
		f := codeForm(code, lenderRedirect, l.verifier)
		f.Set("client_id", l.clientID)
		f.Set("client_secret", l.secret)
		ok := e.must(e.tokenReq(f, "", ""), 200)
		l.keep(ok)

		// Account information: the consented wallet only.
		w := e.must(e.req("GET", "/v1/wallets/"+h.wallets[0], l.access, nil), 200)
		if w.str("balance") != "5000.00" {
			t.Fatalf("balance %s", w.raw)
		}
		e.must(e.req("GET", "/v1/wallets/"+h.wallets[0]+"/transactions", l.access, nil), 200)
		if ws := e.must(e.req("GET", "/v1/wallets", l.access, nil), 200).items(); len(ws) != 1 {
			t.Fatalf("provider lists %d wallets", len(ws))
		}
		e.problem(e.req("GET", "/v1/wallets/"+l.wallet, l.access, nil), 404, "not_found")
		// Every other route is closed to a provider's token.
		for _, r := range [][2]string{{"GET", "/v1/me/consents"}, {"POST", "/v1/holds"}, {"GET", "/v1/operators/me"}, {"POST", "/v1/providers"},
			{"GET", "/v1/wallets/" + h.wallets[0] + "/spending-rules"}, {"POST", "/v1/wallets/" + h.wallets[0] + "/withdrawals"}, {"GET", "/v1/security-events"}} {
			var body any
			if r[0] == "POST" {
				body = map[string]any{}
			}
			e.problem(e.req(r[0], r[1], l.access, body), 403, "forbidden")
		}

		// The code is single use: a second exchange is refused and revokes
		// the tokens issued for it.
		e.oauthErr(l.token(codeForm(code, lenderRedirect, l.verifier)), 400, "invalid_grant")
		e.problem(e.req("GET", "/v1/wallets/"+h.wallets[0], l.access, nil), 401, "unauthorized")

		// A new consent; its code expires after 60 s.
		late := e.must(l.consent(h, "accounts:read", nil), 201)
		e.clock.advance(61 * time.Second)
		e.oauthErr(l.token(codeForm(late.str("code"), lenderRedirect, l.verifier)), 400, "invalid_grant")

		// An accounts:read consent cannot pay.
		l.grant(h, "accounts:read", nil)
		e.problem(l.pay(h, l.wallet, "1.00"), 403, "insufficient_scope")

		// A mandate to any payee, approved once: the approval pays for
		// one consent only.
		anyPayee := map[string]any{"client_id": l.clientID, "redirect_uri": lenderRedirect, "scope": "payments:write",
			"code_challenge": l.challenge, "wallets": []string{h.wallets[0]},
			"mandate": map[string]any{"payee": nil, "max_per_payment": "5.00", "max_per_period": "20.00", "period": "week", "valid_until": until.UTC().Format(time.RFC3339)}}
		au := h.scaRequired(e.req("POST", "/v1/me/consents", h.access, anyPayee))
		if !strings.Contains(fmt.Sprint(au["to"]), "Acme Lending") {
			t.Fatalf("approval of a mandate to any payee: %v", au)
		}
		e.problem(e.req("POST", "/v1/me/consents", h.access, anyPayee, "Ingot-Authorization", au["id"].(string)), 403, "authorization_pending")
		h.approve(au["id"].(string))
		e.must(e.req("POST", "/v1/me/consents", h.access, anyPayee, "Ingot-Authorization", au["id"].(string)), 201)
		e.problem(e.req("POST", "/v1/me/consents", h.access, anyPayee, "Ingot-Authorization", au["id"].(string)), 403, "authorization_used")

		// Payments by mandate.
		consentID := l.grant(h, "accounts:read payments:write", monthly(l.wallet, "100.00", "250.00", until))
		e.must(l.pay(h, l.wallet, "100.00"), 201)
		r := l.pay(h, l.wallet, "100.01")
		e.problem(r, 403, "mandate_exceeded")
		if !strings.HasPrefix(r.str("detail"), "max_per_payment") {
			t.Fatalf("detail %s", r.raw)
		}
		other := e.wallet(h.opKey, "")
		r = l.pay(h, other, "1.00")
		e.problem(r, 403, "mandate_exceeded")
		if !strings.HasPrefix(r.str("detail"), "payee") {
			t.Fatalf("detail %s", r.raw)
		}
		e.must(l.pay(h, l.wallet, "100.00"), 201)
		r = l.pay(h, l.wallet, "50.01")
		e.problem(r, 403, "mandate_exceeded")
		if !strings.HasPrefix(r.str("detail"), "max_per_period") {
			t.Fatalf("detail %s", r.raw)
		}
		// Idempotent: the same key pays once.
		k := "repay-1"
		e.must(e.req("POST", "/v1/transfers", l.access, map[string]any{"from": h.wallets[0], "to": l.wallet, "amount": "50.00", "currency": "CNY"}, "Idempotency-Key", k), 201)
		rp := e.must(e.req("POST", "/v1/transfers", l.access, map[string]any{"from": h.wallets[0], "to": l.wallet, "amount": "50.00", "currency": "CNY"}, "Idempotency-Key", k), 201)
		if rp.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("no replay: %v", rp.header)
		}
		if b := e.balance(h.opKey, h.wallets[0]); b != "4750.00" {
			t.Fatalf("holder's balance %s, want 4750.00", b)
		}

		// The holder and the provider see the consent.
		mine := e.must(e.req("GET", "/v1/me/consents", h.access, nil), 200).items()
		if len(mine) != 5 {
			t.Fatalf("holder's consents: %d", len(mine))
		}
		first := mine[0].(map[string]any)
		m, _ := first["mandate"].(map[string]any)
		if first["id"] != consentID || first["status"] != "active" || first["provider"] != "Acme Lending" || m["period_used"] != "250.00" || m["payee"] != l.wallet {
			t.Fatalf("consent %v", first)
		}
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(l.clientID)+":"+url.QueryEscape(l.secret)))
		pc := e.must(e.req("GET", "/v1/provider/consents", "", nil, "Authorization", basic), 200).items()
		if len(pc) != 5 {
			t.Fatalf("provider's consents: %d", len(pc))
		}
		e.must(e.req("GET", "/v1/provider/consents", l.access, nil), 200)
		e.problem(e.req("GET", "/v1/provider/consents", "", nil, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(l.clientID+":nope"))), 401, "unauthorized")
		e.problem(e.req("GET", "/v1/provider/consents", adminKey, nil), 403, "forbidden")

		// Refresh rotates; a refresh token used twice is refused and
		// revokes the consent's tokens.
		old := l.refres
		l.keep(e.must(l.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {old}}), 200))
		e.must(e.req("GET", "/v1/wallets/"+h.wallets[0], l.access, nil), 200)

		// The holder revokes: the next call answers 401, refresh fails.
		e.must(e.req("DELETE", "/v1/me/consents/"+consentID, h.access, nil), 204)
		e.must(e.req("DELETE", "/v1/me/consents/"+consentID, h.access, nil), 204)
		e.problem(e.req("GET", "/v1/wallets/"+h.wallets[0], l.access, nil), 401, "unauthorized")
		e.problem(l.pay(h, l.wallet, "1.00"), 401, "unauthorized")
		e.oauthErr(l.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {l.refres}}), 400, "invalid_grant")
		e.oauthErr(l.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {old}}), 400, "invalid_grant")
		mine = e.must(e.req("GET", "/v1/me/consents", h.access, nil), 200).items()
		if s := mine[0].(map[string]any)["status"]; s != "revoked" {
			t.Fatalf("status %v", s)
		}

		// Security events: granted, paid, revoked.
		for _, typ := range []string{"consent.granted", "mandate.payment", "consent.revoked"} {
			if ev := e.must(e.req("GET", "/v1/security-events?type="+typ, h.opKey, nil), 200).items(); len(ev) == 0 {
				t.Fatalf("no %s security event", typ)
			}
		}
	})
}

// TestMandateConcurrency: many payments at once never pass the period's
// maximum; a new month starts again from zero.
func TestMandateConcurrency(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		h := e.newHolder("MCH", "13900002222", "5000.00")
		h.enroll()
		l := e.newLender("MCL", "pis")
		// Mid-month, so that 40 days later is another month.
		l.grant(h, "payments:write", monthly(l.wallet, "10.00", "100.00", e.clock.Now().Add(170*24*time.Hour)))

		const n = 24
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := l.pay(h, l.wallet, "10.00")
				mu.Lock()
				codes[r.status]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if codes[201] != 10 || codes[403] != n-10 {
			t.Fatalf("answers %v, want 10 paid and %d refused", codes, n-10)
		}
		if b := e.balance(h.opKey, h.wallets[0]); b != "4900.00" {
			t.Fatalf("balance %s, want 4900.00", b)
		}
		e.problem(l.pay(h, l.wallet, "0.01"), 403, "mandate_exceeded")

		// 40 days on (another month): the access token has expired, the
		// refresh token gets a new one, and the period starts from zero.
		e.clock.advance(40 * 24 * time.Hour)
		e.problem(l.pay(h, l.wallet, "10.00"), 401, "unauthorized")
		l.keep(e.must(l.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {l.refres}}), 200))
		e.must(l.pay(h, l.wallet, "10.00"), 201)
		h.login()
		mine := e.must(e.req("GET", "/v1/me/consents", h.access, nil), 200).items()
		if u := mine[0].(map[string]any)["mandate"].(map[string]any)["period_used"]; u != "10.00" {
			t.Fatalf("period_used %v, want 10.00", u)
		}
	})
}

// TestOpenFinanceTwoServers: two servers on one database; a consent
// revoked through one is refused by the other on the next call.
func TestOpenFinanceTwoServers(t *testing.T) {
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			dsn := testdb.NewDSN(t, kind)
			open := func(t testing.TB) store.Store {
				st, err := testdb.OpenDSN(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
			a, b := newEnv(t, open, 0), newEnv(t, open, 0)
			h := a.newHolder("TSH", "13900003333", "1000.00")
			h.enroll()
			l := a.newLender("TSL", "ais")
			id := l.grant(h, "accounts:read", nil)
			l.e = b // the provider calls the other server
			b.must(b.req("GET", "/v1/wallets/"+h.wallets[0]+"/transactions", l.access, nil), 200)
			a.must(a.req("DELETE", "/v1/me/consents/"+id, h.access, nil), 204)
			b.problem(b.req("GET", "/v1/wallets/"+h.wallets[0]+"/transactions", l.access, nil), 401, "unauthorized")
		})
	}
}

// TestOpenFinanceWebhooks: a payment by mandate is a mandate.payment event
// to the payer's operator (with the period's total), a revocation a
// consent.revoked event to the operators of the consent's wallets; a
// spending rule still applies to a provider's payment.
func TestOpenFinanceWebhooks(t *testing.T) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newHookEnv(t, open, true)
			h := e.newHolder("OFW", "13900004444", "500.00")
			h.enroll()
			l := e.newLender("OFWL", "ais", "pis")
			rcv := e.receiver(0)
			_, secret := e.createEndpoint(h.opKey, rcv.URL, "mandate.payment", "consent.revoked")
			id := l.grant(h, "accounts:read payments:write", monthly(l.wallet, "40.00", "100.00", e.clock.Now().Add(60*24*time.Hour)))
			tr := e.must(l.pay(h, l.wallet, "30.00"), 201)
			e.must(e.req("DELETE", "/v1/me/consents/"+id, h.access, nil), 204)
			if n := e.run(); n != 2 {
				t.Fatalf("%d attempts, want 2", n)
			}
			paid := e.checkSigned(secret, rcv.requests()[0])
			data := paid["data"].(map[string]any)
			if paid["type"] != "mandate.payment" || data["consent_id"] != id || data["period_total"] != "30.00" ||
				data["transfer"].(map[string]any)["id"] != tr.str("id") {
				t.Fatalf("mandate.payment: %s", rcv.requests()[0].body)
			}
			revoked := e.checkSigned(secret, rcv.requests()[1])
			if c := revoked["data"].(map[string]any); revoked["type"] != "consent.revoked" || c["id"] != id || c["status"] != "revoked" {
				t.Fatalf("consent.revoked: %s", rcv.requests()[1].body)
			}

			// The holder's spending rule applies to the provider too.
			l.grant(h, "payments:write", monthly(l.wallet, "40.00", "100.00", e.clock.Now().Add(60*24*time.Hour)))
			e.must(e.req("POST", "/v1/wallets/"+h.wallets[0]+"/spending-rules", h.opKey, map[string]any{"allow": "amount <= 1000"}), 201)
			e.problem(l.pay(h, l.wallet, "20.00"), 403, "spending_rule_denied")
			e.must(l.pay(h, l.wallet, "10.00"), 201)
		})
	}
}

// TestProviderHistory90Days: a provider reads at most 90 days of history;
// the wallet's operator still reads it all.
func TestProviderHistory90Days(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		h := e.newHolder("PHH", "13900005555", "300.00")
		h.enroll()
		l := e.newLender("PHL", "ais")
		l.grant(h, "accounts:read", nil)
		path := "/v1/wallets/" + h.wallets[0] + "/transactions"
		if n := len(e.must(e.req("GET", path, l.access, nil), 200).items()); n != 1 {
			t.Fatalf("provider reads %d entries, want the top-up", n)
		}
		e.clock.advance(91 * 24 * time.Hour)
		l.keep(e.must(l.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {l.refres}}), 200))
		e.must(e.req("POST", path[:len(path)-len("/transactions")]+"/topups", h.opKey, map[string]any{"amount": "1.00"}), 201)
		if items := e.must(e.req("GET", path, l.access, nil), 200).items(); len(items) != 1 || items[0].(map[string]any)["amount"] != "1.00" {
			t.Fatalf("provider reads %v 91 days on, want the new top-up only", items)
		}
		if n := len(e.must(e.req("GET", path, h.opKey, nil), 200).items()); n != 2 {
			t.Fatalf("the operator reads %d entries, want 2", n)
		}
	})
}
