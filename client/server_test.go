package client_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/bank"
	"github.com/ingot-cbdc/ingot/httpapi"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/translog"
	"github.com/ingot-cbdc/ingot/webhook"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"
)

// adminKey is the central bank's key in test servers.
const adminKey = "ik_test_admin_key_0123456789abcdef"

// server is a real Ingot API over a real database.
type server struct {
	URL  string
	VKey string // the log's verifier key
	st   store.Store
	d    *webhook.Deliverer
}

// newServer starts an API on a fresh store of kind ("sqlite" or
// "postgres"), with the sandbox bank and webhooks (to loopback) on.
func newServer(t testing.TB, kind string) *server {
	t.Helper()
	st := testdb.Open(t, kind)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := prometheus.NewRegistry()
	skey, vkey, err := note.GenerateKey(rand.Reader, translog.DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := translog.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	eng := ledger.NewEngine(st, ledger.Options{Logger: log, Registerer: reg, Signer: signer})
	dataKey, err := pii.ParseKey(pii.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	sb := bank.NewSandbox(st.(bank.SandboxStore), dataKey)
	sb.Delay = 10 * time.Millisecond
	ast := st.(auth.Store)
	au, err := auth.New(ast, auth.Options{PII: dataKey, Sender: auth.NewSandboxSender(ast, dataKey, time.Now), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	svc := ledger.NewService(st, eng, log).WithPII(dataKey).
		WithBank(sb, ledger.BankOptions{Grace: -1, RetryBase: time.Millisecond, RetryMax: time.Millisecond}).
		WithApprover(au, nil).WithEvents(au.Record)
	if _, err := svc.Bootstrap(ctx, adminKey); err != nil {
		t.Fatal(err)
	}
	ws := st.(webhook.Store)
	wopt := webhook.Options{AllowPrivate: true, Logger: log, Render: httpapi.EventRenderer(svc, log), Record: au.Record}
	h := httpapi.NewServer(svc, au, httpapi.Options{Logger: log, Registry: reg, Sandbox: sb, Webhooks: webhook.NewService(ws, dataKey, wopt)})
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		eng.Close()
	})
	return &server{URL: srv.URL, VKey: vkey, st: st, d: webhook.NewDeliverer(ws, dataKey, wopt)}
}
