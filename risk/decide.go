package risk

import "slices"

// Compiled is a rule with its compiled expression.
type Compiled struct {
	Rule
	Program *Program
}

// CompileRule compiles a rule's expression after checking its fields.
func CompileRule(r Rule) (*Compiled, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	p, err := Compile(r.Expression)
	if err != nil {
		return nil, err
	}
	return &Compiled{Rule: r, Program: p}, nil
}

// Decision is what the rules say of one payment.
type Decision struct {
	// Action is the strongest action of the rules that matched, after
	// each owner's allow rules; "" when none did (the payment goes ahead).
	Action Action
	// By is the rule that decided Action (the first of the strongest).
	By *Rule
	// Hits are the rules that matched with an action other than allow
	// (after the allow rules of their owner), in the order given: each
	// raises an alert if the payment goes ahead or is held for review.
	Hits []*Rule
	// Errors are the rules whose evaluation failed (no match).
	Errors []RuleError
}

// RuleError is a rule whose evaluation failed.
type RuleError struct {
	Rule *Rule
	Err  error
}

// Applies reports whether a rule of its owner applies to a payment in
// currency between wallets of these operators: the administrator's to
// every payment, another issuer's to the payments in its currencies, an
// operator's to those of its own wallets, sent or received.
func (c *Compiled) Applies(payerOperator, payeeOperator, currency string) bool {
	if c.Currencies != nil && !slices.Contains(c.Currencies, currency) {
		return false
	}
	return c.OperatorID == "" || c.OperatorID == payerOperator || c.OperatorID == payeeOperator
}

// Owner names the rule's owner: an operator, an issuer, or "" the
// administrator. An allow rule silences its owner's rules only.
func (r *Rule) Owner() string {
	switch {
	case r.OperatorID != "":
		return r.OperatorID
	case r.IssuerID != "":
		return "issuer:" + r.IssuerID
	}
	return ""
}

// Decide evaluates the active rules that apply to the payment.
func Decide(rules []*Compiled, f *Facts) Decision {
	var d Decision
	var allowed []string // owners whose allow rule matched
	var hits []*Rule
	for _, c := range rules {
		if !c.Active || !c.Applies(f.Payer.Operator, f.Payee.Operator, f.Currency) {
			continue
		}
		ok, err := c.Program.Eval(f)
		if err != nil {
			d.Errors = append(d.Errors, RuleError{&c.Rule, err})
			continue
		}
		if !ok {
			continue
		}
		if c.Action == ActionAllow {
			allowed = append(allowed, c.Owner())
			continue
		}
		hits = append(hits, &c.Rule)
	}
	for _, r := range hits {
		if slices.Contains(allowed, r.Owner()) {
			continue
		}
		d.Hits = append(d.Hits, r)
		if r.Action.strength() > d.Action.strength() {
			d.Action, d.By = r.Action, r
		}
	}
	return d
}
