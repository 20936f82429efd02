package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/ingot-cbdc/ingot/client"
)

// Exchanging between the holder's own wallets (docs/web.md): the holder
// picks a wallet to sell from, one of its wallets in another currency to
// buy into, and the amount to sell; the page shows the best dealer's firm
// quote (what is paid and got, the rate, until when) and exchanges it on
// confirmation, both legs in one batch or neither (docs/cross-border.md).
// A quote unused in 30 s expires; the API then answers quote_unavailable
// and the holder asks again.

// exchangeQuote is a quote shown for confirmation, with the wallets it
// exchanges between and the confirmation's idempotency key.
type exchangeQuote struct {
	client.FXQuote
	From, To, Idem string
}

// CanExchange reports whether the holder has wallets in two currencies.
func (d walletData) CanExchange() bool {
	for _, w := range d.Wallets {
		if w.Currency != d.Wallets[0].Currency {
			return true
		}
	}
	return false
}

func findWallet(ws []client.Wallet, id string) *client.Wallet {
	for i := range ws {
		if ws[i].ID == id {
			return &ws[i]
		}
	}
	return nil
}

func (w *Web) exchangeRoutes() {
	w.handle("POST /wallet/exchange/quote", func(q *req) {
		if !q.holder() {
			return
		}
		me, ok := q.me()
		if !ok {
			return
		}
		f := q.r.PostForm
		from, to := findWallet(me.Wallets, f.Get("from")), findWallet(me.Wallets, f.Get("to"))
		if from == nil || to == nil || from.Currency == to.Currency {
			q.wallet(http.StatusUnprocessableEntity, "", q.t("fx.pick"), nil)
			return
		}
		qt, err := q.client().CreateFXQuote(q.r.Context(), client.QuoteRequest{SellCurrency: from.Currency, BuyCurrency: to.Currency,
			SellAmount: strings.TrimSpace(f.Get("amount"))})
		if err != nil {
			q.wallet(http.StatusUnprocessableEntity, "", q.problem(err), nil)
			return
		}
		q.walletWith(http.StatusOK, "", "", nil, func(d *walletData) {
			d.Quote = &exchangeQuote{FXQuote: *qt, From: from.ID, To: to.ID, Idem: idemKey()}
		})
	})
	w.handle("POST /wallet/exchange", func(q *req) {
		if !q.holder() {
			return
		}
		f := q.r.PostForm
		q.exchange(&approval{Purpose: "exchange", From: f.Get("from"), To: f.Get("to"), Quote: f.Get("quote"), Idem: f.Get("idem")}, "")
	})
}

// exchange settles a confirmed quote. One that needs approval (a risk
// rule's) shows the approval, bound to the sold amount.
func (q *req) exchange(a *approval, authorization string) {
	opts := []client.CallOption{client.WithIdempotencyKey(retryKey(a.Idem, authorization))}
	if authorization != "" {
		opts = append(opts, client.WithAuthorization(authorization))
	}
	ex, err := q.client().CreateFXExchange(q.r.Context(), client.ExchangeRequest{QuoteID: a.Quote, From: a.From, To: a.To}, opts...)
	if needsApproval(err, a) {
		a.Purpose = "exchange"
		q.wallet(http.StatusOK, "", "", a)
		return
	}
	var e *client.Error
	if errors.As(err, &e) && e.Code == "quote_unavailable" {
		q.wallet(http.StatusUnprocessableEntity, "", q.t("fx.expired"), nil)
		return
	}
	if err != nil {
		q.wallet(http.StatusUnprocessableEntity, "", q.problem(err), nil)
		return
	}
	qt := ex.Quote
	q.wallet(http.StatusOK, fmt.Sprintf("%s: %s → %s", q.t("fx.done"), money(q.lang, qt.SellAmount, qt.SellCurrency),
		money(q.lang, qt.BuyAmount, qt.BuyCurrency)), "", nil)
}
