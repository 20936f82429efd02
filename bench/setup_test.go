package bench

import (
	"math"
	"testing"

	"github.com/ingot-cbdc/ingot"
)

// TestPerFunder: a funding wallet funds as many others as the default
// limits of a new wallet allow, and no more.
func TestPerFunder(t *testing.T) {
	cny, _ := ingot.LookupCurrency("CNY")
	l := ingot.DefaultLimits(ingot.WalletPersonal, ingot.Tier4, cny)
	fits := func(n, f int64) bool { // holding and paying out n shares of f
		for _, limit := range []int64{l.Balance, l.Daily, l.Yearly} {
			if limit > 0 && n*f > limit {
				return false
			}
		}
		return true
	}
	for _, funding := range []string{"0.01", "10.00", "100.00", "1000.00"} {
		f, _ := ingot.ParseAmount(funding, cny)
		got, err := perFunder(f, cny)
		if err != nil {
			t.Fatalf("perFunder(%s): %v", funding, err)
		}
		if got == math.MaxInt {
			if fits(math.MaxInt64/f, f) {
				continue // no limits
			}
			t.Fatalf("perFunder(%s) says no limit, but limits are %+v", funding, l)
		}
		// Its own share and got others' fit; one more does not.
		if !fits(int64(got)+1, f) || (got > 0 && fits(int64(got)+2, f)) {
			t.Errorf("perFunder(%s) = %d with limits %+v", funding, got, l)
		}
	}
	if l.Balance > 0 {
		if _, err := perFunder(l.Balance+1, cny); err == nil {
			t.Error("funding above the balance limit: no error")
		}
	}
}
