package ledger_test

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/conditional"
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

// TestPurposeOnEveryPayment: across a border whose issuer requires purpose
// codes, every kind of payment carries one: a QR payment (static and
// dynamic code), a payment code's charge, a hold's capture, and the payments to come, which keep
// theirs until they are made: a conditional payment's release, each run of
// a standing order, a payment held for review when a reviewer releases it.
// Payments to come without one are refused when they are set up.
func TestPurposeOnEveryPayment(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFXEnv(t, kind) // the dealer in CN, hk in HK
		f.admitHKToCNY()
		if _, err := f.svc.SetCrossBorderRules(f.ctx, f.cb, ledger.CrossBorderRequest{Currency: "CNY", BlockedTiers: []int{}, PurposeRequired: true}); err != nil {
			t.Fatal(err)
		}
		payer := f.wallet(f.dealer, "CNY", "1000.00")
		abroad := f.wallet(f.hk, "CNY", "")
		purposeOf := func(what string, tr *ingot.Transfer, err error, want string) {
			t.Helper()
			if err != nil || tr == nil || tr.Purpose != want {
				t.Fatalf("%s: %+v %v", what, tr, err)
			}
			if got, err := f.svc.Transfer(f.ctx, f.dealer, tr.ID); err != nil || got.Purpose != want {
				t.Fatalf("%s read back: %+v %v", what, got, err)
			}
		}

		// A merchant in Hong Kong: its static code and a payment request.
		m := f.merchant(f.hk, "5812")
		static, err := f.svc.StaticQR(f.ctx, f.hk, m)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.PayQR(f.ctx, f.dealer, ledger.QRPayment{From: payer, QR: static, Amount: "5.00"}, nil)
		wantCode(t, err, ingot.CodePurposeRequired)
		_, err = f.svc.PayQR(f.ctx, f.dealer, ledger.QRPayment{From: payer, QR: static, Amount: "5.00", Purpose: "goods"}, nil)
		wantCode(t, err, ingot.CodeInvalidRequest)
		tr, err := f.svc.PayQR(f.ctx, f.dealer, ledger.QRPayment{From: payer, QR: static, Amount: "5.00", Purpose: "GDDS"}, nil)
		purposeOf("static QR", tr, err, "GDDS")
		qr := f.qr(f.request(f.hk, m, "12.00", "T-1"))
		_, err = f.svc.PayQR(f.ctx, f.dealer, ledger.QRPayment{From: payer, QR: qr}, nil)
		wantCode(t, err, ingot.CodePurposeRequired)
		tr, err = f.svc.PayQR(f.ctx, f.dealer, ledger.QRPayment{From: payer, QR: qr, Purpose: "SCVE"}, nil)
		purposeOf("dynamic QR", tr, err, "SCVE")

		// The payer's payment code, charged by the merchant abroad, who
		// gives the purpose.
		code, err := f.svc.CreatePaymentCode(f.ctx, f.dealer, payer, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Charge(f.ctx, f.hk, ledger.ChargeRequest{Code: code.Code, MerchantWallet: m, Amount: "3.00"}, nil)
		wantCode(t, err, ingot.CodePurposeRequired)
		tr, err = f.svc.Charge(f.ctx, f.hk, ledger.ChargeRequest{Code: code.Code, MerchantWallet: m, Amount: "3.00", Purpose: "GDDS"}, nil)
		purposeOf("payment code", tr, err, "GDDS")

		// A hold captured abroad: the capture carries it.
		h, err := f.svc.PlaceHold(f.ctx, f.dealer, payer, "20.00", f.clk.now().Add(time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.CaptureHold(f.ctx, f.dealer, h.ID, ledger.CaptureRequest{To: abroad}, nil)
		wantCode(t, err, ingot.CodePurposeRequired)
		c, err := f.svc.CaptureHold(f.ctx, f.dealer, h.ID, ledger.CaptureRequest{To: abroad, Amount: "15.00", Purpose: "GDDS"}, nil)
		if err == nil {
			purposeOf("capture", c.Transfer, nil, "GDDS")
		} else {
			t.Fatal(err)
		}

		// A conditional payment keeps its purpose for its release.
		in := ledger.ConditionalIn{PayRequest: ledger.PayRequest{From: payer, To: abroad, Amount: "30.00", Currency: "CNY"},
			Condition: condJSON(t, map[string]any{"payee_accepts": true})}
		_, err = f.svc.CreateConditionalPayment(f.ctx, f.dealer, in, nil)
		wantCode(t, err, ingot.CodePurposeRequired)
		in.Purpose = "TRAD"
		cp, err := f.svc.CreateConditionalPayment(f.ctx, f.dealer, in, nil)
		if err != nil || cp.Payment.Purpose != "TRAD" {
			t.Fatalf("conditional: %+v %v", cp, err)
		}
		rel, err := f.release(f.hk, cp.Payment.ID, "") // the payee accepts
		if err != nil || rel.Payment.Status != conditional.Released {
			t.Fatalf("accepted: %+v %v", rel, err)
		}
		purposeOf("conditional release", rel.Transfer, nil, "TRAD")

		// A standing order: each run carries the order's purpose.
		today := f.clk.now().In(time.UTC).Format("2006-01-02")
		sched := `{"start":"` + today + `","every":"day","count":2}`
		_, err = f.svc.CreateStandingOrder(f.ctx, f.dealer, ledger.StandingIn{
			PayRequest: ledger.PayRequest{From: payer, To: abroad, Amount: "7.00", Currency: "CNY"}, Schedule: []byte(sched)}, nil)
		wantCode(t, err, ingot.CodePurposeRequired)
		o, err := f.svc.CreateStandingOrder(f.ctx, f.dealer, ledger.StandingIn{
			PayRequest: ledger.PayRequest{From: payer, To: abroad, Amount: "7.00", Currency: "CNY", Purpose: "SUPP"}, Schedule: []byte(sched)}, nil)
		if err != nil || o.Purpose != "SUPP" {
			t.Fatalf("standing order: %+v %v", o, err)
		}
		runs, _, err := f.svc.StandingRuns(f.ctx, f.dealer, o.ID, "", 10)
		if err != nil || len(runs) == 0 || runs[len(runs)-1].TransferID == "" {
			t.Fatalf("the first run: %+v %v", runs, err)
		}
		first, err := f.svc.Transfer(f.ctx, f.dealer, runs[len(runs)-1].TransferID)
		purposeOf("standing order run", &first, err, "SUPP")

		// A payment held for review keeps its purpose for its release.
		rule(t, f.env, f.dealer, "review 77.70", "amount == 7770", risk.ActionReview)
		_, err = payPurpose(f.env, f.dealer, payer, abroad, "77.70", "GDDS")
		var ir *ledger.InReview
		if !errors.As(err, &ir) {
			t.Fatalf("held for review: %v", err)
		}
		if rv, err := f.svc.Review(f.ctx, f.dealer, ir.ReviewID); err != nil || rv.Purpose != "GDDS" {
			t.Fatalf("the review: %+v %v", rv, err)
		}
		out, err := f.svc.ReleaseReview(f.ctx, f.dealer, ir.ReviewID, nil)
		if err != nil {
			t.Fatal(err)
		}
		purposeOf("released review", out.Transfer, nil, "GDDS")
		f.verifyDB()
	})
}
