package httpapi_test

import (
	"strings"
	"testing"
)

func TestRiskOverHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		opID, key := e.funded("RISKHTTP")
		_ = opID
		from, to := e.wallet(key, "500.00"), e.wallet(key, "")

		// A rule that does not compile: 422 invalid_rule with CEL's message.
		r := e.req("POST", "/v1/risk-rules", key, map[string]any{"name": "bad", "expression": "amount >", "action": "deny", "severity": "low"})
		e.problem(r, 422, "invalid_rule")
		if !strings.Contains(r.str("detail"), "Syntax error") {
			t.Fatalf("detail: %s", r.raw)
		}

		// review: 202 in_review, replayed as such.
		rule := e.must(e.req("POST", "/v1/risk-rules", key, map[string]any{"name": "hold large", "expression": "amount >= 10000",
			"action": "review", "severity": "high"}), 201)
		if rule.str("owner") != opID || rule.body["version"] != float64(1) {
			t.Fatalf("rule: %s", rule.raw)
		}
		pay := map[string]any{"from": from, "to": to, "amount": "150.00", "currency": "CNY"}
		held := e.req("POST", "/v1/transfers", key, pay, "Idempotency-Key", "held-1")
		e.must(held, 202)
		if held.str("status") != "in_review" || held.str("review_id") == "" || !strings.HasPrefix(held.header.Get("Content-Type"), "application/json") {
			t.Fatalf("held: %s %v", held.raw, held.header)
		}
		again := e.must(e.req("POST", "/v1/transfers", key, pay, "Idempotency-Key", "held-1"), 202)
		if again.str("review_id") != held.str("review_id") || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %s %v", again.raw, again.header)
		}
		w := e.must(e.req("GET", "/v1/wallets/"+from, key, nil), 200)
		if w.str("balance") != "500.00" || w.str("held") != "150.00" {
			t.Fatalf("payer while held: %s", w.raw)
		}
		list := e.must(e.req("GET", "/v1/reviews?status=pending", key, nil), 200)
		if len(list.items()) != 1 {
			t.Fatalf("reviews: %s", list.raw)
		}
		rel := e.must(e.req("POST", "/v1/reviews/"+held.str("review_id")+"/release", key, nil), 200)
		if rel.str("status") != "released" || rel.body["transfer"] == nil {
			t.Fatalf("release: %s", rel.raw)
		}
		e.problem(e.req("POST", "/v1/reviews/"+held.str("review_id")+"/refuse", key, nil), 409, "review_closed")
		if b := e.balance(key, to); b != "150.00" {
			t.Fatalf("payee after release: %s", b)
		}

		// A refusal returns the money and is a log leaf: a record of 0.00
		// whose inclusion proof the operator can fetch.
		held2 := e.must(e.req("POST", "/v1/transfers", key, pay, "Idempotency-Key", "held-2"), 202)
		ref := e.must(e.req("POST", "/v1/reviews/"+held2.str("review_id")+"/refuse", key, nil), 200)
		rec, _ := ref.body["transfer"].(map[string]any)
		if ref.str("status") != "refused" || rec == nil || rec["kind"] != "review_refusal" || rec["amount"] != "0.00" ||
			rec["id"] != ref.str("transfer_id") {
			t.Fatalf("refuse: %s", ref.raw)
		}
		e.must(e.req("GET", "/v1/transfers/"+ref.str("transfer_id")+"/proof", key, nil), 200)
		if w := e.must(e.req("GET", "/v1/wallets/"+from, key, nil), 200); w.str("balance") != "350.00" || w.str("held") != "0.00" {
			t.Fatalf("payer after the refusal: %s", w.raw)
		}

		// deny: 403 risk_denied naming the rule to the operator.
		e.must(e.req("PATCH", "/v1/risk-rules/"+rule.str("id"), key, map[string]any{"action": "deny"}), 200)
		d := e.req("POST", "/v1/transfers", key, pay)
		e.problem(d, 403, "risk_denied")
		if !strings.Contains(d.str("detail"), "hold large") {
			t.Fatalf("deny detail: %s", d.raw)
		}

		// Alerts: each review raised one; resolve one once.
		al := e.must(e.req("GET", "/v1/alerts?status=open", key, nil), 200)
		if len(al.items()) != 2 {
			t.Fatalf("alerts: %s", al.raw)
		}
		id := al.items()[0].(map[string]any)["id"].(string)
		e.must(e.req("POST", "/v1/alerts/"+id+"/resolve", key, map[string]any{"resolution": "no_action"}), 200)
		e.problem(e.req("POST", "/v1/alerts/"+id+"/resolve", key, map[string]any{"resolution": "no_action"}), 409, "alert_resolved")

		// A case over it, and the central bank's reveal: 202 pending, then the same key may not approve.
		c := e.must(e.req("POST", "/v1/cases", key, map[string]any{"alert_ids": []string{id}, "note": "check"}), 201)
		rv := e.must(e.req("POST", "/v1/cases/"+c.str("id")+"/reveal", adminKey, map[string]any{"reason": "investigation 7"}), 202)
		if rv.str("status") != "pending" || rv.str("reveal_id") == "" {
			t.Fatalf("reveal: %s", rv.raw)
		}
		e.problem(e.req("POST", "/v1/reveals/"+rv.str("reveal_id")+"/approve", adminKey, nil), 403, "forbidden")

		// The large-value report answers JSON and CSV.
		e.must(e.req("GET", "/v1/reports/large-value", key, nil), 200)
		csv := e.must(e.req("GET", "/v1/reports/large-value?format=csv", key, nil), 200)
		if !strings.HasPrefix(string(csv.raw), "wallet,operator,date") {
			t.Fatalf("csv: %s", csv.raw)
		}
	})
}

func TestScreeningListOverHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("SCREENHTTP")
		csv := "name,id,country,program\nLi Wei,T-1,CN,TEST\n"
		put := func(k, body string) *resp {
			return e.req("PUT", "/v1/screening-list", k, body, "Content-Type", "text/csv")
		}
		e.problem(put(key, csv), 403, "forbidden")
		e.problem(put(adminKey, "id\nx\n"), 422, "invalid_request")
		r := e.must(put(adminKey, csv), 200)
		if r.body["version"] != float64(1) || r.body["entries"] != float64(1) {
			t.Fatalf("put: %s", r.raw)
		}
		e.wallet(key, "") // "Zhang San": no hit
		e.must(e.req("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "WEI Li", "phone": "13812345678"}, "currency": "CNY"}), 201)
		al := e.must(e.req("GET", "/v1/alerts", key, nil), 200)
		if len(al.items()) != 1 || al.items()[0].(map[string]any)["pattern"] != "screening" {
			t.Fatalf("alerts: %s", al.raw)
		}
		st := e.must(e.req("GET", "/v1/screening-list", adminKey, nil), 200)
		if st.body["version"] != float64(1) {
			t.Fatalf("status: %s", st.raw)
		}
	})
}

func TestControllableAnonymity(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("ANON1")
		_, key2 := e.funded("ANON2")
		w := e.must(e.req("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Wang Fang", "phone": "13987654321"},
			"currency": "CNY"}), 201).str("id")
		e.must(e.req("POST", "/v1/wallets/"+w+"/upgrade", key, map[string]any{"tier": 3, "id_number": "110101199003071234", "id_verified": true}), 200)
		e.must(e.req("POST", "/v1/wallets/"+w+"/topups", key, map[string]any{"amount": "50.00"}), 201)
		other := e.wallet(key2, "")
		tr := e.must(e.req("POST", "/v1/transfers", key, map[string]any{"from": w, "to": other, "amount": "5.00", "currency": "CNY", "memo": "rent for Wang Fang"}), 201)

		// The central bank reads any wallet and transfer, pseudonymously.
		cb := e.must(e.req("GET", "/v1/wallets/"+w, adminKey, nil), 200)
		for _, secret := range []string{"Wang", "Fang", "W** F***", "13987654321", "4321", "110101"} {
			if strings.Contains(string(cb.raw), secret) {
				t.Fatalf("the central bank's view shows %q: %s", secret, cb.raw)
			}
		}
		if cb.body["tier"] == nil || cb.str("id") != w {
			t.Fatalf("the central bank's view: %s", cb.raw)
		}
		ct := e.must(e.req("GET", "/v1/transfers/"+tr.str("id"), adminKey, nil), 200)
		if strings.Contains(string(ct.raw), "Wang") || ct.str("amount") != "5.00" {
			t.Fatalf("the central bank's transfer view: %s", ct.raw)
		}
		// Operators still see only their own.
		e.problem(e.req("GET", "/v1/wallets/"+w, key2, nil), 404, "not_found")
		// The operator: masked by default, in clear with reveal=true and the scope.
		masked := e.must(e.req("GET", "/v1/wallets/"+w, key, nil), 200)
		if strings.Contains(string(masked.raw), "Wang Fang") {
			t.Fatalf("masked view: %s", masked.raw)
		}
		clear := e.must(e.req("GET", "/v1/wallets/"+w+"?reveal=true", key, nil), 200)
		if h := clear.body["holder"].(map[string]any); h["name"] != "Wang Fang" || h["id_number"] != "110101199003071234" {
			t.Fatalf("revealed: %s", clear.raw)
		}
		narrow := e.must(e.req("POST", "/v1/api-keys", key, map[string]any{"name": "reader", "scopes": []string{"wallets:read"}}), 201).str("api_key")
		e.problem(e.req("GET", "/v1/wallets/"+w+"?reveal=true", narrow, nil), 403, "insufficient_scope")
		e.problem(e.req("GET", "/v1/wallets/"+w+"?reveal=true", adminKey, nil), 403, "forbidden")
		// The reveal is a security event, without the identity.
		ev := e.must(e.req("GET", "/v1/security-events", key, nil), 200)
		if !strings.Contains(string(ev.raw), "pii.revealed") || strings.Contains(string(ev.raw), "Wang") {
			t.Fatalf("security events: %s", ev.raw)
		}
	})
}

func TestBatchItemHeldForReview(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("BATCHREVIEW")
		from, to := e.wallet(key, "500.00"), e.wallet(key, "")
		e.must(e.req("POST", "/v1/risk-rules", key, map[string]any{"name": "hold large", "expression": "amount >= 10000", "action": "review", "severity": "low"}), 201)
		r := e.must(e.req("POST", "/v1/transfers/batch", key, map[string]any{"transfers": []map[string]any{
			{"from": from, "to": to, "amount": "1.00", "currency": "CNY"},
			{"from": from, "to": to, "amount": "150.00", "currency": "CNY"},
		}}), 200)
		res := r.body["results"].([]any)
		held := res[1].(map[string]any)
		if res[0].(map[string]any)["id"] == nil || held["status"] != "in_review" || held["review_id"] == nil || held["hold_id"] == nil {
			t.Fatalf("batch: %s", r.raw)
		}
	})
}
