package httpapi_test

import (
	"testing"
	"time"
)

func TestVouchersOverHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("VOUCHHTTP")
		alice := e.wallet(key, "10.00")
		shop := e.merchantWallet(key) // mcc 5812
		body := map[string]any{"program": "lunch-2026", "wallets": []string{alice}, "amount": "30.00", "currency": "CNY",
			"eligible": map[string]any{"mcc": []string{"5812"}}, "expires_at": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}

		bad := map[string]any{"program": "x y", "wallets": []string{alice}, "amount": "1.00", "currency": "CNY", "expires_at": body["expires_at"]}
		e.problem(e.req("POST", "/v1/vouchers", adminKey, bad), 422, "invalid_request")
		f := e.must(e.req("POST", "/v1/vouchers", adminKey, body, "Idempotency-Key", "v-1"), 201)
		items, _ := f.body["items"].([]any)
		if f.str("program") != "lunch-2026" || len(items) != 1 {
			t.Fatalf("funded: %s", f.raw)
		}
		again := e.must(e.req("POST", "/v1/vouchers", adminKey, body, "Idempotency-Key", "v-1"), 201)
		if again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %s", again.raw)
		}
		other := map[string]any{}
		for k, v := range body {
			other[k] = v
		}
		other["eligible"] = map[string]any{"mcc": []string{"5411"}}
		e.problem(e.req("POST", "/v1/vouchers", adminKey, other), 409, "voucher_program_conflict")

		w := e.must(e.req("GET", "/v1/wallets/"+alice, key, nil), 200)
		em, _ := w.body["earmarked"].([]any)
		if w.str("balance") != "10.00" || len(em) != 1 || em[0].(map[string]any)["amount"] != "30.00" {
			t.Fatalf("wallet: %s", w.raw)
		}
		sup := e.must(e.req("GET", "/v1/issuance/supply?currency=CNY", adminKey, nil), 200)
		if sup.str("earmarked") != "30.00" {
			t.Fatalf("supply: %s", sup.raw)
		}

		// 35.00 at the eligible merchant: 30.00 earmarked, 5.00 free.
		e.must(e.req("POST", "/v1/transfers", key, map[string]any{"from": alice, "to": shop, "amount": "35.00", "currency": "CNY"}), 201)
		if b := e.balance(key, alice); b != "5.00" {
			t.Fatalf("balance after paying: %s", b)
		}
		p := e.must(e.req("GET", "/v1/vouchers/lunch-2026", adminKey, nil), 200)
		if p.str("issued") != "30.00" || p.str("spent") != "30.00" || p.str("outstanding") != "0.00" || p.str("returned") != "0.00" {
			t.Fatalf("program: %s", p.raw)
		}
		// The program is the central bank's: an operator does not see it.
		e.problem(e.req("GET", "/v1/vouchers/lunch-2026", key, nil), 404, "not_found")
		// An operator funds only from its reserve, for its own wallets.
		_, stranger := e.funded("VOUCHOTHER")
		e.problem(e.req("POST", "/v1/vouchers", stranger, map[string]any{"program": "gift", "wallets": []string{alice}, "amount": "1.00",
			"currency": "CNY", "expires_at": body["expires_at"]}), 404, "not_found")
	})
}
