package ledger_test

import (
	"testing"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/risk"
)

// TestCrossBorder: wallets of operators in two countries; a tier-4 wallet
// pays only at home, a tier-3 one across the border too; rules see each
// party's country.
func TestCrossBorder(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("XBCN") // the default country, CN
		res, err := e.svc.CreateOperatorIn(e.ctx, e.cb, "Bank of Hong Kong", "XBHK", "HK", nil)
		if err != nil || res.Operator.Country != "HK" {
			t.Fatalf("operator in HK: %+v %v", res, err)
		}
		hk := keyActor(t, e.st, res.APIKey)
		_, err = e.svc.CreateOperatorIn(e.ctx, e.cb, "Nowhere", "XBXX", "XX", nil)
		wantCode(t, err, ingot.CodeInvalidRequest)
		_, err = e.svc.CreateOperatorIn(e.ctx, e.cb, "Lower", "XBLC", "hk", nil)
		wantCode(t, err, ingot.CodeInvalidRequest)

		e.mint(aID, "100000.00", "CNY")
		payer, home := e.wallet(a, "CNY", "1000.00"), e.wallet(a, "CNY", "")
		abroad := e.wallet(hk, "CNY", "")
		if _, err := pay(e, a, payer, home, "1.00"); err != nil {
			t.Fatalf("a tier-4 wallet at home: %v", err)
		}
		_, err = pay(e, a, payer, abroad, "1.00")
		wantCode(t, err, ingot.CodeCrossBorderNotAllowed)

		if _, err := e.svc.Upgrade(e.ctx, a, payer, ledger.UpgradeRequest{Tier: 3, IDNumber: "110101199003071234", IDVerified: true}, nil); err != nil {
			t.Fatal(err)
		}
		rule(t, e, a, "to Hong Kong", "payer.country == 'CN' && payee.country == 'HK'", risk.ActionAlert)
		if _, err := pay(e, a, payer, abroad, "2.00"); err != nil {
			t.Fatalf("a tier-3 wallet across the border: %v", err)
		}
		if _, err := pay(e, a, payer, home, "3.00"); err != nil {
			t.Fatal(err)
		}
		if as := alerts(t, e, a); len(as) != 1 {
			t.Fatalf("the rule saw the countries: %d alerts, want 1 (the payment to HK)", len(as))
		}
	})
}
