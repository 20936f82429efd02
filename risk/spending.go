package risk

import (
	"strings"

	"github.com/ingot-cbdc/ingot"
)

// CompileAllow compiles a wallet's spending rule (ingot.SpendingRule,
// docs/spending-rules.md): an expression true for the payments the wallet
// may make, over the same facts as a risk rule, compiled as Compile does
// (the same environment, boolean, at most MaxExpressionLen bytes and
// CostLimit; invalid_rule with CEL's message). Amounts are integers in
// minor units, as in risk rules: an amount compared with a decimal
// (amount <= 50.00) does not type-check, and the error says how to write
// it.
func CompileAllow(expr string) (*Program, error) {
	p, err := Compile(expr)
	if e := ingot.AsError(err); e != nil && (strings.Contains(e.Detail, "(int, double)") || strings.Contains(e.Detail, "(double, int)")) {
		return nil, ingot.Errorf(e.Code, "%s\n(amounts are integers in minor units of the currency: 50.00 CNY is written 5000)", e.Detail)
	}
	return p, err
}
