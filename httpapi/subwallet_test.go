package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ingot-cbdc/ingot/translog"
	"github.com/ingot-cbdc/ingot/verify"
)

func TestSubWallets(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("SUBA")
		_, other := e.funded("SUBB")
		parent := e.wallet(key, "1000.00")
		shop := e.wallet(key, "")

		// Open: 201, the parent's tier, its own limits, idempotent.
		body := map[string]any{"name": "pocket money", "holding_limit": "200.00", "single_limit": "50.00", "daily_limit": "80.00"}
		r := e.must(e.req("POST", "/v1/wallets/"+parent+"/sub-wallets", key, body, "Idempotency-Key", "sub-1"), 201)
		child := r.str("id")
		lim, _ := r.body["limits"].(map[string]any)
		rem, _ := r.body["remaining"].(map[string]any)
		h, _ := r.body["holder"].(map[string]any)
		if r.str("parent") != parent || r.str("label") != "pocket money" || r.body["tier"] != float64(4) || r.str("kind") != "personal" ||
			lim["balance"] != "10000.00" || lim["holding"] != "200.00" || lim["single"] != "50.00" || lim["daily"] != "80.00" ||
			rem["daily"] != "80.00" || h["phone"] != "+86 138****5678" {
			t.Fatalf("sub-wallet: %s", r.raw)
		}
		rr := e.must(e.req("POST", "/v1/wallets/"+parent+"/sub-wallets", key, body, "Idempotency-Key", "sub-1"), 201)
		if rr.header.Get("Idempotent-Replayed") != "true" || rr.str("id") != child {
			t.Fatalf("replay: %s", rr.raw)
		}
		r = e.must(e.req("GET", "/v1/wallets/"+child, key, nil), 200)
		if lim, _ := r.body["limits"].(map[string]any); lim["single"] != "50.00" || r.str("label") != "pocket money" {
			t.Fatalf("read sub-wallet: %s", r.raw)
		}
		if r := e.must(e.req("GET", "/v1/wallets/"+parent+"/sub-wallets", key, nil), 200); len(r.items()) != 1 {
			t.Fatalf("list: %s", r.raw)
		}
		p := e.req("POST", "/v1/wallets/"+parent+"/sub-wallets", key, map[string]any{"daily_limit": "5000.01"})
		e.problem(p, 422, "limit_exceeded")
		if !strings.Contains(p.str("detail"), "daily limit") {
			t.Fatalf("detail %q", p.str("detail"))
		}
		e.problem(e.req("POST", "/v1/wallets/"+child+"/sub-wallets", key, map[string]any{}), 422, "invalid_request")
		e.problem(e.req("POST", "/v1/wallets/"+parent+"/sub-wallets", other, map[string]any{}), 404, "not_found")
		e.problem(e.req("GET", "/v1/wallets/"+parent+"/sub-wallets", other, nil), 404, "not_found")
		e.problem(e.req("GET", "/v1/wallets/"+child, other, nil), 404, "not_found")

		// Allocations both ways: kind "allocation", not outflow.
		tr := e.must(e.req("POST", "/v1/transfers", key, map[string]any{"from": parent, "to": child, "amount": "200.00", "currency": "CNY"}), 201)
		if tr.str("kind") != "allocation" {
			t.Fatalf("allocation: %s", tr.raw)
		}
		e.problem(e.req("POST", "/v1/transfers", key, map[string]any{"from": parent, "to": child, "amount": "0.01", "currency": "CNY"}), 422, "limit_exceeded")
		e.must(e.req("POST", "/v1/transfers", key, map[string]any{"from": child, "to": parent, "amount": "60.00", "currency": "CNY"}), 201)
		if r := e.must(e.req("GET", "/v1/wallets/"+parent, key, nil), 200); r.body["remaining"].(map[string]any)["daily"] != "5000.00" {
			t.Fatalf("parent after allocations: %s", r.raw)
		}
		// The child's payments count against its own limits.
		e.problem(e.req("POST", "/v1/transfers", key, map[string]any{"from": child, "to": shop, "amount": "50.01", "currency": "CNY"}), 422, "limit_exceeded")
		e.must(e.req("POST", "/v1/transfers", key, map[string]any{"from": child, "to": shop, "amount": "50.00", "currency": "CNY"}), 201)
		e.must(e.req("POST", "/v1/transfers", key, map[string]any{"from": child, "to": shop, "amount": "30.00", "currency": "CNY"}), 201)
		e.problem(e.req("POST", "/v1/transfers", key, map[string]any{"from": child, "to": shop, "amount": "0.01", "currency": "CNY"}), 422, "limit_exceeded")
		if r := e.must(e.req("GET", "/v1/wallets/"+child, key, nil), 200); r.body["remaining"].(map[string]any)["daily"] != "0.00" || r.str("balance") != "60.00" {
			t.Fatalf("child after payments: %s", r.raw)
		}

		// Close: the parent waits for its sub-wallets; the sub-wallet's
		// balance goes back to the parent.
		p = e.req("POST", "/v1/wallets/"+parent+"/close", key, nil)
		e.problem(p, 409, "wallet_not_empty")
		if !strings.Contains(p.str("detail"), child) {
			t.Fatalf("detail %q", p.str("detail"))
		}
		r = e.must(e.req("POST", "/v1/wallets/"+child+"/close", key, nil), 200)
		if r.str("status") != "closed" || r.str("balance") != "0.00" || r.str("parent") != parent {
			t.Fatalf("closed: %s", r.raw)
		}
		if b := e.balance(key, parent); b != "920.00" {
			t.Fatalf("parent balance %s after the close; want 920.00", b)
		}
		hist := e.must(e.req("GET", "/v1/wallets/"+child+"/transactions", key, nil), 200)
		if items := hist.items(); len(items) == 0 || items[0].(map[string]any)["transfer"].(map[string]any)["kind"] != "allocation" ||
			items[0].(map[string]any)["amount"] != "-60.00" {
			t.Fatalf("the close's allocation is not the child's latest transfer: %s", hist.raw)
		}
		e.must(e.req("POST", "/v1/wallets/"+parent+"/withdrawals", key, map[string]any{"amount": "920.00"}), 201)
		e.must(e.req("POST", "/v1/wallets/"+parent+"/close", key, nil), 200)

		// The log and the books still verify.
		if _, err := verify.Database(context.Background(), e.st, e.vkey, translog.DefaultOrigin); err != nil {
			t.Fatalf("verify: %v", err)
		}
	})
}
