package ledger_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/fx"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
)

// fxEnv is two issuers (the administrator with CNY, an HKMA with HKD), a
// dealer in CNY admitted to HKD with reserves in both, and an operator in
// Hong Kong.
type fxEnv struct {
	*env
	clk            *testClock
	hkma           ingot.Actor
	dealer, hk     ingot.Actor
	dealerID, hkID string
}

func newFXEnv(t *testing.T, kind string) *fxEnv {
	clk := &testClock{}
	e := newEnvWith(t, testdb.Open(t, kind), ledger.Options{Now: clk.now})
	f := &fxEnv{env: e, clk: clk}
	f.dealer, f.dealerID = e.operator("FXDL")
	var hkmaID string
	f.hkma, hkmaID = e.newIssuer("HKMA", "HK", "HKD")
	if err := e.svc.AdmitOperator(e.ctx, f.hkma, hkmaID, f.dealerID); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.CreateOperatorIn(e.ctx, f.hkma, "Bank of East Asia", "FXHK", "HK", nil)
	if err != nil {
		t.Fatal(err)
	}
	f.hk, f.hkID = keyActor(t, e.st, res.APIKey), res.Operator.ID
	e.mint(f.dealerID, "10000.00", "CNY")
	for _, op := range []string{f.dealerID, f.hkID} {
		if _, err := e.svc.Issue(e.ctx, f.hkma, false, op, "1000.00", "HKD", nil); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// crossBorderPair publishes the dealer's CNY/HKD rate and opens a tier-3
// CNY wallet at the dealer with 500.00 and an empty HKD wallet in Hong Kong.
func (f *fxEnv) crossBorderPair() (payer, payee string) {
	f.t.Helper()
	f.rate("CNY", "HKD", "1.0850", "1.0900", "5000.00")
	payer = f.wallet(f.dealer, "CNY", "500.00")
	if _, err := f.svc.Upgrade(f.ctx, f.dealer, payer, ledger.UpgradeRequest{Tier: 3, IDNumber: "110101199003071234", IDVerified: true}, nil); err != nil {
		f.t.Fatal(err)
	}
	return payer, f.wallet(f.hk, "HKD", "")
}

func (f *fxEnv) rate(base, quote, bid, ask, max string) {
	f.t.Helper()
	if _, err := f.svc.SetFXRate(f.ctx, f.dealer, ledger.RateIn{Base: base, Quote: quote, Bid: bid, Ask: ask, MaxAmount: max,
		ValidUntil: f.clk.now().Add(time.Hour)}); err != nil {
		f.t.Fatalf("rate: %v", err)
	}
}

func (f *fxEnv) quote(a ingot.Actor, sell, buy, sellAmount, buyAmount string) *fx.Quote {
	f.t.Helper()
	q, err := f.svc.FXQuote(f.ctx, a, ledger.QuoteIn{SellCurrency: sell, BuyCurrency: buy, SellAmount: sellAmount, BuyAmount: buyAmount}, nil)
	if err != nil {
		f.t.Fatalf("quote: %v", err)
	}
	return q
}

func (f *fxEnv) reserve(opID, cur string) int64 {
	f.t.Helper()
	sp, err := f.st.Accounts(f.ctx, opID, ingot.AccountReserve, 0, 10)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, a := range sp {
		if a.Currency == cur {
			return a.Balance
		}
	}
	return 0
}

// TestFXExchange: a CNY holder pays an HKD holder at an operator in
// another jurisdiction through a dealer's quote, both legs or neither;
// a quote is used once, expires, belongs to its requester; the payer's
// tier and the payee's cap apply to their legs.
func TestFXExchange(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFXEnv(t, kind)
		payer, payee := f.crossBorderPair()

		q := f.quote(f.dealer, "CNY", "HKD", "100.00", "")
		if q.SellAmount != 100_00 || q.BuyAmount != 108_50 || q.Price != "1.0850" || q.Dealer != f.dealerID || !q.ExpiresAt.Equal(q.CreatedAt.Add(fx.QuoteTTL)) {
			t.Fatalf("quote %+v", q)
		}
		ex, err := f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: payer, To: payee}, nil)
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		if !ex.CrossBorder || ex.Sell.Kind != ingot.KindFXSell || ex.Buy.Kind != ingot.KindFXBuy || ex.Sell.Amount != 100_00 || ex.Buy.Amount != 108_50 ||
			ex.Sell.Reference != ex.ID || ex.Buy.Reference != ex.ID || ex.Quote.Status != fx.QuoteUsed {
			t.Fatalf("exchange %+v", ex)
		}
		if b, _ := f.balance(f.dealer, payer); b != 400_00 {
			t.Fatalf("payer %d", b)
		}
		if b, _ := f.balance(f.hk, payee); b != 108_50 {
			t.Fatalf("payee %d", b)
		}
		if f.reserve(f.dealerID, "CNY") != 10000_00-500_00+100_00 || f.reserve(f.dealerID, "HKD") != 1000_00-108_50 {
			t.Fatalf("dealer's reserves %d %d", f.reserve(f.dealerID, "CNY"), f.reserve(f.dealerID, "HKD"))
		}
		// Used once.
		_, err = f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: payer, To: payee}, nil)
		wantCode(t, err, ingot.CodeQuoteUnavailable)
		got, err := f.svc.FXExchange(f.ctx, f.dealer, ex.ID)
		if err != nil || got.Sell.ID != ex.Sell.ID || got.Buy.ID != ex.Buy.ID {
			t.Fatalf("read exchange: %+v %v", got, err)
		}
		_, err = f.svc.FXExchange(f.ctx, f.hk, ex.ID)
		wantCode(t, err, ingot.CodeNotFound)

		// Expired.
		q = f.quote(f.dealer, "CNY", "HKD", "", "10.00")
		if q.SellAmount != 922 { // 10 / 1.085 = 9.2166 CNY, rounded up
			t.Fatalf("buy-amount quote %+v", q)
		}
		f.clk.advance(fx.QuoteTTL)
		_, err = f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: payer, To: payee}, nil)
		wantCode(t, err, ingot.CodeQuoteUnavailable)
		// Another's quote is not found.
		q = f.quote(f.hk, "HKD", "CNY", "10.00", "")
		_, err = f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: payer, To: payee}, nil)
		wantCode(t, err, ingot.CodeNotFound)
		// Wrong currencies.
		q = f.quote(f.dealer, "CNY", "HKD", "1.00", "")
		_, err = f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: payer, To: payer}, nil)
		wantCode(t, err, ingot.CodeCurrencyMismatch)

		// The second leg refused (the payee's cap) undoes the first.
		if _, err := f.svc.SetLimits(f.ctx, f.hkma, ledger.LimitRequest{Currency: "HKD", WalletKind: "personal", Tier: 4, Balance: "150.00"}); err != nil {
			t.Fatal(err)
		}
		q = f.quote(f.dealer, "CNY", "HKD", "50.00", "")
		_, err = f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: payer, To: payee}, nil)
		wantCode(t, err, ingot.CodeLimitExceeded)
		if b, _ := f.balance(f.dealer, payer); b != 400_00 {
			t.Fatalf("payer after a refused exchange %d", b)
		}
		// The dealer short of the bought currency: neither leg.
		q = f.quote(f.dealer, "CNY", "HKD", "10.00", "")
		if _, err := f.svc.Issue(f.ctx, f.hkma, true, f.dealerID, "891.50", "HKD", nil); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: payer, To: payee}, nil)
		wantCode(t, err, ingot.CodeInsufficientFunds)
		if b, _ := f.balance(f.dealer, payer); b != 400_00 || f.reserve(f.dealerID, "CNY") != 9600_00 {
			t.Fatalf("after a dealer short of HKD: payer %d, dealer CNY %d", b, f.reserve(f.dealerID, "CNY"))
		}
		// The quote stays usable while valid: the dealer refills and it settles.
		if _, err := f.svc.Issue(f.ctx, f.hkma, false, f.dealerID, "100.00", "HKD", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: payer, To: payee}, nil); err != nil {
			t.Fatalf("the refused quote later: %v", err)
		}

		// A tier-4 payer may not pay across the border, but converts at home.
		t4 := f.wallet(f.dealer, "CNY", "50.00")
		q = f.quote(f.dealer, "CNY", "HKD", "10.00", "")
		_, err = f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: t4, To: payee}, nil)
		wantCode(t, err, ingot.CodeCrossBorderNotAllowed)
		own := f.wallet(f.dealer, "HKD", "")
		if ex, err := f.svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: t4, To: own}, nil); err != nil || ex.CrossBorder {
			t.Fatalf("a conversion at home: %+v %v", ex, err)
		}

		// No dealer for the pair, or above the rate's maximum.
		_, err = f.svc.FXQuote(f.ctx, f.dealer, ledger.QuoteIn{SellCurrency: "CNY", BuyCurrency: "JPY", SellAmount: "1.00"}, nil)
		wantCode(t, err, ingot.CodeQuoteUnavailable)
		_, err = f.svc.FXQuote(f.ctx, f.dealer, ledger.QuoteIn{SellCurrency: "CNY", BuyCurrency: "HKD", SellAmount: "5000.01"}, nil)
		wantCode(t, err, ingot.CodeQuoteUnavailable)
		// A dealer must be admitted to both currencies.
		_, err = f.svc.SetFXRate(f.ctx, f.hk, ledger.RateIn{Base: "CNY", Quote: "HKD", Bid: "1", Ask: "1.1", MaxAmount: "1.00", ValidUntil: f.clk.now().Add(time.Hour)})
		wantCode(t, err, ingot.CodeOperatorNotAdmitted)
		f.verifyDB()
	})
}

// TestFXRace: one quote, eight exchanges from two engines on one database:
// exactly one settles, the others answer quote_unavailable, and the books
// hold in both currencies.
func TestFXRace(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFXEnv(t, kind)
		svc2 := ledger.NewService(f.st, newEnvEngine(t, f.st), nil).WithPII(testPII())
		f.rate("CNY", "HKD", "1.0850", "1.0900", "5000.00")
		payer := f.wallet(f.dealer, "CNY", "500.00")
		payee := f.wallet(f.dealer, "HKD", "")
		for round := range 3 {
			q := f.quote(f.dealer, "CNY", "HKD", "10.00", "")
			var wins atomic.Int64
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					svc := f.svc
					if i%2 == 1 {
						svc = svc2
					}
					_, err := svc.Exchange(f.ctx, f.dealer, ledger.ExchangeIn{QuoteID: q.ID, From: payer, To: payee}, nil)
					if err == nil {
						wins.Add(1)
					} else if ingot.ErrorCode(err) != ingot.CodeQuoteUnavailable {
						t.Errorf("round %d: %v", round, err)
					}
				})
			}
			wg.Wait()
			if wins.Load() != 1 {
				t.Fatalf("round %d: %d exchanges settled one quote", round, wins.Load())
			}
		}
		if b, _ := f.balance(f.dealer, payer); b != 470_00 {
			t.Fatalf("payer %d after three exchanges", b)
		}
		if b, _ := f.balance(f.dealer, payee); b != 3*10_85 {
			t.Fatalf("payee %d after three exchanges", b)
		}
		f.verifyDB()
	})
}
