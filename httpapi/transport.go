package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Transport and hardening: what happens to every request before routing
// (admit, called by serveHTTP), and what handlers can learn of the
// connection (ClientAddr, ClientCertSHA256). TLS itself is tls.go; headers
// and CORS headers.go; rate limits ratelimit.go; the I-JSON check of bodies
// ijson.go.

// hardening is Options.Hardening, ready to use.
type hardening struct {
	origins       map[string]bool // CORS
	credential    *limiter        // nil: off
	address       *limiter
	signinAddress *limiter
	signinPhone   *limiter
	proxies       []netip.Prefix
	limited       *prometheus.CounterVec
}

func newHardening(o Hardening, reg prometheus.Registerer) *hardening {
	h := &hardening{
		credential:    newLimiter(policyCredential, o.RateLimit, time.Second),
		address:       newLimiter(policyAddress, o.RateLimit, time.Second),
		signinAddress: newLimiter(policySigninAddress, o.SigninRateLimit, time.Minute),
		signinPhone:   newLimiter(policySigninPhone, o.SigninRateLimit, time.Minute),
		proxies:       o.TrustedProxies,
	}
	if len(o.CORSOrigins) > 0 {
		h.origins = map[string]bool{}
		for _, origin := range o.CORSOrigins {
			h.origins[strings.ToLower(strings.TrimSuffix(origin, "/"))] = true
		}
	}
	h.limited = registerCollector(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ingot_http_rate_limited_total", Help: "Requests refused 429 rate_limited, by the policy that refused them.",
	}, []string{"policy"}))
	return h
}

// countLimited counts a refusal under each policy that refused.
func (h *hardening) countLimited(ds []decision) {
	for _, d := range ds {
		if !d.ok {
			h.limited.WithLabelValues(d.lim.name).Inc()
		}
	}
}

// clientInfo is what admit learned of a request's client, in its context.
type clientInfo struct {
	addr          netip.Addr
	key           string // addr as the per-address limits see it
	tls           *tls.ConnectionState
	signinCounted bool // the signin-address policy counted this request
}

type clientKey struct{}

func clientOf(ctx context.Context) *clientInfo {
	ci, _ := ctx.Value(clientKey{}).(*clientInfo)
	return ci
}

// ClientAddr returns the address of the client of the request whose
// context ctx is (a huma handler's ctx, or r.Context()): the TCP peer, or,
// when the peer is a trusted proxy (Hardening.TrustedProxies), the address
// that proxy names in X-Forwarded-For. It is the zero Addr for a context
// that did not come through the server.
func ClientAddr(ctx context.Context) netip.Addr {
	if ci := clientOf(ctx); ci != nil {
		return ci.addr
	}
	return netip.Addr{}
}

// ClientCertSHA256 returns the SHA-256 of the DER encoding of the client
// certificate verified on r's TLS connection (mutual TLS, ingot serve
// --tls-client-ca), or nil when the client sent none or the connection is
// not TLS. A key bound to a certificate compares this with the fingerprint
// it was bound to (crypto/subtle.ConstantTimeCompare).
func ClientCertSHA256(r *http.Request) []byte { return certSHA256(r.TLS) }

// ClientCertSHA256FromContext is ClientCertSHA256 for the request whose
// context ctx is: what a huma handler, which sees no *http.Request, calls.
func ClientCertSHA256FromContext(ctx context.Context) []byte {
	if ci := clientOf(ctx); ci != nil {
		return certSHA256(ci.tls)
	}
	return nil
}

// certSHA256 fingerprints the leaf of the first verified chain: with
// VerifyClientCertIfGiven or RequireAndVerifyClientCert a certificate the
// client sent is either verified or the handshake failed.
func certSHA256(cs *tls.ConnectionState) []byte {
	if cs == nil || len(cs.VerifiedChains) == 0 || len(cs.VerifiedChains[0]) == 0 {
		return nil
	}
	sum := sha256.Sum256(cs.VerifiedChains[0][0].Raw)
	return sum[:]
}

// admit runs before routing: it sets the security headers (and CORS
// headers for an allowed origin) on the answer, applies the rate limits and
// puts the clientInfo in the request's context. It answers a refused
// request (429) and a CORS preflight itself, returning the label of its
// route in the metrics and logs when the router has none; otherwise it
// returns the request to serve and "".
func (s *server) admit(w http.ResponseWriter, r *http.Request) (*http.Request, string) {
	h := s.hard
	securityHeaders(w.Header(), r)
	preflight := h.cors(w, r)
	ci := &clientInfo{addr: h.clientAddr(r), tls: r.TLS}
	ci.key = limitKey(ci.addr)

	var buf [3]decision
	ds := buf[:0]
	if !exempt(r) {
		if h.credential != nil {
			if cred := credential(r); cred != "" {
				ds = append(ds, h.credential.reserve(cred, h.credential.now()))
			}
		}
		if h.address != nil {
			ds = append(ds, h.address.reserve(ci.key, h.address.now()))
		}
		if h.signinAddress != nil && r.Method != http.MethodOptions && isSigninPath(r.URL.Path) {
			ds = append(ds, h.signinAddress.reserve(ci.key, h.signinAddress.now()))
			ci.signinCounted = true
		}
	}
	ok := admitted(ds)
	setRateHeaders(w.Header(), ds)
	switch {
	case !ok:
		h.countLimited(ds)
		writeProblem(w, rateLimited(ds))
		return r, "unmatched"
	case preflight:
		w.WriteHeader(http.StatusNoContent)
		return r, "CORS preflight"
	}
	return r.WithContext(context.WithValue(r.Context(), clientKey{}, ci)), ""
}

// exempt are the requests no rate limit applies to: the probes and the
// metrics scrape, which must not fail because a client is busy.
func exempt(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	switch r.URL.Path {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return false
}

// credential is the Authorization header's credential: the bearer value,
// or the whole header for another scheme; "" without one.
func credential(r *http.Request) string {
	v := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(v) > len(prefix) && equalFold(v[:len(prefix)], prefix) {
		return v[len(prefix):]
	}
	return v
}

// clientAddr is the TCP peer or, when the peer is a trusted proxy, the
// right-most address of X-Forwarded-For that is not a trusted proxy (the
// ones left of it could be written by the client itself). A malformed
// entry stops the walk at the last proxy that sent a well-formed one.
func (h *hardening) clientAddr(r *http.Request) netip.Addr {
	peer := parseAddr(r.RemoteAddr)
	if !peer.IsValid() || !h.trusted(peer) {
		return peer
	}
	client := peer
	xff := r.Header.Values("X-Forwarded-For")
	for i := len(xff) - 1; i >= 0; i-- {
		parts := strings.Split(xff[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a := parseAddr(strings.TrimSpace(parts[j]))
			if !a.IsValid() {
				return client
			}
			client = a
			if !h.trusted(a) {
				return a
			}
		}
	}
	return client
}

func (h *hardening) trusted(a netip.Addr) bool {
	for _, p := range h.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseAddr parses "addr", "addr:port" or "[addr]:port", IPv4-mapped IPv6
// as IPv4, without a zone; the zero Addr when it is none of these.
func parseAddr(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone("")
}

// limitKey is the key of an address in the per-address limits: an IPv4
// address, or the /64 network of an IPv6 one (one subscriber usually holds
// a whole /64, so counting single IPv6 addresses would count nothing).
func limitKey(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is4():
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// ParseTrustedProxies parses a comma-separated list of CIDR prefixes or
// single addresses.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %s: want a CIDR prefix (10.0.0.0/8) or an address", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
