package verify

import (
	"fmt"
	"testing"

	"github.com/ingot-cbdc/ingot"
)

// TestCheckOffline: a device's money moves only by the offline kinds, and
// those move only offline accounts on their offline side(s).
func TestCheckOffline(t *testing.T) {
	bad := func(format string, args ...any) error { return fmt.Errorf(format, args...) }
	device := ingot.Account{ID: 7, Kind: ingot.AccountOffline}
	other := ingot.Account{ID: 8, Kind: ingot.AccountWallet}
	for _, tc := range []struct {
		name          string
		kind          ingot.TransferKind
		debit, credit bool // which sides are offline accounts
		ok            bool
	}{
		{"loaded", ingot.KindOfflineLoad, false, true, true},
		{"paid offline", ingot.KindOfflinePayment, true, true, true},
		{"redeemed", ingot.KindOfflineRedeem, true, false, true},
		{"advanced", ingot.KindOfflineAdvance, false, true, true},
		{"recovered", ingot.KindOfflineRecovery, true, false, true},
		{"paid as a wallet", ingot.KindPayment, true, false, false},
		{"topped up", ingot.KindTopUp, false, true, false},
		{"offline payment to a wallet", ingot.KindOfflinePayment, true, false, false},
		{"load into a wallet", ingot.KindOfflineLoad, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dr, cr := &acct{}, &acct{}
			noteOffline(ingot.Transfer{ID: "t", Kind: tc.kind}, dr, cr)
			da, ca := other, other
			if tc.debit {
				da = device
			}
			if tc.credit {
				ca = device
			}
			err := checkOffline(da, dr, bad)
			if err == nil {
				err = checkOffline(ca, cr, bad)
			}
			if (err == nil) != tc.ok {
				t.Fatalf("checkOffline = %v; want ok %v", err, tc.ok)
			}
		})
	}
}
