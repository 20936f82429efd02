package httpapi_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/ingot-cbdc/ingot/internal/webauthntest"
)

// The holder tests drive sign-in, factors, sessions and payment approval
// over HTTP with the sandbox's SMS outbox, RFC 6238 codes computed here and
// a software WebAuthn authenticator (real P-256 signatures).

const holderPIN = "385912"

// holder is a person with wallets at an operator.
type holder struct {
	e       *env
	phone   string
	opKey   string   // the operator's key
	wallets []string // the holder's wallets
	access  string
	refresh string
}

// newHolder opens a wallet with balance for phone at a new operator.
func (e *env) newHolder(code, phone, balance string) *holder {
	e.t.Helper()
	_, key := e.funded(code)
	r := e.must(e.req("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Li Wei", "phone": phone}, "currency": "CNY"}), 201)
	w := r.str("id")
	if balance != "" {
		e.must(e.req("POST", "/v1/wallets/"+w+"/topups", key, map[string]any{"amount": balance}), 201)
	}
	return &holder{e: e, phone: phone, opKey: key, wallets: []string{w}}
}

var codeRe = regexp.MustCompile(`\b(\d{6})\b`)

// lastSMS is the code in the newest text message to the holder's phone,
// and the message.
func (h *holder) lastSMS() (string, string) {
	h.e.t.Helper()
	r := h.e.must(h.e.req("GET", "/v1/sandbox/sms?phone="+h.phone, adminKey, nil), 200)
	ms, _ := r.body["messages"].([]any)
	if len(ms) == 0 {
		h.e.t.Fatalf("no text message to %s", h.phone)
	}
	text, _ := ms[0].(map[string]any)["text"].(string)
	m := codeRe.FindStringSubmatch(text)
	if m == nil {
		h.e.t.Fatalf("no code in %q", text)
	}
	return m[1], text
}

// enroll enrols the holder with holderPIN and keeps its tokens.
func (h *holder) enroll() {
	h.e.t.Helper()
	r := h.e.must(h.e.req("POST", "/v1/auth/enroll", "", map[string]any{"phone": h.phone}), 202)
	code, _ := h.lastSMS()
	t := h.e.must(h.e.req("POST", "/v1/auth/enroll/"+r.str("enrollment_id")+"/confirm", "", map[string]any{"code": code, "pin": holderPIN}), 201)
	h.keep(t)
}

func (h *holder) keep(t *resp) {
	h.e.t.Helper()
	h.access, h.refresh = t.str("access_token"), t.str("refresh_token")
	if !strings.HasPrefix(h.access, "ingot_at_") || !strings.HasPrefix(h.refresh, "ingot_rt_") || t.str("token_type") != "Bearer" || t.body["expires_in"] != float64(300) {
		h.e.t.Fatalf("token answer %s", t.raw)
	}
}

// login signs in with the PIN and an SMS code.
func (h *holder) login() {
	h.e.t.Helper()
	l := h.e.must(h.e.req("POST", "/v1/auth/login", "", map[string]any{"phone": h.phone, "pin": holderPIN}), 200)
	h.e.must(h.e.req("POST", "/v1/auth/login/"+l.str("login_id")+"/sms", "", nil), 202)
	code, _ := h.lastSMS()
	h.keep(h.e.must(h.e.req("POST", "/v1/auth/login/"+l.str("login_id")+"/verify", "", map[string]any{"method": "sms", "code": code}), 200))
}

// approve verifies an approval with its SMS code.
func (h *holder) approve(id string) {
	h.e.t.Helper()
	h.e.must(h.e.req("POST", "/v1/authorizations/"+id+"/sms", h.access, nil), 202)
	code, _ := h.lastSMS()
	r := h.e.must(h.e.req("POST", "/v1/authorizations/"+id+"/verify", h.access, map[string]any{"method": "sms", "code": code}), 200)
	if r.str("status") != "approved" {
		h.e.t.Fatalf("verify: %s", r.raw)
	}
}

// scaRequired checks a 403 sca_required and returns its authorization.
func (h *holder) scaRequired(r *resp) map[string]any {
	h.e.t.Helper()
	h.e.problem(r, 403, "sca_required")
	a, _ := r.body["authorization"].(map[string]any)
	if a == nil || a["id"] == "" {
		h.e.t.Fatalf("sca_required without its authorization: %s", r.raw)
	}
	return a
}

func TestHolderSignIn(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		h := e.newHolder("ICBC", "13800138000", "500.00")
		// The same phone at a second operator: one holder, both wallets.
		_, key2 := e.funded("BOC")
		w2 := e.must(e.req("POST", "/v1/wallets", key2, map[string]any{"holder": map[string]any{"name": "Li Wei", "phone": "+8613800138000"}, "currency": "CNY"}), 201).str("id")
		h.wallets = append(h.wallets, w2)

		// Enrolment: a phone without wallets answers the same, and gets no SMS.
		r1 := e.must(e.req("POST", "/v1/auth/enroll", "", map[string]any{"phone": "13900000000"}), 202)
		if r1.str("enrollment_id") == "" || len(r1.body) != 1 {
			t.Fatalf("enroll answer %s", r1.raw)
		}
		if r := e.must(e.req("GET", "/v1/sandbox/sms?phone=13900000000", adminKey, nil), 200); len(r.body["messages"].([]any)) != 0 {
			t.Fatalf("an SMS to a phone with no wallet: %s", r.raw)
		}
		r := e.must(e.req("POST", "/v1/auth/enroll", "", map[string]any{"phone": h.phone}), 202)
		code, text := h.lastSMS()
		if !strings.Contains(text, "set up sign-in") {
			t.Fatalf("the enrolment SMS does not say what it is for: %q", text)
		}
		id := r.str("enrollment_id")
		e.problem(e.req("POST", "/v1/auth/enroll/"+id+"/confirm", "", map[string]any{"code": code, "pin": "123456"}), 422, "weak_pin")
		e.problem(e.req("POST", "/v1/auth/enroll/"+id+"/confirm", "", map[string]any{"code": wrong(code), "pin": holderPIN}), 401, "invalid_code")
		h.keep(e.must(e.req("POST", "/v1/auth/enroll/"+id+"/confirm", "", map[string]any{"code": code, "pin": holderPIN}), 201))
		e.problem(e.req("POST", "/v1/auth/enroll/"+id+"/confirm", "", map[string]any{"code": code, "pin": holderPIN}), 401, "invalid_code") // single use

		// The holder sees both wallets, masked.
		me := e.must(e.req("GET", "/v1/me", h.access, nil), 200)
		if me.str("phone") != "+86 138****8000" || len(me.body["wallets"].([]any)) != 2 || strings.Contains(string(me.raw), "13800138000") {
			t.Fatalf("/v1/me: %s", me.raw)
		}
		e.must(e.req("GET", "/v1/wallets/"+w2, h.access, nil), 200)
		if l := e.must(e.req("GET", "/v1/wallets", h.access, nil), 200); len(l.items()) != 2 {
			t.Fatalf("holder's wallet list: %s", l.raw)
		}

		// Login: the PIN alone never signs in; a wrong PIN and an unknown phone answer alike.
		bad := e.req("POST", "/v1/auth/login", "", map[string]any{"phone": h.phone, "pin": "999990"})
		unknown := e.req("POST", "/v1/auth/login", "", map[string]any{"phone": "13911112222", "pin": "999990"})
		e.problem(bad, 401, "invalid_credentials")
		e.problem(unknown, 401, "invalid_credentials")
		if string(bad.raw) != string(unknown.raw) {
			t.Fatalf("wrong PIN and unknown phone differ:\n%s\n%s", bad.raw, unknown.raw)
		}
		l := e.must(e.req("POST", "/v1/auth/login", "", map[string]any{"phone": h.phone, "pin": holderPIN}), 200)
		if m := l.body["methods"].([]any); len(m) != 1 || m[0] != "sms" || l.str("login_id") == "" || l.body["access_token"] != nil {
			t.Fatalf("login answer %s", l.raw)
		}
		e.must(e.req("POST", "/v1/auth/login/"+l.str("login_id")+"/sms", "", nil), 202)
		code, text = h.lastSMS()
		if !strings.Contains(text, "sign-in code") {
			t.Fatalf("login SMS %q", text)
		}
		first := h.access
		h.keep(e.must(e.req("POST", "/v1/auth/login/"+l.str("login_id")+"/verify", "", map[string]any{"method": "sms", "code": code}), 200))
		e.must(e.req("GET", "/v1/me", first, nil), 200) // the first session goes on

		// What a holder may not do.
		e.problem(e.req("POST", "/v1/wallets", h.access, map[string]any{"holder": map[string]any{"name": "X", "phone": "13800000001"}, "currency": "CNY"}), 403, "forbidden")
		e.problem(e.req("POST", "/v1/issuance/mint", h.access, map[string]any{"operator_id": "x", "amount": "1.00", "currency": "CNY"}), 403, "forbidden")
		e.problem(e.req("POST", "/v1/wallets/"+h.wallets[0]+"/topups", h.access, map[string]any{"amount": "1.00"}), 403, "forbidden")
		other := e.wallet(h.opKey, "")
		e.problem(e.req("GET", "/v1/wallets/"+other, h.access, nil), 404, "not_found")
		e.problem(e.req("GET", "/v1/me", h.opKey, nil), 403, "forbidden")

		// Refresh rotates; the old refresh token used again ends the session.
		old := h.refresh
		h.keep(e.must(e.req("POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": old}), 200))
		e.must(e.req("GET", "/v1/me", h.access, nil), 200)
		e.problem(e.req("POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": old}), 401, "invalid_token")
		e.problem(e.req("GET", "/v1/me", h.access, nil), 401, "invalid_token")
		e.problem(e.req("POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": h.refresh}), 401, "invalid_token")

		// Logout ends that session only.
		h.login()
		e.must(e.req("POST", "/v1/auth/logout", h.access, nil), 204)
		e.problem(e.req("GET", "/v1/me", h.access, nil), 401, "invalid_token")
		e.must(e.req("GET", "/v1/me", first, nil), 200)

		// A session idle more than 5 minutes ends; an access token lives 5 minutes.
		h.login()
		e.clock.advance(4 * time.Minute)
		e.must(e.req("GET", "/v1/me", h.access, nil), 200)
		h.keep(e.must(e.req("POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": h.refresh}), 200))
		e.clock.advance(5*time.Minute + time.Second)
		e.problem(e.req("GET", "/v1/me", h.access, nil), 401, "invalid_token")
		e.problem(e.req("POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": h.refresh}), 401, "invalid_token")
	})
}

// wrong is another code than c.
func wrong(c string) string {
	if c == "000000" {
		return "000001"
	}
	return "000000"
}

func TestHolderLockout(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		h := e.newHolder("ICBC", "13800138001", "")
		h.enroll()
		for i := range 5 {
			r := e.req("POST", "/v1/auth/login", "", map[string]any{"phone": h.phone, "pin": "999990"})
			if i < 4 {
				e.problem(r, 401, "invalid_credentials")
			} else {
				e.problem(r, 429, "too_many_attempts")
			}
		}
		// Locked: even the right PIN.
		r := e.req("POST", "/v1/auth/login", "", map[string]any{"phone": h.phone, "pin": holderPIN})
		e.problem(r, 429, "too_many_attempts")
		if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 || ra > 900 {
			t.Fatalf("Retry-After %q; want 1..900 seconds", r.header.Get("Retry-After"))
		}
		// Codes count too, and the lock is the phone's whatever the step.
		e.problem(e.req("POST", "/v1/auth/enroll", "", map[string]any{"phone": h.phone}), 429, "too_many_attempts")
		e.clock.advance(15*time.Minute + time.Second)
		l := e.must(e.req("POST", "/v1/auth/login", "", map[string]any{"phone": h.phone, "pin": holderPIN}), 200)
		for range 5 {
			e.req("POST", "/v1/auth/login/"+l.str("login_id")+"/verify", "", map[string]any{"method": "sms", "code": "000000"})
		}
		e.problem(e.req("POST", "/v1/auth/login", "", map[string]any{"phone": h.phone, "pin": holderPIN}), 429, "too_many_attempts")

		// The operator sees it all in the security events.
		ev := e.must(e.req("GET", "/v1/security-events?type=signin.locked", h.opKey, nil), 200)
		if len(ev.items()) != 2 || strings.Contains(string(ev.raw), h.phone) || !strings.Contains(string(ev.raw), "138****8001") {
			t.Fatalf("lock-out events: %s", ev.raw)
		}
		if all := e.must(e.req("GET", "/v1/security-events", adminKey, nil), 200); len(all.items()) < 10 {
			t.Fatalf("the central bank sees %d events", len(all.items()))
		}
		_, other := e.funded("BOC")
		if ev := e.must(e.req("GET", "/v1/security-events", other, nil), 200); len(ev.items()) != 0 {
			t.Fatalf("another operator sees this holder's events: %s", ev.raw)
		}
	})
}

func TestHolderFactors(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		h := e.newHolder("ICBC", "13800138002", "100.00")
		h.enroll()

		// TOTP: set up, confirmed by a first code, then a second factor.
		r := e.must(e.req("POST", "/v1/me/totp", h.access, nil), 201)
		secret := r.str("secret")
		if !strings.HasPrefix(r.str("otpauth_uri"), "otpauth://totp/") || secret == "" {
			t.Fatalf("totp answer %s", r.raw)
		}
		e.problem(e.req("POST", "/v1/me/totp/confirm", h.access, map[string]any{"code": "000000"}), 401, "invalid_code")
		code := totpCode(t, secret, e.clock.Now())
		e.must(e.req("POST", "/v1/me/totp/confirm", h.access, map[string]any{"code": code}), 200)
		l := e.must(e.req("POST", "/v1/auth/login", "", map[string]any{"phone": h.phone, "pin": holderPIN}), 200)
		if !strings.Contains(string(l.raw), `"totp"`) {
			t.Fatalf("methods without totp: %s", l.raw)
		}
		// The code used to confirm is not accepted again (each code once).
		e.problem(e.req("POST", "/v1/auth/login/"+l.str("login_id")+"/verify", "", map[string]any{"method": "totp", "code": code}), 401, "invalid_code")
		e.clock.advance(30 * time.Second)
		code = totpCode(t, secret, e.clock.Now())
		h.keep(e.must(e.req("POST", "/v1/auth/login/"+l.str("login_id")+"/verify", "", map[string]any{"method": "totp", "code": code}), 200))

		// A passkey (fingerprint or face), registered and used to sign in.
		a := webauthntest.New("http://localhost:8080")
		opts := e.must(e.req("POST", "/v1/me/passkeys/options", h.access, nil), 200)
		cred, err := a.Create(opts.raw)
		if err != nil {
			t.Fatal(err)
		}
		pk := e.must(e.req("POST", "/v1/me/passkeys", h.access, map[string]any{"credential": json.RawMessage(cred)}), 201)
		e.problem(e.req("POST", "/v1/me/passkeys", h.access, map[string]any{"credential": json.RawMessage(cred)}), 422, "invalid_request") // used registration
		fs := e.must(e.req("GET", "/v1/me/factors", h.access, nil), 200)
		if len(fs.items()) != 3 {
			t.Fatalf("factors: %s", fs.raw)
		}
		l = e.must(e.req("POST", "/v1/auth/login", "", map[string]any{"phone": h.phone, "pin": holderPIN}), 200)
		wa, _ := json.Marshal(l.body["webauthn"])
		assertion, err := a.Get(wa)
		if err != nil {
			t.Fatal(err)
		}
		h.keep(e.must(e.req("POST", "/v1/auth/login/"+l.str("login_id")+"/verify", "", map[string]any{"method": "webauthn", "credential": json.RawMessage(assertion)}), 200))

		// Removing a factor needs a fresh approval, bound to that factor.
		rm := h.scaRequired(e.req("DELETE", "/v1/me/factors/"+pk.str("id"), h.access, nil))
		e.problem(e.req("DELETE", "/v1/me/factors/"+pk.str("id"), h.access, nil, "Ingot-Authorization", rm["id"].(string)), 403, "authorization_pending")
		h.approve(rm["id"].(string))
		e.must(e.req("DELETE", "/v1/me/factors/"+pk.str("id"), h.access, nil, "Ingot-Authorization", rm["id"].(string)), 204)
		if fs := e.must(e.req("GET", "/v1/me/factors", h.access, nil), 200); len(fs.items()) != 2 {
			t.Fatalf("factors after removal: %s", fs.raw)
		}
		// So does a new PIN; an approval of the removal does not change the PIN.
		e.problem(e.req("PUT", "/v1/me/pin", h.access, map[string]any{"pin": "482913"}, "Ingot-Authorization", rm["id"].(string)), 403, "authorization_mismatch")
		pin := h.scaRequired(e.req("PUT", "/v1/me/pin", h.access, map[string]any{"pin": "482913"}))
		h.approve(pin["id"].(string))
		e.must(e.req("PUT", "/v1/me/pin", h.access, map[string]any{"pin": "482913"}, "Ingot-Authorization", pin["id"].(string)), 204)
		e.problem(e.req("POST", "/v1/auth/login", "", map[string]any{"phone": h.phone, "pin": holderPIN}), 401, "invalid_credentials")
		e.must(e.req("POST", "/v1/auth/login", "", map[string]any{"phone": h.phone, "pin": "482913"}), 200)

		ev := e.must(e.req("GET", "/v1/security-events", h.opKey, nil), 200)
		for _, typ := range []string{"factor.added", "factor.removed", "approval.granted", "pin.changed", "signin.succeeded"} {
			if !strings.Contains(string(ev.raw), `"`+typ+`"`) {
				t.Errorf("no %s event in %s", typ, ev.raw)
			}
		}
	})
}

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPaymentApproval(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		h := e.newHolder("ICBC", "13800138003", "3000.00")
		h.enroll()
		payee := e.wallet(h.opKey, "")
		pay := func(amount string, hdr ...string) *resp {
			return e.req("POST", "/v1/transfers", h.access, map[string]any{"from": h.wallets[0], "to": payee, "amount": amount, "currency": "CNY"}, hdr...)
		}
		// Low-value payments pass without approval: at most 200.00 each,
		// 1,000.00 and 5 payments since the last approval.
		for range 4 {
			e.must(pay("200.00"), 201)
		}
		a := h.scaRequired(pay("200.01"))
		if a["amount"] != "200.01" || a["to"] != payee || a["currency"] != "CNY" || fmt.Sprint(a["methods"]) != "[sms]" {
			t.Fatalf("authorization %v", a)
		}
		e.must(pay("200.00"), 201) // the fifth: 1,000.00 in 5 payments
		h.scaRequired(pay("0.01")) // the sixth needs approval
		id := a["id"].(string)

		e.problem(pay("200.01", "Ingot-Authorization", id), 403, "authorization_pending")
		e.must(e.req("POST", "/v1/authorizations/"+id+"/sms", h.access, nil), 202)
		code, text := h.lastSMS()
		if !strings.Contains(text, "CNY 200.01") || !strings.Contains(text, payee[:4]+" **** **** "+payee[12:]) || strings.Contains(text, payee) {
			t.Fatalf("approval SMS %q does not name the amount and the masked payee", text)
		}
		e.problem(e.req("POST", "/v1/authorizations/"+id+"/verify", h.access, map[string]any{"method": "sms", "code": wrong(code)}), 401, "invalid_code")
		e.must(e.req("POST", "/v1/authorizations/"+id+"/verify", h.access, map[string]any{"method": "sms", "code": code}), 200)
		if g := e.must(e.req("GET", "/v1/authorizations/"+id, h.access, nil), 200); g.str("status") != "approved" || g.str("amount") != "200.01" {
			t.Fatalf("authorization read back: %s", g.raw)
		}
		e.problem(e.req("GET", "/v1/authorizations/"+id, h.opKey, nil), 403, "forbidden")

		// Bound to payer, payee, amount and currency, and used once.
		e.problem(pay("200.02", "Ingot-Authorization", id), 403, "authorization_mismatch")
		e.problem(e.req("POST", "/v1/transfers", h.access, map[string]any{"from": h.wallets[0], "to": e.wallet(h.opKey, ""), "amount": "200.01", "currency": "CNY"},
			"Ingot-Authorization", id), 403, "authorization_mismatch")
		e.must(pay("200.01", "Ingot-Authorization", id), 201)
		e.problem(pay("200.01", "Ingot-Authorization", id), 403, "authorization_used")
		// The approval started the exemption again.
		e.must(pay("100.00"), 201)

		// Concurrent uses of one approval: one payment.
		b := h.scaRequired(pay("300.00"))["id"].(string)
		h.approve(b)
		var wg sync.WaitGroup
		codes := make([]int, 8)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = pay("300.00", "Ingot-Authorization", b).status
			}()
		}
		wg.Wait()
		paid := 0
		for _, c := range codes {
			if c == 201 {
				paid++
			}
		}
		if paid != 1 {
			t.Fatalf("one approval paid %d times: %v", paid, codes)
		}
		// An approval expires after 5 minutes.
		c := h.scaRequired(pay("250.00"))["id"].(string)
		h.approve(c)
		e.clock.advance(5*time.Minute + time.Second)
		h.login()
		h.scaRequired(pay("250.00", "Ingot-Authorization", c))

		// Paying one's own wallets is exempt, whatever the amount.
		_, k2 := e.funded("BOC")
		own := e.must(e.req("POST", "/v1/wallets", k2, map[string]any{"holder": map[string]any{"name": "Li Wei", "phone": h.phone}, "currency": "CNY"}), 201).str("id")
		e.must(e.req("POST", "/v1/transfers", h.access, map[string]any{"from": h.wallets[0], "to": own, "amount": "900.00", "currency": "CNY"}), 201)

		// A passkey approves with a signature over a challenge bound to the payment.
		a2 := webauthntest.New("http://localhost:8080")
		opts := e.must(e.req("POST", "/v1/me/passkeys/options", h.access, nil), 200)
		cred, _ := a2.Create(opts.raw)
		e.must(e.req("POST", "/v1/me/passkeys", h.access, map[string]any{"credential": json.RawMessage(cred)}), 201)
		d := h.scaRequired(pay("400.00"))
		wa, _ := json.Marshal(d["webauthn"])
		// A signature over another challenge does not approve it.
		forged, _ := a2.Sign([]byte("not the payment's challenge at all"))
		e.problem(e.req("POST", "/v1/authorizations/"+d["id"].(string)+"/verify", h.access, map[string]any{"method": "webauthn", "credential": json.RawMessage(forged)}), 401, "invalid_code")
		assertion, err := a2.Get(wa)
		if err != nil {
			t.Fatal(err)
		}
		e.must(e.req("POST", "/v1/authorizations/"+d["id"].(string)+"/verify", h.access, map[string]any{"method": "webauthn", "credential": json.RawMessage(assertion)}), 200)
		e.must(pay("400.00", "Ingot-Authorization", d["id"].(string)), 201)

		// Five wrong codes deny an approval.
		f := h.scaRequired(pay("500.00"))["id"].(string)
		e.must(e.req("POST", "/v1/authorizations/"+f+"/sms", h.access, nil), 202)
		for range 4 {
			e.problem(e.req("POST", "/v1/authorizations/"+f+"/verify", h.access, map[string]any{"method": "sms", "code": "000000"}), 401, "invalid_code")
		}
		e.problem(e.req("POST", "/v1/authorizations/"+f+"/verify", h.access, map[string]any{"method": "sms", "code": "000000"}), 429, "too_many_attempts")
	})
}

func TestAPIKeys(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("ICBC")
		r := e.must(e.req("POST", "/v1/api-keys", key, map[string]any{"name": "read-only reporting", "scopes": []string{"wallets:read"}}, "Idempotency-Key", "k1"), 201)
		secret, id := r.str("api_key"), r.str("id")
		if !strings.HasPrefix(secret, "ingot_live_") || r.str("name") != "read-only reporting" {
			t.Fatalf("key answer %s", r.raw)
		}
		again := e.must(e.req("POST", "/v1/api-keys", key, map[string]any{"name": "read-only reporting", "scopes": []string{"wallets:read"}}, "Idempotency-Key", "k1"), 201)
		if again.str("id") != id || again.str("api_key") != "" || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay %s", again.raw)
		}
		w := e.wallet(key, "")
		e.must(e.req("GET", "/v1/wallets/"+w, secret, nil), 200)
		e.problem(e.req("POST", "/v1/wallets/"+w+"/freeze", secret, nil), 403, "insufficient_scope")
		e.problem(e.req("POST", "/v1/api-keys", secret, map[string]any{"name": "x", "scopes": []string{"wallets:read"}}), 403, "insufficient_scope")
		e.problem(e.req("POST", "/v1/api-keys", key, map[string]any{"name": "x", "scopes": []string{"issuance:write"}}), 422, "invalid_request")
		e.problem(e.req("POST", "/v1/api-keys", key, map[string]any{"name": "x", "scopes": []string{}}), 422, "invalid_request")

		ks := e.must(e.req("GET", "/v1/api-keys", key, nil), 200)
		if len(ks.items()) != 2 || strings.Contains(string(ks.raw), secret) || !strings.Contains(string(ks.raw), `"last_used_at"`) {
			t.Fatalf("key list %s", ks.raw)
		}
		_, other := e.funded("BOC")
		e.problem(e.req("DELETE", "/v1/api-keys/"+id, other, nil), 404, "not_found")
		e.must(e.req("DELETE", "/v1/api-keys/"+id, key, nil), 204)
		// Refused within a second on every process (the cache lives 1 s).
		deadline := time.Now().Add(1500 * time.Millisecond)
		for e.req("GET", "/v1/wallets/"+w, secret, nil).status != 401 {
			if time.Now().After(deadline) {
				t.Fatal("a revoked key still works after 1.5 s")
			}
			time.Sleep(50 * time.Millisecond)
		}
		// An expiring key stops by itself.
		x := e.must(e.req("POST", "/v1/api-keys", key, map[string]any{"name": "temp", "scopes": []string{"wallets:read"},
			"expires_at": e.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)}), 201).str("api_key")
		e.must(e.req("GET", "/v1/wallets/"+w, x, nil), 200)
		e.clock.advance(time.Hour + 2*time.Second)
		e.problem(e.req("GET", "/v1/wallets/"+w, x, nil), 401, "unauthorized")

		ev := e.must(e.req("GET", "/v1/security-events", key, nil), 200)
		if !strings.Contains(string(ev.raw), `"api_key.created"`) || !strings.Contains(string(ev.raw), `"api_key.revoked"`) {
			t.Fatalf("key events: %s", ev.raw)
		}
		// Paging with a cursor.
		p := e.must(e.req("GET", "/v1/security-events?limit=1", key, nil), 200)
		next, _ := p.body["next_cursor"].(string)
		if len(p.items()) != 1 || next == "" {
			t.Fatalf("page: %s", p.raw)
		}
		p2 := e.must(e.req("GET", "/v1/security-events?limit=1&cursor="+next, key, nil), 200)
		if len(p2.items()) != 1 || p2.items()[0].(map[string]any)["id"] == p.items()[0].(map[string]any)["id"] {
			t.Fatalf("second page: %s", p2.raw)
		}
	})
}

// TestHolderBank: a holder tops up from its linked bank account without
// approval, and withdraws to it with one, bound to that bank account.
func TestHolderBank(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		h := e.newHolder("ICBC", "13800138004", "100.00")
		h.enroll()
		w := h.wallets[0]
		e.must(e.req("POST", "/v1/sandbox/bank/accounts", h.opKey, map[string]any{"bank_code": "ICBC", "account_number": "6222021234560004",
			"holder_name": "Li Wei", "currency": "CNY", "balance": "5000.00"}), 201)
		ba := e.must(e.req("POST", "/v1/wallets/"+w+"/bank-accounts", h.opKey, map[string]any{"bank_code": "ICBC", "account_number": "6222021234560004",
			"holder_name": "Li Wei"}), 201).str("id")
		// Linking is the operator's act.
		e.problem(e.req("POST", "/v1/wallets/"+w+"/bank-accounts", h.access, map[string]any{"bank_code": "ICBC", "account_number": "6222021234560005",
			"holder_name": "Li Wei"}), 403, "forbidden")
		if l := e.must(e.req("GET", "/v1/wallets/"+w+"/bank-accounts", h.access, nil), 200); len(l.items()) != 1 {
			t.Fatalf("holder's bank accounts: %s", l.raw)
		}
		op := e.must(e.req("POST", "/v1/wallets/"+w+"/topups", h.access, map[string]any{"amount": "1000.00", "bank_account_id": ba}), 201)
		if op.str("status") != "completed" {
			t.Fatalf("top-up: %s", op.raw)
		}
		e.must(e.req("GET", "/v1/bank-operations/"+op.str("id"), h.access, nil), 200)
		if got := e.balance(h.opKey, w); got != "1100.00" {
			t.Fatalf("balance %s after the top-up", got)
		}
		a := h.scaRequired(e.req("POST", "/v1/wallets/"+w+"/withdrawals", h.access, map[string]any{"amount": "600.00", "bank_account_id": ba}))
		if a["to"] != "bank:"+ba || a["amount"] != "600.00" {
			t.Fatalf("withdrawal's authorization: %v", a)
		}
		h.approve(a["id"].(string))
		out := e.must(e.req("POST", "/v1/wallets/"+w+"/withdrawals", h.access, map[string]any{"amount": "600.00", "bank_account_id": ba},
			"Ingot-Authorization", a["id"].(string)), 201)
		if out.str("status") != "completed" || e.balance(h.opKey, w) != "500.00" {
			t.Fatalf("withdrawal: %s", out.raw)
		}
	})
}
