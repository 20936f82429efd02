package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"
)

// clock is a settable time for limiters.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestLimiterBucket(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	l := newLimiter("signin-phone", 10, time.Minute)
	l.now = c.now
	if l.policy != `"signin-phone";q=10;w=60` {
		t.Fatalf("policy %s", l.policy)
	}
	for i := range 10 {
		d := l.allow("+8613812345678")
		if !d.ok || d.remaining != 9-i {
			t.Fatalf("attempt %d: %+v", i+1, d)
		}
	}
	d := l.allow("+8613812345678")
	if d.ok || d.remaining != 0 || seconds(d.retryAfter, 1) != 6 {
		t.Fatalf("11th attempt: ok %v, r %d, retry %v (one attempt back every 6 s)", d.ok, d.remaining, d.retryAfter)
	}
	if other := l.allow("+8613812345679"); !other.ok || other.remaining != 9 {
		t.Fatalf("another phone: %+v", other)
	}
	// A refused attempt is not counted: 6 s later one is allowed.
	c.add(6 * time.Second)
	if d = l.allow("+8613812345678"); !d.ok || d.remaining != 0 {
		t.Fatalf("after 6 s: %+v", d)
	}
	if d = l.allow("+8613812345678"); d.ok {
		t.Fatal("a second attempt after 6 s")
	}
	// A minute later the bucket is full: t counts down to it.
	c.add(30 * time.Second)
	d = l.allow("+8613812345678")
	if !d.ok || d.remaining != 4 || seconds(d.reset, 0) != 36 {
		t.Fatalf("after 36 s: r %d, t %v", d.remaining, d.reset)
	}
	h := http.Header{}
	setRateHeaders(h, []decision{d})
	if h.Get("RateLimit") != `"signin-phone";r=4;t=36` || h.Get("RateLimit-Policy") != `"signin-phone";q=10;w=60` || h.Get("Retry-After") != "" {
		t.Fatalf("headers %v", h)
	}
}

func TestLimiterKeepsNoKeyAndBoundedMemory(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	l := newLimiter("address", 5, time.Second)
	l.now, l.maxKeys = c.now, 64
	for i := range 1000 {
		l.allow("192.0.2." + strconv.Itoa(i))
		if n := l.size(); n > l.maxKeys {
			t.Fatalf("%d buckets after %d keys", n, i+1)
		}
	}
	// Idle buckets are forgotten at the next sweep.
	c.add(11 * time.Second)
	l.allow("198.51.100.1")
	if n := l.size(); n != 1 {
		t.Fatalf("%d buckets after the sweep, want 1", n)
	}
	// Keys are salted hashes: two limiters do not share them.
	m := newLimiter("address", 5, time.Second)
	if m.salt == l.salt {
		t.Fatal("the same salt twice")
	}
}

func TestAdmitUndoesWhenOnePolicyRefuses(t *testing.T) {
	t.Parallel()
	h := newHardening(Hardening{RateLimit: 1, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, prometheus.NewRegistry())
	s := &server{hard: h}
	do := func(key, addr string) int {
		r := httptest.NewRequest("GET", "/v1/wallets", nil)
		r.RemoteAddr = "10.1.1.1:5555"
		r.Header.Set("X-Forwarded-For", addr)
		r.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		if _, label := s.admit(w, r); label != "" {
			return w.Code
		}
		return 200
	}
	if do("k1", "192.0.2.1") != 200 {
		t.Fatal("first request refused")
	}
	// k2 from the same address: refused by the address policy; k2's
	// credential token is given back, so k2 elsewhere still has its one.
	if do("k2", "192.0.2.1") != 429 {
		t.Fatal("second request from one address admitted")
	}
	if do("k2", "192.0.2.2") != 200 {
		t.Fatal("k2's token was spent by a refused request")
	}
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	proxies, err := ParseTrustedProxies("10.0.0.0/8, 192.168.1.5 ,fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	h := &hardening{proxies: proxies}
	for _, c := range []struct {
		peer string
		xff  []string
		want string
	}{
		{"203.0.113.9:443", nil, "203.0.113.9"},
		{"203.0.113.9:443", []string{"1.2.3.4"}, "203.0.113.9"}, // an untrusted peer's header is ignored
		{"[::ffff:203.0.113.9]:443", nil, "203.0.113.9"},
		{"[2001:db8::1%eth0]:443", nil, "2001:db8::1"},
		{"10.0.0.1:443", nil, "10.0.0.1"},
		{"10.0.0.1:443", []string{"198.51.100.1"}, "198.51.100.1"},
		{"10.0.0.1:443", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1"}, // the client wrote 6.6.6.6
		{"10.0.0.1:443", []string{"6.6.6.6, 198.51.100.1, 192.168.1.5"}, "198.51.100.1"},
		{"10.0.0.1:443", []string{"6.6.6.6", "198.51.100.1, 10.2.2.2"}, "198.51.100.1"},
		{"10.0.0.1:443", []string{"198.51.100.1:5678"}, "198.51.100.1"},
		{"10.0.0.1:443", []string{"[2001:db8::7]:5678"}, "2001:db8::7"},
		{"10.0.0.1:443", []string{"junk, 10.3.3.3"}, "10.3.3.3"}, // the last proxy that spoke clearly
		{"10.0.0.1:443", []string{"10.3.3.3"}, "10.3.3.3"},
		{"[fd00::1]:443", []string{"2001:db8::9"}, "2001:db8::9"},
		{"not an address", nil, "invalid IP"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := h.clientAddr(r).String(); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
	for addr, key := range map[string]string{"192.0.2.1": "192.0.2.1", "2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64", "": "unknown"} {
		a, _ := netip.ParseAddr(addr)
		if got := limitKey(a); got != key {
			t.Errorf("limitKey(%s) = %s, want %s", addr, got, key)
		}
	}
	if _, err := ParseTrustedProxies("10.0.0.0/33"); err == nil {
		t.Error("10.0.0.0/33 accepted")
	}
}

func TestIsSigninPath(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]bool{
		"/v1/auth/login": true, "/v1/auth/login/abc/sms": true, "/v1/auth/login/abc/verify": true,
		"/v1/auth/enroll": true, "/v1/auth/enroll/abc/confirm": true,
		"/v1/authorizations/abc/verify": true, "/v1/authorizations/abc/sms": true,
		"/v1/auth/refresh": false, "/v1/auth/logout": false, "/v1/auth/loginx": false, "/v1/auth": false,
		"/v1/authorizations/abc": false, "/v1/authorizations//verify": false, "/v1/authorizations/abc/verify/x": false,
		"/v1/me/totp": false, "/v1/transfers": false,
	} {
		if got := isSigninPath(p); got != want {
			t.Errorf("isSigninPath(%s) = %v", p, got)
		}
	}
}

// TestLimitSigninHook drives limitSignin as a sign-in handler would, in a
// huma API behind admit: 429 rate_limited with the headers, per phone and
// per address.
func TestLimitSigninHook(t *testing.T) {
	t.Parallel()
	s := &server{hard: newHardening(Hardening{SigninRateLimit: 2}, prometheus.NewRegistry())}
	mux := http.NewServeMux()
	s.api = humago.New(mux, huma.DefaultConfig("test", "1"))
	type in struct {
		Body struct {
			Phone string `json:"phone"`
		}
	}
	// A route outside isSigninPath, so the hook also counts the address.
	huma.Post(s.api, "/test/login", func(ctx context.Context, i *in) (*struct{}, error) {
		if err := s.limitSignin(ctx, i.Body.Phone); err != nil {
			return nil, err
		}
		return nil, nil
	})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, label := s.admit(w, r)
		if label == "" {
			mux.ServeHTTP(w, r)
		}
	})
	try := func(phone, peer string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/test/login", strings.NewReader(`{"phone":"`+phone+`"}`))
		r.Header.Set("Content-Type", "application/json")
		r.RemoteAddr = peer + ":1234"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i, peer := range []string{"192.0.2.1", "192.0.2.2"} {
		if w := try("+8613812345678", peer); w.Code != 204 {
			t.Fatalf("attempt %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	w := try("+8613812345678", "192.0.2.3")
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || w.Code != 429 || p.Code != "rate_limited" || !strings.Contains(p.Detail, "signin-phone") {
		t.Fatalf("third attempt on one phone: %d %s", w.Code, w.Body)
	}
	if w.Header().Get("Retry-After") != "30" || !strings.Contains(w.Header().Get("RateLimit"), `"signin-phone";r=0;t=30`) ||
		!strings.Contains(w.Header().Get("RateLimit-Policy"), `"signin-phone";q=2;w=60`) {
		t.Fatalf("headers %v", w.Header())
	}
	// The refused phone did not spend 192.0.2.3's attempts.
	for i := range 2 {
		if w := try("+861390000000"+strconv.Itoa(i), "192.0.2.3"); w.Code != 204 {
			t.Fatalf("other phones from 192.0.2.3, attempt %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	w = try("+8613900000009", "192.0.2.3")
	if w.Code != 429 || !strings.Contains(w.Body.String(), "signin-address") {
		t.Fatalf("third attempt from one address: %d %s", w.Code, w.Body)
	}
}

// TestClientCertInContext: what admit puts in the context is what huma
// handlers read.
func TestClientCertInContext(t *testing.T) {
	t.Parallel()
	s := &server{hard: newHardening(Hardening{}, prometheus.NewRegistry())}
	der := []byte("not parsed: only hashed")
	r := httptest.NewRequest("GET", "/v1/wallets", nil)
	r.RemoteAddr = "[2001:db8::5]:443"
	r.TLS = &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{{Raw: der}}}}
	r2, label := s.admit(httptest.NewRecorder(), r)
	if label != "" {
		t.Fatal(label)
	}
	want := sha256.Sum256(der)
	if got := ClientCertSHA256FromContext(r2.Context()); !bytes.Equal(got, want[:]) || !bytes.Equal(ClientCertSHA256(r2), want[:]) {
		t.Fatalf("fingerprint %x, want %x", got, want)
	}
	if a := ClientAddr(r2.Context()); a != netip.MustParseAddr("2001:db8::5") {
		t.Fatalf("address %s", a)
	}
	// Sent but not verified (a server asking with RequestClientCert): none.
	r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{{Raw: der}}}
	if r2, _ = s.admit(httptest.NewRecorder(), r); ClientCertSHA256FromContext(r2.Context()) != nil {
		t.Fatal("an unverified certificate's fingerprint")
	}
}

func TestClientCertSHA256WithoutTLS(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/", nil)
	if ClientCertSHA256(r) != nil || ClientCertSHA256FromContext(r.Context()) != nil || ClientAddr(r.Context()).IsValid() {
		t.Fatal("a client certificate or address without a connection")
	}
}

// TestSecurityHeadersShared: the shared header values survive what
// handlers do to their own answer's headers.
func TestSecurityHeadersShared(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	securityHeaders(h, httptest.NewRequest("GET", "/", nil))
	h.Add("Cache-Control", "private")
	h.Set("X-Content-Type-Options", "other")
	h.Del("Cache-Control")
	if len(noStore) != 1 || noStore[0] != "no-store" || len(noSniff) != 1 || noSniff[0] != "nosniff" || cap(noStore) != 1 {
		t.Fatalf("shared values changed: %q %q", noStore, noSniff)
	}
}
