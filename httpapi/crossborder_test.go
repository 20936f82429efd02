package httpapi_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/iso20022"
)

// TestCrossBorderRulesOverHTTP: a currency's issuer sets its cross-border
// rules; a cross-border transfer without a purpose code, or past the
// corridor's daily limit, is a problem+json with its code, and a pacs.008
// transaction is rejected in the pacs.002 with the matching reason.
func TestCrossBorderRulesOverHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, cn := e.funded("XBHC")
		hk := e.must(e.req("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank of Hong Kong", "code": "XBHH", "country": "HK"}), 201).str("api_key")
		from, to := e.wallet(cn, "500.00"), e.wallet(hk, "")

		d := e.must(e.req("GET", "/v1/cross-border/rules?currency=CNY", hk, nil), 200)
		if tiers, _ := d.body["blocked_tiers"].([]any); len(tiers) != 1 || tiers[0] != float64(4) || d.body["purpose_required"] != false || d.body["updated_at"] != nil {
			t.Fatalf("defaults: %s", d.raw)
		}
		e.problem(e.req("POST", "/v1/transfers", cn, map[string]any{"from": from, "to": to, "amount": "1.00", "currency": "CNY", "purpose": "GDDS"}), 403, "cross_border_not_allowed")

		rules := map[string]any{"currency": "CNY", "blocked_tiers": []int{}, "purpose_required": true,
			"corridors": []map[string]any{{"from": "CN", "to": "HK", "daily_limit": "100.00"}}}
		e.problem(e.req("PUT", "/v1/cross-border/rules", cn, rules), 403, "forbidden")
		e.problem(e.req("PUT", "/v1/cross-border/rules", adminKey, map[string]any{"currency": "CNY", "blocked_tiers": []int{7}}), 422, "invalid_request")
		e.problem(e.req("PUT", "/v1/cross-border/rules", adminKey, map[string]any{"currency": "CNY", "blocked_tiers": []int{},
			"corridors": []map[string]any{{"from": "CN", "to": "HK", "daily_limit": "1.001"}}}), 422, "invalid_amount")
		set := e.must(e.req("PUT", "/v1/cross-border/rules", adminKey, rules), 200)
		cs, _ := set.body["corridors"].([]any)
		if len(cs) != 1 || cs[0].(map[string]any)["daily_limit"] != "100.00" || set.body["purpose_required"] != true || set.body["updated_at"] == nil {
			t.Fatalf("set: %s", set.raw)
		}

		e.problem(e.req("POST", "/v1/transfers", cn, map[string]any{"from": from, "to": to, "amount": "1.00", "currency": "CNY"}), 422, "purpose_required")
		if p := e.must(e.req("POST", "/v1/transfers", cn, map[string]any{"from": from, "to": to, "amount": "60.00", "currency": "CNY", "purpose": "GDDS"}), 201); p.str("purpose") != "GDDS" {
			t.Fatalf("transfer: %s", p.raw)
		}
		e.problem(e.req("POST", "/v1/transfers", cn, map[string]any{"from": from, "to": to, "amount": "40.01", "currency": "CNY", "purpose": "GDDS"}), 422, "corridor_limit_exceeded")

		// pacs.008 in: one without a purpose (RR04), one past the corridor
		// (AM02), one that fits: not atomic, so the last is accepted.
		in := &iso20022.Pacs008{MsgID: "xb-1", Created: time.Now()}
		for i, tx := range []struct {
			amount  int64
			purpose string
		}{{100, ""}, {50_00, "GDDS"}, {40_00, "GDDS"}} {
			in.Txs = append(in.Txs, iso20022.CreditTransfer{EndToEndID: "xb-" + string(rune('a'+i)), Amount: tx.amount, Currency: "CNY", SettlementDate: time.Now(),
				DebtorAccount: from, CreditorAccount: to, DebtorAgent: "XBHC", CreditorAgent: "XBHH", Purpose: tx.purpose})
		}
		var b bytes.Buffer
		if err := iso20022.WritePacs008(&b, in); err != nil {
			t.Fatal(err)
		}
		rep := e.must(e.req("POST", "/v1/iso20022/pacs008?atomic=false", cn, b.Bytes(), "Content-Type", "application/xml"), 200)
		st, err := iso20022.ReadPacs002(bytes.NewReader(rep.raw))
		if err != nil || len(st.Txs) != 3 {
			t.Fatalf("pacs.002: %v %s", err, rep.raw)
		}
		for i, want := range []struct{ status, reason string }{{"RJCT", "RR04"}, {"RJCT", "AM02"}, {"ACCP", ""}} {
			if got := st.Txs[i]; got.Status != want.status || got.Reason != want.reason {
				t.Errorf("transaction %d: %s %s, want %s %s", i, got.Status, got.Reason, want.status, want.reason)
			}
		}
		if e.balance(hk, to) != "100.00" {
			t.Fatalf("payee abroad: %s", e.balance(hk, to))
		}

		// Payments to come carry their purpose: refused without one when
		// set up, shown with it; a capture takes one (past the purpose
		// check, this one meets the spent corridor).
		tomorrow := time.Now().UTC().Add(48 * time.Hour).Format("2006-01-02")
		order := map[string]any{"from": from, "to": to, "amount": "1.00", "currency": "CNY", "schedule": map[string]any{"start": tomorrow, "every": "month"}}
		e.problem(e.req("POST", "/v1/standing-orders", cn, order), 422, "purpose_required")
		order["purpose"] = "SUPP"
		if o := e.must(e.req("POST", "/v1/standing-orders", cn, order), 201); o.str("purpose") != "SUPP" {
			t.Fatalf("standing order: %s", o.raw)
		}
		cond := map[string]any{"from": from, "to": to, "amount": "1.00", "currency": "CNY", "condition": map[string]any{"payee_accepts": true}}
		e.problem(e.req("POST", "/v1/conditional-payments", cn, cond), 422, "purpose_required")
		cond["purpose"] = "TRAD"
		if c := e.must(e.req("POST", "/v1/conditional-payments", cn, cond), 201); c.str("purpose") != "TRAD" {
			t.Fatalf("conditional payment: %s", c.raw)
		}
		h := e.must(e.req("POST", "/v1/holds", cn, map[string]any{"wallet": from, "amount": "5.00", "expires_at": time.Now().Add(time.Hour)}), 201).str("id")
		e.problem(e.req("POST", "/v1/holds/"+h+"/capture", cn, map[string]any{"to": to}), 422, "purpose_required")
		e.problem(e.req("POST", "/v1/holds/"+h+"/capture", cn, map[string]any{"to": to, "purpose": "GDDS"}), 422, "corridor_limit_exceeded")
	})
}
