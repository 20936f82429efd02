package httpapi

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Hardening configures the protections every answer of the API gets
// (transport.go, headers.go, ratelimit.go). The zero value has no rate
// limits and no CORS; the security headers and the I-JSON check of bodies
// are always on. `ingot serve` sets it from its flags.
type Hardening struct {
	// RateLimit is the requests per second allowed to one credential (the
	// Authorization header's value) and, separately, to one client address,
	// with bursts of as many; 0 is no limit.
	RateLimit int
	// SigninRateLimit is the sign-in, enrolment and code attempts per minute
	// allowed to one client address and to one phone number; 0 is no limit.
	SigninRateLimit int
	// CORSOrigins are the browser origins (scheme://host[:port]) allowed to
	// call the API; none: no CORS headers at all.
	CORSOrigins []string
	// TrustedProxies are the proxies whose X-Forwarded-For names the client
	// address (for the per-address limits and ClientAddr); none: the client
	// address is the TCP peer.
	TrustedProxies []netip.Prefix
}

// ParseCORSOrigins parses a comma-separated list of origins, each
// scheme://host[:port] with the scheme http or https and nothing after it.
func ParseCORSOrigins(list string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("CORS origin %q: want scheme://host[:port], e.g. https://wallet.example.cn", o)
		}
		out = append(out, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	return out, nil
}

// CORS, for the origins in Hardening.CORSOrigins only.
const (
	corsMethods = "GET, POST, PUT, PATCH, DELETE"
	corsHeaders = "Authorization, Content-Type, Idempotency-Key, Ingot-Authorization"
	corsExpose  = "Idempotent-Replayed, Retry-After, RateLimit, RateLimit-Policy"
	corsMaxAge  = "600" // seconds a browser may cache a preflight's answer
)

// securityHeaders sets what every answer carries: no caching anywhere (the
// answers hold balances and personal data; the OpenAPI document and /docs
// too, for one simple rule: they are small and change with the version), no
// MIME sniffing, and HSTS when the request came over TLS.
//
// The values are shared, read-only slices of one element (len = cap, so an
// Add appends to a copy): setting them costs no allocation on each answer.
func securityHeaders(h http.Header, r *http.Request) {
	h["Cache-Control"] = noStore
	h["X-Content-Type-Options"] = noSniff
	if r.TLS != nil {
		h["Strict-Transport-Security"] = hsts
	}
}

var (
	noStore = []string{"no-store"}
	noSniff = []string{"nosniff"}
	hsts    = []string{"max-age=63072000; includeSubDomains"}
)

// cors sets the CORS headers of an answer to an allowed origin and
// reports whether the request is that origin's preflight, which admit then
// answers (204) once the rate limits let it through. Other origins get no
// CORS headers: the browser then refuses the answer to the page.
func (h *hardening) cors(w http.ResponseWriter, r *http.Request) (preflight bool) {
	if len(h.origins) == 0 {
		return false
	}
	hd := w.Header()
	hd.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || !h.origins[strings.ToLower(origin)] {
		return false
	}
	hd.Set("Access-Control-Allow-Origin", origin)
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		hd.Add("Vary", "Access-Control-Request-Method")
		hd.Add("Vary", "Access-Control-Request-Headers")
		hd.Set("Access-Control-Allow-Methods", corsMethods)
		hd.Set("Access-Control-Allow-Headers", corsHeaders)
		hd.Set("Access-Control-Max-Age", corsMaxAge)
		return true
	}
	hd.Set("Access-Control-Expose-Headers", corsExpose)
	return false
}
