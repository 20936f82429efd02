package httpapi

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
)

// TLSFiles names the files of the server's TLS identity.
type TLSFiles struct {
	// Cert and Key are PEM files: the certificate chain (leaf first) and
	// its private key.
	Cert, Key string
	// ClientCA, when set, is a PEM bundle of the CAs whose client
	// certificates are accepted: mutual TLS. A client certificate the
	// client sends must chain to one of them or the handshake fails.
	ClientCA string
	// RequireClientCert refuses clients without a certificate. Off, a
	// client without one is served as without mutual TLS (holders'
	// browsers have none) and only keys bound to a certificate need one.
	RequireClientCert bool
}

// ServerTLS is the server's TLS configuration over files that can be read
// again while serving: Reload swaps the certificate, key and client CAs
// atomically for the handshakes that follow; connections already open keep
// theirs. TLS 1.2 is the minimum, with only its AEAD suites with forward
// secrecy (tls12Suites; TLS 1.3's are all such); ALPN offers HTTP/2 and
// HTTP/1.1.
type ServerTLS struct {
	files TLSFiles
	cur   atomic.Pointer[tls.Config]
}

// NewServerTLS reads the files.
func NewServerTLS(files TLSFiles) (*ServerTLS, error) {
	if files.Cert == "" || files.Key == "" {
		return nil, errors.New("TLS needs a certificate file and a key file")
	}
	if files.RequireClientCert && files.ClientCA == "" {
		return nil, errors.New("requiring client certificates needs a client CA file")
	}
	t := &ServerTLS{files: files}
	if err := t.Reload(); err != nil {
		return nil, err
	}
	return t, nil
}

// Reload reads the files again. On any error it keeps what it had and
// returns the error.
func (t *ServerTLS) Reload() error {
	cert, err := tls.LoadX509KeyPair(t.files.Cert, t.files.Key)
	if err != nil {
		return fmt.Errorf("TLS certificate %s and key %s: %w", t.files.Cert, t.files.Key, err)
	}
	c := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		CipherSuites: tls12Suites,
		NextProtos:   []string{"h2", "http/1.1"},
		Certificates: []tls.Certificate{cert},
	}
	if t.files.ClientCA != "" {
		pem, err := os.ReadFile(t.files.ClientCA)
		if err != nil {
			return fmt.Errorf("TLS client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("TLS client CA %s: no PEM certificate in it", t.files.ClientCA)
		}
		c.ClientCAs = pool
		c.ClientAuth = tls.VerifyClientCertIfGiven
		if t.files.RequireClientCert {
			c.ClientAuth = tls.RequireAndVerifyClientCert
		}
	}
	t.cur.Store(c)
	return nil
}

// tls12Suites are the TLS 1.2 suites served: ECDHE key exchange (forward
// secrecy) and AEAD ciphers, as Mozilla's "intermediate" configuration. Go's
// defaults would add the CBC suites with SHA-1 MACs.
var tls12Suites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// Certificate is the leaf certificate served now.
func (t *ServerTLS) Certificate() *x509.Certificate {
	return t.cur.Load().Certificates[0].Leaf
}

// Config is the tls.Config to serve with (http.Server.TLSConfig): every
// handshake takes the configuration Reload stored last.
func (t *ServerTLS) Config() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return t.cur.Load(), nil
		},
	}
}
