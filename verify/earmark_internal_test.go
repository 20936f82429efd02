package verify

import (
	"fmt"
	"testing"

	"github.com/ingot-cbdc/ingot"
)

// TestCheckEarmark: earmarked money moves only by the voucher kinds, and
// those move only earmark accounts on their earmark side.
func TestCheckEarmark(t *testing.T) {
	bad := func(format string, args ...any) error { return fmt.Errorf(format, args...) }
	earmark := ingot.Account{ID: 7, Kind: ingot.AccountEarmark}
	wallet := ingot.Account{ID: 8, Kind: ingot.AccountWallet}
	for _, tc := range []struct {
		name                        string
		kind                        ingot.TransferKind
		debitEarmark, creditEarmark bool // which side is the earmark account
		ok                          bool
	}{
		{"funded", ingot.KindVoucher, false, true, true},
		{"used", ingot.KindVoucherUse, true, false, true},
		{"refunded", ingot.KindVoucherRefund, false, true, true},
		{"returned", ingot.KindVoucherReturn, true, false, true},
		{"paid to a person", ingot.KindPayment, true, false, false},
		{"withdrawn", ingot.KindWithdraw, true, false, false},
		{"voucher to a wallet", ingot.KindVoucher, false, false, false},
		{"use from a wallet", ingot.KindVoucherUse, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dr, cr := &acct{}, &acct{}
			noteEarmarks(ingot.Transfer{ID: "t", Kind: tc.kind}, dr, cr)
			da, ca := wallet, wallet
			if tc.debitEarmark {
				da = earmark
			}
			if tc.creditEarmark {
				ca = earmark
			}
			err := checkEarmark(da, dr, bad)
			if err == nil {
				err = checkEarmark(ca, cr, bad)
			}
			if (err == nil) != tc.ok {
				t.Fatalf("checkEarmark = %v; want ok %v", err, tc.ok)
			}
		})
	}
}
