package ledger_test

import (
	"testing"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/internal/testdb"
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

// TestCrossBorderLargeValue: a cross-border payment at the cross-border
// threshold puts its payer (and payee) in the day's large-value report,
// naming that threshold; a larger domestic one below the domestic
// threshold does not.
func TestCrossBorderLargeValue(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		th := risk.DefaultThresholds(ingot.MustCurrency("CNY"))
		th.LargeValue, th.LargeValueBusiness, th.LargeValueCrossBorder = 1000_00, 5000_00, 200_00
		e := newEnvWith(t, testdb.Open(t, kind), ledger.Options{Risk: ledger.RiskOptions{Thresholds: map[string]risk.Thresholds{"CNY": th}}})
		a, aID := e.operator("LVCN")
		res, err := e.svc.CreateOperatorIn(e.ctx, e.cb, "Bank of Hong Kong", "LVHK", "HK", nil)
		if err != nil {
			t.Fatal(err)
		}
		hk := keyActor(t, e.st, res.APIKey)
		e.mint(aID, "100000.00", "CNY")
		payer, home, abroad := e.wallet(a, "CNY", "2000.00"), e.wallet(a, "CNY", ""), e.wallet(hk, "CNY", "")
		if _, err := e.svc.Upgrade(e.ctx, a, payer, ledger.UpgradeRequest{Tier: 3, IDNumber: "110101199003071234", IDVerified: true}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := pay(e, a, payer, home, "500.00"); err != nil {
			t.Fatal(err)
		}
		if ls, err := e.svc.LargeValueReport(e.ctx, a, ""); err != nil || len(ls) != 0 {
			t.Fatalf("after a domestic 500.00: %+v %v", ls, err)
		}
		if _, err := pay(e, a, payer, abroad, "199.99"); err != nil {
			t.Fatal(err)
		}
		if ls, err := e.svc.LargeValueReport(e.ctx, a, ""); err != nil || len(ls) != 0 {
			t.Fatalf("after a cross-border 199.99: %+v %v", ls, err)
		}
		if _, err := pay(e, a, payer, abroad, "200.00"); err != nil {
			t.Fatal(err)
		}
		ls, err := e.svc.LargeValueReport(e.ctx, a, "")
		if err != nil || len(ls) != 1 || ingot.FormatWalletID(ls[0].Wallet) != payer || ls[0].Threshold != 200_00 || ls[0].Sent != 899_99 {
			t.Fatalf("after a cross-border 200.00: %+v %v", ls, err)
		}
		if ls, err := e.svc.LargeValueReport(e.ctx, hk, ""); err != nil || len(ls) != 1 || ingot.FormatWalletID(ls[0].Wallet) != abroad {
			t.Fatalf("the payee's operator's report: %+v %v", ls, err)
		}
	})
}
