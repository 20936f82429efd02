package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/bank"
	"github.com/ingot-cbdc/ingot/featurephone"
	"github.com/ingot-cbdc/ingot/httpapi"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/web"
	"github.com/ingot-cbdc/ingot/webhook"
)

// stack is the service and API over one database and engine, as serve and
// bench run them.
type stack struct {
	svc     *ledger.Service
	auth    *auth.Service
	sandbox *bank.Sandbox
	handler http.Handler
	// Webhooks: the endpoint service and the deliverer (serve runs it).
	hooks     *webhook.Service
	deliverer *webhook.Deliverer
	web       web.Options // the web's, without the developer sandbox (developers)
}

// stackConfig is what the stack is made of besides the database.
type stackConfig struct {
	sandbox    bool   // the sandbox bank and SMS sender, ingot_test_ keys
	publicURL  string // WebAuthn's relying party
	smsGateway string // the SMS gateway's URL; "" none (sign-in then answers unavailable)
	qrScheme   string // the merchant QR codes' globally unique identifier; "" the default
	ussdSecret string // the USSD gateway's shared secret; "" no USSD route
	hardening  httpapi.Hardening
	// Offline devices' largest (and default) max_balance and max_payment,
	// decimal amounts; "" the defaults.
	offlineMaxBalance, offlineMaxPayment string
	// Webhooks: endpoints at any address (implied by sandbox), and how long
	// a process holds an endpoint it sends to (0: webhook.DefaultLease).
	webhookAllowPrivate bool
	webhookLease        time.Duration
}

// newStack wires the service, sign-in and the HTTP API.
func newStack(st database, eng *ledger.Engine, keys *pii.Keys, log *slog.Logger, reg *prometheus.Registry, cfg stackConfig) (*stack, error) {
	var sender auth.Sender = auth.NoSender{}
	switch {
	case cfg.sandbox:
		sender = auth.NewSandboxSender(st, keys, nil)
	case cfg.smsGateway != "":
		sender = &auth.GatewaySender{URL: cfg.smsGateway}
	}
	au, err := auth.New(st, auth.Options{PII: keys, Sender: sender, PublicURL: cfg.publicURL, Logger: log})
	if err != nil {
		return nil, err
	}
	svc := ledger.NewService(st, eng, log).WithPII(keys).WithApprover(au, nil).WithEvents(au.Record).WithQRScheme(cfg.qrScheme).
		WithOfflineLimits(cfg.offlineMaxBalance, cfg.offlineMaxPayment)
	s := &stack{svc: svc, auth: au}
	if cfg.sandbox {
		s.sandbox = bank.NewSandbox(st, keys)
		svc.WithBank(s.sandbox, ledger.BankOptions{}).WithKeyPrefix(ledger.TestKeyPrefix)
	}
	hooks := webhook.Options{AllowPrivate: cfg.sandbox || cfg.webhookAllowPrivate, Logger: log, Lease: cfg.webhookLease,
		Render: httpapi.EventRenderer(svc, log), Record: au.Record}
	s.deliverer = webhook.NewDeliverer(st, keys, hooks)
	s.hooks = webhook.NewService(st, keys, hooks).WithWake(s.deliverer.Wake)
	phones, err := featurephone.New(featurephone.Options{Ledger: svc, Auth: au, Sender: sender, Logger: log})
	if err != nil {
		return nil, err
	}
	api := httpapi.NewServer(svc, au, httpapi.Options{Logger: log, Registry: reg, Sandbox: s.sandbox, Hardening: cfg.hardening, Webhooks: s.hooks,
		Phones: phones, USSDSecret: cfg.ussdSecret})
	s.web = web.Options{API: api, Keys: keys, Zone: eng.Zone(), Logger: log}
	wb, err := web.New(s.web)
	if err != nil {
		return nil, err
	}
	s.handler = web.Mount(api, wb) // the web at /, the API at /v1/ and its documents
	return s, nil
}

// developers serves the web's developer sandbox (/developers), under
// --sandbox only. The page registers developers' operators, mints into
// their reserves and reads their test phones' text messages as the
// central bank: with a key of the sandbox (ingot_test_) made now, after
// the central bank's first key (Bootstrap), with only the scopes
// operators:write, issuance:write and sandbox, and kept in memory. revoke
// revokes it, when the server stops (after a crash it stays, unusable: its
// secret was only in the process's memory).
func (s *stack) developers(ctx context.Context) (revoke func(), err error) {
	if s.sandbox == nil {
		return nil, errors.New("the developer sandbox needs --sandbox")
	}
	cb := ingot.Actor{Role: ingot.RoleCentralBank, KeyID: "developer-sandbox"}
	k, err := s.svc.CreateAPIKey(ctx, cb, ledger.KeyRequest{Name: "developer sandbox (web, in memory)",
		Scopes: []string{ingot.ScopeOperatorsWrite, ingot.ScopeIssuanceWrite, ingot.ScopeSandbox}}, "", nil)
	if err != nil {
		return nil, fmt.Errorf("the developer sandbox's key: %w", err)
	}
	o := s.web
	o.Sandbox = &web.Sandbox{CentralBankKey: k.Secret}
	wb, err := web.New(o)
	if err != nil {
		return nil, err
	}
	s.handler = web.Mount(o.API, wb)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.svc.RevokeAPIKey(ctx, cb, k.Key.ID, ""); err != nil {
			o.Logger.Warn("revoking the developer sandbox's key", "err", err)
		}
	}, nil
}
