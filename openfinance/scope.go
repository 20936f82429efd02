package openfinance

import (
	"slices"
	"strings"

	"github.com/ingot-cbdc/ingot"
)

// Scopes a consent grants.
const (
	// ScopeAccountsRead reads balances, tiers and history (at most
	// MaxHistory back) of the consented wallets.
	ScopeAccountsRead = "accounts:read"
	// ScopePaymentsWrite pays from the consented wallets within the
	// consent's mandate.
	ScopePaymentsWrite = "payments:write"
)

// Roles a provider is registered for: account information (AIS) may be
// granted accounts:read, payment initiation (PIS) payments:write.
const (
	RoleAIS = "ais"
	RolePIS = "pis"
)

// roleOf is the role a scope needs.
var roleOf = map[string]string{ScopeAccountsRead: RoleAIS, ScopePaymentsWrite: RolePIS}

// MaxScopeLen is the longest scope string accepted.
const MaxScopeLen = 256

// ParseScope parses an OAuth scope (RFC 6749 §3.3: names separated by
// single spaces) into its known scopes, sorted, each once. An empty scope,
// an unknown name or a repeated one is invalid_scope.
func ParseScope(s string) ([]string, error) {
	if s == "" || len(s) > MaxScopeLen {
		return nil, ingot.Errorf(ingot.CodeInvalidScope, "scope must name %s and/or %s, separated by a space", ScopeAccountsRead, ScopePaymentsWrite)
	}
	var out []string
	for _, name := range strings.Split(s, " ") {
		if _, ok := roleOf[name]; !ok {
			return nil, ingot.Errorf(ingot.CodeInvalidScope, "scope %q is unknown; scopes are %s and %s", truncate(name, 40), ScopeAccountsRead, ScopePaymentsWrite)
		}
		if slices.Contains(out, name) {
			return nil, ingot.Errorf(ingot.CodeInvalidScope, "scope %s is named twice", name)
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out, nil
}

// FormatScope is the scope string of parsed scopes.
func FormatScope(scopes []string) string { return strings.Join(scopes, " ") }

// ParseRoles checks a provider's roles: ais and/or pis, each once, sorted.
func ParseRoles(roles []string) ([]string, error) {
	if len(roles) == 0 || len(roles) > 2 {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "roles must name %s and/or %s", RoleAIS, RolePIS)
	}
	var out []string
	for _, r := range roles {
		if r != RoleAIS && r != RolePIS {
			return nil, ingot.Errorf(ingot.CodeInvalidRequest, "role %q is unknown; roles are %s and %s", truncate(r, 40), RoleAIS, RolePIS)
		}
		if slices.Contains(out, r) {
			return nil, ingot.Errorf(ingot.CodeInvalidRequest, "role %s is named twice", r)
		}
		out = append(out, r)
	}
	slices.Sort(out)
	return out, nil
}

// Allows reports whether a provider of roles may be granted every scope.
func Allows(roles, scopes []string) bool {
	for _, s := range scopes {
		if !slices.Contains(roles, roleOf[s]) {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
