package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/fx"
	"github.com/ingot-cbdc/ingot/ledger"
)

// FX and payment-versus-payment (issue 15): dealers' rates, firm quotes,
// exchanges whose two legs settle together.

// FXRate is a dealer's rate: Quote units per one Base; a customer selling
// Base gets the bid, buying it pays the ask.
type FXRate struct {
	Dealer     string    `json:"dealer" doc:"The dealer operator's id."`
	Base       string    `json:"base"`
	Quote      string    `json:"quote"`
	Bid        string    `json:"bid"`
	Ask        string    `json:"ask"`
	MaxAmount  string    `json:"max_amount" doc:"The most of base one exchange at this rate moves."`
	ValidUntil time.Time `json:"valid_until"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func fxRateOut(r *fx.Rate) FXRate {
	return FXRate{Dealer: r.Dealer, Base: r.Base, Quote: r.Quote, Bid: r.Bid, Ask: r.Ask, MaxAmount: amt(r.MaxAmount, r.Base),
		ValidUntil: r.ValidUntil.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// FXQuote is a dealer's firm quote, for its requester alone, once.
type FXQuote struct {
	ID           string    `json:"id"`
	Dealer       string    `json:"dealer" doc:"The dealer operator's id."`
	SellCurrency string    `json:"sell_currency"`
	BuyCurrency  string    `json:"buy_currency"`
	SellAmount   string    `json:"sell_amount" doc:"What the payer pays: rounded up when buy_amount was asked for."`
	BuyAmount    string    `json:"buy_amount" doc:"What the payee gets: rounded down when sell_amount was asked for."`
	Rate         string    `json:"rate" doc:"The dealer's rate applied: its bid or ask, in units of quote_currency per one base."`
	Base         string    `json:"base"`
	Quote        string    `json:"quote_currency"`
	ExpiresAt    time.Time `json:"expires_at"`
	Status       string    `json:"status" enum:"open,used"`
	ExchangeID   string    `json:"exchange_id,omitempty"`
}

func fxQuoteOut(q *fx.Quote) FXQuote {
	return FXQuote{ID: q.ID, Dealer: q.Dealer, SellCurrency: q.SellCurrency, BuyCurrency: q.BuyCurrency, SellAmount: amt(q.SellAmount, q.SellCurrency),
		BuyAmount: amt(q.BuyAmount, q.BuyCurrency), Rate: q.Price, Base: q.Base, Quote: q.QuoteCurrency, ExpiresAt: q.ExpiresAt.UTC(),
		Status: string(q.Status), ExchangeID: q.ExchangeID}
}

// FXExchange is a settled exchange: both legs, one id.
type FXExchange struct {
	ID          string     `json:"id"`
	Quote       FXQuote    `json:"quote"`
	From        string     `json:"from"`
	To          string     `json:"to"`
	CrossBorder bool       `json:"cross_border" doc:"The two wallets are in two jurisdictions."`
	Legs        []Transfer `json:"legs" doc:"The payer's leg to the dealer (fx_sell), then the dealer's leg to the payee (fx_buy)."`
}

func (s *server) fxExchangeOut(ctx context.Context, ex *ledger.Exchange) FXExchange {
	out := FXExchange{ID: ex.ID, Quote: fxQuoteOut(&ex.Quote), CrossBorder: ex.CrossBorder}
	if ex.Sell != nil && ex.Buy != nil {
		out.From, out.To = ingot.FormatWalletID(ex.Sell.Debit), ingot.FormatWalletID(ex.Buy.Credit)
		out.Legs = []Transfer{transferOut(ex.Sell, ex.Quote.Dealer), transferOut(ex.Buy, ex.Quote.Dealer)}
	}
	return out
}

type setRateIn struct {
	Body struct {
		Base       string    `json:"base" example:"CNY"`
		Quote      string    `json:"quote" example:"HKD"`
		Bid        string    `json:"bid" maxLength:"24" doc:"Units of quote a customer selling one base gets." example:"1.0850"`
		Ask        string    `json:"ask" maxLength:"24" doc:"Units of quote a customer buying one base pays." example:"1.0900"`
		MaxAmount  string    `json:"max_amount" doc:"The most of base one exchange at this rate moves." example:"50000.00"`
		ValidUntil time.Time `json:"valid_until" doc:"The rate serves quotes until then (at most 7 days ahead)."`
	}
}

type quoteIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		SellCurrency string `json:"sell_currency" example:"CNY"`
		BuyCurrency  string `json:"buy_currency" example:"HKD"`
		SellAmount   string `json:"sell_amount,omitempty" doc:"What the payer pays; or give buy_amount." example:"100.00"`
		BuyAmount    string `json:"buy_amount,omitempty" doc:"What the payee is to get; or give sell_amount."`
	}
}

type exchangeIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Authorization  string `header:"Ingot-Authorization" maxLength:"64" doc:"A holder's exchange that needs approval (as a payment of the sold amount to the payee): the id of the approved authorization."`
	Body           struct {
		QuoteID string `json:"quote_id" doc:"A quote of yours, open and unexpired."`
		From    string `json:"from" doc:"Your wallet in the sell currency."`
		To      string `json:"to" doc:"Any wallet in the buy currency, at any operator, in any jurisdiction."`
		Purpose string `json:"purpose,omitempty" maxLength:"4" doc:"An ISO 20022 purpose code (Purp/Cd) for both legs; required across borders when the sold currency's issuer says so." example:"GDDS"`
	}
}

type exchangeIDIn struct {
	ID string `path:"id"`
}

func (s *server) fxRoutes() {
	put(s, "setFXRate", "/v1/fx/rates", "Publish your rate for a currency pair (a dealer: an operator admitted to both)", "FX", s.setFXRate)
	get(s, "listFXRates", "/v1/fx/rates", "Every dealer's rates", "FX", s.listFXRates)
	post(s, "createFXQuote", "/v1/fx/quotes", "The best dealer's firm quote, valid 30 s, for you alone, once", http.StatusCreated, "FX", s.createFXQuote)
	post(s, "createFXExchange", "/v1/fx/exchanges", "Settle a quote payment-versus-payment: both legs in one batch or neither", http.StatusCreated, "FX", s.createFXExchange)
	get(s, "getFXExchange", "/v1/fx/exchanges/{id}", "One of your exchanges", "FX", s.getFXExchange)
}

func (s *server) setFXRate(ctx context.Context, in *setRateIn) (*Body[FXRate], error) {
	r, err := s.svc.SetFXRate(ctx, actor(ctx), ledger.RateIn{Base: in.Body.Base, Quote: in.Body.Quote, Bid: in.Body.Bid, Ask: in.Body.Ask,
		MaxAmount: in.Body.MaxAmount, ValidUntil: in.Body.ValidUntil})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[FXRate]{Body: fxRateOut(&r)}, nil
}

func (s *server) listFXRates(ctx context.Context, _ *struct{}) (*Body[List[FXRate]], error) {
	rs, err := s.svc.FXRates(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[FXRate]{Items: make([]FXRate, len(rs))}
	for i := range rs {
		out.Items[i] = fxRateOut(&rs[i])
	}
	return &Body[List[FXRate]]{Body: out}, nil
}

func (s *server) createFXQuote(ctx context.Context, in *quoteIn) (*Out[FXQuote], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*fx.Quote, error) {
			return s.svc.FXQuote(ctx, actor(ctx), ledger.QuoteIn{SellCurrency: in.Body.SellCurrency, BuyCurrency: in.Body.BuyCurrency,
				SellAmount: in.Body.SellAmount, BuyAmount: in.Body.BuyAmount}, idem)
		}, fxQuoteOut)
}

func (s *server) createFXExchange(ctx context.Context, in *exchangeIn) (*Out[FXExchange], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ledger.Exchange, error) {
			return s.svc.Exchange(ctx, actor(ctx), ledger.ExchangeIn{QuoteID: in.Body.QuoteID, From: in.Body.From, To: in.Body.To, Purpose: in.Body.Purpose, Authorization: in.Authorization}, idem)
		}, func(ex *ledger.Exchange) FXExchange { return s.fxExchangeOut(ctx, ex) })
}

func (s *server) getFXExchange(ctx context.Context, in *exchangeIDIn) (*Body[FXExchange], error) {
	ex, err := s.svc.FXExchange(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[FXExchange]{Body: s.fxExchangeOut(ctx, ex)}, nil
}
