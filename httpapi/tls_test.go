package httpapi_test

import (
	"bytes"
	"crypto/tls"
	"encoding/hex"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/httpapi"
	"github.com/ingot-cbdc/ingot/internal/testcert"
)

// serveTLS serves h over TLS with st on a free loopback port, as ingot
// serve does (http.Server.ServeTLS with st.Config()), and returns its URL.
func serveTLS(t *testing.T, h http.Handler, st *httpapi.ServerTLS) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, TLSConfig: st.Config(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0)} // the handshakes refused on purpose
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	return "https://" + ln.Addr().String()
}

// client is an HTTPS client with its own connections (HTTP/2 when the
// server offers it).
func client(cfg *tls.Config) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}}
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, []byte) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// installPair copies a certificate and key into the files the server reads.
func installPair(t *testing.T, p *testcert.Pair, dir string) (cert, key string) {
	t.Helper()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	p.Install(t, cert, key)
	return cert, key
}

func TestTLSServesHTTP2WithHSTSAndReloads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite, 0)
	ca := testcert.NewCA(t, "server-ca")
	first, second := ca.Server(t, "first"), ca.Server(t, "second")
	certFile, keyFile := installPair(t, first, t.TempDir())
	st, err := httpapi.NewServerTLS(httpapi.TLSFiles{Cert: certFile, Key: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	base := serveTLS(t, e.h, st)

	old := client(testcert.ClientConfig(ca))
	res, body := get(t, old, base+"/healthz")
	if res.StatusCode != 200 || res.ProtoMajor != 2 {
		t.Fatalf("status %d over %s: %s", res.StatusCode, res.Proto, body)
	}
	if !res.TLS.PeerCertificates[0].Equal(first.Cert) {
		t.Fatal("not the first certificate")
	}
	for k, v := range map[string]string{
		"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
		"Cache-Control":             "no-store",
		"X-Content-Type-Options":    "nosniff",
	} {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	res, _ = get(t, old, base+"/v1/nothing")
	if res.StatusCode != 404 || res.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("404 over TLS: %d, HSTS %q", res.StatusCode, res.Header.Get("Strict-Transport-Security"))
	}
	// HTTP/1.1 clients are served too.
	h1 := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: testcert.ClientConfig(ca)}}
	if res, _ = get(t, h1, base+"/healthz"); res.ProtoMajor != 1 || res.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("HTTP/1.1: %s, HSTS %q", res.Proto, res.Header.Get("Strict-Transport-Security"))
	}
	// TLS 1.1 is refused.
	cfg := testcert.ClientConfig(ca)
	cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	if _, err := client(cfg).Get(base + "/healthz"); err == nil {
		t.Error("a TLS 1.1 client was served")
	}
	// TLS 1.2 with AEAD suites only: a client offering CBC alone is refused.
	cfg = testcert.ClientConfig(ca)
	cfg.MaxVersion, cfg.CipherSuites = tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}
	if _, err := client(cfg).Get(base + "/healthz"); err == nil {
		t.Error("a TLS 1.2 client with a CBC suite was served")
	}
	cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
	if res, _ := get(t, client(cfg), base+"/healthz"); res.TLS.Version != tls.VersionTLS12 {
		t.Errorf("TLS 1.2 with ChaCha20-Poly1305: version %x", res.TLS.Version)
	}

	// Renewal: new files, then Reload (what SIGHUP does). The open
	// connection goes on with the old certificate; new ones get the new.
	second.Install(t, certFile, keyFile)
	if err := st.Reload(); err != nil {
		t.Fatal(err)
	}
	res, _ = get(t, old, base+"/healthz")
	if res.StatusCode != 200 || !res.TLS.PeerCertificates[0].Equal(first.Cert) {
		t.Fatal("the open connection was dropped or changed certificate")
	}
	res, _ = get(t, client(testcert.ClientConfig(ca)), base+"/healthz")
	if !res.TLS.PeerCertificates[0].Equal(second.Cert) || !st.Certificate().Equal(second.Cert) {
		t.Fatal("a new connection did not get the new certificate")
	}

	// A broken renewal keeps the certificate that works.
	if err := os.WriteFile(certFile, []byte("-----BEGIN CERTIFICATE-----\nnot base64\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := st.Reload(); err == nil {
		t.Fatal("a broken certificate file reloaded")
	}
	third := ca.Server(t, "third")
	if err := os.WriteFile(keyFile, mustRead(t, third.KeyFile), 0o600); err != nil { // a key that does not match
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, mustRead(t, second.CertFile), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := st.Reload(); err == nil {
		t.Fatal("a mismatched key reloaded")
	}
	res, _ = get(t, client(testcert.ClientConfig(ca)), base+"/healthz")
	if res.StatusCode != 200 || !res.TLS.PeerCertificates[0].Equal(second.Cert) {
		t.Fatal("after failed reloads, not the last good certificate")
	}
}

func mustRead(t *testing.T, f string) []byte {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMutualTLS: with a client CA, a client certificate from that CA is
// verified and its fingerprint reaches handlers; a client without one is
// served (optional) or refused (required); one from another CA is refused.
func TestMutualTLS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite, 0)
	serverCA, clientCA, rogueCA := testcert.NewCA(t, "server-ca"), testcert.NewCA(t, "client-ca"), testcert.NewCA(t, "rogue-ca")
	certFile, keyFile := installPair(t, serverCA.Server(t, "server"), t.TempDir())
	operator, rogue := clientCA.Client(t, "operator-1"), rogueCA.Client(t, "operator-1")

	// The API, plus a route that shows what handlers see.
	mux := http.NewServeMux()
	mux.Handle("/", e.h)
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, hex.EncodeToString(httpapi.ClientCertSHA256(r)))
	})

	for _, required := range []bool{false, true} {
		st, err := httpapi.NewServerTLS(httpapi.TLSFiles{Cert: certFile, Key: keyFile, ClientCA: clientCA.File, RequireClientCert: required})
		if err != nil {
			t.Fatal(err)
		}
		base := serveTLS(t, mux, st)

		res, body := get(t, client(testcert.ClientConfig(serverCA, operator)), base+"/whoami")
		if res.StatusCode != 200 || string(body) != hex.EncodeToString(operator.SHA256) {
			t.Fatalf("required=%v: with the operator's certificate: %d %q, want %x", required, res.StatusCode, body, operator.SHA256)
		}
		if res, _ = get(t, client(testcert.ClientConfig(serverCA, operator)), base+"/v1/operators"); res.StatusCode != 401 {
			t.Fatalf("required=%v: a certificate is not a key: %d", required, res.StatusCode)
		}

		anonymous := client(testcert.ClientConfig(serverCA))
		if !required {
			res, body = get(t, anonymous, base+"/whoami")
			if res.StatusCode != 200 || len(body) != 0 {
				t.Fatalf("without a certificate: %d %q", res.StatusCode, body)
			}
			if res, _ = get(t, anonymous, base+"/healthz"); res.StatusCode != 200 {
				t.Fatalf("without a certificate: %d", res.StatusCode)
			}
		} else if _, err := anonymous.Get(base + "/healthz"); err == nil {
			t.Fatal("required: served a client without a certificate")
		}
		// A client offers only a certificate the server named as acceptable
		// (its CA list); one that sends another anyway is refused.
		if _, err := client(forceCert(serverCA, rogue)).Get(base + "/healthz"); err == nil {
			t.Fatalf("required=%v: served a certificate from another CA", required)
		}
	}

	// The client CA is re-read on Reload as well: a certificate from a CA
	// added to the bundle is accepted afterwards.
	bundle := filepath.Join(t.TempDir(), "clients.pem")
	if err := os.WriteFile(bundle, clientCA.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := httpapi.NewServerTLS(httpapi.TLSFiles{Cert: certFile, Key: keyFile, ClientCA: bundle})
	if err != nil {
		t.Fatal(err)
	}
	base := serveTLS(t, mux, st)
	if _, err := client(forceCert(serverCA, rogue)).Get(base + "/whoami"); err == nil {
		t.Fatal("a certificate of a CA not in the bundle")
	}
	if err := os.WriteFile(bundle, bytes.Join([][]byte{clientCA.CertPEM, rogueCA.CertPEM}, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := st.Reload(); err != nil {
		t.Fatal(err)
	}
	if res, body := get(t, client(testcert.ClientConfig(serverCA, rogue)), base+"/whoami"); string(body) != hex.EncodeToString(rogue.SHA256) {
		t.Fatalf("after the CA was added: %d %q", res.StatusCode, body)
	}
}

// forceCert is a client configuration that sends p's certificate whatever
// CAs the server asks for.
func forceCert(serverCA *testcert.CA, p *testcert.Pair) *tls.Config {
	c := testcert.ClientConfig(serverCA)
	c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &p.TLS, nil }
	return c
}

func TestServerTLSRefusesBadFiles(t *testing.T) {
	t.Parallel()
	ca := testcert.NewCA(t, "ca")
	p := ca.Server(t, "s")
	empty := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]httpapi.TLSFiles{
		"no key":                 {Cert: p.CertFile},
		"missing file":           {Cert: p.CertFile + ".nope", Key: p.KeyFile},
		"key for cert":           {Cert: p.KeyFile, Key: p.KeyFile},
		"empty client CA":        {Cert: p.CertFile, Key: p.KeyFile, ClientCA: empty},
		"missing client CA":      {Cert: p.CertFile, Key: p.KeyFile, ClientCA: empty + ".nope"},
		"required without a CA":  {Cert: p.CertFile, Key: p.KeyFile, RequireClientCert: true},
		"client CA a key":        {Cert: p.CertFile, Key: p.KeyFile, ClientCA: p.KeyFile},
		"certificate as the key": {Cert: p.CertFile, Key: p.CertFile},
	} {
		if _, err := httpapi.NewServerTLS(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestKeyBoundToClientCertificate: a key bound to a client certificate's
// fingerprint works over mutual TLS with that certificate only.
func TestKeyBoundToClientCertificate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite, 0)
	serverCA, clientCA := testcert.NewCA(t, "server-ca"), testcert.NewCA(t, "client-ca")
	certFile, keyFile := installPair(t, serverCA.Server(t, "server"), t.TempDir())
	mine, other := clientCA.Client(t, "operator-1"), clientCA.Client(t, "operator-2")
	st, err := httpapi.NewServerTLS(httpapi.TLSFiles{Cert: certFile, Key: keyFile, ClientCA: clientCA.File})
	if err != nil {
		t.Fatal(err)
	}
	base := serveTLS(t, e.h, st)

	_, key := e.funded("MTLS")
	r := e.must(e.req("POST", "/v1/api-keys", key, map[string]any{"name": "bound", "scopes": []string{"wallets:read"},
		"client_cert_sha256": hex.EncodeToString(mine.SHA256)}), 201)
	bound := r.str("api_key")
	if r.str("client_cert_sha256") != hex.EncodeToString(mine.SHA256) {
		t.Fatalf("key answer %s", r.raw)
	}
	call := func(c *http.Client) int {
		req, _ := http.NewRequest("GET", base+"/v1/operators/me", nil)
		req.Header.Set("Authorization", "Bearer "+bound)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := call(client(testcert.ClientConfig(serverCA, mine))); got != 200 {
		t.Fatalf("with its certificate: %d", got)
	}
	if got := call(client(testcert.ClientConfig(serverCA, other))); got != 401 {
		t.Fatalf("with another certificate of the same CA: %d", got)
	}
	if got := call(client(testcert.ClientConfig(serverCA))); got != 401 {
		t.Fatalf("without a certificate: %d", got)
	}
	e.problem(e.req("GET", "/v1/operators/me", bound, nil), 401, "unauthorized") // plain HTTP
}
