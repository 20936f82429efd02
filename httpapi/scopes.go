package httpapi

import (
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/openfinance"
)

// access is what a route asks of its caller: the scope an API key needs,
// and whether a signed-in holder may use it at all. Roles are checked
// again by the service (an operator's key with every scope still cannot
// mint).
type access struct {
	scope  string
	holder bool
	// centralBank is the scope a central bank's key needs instead, for a
	// route both may use with scopes of their own (issueVouchers).
	centralBank string
	// provider is the consent scope a provider's access token needs (open
	// finance); "": providers may not use the route. providerAny: any
	// provider's token; providerOnly: no API key or holder either.
	provider     string
	providerOnly bool
}

// providerAny is the provider scope of a route any provider token may use.
const providerAny = "*"

// holderOnly routes are a signed-in holder's own (its profile, factors,
// approvals): no API key may use them.
const holderOnly = ""

// routes is every secured operation's access, by operationId. A route
// missing here answers 403 to everyone; TestEveryRouteHasAScope walks the
// OpenAPI document and fails on such a route.
var routes = map[string]access{
	// ISO 20022 (iso20022.go).
	"getTransferPacs008": {scope: ingot.ScopeTransfersRead, holder: true},
	"getTransferCamt054": {scope: ingot.ScopeTransfersRead, holder: true},
	"postPacs008":        {scope: ingot.ScopeTransfersWrite},
	// Conditional payments (conditional.go).
	"createConditionalPayment":  {scope: ingot.ScopeTransfersWrite, holder: true},
	"releaseConditionalPayment": {scope: ingot.ScopeTransfersWrite, holder: true},
	"cancelConditionalPayment":  {scope: ingot.ScopeTransfersWrite, holder: true},
	"listConditionalPayments":   {scope: ingot.ScopeTransfersRead, holder: true},
	"getConditionalPayment":     {scope: ingot.ScopeTransfersRead, holder: true},
	// Vouchers (vouchers.go).
	"issueVouchers":     {scope: ingot.ScopeTransfersWrite, centralBank: ingot.ScopeIssuanceWrite},
	"getVoucherProgram": {scope: ingot.ScopeTransfersRead},
	// Offline purses (offline.go): the operator registers devices; the
	// holder loads and uploads its own, and reads the keys and revocations
	// its devices need.
	"registerDevice":  {scope: ingot.ScopeWalletsWrite},
	"listDevices":     {scope: ingot.ScopeWalletsRead, holder: true},
	"getDevice":       {scope: ingot.ScopeWalletsRead, holder: true},
	"loadDevice":      {scope: ingot.ScopeTransfersWrite, holder: true},
	"syncOffline":     {scope: ingot.ScopeTransfersWrite, holder: true},
	"getOfflineKeys":  {scope: ingot.ScopeTransfersRead, holder: true},
	"listRevocations": {scope: ingot.ScopeTransfersRead, holder: true},
	// Spending rules (spending.go): a holder sets its sub-wallets' and
	// reads all its wallets'.
	"setSpendingRule":    {scope: ingot.ScopeWalletsWrite, holder: true},
	"getSpendingRule":    {scope: ingot.ScopeWalletsRead, holder: true},
	"removeSpendingRule": {scope: ingot.ScopeWalletsWrite, holder: true},

	// Standing orders (standing.go).
	"createStandingOrder":   {scope: ingot.ScopeTransfersWrite, holder: true},
	"pauseStandingOrder":    {scope: ingot.ScopeTransfersWrite, holder: true},
	"resumeStandingOrder":   {scope: ingot.ScopeTransfersWrite, holder: true},
	"cancelStandingOrder":   {scope: ingot.ScopeTransfersWrite, holder: true},
	"listStandingOrders":    {scope: ingot.ScopeTransfersRead, holder: true},
	"getStandingOrder":      {scope: ingot.ScopeTransfersRead, holder: true},
	"listStandingOrderRuns": {scope: ingot.ScopeTransfersRead, holder: true},
	// Risk and AML (risk.go).
	"createRiskRule":      {scope: ingot.ScopeRiskWrite},
	"updateRiskRule":      {scope: ingot.ScopeRiskWrite},
	"backtestRiskRule":    {scope: ingot.ScopeRiskRead},
	"listRiskRules":       {scope: ingot.ScopeRiskRead},
	"getRiskRule":         {scope: ingot.ScopeRiskRead},
	"listAlerts":          {scope: ingot.ScopeRiskRead},
	"getAlert":            {scope: ingot.ScopeRiskRead},
	"resolveAlert":        {scope: ingot.ScopeRiskWrite},
	"getLargeValueReport": {scope: ingot.ScopeRiskRead},
	"listReviews":         {scope: ingot.ScopeRiskRead},
	"getReview":           {scope: ingot.ScopeRiskRead},
	"releaseReview":       {scope: ingot.ScopeRiskWrite},
	"refuseReview":        {scope: ingot.ScopeRiskWrite},
	"createCase":          {scope: ingot.ScopeRiskWrite},
	"listCases":           {scope: ingot.ScopeRiskRead},
	"getCase":             {scope: ingot.ScopeRiskRead},
	"decideCase":          {scope: ingot.ScopeRiskWrite},
	"requestReveal":       {scope: ingot.ScopeRiskWrite},
	"approveReveal":       {scope: ingot.ScopeRiskWrite},
	"setScreeningList":    {scope: ingot.ScopeRiskWrite},
	"getScreeningList":    {scope: ingot.ScopeRiskRead},

	// Operators and issuance (central bank).
	// Issuers (issuers.go).
	"createIssuer":   {scope: ingot.ScopeOperatorsWrite},
	"listIssuers":    {scope: ingot.ScopeWalletsRead, centralBank: ingot.ScopeOperatorsWrite},
	"getIssuer":      {scope: ingot.ScopeWalletsRead, centralBank: ingot.ScopeOperatorsWrite},
	"admitOperator":  {scope: ingot.ScopeOperatorsWrite},
	"createOperator": {scope: ingot.ScopeOperatorsWrite},
	// FX (fx.go).
	"setFXRate":        {scope: ingot.ScopeTransfersWrite},
	"listFXRates":      {scope: ingot.ScopeTransfersRead, centralBank: ingot.ScopeTransfersRead},
	"createFXQuote":    {scope: ingot.ScopeTransfersWrite, holder: true},
	"createFXExchange": {scope: ingot.ScopeTransfersWrite, holder: true},
	"getFXExchange":    {scope: ingot.ScopeTransfersRead, holder: true},
	// Cross-border rules (crossborder.go): set as the tiers' limits are.
	"setCrossBorderRules": {scope: ingot.ScopeKYCWrite},
	"getCrossBorderRules": {scope: ingot.ScopeWalletsRead},
	"listOperators":       {scope: ingot.ScopeOperatorsWrite},
	"getMe":               {scope: ingot.ScopeWalletsRead},
	"mint":                {scope: ingot.ScopeIssuanceWrite},
	"burn":                {scope: ingot.ScopeIssuanceWrite},
	"getSupply":           {scope: ingot.ScopeIssuanceWrite},

	// Wallets.
	"createWallet":      {scope: ingot.ScopeWalletsWrite},
	"createWalletBatch": {scope: ingot.ScopeWalletsWrite},
	"listWallets":       {scope: ingot.ScopeWalletsRead, holder: true, provider: openfinance.ScopeAccountsRead},
	"getWallet":         {scope: ingot.ScopeWalletsRead, holder: true, provider: openfinance.ScopeAccountsRead},
	"freezeWallet":      {scope: ingot.ScopeWalletsWrite},
	"unfreezeWallet":    {scope: ingot.ScopeWalletsWrite},
	"closeWallet":       {scope: ingot.ScopeWalletsWrite},
	"updateWallet":      {scope: ingot.ScopeWalletsWrite},
	"openSubWallet":     {scope: ingot.ScopeWalletsWrite},
	"listSubWallets":    {scope: ingot.ScopeWalletsRead},
	"listTransactions":  {scope: ingot.ScopeWalletsRead, holder: true, provider: openfinance.ScopeAccountsRead},
	"topUp":             {scope: ingot.ScopeTransfersWrite, holder: true},
	"withdraw":          {scope: ingot.ScopeTransfersWrite, holder: true},

	// Transfers and holds.
	"createTransfer":      {scope: ingot.ScopeTransfersWrite, holder: true, provider: openfinance.ScopePaymentsWrite},
	"createTransferBatch": {scope: ingot.ScopeTransfersWrite},
	"getTransfer":         {scope: ingot.ScopeTransfersRead, holder: true},
	"createHold":          {scope: ingot.ScopeTransfersWrite, holder: true},
	"getHold":             {scope: ingot.ScopeTransfersRead, holder: true},
	"captureHold":         {scope: ingot.ScopeTransfersWrite, holder: true},
	"voidHold":            {scope: ingot.ScopeTransfersWrite, holder: true},

	// KYC tiers and limits.
	"upgradeWallet": {scope: ingot.ScopeKYCWrite},
	"setLimits":     {scope: ingot.ScopeKYCWrite},
	"getLimits":     {scope: ingot.ScopeWalletsRead},

	// Banks.
	"linkBankAccount":   {scope: ingot.ScopeBankWrite},
	"listBankAccounts":  {scope: ingot.ScopeWalletsRead, holder: true},
	"unlinkBankAccount": {scope: ingot.ScopeBankWrite},
	"getBankOperation":  {scope: ingot.ScopeWalletsRead, holder: true},

	// Merchants (merchants.go).
	"setMerchant":          {scope: ingot.ScopeWalletsWrite},
	"getStaticQR":          {scope: ingot.ScopeWalletsRead, holder: true},
	"getStaticQRImage":     {scope: ingot.ScopeWalletsRead, holder: true},
	"createPaymentRequest": {scope: ingot.ScopeTransfersWrite, holder: true},
	"getPaymentRequest":    {scope: ingot.ScopeTransfersRead, holder: true},
	"getPaymentRequestQR":  {scope: ingot.ScopeTransfersRead, holder: true},
	"payQR":                {scope: ingot.ScopeTransfersWrite, holder: true},
	"createPaymentCode":    {scope: ingot.ScopeTransfersWrite, holder: true},
	"chargePaymentCode":    {scope: ingot.ScopeTransfersWrite, holder: true},
	"createRefund":         {scope: ingot.ScopeTransfersWrite, holder: true},
	"listRefunds":          {scope: ingot.ScopeTransfersRead, holder: true},
	"setFees":              {scope: ingot.ScopeFeesWrite},
	"listFees":             {scope: ingot.ScopeFeesWrite},
	"setFeeCap":            {scope: ingot.ScopeFeesWrite},
	"getFeeCap":            {scope: ingot.ScopeWalletsRead},
	"getStatement":         {scope: ingot.ScopeWalletsRead, holder: true},
	"setSettlement":        {scope: ingot.ScopeBankWrite},
	"getSettlement":        {scope: ingot.ScopeWalletsRead},

	// Webhooks (webhooks.go).
	"createWebhookEndpoint": {scope: ingot.ScopeWebhooksWrite},
	"listWebhookEndpoints":  {scope: ingot.ScopeWebhooksWrite},
	"getWebhookEndpoint":    {scope: ingot.ScopeWebhooksWrite},
	"updateWebhookEndpoint": {scope: ingot.ScopeWebhooksWrite},
	"deleteWebhookEndpoint": {scope: ingot.ScopeWebhooksWrite},
	"listWebhookDeliveries": {scope: ingot.ScopeWebhooksWrite},
	"retryWebhookDelivery":  {scope: ingot.ScopeWebhooksWrite},

	// The transparency log.
	"getCheckpoint":       {scope: ingot.ScopeLogRead},
	"getLogKey":           {scope: ingot.ScopeLogRead},
	"getConsistencyProof": {scope: ingot.ScopeLogRead},
	"getTransferProof":    {scope: ingot.ScopeLogRead},
	"getLogEntry":         {scope: ingot.ScopeLogRead},
	"createAuditor":       {scope: ingot.ScopeOperatorsWrite},

	// Keys and security events.
	"createAPIKey":       {scope: ingot.ScopeKeysWrite},
	"listAPIKeys":        {scope: ingot.ScopeKeysWrite},
	"revokeAPIKey":       {scope: ingot.ScopeKeysWrite},
	"listSecurityEvents": {scope: ingot.ScopeKeysWrite},

	// What the consoles read (consoles.go).
	"listSupplies":       {scope: ingot.ScopeIssuanceWrite},
	"getSupplyHistory":   {scope: ingot.ScopeIssuanceWrite},
	"listReserves":       {scope: ingot.ScopeIssuanceWrite},
	"listBankOperations": {scope: ingot.ScopeWalletsRead, holder: true},

	// Open finance (openfinance.go): providers are an organisation's
	// credentials (keys:write); a provider's token reads the consented
	// wallets (accounts:read) and pays by mandate (payments:write) on the
	// routes above that name its scope.
	"createProvider":         {scope: ingot.ScopeKeysWrite},
	"createConsent":          {scope: holderOnly, holder: true},
	"listConsents":           {scope: holderOnly, holder: true},
	"describeConsentRequest": {scope: holderOnly, holder: true},
	"revokeConsent":          {scope: holderOnly, holder: true},
	"listProviderConsents":   {provider: providerAny, providerOnly: true},
	// The token endpoint (openfinance.go) authenticates the client itself;
	// declared here for the OpenAPI document's sake.
	"oauthToken": {provider: providerAny, providerOnly: true},

	// A holder's own.
	"getHolder":            {scope: holderOnly, holder: true},
	"logout":               {scope: holderOnly, holder: true},
	"addTOTP":              {scope: holderOnly, holder: true},
	"confirmTOTP":          {scope: holderOnly, holder: true},
	"passkeyOptions":       {scope: holderOnly, holder: true},
	"addPasskey":           {scope: holderOnly, holder: true},
	"listFactors":          {scope: holderOnly, holder: true},
	"removeFactor":         {scope: holderOnly, holder: true},
	"changePIN":            {scope: holderOnly, holder: true},
	"verifyAuthorization":  {scope: holderOnly, holder: true},
	"sendAuthorizationSMS": {scope: holderOnly, holder: true},
	"getAuthorization":     {scope: holderOnly, holder: true},

	// The sandbox.
	"sandboxOpenAccount": {scope: ingot.ScopeSandbox},
	"sandboxGetAccount":  {scope: ingot.ScopeSandbox},
	"sandboxFaults":      {scope: ingot.ScopeSandbox},
	"sandboxSMS":         {scope: ingot.ScopeSandbox},
	"sandboxIncomingSMS": {scope: ingot.ScopeSandbox},
}

// allowed checks a route's access for an actor: a holder only on holder
// routes; a key of a role that can never have the route's scope is
// forbidden (as before scopes existed), one that could but lacks it
// insufficient_scope.
func allowed(operationID string, a ingot.Actor) error {
	r, ok := routes[operationID]
	if !ok {
		return ingot.Errorf(ingot.CodeForbidden, "this route declares no access")
	}
	if a.Role == ingot.RoleProvider {
		switch {
		case r.provider == "":
			return ingot.Errorf(ingot.CodeForbidden, "a provider's token may not use this route")
		case r.provider != providerAny && !a.HasScope(r.provider):
			return ingot.Errorf(ingot.CodeInsufficientScope, "the consent does not grant the scope %s", r.provider)
		}
		return nil
	}
	if r.providerOnly {
		return ingot.Errorf(ingot.CodeForbidden, "this route is a provider's: client credentials or a provider's access token")
	}
	if a.Role == ingot.RoleHolder {
		if !r.holder {
			return ingot.Errorf(ingot.CodeForbidden, "a holder may not use this route; it is an operator's or the central bank's")
		}
		return nil
	}
	if r.scope == holderOnly {
		return ingot.Errorf(ingot.CodeForbidden, "this route is a signed-in holder's own; sign in as the holder")
	}
	scope := r.scope
	if a.Role == ingot.RoleCentralBank && r.centralBank != "" {
		scope = r.centralBank
	}
	if !ingot.ValidScope(a.Role, scope) {
		return ingot.Errorf(ingot.CodeForbidden, "a %s's key may not use this route", a.Role)
	}
	if !a.HasScope(scope) {
		return ingot.Errorf(ingot.CodeInsufficientScope, "this API key lacks the scope %s", scope)
	}
	return nil
}
