package httpapi_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

func TestQuickstart(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		opID, key := e.operator("ICBC")
		// mint
		r := e.must(e.req("POST", "/v1/issuance/mint", adminKey, map[string]any{"operator_id": opID, "amount": "1000000.00", "currency": "CNY"}), 201)
		if r.str("from") != "issuance" || r.str("to") != "reserve:"+opID || r.str("amount") != "1000000.00" || r.str("kind") != "mint" {
			t.Fatalf("mint: %s", r.raw)
		}
		// wallets
		r = e.must(e.req("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Zhang San", "phone": "13812345678"}, "currency": "CNY", "kind": "personal"}), 201)
		a := r.str("id")
		h, _ := r.body["holder"].(map[string]any)
		if len(a) != 16 || r.str("status") != "active" || r.str("balance") != "0.00" || h["phone"] != "+86 138****5678" || h["name"] != "Z**** S**" {
			t.Fatalf("wallet: %s", r.raw)
		}
		if strings.Contains(string(r.raw), "12345678") {
			t.Fatalf("unmasked phone: %s", r.raw)
		}
		b := e.wallet(key, "")
		// top up, transfer
		r = e.must(e.req("POST", "/v1/wallets/"+a+"/topups", key, map[string]any{"amount": "100.00"}), 201)
		if r.str("from") != "reserve:"+opID || r.str("to") != a || r.str("kind") != "topup" {
			t.Fatalf("topup: %s", r.raw)
		}
		r = e.must(e.req("POST", "/v1/transfers", key, map[string]any{"from": a, "to": b, "amount": "12.30", "currency": "CNY", "memo": "lunch"}), 201)
		tid := r.str("id")
		if r.str("from") != a || r.str("to") != b || r.str("amount") != "12.30" || r.str("memo") != "lunch" || r.str("kind") != "payment" || r.str("created_at") == "" {
			t.Fatalf("transfer: %s", r.raw)
		}
		if got := e.balance(key, a); got != "87.70" {
			t.Fatalf("balance a %s", got)
		}
		if got := e.balance(key, b); got != "12.30" {
			t.Fatalf("balance b %s", got)
		}
		r = e.must(e.req("GET", "/v1/transfers/"+tid, key, nil), 200)
		if r.str("id") != tid || r.str("amount") != "12.30" {
			t.Fatalf("get transfer: %s", r.raw)
		}
		// history
		r = e.must(e.req("GET", "/v1/wallets/"+a+"/transactions", key, nil), 200)
		items := r.items()
		if len(items) != 2 {
			t.Fatalf("history: %s", r.raw)
		}
		first := items[0].(map[string]any)
		if first["amount"] != "-12.30" || first["balance_after"] != "87.70" || first["transfer"].(map[string]any)["id"] != tid {
			t.Fatalf("history item: %v", first)
		}
		second := items[1].(map[string]any)
		if second["amount"] != "100.00" || second["balance_after"] != "100.00" {
			t.Fatalf("history item 2: %v", second)
		}
		// supply, me, lists
		r = e.must(e.req("GET", "/v1/issuance/supply?currency=CNY", adminKey, nil), 200)
		if r.str("issued") != "1000000.00" || r.str("wallets") != "100.00" || r.str("reserves") != "999900.00" || r.str("currency") != "CNY" {
			t.Fatalf("supply: %s", r.raw)
		}
		r = e.must(e.req("GET", "/v1/operators/me", key, nil), 200)
		if r.str("id") != opID || !strings.Contains(string(r.raw), `"balance":"999900.00"`) {
			t.Fatalf("me: %s", r.raw)
		}
		r = e.must(e.req("GET", "/v1/operators", adminKey, nil), 200)
		if len(r.items()) != 1 || strings.Contains(string(r.raw), "api_key") {
			t.Fatalf("operators: %s", r.raw)
		}
		r = e.must(e.req("GET", "/v1/wallets", key, nil), 200)
		if len(r.items()) != 2 {
			t.Fatalf("wallets: %s", r.raw)
		}
		// withdrawal, burn
		r = e.must(e.req("POST", "/v1/wallets/"+b+"/withdrawals", key, map[string]any{"amount": "2.30"}), 201)
		if r.str("from") != b || r.str("to") != "reserve:"+opID || r.str("kind") != "withdrawal" {
			t.Fatalf("withdrawal: %s", r.raw)
		}
		r = e.must(e.req("POST", "/v1/issuance/burn", adminKey, map[string]any{"operator_id": opID, "amount": "1.00", "currency": "CNY"}), 201)
		if r.str("from") != "reserve:"+opID || r.str("to") != "issuance" {
			t.Fatalf("burn: %s", r.raw)
		}
		// the central bank reads the mint, with the reserve named
		r = e.must(e.req("GET", "/v1/transfers/"+r.str("id"), adminKey, nil), 200)
		if r.str("from") != "reserve:"+opID {
			t.Fatalf("burn read: %s", r.raw)
		}
	})
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestRequestLogs(t *testing.T) {
	t.Parallel()
	var buf lockedBuffer
	e := newEnvLog(t, openSQLite, 0, &buf)
	_, key := e.funded("ICBC")
	a := e.wallet(key, "10.00")
	e.req("GET", "/v1/wallets/"+a, "ik_wrong_key", nil)
	logs := buf.String()
	for _, secret := range []string{"13812345678", key, "ik_wrong_key", adminKey, "Zhang San"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("logs contain %q:\n%s", secret, logs)
		}
	}
	for _, want := range []string{`"route":"POST /v1/wallets"`, `"status":201`, `"route":"GET /v1/wallets/{id}"`, `"status":401`, `"duration_ms"`, `"method":"POST"`} {
		if !strings.Contains(logs, want) {
			t.Fatalf("logs lack %s:\n%s", want, logs)
		}
	}
}
