package main

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/internal/testcert"
)

func TestTransportBadFlags(t *testing.T) {
	ca := testcert.NewCA(t, "ca")
	p := ca.Server(t, "server")
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--tls-cert", p.CertFile}, nil, "go together"},
		{nil, map[string]string{"INGOT_TLS_KEY": p.KeyFile}, "go together"},
		{[]string{"--tls-client-ca", ca.File}, nil, "needs --tls-cert"},
		{[]string{"--tls-cert", p.CertFile, "--tls-key", p.KeyFile, "--tls-client-auth", "maybe"}, nil, "optional or required"},
		{[]string{"--tls-cert", p.CertFile, "--tls-key", p.KeyFile, "--tls-client-auth", "required"}, nil, "needs --tls-client-ca"},
		{[]string{"--tls-cert", p.CertFile, "--tls-key", p.KeyFile, "--insecure-http"}, nil, "does not go with"},
		{[]string{"--tls-cert", p.CertFile + ".nope", "--tls-key", p.KeyFile}, nil, "no such file"},
		{[]string{"--tls-cert", p.KeyFile, "--tls-key", p.KeyFile}, nil, "TLS certificate"},
		{[]string{"--rate-limit", "-1"}, nil, "0 (off) or more"},
		{nil, map[string]string{"INGOT_SIGNIN_RATE_LIMIT": "-5"}, "0 (off) or more"},
		{nil, map[string]string{"INGOT_RATE_LIMIT": "many"}, "INGOT_RATE_LIMIT"},
		{[]string{"--cors-origin", "*"}, nil, "--cors-origin"},
		{[]string{"--cors-origin", "https://a.example/path"}, nil, "--cors-origin"},
		{nil, map[string]string{"INGOT_CORS_ORIGIN": "https://ok.example, ftp://files.example"}, "ftp://files.example"},
		{[]string{"--trusted-proxy", "10.0.0.0/8,proxy.internal"}, nil, "proxy.internal"},
	} {
		args := append([]string{"serve", "--db", filepath.Join(t.TempDir(), "x.db")}, c.args...)
		err := run(context.Background(), args, envOf(c.env), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: %v, want an error with %q", c.args, c.env, err, c.want)
		}
	}
}

func TestServeRefusesPlainHTTPOffLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		args := []string{"serve", "--db", filepath.Join(t.TempDir(), "x.db"), "--addr", addr}
		err := run(context.Background(), args, envOf(nil), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "refusing to serve plain HTTP") || !strings.Contains(err.Error(), "--insecure-http") {
			t.Errorf("--addr %s: %v", addr, err)
		}
	}
	// Loopback needs nothing (by address or by name); elsewhere
	// --insecure-http (or INGOT_INSECURE_HTTP) says a proxy terminates TLS.
	for _, c := range []struct {
		env   map[string]string
		extra []string
	}{
		{map[string]string{}, []string{"--addr", "localhost:0"}},
		{map[string]string{}, []string{"--addr", "0.0.0.0:0", "--insecure-http"}},
		{map[string]string{"INGOT_INSECURE_HTTP": "true"}, []string{"--addr", "0.0.0.0:0"}},
	} {
		base, _, stop := startServe(t, filepath.Join(t.TempDir(), "ingot.db"), c.env, c.extra...)
		if !strings.HasPrefix(base, "http://") {
			t.Fatalf("%v: %s", c.extra, base)
		}
		if err := stop(); err != nil {
			t.Fatalf("%v: %v", c.extra, err)
		}
	}
}

// startServeTLS runs `ingot serve` over TLS on a free loopback port until
// the test ends and returns its URL and its log.
func startServeTLS(t *testing.T, env map[string]string, extra ...string) (base string, logs *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	args := append([]string{"serve", "--db", filepath.Join(t.TempDir(), "ingot.db"), "--log-format", "text", "--addr", "127.0.0.1:0"}, extra...)
	errc := make(chan error, 1)
	ready := make(chan string, 1)
	testReady = ready
	go func() { errc <- run(ctx, args, envOf(env), io.Discard, logs) }()
	select {
	case addr := <-ready:
		base = "https://" + addr
	case err := <-errc:
		cancel()
		t.Fatalf("serve ended: %v\n%s", err, logs)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	var once sync.Once
	t.Cleanup(func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-errc:
				if err != nil {
					t.Errorf("serve: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop")
			}
		})
	})
	return base, logs
}

func httpsClient(cfg *tls.Config) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}}
}

// servedCert is the certificate a new connection to base gets.
func servedCert(t *testing.T, ca *testcert.CA, base string) *http.Response {
	t.Helper()
	res, err := httpsClient(testcert.ClientConfig(ca)).Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// TestServeTLSReloadsOnSIGHUP runs serve over TLS (files from the
// environment), renews the certificate and sends the process SIGHUP: new
// connections get the new certificate, the open one goes on; a broken
// renewal is logged and changes nothing.
func TestServeTLSReloadsOnSIGHUP(t *testing.T) {
	ca := testcert.NewCA(t, "ca")
	first, second := ca.Server(t, "first"), ca.Server(t, "second")
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	first.Install(t, certFile, keyFile)
	base, logs := startServeTLS(t, map[string]string{"INGOT_TLS_CERT": certFile, "INGOT_TLS_KEY": keyFile})

	old := httpsClient(testcert.ClientConfig(ca))
	res, err := old.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.ProtoMajor != 2 || res.Header.Get("Strict-Transport-Security") != "max-age=63072000; includeSubDomains" {
		t.Fatalf("%s, HSTS %q", res.Proto, res.Header.Get("Strict-Transport-Security"))
	}
	if !strings.Contains(logs.String(), "scheme=https") || !strings.Contains(logs.String(), "CN=first") {
		t.Fatalf("start log:\n%s", logs)
	}
	// Plain HTTP on the TLS port gets no API.
	if res, err := http.Get("http" + strings.TrimPrefix(base, "https") + "/healthz"); err == nil {
		res.Body.Close()
		if res.StatusCode == 200 {
			t.Fatal("plain HTTP served on the TLS port")
		}
	}

	second.Install(t, certFile, keyFile)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { return servedCert(t, ca, base).TLS.PeerCertificates[0].Equal(second.Cert) }) {
		t.Fatal("no new certificate after SIGHUP")
	}
	if !strings.Contains(logs.String(), "TLS certificate reloaded") {
		t.Errorf("no reload in the log:\n%s", logs)
	}
	res, err = old.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !res.TLS.PeerCertificates[0].Equal(first.Cert) {
		t.Fatal("the open connection changed certificate")
	}

	if err := os.WriteFile(keyFile, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { return strings.Contains(logs.String(), "TLS reload failed") }) {
		t.Fatalf("no failed reload in the log:\n%s", logs)
	}
	if !servedCert(t, ca, base).TLS.PeerCertificates[0].Equal(second.Cert) {
		t.Fatal("a broken renewal replaced the certificate")
	}
}

// TestServeMutualTLSAndLimits: --tls-client-ca with required client
// certificates, CORS and a rate limit from the environment, end to end.
func TestServeMutualTLSAndLimits(t *testing.T) {
	serverCA, clientCA := testcert.NewCA(t, "server-ca"), testcert.NewCA(t, "client-ca")
	srv, operator := serverCA.Server(t, "server"), clientCA.Client(t, "operator")
	base, _ := startServeTLS(t, map[string]string{
		"INGOT_TLS_CLIENT_CA": clientCA.File, "INGOT_RATE_LIMIT": "2", "INGOT_CORS_ORIGIN": "https://wallet.example.cn",
	}, "--tls-cert", srv.CertFile, "--tls-key", srv.KeyFile, "--tls-client-auth", "required")

	if _, err := httpsClient(testcert.ClientConfig(serverCA)).Get(base + "/healthz"); err == nil {
		t.Fatal("served a client without a certificate")
	}
	c := httpsClient(testcert.ClientConfig(serverCA, operator))
	req, _ := http.NewRequest("OPTIONS", base+"/v1/transfers", nil)
	req.Header.Set("Origin", "https://wallet.example.cn")
	req.Header.Set("Access-Control-Request-Method", "POST")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 204 || res.Header.Get("Access-Control-Allow-Origin") != "https://wallet.example.cn" {
		t.Fatalf("preflight: %d %v", res.StatusCode, res.Header)
	}
	statuses := []int{}
	for range 3 {
		req, _ := http.NewRequest("GET", base+"/v1/operators", nil)
		req.Header.Set("Authorization", "Bearer ik_not_a_key")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		statuses = append(statuses, res.StatusCode)
	}
	if statuses[0] != 401 || statuses[2] != 429 {
		t.Fatalf("statuses %v, want 401 ... 429 at 2 requests/s", statuses)
	}
}
