package httpapi_test

import (
	"strings"
	"testing"
	"time"
)

// shop opens a merchant wallet with a category code.
func (e *env) shop(key, mcc string) string {
	e.t.Helper()
	w := e.must(e.req("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Wang Wei", "phone": "13912345678", "kind": "business"},
		"currency": "CNY", "kind": "merchant"}), 201).str("id")
	e.must(e.req("PUT", "/v1/wallets/"+w+"/merchant", key, map[string]any{"name": "Shop " + mcc, "city": "Beijing", "country": "CN", "mcc": mcc}), 200)
	return w
}

// TestSpendingRulesHTTP: a child's sub-wallet limited to food merchants,
// 50.00 a day, by the operator, then by the parent's holder with
// approval; who may set, read and remove a rule; the errors.
func TestSpendingRulesHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		h := e.newHolder("SPEND", "13800138020", "500.00")
		h.enroll()
		key, main := h.opKey, h.wallets[0]
		child := e.must(e.req("POST", "/v1/wallets/"+main+"/sub-wallets", key, map[string]any{"name": "pocket money"}), 201).str("id")
		e.must(e.req("POST", "/v1/transfers", key, map[string]any{"from": main, "to": child, "amount": "100.00", "currency": "CNY"}), 201)
		food, casino := e.shop(key, "5411"), e.shop(key, "7995")
		_, other := e.funded("OTHER")
		path := "/v1/wallets/" + child + "/spending-rules"
		pay := func(k, to, amount string, hdr ...string) *resp {
			return e.req("POST", "/v1/transfers", k, map[string]any{"from": child, "to": to, "amount": amount, "currency": "CNY"}, hdr...)
		}

		// Set by the operator: 201 with the rule, idempotent; read back.
		allow := "payee.mcc in ['5411', '5812'] && payer.sent_24h + amount <= 5000"
		r := e.must(e.req("POST", path, key, map[string]any{"allow": allow}, "Idempotency-Key", "sr-1"), 201)
		_, err := time.Parse(time.RFC3339Nano, r.str("created_at"))
		if r.str("wallet") != child || r.str("allow") != allow || r.str("otherwise") != "deny" || r.str("set_by") != "operator" || err != nil ||
			len(r.body) != 5 {
			t.Fatalf("set: %s", r.raw)
		}
		again := e.must(e.req("POST", path, key, map[string]any{"allow": allow}, "Idempotency-Key", "sr-1"), 201)
		if again.header.Get("Idempotent-Replayed") != "true" || string(again.raw) != string(r.raw) {
			t.Fatalf("replay: %s", again.raw)
		}
		e.problem(e.req("POST", path, key, map[string]any{"allow": "true"}, "Idempotency-Key", "sr-1"), 422, "idempotency_conflict")
		if g := e.must(e.req("GET", path, key, nil), 200); string(g.raw) != string(r.raw) {
			t.Fatalf("read: %s; want %s", g.raw, r.raw)
		}

		// Another operator's wallet does not exist; the central bank sets none.
		e.problem(e.req("POST", path, other, map[string]any{"allow": "true"}), 404, "not_found")
		e.problem(e.req("GET", path, other, nil), 404, "not_found")
		e.problem(e.req("DELETE", path, other, nil), 404, "not_found")
		e.problem(e.req("POST", path, adminKey, map[string]any{"allow": "true"}), 403, "forbidden")

		// Bad rules.
		p := e.req("POST", path, key, map[string]any{"allow": "payee.mcc in "})
		e.problem(p, 422, "invalid_rule")
		p = e.req("POST", path, key, map[string]any{"allow": "amount <= 50.00"})
		e.problem(p, 422, "invalid_rule")
		if !strings.Contains(p.str("detail"), "(int, double)") || !strings.Contains(p.str("detail"), "minor units") {
			t.Fatalf("detail %q", p.str("detail"))
		}
		e.problem(e.req("POST", path, key, map[string]any{"allow": "true", "otherwise": "review"}), 422, "invalid_request")
		e.problem(e.req("POST", path, key, map[string]any{"allow": strings.Repeat("x", 2001)}), 422, "invalid_request")

		// Payments: allowed, refused with no money moved, the daily cap.
		e.must(pay(key, food, "20.00"), 201)
		d := e.req("POST", "/v1/transfers", key, map[string]any{"from": child, "to": casino, "amount": "1.00", "currency": "CNY"})
		e.problem(d, 403, "spending_rule_denied")
		if !strings.Contains(d.str("detail"), child) {
			t.Fatalf("detail %q does not name the wallet", d.str("detail"))
		}
		e.problem(pay(key, food, "30.01"), 403, "spending_rule_denied")
		if b := e.balance(key, child); b != "80.00" {
			t.Fatalf("balance %s after refused payments; want 80.00", b)
		}
		e.must(pay(key, food, "30.00"), 201)
		e.must(pay(key, main, "10.00"), 201) // back to the parent: always allowed

		// The holder: not its main wallet's rule, not the operator's rule.
		e.problem(e.req("POST", "/v1/wallets/"+main+"/spending-rules", h.access, map[string]any{"allow": "true"}), 403, "forbidden")
		e.problem(e.req("POST", path, h.access, map[string]any{"allow": "true"}), 403, "forbidden")
		e.problem(e.req("DELETE", path, h.access, nil), 403, "forbidden")
		if g := e.must(e.req("GET", path, h.access, nil), 200); g.str("set_by") != "operator" {
			t.Fatalf("the holder reads: %s", g.raw)
		}

		// The operator removes it: 200 with the rule removed; then none.
		rm := e.must(e.req("DELETE", path, key, nil, "Idempotency-Key", "rm-1"), 200)
		if rm.str("allow") != allow || rm.str("wallet") != child {
			t.Fatalf("remove: %s", rm.raw)
		}
		if again := e.must(e.req("DELETE", path, key, nil, "Idempotency-Key", "rm-1"), 200); again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("remove replay: %s", again.raw)
		}
		e.problem(e.req("DELETE", path, key, nil), 404, "not_found")
		e.problem(e.req("GET", path, key, nil), 404, "not_found")

		// The parent's holder sets the sub-wallet's rule: approve.
		hr := e.must(e.req("POST", path, h.access, map[string]any{"allow": "payee.mcc == '5411'", "otherwise": "approve"}), 201)
		if hr.str("set_by") != "holder" || hr.str("otherwise") != "approve" {
			t.Fatalf("the holder's rule: %s", hr.raw)
		}
		// An operator's back end cannot approve: refused.
		e.problem(pay(key, casino, "2.00"), 403, "spending_rule_denied")
		// The holder's payment it does not allow needs approval, even far
		// below the low-value exemption; approved, it pays.
		e.must(pay(h.access, food, "1.00"), 201)
		a := h.scaRequired(pay(h.access, casino, "2.00"))
		if a["amount"] != "2.00" || a["to"] != casino {
			t.Fatalf("authorization %v", a)
		}
		if b := e.balance(key, child); b != "39.00" {
			t.Fatalf("balance %s before the approval; want 39.00", b)
		}
		h.approve(a["id"].(string))
		e.must(pay(h.access, casino, "2.00", "Ingot-Authorization", a["id"].(string)), 201)
		if b := e.balance(key, child); b != "37.00" {
			t.Fatalf("balance %s after the approved payment; want 37.00", b)
		}
		// The holder removes its own rule.
		e.must(e.req("DELETE", path, h.access, nil), 200)
		e.must(pay(h.access, casino, "1.00"), 201)
	})
}
