package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/client"
)

// flaky answers the statuses in turn (then 201 with a transfer), with
// Retry-After retry, recording the Idempotency-Key of each request.
type flaky struct {
	mu       sync.Mutex
	statuses []int
	retry    string
	keys     []string
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = append(f.keys, r.Header.Get("Idempotency-Key"))
	if len(f.keys) <= len(f.statuses) {
		st := f.statuses[len(f.keys)-1]
		if f.retry != "" {
			w.Header().Set("Retry-After", f.retry)
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(st)
		code := map[int]string{503: "unavailable", 429: "rate_limited"}[st]
		_, _ = w.Write([]byte(`{"type":"urn:ingot:problem:` + code + `","title":"","status":` + strconv.Itoa(st) + `,"detail":"try later","code":"` + code + `"}`))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write([]byte(`{"id":"t1","from":"a","to":"b","amount":"1.00","currency":"CNY","kind":"payment","memo":"","created_at":"2026-01-02T03:04:05Z","log_index":7}`))
}

func TestRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pay := client.PayBody{From: "a", To: "b", Amount: "1.00", Currency: "CNY"}
	tests := []struct {
		name     string
		statuses []int
		retry    string
		attempts int
		code     string
		minWait  time.Duration
	}{
		{"503 then success, Retry-After honoured", []int{503}, "1", 2, "", time.Second},
		{"429 twice then success, backoff", []int{429, 429}, "", 3, "", 750 * time.Millisecond},
		{"503 three times: gives up", []int{503, 503, 503}, "0", 3, "unavailable", 0},
		{"Retry-After beyond the cap: not waited", []int{429}, "60", 1, "rate_limited", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &flaky{statuses: tc.statuses, retry: tc.retry}
			srv := httptest.NewServer(f)
			defer srv.Close()
			c := client.New(srv.URL, client.WithAPIKey("k"), client.WithRetries(3, 5*time.Second))
			start := time.Now()
			tr, err := c.CreateTransfer(ctx, pay)
			if took := time.Since(start); took < tc.minWait {
				t.Errorf("answered after %v; want at least %v", took, tc.minWait)
			}
			if got := client.Code(err); got != tc.code {
				t.Fatalf("error %v; want code %q", err, tc.code)
			}
			if err == nil && (tr.ID != "t1" || tr.LogIndex != 7) {
				t.Fatalf("transfer %+v", tr)
			}
			if tc.retry == "60" {
				if e := err.(*client.Error); e.RetryAfter != time.Minute || e.Status != 429 {
					t.Fatalf("error %+v; want Retry-After 1m, 429", e)
				}
			}
			if len(f.keys) != tc.attempts {
				t.Fatalf("%d attempts; want %d", len(f.keys), tc.attempts)
			}
			for _, k := range f.keys {
				if k == "" || k != f.keys[0] {
					t.Fatalf("idempotency keys %q: want one key, re-sent", f.keys)
				}
			}
		})
	}
}
