package ingot

import (
	"slices"
	"time"
)

// Vouchers are purpose-bound money (issue 14): a central bank or an
// operator funds wallets with earmarked money of a program (a consumption
// voucher, a subsidy, a gift) that pays only the program's eligible
// merchants and returns to the issuer at the program's expiry. A wallet's
// earmarked money of a program is an account of its own (AccountEarmark,
// a child of the wallet), so that it is ordinary double-entry money: the
// supply is reserves + wallets + earmarked + fees.

// MaxVoucherWallets is the most wallets one request funds.
const MaxVoucherWallets = 1000

// VoucherProgram is a program's definition; it never changes once made.
type VoucherProgram struct {
	Program    string // the issuer's name for it, unique
	OperatorID string // the issuing operator; "" for the central bank
	// Issuer is the account the money comes from and returns to: the
	// central bank's issuance account (new money) or the operator's reserve.
	Issuer    int64
	Currency  string
	MCCs      []string // eligible merchant category codes
	Merchants []int64  // eligible merchant wallets
	ExpiresAt time.Time
	CreatedAt time.Time
}

// Eligible reports whether the program's money may pay a merchant wallet of
// a category: its category or the wallet itself is listed, or the program
// lists neither (any merchant).
func (p *VoucherProgram) Eligible(merchant int64, mcc string) bool {
	if len(p.MCCs) == 0 && len(p.Merchants) == 0 {
		return true
	}
	return (mcc != "" && slices.Contains(p.MCCs, mcc)) || slices.Contains(p.Merchants, merchant)
}

// Running reports whether the program's money may still be spent at now.
func (p *VoucherProgram) Running(now time.Time) bool { return now.Before(p.ExpiresAt) }

// SameTerms reports whether q defines the same program as p: a second
// request of a program funds more wallets on the same terms.
func (p *VoucherProgram) SameTerms(q *VoucherProgram) bool {
	return p.Program == q.Program && p.OperatorID == q.OperatorID && p.Currency == q.Currency &&
		slices.Equal(p.MCCs, q.MCCs) && slices.Equal(p.Merchants, q.Merchants) && p.ExpiresAt.Equal(q.ExpiresAt)
}

// Earmark links an earmark account to its wallet and program. Expired is
// set when the expiry returned what was left to the issuer.
type Earmark struct {
	Account int64
	Wallet  int64
	Program string
	Expired bool
}

// VoucherUse is the part of a payment paid with one earmark account's
// money: a refund of the payment gives it back there first.
type VoucherUse struct {
	Payment string // the payment's transfer id
	Account int64  // the earmark account
	Amount  int64
}
