package ledger_test

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/fx"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/risk"
)

func payPurpose(e *env, op ingot.Actor, from, to, amount, purpose string) (*ingot.Transfer, error) {
	return e.svc.Pay(e.ctx, op, ledger.PayRequest{From: from, To: to, Amount: amount, Currency: "CNY", Purpose: purpose}, nil)
}

// admitHKToCNY lets the Hong Kong operator open CNY wallets.
func (f *fxEnv) admitHKToCNY() {
	f.t.Helper()
	if err := f.svc.AdmitOperator(f.ctx, f.cb, ingot.AdminIssuerID, f.hkID); err != nil {
		f.t.Fatal(err)
	}
}

// TestCrossBorderRules: a currency's issuer alone sets its cross-border
// rules; they bar tiers, require purpose codes, and limit a holder (a wallet
// with its sub-wallets) per corridor and day, exchanges included; a new day
// starts the corridor again; other corridors and domestic payments are not
// limited.
func TestCrossBorderRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFXEnv(t, kind) // dealer in CN (CNY, HKD), hk in HK, HKMA issues HKD
		f.admitHKToCNY()
		f.rate("CNY", "HKD", "1.0850", "1.0900", "5000.00")
		res, err := f.svc.CreateOperatorIn(f.ctx, f.cb, "Bank of Singapore", "XBSG", "SG", nil)
		if err != nil {
			t.Fatal(err)
		}
		sg := keyActor(t, f.st, res.APIKey)

		r, err := f.svc.CrossBorderRules(f.ctx, f.hk, "CNY")
		if err != nil || !slices.Equal(r.BlockedTiers, []ingot.Tier{4}) || r.PurposeRequired || len(r.Corridors) != 0 || !r.UpdatedAt.IsZero() {
			t.Fatalf("defaults: %+v %v", r, err)
		}
		want := ledger.CrossBorderRequest{Currency: "CNY", BlockedTiers: []int{}, PurposeRequired: true,
			Corridors: []ledger.CorridorRequest{{From: "CN", To: "HK", DailyLimit: "100.00"}}}
		_, err = f.svc.SetCrossBorderRules(f.ctx, f.dealer, want)
		wantCode(t, err, ingot.CodeForbidden)
		_, err = f.svc.SetCrossBorderRules(f.ctx, f.hkma, want) // HKD's issuer, not CNY's
		wantCode(t, err, ingot.CodeForbidden)
		for _, bad := range []ledger.CrossBorderRequest{
			{Currency: "CNY", BlockedTiers: []int{5}},
			{Currency: "CNY", BlockedTiers: []int{4, 4}},
			{Currency: "CNY", Corridors: []ledger.CorridorRequest{{From: "CN", To: "CN", DailyLimit: "1.00"}}},
			{Currency: "CNY", Corridors: []ledger.CorridorRequest{{From: "CN", To: "hk", DailyLimit: "1.00"}}},
			{Currency: "CNY", Corridors: []ledger.CorridorRequest{{From: "CN", To: "HK", DailyLimit: "0"}}},
			{Currency: "CNY", Corridors: []ledger.CorridorRequest{{From: "CN", To: "HK", DailyLimit: "1"}, {From: "CN", To: "HK", DailyLimit: "2"}}},
		} {
			if _, err := f.svc.SetCrossBorderRules(f.ctx, f.cb, bad); ingot.ErrorCode(err) != ingot.CodeInvalidRequest && ingot.ErrorCode(err) != ingot.CodeInvalidAmount {
				t.Errorf("%+v: %v", bad, err)
			}
		}

		payer := f.wallet(f.dealer, "CNY", "1000.00") // tier 4
		home, abroad, sgw := f.wallet(f.dealer, "CNY", ""), f.wallet(f.hk, "CNY", ""), f.wallet(sg, "CNY", "")
		_, err = payPurpose(f.env, f.dealer, payer, abroad, "1.00", "GDDS")
		wantCode(t, err, ingot.CodeCrossBorderNotAllowed) // the default: tier 4 stays at home

		set, err := f.svc.SetCrossBorderRules(f.ctx, f.cb, want)
		if err != nil || len(set.BlockedTiers) != 0 || !set.PurposeRequired || len(set.Corridors) != 1 || set.Corridors[0].DailyLimit != 100_00 {
			t.Fatalf("set: %+v %v", set, err)
		}
		if r, err := f.svc.CrossBorderRules(f.ctx, f.hk, "CNY"); err != nil || r.UpdatedAt.IsZero() || len(r.Corridors) != 1 {
			t.Fatalf("read back: %+v %v", r, err)
		}
		_, err = pay(f.env, f.dealer, payer, abroad, "1.00")
		wantCode(t, err, ingot.CodePurposeRequired)
		tr, err := payPurpose(f.env, f.dealer, payer, abroad, "60.00", "GDDS")
		if err != nil || tr.Purpose != "GDDS" {
			t.Fatalf("a tier-4 wallet abroad once the issuer lets it: %+v %v", tr, err)
		}
		// The holder is the family: a sub-wallet's payments count with its
		// parent's.
		sub, _ := openSub(f.env, f.dealer, payer, ledger.SubWalletRequest{Name: "travel"})
		if _, err := pay(f.env, f.dealer, payer, sub, "100.00"); err != nil {
			t.Fatal(err)
		}
		_, err = payPurpose(f.env, f.dealer, sub, abroad, "40.01", "GDDS")
		wantCode(t, err, ingot.CodeCorridorLimitExceeded)
		if _, err := payPurpose(f.env, f.dealer, sub, abroad, "40.00", "GDDS"); err != nil {
			t.Fatalf("up to the corridor's limit: %v", err)
		}
		_, err = payPurpose(f.env, f.dealer, payer, abroad, "0.01", "GDDS")
		wantCode(t, err, ingot.CodeCorridorLimitExceeded)
		// Another corridor, and home, are not limited.
		if _, err := payPurpose(f.env, f.dealer, payer, sgw, "150.00", "SCVE"); err != nil {
			t.Fatalf("to Singapore: %v", err)
		}
		if _, err := pay(f.env, f.dealer, payer, home, "150.00"); err != nil {
			t.Fatalf("at home, without a purpose: %v", err)
		}
		// An exchange to Hong Kong is a payment through the corridor too.
		hkd := f.wallet(f.hk, "HKD", "")
		q := f.quote(f.dealer, "CNY", "HKD", "10.00", "")
		_, err = f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: payer, To: hkd}, nil)
		wantCode(t, err, ingot.CodePurposeRequired)
		_, err = f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: payer, To: hkd, Purpose: "GDDS"}, nil)
		wantCode(t, err, ingot.CodeCorridorLimitExceeded)
		_, err = f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: payer, To: hkd, Purpose: "gdds"}, nil)
		wantCode(t, err, ingot.CodeInvalidRequest)

		// A new day, a new corridor total.
		f.clk.advance(24 * time.Hour)
		f.rate("CNY", "HKD", "1.0850", "1.0900", "5000.00")
		q = f.quote(f.dealer, "CNY", "HKD", "10.00", "")
		ex, err := f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: payer, To: hkd, Purpose: "GDDS"}, nil)
		if err != nil || ex.Sell.Purpose != "GDDS" || ex.Buy.Purpose != "GDDS" {
			t.Fatalf("exchange the next day: %+v %v", ex, err)
		}
		if _, err := payPurpose(f.env, f.dealer, payer, abroad, "90.00", "GDDS"); err != nil {
			t.Fatalf("the rest of the next day's corridor: %v", err)
		}
		_, err = payPurpose(f.env, f.dealer, sub, abroad, "0.01", "GDDS")
		wantCode(t, err, ingot.CodeCorridorLimitExceeded)
		// Barred again.
		want.BlockedTiers = []int{4}
		if _, err := f.svc.SetCrossBorderRules(f.ctx, f.cb, want); err != nil {
			t.Fatal(err)
		}
		_, err = payPurpose(f.env, f.dealer, payer, sgw, "1.00", "GDDS")
		wantCode(t, err, ingot.CodeCrossBorderNotAllowed)
		if b, _ := f.balance(f.hk, abroad); b != 60_00+40_00+90_00 {
			t.Fatalf("the payee abroad got %d", b)
		}
		f.verifyDB()
	})
}

// TestCorridorRace: one holder's payments through a corridor from two
// engines on one database never pass its daily limit together.
func TestCorridorRace(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFXEnv(t, kind)
		f.admitHKToCNY()
		svc2 := ledger.NewService(f.st, newEnvEngine(t, f.st), nil).WithPII(testPII())
		if _, err := f.svc.SetCrossBorderRules(f.ctx, f.cb, ledger.CrossBorderRequest{Currency: "CNY", BlockedTiers: []int{},
			Corridors: []ledger.CorridorRequest{{From: "CN", To: "HK", DailyLimit: "50.00"}}}); err != nil {
			t.Fatal(err)
		}
		payer := f.wallet(f.dealer, "CNY", "1000.00")
		payees := []string{f.wallet(f.hk, "CNY", ""), f.wallet(f.hk, "CNY", "")}
		var paid, refused atomic.Int64
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				svc := f.svc
				if i%2 == 1 {
					svc = svc2
				}
				_, err := svc.Pay(f.ctx, f.dealer, ledger.PayRequest{From: payer, To: payees[i%2], Amount: "5.00", Currency: "CNY"}, nil)
				switch {
				case err == nil:
					paid.Add(1)
				case ingot.ErrorCode(err) == ingot.CodeCorridorLimitExceeded:
					refused.Add(1)
				default:
					t.Errorf("payment %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if paid.Load() != 10 || refused.Load() != 6 {
			t.Fatalf("%d paid and %d refused; want 10 and 6 (50.00 a day in 5.00 payments)", paid.Load(), refused.Load())
		}
		f.verifyDB()
	})
}

// TestFXRisk: the risk rules see an exchange once per leg, each in its own
// currency: a deny on the bought leg refuses both legs and leaves the quote
// open; an alert on the sold leg names the sold leg's transfer; the payer's
// velocity counts what it sold, the payee's what it bought.
func TestFXRisk(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFXEnv(t, kind)
		payer, payee := f.crossBorderPair()
		rule(t, f.env, f.cb, "large HKD in", "currency == 'HKD' && amount >= 20000", risk.ActionDeny)
		rule(t, f.env, f.cb, "CNY out to HK", "currency == 'CNY' && payer.country == 'CN' && payee.country == 'HK'", risk.ActionAlert)

		q := f.quote(f.dealer, "CNY", "HKD", "200.00", "") // 217.00 HKD: the bought leg is denied
		_, err := f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: payer, To: payee}, nil)
		wantCode(t, err, ingot.CodeRiskDenied)
		if b, _ := f.balance(f.dealer, payer); b != 500_00 {
			t.Fatalf("payer %d after a denied exchange", b)
		}
		if got, err := f.st.FXQuote(f.ctx, q.ID); err != nil || got.Status != fx.QuoteOpen || got.ExchangeID != "" {
			t.Fatalf("the quote after a denied exchange: %+v %v", got, err)
		}

		q = f.quote(f.dealer, "CNY", "HKD", "100.00", "") // 108.50 HKD
		ex, err := f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: payer, To: payee}, nil)
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		as := alerts(t, f.env, f.cb)
		if len(as) != 1 || as[0].TransferID != ex.Sell.ID || ingot.FormatWalletID(as[0].Wallet) != payer {
			t.Fatalf("alerts %+v, want one on the sold leg %s", as, ex.Sell.ID)
		}
		pw, err := f.svc.Wallet(f.ctx, f.dealer, payer)
		if err != nil {
			t.Fatal(err)
		}
		qw, err := f.svc.Wallet(f.ctx, f.hk, payee)
		if err != nil {
			t.Fatal(err)
		}
		var pv, qv risk.Velocity
		if err := pv.UnmarshalBinary(pw.Risk); err != nil {
			t.Fatal(err)
		}
		if err := qv.UnmarshalBinary(qw.Risk); err != nil {
			t.Fatal(err)
		}
		if d := pv.Day24(f.clk.now()); d.Sent != 100_00 || d.SentCount != 1 {
			t.Fatalf("payer's velocity %+v, want 100.00 sent once", d)
		}
		if d := qv.Day24(f.clk.now()); d.Received != 108_50 {
			t.Fatalf("payee's velocity %+v, want 108.50 received", d)
		}
	})
}
