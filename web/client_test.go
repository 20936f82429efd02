package web_test

import (
	"net/url"
	"testing"
	"time"
)

// TestHolderTokenRefreshed: a holder who keeps using the wallet outlives
// the API's 5-minute access token; the web's client refreshes it once,
// transparently, and the page is served. A session left idle longer than
// its timeout ends instead.
func TestHolderTokenRefreshed(t *testing.T) {
	s := newSite(t)
	op := s.api("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank of Ingot", "code": "BOI"}, 201)
	key := op["api_key"].(string)
	phone := "13800138124"
	w := s.api("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Li Wei", "phone": phone}, "currency": "CNY"}, 201)["id"].(string)
	e := s.api("POST", "/v1/auth/enroll", "", map[string]any{"phone": phone}, 202)
	s.api("POST", "/v1/auth/enroll/"+e["enrollment_id"].(string)+"/confirm", "", map[string]any{"code": s.lastCode(phone), "pin": "385912"}, 201)

	b := s.browser()
	b.get("/signin", 200)
	b.post("/signin", url.Values{"phone": {phone}, "pin": {"385912"}}, 200)
	b.post("/signin/verify", url.Values{"method": {"sms"}, "code": {s.lastCode(phone)}}, 200)
	b.has("My wallets", w)

	// 4 + 4 minutes of use: the access token (5 minutes) has expired by
	// the second page, the session (5 minutes idle) has not.
	for range 2 {
		s.advance(4 * time.Minute)
		b.get("/wallet", 200)
		b.has("My wallets", w)
	}
	// And the refreshed token goes on working: a third page, 4 minutes on.
	s.advance(4 * time.Minute)
	b.get("/wallet", 200)
	b.has("My wallets", w)

	// Idle for longer than the timeout: signed out.
	s.advance(6 * time.Minute)
	b.get("/wallet", 200)
	b.has(`name="phone"`, `name="pin"`)
}
