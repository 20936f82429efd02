package fx

import (
	"math/big"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
)

var (
	cny = ingot.MustCurrency("CNY")
	hkd = ingot.MustCurrency("HKD")
	jpy = ingot.MustCurrency("JPY")
	kwd = ingot.MustCurrency("KWD")
	t0  = time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
)

func rate(base, quote, bid, ask string, max int64) Rate {
	return Rate{Dealer: "d", Base: base, Quote: quote, Bid: bid, Ask: ask, MaxAmount: max, ValidUntil: t0.Add(time.Hour)}
}

// TestPriceRounding: the customer gets the bid selling base and pays the
// ask buying it; what it receives is rounded down and what it pays up,
// by less than one minor unit, across exponents.
func TestPriceRounding(t *testing.T) {
	r := rate("CNY", "HKD", "1.0850", "1.0900", 1_000_000_00)
	for _, c := range []struct {
		name      string
		q         Request
		sell, buy int64
	}{
		{"sell base for quote at the bid", Request{Sell: cny, Buy: hkd, SellAmount: 100_00}, 100_00, 108_50},
		{"sell base, rounded down", Request{Sell: cny, Buy: hkd, SellAmount: 1}, 1, 1},                          // 1.085 -> 1
		{"sell base, rounded down 2", Request{Sell: cny, Buy: hkd, SellAmount: 3}, 3, 3},                        // 3.255 -> 3
		{"buy quote with base, sell rounded up", Request{Sell: cny, Buy: hkd, BuyAmount: 100_00}, 9217, 100_00}, // 92.1659 -> 92.17
		{"buy base with quote at the ask", Request{Sell: hkd, Buy: cny, BuyAmount: 100_00}, 109_00, 100_00},
		{"sell quote for base, rounded down", Request{Sell: hkd, Buy: cny, SellAmount: 100_00}, 100_00, 9174}, // 91.743 -> 91.74
	} {
		o, ok := Price(&r, c.q, t0)
		if !ok || o.SellAmount != c.sell || o.BuyAmount != c.buy {
			t.Errorf("%s: %+v %v, want sell %d buy %d", c.name, o, ok, c.sell, c.buy)
		}
		// The dealer's favour, by less than one minor unit: the exact
		// value lies within [buy, buy+1) and (sell-1, sell].
		exact := new(big.Rat).SetFrac64(o.SellAmount, 1)
		if c.q.Sell.Code == "CNY" {
			exact.Mul(exact, big.NewRat(10850, 10000))
		} else {
			exact.Quo(exact, big.NewRat(10900, 10000))
		}
		lo, hi := new(big.Rat).SetInt64(o.BuyAmount), new(big.Rat).SetInt64(o.BuyAmount+1)
		if c.q.SellAmount > 0 && (exact.Cmp(lo) < 0 || exact.Cmp(hi) >= 0) {
			t.Errorf("%s: exact %s not in [%d, %d)", c.name, exact.FloatString(4), o.BuyAmount, o.BuyAmount+1)
		}
	}
	// Exponents: JPY has none, KWD three.
	j := rate("CNY", "JPY", "21.5", "21.7", 1_000_000_00)
	if o, ok := Price(&j, Request{Sell: cny, Buy: jpy, SellAmount: 10_00}, t0); !ok || o.BuyAmount != 215 {
		t.Errorf("CNY->JPY: %+v %v", o, ok)
	}
	k := rate("KWD", "CNY", "23.1", "23.3", 1_000_000_000)
	if o, ok := Price(&k, Request{Sell: cny, Buy: kwd, SellAmount: 100_00}, t0); !ok || o.BuyAmount != 4291 { // 100/23.3 = 4.2918 KWD
		t.Errorf("CNY->KWD: %+v %v", o, ok)
	}
}

// TestPriceRefuses: another pair, an expired rate, above the maximum, an
// amount that rounds to nothing.
func TestPriceRefuses(t *testing.T) {
	r := rate("CNY", "HKD", "1.085", "1.09", 1000_00)
	for name, c := range map[string]struct {
		q   Request
		now time.Time
	}{
		"other pair":       {Request{Sell: cny, Buy: jpy, SellAmount: 100}, t0},
		"expired":          {Request{Sell: cny, Buy: hkd, SellAmount: 100}, t0.Add(time.Hour)},
		"above max":        {Request{Sell: cny, Buy: hkd, SellAmount: 1000_01}, t0},
		"max in base":      {Request{Sell: hkd, Buy: cny, BuyAmount: 1000_01}, t0},
		"rounds to 0":      {Request{Sell: hkd, Buy: cny, SellAmount: 1}, t0},
		"no amount at all": {Request{Sell: cny, Buy: hkd}, t0},
	} {
		if o, ok := Price(&r, c.q, c.now); ok {
			t.Errorf("%s: served %+v", name, o)
		}
	}
}

// TestBest picks the best offer for the customer, whichever side quotes.
func TestBest(t *testing.T) {
	rs := []Rate{rate("CNY", "HKD", "1.080", "1.095", 1e9), rate("CNY", "HKD", "1.085", "1.099", 1e9), rate("HKD", "CNY", "0.9180", "0.9200", 1e9)}
	rs[1].Dealer, rs[2].Dealer = "e", "f"
	o, ok := Best(rs, Request{Sell: cny, Buy: hkd, SellAmount: 100_00}, t0)
	if !ok || o.Rate.Dealer != "f" || o.BuyAmount != 10869 { // 100 / 0.92 = 108.695...
		t.Fatalf("selling CNY: %+v %v", o, ok)
	}
	o, ok = Best(rs, Request{Sell: hkd, Buy: cny, SellAmount: 100_00}, t0)
	if !ok || o.Rate.Dealer != "f" || o.BuyAmount != 9180 {
		t.Fatalf("selling HKD: %+v %v", o, ok)
	}
	if _, ok := Best(rs, Request{Sell: cny, Buy: jpy, SellAmount: 1}, t0); ok {
		t.Fatal("no dealer quotes JPY")
	}
}

func TestCheck(t *testing.T) {
	for _, r := range []Rate{rate("CNY", "CNY", "1", "1", 1), rate("CNY", "HKD", "1.1", "1.0", 1), rate("CNY", "HKD", "1", "1", 0),
		rate("CNY", "HKD", "-1", "1", 1), rate("CNY", "HKD", "1e3", "1", 1), rate("CNY", "HKD", "0", "1", 1), rate("CNY", "HKD", "1.12345678901", "2", 1)} {
		if err := r.Check(); err == nil {
			t.Errorf("%+v passed", r)
		}
	}
	ok := rate("CNY", "HKD", "1.08", "1.08", 1)
	if err := ok.Check(); err != nil {
		t.Fatal(err)
	}
}

// FuzzParseRate: no input panics; what parses is positive and prints back
// to the same value.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"7.8125", "0.0000000001", "999999999.9999999999", "1", "0", "01", "1.", "-1", "1e5", " 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate("rate", s)
		if err != nil {
			return
		}
		if r.Sign() <= 0 {
			t.Fatalf("%q parsed to %s", s, r)
		}
		back, ok := new(big.Rat).SetString(r.FloatString(MaxRateDigits))
		if !ok || back.Cmp(r) != 0 {
			t.Fatalf("%q does not round-trip: %s", s, r.FloatString(MaxRateDigits))
		}
	})
}
