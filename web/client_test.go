package web_test

import (
	"testing"
	"time"
)

// TestHolderTokenRefreshed: a holder who keeps using the wallet outlives
// the API's 5-minute access token; the web's client refreshes it once,
// transparently, and the page is served. A session left idle longer than
// its timeout ends instead.
func TestHolderTokenRefreshed(t *testing.T) {
	s := newSite(t)
	h := newHolder(s, "13800138124")
	w := h.wallet
	b := s.signIn(h.phone)
	b.has(w)

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
