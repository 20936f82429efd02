// Package fx is Ingot's foreign exchange arithmetic (issue 15): dealers'
// rates, the price a customer gets, firm quotes and their rounding. It does
// no I/O; the ledger stores rates and quotes and settles exchanges
// payment-versus-payment.
//
// A rate is units of Quote per one unit of Base, as a dealer publishes it:
// a customer selling Base gets the Bid, a customer buying Base pays the
// Ask. Amounts are int64 minor units; the arithmetic is exact (math/big
// rationals), and the one rounding is always in the dealer's favour by
// less than one minor unit: what the customer receives is rounded down,
// what it pays is rounded up.
package fx

import (
	"math/big"
	"regexp"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// QuoteTTL is how long a quote is firm.
const QuoteTTL = 30 * time.Second

// MaxRateDigits bounds a rate's fractional digits.
const MaxRateDigits = 10

var rateRe = regexp.MustCompile(`^(0|[1-9][0-9]{0,8})(\.[0-9]{1,10})?$`)

// ParseRate reads a decimal rate ("7.8125"): positive, at most 9 integer
// and MaxRateDigits fractional digits, no exponent, sign or spaces.
func ParseRate(field, s string) (*big.Rat, error) {
	if !rateRe.MatchString(s) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "%s must be a positive decimal like \"7.8125\" (at most 9 integer and %d fractional digits)", field, MaxRateDigits)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || r.Sign() <= 0 {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "%s must be a positive decimal like \"7.8125\"", field)
	}
	return r, nil
}

// Rate is a dealer's price for a pair of currencies.
type Rate struct {
	Dealer      string // the operator's id
	Base, Quote string // ISO 4217 codes
	Bid, Ask    string // decimal strings, as the dealer set them; Bid <= Ask
	// MaxAmount is the most of Base one exchange at this rate moves, in
	// Base's minor units.
	MaxAmount  int64
	ValidUntil time.Time
	UpdatedAt  time.Time
}

// Check validates a rate: two different currencies, 0 < bid <= ask, a
// positive maximum.
func (r *Rate) Check() error {
	if r.Base == r.Quote {
		return ingot.Errorf(ingot.CodeInvalidRequest, "base and quote must be two currencies")
	}
	bid, err := ParseRate("bid", r.Bid)
	if err != nil {
		return err
	}
	ask, err := ParseRate("ask", r.Ask)
	if err != nil {
		return err
	}
	if bid.Cmp(ask) > 0 {
		return ingot.Errorf(ingot.CodeInvalidRequest, "bid must not be above ask")
	}
	if r.MaxAmount <= 0 {
		return ingot.Errorf(ingot.CodeInvalidAmount, "max_amount must be positive")
	}
	return nil
}

// Request is what a customer asks for: to sell one currency for another,
// either a given SellAmount or enough to get a given BuyAmount (exactly
// one of the two is positive).
type Request struct {
	Sell, Buy             ingot.Currency
	SellAmount, BuyAmount int64
}

// Offer is what one rate gives for a request.
type Offer struct {
	Rate                  *Rate
	Price                 string // the rate applied: the Bid or the Ask
	SellAmount, BuyAmount int64
}

// Price is what a rate gives for a request, or false when it does not
// serve it (another pair, expired at now, above its maximum, or an amount
// that rounds to nothing or overflows).
func Price(r *Rate, q Request, now time.Time) (Offer, bool) {
	if !now.Before(r.ValidUntil) {
		return Offer{}, false
	}
	var p *big.Rat // units of Buy per unit of Sell, major units
	var price string
	switch {
	case r.Base == q.Sell.Code && r.Quote == q.Buy.Code: // the customer sells Base: the bid
		bid, err := ParseRate("bid", r.Bid)
		if err != nil {
			return Offer{}, false
		}
		p, price = bid, r.Bid
	case r.Base == q.Buy.Code && r.Quote == q.Sell.Code: // the customer buys Base: the ask
		ask, err := ParseRate("ask", r.Ask)
		if err != nil {
			return Offer{}, false
		}
		p, price = new(big.Rat).Inv(ask), r.Ask
	default:
		return Offer{}, false
	}
	// Minor units: buy = sell * p * 10^(eBuy - eSell).
	m := new(big.Rat).Mul(p, pow10(q.Buy.Exponent-q.Sell.Exponent))
	o := Offer{Rate: r, Price: price}
	if q.SellAmount > 0 {
		buy := new(big.Rat).Mul(new(big.Rat).SetInt64(q.SellAmount), m)
		v, ok := floor(buy)
		if !ok || v <= 0 {
			return Offer{}, false
		}
		o.SellAmount, o.BuyAmount = q.SellAmount, v
	} else {
		sell := new(big.Rat).Quo(new(big.Rat).SetInt64(q.BuyAmount), m)
		v, ok := ceil(sell)
		if !ok || v <= 0 {
			return Offer{}, false
		}
		o.SellAmount, o.BuyAmount = v, q.BuyAmount
	}
	base := o.SellAmount
	if r.Base == q.Buy.Code {
		base = o.BuyAmount
	}
	if base > r.MaxAmount || o.SellAmount > ingot.MaxAmount || o.BuyAmount > ingot.MaxAmount {
		return Offer{}, false
	}
	return o, true
}

// Better reports whether offer a is better for the customer than b: more
// bought for the same sale, or less sold for the same purchase.
func Better(a, b Offer) bool {
	if a.BuyAmount != b.BuyAmount {
		return a.BuyAmount > b.BuyAmount
	}
	return a.SellAmount < b.SellAmount
}

// Best is the best offer of some rates for a request, or false when none
// serves it. Ties go to the rate listed first.
func Best(rates []Rate, q Request, now time.Time) (Offer, bool) {
	var best Offer
	found := false
	for i := range rates {
		o, ok := Price(&rates[i], q, now)
		if ok && (!found || Better(o, best)) {
			best, found = o, true
		}
	}
	return best, found
}

func pow10(n int) *big.Rat {
	r := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(n))), nil))
	if n < 0 {
		r.Inv(r)
	}
	return r
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// floor is the largest int64 not above r, false when out of range.
func floor(r *big.Rat) (int64, bool) {
	q := new(big.Int).Quo(r.Num(), r.Denom()) // r >= 0 here: truncation is floor
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}

// ceil is the smallest int64 not below r (r >= 0), false when out of range.
func ceil(r *big.Rat) (int64, bool) {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}

// Status is a quote's state.
type Status string

// Quote states.
const (
	QuoteOpen Status = "open" // firm until ExpiresAt
	QuoteUsed Status = "used" // an exchange settled it
)

// Quote is a dealer's firm offer to one caller: sell SellAmount of
// SellCurrency for BuyAmount of BuyCurrency until ExpiresAt, once.
type Quote struct {
	ID                         string // UUIDv7
	Dealer                     string // the dealer operator's id
	SellCurrency, BuyCurrency  string
	SellAmount, BuyAmount      int64
	Base, QuoteCurrency, Price string // the rate applied: Price units of QuoteCurrency per Base
	// RequestedBy is the Idempotency-Key scope of the caller (an API key,
	// or a holder): only it may use the quote.
	RequestedBy string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	Status      Status
	// The exchange that used it.
	ExchangeID                string
	Payer, Payee              int64 // wallets
	SellTransfer, BuyTransfer string
	UsedAt                    time.Time
}

// Usable reports whether a quote may still be used at now.
func (q *Quote) Usable(now time.Time) bool {
	return q.Status == QuoteOpen && now.Before(q.ExpiresAt)
}
