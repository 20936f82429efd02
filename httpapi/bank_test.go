package httpapi_test

import (
	"strings"
	"testing"
	"time"
)

// TestBankHTTP: the sandbox bank, linking, top-up and withdrawal through
// it, a refusal, a timeout completed by the processor, the waterfall, and
// unlinking, over HTTP on both stores.
func TestBankHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("BANKH")
		_, other := e.funded("BANKO")
		w := e.wallet(key, "")
		payer := e.wallet(key, "2000.00")

		// The sandbox bank: an account with 1,000.00.
		r := e.must(e.req("POST", "/v1/sandbox/bank/accounts", key, map[string]any{"bank_code": "ICBC", "account_number": "6222021234566789",
			"holder_name": "Zhang San", "currency": "CNY", "balance": "1000.00"}), 201)
		if r.str("balance") != "1000.00" || r.str("account_number") != "****6789" {
			t.Fatalf("sandbox account: %s", r.raw)
		}
		e.problem(e.req("POST", "/v1/sandbox/bank/accounts", key, map[string]any{"bank_code": "ICBC", "account_number": "6222021234566789",
			"holder_name": "Zhang San", "currency": "CNY", "balance": "1.00"}), 409, "conflict")
		bankBal := func() string {
			return e.must(e.req("GET", "/v1/sandbox/bank/accounts/ICBC/6222021234566789", key, nil), 200).str("balance")
		}

		// Linking verifies the holder's name.
		e.problem(e.req("POST", "/v1/wallets/"+w+"/bank-accounts", key, map[string]any{"bank_code": "ICBC", "account_number": "6222021234566789", "holder_name": "Li Si"}), 422, "invalid_request")
		r = e.must(e.req("POST", "/v1/wallets/"+w+"/bank-accounts", key, map[string]any{"bank_code": "ICBC", "account_number": "6222 0212 3456 6789", "holder_name": "Zhang San"},
			"Idempotency-Key", "link-1"), 201)
		ba := r.str("id")
		if ba == "" || r.str("account_number") != "****6789" || strings.Contains(string(r.raw), "Zhang San") || strings.Contains(string(r.raw), "62220212") {
			t.Fatalf("linked: %s", r.raw)
		}
		rr := e.must(e.req("POST", "/v1/wallets/"+w+"/bank-accounts", key, map[string]any{"bank_code": "ICBC", "account_number": "6222 0212 3456 6789", "holder_name": "Zhang San"},
			"Idempotency-Key", "link-1"), 201)
		if rr.header.Get("Idempotent-Replayed") != "true" || rr.str("id") != ba {
			t.Fatalf("link replay: %s", rr.raw)
		}
		if items := e.must(e.req("GET", "/v1/wallets/"+w+"/bank-accounts", key, nil), 200).items(); len(items) != 1 {
			t.Fatalf("%d linked accounts", len(items))
		}
		e.problem(e.req("GET", "/v1/wallets/"+w+"/bank-accounts", other, nil), 404, "not_found")

		// Top-up from the bank: an operation, completed.
		r = e.must(e.req("POST", "/v1/wallets/"+w+"/topups", key, map[string]any{"amount": "300.00", "bank_account_id": ba}, "Idempotency-Key", "t-1"), 201)
		if r.str("status") != "completed" || r.str("kind") != "topup" || r.str("amount") != "300.00" || r.str("bank_account_id") != ba || r.str("transfer_id") == "" {
			t.Fatalf("bank top-up: %s", r.raw)
		}
		op := r.str("id")
		rr = e.must(e.req("POST", "/v1/wallets/"+w+"/topups", key, map[string]any{"amount": "300.00", "bank_account_id": ba}, "Idempotency-Key", "t-1"), 201)
		if rr.header.Get("Idempotent-Replayed") != "true" || rr.str("id") != op {
			t.Fatalf("top-up replay: %s", rr.raw)
		}
		if e.balance(key, w) != "300.00" || bankBal() != "700.00" {
			t.Fatalf("after the top-up: wallet %s, bank %s", e.balance(key, w), bankBal())
		}
		if g := e.must(e.req("GET", "/v1/bank-operations/"+op, key, nil), 200); g.str("status") != "completed" {
			t.Fatalf("read operation: %s", g.raw)
		}
		e.problem(e.req("GET", "/v1/bank-operations/"+op, other, nil), 404, "not_found")

		// The bank refuses a withdrawal: failed, refunded.
		e.must(e.req("POST", "/v1/sandbox/bank/faults", key, map[string]any{"mode": "fail", "count": 1}), 200)
		r = e.must(e.req("POST", "/v1/wallets/"+w+"/withdrawals", key, map[string]any{"amount": "50.00", "bank_account_id": ba}), 201)
		if r.str("status") != "failed" || r.str("refund_transfer_id") == "" || e.balance(key, w) != "300.00" || bankBal() != "700.00" {
			t.Fatalf("refused withdrawal: %s", r.raw)
		}
		// The bank times out: pending, then completed once by the processor.
		e.must(e.req("POST", "/v1/sandbox/bank/faults", key, map[string]any{"mode": "timeout", "count": 1}), 200)
		r = e.must(e.req("POST", "/v1/wallets/"+w+"/withdrawals", key, map[string]any{"amount": "100.00", "bank_account_id": ba}), 201)
		if r.str("status") != "pending" || e.balance(key, w) != "200.00" || bankBal() != "800.00" {
			t.Fatalf("timed-out withdrawal: %s; wallet %s bank %s", r.raw, e.balance(key, w), bankBal())
		}
		time.Sleep(5 * time.Millisecond)
		if _, err := e.svc.ProcessBankOps(t.Context()); err != nil {
			t.Fatal(err)
		}
		if g := e.must(e.req("GET", "/v1/bank-operations/"+r.str("id"), key, nil), 200); g.str("status") != "completed" || e.balance(key, w) != "200.00" || bankBal() != "800.00" {
			t.Fatalf("processed: %s; wallet %s bank %s", g.raw, e.balance(key, w), bankBal())
		}

		// The waterfall: a holding limit of 250.00, 100.00 arrive.
		e.must(e.req("PATCH", "/v1/wallets/"+w, key, map[string]any{"holding_limit": "250.00"}), 200)
		e.must(e.req("POST", "/v1/transfers", key, map[string]any{"from": payer, "to": w, "amount": "100.00", "currency": "CNY"}), 201)
		if e.balance(key, w) != "250.00" {
			t.Fatalf("wallet %s; want 250.00", e.balance(key, w))
		}
		if _, err := e.svc.ProcessBankOps(t.Context()); err != nil {
			t.Fatal(err)
		}
		if bankBal() != "850.00" {
			t.Fatalf("bank %s; want 850.00 (the excess of 50.00 swept)", bankBal())
		}

		// Unlinking: refused at tier 2 for the last account.
		e.must(e.req("POST", "/v1/wallets/"+w+"/upgrade", key, map[string]any{"tier": 2, "id_number": "110101199003071234", "id_verified": true}), 200)
		p := e.req("DELETE", "/v1/wallets/"+w+"/bank-accounts/"+ba, key, nil)
		e.problem(p, 409, "conflict")
		if !strings.Contains(p.str("detail"), "tier 2") {
			t.Fatalf("detail %q", p.str("detail"))
		}
		e.must(e.req("POST", "/v1/wallets/"+w+"/upgrade", key, map[string]any{"tier": 3}), 200)
		e.must(e.req("DELETE", "/v1/wallets/"+w+"/bank-accounts/"+ba, key, nil), 200)
		if items := e.must(e.req("GET", "/v1/wallets/"+w+"/bank-accounts", key, nil), 200).items(); len(items) != 0 {
			t.Fatalf("%d linked accounts after unlinking", len(items))
		}
		// Faults are validated.
		e.problem(e.req("POST", "/v1/sandbox/bank/faults", key, map[string]any{"mode": "explode", "count": 1}), 422, "invalid_request")
		// Plain top-ups stay transfers.
		if r := e.must(e.req("POST", "/v1/wallets/"+payer+"/topups", key, map[string]any{"amount": "1.00"}), 201); r.str("kind") != "topup" || r.str("from") == "" {
			t.Fatalf("plain top-up: %s", r.raw)
		}
	})
}
