package ledger_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/emvqr"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
)

// merchant opens a merchant wallet with a profile.
func (e *env) merchant(op ingot.Actor, mcc string) string {
	e.t.Helper()
	res, err := e.svc.CreateWallet(e.ctx, op, ingot.Holder{Name: "Wang Noodles", Phone: "13912345678", Kind: ingot.HolderBusiness}, "CNY", ingot.WalletMerchant, nil)
	if err != nil {
		e.t.Fatalf("merchant wallet: %v", err)
	}
	id := ingot.FormatWalletID(res.Account.ID)
	if _, _, err := e.svc.SetMerchant(e.ctx, op, id, ledger.MerchantRequest{Name: "Lao Wang Noodles", City: "Beijing", Country: "CN", MCC: mcc}); err != nil {
		e.t.Fatalf("merchant profile: %v", err)
	}
	return id
}

func (e *env) request(op ingot.Actor, merchant, amount, ref string) *ingot.PaymentRequest {
	e.t.Helper()
	pr, err := e.svc.CreatePaymentRequest(e.ctx, op, ledger.PaymentRequestIn{MerchantWallet: merchant, Amount: amount, Reference: ref}, nil)
	if err != nil {
		e.t.Fatalf("payment request: %v", err)
	}
	return pr
}

func (e *env) qr(pr *ingot.PaymentRequest) string {
	e.t.Helper()
	qr, err := e.svc.RequestQR(e.ctx, pr)
	if err != nil {
		e.t.Fatalf("request QR: %v", err)
	}
	return qr
}

func (e *env) amountOf(op ingot.Actor, id string) int64 {
	b, _ := e.balance(op, id)
	return b
}

// TestMerchantProfile: only merchant wallets get a profile, and it must fit
// the QR format.
func TestMerchantProfile(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("BANKA")
		e.mint(aID, "1000.00", "CNY")
		personal := e.wallet(a, "CNY", "")
		m := e.merchant(a, "5812")
		for _, r := range []ledger.MerchantRequest{
			{Name: strings.Repeat("x", 26), City: "Beijing", Country: "CN", MCC: "5812"},
			{Name: "Shop", City: strings.Repeat("y", 16), Country: "CN", MCC: "5812"},
			{Name: "Shop", City: "Beijing", Country: "cn", MCC: "5812"},
			{Name: "Shop", City: "Beijing", Country: "CN", MCC: "581"},
			{Name: "", City: "Beijing", Country: "CN", MCC: "5812"},
		} {
			_, _, err := e.svc.SetMerchant(e.ctx, a, m, r)
			wantCode(t, err, ingot.CodeInvalidRequest)
		}
		_, _, err := e.svc.SetMerchant(e.ctx, a, personal, ledger.MerchantRequest{Name: "Shop", City: "Beijing", Country: "CN", MCC: "5812"})
		wantCode(t, err, ingot.CodeInvalidRequest)
		// Another operator does not see the wallet.
		b, _ := e.operator("BANKB")
		_, _, err = e.svc.SetMerchant(e.ctx, b, m, ledger.MerchantRequest{Name: "Shop", City: "Beijing", Country: "CN", MCC: "5812"})
		wantCode(t, err, ingot.CodeNotFound)
		// A payment request needs the profile.
		bare, err := e.svc.CreateWallet(e.ctx, a, ingot.Holder{Name: "Li Wei", Phone: "13812345678"}, "CNY", ingot.WalletMerchant, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.CreatePaymentRequest(e.ctx, a, ledger.PaymentRequestIn{MerchantWallet: ingot.FormatWalletID(bare.Account.ID), Amount: "1.00"}, nil)
		wantCode(t, err, ingot.CodeInvalidRequest)
	})
}

// TestQRPayment: a dynamic code pays its request once, with the fee, and
// says what the request says; a static code pays the merchant; a code of
// another scheme, with a bad CRC or edited, is refused.
func TestQRPayment(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		var mu sync.Mutex
		now := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		e := newEnvWith(t, testdb.Open(t, kind), ledger.Options{Now: clock})
		a, aID := e.operator("BANKA")
		b, bID := e.operator("BANKB")
		e.mint(aID, "10000.00", "CNY")
		e.mint(bID, "10000.00", "CNY")
		m := e.merchant(a, "5812")
		payer := e.wallet(b, "CNY", "500.00")
		if _, err := e.svc.SetFees(e.ctx, a, ledger.FeeRequest{RateBPS: 60}); err != nil {
			t.Fatal(err)
		}

		pr := e.request(a, m, "38.00", "TABLE-12")
		if pr.Status != ingot.PaymentRequestOpen || pr.ExpiresAt != now.Add(ledger.DefaultRequestTTL) {
			t.Fatalf("request %+v", pr)
		}
		qr := e.qr(pr)
		p, err := emvqr.Decode(qr, ledger.DefaultQRScheme)
		if err != nil {
			t.Fatalf("decode %q: %v", qr, err)
		}
		if !p.Dynamic || p.GUID != ledger.DefaultQRScheme || p.Reference != pr.ID || p.Amount != "38.00" || p.Currency != "156" ||
			p.MCC != "5812" || p.Country != "CN" || p.Name != "Lao Wang Noodles" || p.City != "Beijing" || p.BillRef != "TABLE-12" {
			t.Fatalf("payload %+v", p)
		}
		if !strings.HasPrefix(qr, "000201010212") {
			t.Fatalf("payload %q does not start with version 01, dynamic", qr)
		}

		// Edited codes are refused before anything moves.
		bad := qr[:len(qr)-1] + string("0123456789ABCDEF"[(strings.IndexByte("0123456789ABCDEF", qr[len(qr)-1])+1)%16])
		_, err = e.svc.PayQR(e.ctx, b, ledger.QRPayment{From: payer, QR: bad}, nil)
		wantCode(t, err, ingot.CodeInvalidQR)
		p2 := p
		p2.Amount = "3.80"
		edited, err := emvqr.Encode(p2)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.PayQR(e.ctx, b, ledger.QRPayment{From: payer, QR: edited}, nil)
		wantCode(t, err, ingot.CodeInvalidQR)
		p2 = p
		p2.GUID = "com.example.other"
		other, err := emvqr.Encode(p2)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.PayQR(e.ctx, b, ledger.QRPayment{From: payer, QR: other}, nil)
		wantCode(t, err, ingot.CodeInvalidQR)
		_, err = e.svc.PayQR(e.ctx, b, ledger.QRPayment{From: payer, QR: "hello"}, nil)
		wantCode(t, err, ingot.CodeInvalidQR)

		// A fixed request refuses another amount.
		_, err = e.svc.PayQR(e.ctx, b, ledger.QRPayment{From: payer, QR: qr, Amount: "1.00"}, nil)
		wantCode(t, err, ingot.CodeInvalidAmount)

		tr, err := e.svc.PayQR(e.ctx, b, ledger.QRPayment{From: payer, QR: qr}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tr.PaymentRequestID != pr.ID || tr.Amount != 3800 || tr.Fee != 23 || tr.Reference != "TABLE-12" {
			t.Fatalf("transfer %+v", tr)
		}
		got, err := e.svc.PaymentRequest(e.ctx, a, pr.ID)
		if err != nil || got.Status != ingot.PaymentRequestPaid || got.TransferID != tr.ID {
			t.Fatalf("request after payment %+v %v", got, err)
		}
		if v := e.amountOf(a, m); v != 3800-23 {
			t.Fatalf("merchant holds %d; want 3777 (38.00 less the 0.23 fee)", v)
		}
		_, err = e.svc.PayQR(e.ctx, b, ledger.QRPayment{From: payer, QR: qr}, nil)
		wantCode(t, err, ingot.CodePaymentRequestClosed)
		// The payer's operator does not read the merchant's request.
		_, err = e.svc.PaymentRequest(e.ctx, b, pr.ID)
		wantCode(t, err, ingot.CodeNotFound)

		// An open request takes the payer's amount.
		open := e.request(a, m, "", "")
		_, err = e.svc.PayQR(e.ctx, b, ledger.QRPayment{From: payer, QR: e.qr(open)}, nil)
		wantCode(t, err, ingot.CodeInvalidAmount)
		if tr, err = e.svc.PayQR(e.ctx, b, ledger.QRPayment{From: payer, QR: e.qr(open), Amount: "12.50"}, nil); err != nil || tr.Amount != 1250 {
			t.Fatalf("open request: %+v %v", tr, err)
		}

		// An expired request is refused, then marked expired.
		late := e.request(a, m, "5.00", "")
		advance(ledger.DefaultRequestTTL)
		_, err = e.svc.PayQR(e.ctx, b, ledger.QRPayment{From: payer, QR: e.qr(late)}, nil)
		wantCode(t, err, ingot.CodePaymentRequestExpired)
		if n, err := e.svc.ExpirePaymentRequests(e.ctx); err != nil || n != 1 {
			t.Fatalf("expired %d: %v", n, err)
		}
		if got, err := e.st.PaymentRequest(e.ctx, late.ID); err != nil || got.Status != ingot.PaymentRequestExpired {
			t.Fatalf("expired request %+v %v", got, err)
		}
		_, err = e.svc.PayQR(e.ctx, b, ledger.QRPayment{From: payer, QR: e.qr(late)}, nil)
		wantCode(t, err, ingot.CodePaymentRequestExpired)

		// The static code: any amount, to the wallet.
		static, err := e.svc.StaticQR(e.ctx, a, m)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(static, "000201010211") {
			t.Fatalf("static payload %q", static)
		}
		_, err = e.svc.PayQR(e.ctx, b, ledger.QRPayment{From: payer, QR: static}, nil)
		wantCode(t, err, ingot.CodeInvalidAmount)
		if tr, err = e.svc.PayQR(e.ctx, b, ledger.QRPayment{From: payer, QR: static, Amount: "7.00"}, nil); err != nil || tr.Amount != 700 || tr.Fee != 4 {
			t.Fatalf("static payment: %+v %v", tr, err)
		}
		_, err = e.svc.StaticQR(e.ctx, b, m)
		wantCode(t, err, ingot.CodeNotFound)
	})
}

// TestConcurrentPayersOneRequest: of many payers of one request, exactly
// one pays.
func TestConcurrentPayersOneRequest(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("BANKA")
		e.mint(aID, "100000.00", "CNY")
		m := e.merchant(a, "5411")
		const n = 24
		payers := make([]string, n)
		for i := range payers {
			payers[i] = e.wallet(a, "CNY", "100.00")
		}
		pr := e.request(a, m, "20.00", "")
		qr := e.qr(pr)
		var ok, closed atomic.Int32
		var wg sync.WaitGroup
		for _, p := range payers {
			wg.Go(func() {
				_, err := e.svc.PayQR(e.ctx, a, ledger.QRPayment{From: p, QR: qr}, nil)
				switch errCode(err) {
				case "":
					ok.Add(1)
				case ingot.CodePaymentRequestClosed:
					closed.Add(1)
				default:
					t.Errorf("payer: %v", err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 || closed.Load() != n-1 {
			t.Fatalf("%d paid, %d closed; want 1 and %d", ok.Load(), closed.Load(), n-1)
		}
		if v := e.amountOf(a, m); v != 2000 {
			t.Fatalf("merchant holds %d; want 2000", v)
		}
	})
}

// TestPaymentCodes: a code is charged once, within its minute; unknown,
// used and expired codes get one answer.
func TestPaymentCodes(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		var mu sync.Mutex
		now := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		e := newEnvWith(t, testdb.Open(t, kind), ledger.Options{Now: clock})
		a, aID := e.operator("BANKA")
		b, bID := e.operator("BANKB")
		e.mint(aID, "10000.00", "CNY")
		e.mint(bID, "10000.00", "CNY")
		m := e.merchant(a, "5812")
		payer := e.wallet(b, "CNY", "100.00")

		k := idem("scope-b", "code-1", "")
		c, err := e.svc.CreatePaymentCode(e.ctx, b, payer, k)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Code) != 18 || strings.Trim(c.Code, "0123456789") != "" || !c.ExpiresAt.Equal(now.Add(time.Minute)) {
			t.Fatalf("code %+v", c)
		}
		again, err := e.svc.CreatePaymentCode(e.ctx, b, payer, idem("scope-b", "code-1", ""))
		if err != nil || again.Code != "" || !again.ExpiresAt.Equal(c.ExpiresAt) {
			t.Fatalf("replayed code %+v %v: the code must not be shown again", again, err)
		}
		// The merchant's operator charges it; the payer's operator cannot
		// charge to a wallet it does not own.
		_, err = e.svc.Charge(e.ctx, b, ledger.ChargeRequest{Code: c.Code, MerchantWallet: m, Amount: "9.90"}, nil)
		wantCode(t, err, ingot.CodeNotFound)
		tr, err := e.svc.Charge(e.ctx, a, ledger.ChargeRequest{Code: c.Code, MerchantWallet: m, Amount: "9.90", Reference: "R-1"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Amount != 990 || tr.Reference != "R-1" || ingot.FormatWalletID(tr.Debit) != payer {
			t.Fatalf("charge %+v", tr)
		}
		_, err = e.svc.Charge(e.ctx, a, ledger.ChargeRequest{Code: c.Code, MerchantWallet: m, Amount: "9.90"}, nil)
		wantCode(t, err, ingot.CodePaymentCodeInvalid)
		_, err = e.svc.Charge(e.ctx, a, ledger.ChargeRequest{Code: "123456789012345678", MerchantWallet: m, Amount: "1.00"}, nil)
		wantCode(t, err, ingot.CodePaymentCodeInvalid)
		_, err = e.svc.Charge(e.ctx, a, ledger.ChargeRequest{Code: "12345", MerchantWallet: m, Amount: "1.00"}, nil)
		wantCode(t, err, ingot.CodePaymentCodeInvalid)

		late, err := e.svc.CreatePaymentCode(e.ctx, b, payer, nil)
		if err != nil {
			t.Fatal(err)
		}
		advance(time.Minute)
		_, err = e.svc.Charge(e.ctx, a, ledger.ChargeRequest{Code: late.Code, MerchantWallet: m, Amount: "1.00"}, nil)
		wantCode(t, err, ingot.CodePaymentCodeInvalid)

		// Charged twice at once: one wins.
		twice, err := e.svc.CreatePaymentCode(e.ctx, b, payer, nil)
		if err != nil {
			t.Fatal(err)
		}
		var ok, invalid atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				_, err := e.svc.Charge(e.ctx, a, ledger.ChargeRequest{Code: twice.Code, MerchantWallet: m, Amount: "1.00"}, nil)
				switch errCode(err) {
				case "":
					ok.Add(1)
				case ingot.CodePaymentCodeInvalid:
					invalid.Add(1)
				default:
					t.Errorf("charge: %v", err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 || invalid.Load() != 7 {
			t.Fatalf("%d charges, %d refused; want 1 and 7", ok.Load(), invalid.Load())
		}
		if v := e.amountOf(b, payer); v != 10000-990-100 {
			t.Fatalf("payer holds %d; want %d", v, 10000-990-100)
		}
	})
}

// TestRefundsAndFees: refunds return the fee in proportion and never add
// up to more than the payment, also at once; person-to-person payments are
// free; the cap bounds rates.
func TestRefundsAndFees(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("BANKA")
		e.mint(aID, "100000.00", "CNY")
		m := e.merchant(a, "5812")
		grocer := e.merchant(a, "5411")
		payer := e.wallet(a, "CNY", "1000.00")
		friend := e.wallet(a, "CNY", "")
		if _, err := e.svc.SetFees(e.ctx, a, ledger.FeeRequest{RateBPS: 60, Min: "0.10", Max: "5.00", MCCRates: map[string]int{"5411": 20}}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			to, amount string
			fee        int64
		}{
			{m, "100.00", 60},      // 0.6 %
			{m, "1.00", 10},        // the minimum
			{m, "900.00", 500},     // the maximum (5.40 capped at 5.00)
			{m, "0.05", 5},         // never above the payment
			{grocer, "100.00", 20}, // the category's rate
			{friend, "10.00", 0},   // person to person: free
			{m, "0.83", 10},        // 0.498 rounds half up... to 0, then the minimum
		} {
			if _, err := e.svc.Fund(e.ctx, a, payer, c.amount, false, nil); err != nil {
				t.Fatal(err)
			}
			tr, err := pay(e, a, payer, c.to, c.amount)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Fee != c.fee {
				t.Errorf("fee of %s to %s is %d; want %d", c.amount, c.to, tr.Fee, c.fee)
			}
		}

		// Refunds: half, then the rest at once from many callers.
		if _, err := e.svc.Fund(e.ctx, a, payer, "100.00", false, nil); err != nil {
			t.Fatal(err)
		}
		p, err := pay(e, a, payer, m, "100.00")
		if err != nil {
			t.Fatal(err)
		}
		before := e.amountOf(a, payer)
		r, err := e.svc.Refund(e.ctx, a, p.ID, "50.00", "one bowl returned", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Amount != 5000 || r.Fee != 30 || r.TransferID != p.ID {
			t.Fatalf("refund %+v; want 50.00 with 0.30 of the fee back", r)
		}
		_, err = e.svc.Refund(e.ctx, a, p.ID, "50.01", "", "", nil)
		wantCode(t, err, ingot.CodeRefundExceedsPayment)
		var ok, over atomic.Int32
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				_, err := e.svc.Refund(e.ctx, a, p.ID, "10.00", "", "", nil)
				switch errCode(err) {
				case "":
					ok.Add(1)
				case ingot.CodeRefundExceedsPayment:
					over.Add(1)
				default:
					t.Errorf("refund: %v", err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 5 || over.Load() != 5 {
			t.Fatalf("%d refunds, %d refused; want 5 and 5", ok.Load(), over.Load())
		}
		if got := e.amountOf(a, payer); got != before+10000 {
			t.Fatalf("payer got back %d; want 10000", got-before)
		}
		rs, total, err := e.svc.Refunds(e.ctx, a, p.ID)
		if err != nil || len(rs) != 6 || total.Refunded != 10000 || total.FeeRefunded != 60 {
			t.Fatalf("refunds %d, total %+v, %v", len(rs), total, err)
		}
		// A refund of a refund, or of a person-to-person payment's payee
		// at another operator, is refused.
		_, err = e.svc.Refund(e.ctx, a, rs[0].RefundTransferID, "1.00", "", "", nil)
		wantCode(t, err, ingot.CodeInvalidRequest)
		b, _ := e.operator("BANKB")
		_, err = e.svc.Refund(e.ctx, b, p.ID, "1.00", "", "", nil)
		wantCode(t, err, ingot.CodeNotFound)

		// The cap: a higher rate is refused, and schedules above it lowered.
		_, err = e.svc.SetFeeCap(e.ctx, a, 30)
		wantCode(t, err, ingot.CodeForbidden)
		if _, err := e.svc.SetFeeCap(e.ctx, e.cb, 30); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.SetFees(e.ctx, a, ledger.FeeRequest{RateBPS: 31})
		wantCode(t, err, ingot.CodeInvalidRequest)
		fs, err := e.svc.Fees(e.ctx, a)
		if err != nil || len(fs) != 1 || fs[0].RateBPS != 30 || fs[0].MCCRates["5411"] != 20 {
			t.Fatalf("schedules after the cap %+v %v", fs, err)
		}
	})
}

// errCode is an error's code, "" for none (ingot.ErrorCode(nil) is
// "internal").
func errCode(err error) string {
	if err == nil {
		return ""
	}
	return ingot.ErrorCode(err)
}
