package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/httpapi"
)

func withHardening(h httpapi.Hardening) func(*httpapi.Options) {
	return func(o *httpapi.Options) { o.Hardening = h }
}

// loopbackProxy trusts the test client (127.0.0.1) as a proxy, so that
// X-Forwarded-For chooses the client address a request counts under.
var loopbackProxy = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// TestSecurityHeadersOnEveryAnswer: no-store and nosniff on answers of
// every kind; no HSTS over plain HTTP; no CORS headers without
// --cors-origin, whatever the Origin.
func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	t.Parallel()
	e := newEnvLog(t, openSQLite, 0, io.Discard, withHardening(httpapi.Hardening{RateLimit: 1000}))
	_, key := e.funded("HDRS")
	a := e.wallet(key, "10.00")
	for _, c := range []struct {
		method, path, key string
		body              any
		status            int
	}{
		{"GET", "/healthz", "", nil, 200},
		{"GET", "/readyz", "", nil, 200},
		{"GET", "/metrics", "", nil, 200},
		{"GET", "/openapi.json", "", nil, 200},
		{"GET", "/docs", "", nil, 200},
		{"GET", "/v1/wallets/" + a, key, nil, 200},
		{"POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Li Si", "phone": "13812345678"}, "currency": "CNY"}, 201},
		{"GET", "/v1/wallets", "", nil, 401},
		{"POST", "/v1/transfers", key, `{"amount":"1","amount":"2"}`, 400},
		{"POST", "/v1/transfers", key, `{"memo":"\u0000"}`, 422},
		{"GET", "/v1/nothing", key, nil, 404},
		{"DELETE", "/v1/transfers", key, nil, 405},
		{"OPTIONS", "/v1/transfers", "", nil, 405},
	} {
		r := e.req(c.method, c.path, c.key, c.body, "Origin", "https://wallet.example.cn", "Access-Control-Request-Method", "POST")
		if r.status != c.status {
			t.Errorf("%s %s: status %d, want %d: %s", c.method, c.path, r.status, c.status, r.raw)
		}
		if got := r.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s %s: Cache-Control %q", c.method, c.path, got)
		}
		if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options %q", c.method, c.path, got)
		}
		if got := r.header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s %s: HSTS %q over plain HTTP", c.method, c.path, got)
		}
		for k := range r.header {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Errorf("%s %s: %s without --cors-origin", c.method, c.path, k)
			}
		}
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	const origin = "https://wallet.example.cn"
	e := newEnvLog(t, openSQLite, 0, io.Discard, withHardening(httpapi.Hardening{CORSOrigins: []string{origin, "http://localhost:3000"}}))
	_, key := e.funded("CORS")

	// The allowed origin's preflight.
	r := e.req("OPTIONS", "/v1/transfers", "", nil, "Origin", origin, "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "authorization, content-type, idempotency-key")
	if r.status != http.StatusNoContent {
		t.Fatalf("preflight: status %d: %s", r.status, r.raw)
	}
	want := map[string]string{
		"Access-Control-Allow-Origin":  origin,
		"Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE",
		"Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key, Ingot-Authorization",
		"Access-Control-Max-Age":       "600",
		"Cache-Control":                "no-store",
	}
	for k, v := range want {
		if got := r.header.Get(k); got != v {
			t.Errorf("preflight %s: %q, want %q", k, got, v)
		}
	}
	if v := strings.Join(r.header.Values("Vary"), ", "); !strings.Contains(v, "Origin") || !strings.Contains(v, "Access-Control-Request-Headers") {
		t.Errorf("preflight Vary %q", v)
	}
	if r.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("Allow-Credentials: bearer keys are not cookies")
	}

	// Another origin's preflight: no CORS headers, the router's 405.
	for _, other := range []string{"https://evil.example", "https://wallet.example.cn.evil.example", "null", "http://wallet.example.cn"} {
		r = e.req("OPTIONS", "/v1/transfers", "", nil, "Origin", other, "Access-Control-Request-Method", "POST")
		if r.status == http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("preflight from %s: %d %v", other, r.status, r.header)
		}
		if !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Origin") {
			t.Errorf("answer to %s without Vary: Origin", other)
		}
	}

	// Requests: the allowed origin may read the answer and its headers.
	r = e.must(e.req("GET", "/v1/operators/me", key, nil, "Origin", origin), 200)
	if r.header.Get("Access-Control-Allow-Origin") != origin ||
		r.header.Get("Access-Control-Expose-Headers") != "Idempotent-Replayed, Retry-After, RateLimit, RateLimit-Policy" {
		t.Errorf("allowed origin's request: %v", r.header)
	}
	r = e.req("GET", "/v1/operators/me", "", nil, "Origin", origin)
	if r.status != 401 || r.header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("the allowed origin reads errors too: %d %v", r.status, r.header)
	}
	r = e.must(e.req("GET", "/v1/operators/me", key, nil, "Origin", "https://evil.example"), 200)
	if r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Expose-Headers") != "" {
		t.Errorf("other origin's request: %v", r.header)
	}
}

// rateHeaders returns RateLimit-Policy and RateLimit.
func rateHeaders(r *resp) (string, string) {
	return r.header.Get("RateLimit-Policy"), r.header.Get("RateLimit")
}

func TestRateLimitPerCredentialAndAddress(t *testing.T) {
	t.Parallel()
	e := newEnvLog(t, openSQLite, 0, io.Discard, withHardening(httpapi.Hardening{RateLimit: 2, TrustedProxies: loopbackProxy}))
	// Keys made through the service: the API would count their making.
	key1, key2 := serviceOperator(t, e, "RLA"), serviceOperator(t, e, "RLB")
	// The clients come through the "proxy" from their own addresses.
	from := func(addr string) []string { return []string{"X-Forwarded-For", "198.51.100.7, " + addr} }

	r := e.must(e.req("GET", "/v1/operators/me", key1, nil, from("192.0.2.1")...), 200)
	pol, cur := rateHeaders(r)
	if pol != `"credential";q=2;w=1, "address";q=2;w=1` || cur != `"credential";r=1;t=1, "address";r=1;t=1` {
		t.Fatalf("first request: RateLimit-Policy %q, RateLimit %q", pol, cur)
	}
	e.must(e.req("GET", "/v1/operators/me", key1, nil, from("192.0.2.1")...), 200)
	r = e.req("GET", "/v1/operators/me", key1, nil, from("192.0.2.1")...)
	e.problem(r, http.StatusTooManyRequests, "rate_limited")
	retry, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || retry < 1 || retry > 1 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if _, cur = rateHeaders(r); !strings.HasPrefix(cur, `"credential";r=0;t=1`) {
		t.Fatalf("refused: RateLimit %q", cur)
	}
	if !strings.Contains(r.str("detail"), "credential") {
		t.Errorf("detail %q does not name the policy", r.str("detail"))
	}

	// The same key from elsewhere: still its credential's limit.
	e.problem(e.req("GET", "/v1/operators/me", key1, nil, from("192.0.2.2")...), 429, "rate_limited")
	// Another key from elsewhere goes on; from the busy address it does not.
	e.must(e.req("GET", "/v1/operators/me", key2, nil, from("192.0.2.3")...), 200)
	r = e.req("GET", "/v1/operators/me", key2, nil, from("192.0.2.1")...)
	e.problem(r, 429, "rate_limited")
	if !strings.Contains(r.str("detail"), "address") {
		t.Errorf("detail %q does not name the address policy", r.str("detail"))
	}
	// An IPv6 client counts by its /64.
	e.must(e.req("GET", "/v1/operators/me", key2, nil, from("2001:db8:1:2::1")...), 200)
	r = e.req("GET", "/v1/operators/me", "ik_nobody", nil, from("2001:db8:1:2:ffff::9")...)
	e.problem(r, 401, "unauthorized")
	e.problem(e.req("GET", "/v1/operators/me", "ik_nobody2", nil, from("2001:db8:1:2:abcd::1")...), 429, "rate_limited")
	// Probes and the scrape are never limited.
	for range 5 {
		e.must(e.req("GET", "/healthz", "", nil, from("192.0.2.1")...), 200)
	}
	metrics := string(e.must(e.req("GET", "/metrics", "", nil, from("192.0.2.1")...), 200).raw)
	for _, want := range []string{`ingot_http_rate_limited_total{policy="credential"} 2`, `ingot_http_rate_limited_total{policy="address"} 3`, `route="GET /v1/operators/me",status="429"`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// After Retry-After, the first client is served again.
	time.Sleep(time.Duration(retry) * time.Second)
	e.must(e.req("GET", "/v1/operators/me", key1, nil, from("192.0.2.1")...), 200)
}

// serviceOperator makes an operator through the service and returns its key.
func serviceOperator(t *testing.T, e *env, code string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := e.auth.Authenticate(ctx, adminKey, auth.Client{})
	if err != nil {
		t.Fatal(err)
	}
	op, err := e.svc.CreateOperator(ctx, admin, "Bank "+code, code, nil)
	if err != nil {
		t.Fatal(err)
	}
	return op.APIKey
}

func TestRateLimitOffByDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite, 0)
	for range 20 {
		r := e.must(e.req("GET", "/v1/operators", adminKey, nil), 200)
		if pol, cur := rateHeaders(r); pol != "" || cur != "" {
			t.Fatalf("rate headers without limits: %q %q", pol, cur)
		}
	}
}

// TestSigninAddressLimit: the sign-in, enrolment and approval-code routes
// share a stricter per-address limit, applied before routing (the bodies
// are refused by the routes themselves: what counts is that they were let
// through).
func TestSigninAddressLimit(t *testing.T) {
	t.Parallel()
	e := newEnvLog(t, openSQLite, 0, io.Discard, withHardening(httpapi.Hardening{RateLimit: 1000, SigninRateLimit: 3, TrustedProxies: loopbackProxy}))
	from := func(addr string) []string { return []string{"X-Forwarded-For", addr} }
	for _, p := range []string{"/v1/auth/login", "/v1/auth/enroll", "/v1/authorizations/0190c2a4/verify"} {
		r := e.req("POST", p, "", `{}`, from("192.0.2.10")...)
		if r.status == 429 {
			t.Fatalf("%s: limited at the first attempt", p)
		}
		if pol, _ := rateHeaders(r); !strings.Contains(pol, `"signin-address";q=3;w=60`) {
			t.Fatalf("%s: RateLimit-Policy %q", p, pol)
		}
	}
	for _, p := range []string{"/v1/auth/login/x/verify", "/v1/auth/enroll/x/confirm", "/v1/authorizations/y/sms", "/v1/auth/login/x/sms"} {
		r := e.req("POST", p, "", `{}`, from("192.0.2.10")...)
		e.problem(r, 429, "rate_limited")
		secs, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || secs < 15 || secs > 20 {
			t.Fatalf("%s: Retry-After %q (a minute's 3 attempts: one back every 20 s)", p, r.header.Get("Retry-After"))
		}
		if _, cur := rateHeaders(r); !strings.Contains(cur, `"signin-address";r=0;t=`) {
			t.Fatalf("%s: RateLimit %q", p, cur)
		}
	}
	// Not sign-in attempts: refresh, logout, other routes, preflights.
	for _, p := range []string{"/v1/auth/refresh", "/v1/auth/logout", "/v1/authorizations/y", "/v1/authorizations/y/verify/more", "/v1/authx/login"} {
		if r := e.req("POST", p, "", `{}`, from("192.0.2.10")...); r.status == 429 {
			t.Errorf("%s limited as a sign-in", p)
		}
	}
	// Another address has its own attempts.
	if r := e.req("POST", "/v1/auth/login", "", `{}`, from("192.0.2.11")...); r.status == 429 {
		t.Errorf("another address: %d", r.status)
	}
}
