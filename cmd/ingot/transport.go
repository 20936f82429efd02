package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/ingot-cbdc/ingot/httpapi"
)

// serve's transport flags: TLS and mutual TLS, plain HTTP's refusal off
// loopback, CORS, rate limits and trusted proxies (docs/operations.md,
// "Transport and hardening").

// Defaults of the rate limits. 50,000 requests/s per credential is well
// above what `ingot bench` drives through one operator key (a few thousand
// to 25,000 requests/s): a limit against runaway clients that load tests
// never meet.
const (
	defaultRateLimit       = 50000
	defaultSigninRateLimit = 10
)

type transportConfig struct {
	tlsCert, tlsKey, tlsClientCA string
	tlsClientAuth                string
	insecureHTTP                 bool
	corsOrigin                   string
	rateLimit                    int
	signinRateLimit              int
	trustedProxy                 string
}

// flags registers the transport flags on f and returns their environment
// variables.
func (c *transportConfig) flags(f *pflag.FlagSet) map[string]string {
	f.StringVar(&c.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate chain (with --tls-key); re-read on SIGHUP (env INGOT_TLS_CERT)")
	f.StringVar(&c.tlsKey, "tls-key", "", "the PEM private key of --tls-cert; re-read on SIGHUP (env INGOT_TLS_KEY)")
	f.StringVar(&c.tlsClientCA, "tls-client-ca", "", "mutual TLS: verify client certificates against these PEM CAs; re-read on SIGHUP (env INGOT_TLS_CLIENT_CA)")
	f.StringVar(&c.tlsClientAuth, "tls-client-auth", "optional", "with --tls-client-ca: optional (clients without a certificate are served; holders' browsers have none) or required (env INGOT_TLS_CLIENT_AUTH)")
	f.BoolVar(&c.insecureHTTP, "insecure-http", false, "allow plain HTTP on a non-loopback --addr: a proxy in front terminates TLS (env INGOT_INSECURE_HTTP)")
	f.StringVar(&c.corsOrigin, "cors-origin", "", "comma-separated browser origins allowed to call the API (https://wallet.example.cn); none: no CORS (env INGOT_CORS_ORIGIN)")
	f.IntVar(&c.rateLimit, "rate-limit", defaultRateLimit, "requests per second per credential and per client address; 0: no limit (env INGOT_RATE_LIMIT)")
	f.IntVar(&c.signinRateLimit, "signin-rate-limit", defaultSigninRateLimit, "sign-in, enrolment and code attempts per minute per phone and per client address; 0: no limit (env INGOT_SIGNIN_RATE_LIMIT)")
	f.StringVar(&c.trustedProxy, "trusted-proxy", "", "comma-separated CIDRs of proxies whose X-Forwarded-For names the client address for the per-address limits (env INGOT_TRUSTED_PROXY)")
	return map[string]string{
		"tls-cert": "INGOT_TLS_CERT", "tls-key": "INGOT_TLS_KEY", "tls-client-ca": "INGOT_TLS_CLIENT_CA",
		"tls-client-auth": "INGOT_TLS_CLIENT_AUTH", "insecure-http": "INGOT_INSECURE_HTTP",
		"cors-origin": "INGOT_CORS_ORIGIN", "rate-limit": "INGOT_RATE_LIMIT",
		"signin-rate-limit": "INGOT_SIGNIN_RATE_LIMIT", "trusted-proxy": "INGOT_TRUSTED_PROXY",
	}
}

// transport is transportConfig checked and loaded.
type transport struct {
	cfg       transportConfig
	tls       *httpapi.ServerTLS // nil: plain HTTP
	hardening httpapi.Hardening
}

// load checks the flags and reads the TLS files.
func (c transportConfig) load() (*transport, error) {
	t := &transport{cfg: c}
	switch {
	case (c.tlsCert == "") != (c.tlsKey == ""):
		return nil, errors.New("--tls-cert and --tls-key go together")
	case c.tlsClientCA != "" && c.tlsCert == "":
		return nil, errors.New("--tls-client-ca needs --tls-cert and --tls-key")
	case c.tlsClientAuth != "optional" && c.tlsClientAuth != "required":
		return nil, errors.New("--tls-client-auth must be optional or required")
	case c.tlsClientAuth == "required" && c.tlsClientCA == "":
		return nil, errors.New("--tls-client-auth required needs --tls-client-ca")
	case c.insecureHTTP && c.tlsCert != "":
		return nil, errors.New("--insecure-http is for plain HTTP behind a TLS proxy; it does not go with --tls-cert")
	case c.rateLimit < 0 || c.signinRateLimit < 0:
		return nil, errors.New("--rate-limit and --signin-rate-limit must be 0 (off) or more")
	}
	origins, err := httpapi.ParseCORSOrigins(c.corsOrigin)
	if err != nil {
		return nil, fmt.Errorf("--cors-origin: %w", err)
	}
	proxies, err := httpapi.ParseTrustedProxies(c.trustedProxy)
	if err != nil {
		return nil, fmt.Errorf("--trusted-proxy: %w", err)
	}
	t.hardening = httpapi.Hardening{RateLimit: c.rateLimit, SigninRateLimit: c.signinRateLimit, CORSOrigins: origins, TrustedProxies: proxies}
	if c.tlsCert != "" {
		t.tls, err = httpapi.NewServerTLS(httpapi.TLSFiles{Cert: c.tlsCert, Key: c.tlsKey, ClientCA: c.tlsClientCA, RequireClientCert: c.tlsClientAuth == "required"})
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// checkListener refuses plain HTTP on an address other machines can reach,
// unless --insecure-http says a proxy in front terminates TLS.
func (t *transport) checkListener(addr net.Addr) error {
	if t.tls != nil || t.cfg.insecureHTTP {
		return nil
	}
	if a, ok := addr.(*net.TCPAddr); ok && a.IP.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing to serve plain HTTP on %s, which is not a loopback address: give --tls-cert and --tls-key, "+
		"or --insecure-http when a proxy in front of Ingot terminates TLS", addr)
}

// serve serves srv on ln, over TLS when configured.
func (t *transport) serve(srv *http.Server, ln net.Listener) error {
	if t.tls == nil {
		return srv.Serve(ln)
	}
	srv.TLSConfig = t.tls.Config()
	return srv.ServeTLS(ln, "", "")
}

// scheme is what clients use.
func (t *transport) scheme() string {
	if t.tls != nil {
		return "https"
	}
	return "http"
}

// logCertificate logs the certificate served now, and warns when it has
// expired or expires within 14 days.
func (t *transport) logCertificate(ctx context.Context, log *slog.Logger, msg string) {
	leaf := t.tls.Certificate()
	if leaf == nil {
		log.InfoContext(ctx, msg)
		return
	}
	sum := sha256.Sum256(leaf.Raw)
	args := []any{"subject", leaf.Subject.String(), "not_after", leaf.NotAfter.UTC(), "sha256", hex.EncodeToString(sum[:])}
	log.InfoContext(ctx, msg, args...)
	if left := time.Until(leaf.NotAfter); left < 14*24*time.Hour {
		log.WarnContext(ctx, "the TLS certificate expires soon or has expired", args...)
	}
}

// watchReload re-reads the TLS files on every SIGHUP until ctx ends; a
// file that does not load leaves the current certificate in place. It
// does nothing without TLS (SIGHUP then keeps its default: the process
// ends).
func (t *transport) watchReload(ctx context.Context, log *slog.Logger) {
	if t.tls == nil {
		return
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := t.tls.Reload(); err != nil {
					log.ErrorContext(ctx, "TLS reload failed; still serving the previous certificate", "err", err)
					continue
				}
				t.logCertificate(ctx, log, "TLS certificate reloaded")
			}
		}
	}()
}
