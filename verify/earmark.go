package verify

import "github.com/ingot-cbdc/ingot"

// Vouchers (docs/vouchers.md): a wallet's earmarked money is an account of
// kind earmark. Replaying the log checks that money enters an earmark
// account only as a voucher (from the issuer) or a voucher_refund (from
// its wallet) and leaves it only as a voucher_use (to its wallet, for a
// payment) or a voucher_return (to the issuer), and that the voucher kinds
// move no other account on their earmark side: earmarked money never goes
// to a person, the bank or anywhere else.

// noteEarmarks records, for both accounts of a transfer, whether it moved
// them as an earmark account or as another.
func noteEarmarks(t ingot.Transfer, debit, credit *acct) {
	var debitEarmark, creditEarmark bool
	switch t.Kind {
	case ingot.KindVoucher, ingot.KindVoucherRefund:
		creditEarmark = true
	case ingot.KindVoucherUse, ingot.KindVoucherReturn:
		debitEarmark = true
	}
	noteSide(debit, debitEarmark, t)
	noteSide(credit, creditEarmark, t)
}

func noteSide(a *acct, earmark bool, t ingot.Transfer) {
	switch {
	case earmark && a.asEarmark == nil:
		a.asEarmark = &t
	case !earmark && a.notEarmark == nil:
		a.notEarmark = &t
	}
}

// checkEarmark checks a stored account against how the log moved it.
func checkEarmark(a ingot.Account, r *acct, bad func(string, ...any) error) error {
	if a.Kind == ingot.AccountEarmark && r.notEarmark != nil {
		t := r.notEarmark
		return bad("is an earmark account, but transfer %s (log index %d) moved it as a %s", t.ID, t.LogIndex, t.Kind)
	}
	if a.Kind != ingot.AccountEarmark && r.asEarmark != nil {
		t := r.asEarmark
		return bad("is a %s account, but transfer %s (log index %d, %s) moved it as earmarked money", a.Kind, t.ID, t.LogIndex, t.Kind)
	}
	return nil
}
