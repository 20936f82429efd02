package ledger_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/risk"
)

// newIssuer registers an issuer through the administrator and returns its
// key's actor and id.
func (e *env) newIssuer(name, country string, currencies ...string) (ingot.Actor, string) {
	e.t.Helper()
	res, err := e.svc.CreateIssuer(e.ctx, e.cb, ledger.IssuerRequest{Name: name, Country: country, Currencies: currencies}, nil)
	if err != nil {
		e.t.Fatalf("create issuer %s: %v", name, err)
	}
	if res.APIKey == "" || !slicesEqual(res.Issuer.Currencies, currencies) || res.Issuer.Admin {
		e.t.Fatalf("issuer %+v", res)
	}
	return keyActor(e.t, e.st, res.APIKey), res.Issuer.ID
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestIssuers: two central banks on one platform, each alone minting,
// burning, reading and limiting its currency, each admitting operators to
// it; the administrator alone registers issuers.
func TestIssuers(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		cn, cnID := e.operator("ISCN") // registered by the administrator
		e.mint(cnID, "1000.00", "CNY") // the administrator's first mint claims CNY

		hkma, hkmaID := e.newIssuer("Hong Kong Monetary Authority", "HK", "HKD")
		if hkma.Role != ingot.RoleCentralBank || hkma.IssuerID != hkmaID {
			t.Fatalf("the issuer's key: %+v", hkma)
		}
		// A currency has exactly one issuer; only the administrator registers.
		_, err := e.svc.CreateIssuer(e.ctx, e.cb, ledger.IssuerRequest{Name: "Another", Country: "CN", Currencies: []string{"CNY"}}, nil)
		wantCode(t, err, ingot.CodeConflict)
		_, err = e.svc.CreateIssuer(e.ctx, e.cb, ledger.IssuerRequest{Name: "Twice", Country: "MO", Currencies: []string{"MOP", "HKD"}}, nil)
		wantCode(t, err, ingot.CodeConflict)
		_, err = e.svc.CreateIssuer(e.ctx, hkma, ledger.IssuerRequest{Name: "Macao", Country: "MO", Currencies: []string{"MOP"}}, nil)
		wantCode(t, err, ingot.CodeForbidden)
		_, err = e.svc.CreateIssuer(e.ctx, e.cb, ledger.IssuerRequest{Name: "No country", Currencies: []string{"MOP"}}, nil)
		wantCode(t, err, ingot.CodeInvalidRequest)
		_, err = e.svc.CreateIssuer(e.ctx, e.cb, ledger.IssuerRequest{Name: "Bad", Country: "MO", Currencies: []string{"XYZ"}}, nil)
		wantCode(t, err, ingot.CodeInvalidCurrency)

		// Each mints and burns its own currency only.
		_, err = e.svc.Issue(e.ctx, e.cb, false, cnID, "1.00", "HKD", nil)
		wantCode(t, err, ingot.CodeForbidden)
		_, err = e.svc.Issue(e.ctx, hkma, false, cnID, "1.00", "CNY", nil)
		wantCode(t, err, ingot.CodeForbidden)
		_, err = e.svc.Issue(e.ctx, hkma, true, cnID, "1.00", "CNY", nil)
		wantCode(t, err, ingot.CodeForbidden)

		// An operator holds reserves and opens wallets in a currency only
		// once its issuer admitted it.
		_, err = e.svc.Issue(e.ctx, hkma, false, cnID, "500.00", "HKD", nil)
		wantCode(t, err, ingot.CodeOperatorNotAdmitted)
		_, err = e.svc.CreateWallet(e.ctx, cn, ingot.Holder{Name: "Li Wei", Phone: "13812345678"}, "HKD", ingot.WalletPersonal, nil)
		wantCode(t, err, ingot.CodeOperatorNotAdmitted)
		_, err = e.svc.CreateWallets(e.ctx, cn, []ledger.WalletRequest{{Holder: ingot.Holder{Name: "Li Wei", Phone: "13812345678"}, Currency: "HKD"}}, nil)
		wantCode(t, err, ingot.CodeOperatorNotAdmitted)
		wantCode(t, e.svc.AdmitOperator(e.ctx, e.cb, hkmaID, cnID), ingot.CodeForbidden) // not the administrator's to give
		wantCode(t, e.svc.AdmitOperator(e.ctx, hkma, hkmaID, "5c3e2b0e-0000-4000-8000-000000000000"), ingot.CodeNotFound)
		for range 2 { // admitting again does nothing
			if err := e.svc.AdmitOperator(e.ctx, hkma, hkmaID, cnID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.svc.Issue(e.ctx, hkma, false, cnID, "500.00", "HKD", nil); err != nil {
			t.Fatalf("mint HKD to an admitted operator: %v", err)
		}
		hkWallet := e.wallet(cn, "HKD", "20.00")

		// An operator registered by an issuer is admitted to its currencies.
		res, err := e.svc.CreateOperatorIn(e.ctx, hkma, "Bank of East Asia", "ISHK", "HK", nil)
		if err != nil || res.Operator.IssuerID != hkmaID {
			t.Fatalf("an issuer registers an operator: %+v %v", res, err)
		}
		hk := keyActor(t, e.st, res.APIKey)
		e.wallet(hk, "HKD", "")
		_, err = e.svc.CreateWallet(e.ctx, hk, ingot.Holder{Name: "Chan Tai Man", Phone: "+85291234567"}, "CNY", ingot.WalletPersonal, nil)
		wantCode(t, err, ingot.CodeOperatorNotAdmitted)

		// Supply, limits and wallets: each issuer its own.
		sp, err := e.svc.Supply(e.ctx, hkma, "HKD")
		if err != nil || sp.Issued != 50000 || sp.Wallets != 2000 || sp.Reserves != 48000 {
			t.Fatalf("HKD supply for its issuer: %+v %v", sp, err)
		}
		_, err = e.svc.Supply(e.ctx, hkma, "CNY")
		wantCode(t, err, ingot.CodeForbidden)
		_, err = e.svc.Supply(e.ctx, e.cb, "HKD")
		wantCode(t, err, ingot.CodeForbidden)
		sps, err := e.svc.Supplies(e.ctx, e.cb)
		if err != nil || len(sps) != 1 || sps[0].Currency.Code != "CNY" {
			t.Fatalf("the administrator's supplies: %+v %v", sps, err)
		}
		_, err = e.svc.SetLimits(e.ctx, hkma, ledger.LimitRequest{Currency: "CNY", WalletKind: "personal", Tier: 4, Balance: "10.00"})
		wantCode(t, err, ingot.CodeForbidden)
		if _, err := e.svc.SetLimits(e.ctx, hkma, ledger.LimitRequest{Currency: "HKD", WalletKind: "personal", Tier: 4, Balance: "30.00"}); err != nil {
			t.Fatalf("an issuer limits its currency's tiers: %v", err)
		}
		if _, err := e.svc.WalletToRead(e.ctx, hkma, hkWallet); err != nil {
			t.Fatalf("an issuer reads a wallet in its currency: %v", err)
		}
		if _, err := e.svc.WalletToRead(e.ctx, e.cb, hkWallet); ingot.ErrorCode(err) != ingot.CodeNotFound {
			t.Fatalf("the administrator reads an HKD wallet: %v", err)
		}
		// Keys: each issuer lists and revokes its own.
		ks, err := e.svc.APIKeys(e.ctx, hkma)
		if err != nil || len(ks) != 1 || ks[0].IssuerID != hkmaID {
			t.Fatalf("the issuer's keys: %+v %v", ks, err)
		}
		nk, err := e.svc.CreateAPIKey(e.ctx, hkma, ledger.KeyRequest{Name: "mint desk", Scopes: []string{ingot.ScopeIssuanceWrite}}, "", nil)
		if err != nil || nk.Key.IssuerID != hkmaID {
			t.Fatalf("an issuer's new key: %+v %v", nk, err)
		}
		wantCode(t, e.svc.RevokeAPIKey(e.ctx, e.cb, nk.Key.ID, ""), ingot.CodeNotFound)
		// Screening is the administrator's (TestIssuerOversight: what
		// another issuer oversees).
		_, err = e.svc.ScreeningStatus(e.ctx, hkma)
		wantCode(t, err, ingot.CodeForbidden)
		if _, _, err := e.svc.Alerts(e.ctx, e.cb, ledger.AlertQuery{}); err != nil {
			t.Fatalf("the administrator's alerts: %v", err)
		}
		all, err := e.svc.Issuers(e.ctx, cn)
		if err != nil || len(all) != 2 || !all[0].Admin || all[0].ID != ingot.AdminIssuerID || !slicesEqual(all[0].Currencies, []string{"CNY"}) {
			t.Fatalf("issuers: %+v %v", all, err)
		}
	})
}

// TestIssuerOversight: an issuer that is not the administrator reads the
// risk oversight of its own currencies (alerts of its currencies' wallets,
// reviews and large-value lines of payments in them) and nothing of
// another's, resolves those alerts, decides those reviews, opens and
// decides its own cases over those alerts, and sets risk rules that apply
// to payments in its currencies only.
func TestIssuerOversight(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		cn, cnID := e.operator("OVCN")
		e.mint(cnID, "1000.00", "CNY")
		hkma, hkmaID := e.newIssuer("Hong Kong Monetary Authority", "HK", "HKD")
		if err := e.svc.AdmitOperator(e.ctx, hkma, hkmaID, cnID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Issue(e.ctx, hkma, false, cnID, "500.00", "HKD", nil); err != nil {
			t.Fatal(err)
		}
		rule(t, e, e.cb, "every payment", "true", risk.ActionAlert)
		rule(t, e, e.cb, "12.34 is held", "amount == 1234", risk.ActionReview)
		cnyFrom, cnyTo := e.wallet(cn, "CNY", "100.00"), e.wallet(cn, "CNY", "")
		hkdFrom, hkdTo := e.wallet(cn, "HKD", "100.00"), e.wallet(cn, "HKD", "")
		heldIn := map[string]string{}
		for _, p := range []struct{ from, to, amount, currency string }{
			{cnyFrom, cnyTo, "5.00", "CNY"}, {hkdFrom, hkdTo, "6.00", "HKD"}, {cnyFrom, cnyTo, "12.34", "CNY"}, {hkdFrom, hkdTo, "12.34", "HKD"},
		} {
			_, err := e.svc.Pay(e.ctx, cn, ledger.PayRequest{From: p.from, To: p.to, Amount: p.amount, Currency: p.currency}, nil)
			var ir *ledger.InReview
			if errors.As(err, &ir) {
				heldIn[p.currency] = ir.ReviewID
			} else if err != nil {
				t.Fatalf("pay %s %s: %v", p.amount, p.currency, err)
			}
		}
		if len(heldIn) != 2 {
			t.Fatalf("held: %v", heldIn)
		}
		hkdWallets := map[string]bool{hkdFrom: true, hkdTo: true}

		// Alerts: the issuer's are those of HKD wallets, all of them.
		all, _, err := e.svc.Alerts(e.ctx, e.cb, ledger.AlertQuery{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		mine, _, err := e.svc.Alerts(e.ctx, hkma, ledger.AlertQuery{Limit: 500})
		if err != nil {
			t.Fatalf("the issuer's alerts: %v", err)
		}
		wantHKD := 0
		var cnyAlert, hkdAlert string
		for _, al := range all {
			if hkdWallets[ingot.FormatWalletID(al.Wallet)] {
				wantHKD++
				hkdAlert = al.ID
			} else {
				cnyAlert = al.ID
			}
		}
		if wantHKD == 0 || cnyAlert == "" || len(mine) != wantHKD {
			t.Fatalf("the issuer sees %d alerts, of %d in HKD (%d in all)", len(mine), wantHKD, len(all))
		}
		for _, al := range mine {
			if !hkdWallets[ingot.FormatWalletID(al.Wallet)] {
				t.Fatalf("the issuer sees an alert of wallet %d", al.Wallet)
			}
		}
		if _, err := e.svc.Alert(e.ctx, hkma, hkdAlert); err != nil {
			t.Fatalf("an HKD alert: %v", err)
		}
		_, err = e.svc.Alert(e.ctx, hkma, cnyAlert)
		wantCode(t, err, ingot.CodeNotFound)
		_, err = e.svc.ResolveAlert(e.ctx, hkma, cnyAlert, "no_action", "", nil)
		wantCode(t, err, ingot.CodeNotFound)
		if al, err := e.svc.ResolveAlert(e.ctx, hkma, hkdAlert, "no_action", "checked", nil); err != nil || al.Status != risk.AlertResolved {
			t.Fatalf("the issuer resolves an HKD alert: %+v %v", al, err)
		}

		// Reviews: the HKD payment's only, which it decides.
		rs, _, err := e.svc.Reviews(e.ctx, hkma, ledger.ReviewQuery{})
		if err != nil || len(rs) != 1 || rs[0].ID != heldIn["HKD"] || rs[0].Currency != "HKD" {
			t.Fatalf("the issuer's reviews: %+v %v", rs, err)
		}
		if rs, _, err := e.svc.Reviews(e.ctx, e.cb, ledger.ReviewQuery{}); err != nil || len(rs) != 2 {
			t.Fatalf("the administrator's reviews: %d %v", len(rs), err)
		}
		_, err = e.svc.Review(e.ctx, hkma, heldIn["CNY"])
		wantCode(t, err, ingot.CodeNotFound)
		_, err = e.svc.ReleaseReview(e.ctx, hkma, heldIn["CNY"], nil)
		wantCode(t, err, ingot.CodeNotFound)
		if out, err := e.svc.ReleaseReview(e.ctx, hkma, heldIn["HKD"], nil); err != nil || out.Review.Status != risk.ReviewReleased || out.Transfer == nil {
			t.Fatalf("the issuer releases the HKD review: %+v %v", out, err)
		}

		// The large-value report: its currencies' lines only.
		ls, err := e.svc.LargeValueReport(e.ctx, hkma, "")
		if err != nil {
			t.Fatalf("the issuer's large-value report: %v", err)
		}
		for _, l := range ls {
			if l.Currency != "HKD" {
				t.Fatalf("the issuer's report has a %s line", l.Currency)
			}
		}
		// Cases: over its currencies' alerts only; its own, which it
		// decides (a freeze freezes the HKD wallet); the administrator sees
		// them, an operator does not.
		_, err = e.svc.CreateCase(e.ctx, hkma, []string{cnyAlert}, "", nil)
		wantCode(t, err, ingot.CodeNotFound)
		opCase, err := e.svc.CreateCase(e.ctx, cn, []string{cnyAlert}, "the operator's", nil)
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.svc.CreateCase(e.ctx, hkma, []string{hkdAlert}, "structuring?", nil)
		if err != nil || c.IssuerID != hkmaID || c.OperatorID != "" {
			t.Fatalf("the issuer's case: %+v %v", c, err)
		}
		if cs, _, err := e.svc.Cases(e.ctx, hkma, "", 10); err != nil || len(cs) != 1 || cs[0].ID != c.ID {
			t.Fatalf("the issuer's cases: %+v %v", cs, err)
		}
		if cs, _, err := e.svc.Cases(e.ctx, e.cb, "", 10); err != nil || len(cs) != 2 {
			t.Fatalf("the administrator's cases: %d %v", len(cs), err)
		}
		if cs, _, err := e.svc.Cases(e.ctx, cn, "", 10); err != nil || len(cs) != 1 || cs[0].ID != opCase.ID {
			t.Fatalf("the operator's cases: %+v %v", cs, err)
		}
		_, err = e.svc.Case(e.ctx, hkma, opCase.ID)
		wantCode(t, err, ingot.CodeNotFound)
		_, err = e.svc.Case(e.ctx, cn, c.ID)
		wantCode(t, err, ingot.CodeNotFound)
		var frozen string
		for _, al := range mine {
			if al.ID == hkdAlert {
				frozen = ingot.FormatWalletID(al.Wallet)
			}
		}
		if _, err := e.svc.DecideCase(e.ctx, hkma, c.ID, "freeze", "", nil); err != nil {
			t.Fatalf("the issuer decides its case: %v", err)
		}
		if w, err := e.svc.WalletToRead(e.ctx, hkma, frozen); err != nil || w.Status != ingot.StatusFrozen {
			t.Fatalf("the case's wallet: %+v %v", w, err)
		}
		if _, err := e.svc.SetWalletStatus(e.ctx, cn, frozen, ingot.StatusActive, nil); err != nil {
			t.Fatalf("unfreeze: %v", err)
		}

		// Rules: the issuer's deny applies to HKD payments only; its allow
		// does not silence the administrator's rules.
		deny := rule(t, e, hkma, "no 7.77", "amount == 777", risk.ActionDeny)
		if deny.IssuerID != hkmaID || !slicesEqual(deny.Currencies, []string{"HKD"}) || deny.OperatorID != "" {
			t.Fatalf("the issuer's rule: %+v", deny)
		}
		_, err = e.svc.Pay(e.ctx, cn, ledger.PayRequest{From: hkdFrom, To: hkdTo, Amount: "7.77", Currency: "HKD"}, nil)
		wantCode(t, err, ingot.CodeRiskDenied)
		if _, err := e.svc.Pay(e.ctx, cn, ledger.PayRequest{From: cnyFrom, To: cnyTo, Amount: "7.77", Currency: "CNY"}, nil); err != nil {
			t.Fatalf("a CNY payment under the HKD issuer's rule: %v", err)
		}
		rule(t, e, hkma, "allow all", "true", risk.ActionAllow)
		_, err = e.svc.Pay(e.ctx, cn, ledger.PayRequest{From: hkdFrom, To: hkdTo, Amount: "12.34", Currency: "HKD"}, nil)
		if !errors.As(err, new(*ledger.InReview)) {
			t.Fatalf("the administrator's review rule, under the issuer's allow: %v", err)
		}
		// It sees its rules and the administrator's, and changes its own.
		rules, err := e.svc.RiskRules(e.ctx, hkma)
		if err != nil || len(rules) != 4 {
			t.Fatalf("the issuer's rules: %d %v", len(rules), err)
		}
		cbRules, err := e.svc.RiskRules(e.ctx, e.cb)
		if err != nil || len(cbRules) != 4 {
			t.Fatalf("the administrator's rules: %d %v", len(cbRules), err)
		}
		for _, r := range rules {
			if r.IssuerID != hkmaID && r.IssuerID != "" {
				t.Fatalf("the issuer sees %+v", r)
			}
		}
		var adminRule string
		for _, r := range cbRules {
			if r.IssuerID == "" {
				adminRule = r.ID
			}
		}
		off := false
		if _, err := e.svc.UpdateRiskRule(e.ctx, hkma, deny.ID, ledger.RiskRuleIn{Active: &off}, nil); err != nil {
			t.Fatalf("the issuer changes its rule: %v", err)
		}
		_, err = e.svc.UpdateRiskRule(e.ctx, hkma, adminRule, ledger.RiskRuleIn{Active: &off}, nil)
		wantCode(t, err, ingot.CodeNotFound) // the administrator's
		_, err = e.svc.UpdateRiskRule(e.ctx, e.cb, deny.ID, ledger.RiskRuleIn{Active: &off}, nil)
		wantCode(t, err, ingot.CodeNotFound) // the issuer's, not the administrator's to change
		if _, err := e.svc.BacktestRule(e.ctx, hkma, deny.ID, time.Time{}, time.Time{}); err != nil {
			t.Fatalf("the issuer backtests its rule: %v", err)
		}
		_, err = e.svc.BacktestRule(e.ctx, hkma, adminRule, time.Time{}, time.Time{})
		wantCode(t, err, ingot.CodeNotFound)
		// An operator sees the central banks' rules, the issuer's too.
		if ors, err := e.svc.RiskRules(e.ctx, cn); err != nil || len(ors) != 4 {
			t.Fatalf("the operator's view of the rules: %d %v", len(ors), err)
		}
	})
}
