package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/internal/testdb"
)

// TestTwoProcessesConditional: two processes on one PostgreSQL database
// both run the engine's round of conditional payments (every second, with
// the hold expiry). Payments whose time comes are released once, and
// payments whose expiry comes return once, whichever process sees them.
func TestTwoProcessesConditional(t *testing.T) {
	t.Parallel()
	db := testdb.NewDSN(t, "postgres")
	p1 := startProc(t, "p1", db)
	p2 := startProc(t, "p2", db)
	_, key := p1.operator("CONDPROC", "1000.00")
	payer, payee := p1.wallet(key, "500.00"), p1.wallet(key, "")

	// Far enough ahead that making the 20 payments (slow on a loaded CI
	// machine) ends before it.
	at := time.Now().Add(20 * time.Second).UTC()
	const n = 10
	var ids []string
	for i := range 2 * n {
		body := map[string]any{"from": payer, "to": payee, "amount": "1.00", "currency": "CNY", "memo": fmt.Sprint("c", i)}
		if i < n { // released at the time
			body["condition"] = map[string]any{"after": at.Format(time.RFC3339Nano)}
			body["expires_at"] = at.Add(time.Hour).Format(time.RFC3339Nano)
		} else { // never met: expires at the time
			body["condition"] = map[string]any{"payee_accepts": true}
			body["expires_at"] = at.Format(time.RFC3339Nano)
		}
		ids = append(ids, []*proc{p1, p2}[i%2].must(201, "POST", "/v1/conditional-payments", key, body).str("id"))
	}
	deadline := time.Now().Add(90 * time.Second)
	for _, id := range ids {
		for {
			r := p2.must(200, "GET", "/v1/conditional-payments/"+id, key, nil)
			if r.str("status") != "pending" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("conditional payment %s still pending: %s", id, r)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	for i, id := range ids {
		r := p1.must(200, "GET", "/v1/conditional-payments/"+id, key, nil)
		want := "released"
		if i >= n {
			want = "expired"
		}
		hist, _ := r.body["history"].([]any)
		ends := 0
		for _, h := range hist {
			if typ := h.(map[string]any)["type"]; typ == "released" || typ == "expired" {
				ends++
			}
		}
		if r.str("status") != want || ends != 1 {
			t.Errorf("payment %d: status %s with %d endings; want %s once: %s", i, r.str("status"), ends, want, r)
		}
	}
	if b := p1.balance(key, payee); b != fmt.Sprintf("%d.00", n) {
		t.Errorf("payee %s; want %d.00", b, n)
	}
	w := p2.must(200, "GET", "/v1/wallets/"+payer, key, nil)
	if w.str("balance") != fmt.Sprintf("%d.00", 500-n) || w.str("held") != "0.00" {
		t.Errorf("payer %s", w)
	}
	p1.stopGracefully()
	p2.stopGracefully()
	procVerify(t, db)
}
