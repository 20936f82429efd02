package httpapi_test

import (
	"testing"
	"time"
)

// fxSetup is two issuers on one node: the administrator (CNY) and an HKMA
// (HKD) that admits a funded CNY operator as a dealer, mints it hkd, and
// registers a Hong Kong operator. It answers the keys of the dealer, the
// HKMA and the Hong Kong operator.
func (e *env) fxSetup(dealerCode, hkCode, hkd string) (dealer, hkma, hkOp string) {
	e.t.Helper()
	dealerID, dealer := e.funded(dealerCode)
	hk := e.must(e.req("POST", "/v1/issuers", adminKey, map[string]any{"name": "HKMA", "country": "HK", "currencies": []string{"HKD"}}), 201)
	hkma, hkmaID := hk.str("api_key"), hk.str("id")
	if r := e.req("POST", "/v1/issuers/"+hkmaID+"/operators/"+dealerID, hkma, nil); r.status != 204 {
		e.t.Fatalf("admit: %d %s", r.status, r.raw)
	}
	e.must(e.req("POST", "/v1/issuance/mint", hkma, map[string]any{"operator_id": dealerID, "amount": hkd, "currency": "HKD"}), 201)
	hkOp = e.must(e.req("POST", "/v1/operators", hkma, map[string]any{"name": "Bank of East Asia", "code": hkCode, "country": "HK"}), 201).str("api_key")
	return dealer, hkma, hkOp
}

// TestFXOverHTTP: a dealer admitted to HKD publishes a rate, quotes, and
// settles an exchange from a CNY wallet to an HKD wallet in Hong Kong; a
// replay answers the same exchange, a second use of the quote 409.
func TestFXOverHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		dealer, _, hkOp := e.fxSetup("FXD", "FXHK", "1000.00")

		rate := map[string]any{"base": "CNY", "quote": "HKD", "bid": "1.0850", "ask": "1.0900", "max_amount": "5000.00", "valid_until": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}
		if r := e.must(e.req("PUT", "/v1/fx/rates", dealer, rate), 200); r.str("bid") != "1.0850" || r.str("max_amount") != "5000.00" {
			t.Fatalf("rate: %s", r.raw)
		}
		e.problem(e.req("PUT", "/v1/fx/rates", hkOp, rate), 403, "operator_not_admitted")
		bad := map[string]any{"base": "CNY", "quote": "HKD", "bid": "1.2", "ask": "1.1", "max_amount": "1.00", "valid_until": rate["valid_until"]}
		e.problem(e.req("PUT", "/v1/fx/rates", dealer, bad), 422, "invalid_request")
		if l := e.must(e.req("GET", "/v1/fx/rates", hkOp, nil), 200); len(l.items()) != 1 {
			t.Fatalf("rates: %s", l.raw)
		}

		from := e.wallet(dealer, "300.00")
		e.must(e.req("POST", "/v1/wallets/"+from+"/upgrade", dealer, map[string]any{"tier": 3, "id_number": "110101199003071234", "id_verified": true}), 200)
		to := e.must(e.req("POST", "/v1/wallets", hkOp, map[string]any{"holder": map[string]any{"name": "Chan Tai Man", "phone": "+85291234567"}, "currency": "HKD"}), 201).str("id")

		q := e.must(e.req("POST", "/v1/fx/quotes", dealer, map[string]any{"sell_currency": "CNY", "buy_currency": "HKD", "sell_amount": "100.00"}, "Idempotency-Key", "q1"), 201)
		if q.str("buy_amount") != "108.50" || q.str("rate") != "1.0850" || q.str("status") != "open" {
			t.Fatalf("quote: %s", q.raw)
		}
		if again := e.must(e.req("POST", "/v1/fx/quotes", dealer, map[string]any{"sell_currency": "CNY", "buy_currency": "HKD", "sell_amount": "100.00"}, "Idempotency-Key", "q1"), 201); again.str("id") != q.str("id") {
			t.Fatalf("quote replay: %s", again.raw)
		}
		e.problem(e.req("POST", "/v1/fx/quotes", dealer, map[string]any{"sell_currency": "CNY", "buy_currency": "JPY", "sell_amount": "1.00"}), 409, "quote_unavailable")
		e.problem(e.req("POST", "/v1/fx/quotes", dealer, map[string]any{"sell_currency": "CNY", "buy_currency": "HKD", "sell_amount": "1.00", "buy_amount": "1.00"}), 422, "invalid_request")

		body := map[string]any{"quote_id": q.str("id"), "from": from, "to": to}
		ex := e.must(e.req("POST", "/v1/fx/exchanges", dealer, body, "Idempotency-Key", "x1"), 201)
		legs, _ := ex.body["legs"].([]any)
		if len(legs) != 2 || ex.body["cross_border"] != true || ex.str("from") != from || ex.str("to") != to {
			t.Fatalf("exchange: %s", ex.raw)
		}
		if again := e.must(e.req("POST", "/v1/fx/exchanges", dealer, body, "Idempotency-Key", "x1"), 201); again.str("id") != ex.str("id") {
			t.Fatalf("exchange replay: %s", again.raw)
		}
		e.problem(e.req("POST", "/v1/fx/exchanges", dealer, body, "Idempotency-Key", "x2"), 409, "quote_unavailable")
		if e.balance(dealer, from) != "200.00" || e.balance(hkOp, to) != "108.50" {
			t.Fatalf("balances %s %s", e.balance(dealer, from), e.balance(hkOp, to))
		}
		if got := e.must(e.req("GET", "/v1/fx/exchanges/"+ex.str("id"), dealer, nil), 200); got.str("id") != ex.str("id") {
			t.Fatalf("get exchange: %s", got.raw)
		}
		e.problem(e.req("GET", "/v1/fx/exchanges/"+ex.str("id"), hkOp, nil), 404, "not_found")
	})
}

// TestHolderExchangeOverHTTP: a signed-in holder asks for a quote and
// converts between its own wallets without an approval; an exchange to
// someone else above the low-value exemption needs the holder's approval
// bound to the sold amount and the payee, and pays once with it.
func TestHolderExchangeOverHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		dealer, _, hkOp := e.fxSetup("HXD", "HXHK", "10000.00")
		e.must(e.req("PUT", "/v1/fx/rates", dealer, map[string]any{"base": "CNY", "quote": "HKD", "bid": "1.0850", "ask": "1.0900",
			"max_amount": "5000.00", "valid_until": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}), 200)

		h := e.newHolder("HXCN", "13800138001", "1000.00")
		h.enroll()
		from := h.wallets[0]
		e.must(e.req("POST", "/v1/wallets/"+from+"/upgrade", h.opKey, map[string]any{"tier": 3, "id_number": "110101199003071234", "id_verified": true}), 200)
		own := e.must(e.req("POST", "/v1/wallets", hkOp, map[string]any{"holder": map[string]any{"name": "Li Wei", "phone": "+8613800138001"}, "currency": "HKD"}), 201).str("id")
		other := e.must(e.req("POST", "/v1/wallets", hkOp, map[string]any{"holder": map[string]any{"name": "Chan Tai Man", "phone": "+85291234567"}, "currency": "HKD"}), 201).str("id")

		// To its own HKD wallet: no approval.
		q := e.must(e.req("POST", "/v1/fx/quotes", h.access, map[string]any{"sell_currency": "CNY", "buy_currency": "HKD", "sell_amount": "300.00"}), 201)
		ex := e.must(e.req("POST", "/v1/fx/exchanges", h.access, map[string]any{"quote_id": q.str("id"), "from": from, "to": own}, "Idempotency-Key", "hx1"), 201)
		if e.balance(hkOp, own) != "325.50" {
			t.Fatalf("own HKD wallet: %s (%s)", e.balance(hkOp, own), ex.raw)
		}
		e.must(e.req("GET", "/v1/fx/exchanges/"+ex.str("id"), h.access, nil), 200)
		// To someone else: 300.00 is above the low-value exemption (200.00).
		q = e.must(e.req("POST", "/v1/fx/quotes", h.access, map[string]any{"sell_currency": "CNY", "buy_currency": "HKD", "sell_amount": "300.00"}), 201)
		body := map[string]any{"quote_id": q.str("id"), "from": from, "to": other}
		au := h.scaRequired(e.req("POST", "/v1/fx/exchanges", h.access, body, "Idempotency-Key", "hx2"))
		if au["amount"] != "300.00" || au["currency"] != "CNY" || au["to"] != other {
			t.Fatalf("the approval asked: %v", au)
		}
		if e.balance(hkOp, other) != "0.00" {
			t.Fatalf("paid before the approval: %s", e.balance(hkOp, other))
		}
		h.approve(au["id"].(string))
		e.must(e.req("POST", "/v1/fx/exchanges", h.access, body, "Idempotency-Key", "hx3", "Ingot-Authorization", au["id"].(string)), 201)
		if e.balance(hkOp, other) != "325.50" || e.balance(h.opKey, from) != "400.00" {
			t.Fatalf("after the approved exchange: payee %s, payer %s", e.balance(hkOp, other), e.balance(h.opKey, from))
		}
		// The approval is spent.
		q = e.must(e.req("POST", "/v1/fx/quotes", h.access, map[string]any{"sell_currency": "CNY", "buy_currency": "HKD", "sell_amount": "300.00"}), 201)
		e.problem(e.req("POST", "/v1/fx/exchanges", h.access, map[string]any{"quote_id": q.str("id"), "from": from, "to": other},
			"Idempotency-Key", "hx4", "Ingot-Authorization", au["id"].(string)), 403, "authorization_used")
		// A risk rule asking approval of the bought leg: a low-value exchange
		// (exempt from approval by itself) then needs the holder's approval.
		e.must(e.req("POST", "/v1/risk-rules", adminKey, map[string]any{"name": "HKD in", "expression": "currency == 'HKD' && amount >= 10000",
			"action": "approve", "severity": "medium"}), 201)
		q = e.must(e.req("POST", "/v1/fx/quotes", h.access, map[string]any{"sell_currency": "CNY", "buy_currency": "HKD", "sell_amount": "100.00"}), 201)
		body = map[string]any{"quote_id": q.str("id"), "from": from, "to": other}
		au = h.scaRequired(e.req("POST", "/v1/fx/exchanges", h.access, body, "Idempotency-Key", "hx5"))
		h.approve(au["id"].(string))
		e.must(e.req("POST", "/v1/fx/exchanges", h.access, body, "Idempotency-Key", "hx6", "Ingot-Authorization", au["id"].(string)), 201)
		if e.balance(hkOp, other) != "434.00" {
			t.Fatalf("after the exchange the rule asked approval for: payee %s", e.balance(hkOp, other))
		}
		// A holder cannot use an operator's quote, nor exchange from a wallet not its own.
		oq := e.must(e.req("POST", "/v1/fx/quotes", dealer, map[string]any{"sell_currency": "CNY", "buy_currency": "HKD", "sell_amount": "1.00"}), 201)
		e.problem(e.req("POST", "/v1/fx/exchanges", h.access, map[string]any{"quote_id": oq.str("id"), "from": from, "to": own}), 404, "not_found")
	})
}
