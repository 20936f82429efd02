package httpapi_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func walletItems(n int) []any {
	ws := make([]any, n)
	for i := range ws {
		ws[i] = map[string]any{"holder": map[string]any{"name": fmt.Sprintf("Holder %d", i), "phone": "13812345678"}, "currency": "CNY"}
	}
	return ws
}

// countWallets counts an operator's wallets.
func (e *env) countWallets(key string) int {
	e.t.Helper()
	n, cursor := 0, ""
	for {
		r := e.must(e.req("GET", "/v1/wallets?limit=500&cursor="+cursor, key, nil), 200)
		n += len(r.items())
		if cursor = r.str("next_cursor"); cursor == "" {
			return n
		}
	}
}

func TestWalletBatch(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("ICBC")
		ws := walletItems(1000)
		ws[1].(map[string]any)["kind"] = "merchant"
		ws[2].(map[string]any)["holder"] = map[string]any{"name": "Wang Fang", "phone": "+86 139-8765-4321"}
		r := e.must(e.req("POST", "/v1/wallets/batch", key, map[string]any{"wallets": ws}), 201)
		items := r.items()
		if len(items) != 1000 {
			t.Fatalf("%d items, want 1000", len(items))
		}
		seen := map[string]bool{}
		for i, it := range items {
			w := it.(map[string]any)
			h := w["holder"].(map[string]any)
			id, _ := w["id"].(string)
			// Names are masked: "Holder 12" -> "H***** **".
			n := fmt.Sprint(i)
			if len(n) > 1 {
				n = n[:1] + strings.Repeat("*", len(n)-1)
			} else {
				n = "*"
			}
			wantName, wantKind := "H***** "+n, "personal"
			if i == 1 {
				wantKind = "merchant"
			}
			if i == 2 {
				wantName = "W*** F***"
			}
			if len(id) != 16 || seen[id] || h["name"] != wantName || w["kind"] != wantKind || w["currency"] != "CNY" ||
				w["balance"] != "0.00" || w["status"] != "active" {
				t.Fatalf("item %d: %v", i, w)
			}
			seen[id] = true
		}
		if p := items[2].(map[string]any)["holder"].(map[string]any)["phone"]; p != "+86 139****4321" {
			t.Errorf("phone shown as %v", p)
		}
		// The wallets are ordinary wallets: read, top up, pay.
		a, b := items[0].(map[string]any)["id"].(string), items[999].(map[string]any)["id"].(string)
		if got := e.must(e.req("GET", "/v1/wallets/"+b, key, nil), 200).str("id"); got != b {
			t.Fatalf("GET wallet %s: %s", b, got)
		}
		e.must(e.req("POST", "/v1/wallets/"+a+"/topups", key, map[string]any{"amount": "10.00"}), 201)
		e.must(e.req("POST", "/v1/transfers", key, map[string]any{"from": a, "to": b, "amount": "2.50", "currency": "CNY"}), 201)
		if got := e.balance(key, b); got != "2.50" {
			t.Fatalf("balance %s", got)
		}
		if n := e.countWallets(key); n != 1000 {
			t.Fatalf("%d wallets listed, want 1000", n)
		}

		// Another operator does not see them.
		_, key2 := e.operator("BOC")
		e.problem(e.req("GET", "/v1/wallets/"+a, key2, nil), 404, "not_found")

		// One invalid item: nothing is created, the item is named.
		for _, tc := range []struct {
			item   map[string]any
			status int
			code   string
			where  string
		}{
			{map[string]any{"holder": map[string]any{"name": "X", "phone": "12"}, "currency": "CNY"}, 422, "invalid_request", "wallets[2]: holder.phone"},
			{map[string]any{"holder": map[string]any{"name": "", "phone": "13812345678"}, "currency": "CNY"}, 422, "invalid_request", "wallets[2]: holder.name"},
			{map[string]any{"holder": map[string]any{"name": "X", "phone": "13812345678"}, "currency": "ZZZ"}, 422, "invalid_currency", "wallets[2]: "},
			{map[string]any{"holder": map[string]any{"name": "X", "phone": "13812345678"}, "currency": "CNY", "kind": "corporate"}, 422, "invalid_request", "wallets[2]"},
		} {
			ws := walletItems(5)
			ws[2] = tc.item
			r := e.req("POST", "/v1/wallets/batch", key2, map[string]any{"wallets": ws}, "Idempotency-Key", "bad")
			e.problem(r, tc.status, tc.code)
			if !strings.Contains(string(r.raw), tc.where) {
				t.Errorf("problem does not name %q: %s", tc.where, r.raw)
			}
		}
		e.problem(e.req("POST", "/v1/wallets/batch", key2, map[string]any{"wallets": []any{}}), 422, "invalid_request")
		e.problem(e.req("POST", "/v1/wallets/batch", key2, map[string]any{"wallets": walletItems(1001)}), 422, "invalid_request")
		e.problem(e.req("POST", "/v1/wallets/batch", key2, `{"wallets":[`), 400, "malformed_request")
		e.problem(e.req("POST", "/v1/wallets/batch", adminKey, map[string]any{"wallets": walletItems(1)}), 403, "forbidden")
		e.problem(e.req("POST", "/v1/wallets/batch", "", map[string]any{"wallets": walletItems(1)}), 401, "unauthorized")
		if n := e.countWallets(key2); n != 0 {
			t.Fatalf("refused batches created %d wallets", n)
		}
		// The key of a refused request stays free.
		e.must(e.req("POST", "/v1/wallets/batch", key2, map[string]any{"wallets": walletItems(3)}, "Idempotency-Key", "bad"), 201)
		if n := e.countWallets(key2); n != 3 {
			t.Fatalf("%d wallets, want 3", n)
		}
	})
}

func TestWalletBatchIdempotency(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.operator("ICBC")
		body := map[string]any{"wallets": walletItems(50)}
		r1 := e.must(e.req("POST", "/v1/wallets/batch", key, body, "Idempotency-Key", "open-50"), 201)
		if r1.header.Get("Idempotent-Replayed") != "" {
			t.Fatal("first answer marked as replay")
		}
		r2 := e.must(e.req("POST", "/v1/wallets/batch", key, body, "Idempotency-Key", "open-50"), 201)
		if r2.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(r1.raw, r2.raw) {
			t.Fatalf("replay: %v\n%s\n%s", r2.header, r1.raw, r2.raw)
		}
		if n := e.countWallets(key); n != 50 {
			t.Fatalf("%d wallets after the replay, want 50", n)
		}
		// Same key, other body; same key, other endpoint.
		e.problem(e.req("POST", "/v1/wallets/batch", key, map[string]any{"wallets": walletItems(51)}, "Idempotency-Key", "open-50"), 422, "idempotency_conflict")
		e.problem(e.req("POST", "/v1/wallets", key, walletItems(1)[0], "Idempotency-Key", "open-50"), 422, "idempotency_conflict")
		if n := e.countWallets(key); n != 50 {
			t.Fatalf("%d wallets after conflicts, want 50", n)
		}
		// Concurrent requests with one key create the wallets once.
		const n = 8
		done := make(chan *resp, n)
		for range n {
			go func() {
				done <- e.req("POST", "/v1/wallets/batch", key, map[string]any{"wallets": walletItems(20)}, "Idempotency-Key", "race")
			}()
		}
		var first []byte
		for range n {
			r := <-done
			if r.status != 201 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			if first == nil {
				first = r.raw
			} else if !bytes.Equal(first, r.raw) {
				t.Fatalf("answers differ:\n%s\n%s", first, r.raw)
			}
		}
		if got := e.countWallets(key); got != 70 {
			t.Fatalf("%d wallets, want 70", got)
		}
	})
}
