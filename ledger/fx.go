package ledger

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/fx"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// FX and payment-versus-payment (issue 15; package fx). An operator
// admitted to two currencies deals between them: it publishes a rate
// (SetFXRate), a caller asks for the best dealer's firm quote (FXQuote), and
// an exchange (Exchange) settles it: the payer's leg to the dealer's reserve
// and the dealer's leg from its other reserve to the payee, in one command,
// so both commit in one batch or neither does.

// MaxRateValidity is the longest a dealer's rate may stay valid.
const MaxRateValidity = 7 * 24 * time.Hour

// RateIn is the body of PUT /v1/fx/rates.
type RateIn struct {
	Base, Quote, Bid, Ask, MaxAmount string
	ValidUntil                       time.Time
}

// SetFXRate publishes the calling operator's rate for a pair, replacing
// its previous one for the same base and quote.
func (s *Service) SetFXRate(ctx context.Context, a ingot.Actor, in RateIn) (fx.Rate, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return fx.Rate{}, err
	}
	base, err := ingot.LookupCurrency(in.Base)
	if err != nil {
		return fx.Rate{}, ingot.Prefix(err, "base")
	}
	quote, err := ingot.LookupCurrency(in.Quote)
	if err != nil {
		return fx.Rate{}, ingot.Prefix(err, "quote")
	}
	max, err := ingot.ParseAmount(in.MaxAmount, base)
	if err != nil {
		return fx.Rate{}, ingot.Prefix(err, "max_amount")
	}
	now := s.now()
	if !in.ValidUntil.After(now) || in.ValidUntil.After(now.Add(MaxRateValidity)) {
		return fx.Rate{}, ingot.Errorf(ingot.CodeInvalidRequest, "valid_until must be in the future, at most %s ahead", MaxRateValidity)
	}
	r := fx.Rate{Dealer: a.OperatorID, Base: base.Code, Quote: quote.Code, Bid: in.Bid, Ask: in.Ask, MaxAmount: max,
		ValidUntil: in.ValidUntil.UTC().Truncate(time.Microsecond), UpdatedAt: now}
	if err := r.Check(); err != nil {
		return fx.Rate{}, err
	}
	for _, c := range []string{base.Code, quote.Code} { // issuers.go: a dealer holds reserves in both
		if err := s.requireAdmitted(ctx, a.OperatorID, c); err != nil {
			return fx.Rate{}, err
		}
	}
	if err := s.st.SetFXRate(ctx, r); err != nil {
		return fx.Rate{}, s.unavailable(ctx, err)
	}
	return r, nil
}

// FXRates lists the dealers' rates, valid or not, for operators and
// central banks.
func (s *Service) FXRates(ctx context.Context, a ingot.Actor) ([]fx.Rate, error) {
	if err := requireRole(a, ingot.RoleOperator, ingot.RoleCentralBank); err != nil {
		return nil, err
	}
	rs, err := s.st.FXRates(ctx, "", "")
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return rs, nil
}

// QuoteIn is the body of POST /v1/fx/quotes: exactly one of the amounts.
type QuoteIn struct {
	SellCurrency, BuyCurrency string
	SellAmount, BuyAmount     string
}

// FXQuote is the best dealer's firm quote for a request, valid
// fx.QuoteTTL (or until the dealer's rate ends, if sooner), for the caller
// alone, once. No dealer serving it is 409 quote_unavailable.
func (s *Service) FXQuote(ctx context.Context, a ingot.Actor, in QuoteIn, idem *Idem) (*fx.Quote, error) {
	if err := requireRole(a, walletRoles...); err != nil { // operators for their customers, holders for themselves
		return nil, err
	}
	sell, err := ingot.LookupCurrency(in.SellCurrency)
	if err != nil {
		return nil, ingot.Prefix(err, "sell_currency")
	}
	buy, err := ingot.LookupCurrency(in.BuyCurrency)
	if err != nil {
		return nil, ingot.Prefix(err, "buy_currency")
	}
	if sell.Code == buy.Code {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "sell_currency and buy_currency must differ")
	}
	req := fx.Request{Sell: sell, Buy: buy}
	switch {
	case (in.SellAmount == "") == (in.BuyAmount == ""):
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "give exactly one of sell_amount and buy_amount")
	case in.SellAmount != "":
		if req.SellAmount, err = ingot.ParseAmount(in.SellAmount, sell); err != nil {
			return nil, ingot.Prefix(err, "sell_amount")
		}
	default:
		if req.BuyAmount, err = ingot.ParseAmount(in.BuyAmount, buy); err != nil {
			return nil, ingot.Prefix(err, "buy_amount")
		}
	}
	if req.SellAmount <= 0 && req.BuyAmount <= 0 {
		return nil, ingot.Errorf(ingot.CodeInvalidAmount, "the amount must be positive")
	}
	rates, err := s.st.FXRates(ctx, sell.Code, buy.Code)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	now := s.now()
	o, ok := fx.Best(rates, req, now)
	if !ok {
		return nil, ingot.Errorf(ingot.CodeQuoteUnavailable, "no dealer quotes %s for %s for that amount now", sell.Code, buy.Code)
	}
	q := &fx.Quote{ID: newID(), Dealer: o.Rate.Dealer, SellCurrency: sell.Code, BuyCurrency: buy.Code, SellAmount: o.SellAmount, BuyAmount: o.BuyAmount,
		Base: o.Rate.Base, QuoteCurrency: o.Rate.Quote, Price: o.Price, RequestedBy: a.KeyID, CreatedAt: now,
		ExpiresAt: minTime(now.Add(fx.QuoteTTL), o.Rate.ValidUntil), Status: fx.QuoteOpen}
	rec, err := s.outcomeRecord(idem, q)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateFXQuote(ctx, *q, rec)
	return created(ctx, s, q, existing, err, idem)
}

// ExchangeIn is the body of POST /v1/fx/exchanges.
type ExchangeIn struct {
	QuoteID, From, To string
	// Purpose is an ISO 20022 purpose code for both legs (as
	// PayRequest.Purpose); a cross-border exchange needs one when the
	// sold currency's issuer requires it.
	Purpose string
	// Authorization is a holder's approval of the exchange as a payment of
	// the sold amount from From to To (Ingot-Authorization); "" none.
	Authorization string
}

// Exchange is a settled exchange: the quote it used and its two legs.
type Exchange struct {
	ID          string
	Quote       fx.Quote
	Sell, Buy   *ingot.Transfer // payer -> dealer, dealer -> payee
	CrossBorder bool
}

// Exchange settles a quote payment-versus-payment: From (the caller's
// wallet, in the sell currency) pays the dealer's reserve, and the
// dealer's reserve in the buy currency pays To (any wallet in it), both or
// neither. A used, expired or foreign quote is 409 quote_unavailable.
//
// A holder exchanges from its own wallet through the payment-approval gate
// (sca.go), as a payment of the sold amount from From to To: between its
// own wallets it is exempt; otherwise the low-value exemption or an
// approval bound to that payer, payee, amount and currency.
func (s *Service) Exchange(ctx context.Context, a ingot.Actor, in ExchangeIn, idem *Idem) (*Exchange, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(in.QuoteID); err != nil {
		return nil, notFound("quote " + in.QuoteID)
	}
	q, err := s.st.FXQuote(ctx, in.QuoteID)
	if isNotFound(err) || (err == nil && q.RequestedBy != a.KeyID) {
		return nil, notFound("quote " + in.QuoteID)
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	from, err := ingot.ParseWalletID(in.From)
	if err != nil {
		return nil, ingot.Prefix(err, "from")
	}
	to, err := ingot.ParseWalletID(in.To)
	if err != nil {
		return nil, ingot.Prefix(err, "to")
	}
	sellRes, err := s.account(ctx, ingot.AccountReserve, q.Dealer, q.SellCurrency)
	if err != nil {
		return nil, err
	}
	buyRes, err := s.account(ctx, ingot.AccountReserve, q.Dealer, q.BuyCurrency)
	if err != nil {
		return nil, err
	}
	if err := checkPurpose(in.Purpose); err != nil {
		return nil, err
	}
	c := &exchangeCmd{id: newID(), quote: q.ID, from: from, to: to, sellReserve: sellRes, buyReserve: buyRes, purpose: in.Purpose}
	g := scaGate{payer: from, payee: ingot.FormatWalletID(to), payeeWallet: to, amount: q.SellAmount, currency: q.SellCurrency, authorization: in.Authorization}
	return submitGated(ctx, s, a, command[*Exchange](c), g, idem)
}

// FXExchange reads an exchange, for the operator that made it.
func (s *Service) FXExchange(ctx context.Context, a ingot.Actor, id string) (*Exchange, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return nil, err
	}
	q, err := s.st.FXExchange(ctx, id)
	if err == nil {
		var payer ingot.Account
		if payer, err = s.st.Account(ctx, q.Payer); err == nil && !a.Owns(&payer) {
			err = store.ErrNotFound
		}
	}
	if isNotFound(err) {
		return nil, notFound("exchange " + id)
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	ex := &Exchange{ID: q.ExchangeID, Quote: q}
	for _, tid := range []string{q.SellTransfer, q.BuyTransfer} {
		t, err := s.st.Transfer(ctx, tid)
		if err != nil {
			return nil, s.unavailable(ctx, err)
		}
		if ex.Sell == nil {
			ex.Sell = &t
		} else {
			ex.Buy = &t
		}
	}
	return ex, nil
}

// ---- the engine's side ----

// fxState is the batch's quotes: those locked, and those used (written at
// commit).
type fxState struct {
	locked map[string]*fx.Quote
	used   []*fx.Quote
}

// fxQuote locks a quote, before the accounts.
func (l *lockSet) fxQuote(id string) {
	if l.quotes == nil {
		l.quotes = map[string]struct{}{}
	}
	l.quotes[id] = struct{}{}
}

// loadFXQuotes locks the batch's quotes.
func loadFXQuotes(ctx context.Context, tx store.BatchTx, ls *lockSet, st *state) error {
	if len(ls.quotes) == 0 {
		return nil
	}
	qs, err := tx.LockFXQuotes(ctx, sortedKeys(ls.quotes))
	if err != nil {
		return err
	}
	st.fxq.locked = make(map[string]*fx.Quote, len(qs))
	for i := range qs {
		st.fxq.locked[qs[i].ID] = &qs[i]
	}
	return nil
}

// useQuote marks a quote used by an exchange.
func (s *state) useQuote(q *fx.Quote, exchangeID string, payer, payee int64, sell, buy *ingot.Transfer) {
	old := *q
	n := len(s.fxq.used)
	s.onUndo(func() {
		*q = old
		s.fxq.used = s.fxq.used[:n]
	})
	q.Status, q.ExchangeID, q.Payer, q.Payee, q.SellTransfer, q.BuyTransfer, q.UsedAt = fx.QuoteUsed, exchangeID, payer, payee, sell.ID, buy.ID, s.now
	s.fxq.used = append(s.fxq.used, q)
}

// writeFXQuotes is the batch's used quotes, by id.
func (s *state) writeFXQuotes() []fx.Quote {
	out := make([]fx.Quote, 0, len(s.fxq.used))
	for _, q := range s.fxq.used {
		out = append(out, *q)
	}
	slices.SortFunc(out, func(a, b fx.Quote) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// exchangeCmd settles a quote: the payer's leg to the dealer and the
// dealer's leg to the payee, both or neither.
type exchangeCmd struct {
	id                      string
	quote                   string
	from, to                int64
	sellReserve, buyReserve int64
	purpose                 string // ISO 20022 purpose code of both legs, "" none
}

func (c *exchangeCmd) locks(ls *lockSet) {
	ls.fxQuote(c.quote)
	ls.account(c.from, c.sellReserve, c.buyReserve)
	ls.credit(c.to)
}

// pairs names the exchange's payer and payee for the risk rules (risk.go).
func (c *exchangeCmd) pairs(_ *state, add func(payer, payee int64)) { add(c.from, c.to) }

func (c *exchangeCmd) apply(s *state, a ingot.Actor) (*Exchange, error) {
	q := s.fxq.locked[c.quote]
	if q == nil {
		return nil, notFound("quote " + c.quote)
	}
	if !q.Usable(s.now) {
		if q.Status == fx.QuoteUsed {
			return nil, ingot.Errorf(ingot.CodeQuoteUnavailable, "quote %s was used by exchange %s", q.ID, q.ExchangeID)
		}
		return nil, ingot.Errorf(ingot.CodeQuoteUnavailable, "quote %s expired at %s", q.ID, q.ExpiresAt.Format(time.RFC3339))
	}
	from, to := s.accounts[c.from], s.accounts[c.to]
	if from == nil || !a.Owns(from) {
		return nil, notFound("wallet " + ingot.FormatWalletID(c.from))
	}
	if to == nil || to.Kind != ingot.AccountWallet {
		return nil, notFound("wallet " + ingot.FormatWalletID(c.to))
	}
	if from.Currency != q.SellCurrency || to.Currency != q.BuyCurrency {
		return nil, ingot.Errorf(ingot.CodeCurrencyMismatch, "the quote sells %s for %s: from must be a %s wallet and to a %s wallet (they are %s and %s)",
			q.SellCurrency, q.BuyCurrency, q.SellCurrency, q.BuyCurrency, from.Currency, to.Currency)
	}
	cross := s.country(from) != s.country(to)
	s.xb.purpose = c.purpose
	corridor, err := s.checkCrossBorder(ingot.KindPayment, from, to, q.SellAmount) // jurisdiction.go: as a payment between them
	s.xb.purpose = ""
	if err != nil {
		return nil, err
	}
	sellRisk, buyRisk, err := s.assessExchange(a, from, to, q)
	if err != nil {
		return nil, err
	}
	sell, err := s.move(ingot.KindFXSell, from, s.accounts[c.sellReserve], q.SellAmount, q.SellCurrency, "", "")
	if err != nil {
		return nil, err
	}
	buy, err := s.move(ingot.KindFXBuy, s.accounts[c.buyReserve], to, q.BuyAmount, q.BuyCurrency, "", "")
	if err != nil {
		return nil, err // the engine undoes the first leg with the command
	}
	if sellRisk != nil {
		if err := s.recordRiskOf(sellRisk, sell, from, to, q.BuyAmount, buyRisk.th); err != nil {
			return nil, err
		}
		if err := s.raiseHits(buyRisk, buy, from, to); err != nil {
			return nil, err
		}
	}
	s.countCorridor(corridor, q.SellAmount)
	sell.Reference, buy.Reference = c.id, c.id
	sell.Purpose, buy.Purpose = c.purpose, c.purpose
	s.useQuote(q, c.id, from.ID, to.ID, sell, buy)
	return &Exchange{ID: c.id, Quote: *q, Sell: sell, Buy: buy, CrossBorder: cross}, nil
}

// assessExchange runs the risk rules on an exchange as a payment from the
// payer to the payee, once per leg in its own currency: the sold amount as
// the payer pays it, and the bought amount as the payee gets it. Either
// leg's deny refuses both; a review, which an exchange cannot wait for,
// refuses it too (risk_denied), and so does an approval unless a holder's
// own exchange carries it (enforce). The payer's spending rule
// sees the sold amount. Nil: no risk state (the batch pays nothing).
func (s *state) assessExchange(a ingot.Actor, from, to *ingot.Account, q *fx.Quote) (sell, buy *assessment, err error) {
	if sell, err = s.assess(ingot.KindPayment, from, to, q.SellAmount, q.SellCurrency); err != nil || sell == nil {
		return nil, nil, err
	}
	if buy, err = s.assess(ingot.KindPayment, from, to, q.BuyAmount, q.BuyCurrency); err != nil {
		return nil, nil, err
	}
	if s.reviewed {
		return sell, buy, nil
	}
	if err := s.checkSpending(sell, from); err != nil { // spending.go
		return nil, nil, err
	}
	for _, as := range []*assessment{sell, buy} {
		switch d := as.decision; d.Action {
		case risk.ActionReview:
			return nil, nil, riskDenied(d.By, a, "refused for review (an exchange cannot be held)")
		case risk.ActionApprove:
			if s.sca.gate == nil { // an operator's exchange: no holder to ask
				return nil, nil, riskDenied(d.By, a, "refused: it needs the holder's approval, which only the holder's own exchange can give")
			}
		}
		if err := s.enforce(as, a); err != nil {
			return nil, nil, err
		}
	}
	return sell, buy, nil
}
