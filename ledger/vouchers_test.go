package ledger_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/verify"
)

// earmarked is a wallet's earmarked money of a program (0: none).
func (e *env) earmarked(id, program string) int64 {
	e.t.Helper()
	wid, _ := ingot.ParseWalletID(id)
	es, err := e.svc.WalletEarmarked(e.ctx, wid)
	if err != nil {
		e.t.Fatalf("earmarked %s: %v", id, err)
	}
	for _, m := range es {
		if m.Program == program {
			return m.Amount
		}
	}
	return 0
}

// verified checks the books and runs ingot verify on the database.
func (e *env) verified() {
	e.t.Helper()
	e.checkBooks()
	if _, err := verify.Database(e.ctx, e.st, testSigner(e.t).VerifierKey(), ""); err != nil {
		e.t.Fatalf("verify: %v", err)
	}
}

// stats reads a program's totals and checks that they add up.
func (e *env) stats(a ingot.Actor, program string) *ledger.VoucherStats {
	e.t.Helper()
	st, err := e.svc.VoucherProgram(e.ctx, a, program)
	if err != nil {
		e.t.Fatalf("voucher program %s: %v", program, err)
	}
	if st.Issued != st.Spent+st.Returned+st.Outstanding {
		e.t.Fatalf("program %s does not add up: %+v", program, st)
	}
	return st
}

func TestVouchers(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind string) {
		clk := &condClock{now: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
		e := newEnvWith(t, testdb.Open(t, kind), ledger.Options{Now: clk.Now})
		a, opID := e.operator("VCH")
		e.mint(opID, "10000.00", "CNY")
		alice := e.wallet(a, "CNY", "100.00")
		bob := e.wallet(a, "CNY", "")
		food := e.merchant(a, "5411")
		cinema := e.merchant(a, "7832")
		ends := clk.Now().Add(30 * 24 * time.Hour)
		req := ledger.VoucherRequest{Program: "spring-2026", Wallets: []string{alice, bob}, Amount: "50.00", Currency: "CNY",
			MCCs: []string{"5411"}, ExpiresAt: ends}

		// Funding: new money from the central bank's issuance account.
		f, err := e.svc.IssueVouchers(e.ctx, e.cb, req, nil)
		if err != nil {
			t.Fatalf("issue: %v", err)
		}
		if len(f.Items) != 2 || f.Items[0].Transfer.Kind != ingot.KindVoucher || f.Items[0].Transfer.LogIndex < 0 {
			t.Fatalf("funding = %+v", f)
		}
		if bal, _ := e.balance(a, alice); bal != 10000 || e.earmarked(alice, "spring-2026") != 5000 {
			t.Fatalf("alice: balance %d, earmarked %d; want 100.00 and 50.00", bal, e.earmarked(alice, "spring-2026"))
		}
		sup, err := e.svc.Supply(e.ctx, e.cb, "CNY")
		if err != nil || sup.Earmarked != 10000 || sup.Issued != sup.Reserves+sup.Wallets+sup.Earmarked+sup.Fees {
			t.Fatalf("supply = %+v, %v", sup, err)
		}
		e.verified()

		// The same program again with other terms is a conflict; an
		// operator cannot fund another operator's wallet.
		other := req
		other.MCCs = []string{"5812"}
		_, err = e.svc.IssueVouchers(e.ctx, e.cb, other, nil)
		wantCode(t, err, ingot.CodeVoucherProgramConflict)
		b, bID := e.operator("OTH")
		e.mint(bID, "100.00", "CNY")
		_, err = e.svc.IssueVouchers(e.ctx, b, ledger.VoucherRequest{Program: "gift-b", Wallets: []string{alice}, Amount: "1.00", Currency: "CNY", ExpiresAt: ends}, nil)
		wantCode(t, err, ingot.CodeNotFound)

		// At an eligible merchant, earmarked money pays first, the free
		// balance the rest: one payment.
		p, err := pay(e, a, alice, food, "80.00")
		if err != nil {
			t.Fatalf("pay at food: %v", err)
		}
		if p.Kind != ingot.KindPayment || p.Amount != 8000 {
			t.Fatalf("payment = %+v", p)
		}
		if bal, _ := e.balance(a, alice); bal != 7000 || e.earmarked(alice, "spring-2026") != 0 {
			t.Fatalf("alice after 80.00: balance %d, earmarked %d; want 70.00 and 0", bal, e.earmarked(alice, "spring-2026"))
		}
		// At a merchant the program does not list, and to a person, only the
		// free balance pays; bob has none.
		_, err = pay(e, a, bob, cinema, "10.00")
		wantCode(t, err, ingot.CodeInsufficientFunds)
		_, err = pay(e, a, bob, alice, "10.00")
		wantCode(t, err, ingot.CodeInsufficientFunds)
		if _, err := e.svc.Fund(e.ctx, a, bob, "1.00", true, nil); ingot.ErrorCode(err) != ingot.CodeInsufficientFunds {
			t.Fatalf("withdraw earmarked money: %v", err)
		}
		if _, err := pay(e, a, bob, food, "20.00"); err != nil {
			t.Fatalf("bob pays at food: %v", err)
		}
		if st := e.stats(e.cb, "spring-2026"); st.Issued != 10000 || st.Spent != 7000 || st.Outstanding != 3000 || st.Wallets != 2 {
			t.Fatalf("stats = %+v", st)
		}
		e.verified()

		// A refund while the program runs goes back as earmarked money
		// first: 30.00 of alice's 80.00 (50.00 of it earmarked).
		if _, err := e.svc.Refund(e.ctx, a, p.ID, "30.00", "returned goods", "", nil); err != nil {
			t.Fatalf("refund: %v", err)
		}
		if bal, _ := e.balance(a, alice); bal != 7000 || e.earmarked(alice, "spring-2026") != 3000 {
			t.Fatalf("alice after refund: balance %d, earmarked %d; want 70.00 and 30.00", bal, e.earmarked(alice, "spring-2026"))
		}
		e.verified()

		// Expiry: what is left returns to the issuer, once.
		clk.advance(31 * 24 * time.Hour)
		if _, err := pay(e, a, alice, food, "1.00"); err != nil { // free balance only now
			t.Fatalf("pay after expiry: %v", err)
		}
		if bal, _ := e.balance(a, alice); bal != 6900 {
			t.Fatalf("alice paid 1.00 from earmarked money after expiry: balance %d", bal)
		}
		n, err := e.svc.ExpireVouchers(e.ctx)
		if err != nil || n != 2 {
			t.Fatalf("expire = %d, %v; want 2", n, err)
		}
		if n, err := e.svc.ExpireVouchers(e.ctx); err != nil || n != 0 {
			t.Fatalf("expire again = %d, %v; want 0", n, err)
		}
		st := e.stats(e.cb, "spring-2026")
		if st.Outstanding != 0 || st.Returned != 6000 || st.Spent != 4000 {
			t.Fatalf("stats after expiry = %+v", st)
		}
		// A refund after expiry: what is left of the payment's earmarked
		// share (20.00) goes to the issuer, the rest (10.00) to alice.
		if _, err := e.svc.Refund(e.ctx, a, p.ID, "30.00", "late", "", nil); err != nil {
			t.Fatalf("late refund: %v", err)
		}
		if bal, _ := e.balance(a, alice); bal != 7900 || e.earmarked(alice, "spring-2026") != 0 {
			t.Fatalf("alice after late refund: balance %d, earmarked %d", bal, e.earmarked(alice, "spring-2026"))
		}
		if st := e.stats(e.cb, "spring-2026"); st.Outstanding != 0 || st.Returned != 8000 || st.Spent != 2000 {
			t.Fatalf("stats after late refund = %+v", st)
		}
		sup, _ = e.svc.Supply(e.ctx, e.cb, "CNY")
		if sup.Earmarked != 0 || sup.Issued != 1000000+10000+2000 {
			t.Fatalf("supply after expiry = %+v", sup)
		}
		e.verified()
	})
}

// TestVoucherOperatorAndCap: an operator's program comes from its
// reserve; earmarked money does not count against the balance cap.
func TestVoucherOperatorAndCap(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, opID := e.operator("VOP")
		e.mint(opID, "30000.00", "CNY")
		w := e.wallet(a, "CNY", "9990.00") // class 4 holds at most 10,000.00
		req := ledger.VoucherRequest{Program: "gift", Wallets: []string{w}, Amount: "500.00", Currency: "CNY", ExpiresAt: time.Now().Add(time.Hour)}
		if _, err := e.svc.IssueVouchers(e.ctx, a, req, nil); err != nil {
			t.Fatalf("issue: %v", err)
		}
		if e.earmarked(w, "gift") != 50000 {
			t.Fatalf("earmarked %d", e.earmarked(w, "gift"))
		}
		if _, err := e.svc.Fund(e.ctx, a, w, "10.00", false, nil); err != nil {
			t.Fatalf("top up to the cap: %v", err)
		}
		// Sub-wallets are untouched: the earmark account is none of them.
		if subs, err := e.svc.SubWallets(e.ctx, a, w); err != nil || len(subs) != 0 {
			t.Fatalf("sub-wallets = %v, %v", subs, err)
		}
		if st := e.stats(a, "gift"); st.Issued != 50000 || st.Program.OperatorID != opID {
			t.Fatalf("stats %+v", st)
		}
		b, _ := e.operator("VOQ")
		if _, err := e.svc.VoucherProgram(e.ctx, b, "gift"); ingot.ErrorCode(err) != ingot.CodeNotFound {
			t.Fatalf("another operator reads the program: %v", err)
		}
		// All or nothing: a wallet of another currency refuses the request.
		eur := e.wallet(a, "EUR", "")
		_, err := e.svc.IssueVouchers(e.ctx, a, ledger.VoucherRequest{Program: "gift", Wallets: []string{w, eur}, Amount: "1.00", Currency: "CNY", ExpiresAt: req.ExpiresAt}, nil)
		wantCode(t, err, ingot.CodeCurrencyMismatch)
		if e.earmarked(w, "gift") != 50000 {
			t.Fatalf("a refused request funded a wallet")
		}
		e.verified()
	})
}

// TestVoucherExpiryTwoEngines: two engines on one database expire a
// program's earmarks concurrently; each returns once.
func TestVoucherExpiryTwoEngines(t *testing.T) {
	t.Parallel()
	clk := &condClock{now: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
	st1, dsn := testdb.OpenURL(t, "postgres")
	st2, err := testdb.OpenDSN(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st2.Close() })
	e1 := newEnvWith(t, st1, ledger.Options{Now: clk.Now})
	e2 := newEnvWith(t, st2, ledger.Options{Now: clk.Now})
	a, opID := e1.operator("VTW")
	e1.mint(opID, "100.00", "CNY")
	var ws []string
	for range 20 {
		ws = append(ws, e1.wallet(a, "CNY", ""))
	}
	if _, err := e1.svc.IssueVouchers(e1.ctx, e1.cb, ledger.VoucherRequest{Program: "twice", Wallets: ws, Amount: "5.00", Currency: "CNY",
		ExpiresAt: clk.Now().Add(time.Hour)}, nil); err != nil {
		t.Fatal(err)
	}
	clk.advance(2 * time.Hour)
	var wg sync.WaitGroup
	for _, e := range []*env{e1, e2, e1, e2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.svc.ExpireVouchers(e.ctx); err != nil {
				t.Errorf("expire: %v", err)
			}
		}()
	}
	wg.Wait()
	st := e1.stats(e1.cb, "twice")
	if st.Returned != 10000 || st.Outstanding != 0 {
		t.Fatalf("stats = %+v; want all 100.00 returned once", st)
	}
	e1.verified()
}

// TestVoucherQRAndPaymentCode: earmarked money pays first in a QR payment
// and in a charged payment code too, as in a transfer.
func TestVoucherQRAndPaymentCode(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, opID := e.operator("VQR")
		e.mint(opID, "1000.00", "CNY")
		alice := e.wallet(a, "CNY", "100.00")
		food := e.merchant(a, "5411")
		if _, err := e.svc.IssueVouchers(e.ctx, e.cb, ledger.VoucherRequest{Program: "qr-2026", Wallets: []string{alice}, Amount: "30.00",
			Currency: "CNY", MCCs: []string{"5411"}, ExpiresAt: time.Now().Add(24 * time.Hour)}, nil); err != nil {
			t.Fatal(err)
		}
		pr := e.request(a, food, "20.00", "table 7")
		if _, err := e.svc.PayQR(e.ctx, a, ledger.QRPayment{From: alice, QR: e.qr(pr)}, nil); err != nil {
			t.Fatalf("QR payment: %v", err)
		}
		if bal, _ := e.balance(a, alice); bal != 100_00 || e.earmarked(alice, "qr-2026") != 10_00 {
			t.Fatalf("after a QR payment of 20.00: balance %d, earmarked %d; want 100.00 and 10.00", bal, e.earmarked(alice, "qr-2026"))
		}
		code, err := e.svc.CreatePaymentCode(e.ctx, a, alice, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Charge(e.ctx, a, ledger.ChargeRequest{Code: code.Code, MerchantWallet: food, Amount: "15.00"}, nil); err != nil {
			t.Fatalf("charge: %v", err)
		}
		if bal, _ := e.balance(a, alice); bal != 95_00 || e.earmarked(alice, "qr-2026") != 0 {
			t.Fatalf("after a charge of 15.00: balance %d, earmarked %d; want 95.00 and 0", bal, e.earmarked(alice, "qr-2026"))
		}
		e.verified()
	})
}
