package httpapi_test

import (
	"strings"
	"testing"
)

// TestIssuersOverHTTP: the administrator registers a second central bank
// (its key shown once), which admits an operator (204), mints its currency
// into its reserve and reads that supply alone; others get forbidden.
func TestIssuersOverHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		opID, opKey := e.operator("ISSA")
		body := map[string]any{"name": "Hong Kong Monetary Authority", "country": "HK", "currencies": []string{"HKD"}}
		r := e.must(e.req("POST", "/v1/issuers", adminKey, body, "Idempotency-Key", "hkma-1"), 201)
		id, hkKey := r.str("id"), r.str("api_key")
		if id == "" || hkKey == "" || r.str("country") != "HK" || r.body["admin"] != false {
			t.Fatalf("issuer: %s", r.raw)
		}
		if again := e.must(e.req("POST", "/v1/issuers", adminKey, body, "Idempotency-Key", "hkma-1"), 201); again.str("id") != id || again.str("api_key") != "" {
			t.Fatalf("replay: %s", again.raw)
		}
		e.problem(e.req("POST", "/v1/issuers", hkKey, map[string]any{"name": "Macao", "country": "MO", "currencies": []string{"MOP"}}), 403, "forbidden")
		e.problem(e.req("POST", "/v1/issuers", opKey, map[string]any{"name": "Macao", "country": "MO", "currencies": []string{"MOP"}}), 403, "forbidden")
		e.problem(e.req("POST", "/v1/issuers", adminKey, map[string]any{"name": "Again", "country": "HK", "currencies": []string{"HKD"}}), 409, "conflict")

		mint := map[string]any{"operator_id": opID, "amount": "100.00", "currency": "HKD"}
		e.problem(e.req("POST", "/v1/issuance/mint", hkKey, mint), 403, "operator_not_admitted")
		e.problem(e.req("POST", "/v1/issuance/mint", adminKey, mint), 403, "forbidden")
		e.problem(e.req("POST", "/v1/issuers/"+id+"/operators/"+opID, adminKey, nil), 403, "forbidden")
		if r := e.req("POST", "/v1/issuers/"+id+"/operators/"+opID, hkKey, nil); r.status != 204 {
			t.Fatalf("admit: %d %s", r.status, r.raw)
		}
		e.must(e.req("POST", "/v1/issuance/mint", hkKey, mint), 201)
		w := e.must(e.req("POST", "/v1/wallets", opKey, map[string]any{"holder": map[string]any{"name": "Chan Tai Man", "phone": "+85291234567"}, "currency": "HKD"}), 201)
		e.must(e.req("POST", "/v1/wallets/"+w.str("id")+"/topups", opKey, map[string]any{"amount": "10.00"}), 201)

		sp := e.must(e.req("GET", "/v1/issuance/supply?currency=HKD", hkKey, nil), 200)
		if sp.str("issued") != "100.00" || sp.str("wallets") != "10.00" {
			t.Fatalf("HKD supply: %s", sp.raw)
		}
		e.problem(e.req("GET", "/v1/issuance/supply?currency=HKD", adminKey, nil), 403, "forbidden")
		e.problem(e.req("GET", "/v1/issuance/supply?currency=CNY", hkKey, nil), 403, "forbidden")

		list := e.must(e.req("GET", "/v1/issuers", opKey, nil), 200)
		if len(list.items()) != 2 {
			t.Fatalf("issuers: %s", list.raw)
		}
		e.must(e.req("GET", "/v1/issuers/"+id, hkKey, nil), 200)
		e.problem(e.req("GET", "/v1/issuers/0d9e2c5e-0000-4000-8000-000000000000", hkKey, nil), 404, "not_found")

		// Another issuer oversees its currencies (nothing here yet): alerts,
		// reviews, the report, rules, cases; screening and security events
		// are the administrator's.
		for _, path := range []string{"/v1/alerts", "/v1/reviews", "/v1/reports/large-value", "/v1/risk-rules", "/v1/cases"} {
			if r := e.must(e.req("GET", path, hkKey, nil), 200); strings.Contains(string(r.raw), "CNY") {
				t.Errorf("GET %s with another issuer's key: %s", path, r.raw)
			}
		}
		for _, path := range []string{"/v1/screening-list", "/v1/security-events"} {
			if r := e.req("GET", path, hkKey, nil); r.status != 403 || r.str("code") != "forbidden" {
				t.Errorf("GET %s with another issuer's key: %d %s", path, r.status, r.raw)
			}
			if r := e.req("GET", path, adminKey, nil); r.status != 200 && r.status != 404 {
				t.Errorf("GET %s with the administrator's key: %d %s", path, r.status, r.raw)
			}
		}
		r = e.must(e.req("POST", "/v1/risk-rules", hkKey, map[string]any{"name": "x", "expression": "amount > 1", "action": "alert", "severity": "low"}), 201)
		if r.str("owner") != "central_bank" || r.str("issuer_id") != id || r.raw == nil || !strings.Contains(string(r.raw), `"currencies":["HKD"]`) {
			t.Fatalf("the issuer's rule: %s", r.raw)
		}
	})
}
