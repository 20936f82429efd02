package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzDecodeRequest throws arbitrary bodies at POST /v1/transfers and POST
// /v1/wallets: the answer is never 5xx, and every error is problem+json
// with a code.
func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"from":"FROM","to":"4111111111111111","amount":"1.00","currency":"CNY"}`), false)
	f.Add([]byte(`{"holder":{"name":"a","phone":"13812345678"},"currency":"CNY"}`), true)
	f.Add([]byte(`{"amount":"-1"}`), false)
	f.Add([]byte(`{"holder":{"name":"\u0000","phone":"+"},"currency":"JPY","kind":"merchant"}`), true)
	f.Add([]byte(`[`), false)
	f.Add([]byte(`null`), true)
	f.Add([]byte(`{"from":1e400}`), false)
	f.Add([]byte("\xff\xfe"), true)
	// One environment for the whole run: inputs must be fast, and state
	// left behind by earlier inputs only makes later ones more varied.
	e := newEnv(f, openSQLite, 0)
	_, key := e.funded("FUZZ")
	from := e.wallet(key, "100.00")
	f.Fuzz(func(t *testing.T, body []byte, wallets bool) {
		path := "/v1/transfers"
		if wallets {
			path = "/v1/wallets"
		}
		body = bytes.ReplaceAll(body, []byte("FROM"), []byte(from))
		r := httptest.NewRequest("POST", path, bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+key)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
		if w.Code >= 400 {
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Fatalf("error with Content-Type %q: %s", ct, w.Body)
			}
			var p struct {
				Status int
				Code   string
			}
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Code == "" || p.Status != w.Code {
				t.Fatalf("bad problem (%v): %s", err, w.Body)
			}
		} else if w.Code != http.StatusCreated {
			t.Fatalf("unexpected success status %d: %s", w.Code, w.Body)
		}
	})
}
