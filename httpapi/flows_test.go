package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/store"
)

func TestIdempotency(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("ICBC")
		a := e.wallet(key, "100.00")
		b := e.wallet(key, "")
		body := map[string]any{"from": a, "to": b, "amount": "10.00", "currency": "CNY"}
		r1 := e.must(e.req("POST", "/v1/transfers", key, body, "Idempotency-Key", "pay-1"), 201)
		if r1.header.Get("Idempotent-Replayed") != "" {
			t.Fatal("first answer marked as replay")
		}
		r2 := e.must(e.req("POST", "/v1/transfers", key, body, "Idempotency-Key", "pay-1"), 201)
		if r2.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay without Idempotent-Replayed: true: %v", r2.header)
		}
		if !bytes.Equal(r1.raw, r2.raw) {
			t.Fatalf("replay differs:\n%s\n%s", r1.raw, r2.raw)
		}
		if got := e.balance(key, a); got != "90.00" {
			t.Fatalf("money moved twice: balance %s", got)
		}
		// Same key, other body.
		body["amount"] = "11.00"
		e.problem(e.req("POST", "/v1/transfers", key, body, "Idempotency-Key", "pay-1"), 422, "idempotency_conflict")
		// Same key, other endpoint.
		e.problem(e.req("POST", "/v1/wallets/"+a+"/withdrawals", key, map[string]any{"amount": "11.00"}, "Idempotency-Key", "pay-1"), 422, "idempotency_conflict")
		// Keys are scoped to the credential: another operator may use "pay-1".
		_, k2 := e.funded("BOC")
		c := e.wallet(k2, "")
		e.must(e.req("POST", "/v1/wallets/"+c+"/topups", k2, map[string]any{"amount": "1.00"}, "Idempotency-Key", "pay-1"), 201)
		if got := e.balance(key, a); got != "90.00" {
			t.Fatalf("balance %s after conflicts", got)
		}

		// Wallet creation: same key, same wallet.
		wb := map[string]any{"holder": map[string]any{"name": "Li Si", "phone": "13900001111"}, "currency": "CNY"}
		w1 := e.must(e.req("POST", "/v1/wallets", key, wb, "Idempotency-Key", "w-1"), 201)
		w2 := e.must(e.req("POST", "/v1/wallets", key, wb, "Idempotency-Key", "w-1"), 201)
		if w1.str("id") != w2.str("id") || w2.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("wallet replay: %s / %s", w1.raw, w2.raw)
		}
		// Operator creation: the replay has no api_key (never stored).
		ob := map[string]any{"name": "Bank X", "code": "BKX"}
		o1 := e.must(e.req("POST", "/v1/operators", adminKey, ob, "Idempotency-Key", "op-1"), 201)
		o2 := e.must(e.req("POST", "/v1/operators", adminKey, ob, "Idempotency-Key", "op-1"), 201)
		if o1.str("api_key") == "" || o2.str("api_key") != "" || o1.str("id") != o2.str("id") || o2.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("operator replay: %s / %s", o1.raw, o2.raw)
		}
		// Freeze (no body) replays its 200.
		f1 := e.must(e.req("POST", "/v1/wallets/"+b+"/freeze", key, nil, "Idempotency-Key", "f-1"), 200)
		f2 := e.must(e.req("POST", "/v1/wallets/"+b+"/freeze", key, nil, "Idempotency-Key", "f-1"), 200)
		if !bytes.Equal(f1.raw, f2.raw) || f2.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("freeze replay: %s / %s", f1.raw, f2.raw)
		}
	})
}

func TestIdempotencyConcurrent(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("ICBC")
		a := e.wallet(key, "100.00")
		b := e.wallet(key, "")
		body := map[string]any{"from": a, "to": b, "amount": "7.00", "currency": "CNY"}
		const n = 20
		var wg sync.WaitGroup
		res := make([]*resp, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = e.req("POST", "/v1/transfers", key, body, "Idempotency-Key", "same")
			}()
		}
		wg.Wait()
		ids := map[string]bool{}
		fresh := 0
		for _, r := range res {
			if r.status != 201 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			ids[r.str("id")] = true
			if r.header.Get("Idempotent-Replayed") == "" {
				fresh++
			}
		}
		if len(ids) != 1 || fresh != 1 {
			t.Fatalf("%d transfer ids, %d fresh answers; want 1 and 1", len(ids), fresh)
		}
		if got := e.balance(key, b); got != "7.00" {
			t.Fatalf("payee balance %s, want 7.00", got)
		}
		if got := e.balance(key, a); got != "93.00" {
			t.Fatalf("payer balance %s, want 93.00", got)
		}
	})
}

func TestBatch(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("ICBC")
		a := e.wallet(key, "100.00")
		b := e.wallet(key, "")
		item := func(amount string) map[string]any {
			return map[string]any{"from": a, "to": b, "amount": amount, "currency": "CNY"}
		}
		// Non-atomic: the second fails alone, the bad amount fails alone.
		r := e.must(e.req("POST", "/v1/transfers/batch", key, map[string]any{"transfers": []any{item("60.00"), item("60.00"), item("x"), item("40.00")}}), 200)
		var out struct {
			Results []struct {
				ID     string
				Amount string
				From   string
				Error  *struct{ Code, Detail string }
			}
		}
		if err := json.Unmarshal(r.raw, &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Results) != 4 || out.Results[0].ID == "" || out.Results[0].From != a || out.Results[0].Error != nil ||
			out.Results[1].Error == nil || out.Results[1].Error.Code != "insufficient_funds" ||
			out.Results[2].Error == nil || out.Results[2].Error.Code != "invalid_amount" ||
			out.Results[3].ID == "" || out.Results[3].Amount != "40.00" {
			t.Fatalf("non-atomic batch: %s", r.raw)
		}
		if got := e.balance(key, b); got != "100.00" {
			t.Fatalf("payee balance %s, want 100.00", got)
		}
		// Atomic: one failure fails all.
		r = e.must(e.req("POST", "/v1/transfers/batch", key, map[string]any{"atomic": true, "transfers": []any{
			map[string]any{"from": b, "to": a, "amount": "10.00", "currency": "CNY"},
			map[string]any{"from": b, "to": a, "amount": "95.00", "currency": "CNY"},
		}}), 200)
		out.Results = nil
		if err := json.Unmarshal(r.raw, &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Results) != 2 || out.Results[0].Error == nil || out.Results[0].Error.Code != "linked_transfer_failed" ||
			out.Results[1].Error == nil || out.Results[1].Error.Code != "insufficient_funds" {
			t.Fatalf("atomic batch: %s", r.raw)
		}
		if got := e.balance(key, b); got != "100.00" {
			t.Fatalf("atomic batch moved money: %s", got)
		}
		// Atomic and all fine.
		e.must(e.req("POST", "/v1/transfers/batch", key, map[string]any{"atomic": true, "transfers": []any{
			map[string]any{"from": b, "to": a, "amount": "10.00", "currency": "CNY"},
			map[string]any{"from": b, "to": a, "amount": "90.00", "currency": "CNY"},
		}}), 200)
		if got := e.balance(key, a); got != "100.00" {
			t.Fatalf("balance %s, want 100.00", got)
		}
		// A full batch of 8,000 fits the body limit; 8,001 is refused.
		big := make([]any, 8000)
		for i := range big {
			big[i] = map[string]any{"from": a, "to": b, "amount": "0.01", "currency": "CNY", "memo": "payroll run 2024-06 item"}
		}
		r = e.must(e.req("POST", "/v1/transfers/batch", key, map[string]any{"transfers": big}), 200)
		if n := bytes.Count(r.raw, []byte(`"kind":"payment"`)); n != 8000 {
			t.Fatalf("%d of 8000 batch items paid", n)
		}
		if got := e.balance(key, b); got != "80.00" {
			t.Fatalf("balance %s after 8000 x 0.01, want 80.00", got)
		}
		e.problem(e.req("POST", "/v1/transfers/batch", key, map[string]any{"transfers": append(big, big[0])}), 422, "invalid_request")
	})
}

func TestHolds(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("ICBC")
		a := e.wallet(key, "100.00")
		m := e.wallet(key, "")
		exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		r := e.must(e.req("POST", "/v1/holds", key, map[string]any{"wallet": a, "amount": "30.00", "expires_at": exp}), 201)
		hid := r.str("id")
		if r.str("status") != "pending" || r.str("wallet") != a || r.str("amount") != "30.00" || r.str("captured") != "0.00" || r.str("expires_at") != exp {
			t.Fatalf("hold: %s", r.raw)
		}
		w := e.must(e.req("GET", "/v1/wallets/"+a, key, nil), 200)
		if w.str("held") != "30.00" || w.str("available") != "70.00" || w.str("balance") != "100.00" {
			t.Fatalf("wallet with hold: %s", w.raw)
		}
		e.problem(e.req("POST", "/v1/transfers", key, map[string]any{"from": a, "to": m, "amount": "70.01", "currency": "CNY"}), 422, "insufficient_funds")
		e.problem(e.req("POST", "/v1/holds/"+hid+"/capture", key, map[string]any{"to": m, "amount": "30.01"}), 422, "amount_exceeds_hold")
		r = e.must(e.req("POST", "/v1/holds/"+hid+"/capture", key, map[string]any{"to": m, "amount": "20.00"}), 200)
		if r.str("status") != "captured" || r.str("captured") != "20.00" || r.str("transfer_id") == "" {
			t.Fatalf("capture: %s", r.raw)
		}
		tr := e.must(e.req("GET", "/v1/transfers/"+r.str("transfer_id"), key, nil), 200)
		if tr.str("kind") != "capture" || tr.str("from") != a || tr.str("to") != m || tr.str("amount") != "20.00" {
			t.Fatalf("capture transfer: %s", tr.raw)
		}
		if e.balance(key, a) != "80.00" || e.balance(key, m) != "20.00" {
			t.Fatalf("balances after capture %s %s", e.balance(key, a), e.balance(key, m))
		}
		e.problem(e.req("POST", "/v1/holds/"+hid+"/void", key, nil), 409, "hold_not_pending")
		// Void releases.
		r = e.must(e.req("POST", "/v1/holds", key, map[string]any{"wallet": a, "amount": "50.00", "expires_at": exp}), 201)
		h2 := r.str("id")
		r = e.must(e.req("POST", "/v1/holds/"+h2+"/void", key, nil), 200)
		if r.str("status") != "voided" {
			t.Fatalf("void: %s", r.raw)
		}
		r = e.must(e.req("GET", "/v1/holds/"+h2, key, nil), 200)
		if r.str("status") != "voided" || r.str("id") != h2 {
			t.Fatalf("get hold: %s", r.raw)
		}
		w = e.must(e.req("GET", "/v1/wallets/"+a, key, nil), 200)
		if w.str("held") != "0.00" || w.str("available") != "80.00" {
			t.Fatalf("wallet after void: %s", w.raw)
		}
		// Capture of the whole hold (amount absent).
		r = e.must(e.req("POST", "/v1/holds", key, map[string]any{"wallet": a, "amount": "5.00", "expires_at": exp}), 201)
		r = e.must(e.req("POST", "/v1/holds/"+r.str("id")+"/capture", key, map[string]any{"to": m}), 200)
		if r.str("captured") != "5.00" {
			t.Fatalf("whole capture: %s", r.raw)
		}
		// Bad holds.
		e.problem(e.req("POST", "/v1/holds", key, map[string]any{"wallet": a, "amount": "1.00", "expires_at": "tomorrow"}), 422, "invalid_request")
		e.problem(e.req("POST", "/v1/holds", key, map[string]any{"wallet": a, "amount": "1.00", "expires_at": "2000-01-01T00:00:00Z"}), 422, "invalid_request")
		// Another operator cannot see or capture it.
		_, k2 := e.funded("BOC")
		e.problem(e.req("GET", "/v1/holds/"+h2, k2, nil), 404, "not_found")
	})
}

func TestHistoryPagination(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("ICBC")
		a := e.wallet(key, "")
		for i := 1; i <= 7; i++ {
			e.must(e.req("POST", "/v1/wallets/"+a+"/topups", key, map[string]any{"amount": fmt.Sprintf("%d.00", i)}), 201)
		}
		var amounts []string
		cursor := ""
		pages := 0
		for {
			r := e.must(e.req("GET", "/v1/wallets/"+a+"/transactions?limit=3&cursor="+cursor, key, nil), 200)
			pages++
			for _, it := range r.items() {
				amounts = append(amounts, it.(map[string]any)["amount"].(string))
			}
			cursor = r.str("next_cursor")
			if cursor == "" {
				break
			}
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
		}
		want := "[7.00 6.00 5.00 4.00 3.00 2.00 1.00]"
		if fmt.Sprint(amounts) != want || pages != 3 {
			t.Fatalf("history %v in %d pages, want %s in 3", amounts, pages, want)
		}
		// Wallet list paginates too.
		e.wallet(key, "")
		e.wallet(key, "")
		r := e.must(e.req("GET", "/v1/wallets?limit=2", key, nil), 200)
		if len(r.items()) != 2 || r.str("next_cursor") == "" {
			t.Fatalf("wallet page 1: %s", r.raw)
		}
		r = e.must(e.req("GET", "/v1/wallets?limit=2&cursor="+r.str("next_cursor"), key, nil), 200)
		if len(r.items()) != 1 || r.str("next_cursor") != "" {
			t.Fatalf("wallet page 2: %s", r.raw)
		}
	})
}

// TestIdempotencyEarlierRecords: a record stored by an Ingot version that
// kept the HTTP answer itself (status and body) rather than the outcome is
// replayed as it is, and the request does not run again.
func TestIdempotencyEarlierRecords(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("ICBC")
		w := e.wallet(key, "")
		a, err := e.auth.Authenticate(context.Background(), key, auth.Client{})
		if err != nil {
			t.Fatal(err)
		}
		path := "/v1/wallets/" + w + "/freeze"
		h := sha256.Sum256([]byte("POST " + path + "\nnull"))
		stored := `{"id":"` + w + `","status":"frozen","note":"stored by an earlier version"}`
		rec := &store.IdemRecord{IdemKey: ingot.IdemKey{Scope: a.KeyID, Key: "old-1"}, Hash: h[:], Status: 200, Body: []byte(stored), CreatedAt: time.Now()}
		// Any creation writes a record with its row; an extra API key is harmless.
		if _, err := e.st.CreateAPIKey(context.Background(), ingot.APIKey{ID: uuid.NewString(), Role: ingot.RoleAuditor, Hash: h[:], CreatedAt: time.Now()}, rec); err != nil {
			t.Fatal(err)
		}
		r := e.must(e.req("POST", path, key, nil, "Idempotency-Key", "old-1"), 200)
		if r.header.Get("Idempotent-Replayed") != "true" || r.str("status") != "frozen" {
			t.Fatalf("replay of an earlier record: %v %s", r.header, r.raw)
		}
		if got := e.must(e.req("GET", "/v1/wallets/"+w, key, nil), 200).str("status"); got != "active" {
			t.Fatalf("the replayed request ran: wallet %s", got)
		}
		e.problem(e.req("POST", "/v1/wallets/"+w+"/unfreeze", key, nil, "Idempotency-Key", "old-1"), 422, "idempotency_conflict")
	})
}
