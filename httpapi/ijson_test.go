package httpapi_test

import (
	"strings"
	"testing"
)

// TestIJSONNothingMoves sends bodies that are not I-JSON, or carry control
// characters, to the money-moving and wallet-opening routes: each is
// refused with the right problem and nothing changes.
func TestIJSONNothingMoves(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("IJSN")
		a := e.wallet(key, "100.00")
		b := e.wallet(key, "")
		wallets := func() int { return len(e.must(e.req("GET", "/v1/wallets?limit=500", key, nil), 200).items()) }
		nWallets := wallets()
		pay := `"from":"` + a + `","to":"` + b + `","currency":"CNY"`
		cases := []struct {
			name, path, body string
			ct               string
			status           int
			code, location   string
		}{
			{"duplicate amount", "/v1/transfers", `{` + pay + `,"amount":"1.00","amount":"40.00"}`, "", 400, "malformed_request", "body"},
			{"duplicate, the second escaped", "/v1/transfers", `{` + pay + `,"amount":"1.00","\u0061mount":"40.00"}`, "", 400, "malformed_request", "body"},
			{"NUL in memo", "/v1/transfers", `{` + pay + `,"amount":"1.00","memo":"a\u0000b"}`, "", 422, "invalid_request", "body.memo"},
			{"raw newline escape in memo", "/v1/transfers", `{` + pay + `,"amount":"1.00","memo":"a\nb"}`, "", 422, "invalid_request", "body.memo"},
			{"bidi override in memo", "/v1/transfers", `{` + pay + `,"amount":"1.00","memo":"\u202e00.1"}`, "", 422, "invalid_request", "body.memo"},
			{"invalid UTF-8 in memo", "/v1/transfers", `{` + pay + `,"amount":"1.00","memo":"` + "\xff\xfe" + `"}`, "", 400, "malformed_request", "body"},
			{"lone surrogate in memo", "/v1/transfers", `{` + pay + `,"amount":"1.00","memo":"\udead"}`, "", 400, "malformed_request", "body.memo"},
			{"names differing in case", "/v1/transfers", `{` + pay + `,"amount":"1.00","AMOUNT":"40.00"}`, "", 400, "malformed_request", "body"},
			{"charset parameter", "/v1/transfers", `{` + pay + `,"amount":"1.00","amount":"40.00"}`, "application/json; charset=utf-8", 400, "malformed_request", "body"},
			{"not JSON content", "/v1/transfers", `{` + pay + `,"amount":"1.00","amount":"40.00"}`, "text/plain", 415, "unsupported_media_type", ""},
			{"batch: duplicate in an item", "/v1/transfers/batch",
				`{"transfers":[{` + pay + `,"amount":"1.00"},{` + pay + `,"amount":"1.00","to":"` + a + `"}]}`, "", 400, "malformed_request", "body.transfers[1]"},
			{"batch: control in an item's memo", "/v1/transfers/batch",
				`{"transfers":[{` + pay + `,"amount":"1.00"},{` + pay + `,"amount":"1.00","memo":"\u0007"}],"atomic":false}`, "", 422, "invalid_request", "body.transfers[1].memo"},
			{"batch: duplicate atomic", "/v1/transfers/batch", `{"transfers":[{` + pay + `,"amount":"1.00"}],"atomic":true,"atomic":false}`, "", 400, "malformed_request", "body"},
			{"wallet: invalid UTF-8 in holder name", "/v1/wallets", `{"holder":{"name":"Zhang ` + "\xc3\x28" + `","phone":"13812345678"},"currency":"CNY"}`, "", 400, "malformed_request", "body"},
			{"wallet: bidi isolate in holder name", "/v1/wallets", `{"holder":{"name":"\u2067Zhang San","phone":"13812345678"},"currency":"CNY"}`, "", 422, "invalid_request", "body.holder.name"},
			{"wallet: duplicate holder", "/v1/wallets", `{"holder":{"name":"A","phone":"13812345678"},"holder":{"name":"B","phone":"13812345679"},"currency":"CNY"}`, "", 400, "malformed_request", "body"},
			{"wallet: duplicate phone", "/v1/wallets", `{"holder":{"name":"A","phone":"13812345678","phone":"13812345679"},"currency":"CNY"}`, "", 400, "malformed_request", "body.holder"},
		}
		for _, c := range cases {
			hdr := []string{}
			if c.ct != "" {
				hdr = append(hdr, "Content-Type", c.ct)
			}
			r := e.req("POST", c.path, key, c.body, hdr...)
			e.problem(r, c.status, c.code)
			if c.location != "" {
				errs, _ := r.body["errors"].([]any)
				if len(errs) != 1 || errs[0].(map[string]any)["location"] != c.location {
					t.Errorf("%s: errors %v, want one at %s", c.name, r.body["errors"], c.location)
				}
				if !strings.Contains(r.str("detail"), c.location) {
					t.Errorf("%s: detail %q does not name %s", c.name, r.str("detail"), c.location)
				}
			}
			if strings.Contains(string(r.raw), "\u202e") || strings.Contains(string(r.raw), "40.00") {
				t.Errorf("%s: the answer echoes the body: %s", c.name, r.raw)
			}
		}
		if got := e.balance(key, a); got != "100.00" {
			t.Errorf("payer's balance %s after refused requests, want 100.00", got)
		}
		if got := e.balance(key, b); got != "0.00" {
			t.Errorf("payee's balance %s after refused requests, want 0.00", got)
		}
		if n := wallets(); n != nWallets {
			t.Errorf("%d wallets after refused requests, want %d", n, nWallets)
		}

		// Text in any script, emoji and an escaped U+FFFD still go through.
		r := e.must(e.req("POST", "/v1/transfers", key, `{`+pay+`,"amount":"1.00","memo":"午饭 🍜 \ufffd"}`), 201)
		if r.str("memo") != "午饭 🍜 \ufffd" {
			t.Fatalf("memo %q", r.str("memo"))
		}
	})
}
