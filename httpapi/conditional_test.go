package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"
)

func TestConditionalPaymentsOverHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("CONDHTTP")
		_, other := e.funded("CONDOTHER")
		from, to := e.wallet(key, "500.00"), e.wallet(other, "")
		secret := []byte("the preimage")
		sum := sha256.Sum256(secret)
		lock := hex.EncodeToString(sum[:])
		body := map[string]any{"from": from, "to": to, "amount": "120.00", "currency": "CNY", "memo": "deposit",
			"condition":  map[string]any{"all": []any{map[string]any{"hashlock": lock}, map[string]any{"payee_accepts": true}}},
			"expires_at": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}

		// Bad conditions: 422 invalid_condition, nothing held.
		bad := map[string]any{"from": from, "to": to, "amount": "1.00", "currency": "CNY", "condition": map[string]any{"hashlock": "abc"}}
		e.problem(e.req("POST", "/v1/conditional-payments", key, bad), 422, "invalid_condition")
		bad["condition"] = map[string]any{"after": "2026-01-01T00:00:00Z", "payee_accepts": true}
		e.problem(e.req("POST", "/v1/conditional-payments", key, bad), 422, "invalid_condition")

		c := e.must(e.req("POST", "/v1/conditional-payments", key, body, "Idempotency-Key", "cond-1"), 201)
		id := c.str("id")
		if c.str("status") != "pending" || c.str("hold_id") != id || c.body["log_index"] == nil {
			t.Fatalf("created: %s", c.raw)
		}
		again := e.must(e.req("POST", "/v1/conditional-payments", key, body, "Idempotency-Key", "cond-1"), 201)
		if again.str("id") != id || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %s", again.raw)
		}
		if w := e.must(e.req("GET", "/v1/wallets/"+from, key, nil), 200); w.str("held") != "120.00" {
			t.Fatalf("payer while pending: %s", w.raw)
		}
		e.problem(e.req("POST", "/v1/holds/"+id+"/void", key, nil), 403, "forbidden")

		// The payee accepts (a step, a leaf), then the preimage releases.
		acc := e.must(e.req("POST", "/v1/conditional-payments/"+id+"/release", other, nil), 200)
		if acc.str("status") != "pending" || acc.body["met"].(map[string]any)["payee_accepted"] != true {
			t.Fatalf("accepted: %s", acc.raw)
		}
		e.problem(e.req("POST", "/v1/conditional-payments/"+id+"/release", other, nil), 409, "condition_not_met")
		e.problem(e.req("POST", "/v1/conditional-payments/"+id+"/release", other, map[string]any{"preimage": "00ff"}), 422, "invalid_preimage")
		e.problem(e.req("POST", "/v1/conditional-payments/"+id+"/cancel", key, nil), 403, "forbidden")
		rel := e.must(e.req("POST", "/v1/conditional-payments/"+id+"/release", key, map[string]any{"preimage": hex.EncodeToString(secret)}), 200)
		if rel.str("status") != "released" || rel.body["log_index"] == nil || rel.str("transfer_id") == "" {
			t.Fatalf("released: %s", rel.raw)
		}
		e.problem(e.req("POST", "/v1/conditional-payments/"+id+"/cancel", other, nil), 409, "conditional_payment_closed")
		if b := e.balance(other, to); b != "120.00" {
			t.Fatalf("payee: %s", b)
		}
		got := e.must(e.req("GET", "/v1/conditional-payments/"+id, other, nil), 200)
		if h, _ := got.body["history"].([]any); len(h) != 4 { // created, accepted, unlocked, released
			t.Fatalf("history: %s", got.raw)
		}
		e.must(e.req("GET", "/v1/transfers/"+rel.str("transfer_id")+"/proof", key, nil), 200)
		list := e.must(e.req("GET", "/v1/conditional-payments?status=released", key, nil), 200)
		if len(list.items()) != 1 {
			t.Fatalf("list: %s", list.raw)
		}
		cb := e.must(e.req("GET", "/v1/conditional-payments/"+id, adminKey, nil), 200)
		if cb.str("memo") != "" {
			t.Fatalf("the central bank sees the memo: %s", cb.raw)
		}
		_, stranger := e.funded("CONDSTRANGER")
		e.problem(e.req("GET", "/v1/conditional-payments/"+id, stranger, nil), 404, "not_found")
	})
}

// TestConditionalPaymentByHolder: a holder's conditional payment needs the
// holder's approval of its payee and amount, once, when it is made.
func TestConditionalPaymentByHolder(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		h := e.newHolder("CONDHOLDER", "13800138077", "3000.00")
		h.enroll()
		payee := e.wallet(h.opKey, "")
		body := map[string]any{"from": h.wallets[0], "to": payee, "amount": "800.00", "currency": "CNY",
			"condition": map[string]any{"payee_accepts": true}}
		a := h.scaRequired(e.req("POST", "/v1/conditional-payments", h.access, body))
		if a["amount"] != "800.00" || a["to"] != payee {
			t.Fatalf("authorization %v", a)
		}
		h.approve(a["id"].(string))
		c := e.must(e.req("POST", "/v1/conditional-payments", h.access, body, "Ingot-Authorization", a["id"].(string)), 201)
		// The payee's operator accepts on the payee's behalf: paid.
		rel := e.must(e.req("POST", "/v1/conditional-payments/"+c.str("id")+"/release", h.opKey, nil), 200)
		if rel.str("status") != "released" {
			t.Fatalf("released: %s", rel.raw)
		}
		list := e.must(e.req("GET", "/v1/conditional-payments?wallet="+h.wallets[0], h.access, nil), 200)
		if len(list.items()) != 1 {
			t.Fatalf("the holder's list: %s", list.raw)
		}
	})
}
