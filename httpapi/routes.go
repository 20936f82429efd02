package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/ingot-cbdc/ingot"
)

// routes lists the whole API.
func (s *server) routes() {
	// Unauthenticated: health, readiness, metrics, /docs (docs.go);
	// /openapi.json is served by huma.
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.metrics())
	s.docsRoutes()

	// Operators.
	post(s, "createOperator", "/v1/operators", "Register an operator (central bank)", http.StatusCreated, "Operators", s.createOperator)
	get(s, "listOperators", "/v1/operators", "List operators (central bank)", "Operators", s.listOperators)
	get(s, "getMe", "/v1/operators/me", "The calling operator and its reserves", "Operators", s.me)

	// Issuance (central bank).
	post(s, "mint", "/v1/issuance/mint", "Mint into an operator's reserve", http.StatusCreated, "Issuance", s.issue(false))
	post(s, "burn", "/v1/issuance/burn", "Burn from an operator's reserve", http.StatusCreated, "Issuance", s.issue(true))
	get(s, "getSupply", "/v1/issuance/supply", "The supply of a currency", "Issuance", s.supply)

	// Wallets (operators, their own).
	post(s, "createWallet", "/v1/wallets", "Open a wallet", http.StatusCreated, "Wallets", s.createWallet)
	s.walletBatchRoute() // POST /v1/wallets/batch (bulk.go)
	get(s, "listWallets", "/v1/wallets", "List the operator's wallets", "Wallets", s.listWallets)
	get(s, "getWallet", "/v1/wallets/{id}", "Read a wallet", "Wallets", s.getWallet)
	post(s, "freezeWallet", "/v1/wallets/{id}/freeze", "Freeze a wallet", http.StatusOK, "Wallets", s.walletStatus(ingot.StatusFrozen))
	post(s, "unfreezeWallet", "/v1/wallets/{id}/unfreeze", "Unfreeze a wallet", http.StatusOK, "Wallets", s.walletStatus(ingot.StatusActive))
	post(s, "closeWallet", "/v1/wallets/{id}/close", "Close a wallet (zero balance, no open holds)", http.StatusOK, "Wallets", s.walletStatus(ingot.StatusClosed))
	post(s, "topUp", "/v1/wallets/{id}/topups", "Top up from the operator's reserve, or from a linked bank account", http.StatusCreated, "Wallets", s.fundAny(false))
	post(s, "withdraw", "/v1/wallets/{id}/withdrawals", "Withdraw to the operator's reserve, or to a linked bank account", http.StatusCreated, "Wallets", s.fundAny(true))
	get(s, "listTransactions", "/v1/wallets/{id}/transactions", "A wallet's history, newest first", "Wallets", s.history)

	// Transfers.
	post(s, "createTransfer", "/v1/transfers", "Pay from a wallet to any wallet", http.StatusCreated, "Transfers", s.createTransfer)
	huma.Register(s.api, huma.Operation{
		OperationID: "createTransferBatch", Method: http.MethodPost, Path: "/v1/transfers/batch",
		Summary: "Pay up to 8,000 transfers at once, optionally atomically", Tags: []string{"Transfers"},
		DefaultStatus: http.StatusOK, MaxBodyBytes: MaxBatchBodyBytes, Security: bearer,
	}, s.batch)
	get(s, "getTransfer", "/v1/transfers/{id}", "Read a transfer", "Transfers", s.getTransfer)

	// Holds (two-phase payments).
	post(s, "createHold", "/v1/holds", "Reserve part of a wallet's balance", http.StatusCreated, "Holds", s.createHold)
	get(s, "getHold", "/v1/holds/{id}", "Read a hold", "Holds", s.getHold)
	post(s, "captureHold", "/v1/holds/{id}/capture", "Pay (part of) a hold", http.StatusOK, "Holds", s.captureHold)
	post(s, "voidHold", "/v1/holds/{id}/void", "Release a hold", http.StatusOK, "Holds", s.voidHold)

	// The transparency log (log.go): any key reads checkpoints, the
	// verifier key and consistency proofs; auditors have nothing else.
	s.logRoutes()
	s.kycRoutes()
	s.bankRoutes()        // bank.go
	s.subWalletRoutes()   // subwallet.go
	s.holderRoutes()      // holders.go: sign-in, factors, approvals
	s.keyRoutes()         // holders.go: API keys, security events
	s.merchantRoutes()    // merchants.go: profiles, QR codes, payment codes, refunds, fees
	s.statementRoutes()   // statements.go: statements, settlement
	s.webhookRoutes()     // webhooks.go
	s.voucherRoutes()     // vouchers.go: purpose-bound money: webhook endpoints and deliveries
	s.offlineRoutes()     // offline.go: offline purses
	s.riskRoutes()        // risk.go: risk rules, alerts, AML reports
	s.conditionalRoutes() // conditional.go: conditional payments
	s.standingRoutes()    // standing.go: standing orders
	s.isoRoutes()         // iso20022.go: pacs.008 out and in, pacs.002
	s.spendingRoutes()    // spending.go: wallets' spending rules
	s.consoleRoutes()     // consoles.go: supplies, supply history, reserves, bank operations
	s.issuerRoutes()      // issuers.go: several central banks, admissions
	s.fxRoutes()          // fx.go: rates, quotes, exchanges (payment-versus-payment)
	s.crossBorderRoutes() // crossborder.go: issuers' cross-border rules and corridors
	s.phoneRoutes()       // phones.go: the USSD callback, incoming SMS (sandbox)
	s.openFinanceRoutes() // openfinance.go: providers, consents, the token endpoint
}

var bearer = []map[string][]string{{"bearer": {}}}

func get[I, O any](s *server, id, path, summary, tag string, h func(context.Context, *I) (*O, error)) {
	register(s, http.MethodGet, id, path, summary, http.StatusOK, tag, h)
}

func post[I, O any](s *server, id, path, summary string, status int, tag string, h func(context.Context, *I) (*O, error)) {
	register(s, http.MethodPost, id, path, summary, status, tag, h)
}

func register[I, O any](s *server, method, id, path, summary string, status int, tag string, h func(context.Context, *I) (*O, error)) {
	huma.Register(s.api, huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag},
		DefaultStatus: status, MaxBodyBytes: MaxBodyBytes, Security: bearer,
	}, h)
}
