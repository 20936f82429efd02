package store

import "github.com/ingot-cbdc/ingot"

// SpendingWrite sets a wallet's spending rule (ingot.SpendingRule), or
// removes it when Rule is nil. The engine writes it in the batch that
// changed the rule, with the wallet locked; the rule is read back with
// the account (Account, LockAccounts and every other account read), so
// that a payment's batch finds its payer's rule without another query.
// Writing BatchWrite.Accounts leaves the rule as it is.
type SpendingWrite struct {
	Wallet int64
	Rule   *ingot.SpendingRule
}
