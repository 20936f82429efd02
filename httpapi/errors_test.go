package httpapi_test

import (
	"strings"
	"testing"
)

func TestBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("ICBC")
		a := e.wallet(key, "100.00")
		b := e.wallet(key, "")
		pay := func(amount, currency string) string {
			return `{"from":"` + a + `","to":"` + b + `","amount":"` + amount + `","currency":"` + currency + `"}`
		}
		bad := a[:15] + string('0'+(a[15]-'0'+1)%10) // wrong check digit
		unknown := "4111111111111111"                // valid Luhn, no such wallet
		cases := []struct {
			name, method, path, key string
			body                    any
			status                  int
			code                    string
			hdr                     []string
		}{
			{"bad json", "POST", "/v1/transfers", key, `{"from":`, 400, "malformed_request", nil},
			{"not an object", "POST", "/v1/transfers", key, `[1,2]`, 422, "invalid_request", nil},
			{"unknown field", "POST", "/v1/transfers", key, `{"from":"` + a + `","to":"` + b + `","amount":"1.00","currency":"CNY","extra":1}`, 422, "invalid_request", nil},
			{"missing field", "POST", "/v1/transfers", key, `{"from":"` + a + `","to":"` + b + `","currency":"CNY"}`, 422, "invalid_request", nil},
			{"number amount", "POST", "/v1/transfers", key, `{"from":"` + a + `","to":"` + b + `","amount":1.5,"currency":"CNY"}`, 422, "invalid_request", nil},
			{"empty body", "POST", "/v1/transfers", key, nil, 400, "malformed_request", nil},
			{"negative", "POST", "/v1/transfers", key, pay("-1.00", "CNY"), 422, "invalid_amount", nil},
			{"zero", "POST", "/v1/transfers", key, pay("0.00", "CNY"), 422, "invalid_amount", nil},
			{"over-precise", "POST", "/v1/transfers", key, pay("1.001", "CNY"), 422, "invalid_amount", nil},
			{"huge", "POST", "/v1/transfers", key, pay("99999999999999999999", "CNY"), 422, "invalid_amount", nil},
			{"exponent", "POST", "/v1/transfers", key, pay("1e3", "CNY"), 422, "invalid_amount", nil},
			{"unknown currency", "POST", "/v1/transfers", key, pay("1.00", "XXX"), 422, "invalid_currency", nil},
			{"wrong currency", "POST", "/v1/transfers", key, pay("1.00", "EUR"), 422, "currency_mismatch", nil},
			{"insufficient", "POST", "/v1/transfers", key, pay("100.01", "CNY"), 422, "insufficient_funds", nil},
			{"bad wallet id", "GET", "/v1/wallets/" + bad, key, nil, 422, "invalid_wallet_id", nil},
			{"short wallet id", "GET", "/v1/wallets/123", key, nil, 422, "invalid_wallet_id", nil},
			{"unknown wallet", "GET", "/v1/wallets/" + unknown, key, nil, 404, "not_found", nil},
			{"pay to bad id", "POST", "/v1/transfers", key, `{"from":"` + a + `","to":"` + bad + `","amount":"1.00","currency":"CNY"}`, 422, "invalid_wallet_id", nil},
			{"pay to unknown", "POST", "/v1/transfers", key, `{"from":"` + a + `","to":"` + unknown + `","amount":"1.00","currency":"CNY"}`, 404, "not_found", nil},
			{"topup bad amount", "POST", "/v1/wallets/" + a + "/topups", key, `{"amount":"abc"}`, 422, "invalid_amount", nil},
			{"oversized body", "POST", "/v1/transfers", key, `{"memo":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "body_too_large", nil},
			{"missing key", "GET", "/v1/wallets", "", nil, 401, "unauthorized", nil},
			{"unknown key", "GET", "/v1/wallets", "ik_nope", nil, 401, "unauthorized", nil},
			{"basic auth", "GET", "/v1/wallets", "", nil, 401, "unauthorized", []string{"Authorization", "Basic eDp5"}},
			{"operator mints", "POST", "/v1/issuance/mint", key, `{"operator_id":"x","amount":"1.00","currency":"CNY"}`, 403, "forbidden", nil},
			{"operator supply", "GET", "/v1/issuance/supply?currency=CNY", key, nil, 403, "forbidden", nil},
			{"operator creates operator", "POST", "/v1/operators", key, `{"name":"x","code":"XX"}`, 403, "forbidden", nil},
			{"bank opens wallet", "POST", "/v1/wallets", adminKey, `{"holder":{"name":"a","phone":"13812345678"},"currency":"CNY"}`, 403, "forbidden", nil},
			{"bad kind", "POST", "/v1/wallets", key, `{"holder":{"name":"a","phone":"13812345678"},"currency":"CNY","kind":"x"}`, 422, "invalid_request", nil},
			{"bad phone", "POST", "/v1/wallets", key, `{"holder":{"name":"a","phone":"call me"},"currency":"CNY"}`, 422, "invalid_request", nil},
			{"bad cursor", "GET", "/v1/wallets?cursor=zzz", key, nil, 400, "invalid_cursor", nil},
			{"bad limit", "GET", "/v1/wallets?limit=-1", key, nil, 422, "invalid_request", nil},
			{"unknown route", "GET", "/v1/nothing", key, nil, 404, "not_found", nil},
			{"wrong method", "DELETE", "/v1/transfers", key, nil, 405, "method_not_allowed", nil},
			{"unknown transfer", "GET", "/v1/transfers/not-a-uuid", key, nil, 404, "not_found", nil},
			{"unknown hold", "GET", "/v1/holds/0190c2a4-0000-7000-8000-000000000000", key, nil, 404, "not_found", nil},
			{"long idempotency key", "POST", "/v1/transfers", key, pay("1.00", "CNY"), 400, "malformed_request", []string{"Idempotency-Key", strings.Repeat("k", 256)}},
			{"non-ascii idempotency key", "POST", "/v1/transfers", key, pay("1.00", "CNY"), 400, "malformed_request", []string{"Idempotency-Key", "k\xc3\xa9"}},
			{"text content type", "POST", "/v1/transfers", key, pay("1.00", "CNY"), 415, "unsupported_media_type", []string{"Content-Type", "text/plain"}},
			{"empty batch", "POST", "/v1/transfers/batch", key, `{"transfers":[]}`, 422, "invalid_request", nil},
		}
		for _, c := range cases {
			r := e.req(c.method, c.path, c.key, c.body, c.hdr...)
			t.Run(c.name, func(t *testing.T) {
				(&env{t: t}).problem(r, c.status, c.code)
			})
		}
		// Nothing moved.
		if got := e.balance(key, a); got != "100.00" {
			t.Fatalf("balance after bad requests %s, want 100.00", got)
		}
		if got := e.balance(key, b); got != "0.00" {
			t.Fatalf("payee balance after bad requests %s, want 0.00", got)
		}
		r := e.req("GET", "/v1/wallets/"+a+"/transactions", key, nil)
		if n := len(r.items()); n != 1 {
			t.Fatalf("%d transactions after bad requests, want 1", n)
		}
	})
}

func TestOperatorsAreIsolated(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, k1 := e.funded("AAA")
		_, k2 := e.funded("BBB")
		w1 := e.wallet(k1, "50.00")
		w2 := e.wallet(k2, "50.00")
		e.problem(e.req("GET", "/v1/wallets/"+w1, k2, nil), 404, "not_found")
		e.problem(e.req("GET", "/v1/wallets/"+w1+"/transactions", k2, nil), 404, "not_found")
		e.problem(e.req("POST", "/v1/wallets/"+w1+"/topups", k2, map[string]any{"amount": "1.00"}), 404, "not_found")
		e.problem(e.req("POST", "/v1/wallets/"+w1+"/freeze", k2, nil), 404, "not_found")
		// B may not spend A's wallet, but may pay into it.
		e.problem(e.req("POST", "/v1/transfers", k2, map[string]any{"from": w1, "to": w2, "amount": "1.00", "currency": "CNY"}), 404, "not_found")
		r := e.must(e.req("POST", "/v1/transfers", k2, map[string]any{"from": w2, "to": w1, "amount": "1.00", "currency": "CNY"}), 201)
		// Both operators see that transfer.
		e.must(e.req("GET", "/v1/transfers/"+r.str("id"), k1, nil), 200)
		e.must(e.req("GET", "/v1/transfers/"+r.str("id"), k2, nil), 200)
		if got := e.balance(k1, w1); got != "51.00" {
			t.Fatalf("balance %s", got)
		}
		r = e.must(e.req("GET", "/v1/wallets", k2, nil), 200)
		if len(r.items()) != 1 || strings.Contains(string(r.raw), w1) {
			t.Fatalf("B lists A's wallets: %s", r.raw)
		}
	})
}

func TestWalletLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("ICBC")
		a := e.wallet(key, "10.00")
		b := e.wallet(key, "10.00")
		r := e.must(e.req("POST", "/v1/wallets/"+a+"/freeze", key, nil), 200)
		if r.str("status") != "frozen" {
			t.Fatalf("freeze: %s", r.raw)
		}
		e.problem(e.req("POST", "/v1/transfers", key, map[string]any{"from": a, "to": b, "amount": "1.00", "currency": "CNY"}), 422, "wallet_frozen")
		e.problem(e.req("POST", "/v1/transfers", key, map[string]any{"from": b, "to": a, "amount": "1.00", "currency": "CNY"}), 422, "wallet_frozen")
		r = e.must(e.req("POST", "/v1/wallets/"+a+"/unfreeze", key, nil), 200)
		if r.str("status") != "active" {
			t.Fatalf("unfreeze: %s", r.raw)
		}
		e.problem(e.req("POST", "/v1/wallets/"+a+"/close", key, nil), 409, "wallet_not_empty")
		e.must(e.req("POST", "/v1/wallets/"+a+"/withdrawals", key, map[string]any{"amount": "10.00"}), 201)
		r = e.must(e.req("POST", "/v1/wallets/"+a+"/close", key, nil), 200)
		if r.str("status") != "closed" || r.str("balance") != "0.00" {
			t.Fatalf("close: %s", r.raw)
		}
		e.problem(e.req("POST", "/v1/wallets/"+a+"/topups", key, map[string]any{"amount": "1.00"}), 422, "wallet_closed")
	})
}

func TestUnauthenticatedEndpoints(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		for path, want := range map[string]string{
			"/healthz":      `"ok"`,
			"/readyz":       `"ready"`,
			"/openapi.json": `"openapi":"3.1.0"`,
			"/docs":         "<html",
		} {
			r := e.must(e.req("GET", path, "", nil), 200)
			if !strings.Contains(string(r.raw), want) {
				t.Fatalf("%s: %.200s", path, r.raw)
			}
		}
		e.req("GET", "/v1/wallets", "", nil) // counted as a 401
		r := e.must(e.req("GET", "/metrics", "", nil), 200)
		if !strings.Contains(string(r.raw), `ingot_http_requests_total{route="GET /v1/wallets",status="401"} 1`) {
			t.Fatalf("metrics lack the request counter:\n%s", r.raw)
		}
		r = e.must(e.req("GET", "/openapi.json", "", nil), 200)
		for _, p := range []string{"/v1/transfers/batch", "/v1/holds/{id}/capture", "/v1/wallets/{id}/transactions", "/v1/issuance/supply", `"additionalProperties":false`, `"code"`} {
			if !strings.Contains(string(r.raw), p) {
				t.Fatalf("openapi.json lacks %s", p)
			}
		}
	})
}
