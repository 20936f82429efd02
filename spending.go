package ingot

import (
	"encoding/json"
	"fmt"
	"time"
)

// Spending rules (docs/spending-rules.md): parental controls and corporate
// cards. A wallet may have one rule, a boolean CEL expression over a
// payment (the facts risk rules see: amount, channel, payer.*, payee.*,
// ...) that is true for the payments the wallet may make. A payment the
// wallet sends that it does not allow is refused (spending_rule_denied) or
// needs the holder's approval, as Otherwise says.

// SpendingOtherwise is what happens to a payment a wallet's spending rule
// does not allow.
type SpendingOtherwise string

const (
	// OtherwiseDeny refuses it: 403 spending_rule_denied.
	OtherwiseDeny SpendingOtherwise = "deny"
	// OtherwiseApprove asks the holder's approval of exactly that payment
	// (as a risk rule's approve does); a payment an operator's back end
	// sends cannot be approved, and is refused.
	OtherwiseApprove SpendingOtherwise = "approve"
)

// Valid reports whether o is deny or approve.
func (o SpendingOtherwise) Valid() bool { return o == OtherwiseDeny || o == OtherwiseApprove }

// SpendingRule is a wallet's spending rule.
type SpendingRule struct {
	// Allow is the CEL expression, true for the payments allowed. Amounts
	// are integers in minor units, as in risk rules.
	Allow     string
	Otherwise SpendingOtherwise
	// SetBy is who set it: RoleOperator (the wallet's operator) or
	// RoleHolder (the holder, on a sub-wallet). A rule an operator set is
	// changed or removed only by the operator.
	SetBy     Role
	CreatedAt time.Time // when it was set
}

// storedSpendingRule is the stored form of a SpendingRule.
type storedSpendingRule struct {
	Allow     string            `json:"allow"`
	Otherwise SpendingOtherwise `json:"otherwise"`
	SetBy     Role              `json:"set_by"`
	CreatedAt time.Time         `json:"created_at"`
}

// EncodeSpendingRule is the stored form of a wallet's rule (the accounts'
// spending_rule column in both stores): a small JSON object; "" for none.
// Its time is kept in UTC to the microsecond, as the stores keep times.
func EncodeSpendingRule(r *SpendingRule) string {
	if r == nil {
		return ""
	}
	c := storedSpendingRule(*r)
	c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Microsecond)
	b, _ := json.Marshal(c) // never fails: strings and a time
	return string(b)
}

// DecodeSpendingRule reads what EncodeSpendingRule stored: nil for "".
func DecodeSpendingRule(s string) (*SpendingRule, error) {
	if s == "" {
		return nil, nil
	}
	var r storedSpendingRule
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nil, fmt.Errorf("ingot: a stored spending rule: %w", err)
	}
	if r.Allow == "" || !r.Otherwise.Valid() {
		return nil, fmt.Errorf("ingot: a stored spending rule without an expression or a valid otherwise")
	}
	out := SpendingRule(r)
	out.CreatedAt = out.CreatedAt.UTC()
	if y := out.CreatedAt.Year(); y < 1 || y > 9999 {
		return nil, fmt.Errorf("ingot: a stored spending rule of the year %d", y)
	}
	return &out, nil
}
