package risk

import (
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Action is what a matching rule does to a payment.
type Action string

// Actions, from the weakest to the strongest.
const (
	// ActionAllow lets the payment go ahead and overrides the alert,
	// review, approve and deny of the same owner's other rules (a
	// whitelist); the central bank's rules still apply to an operator's
	// payment that one of its allow rules matches.
	ActionAllow Action = "allow"
	// ActionAlert pays and raises an alert.
	ActionAlert Action = "alert"
	// ActionApprove requires the holder's payment approval (strong
	// customer authentication), whatever the exemptions.
	ActionApprove Action = "approve"
	// ActionReview does not pay: the money is held and a reviewer releases
	// or refuses it.
	ActionReview Action = "review"
	// ActionDeny refuses the payment (403 risk_denied).
	ActionDeny Action = "deny"
)

// strength orders the actions that block or flag a payment.
func (a Action) strength() int {
	switch a {
	case ActionAlert:
		return 1
	case ActionApprove:
		return 2
	case ActionReview:
		return 3
	case ActionDeny:
		return 4
	}
	return 0
}

// Valid reports whether a is one of the actions.
func (a Action) Valid() bool { return a == ActionAllow || a.strength() > 0 }

// Severity grades an alert.
type Severity string

// Severities.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Valid reports whether s is one of the severities.
func (s Severity) Valid() bool {
	switch s {
	case SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
		return true
	}
	return false
}

// Rule is one version of a risk rule. A change is a new version with the
// same ID; the alerts a rule raises name its version.
type Rule struct {
	ID         string
	Version    int
	OperatorID string // "" for a central bank's rules
	// IssuerID is the central bank that owns the rule when it is not the
	// platform's administrator ("" the administrator's or an operator's);
	// Currencies are then the currencies it issues, the only payments the
	// rule applies to (nil: every currency).
	IssuerID   string
	Currencies []string
	Name       string
	Expression string
	Action     Action
	Severity   Severity
	Active     bool
	CreatedAt  time.Time
}

// Limits of a rule's text.
const (
	MaxNameLen       = 100
	MaxExpressionLen = 2000
)

// Check validates a rule's fields other than its expression (Compile
// checks that).
func (r *Rule) Check() error {
	if r.Name == "" || len(r.Name) > MaxNameLen {
		return ingot.Errorf(ingot.CodeInvalidRequest, "name must be 1 to %d bytes", MaxNameLen)
	}
	if !r.Action.Valid() {
		return ingot.Errorf(ingot.CodeInvalidRequest, "action must be allow, alert, review, approve or deny")
	}
	if !r.Severity.Valid() {
		return ingot.Errorf(ingot.CodeInvalidRequest, "severity must be low, medium, high or critical")
	}
	return nil
}
