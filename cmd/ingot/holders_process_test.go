package main

import (
	"regexp"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/internal/testdb"
)

// TestTwoProcessesHolders runs holders' sign-in and payment approval across
// two `ingot serve --sandbox` processes on one PostgreSQL database: every
// step may land on either process, as behind a load balancer. Nothing that
// decides (codes, tries, lock-outs, sessions, approvals, revoked keys) may
// live in one process's memory.
func TestTwoProcessesHolders(t *testing.T) {
	t.Parallel()
	db := testdb.NewDSN(t, "postgres")
	p1 := startProc(t, "p1", db, "--sandbox")
	p2 := startProc(t, "p2", db, "--sandbox")

	_, key := p1.operator("HLD", "100000.00")
	phone := "13800138111"
	w := p1.must(201, "POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Li Wei", "phone": phone}, "currency": "CNY"}).str("id")
	p1.must(201, "POST", "/v1/wallets/"+w+"/topups", key, map[string]any{"amount": "2000.00"})
	payee := p1.wallet(key, "")
	code := func(p *proc) string {
		t.Helper()
		r := p.must(200, "GET", "/v1/sandbox/sms?phone="+phone, procAdminKey, nil)
		ms, _ := r.body["messages"].([]any)
		if len(ms) == 0 {
			t.Fatalf("no SMS on %s", p.name)
		}
		m := regexp.MustCompile(`\b\d{6}\b`).FindString(ms[0].(map[string]any)["text"].(string))
		if m == "" {
			t.Fatalf("no code in %v", ms[0])
		}
		return m
	}

	// Enrol on p1, confirm on p2 with the code p1 sent.
	id := p1.must(202, "POST", "/v1/auth/enroll", "", map[string]any{"phone": phone}).str("enrollment_id")
	tok := p2.must(201, "POST", "/v1/auth/enroll/"+id+"/confirm", "", map[string]any{"code": code(p2), "pin": "385912"})
	access, refresh := tok.str("access_token"), tok.str("refresh_token")
	p1.must(200, "GET", "/v1/me", access, nil)

	// A payment needs approval: asked on p1, its SMS sent by p2, verified
	// on p1, paid on p2, its second use refused on p1.
	pay := map[string]any{"from": w, "to": payee, "amount": "300.00", "currency": "CNY"}
	r := p1.must(403, "POST", "/v1/transfers", access, pay)
	auth, _ := r.body["authorization"].(map[string]any)
	if r.str("code") != "sca_required" || auth == nil {
		t.Fatalf("payment without approval: %s", r)
	}
	aid := auth["id"].(string)
	p2.must(202, "POST", "/v1/authorizations/"+aid+"/sms", access, nil)
	p1.must(200, "POST", "/v1/authorizations/"+aid+"/verify", access, map[string]any{"method": "sms", "code": code(p1)})
	p2.must(201, "POST", "/v1/transfers", access, pay, "Ingot-Authorization", aid)
	if r := p1.must(403, "POST", "/v1/transfers", access, pay, "Ingot-Authorization", aid); r.str("code") != "authorization_used" {
		t.Fatalf("second use on the other process: %s", r)
	}

	// A refresh token rotated on p1 and replayed on p2 ends the session on both.
	rot := p1.must(200, "POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": refresh})
	p2.must(401, "POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": refresh})
	p1.must(401, "GET", "/v1/me", rot.str("access_token"), nil)

	// Five wrong PINs, spread over the two processes, lock the phone on both.
	for i := range 5 {
		p := []*proc{p1, p2}[i%2]
		p.do("POST", "/v1/auth/login", "", map[string]any{"phone": phone, "pin": "999990"})
	}
	for _, p := range []*proc{p1, p2} {
		if r := p.must(429, "POST", "/v1/auth/login", "", map[string]any{"phone": phone, "pin": "385912"}); r.header.Get("Retry-After") == "" {
			t.Fatalf("lock-out on %s without Retry-After: %s", p.name, r)
		}
	}

	// A key revoked on p1 stops working on p2 within a second.
	k := p1.must(201, "POST", "/v1/api-keys", key, map[string]any{"name": "reports", "scopes": []string{"wallets:read"}}).str("api_key")
	p2.must(200, "GET", "/v1/wallets/"+w, k, nil)
	kid := ""
	for _, it := range p1.must(200, "GET", "/v1/api-keys", key, nil).body["items"].([]any) {
		if m := it.(map[string]any); m["name"] == "reports" {
			kid = m["id"].(string)
		}
	}
	p1.must(204, "DELETE", "/v1/api-keys/"+kid, key, nil)
	deadline := time.Now().Add(1500 * time.Millisecond)
	for {
		r, err := p2.do("GET", "/v1/wallets/"+w, k, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.status == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the revoked key still works on p2 after 1.5 s: %s", r)
		}
		time.Sleep(50 * time.Millisecond)
	}
	p1.checkSupply("100000.00", "2000.00")
}
