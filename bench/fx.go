package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ingot-cbdc/ingot"
	ingotclient "github.com/ingot-cbdc/ingot/client"
)

// The fx scenario (issue 15): each request is a quote and an exchange. A
// second issuer issues a currency nobody issues yet (the first free of
// fxCurrencies) and admits both operators; operator A deals, with reserves
// in both currencies; each exchange sells one payment's amount from a
// random wallet of A to a random wallet of B in the second currency,
// payment-versus-payment: two transfers per exchange.

// fxCurrencies are the currencies the scenario's second issuer may take,
// in order: one that no issuer issues yet in the database.
var fxCurrencies = []string{"HKD", "SGD", "MOP", "THB", "AED", "SAR", "MYR", "IDR", "AUD", "NZD", "CHF", "SEK"}

// FXPayees is the most wallets the fx scenario opens in the second
// currency.
const FXPayees = 1000

// FXBid and FXAsk are the dealer's rate in the fx scenario: units of the
// second currency per unit of the first.
const (
	FXBid = "1.0850"
	FXAsk = "1.0900"
)

// setupFX makes the second issuer and currency, admits the operators,
// mints the dealer's reserve and opens the payees.
func setupFX(ctx context.Context, c *client, cfg *Config, fx *fixture) error {
	var iss *ingotclient.Issuer
	for _, code := range fxCurrencies {
		if code == fx.cur.Code {
			continue
		}
		i, err := c.api(cfg.Key).CreateIssuer(ctx, ingotclient.CreateIssuerRequest{Name: "Bench issuer " + fx.runID, Country: "HK", Currencies: []string{code}})
		var ce *ingotclient.Error
		if errors.As(err, &ce) && ce.Code == ingot.CodeConflict {
			continue // issued already: the next
		}
		if err != nil {
			return fmt.Errorf("bench: fx scenario: the second issuer: %w", err)
		}
		iss = i
		break
	}
	if iss == nil {
		return fmt.Errorf("bench: fx scenario: every currency of %v has an issuer already in this database", fxCurrencies)
	}
	cur, err := ingot.LookupCurrency(iss.Currencies[0])
	if err != nil {
		return err
	}
	fx.fxCur, fx.fxKey = cur, iss.APIKey
	for _, op := range fx.ops {
		if err := c.api(iss.APIKey).AdmitOperator(ctx, iss.ID, op.id); err != nil {
			return fmt.Errorf("bench: fx scenario: admit %s: %w", op.code, err)
		}
	}
	// The dealer's reserve in the second currency covers every exchange
	// the run could make: one payment's amount each, at the bid.
	fx.fxMinted = ingot.MaxAmount / 4
	if _, err := c.api(iss.APIKey).Mint(ctx, ingotclient.IssueRequest{OperatorID: fx.ops[0].id, Amount: ingot.FormatAmount(fx.fxMinted, cur), Currency: cur.Code}); err != nil {
		return fmt.Errorf("bench: fx scenario: mint %s: %w", cur.Code, err)
	}
	fx.setup++
	if _, err := c.api(fx.ops[0].key).SetFXRate(ctx, ingotclient.SetRateRequest{Base: fx.cur.Code, Quote: cur.Code, Bid: FXBid, Ask: FXAsk,
		MaxAmount: ingot.FormatAmount(ingot.MaxAmount/4, fx.cur), ValidUntil: time.Now().Add(24 * time.Hour)}); err != nil {
		return fmt.Errorf("bench: fx scenario: the dealer's rate: %w", err)
	}
	holder := ingotclient.WalletBodyHolderInput{Name: "Bench payee", Phone: "13800000001"}
	n := min(max(cfg.Wallets/2, 1), FXPayees)
	fx.fxPayees, err = openWallets(ctx, c, fx.ops[1].key, holder, cur.Code, "personal", n)
	return err
}

// exchange is one request of the fx scenario: a quote, then its exchange,
// from a random wallet of the dealer's to a random payee. Latency covers
// both calls.
func (w *worker) exchange(ctx context.Context, sched time.Time) {
	l, fx := w.l, w.l.fx
	p := 2 * w.r.IntN((len(fx.wallets)+1)/2) // the dealer's wallets: 0, 2, 4, ...
	q := w.r.IntN(len(fx.fxPayees))
	var idem string
	if l.cfg.IdempotencyKeys {
		w.seq++
		idem = "bench-" + fx.runID + "-" + strconv.Itoa(w.id) + "-" + strconv.Itoa(w.seq)
	}
	w.body = fmt.Appendf(w.body[:0], `{"sell_currency":%q,"buy_currency":%q,"sell_amount":%q}`, fx.cur.Code, fx.fxCur.Code, l.amount)
	_, err := l.c.do(ctx, "POST", "/v1/fx/quotes", fx.ops[0].key, w.body, idem, &w.buf)
	if err == nil {
		var quote struct {
			ID string `json:"id"`
		}
		if jerr := json.Unmarshal(w.buf.Bytes(), &quote); jerr != nil || quote.ID == "" {
			err = &callError{code: "bad_quote_answer"}
		}
		w.body = fmt.Appendf(w.body[:0], `{"quote_id":%q,"from":%q,"to":%q}`, quote.ID, fx.wallets[p], fx.fxPayees[q])
	}
	if err == nil {
		if idem != "" {
			idem += "-x"
		}
		_, err = l.c.do(ctx, "POST", "/v1/fx/exchanges", fx.ops[0].key, w.body, idem, &w.buf)
	}
	if !l.answered(ctx, sched, err, 2) {
		return
	}
	fx.exchanges.Add(1)
	l.transfers.Add(2)
}

// checkFXBooks checks the second currency's supply after an fx run:
// issued = reserves + wallets, and the issuer minted what setup did (the
// currency is the run's own). It returns the problem, or "".
func checkFXBooks(ctx context.Context, c *client, cfg *Config, fx *fixture) string {
	sup, err := c.api(fx.fxKey).GetSupply(ctx, fx.fxCur.Code)
	if err != nil {
		return "could not read the " + fx.fxCur.Code + " supply: " + err.Error()
	}
	issued, e1 := parseSigned(sup.Issued)
	reserves, e2 := parseSigned(sup.Reserves)
	wallets, e3 := parseSigned(sup.Wallets)
	if err := errors.Join(e1, e2, e3); err != nil {
		return "could not read the " + fx.fxCur.Code + " supply: " + err.Error()
	}
	switch {
	case issued != reserves+wallets:
		return fmt.Sprintf("%s: issued %s != reserves %s + wallets %s", fx.fxCur.Code, sup.Issued, sup.Reserves, sup.Wallets)
	case issued != fx.fxMinted:
		return fmt.Sprintf("%s: issued %s, but the run minted %s", fx.fxCur.Code, sup.Issued, ingot.FormatAmount(fx.fxMinted, fx.fxCur))
	}
	return ""
}
