package httpapi_test

import (
	"strings"
	"testing"
)

func TestKYC(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("KYCA")
		_, other := e.funded("KYCB")
		w := e.wallet(key, "100.00")
		to := e.wallet(other, "")

		// A new wallet: tier 4, its limits and what is left.
		r := e.must(e.req("GET", "/v1/wallets/"+w, key, nil), 200)
		lim, _ := r.body["limits"].(map[string]any)
		rem, _ := r.body["remaining"].(map[string]any)
		if r.body["tier"] != float64(4) || lim["balance"] != "10000.00" || lim["single"] != "2000.00" || lim["daily"] != "5000.00" ||
			lim["yearly"] != "50000.00" || lim["holding"] != nil || rem["daily"] != "5000.00" || rem["yearly"] != "50000.00" {
			t.Fatalf("new wallet: %s", r.raw)
		}
		e.must(e.req("POST", "/v1/transfers", key, map[string]any{"from": w, "to": to, "amount": "30.00", "currency": "CNY"}), 201)
		r = e.must(e.req("GET", "/v1/wallets/"+w, key, nil), 200)
		if rem, _ := r.body["remaining"].(map[string]any); rem["daily"] != "4970.00" {
			t.Fatalf("remaining after a payment: %s", r.raw)
		}
		// Limits are refused with a problem naming the limit.
		p := e.req("POST", "/v1/wallets/"+w+"/topups", key, map[string]any{"amount": "9930.01"})
		e.problem(p, 422, "limit_exceeded")
		if !strings.Contains(p.str("detail"), "balance limit") {
			t.Fatalf("detail %q", p.str("detail"))
		}

		// Upgrade: what is missing is listed; then granted.
		p = e.req("POST", "/v1/wallets/"+w+"/upgrade", key, map[string]any{"tier": 2})
		e.problem(p, 422, "tier_requirements_unmet")
		if d := p.str("detail"); !strings.Contains(d, "identity document") || !strings.Contains(d, "bank account") {
			t.Fatalf("missing evidence: %q", d)
		}
		r = e.must(e.req("POST", "/v1/wallets/"+w+"/upgrade", key, map[string]any{"tier": 3, "id_number": "110101199003071234", "id_verified": true},
			"Idempotency-Key", "up-1"), 200)
		h, _ := r.body["holder"].(map[string]any)
		if r.body["tier"] != float64(3) || h["id_number"] != "110***********1234" {
			t.Fatalf("upgraded: %s", r.raw)
		}
		rr := e.must(e.req("POST", "/v1/wallets/"+w+"/upgrade", key, map[string]any{"tier": 3, "id_number": "110101199003071234", "id_verified": true},
			"Idempotency-Key", "up-1"), 200)
		if rr.header.Get("Idempotent-Replayed") != "true" || string(rr.raw) != string(r.raw) {
			t.Fatalf("replay: %s", rr.raw)
		}
		e.problem(e.req("POST", "/v1/wallets/"+w+"/upgrade", other, map[string]any{"tier": 4}), 404, "not_found")
		e.problem(e.req("POST", "/v1/wallets/"+w+"/upgrade", key, map[string]any{"tier": 0}), 422, "invalid_request")

		// The holder's settings.
		r = e.must(e.req("PATCH", "/v1/wallets/"+w, key, map[string]any{"holding_limit": "500.00", "reverse_waterfall": true}), 200)
		if lim, _ := r.body["limits"].(map[string]any); lim["holding"] != "500.00" || r.body["reverse_waterfall"] != true {
			t.Fatalf("settings: %s", r.raw)
		}
		e.problem(e.req("POST", "/v1/wallets/"+w+"/topups", key, map[string]any{"amount": "430.01"}), 422, "limit_exceeded")
		e.problem(e.req("PATCH", "/v1/wallets/"+w, key, map[string]any{"holding_limit": "-1"}), 422, "invalid_amount")
		e.problem(e.req("PATCH", "/v1/wallets/"+w, key, map[string]any{}), 422, "invalid_request")

		// Limit rules: an operator's own within the central bank's.
		r = e.must(e.req("GET", "/v1/limits?currency=CNY", key, nil), 200)
		if len(r.items()) != 8 {
			t.Fatalf("limits: %s", r.raw)
		}
		r = e.must(e.req("PUT", "/v1/limits", key, map[string]any{"currency": "CNY", "wallet_kind": "personal", "tier": 4,
			"balance": "5000.00", "single": "100.00", "daily": "200.00", "yearly": "1000.00"}), 200)
		if r.str("single") != "100.00" {
			t.Fatalf("set limits: %s", r.raw)
		}
		e.problem(e.req("PUT", "/v1/limits", key, map[string]any{"currency": "CNY", "wallet_kind": "personal", "tier": 4,
			"balance": "5000.00", "single": "3000.00", "daily": "200.00", "yearly": "1000.00"}), 422, "limit_exceeded")
		w4 := e.wallet(key, "300.00")
		e.problem(e.req("POST", "/v1/transfers", key, map[string]any{"from": w4, "to": to, "amount": "100.01", "currency": "CNY"}), 422, "limit_exceeded")
		e.problem(e.req("PUT", "/v1/limits", key, map[string]any{"currency": "CNY", "wallet_kind": "personal", "tier": 9}), 422, "invalid_request")

		// A business holder.
		r = e.must(e.req("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Example Trading Co", "phone": "+86 10 6512 3456", "kind": "business"},
			"currency": "CNY", "kind": "merchant"}), 201)
		if h, _ := r.body["holder"].(map[string]any); h["kind"] != "business" || h["name"] != "E****** T****** C*" || r.body["kind"] != "merchant" {
			t.Fatalf("business holder: %s", r.raw)
		}
		e.problem(e.req("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "X", "phone": "13812345678", "kind": "robot"}, "currency": "CNY"}), 422, "invalid_request")

		// Find wallets by phone, in any spelling.
		r = e.must(e.req("GET", "/v1/wallets?phone=%2B86%20138-1234-5678", key, nil), 200)
		if len(r.items()) != 2 {
			t.Fatalf("by phone: %s", r.raw)
		}
		if r := e.must(e.req("GET", "/v1/wallets?phone=13912345678", key, nil), 200); len(r.items()) != 0 {
			t.Fatalf("by another phone: %s", r.raw)
		}
		e.problem(e.req("GET", "/v1/wallets?phone=12", key, nil), 422, "invalid_request")
	})
}
