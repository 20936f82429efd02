package httpapi_test

import (
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/ledger"
)

// The central bank's supply of every currency, day by day, and each
// operator's reserves: the history's points follow the mints and burns,
// days apart on the server's clock.
func TestSupplyHistoryHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		opA, keyA := e.operator("SHA")
		opB, _ := e.operator("SHB")
		issue := func(op, path, amount, cur string) {
			t.Helper()
			e.must(e.req("POST", "/v1/issuance/"+path, adminKey, map[string]any{"operator_id": op, "amount": amount, "currency": cur}), 201)
		}
		zone, err := time.LoadLocation(ledger.DefaultZone)
		if err != nil {
			t.Fatal(err)
		}
		day := func(off int) string {
			return e.clock.Now().In(zone).AddDate(0, 0, off).Format(time.DateOnly)
		}
		first := day(0)
		issue(opA, "mint", "1000.00", "CNY")
		issue(opB, "mint", "500.00", "CNY")
		e.clock.advance(48 * time.Hour) // a day with nothing, then:
		issue(opA, "burn", "200.00", "CNY")
		issue(opA, "mint", "50.00", "CNY")
		issue(opB, "mint", "7", "JPY")

		h := e.must(e.req("GET", "/v1/issuance/history?currency=CNY&from="+first, adminKey, nil), 200)
		pts := h.body["points"].([]any)
		if h.str("from") != first || h.str("to") != day(0) || len(pts) != 3 {
			t.Fatalf("history: %s", h.raw)
		}
		want := [][4]string{{first, "1500.00", "1500.00", "0.00"}, {day(-1), "1500.00", "0.00", "0.00"}, {day(0), "1350.00", "50.00", "200.00"}}
		for i, w := range want {
			p := pts[i].(map[string]any)
			if p["date"] != w[0] || p["issued"] != w[1] || p["minted"] != w[2] || p["burned"] != w[3] {
				t.Fatalf("point %d: %v, want %v", i, p, w)
			}
		}
		// The default: 30 days up to today, the days before the first mint at zero.
		h = e.must(e.req("GET", "/v1/issuance/history?currency=CNY", adminKey, nil), 200)
		if pts := h.body["points"].([]any); len(pts) != 30 || pts[0].(map[string]any)["issued"] != "0.00" || pts[29].(map[string]any)["issued"] != "1350.00" {
			t.Fatalf("default history: %s", h.raw)
		}
		// A currency never minted: zero; bad ranges refused; operators may not read it.
		h = e.must(e.req("GET", "/v1/issuance/history?currency=EUR&from="+day(-1), adminKey, nil), 200)
		if pts := h.body["points"].([]any); len(pts) != 2 || pts[1].(map[string]any)["issued"] != "0.00" {
			t.Fatalf("EUR history: %s", h.raw)
		}
		e.problem(e.req("GET", "/v1/issuance/history?currency=CNY&from="+day(1), adminKey, nil), 422, "invalid_request")
		e.problem(e.req("GET", "/v1/issuance/history?currency=CNY&from=2001-01-01", adminKey, nil), 422, "invalid_request")
		e.problem(e.req("GET", "/v1/issuance/history?currency=CNY&from=yesterday", adminKey, nil), 422, "invalid_request")
		e.problem(e.req("GET", "/v1/issuance/history?currency=CNY", keyA, nil), 403, "forbidden")

		// Every currency's supply.
		items := e.must(e.req("GET", "/v1/issuance/supplies", adminKey, nil), 200).items()
		if len(items) != 2 || items[0].(map[string]any)["currency"] != "CNY" || items[0].(map[string]any)["issued"] != "1350.00" ||
			items[1].(map[string]any)["currency"] != "JPY" || items[1].(map[string]any)["issued"] != "7" {
			t.Fatalf("supplies: %v", items)
		}
		e.problem(e.req("GET", "/v1/issuance/supplies", keyA, nil), 403, "forbidden")

		// Each operator's reserves.
		items = e.must(e.req("GET", "/v1/issuance/reserves", adminKey, nil), 200).items()
		got := map[string]map[string]string{}
		for _, it := range items {
			o := it.(map[string]any)
			got[o["code"].(string)] = map[string]string{}
			for _, r := range o["reserves"].([]any) {
				r := r.(map[string]any)
				got[o["code"].(string)][r["currency"].(string)] = r["balance"].(string)
			}
		}
		if len(items) != 2 || got["SHA"]["CNY"] != "850.00" || got["SHB"]["CNY"] != "500.00" || got["SHB"]["JPY"] != "7" {
			t.Fatalf("reserves: %v", got)
		}
		e.problem(e.req("GET", "/v1/issuance/reserves", keyA, nil), 403, "forbidden")
	})
}

// A wallet's bank operations, newest first, with their state; another
// operator's wallet is not found.
func TestBankOperationsListHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("BOL")
		_, other := e.funded("BOM")
		w := e.wallet(key, "")
		e.must(e.req("POST", "/v1/sandbox/bank/accounts", key, map[string]any{"bank_code": "ICBC", "account_number": "6222021234566789",
			"holder_name": "Zhang San", "currency": "CNY", "balance": "1000.00"}), 201)
		ba := e.must(e.req("POST", "/v1/wallets/"+w+"/bank-accounts", key, map[string]any{"bank_code": "ICBC", "account_number": "6222021234566789", "holder_name": "Zhang San"}), 201).str("id")
		top := e.must(e.req("POST", "/v1/wallets/"+w+"/topups", key, map[string]any{"amount": "300.00", "bank_account_id": ba}), 201).str("id")
		e.must(e.req("POST", "/v1/sandbox/bank/faults", key, map[string]any{"mode": "fail", "count": 1}), 200)
		wd := e.must(e.req("POST", "/v1/wallets/"+w+"/withdrawals", key, map[string]any{"amount": "50.00", "bank_account_id": ba}), 201).str("id")

		r := e.must(e.req("GET", "/v1/bank-operations?wallet="+w+"&limit=1", key, nil), 200)
		items := r.items()
		if len(items) != 1 || items[0].(map[string]any)["id"] != wd || items[0].(map[string]any)["status"] != "failed" || r.str("next_cursor") == "" {
			t.Fatalf("first page: %s", r.raw)
		}
		r = e.must(e.req("GET", "/v1/bank-operations?wallet="+w+"&limit=1&cursor="+r.str("next_cursor"), key, nil), 200)
		items = r.items()
		if len(items) != 1 || items[0].(map[string]any)["id"] != top || items[0].(map[string]any)["status"] != "completed" ||
			items[0].(map[string]any)["kind"] != "topup" || items[0].(map[string]any)["amount"] != "300.00" {
			t.Fatalf("second page: %s", r.raw)
		}
		e.problem(e.req("GET", "/v1/bank-operations?wallet="+w, other, nil), 404, "not_found")
		e.problem(e.req("GET", "/v1/bank-operations?wallet="+w+"&cursor=nonsense", key, nil), 400, "invalid_cursor")
	})
}
