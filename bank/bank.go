// Package bank is Ingot's side of the holders' commercial banks: the
// Connector interface through which wallets are funded from and defunded to
// bank deposit accounts, and Sandbox, a built-in bank that keeps deposit
// accounts in Ingot's own database, for tests and the quickstart.
//
// Every call carries a reference, the id of Ingot's bank operation: a bank
// applies one reference at most once, so a call whose outcome was not
// learned (a timeout, a lost connection) is retried with the same
// reference, safely.
package bank

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Account names a deposit account at a bank.
type Account struct {
	BankCode string
	Number   string
}

// Connector talks to the banks. Debit takes money from a holder's deposit
// account (a top-up), Credit gives it (a withdrawal, a sweep).
//
// Errors say whether the bank definitely refused (a *Refusal: nothing
// happened, and retrying will not help) or the outcome is unknown (any
// other error, such as ErrUnknown: the bank may or may not have applied
// the call; retry with the same reference to find out).
type Connector interface {
	// Verify checks that an account exists, is open, is in currency and is
	// held by holderName.
	Verify(ctx context.Context, ref string, acct Account, holderName, currency string) error
	// Debit takes amount (minor units of currency) from acct, once per ref.
	Debit(ctx context.Context, ref string, acct Account, amount int64, currency string) error
	// Credit gives amount to acct, once per ref.
	Credit(ctx context.Context, ref string, acct Account, amount int64, currency string) error
}

// Refusal codes.
const (
	RefusedInsufficientFunds = "insufficient_funds"
	RefusedClosed            = "account_closed"
	RefusedNotFound          = "account_not_found"
	RefusedHolderName        = "holder_name_mismatch"
	RefusedCurrency          = "currency_mismatch"
	RefusedDeclined          = "declined"
)

// Refusal is a bank's definite no: nothing was applied.
type Refusal struct {
	Code   string
	Detail string
}

func (r *Refusal) Error() string { return "bank refused: " + r.Code + ": " + r.Detail }

// Refused returns a *Refusal.
func Refused(code, format string, args ...any) *Refusal {
	return &Refusal{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// AsRefusal returns the refusal in err's chain, if any.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}

// ErrUnknown is an outcome that was not learned: a timeout or a lost
// connection. The call may have been applied.
var ErrUnknown = errors.New("bank: outcome unknown")

// SameName reports whether two holder names are the same name: case,
// spacing and punctuation aside.
func SameName(a, b string) bool { return normName(a) == normName(b) }

func normName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
