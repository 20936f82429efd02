// Package risk decides, inside a payment's own batch, whether the payment
// goes ahead: rules written by the central bank and the operators as CEL
// expressions (rule.go, cel.go) over the payment and its context
// (facts.go), velocity aggregates kept incrementally per wallet
// (velocity.go), and the built-in AML patterns (patterns.go). It has no
// I/O: the ledger's engine gives it the facts and stores what it decides.
//
// docs/risk.md is the reference for rule authors.
package risk
