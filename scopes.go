package ingot

import "slices"

// Scopes say what an API key may do; every route declares the one it needs
// (httpapi/scopes.go). A key has at most the scopes of its role.
const (
	ScopeWalletsRead    = "wallets:read"    // wallets, their history, bank accounts and operations, limits
	ScopeWalletsWrite   = "wallets:write"   // open, freeze, close wallets and sub-wallets; holder settings
	ScopeTransfersRead  = "transfers:read"  // transfers and holds
	ScopeTransfersWrite = "transfers:write" // payments, batches, holds, top-ups and withdrawals from the reserve
	ScopeBankWrite      = "bank:write"      // link bank accounts; top-ups and withdrawals through a bank
	ScopeKYCWrite       = "kyc:write"       // tiers and limits
	ScopeKYCReveal      = "kyc:reveal"      // holders' identities in clear (GET /v1/wallets/{id}?reveal=true; operator)
	ScopeKeysWrite      = "keys:write"      // API keys of the organisation; security events
	ScopeLogRead        = "log:read"        // the transparency log and its proofs
	ScopeIssuanceWrite  = "issuance:write"  // mint and burn; the supply (central bank)
	ScopeOperatorsWrite = "operators:write" // register operators and auditors (central bank)
	ScopeFeesWrite      = "fees:write"      // merchant fees (operator); the cap on them (central bank)
	ScopeWebhooksWrite  = "webhooks:write"  // webhook endpoints and their deliveries (operator)
	ScopeRiskRead       = "risk:read"       // risk rules, alerts and AML reports
	ScopeRiskWrite      = "risk:write"      // risk rules; resolving alerts
	ScopeSandbox        = "sandbox"         // the sandbox bank and text messages (under --sandbox)
)

var roleScopes = map[Role][]string{
	RoleCentralBank: {ScopeWalletsRead, ScopeTransfersRead, ScopeKYCWrite, ScopeKeysWrite, ScopeLogRead, ScopeIssuanceWrite, ScopeOperatorsWrite, ScopeFeesWrite,
		ScopeRiskRead, ScopeRiskWrite, ScopeSandbox},
	RoleOperator: {ScopeWalletsRead, ScopeWalletsWrite, ScopeTransfersRead, ScopeTransfersWrite, ScopeBankWrite,
		ScopeKYCWrite, ScopeKYCReveal, ScopeKeysWrite, ScopeLogRead, ScopeFeesWrite, ScopeWebhooksWrite, ScopeRiskRead, ScopeRiskWrite, ScopeSandbox},
	RoleAuditor: {ScopeLogRead},
}

// RoleScopes are every scope a key of a role may have, in a fixed order.
func RoleScopes(r Role) []string { return slices.Clone(roleScopes[r]) }

// ValidScope reports whether a role's keys may have scope s.
func ValidScope(r Role, s string) bool { return slices.Contains(roleScopes[r], s) }
