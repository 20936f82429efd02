// Package httpapi is Ingot's REST API: a thin layer over ledger.Service built
// with huma on net/http. routes.go lists the whole API.
//
// Every error is an RFC 9457 application/problem+json with a stable
// snake_case code. Every POST takes an optional Idempotency-Key; a replay
// answers the first response with the header Idempotent-Replayed: true.
package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/bank"
	"github.com/ingot-cbdc/ingot/featurephone"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/webhook"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options are the server's dependencies besides the service.
type Options struct {
	// Logger receives one line per request; nil is slog.Default().
	Logger *slog.Logger
	// Registry receives the HTTP metrics and is served at /metrics; nil: a
	// new registry.
	Registry *prometheus.Registry
	// Version is shown in the OpenAPI document.
	Version string
	// Sandbox, when set, serves the sandbox bank's API (bank.go) and the
	// sandbox's text messages (auth.go).
	Sandbox *bank.Sandbox
	// Webhooks manages operators' webhook endpoints (webhooks.go); nil:
	// their routes answer 503 unavailable.
	Webhooks *webhook.Service
	// Phones serves feature phones (phones.go): the USSD callback when
	// USSDSecret is set, and under the sandbox incoming SMS; nil: neither.
	Phones *featurephone.Service
	// USSDSecret is the secret the USSD gateway sends in X-Ussd-Secret;
	// "": POST /v1/ussd does not exist (404).
	USSDSecret string
	// Hardening: rate limits, CORS, trusted proxies (transport.go).
	Hardening
}

// Request body limits. A batch of 8,000 transfers is about 1.5 MB.
const (
	MaxBodyBytes      = 1 << 20
	MaxBatchBodyBytes = 4 << 20
)

type server struct {
	svc     *ledger.Service
	auth    *auth.Service
	log     *slog.Logger
	reg     *prometheus.Registry
	mux     *http.ServeMux
	api     huma.API
	met     *httpMetrics
	sandbox *bank.Sandbox
	hooks   *webhook.Service // webhooks.go
	hard    *hardening       // transport.go
	// Feature phones (phones.go): the service, and the SHA-256 of the
	// USSD gateway's secret (nil: no USSD route).
	phones     *featurephone.Service
	ussdSecret []byte
}

// NewServer returns the API's handler.
func NewServer(svc *ledger.Service, au *auth.Service, opts Options) http.Handler {
	s := &server{svc: svc, auth: au, log: opts.Logger, reg: opts.Registry, mux: http.NewServeMux(), sandbox: opts.Sandbox, hooks: opts.Webhooks,
		phones: opts.Phones}
	if opts.USSDSecret != "" {
		sum := sha256.Sum256([]byte(opts.USSDSecret))
		s.ussdSecret = sum[:]
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
	}
	s.met = newHTTPMetrics(s.reg)
	s.hard = newHardening(opts.Hardening, s.reg) // transport.go
	version := opts.Version
	if version == "" {
		version = "1.0.0"
	}
	cfg := huma.DefaultConfig("Ingot", version)
	cfg.CreateHooks = nil // no $schema fields or Link headers in responses
	cfg.DocsPath = ""     // /docs is served from the binary (docs.go), not from a CDN
	cfg.Info.Description = "Ingot, a two-tier CBDC ledger. Every /v1 call but sign-in needs `Authorization: Bearer <credential>`: an organisation's API key " +
		"(with the route's scope), or a holder's access token (POST /v1/auth/login). Errors are RFC 9457 problems with a stable `code`. " +
		"Auditor keys may only read the transparency log. A holder's payment above the low-value exemption answers 403 sca_required with an authorization to approve."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer":      {Type: "http", Scheme: "bearer", Description: "An Ingot API key (ingot_live_..., ingot_test_...), a holder's access token (ingot_at_...), or a provider's OAuth access token (ingot_oat_...)."},
		"clientBasic": {Type: "http", Scheme: "basic", Description: "A provider's OAuth client credentials: client_id and client_secret."},
	}
	cfg.Tags = []*huma.Tag{
		{Name: "Operators", Description: "Tier-2 institutions (the central bank registers them)."},
		{Name: "Issuance", Description: "Minting and burning into operators' reserves (central bank)."},
		{Name: "Wallets", Description: "An operator's wallets, their funding and history."},
		{Name: "Transfers", Description: "Payments between wallets. Every transfer carries its log_index in the transparency log."},
		{Name: "Holds", Description: "Two-phase payments."},
		{Name: "Sign-in", Description: "Holders (people and businesses) sign in with a PIN and a second factor: SMS, an authenticator app, or a passkey."},
		{Name: "Holder", Description: "A signed-in holder's own: its wallets, factors, PIN and approvals."},
		{Name: "Keys", Description: "Organisations' API keys (scoped, revocable) and the security journal."},
		{Name: "Merchants", Description: "Merchant profiles, QR payment requests (EMVCo), customer-presented payment codes, statements and end-of-day settlement. See docs/merchants.md."},
		{Name: "Feature phones", Description: "The USSD gateway's callback: menus in English and Chinese for phones without apps or data. See docs/offline-and-ussd.md."},
		{Name: "Fees", Description: "Operators' merchant fees and the central bank's cap on them."},
		{Name: "Webhooks", Description: "Operators' webhook endpoints and their signed deliveries (Standard Webhooks). See docs/webhooks.md."},
		{Name: "Open finance", Description: "Third-party providers acting with holders' consent: OAuth 2.0 with PKCE (POST /oauth/token), account information, " +
			"payments by mandate. See docs/open-finance.md."},
		{Name: "Transparency log", Description: "The signed Merkle log of every transfer (RFC 6962, C2SP checkpoints): checkpoints, " +
			"verifier key, consistency and inclusion proofs, and read-only auditor keys. See docs/transparency-log.md."},
	}
	s.api = humago.New(s.mux, cfg)
	s.api.UseMiddleware(s.authenticate)
	s.api.UseMiddleware(s.checkBody) // ijson.go: bodies are I-JSON
	s.routes()
	return http.HandlerFunc(s.serveHTTP)
}

// ---- request context ----

type ctxKey struct{}

type reqInfo struct {
	actor  ingot.Actor
	method string
	path   string
	client auth.Client
	// basic is an HTTP Basic Authorization header on a route that takes
	// a provider's client credentials (openfinance.go), checked by its
	// handler.
	basic string
}

func info(ctx context.Context) reqInfo {
	ri, _ := ctx.Value(ctxKey{}).(reqInfo)
	return ri
}

func actor(ctx context.Context) ingot.Actor { return info(ctx).actor }

var errNoKey = ingot.Errorf(ingot.CodeUnauthorized, "a valid API key is required: Authorization: Bearer <key>")

// authenticate is a huma middleware: operations with a security
// requirement (all of /v1 but sign-in) need a valid API key or a holder's
// access token; the actor goes into the context, and the route's scope is
// checked (scopes.go).
func (s *server) authenticate(ctx huma.Context, next func(huma.Context)) {
	ri := reqInfo{method: ctx.Method(), path: ctx.URL().Path, client: callerOf(ctx.Context())}
	op := ctx.Operation()
	if h := ctx.Header("Authorization"); op != nil && isBasic(h) && acceptsClient(op) {
		ri.basic = h
	} else if op != nil && len(op.Security) > 0 {
		h := ctx.Header("Authorization")
		const prefix = "bearer "
		if len(h) <= len(prefix) || !equalFold(h[:len(prefix)], prefix) {
			_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "", errNoKey)
			return
		}
		var a ingot.Actor
		var err error
		if providerToken(h[len(prefix):]) { // openfinance.go
			a, err = s.svc.ProviderActor(ctx.Context(), h[len(prefix):])
		} else {
			a, err = s.auth.Authenticate(ctx.Context(), h[len(prefix):], ri.client)
		}
		if err == nil {
			err = allowed(op.OperationID, a)
		}
		if err != nil {
			p := s.problem(ctx.Context(), err)
			_ = huma.WriteErr(s.api, ctx, p.Status, "", p)
			return
		}
		ri.actor = a
	}
	next(huma.WithValue(ctx, ctxKey{}, ri))
}

// acceptsClient reports whether an operation takes a provider's client
// credentials (HTTP Basic), which its handler checks.
func acceptsClient(op *huma.Operation) bool {
	for _, req := range op.Security {
		if _, ok := req["clientBasic"]; ok {
			return true
		}
	}
	return false
}

// callerOf is what the transport says of the caller (transport.go): its
// address (behind a trusted proxy, the one it names) and its verified TLS
// client certificate.
func callerOf(ctx context.Context) auth.Client {
	c := auth.Client{CertSHA256: ClientCertSHA256FromContext(ctx)}
	if a := ClientAddr(ctx); a.IsValid() {
		c.Address = a.String()
	}
	return c
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// problem turns any error into a Problem; unknown errors are logged and
// answered 500 internal with a generic detail. An approval asked for
// (sca_required) carries it; a lock-out carries Retry-After.
func (s *server) problem(ctx context.Context, err error) *Problem {
	var ar *ingot.ApprovalRequired
	if errors.As(err, &ar) {
		p := problemOf(ingot.AsError(ar.Unwrap()))
		p.Authorization = authorizationOut(&ar.Authorization, ar.Methods, ar.WebAuthn)
		return p
	}
	var tm *auth.TooManyAttempts
	if errors.As(err, &tm) {
		p := problemOf(ingot.AsError(tm.Unwrap()))
		p.GetHeaders().Set("Retry-After", strconv.Itoa(int(tm.RetryAfter.Seconds()+0.999)))
		return p
	}
	var ie *ingot.Error
	if errors.As(err, &ie) {
		return problemOf(ie)
	}
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return problemOf(ingot.Errorf(ingot.CodeUnavailable, "the request was cancelled or timed out; retry with the same Idempotency-Key"))
	}
	if s.svc.Unavailable(err) {
		s.log.WarnContext(ctx, "storage unavailable", "err", err)
		return problemOf(ingot.Errorf(ingot.CodeUnavailable, "storage is unavailable; retry with the same Idempotency-Key"))
	}
	s.log.ErrorContext(ctx, "internal error", "err", err)
	return problemOf(ingot.Errorf(ingot.CodeInternal, "an internal error occurred"))
}

// ---- outer handler: routing misses, metrics, logs ----

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// headerRecorder learns what the mux would answer for an unmatched request
// (404, or 405 with Allow) without writing it.
type headerRecorder struct {
	h      http.Header
	status int
}

func (r *headerRecorder) Header() http.Header         { return r.h }
func (r *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *headerRecorder) WriteHeader(code int)        { r.status = code }

func (s *server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	_, route := s.mux.Handler(r)
	// transport.go: security and CORS headers, rate limits; a refused
	// request or a CORS preflight is answered there (label: its route).
	r, label := s.admit(sw, r)
	switch {
	case label != "":
		if route == "" {
			route = label
		}
	case route == "":
		route = "unmatched"
		rec := &headerRecorder{h: http.Header{}}
		s.mux.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 || status == http.StatusOK {
			status = http.StatusNotFound
		}
		detail := "no such endpoint: " + r.Method + " " + r.URL.Path
		if status == http.StatusMethodNotAllowed {
			detail = "method " + r.Method + " is not allowed here"
			if allow := rec.h.Get("Allow"); allow != "" {
				sw.Header().Set("Allow", allow)
				detail += "; allowed: " + allow
			}
		}
		writeProblem(sw, finish(&Problem{Status: status, Title: http.StatusText(status), Code: codeForStatus(status), Detail: truncate(detail, 300)}))
	default:
		s.mux.ServeHTTP(sw, r)
	}
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	d := time.Since(start)
	st := strconv.Itoa(sw.status)
	s.met.requests.WithLabelValues(route, st).Inc()
	s.met.duration.WithLabelValues(route).Observe(d.Seconds())
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "http request",
		slog.String("method", r.Method), slog.String("route", route),
		slog.Int("status", sw.status), slog.Float64("duration_ms", float64(d.Microseconds())/1000))
}

func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}

func writeProblem(w http.ResponseWriter, p *Problem) {
	b, _ := json.Marshal(p)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(p.Status)
	_, _ = w.Write(b)
}

// ---- health, readiness, metrics ----

func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	role, err := s.svc.Ready(ctx)
	if err != nil {
		writeProblem(w, s.problem(ctx, err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ready","role":"` + string(role) + `"}`))
}

func (s *server) metrics() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg})
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ingot_http_requests_total", Help: "HTTP requests by route pattern and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ingot_http_request_duration_seconds", Help: "HTTP request duration by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"route"}),
	}
	m.requests = registerCollector(reg, m.requests)
	m.duration = registerCollector(reg, m.duration)
	return m
}

// registerCollector registers c, or reuses the collector registered before under the
// same name (several servers on one registry).
func registerCollector[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if old, ok := are.ExistingCollector.(C); ok {
				return old
			}
		}
		panic(err)
	}
	return c
}
