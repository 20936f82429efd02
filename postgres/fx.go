package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/ingot-cbdc/ingot/fx"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/jackc/pgx/v5"
)

// FX rates and quotes (store/fx.go; migration 00021).

const fxRateCols = "dealer_id, base, quote, bid, ask, max_amount, valid_until, updated_at"

func scanFXRate(row pgx.Row) (fx.Rate, error) {
	var r fx.Rate
	err := row.Scan(&r.Dealer, &r.Base, &r.Quote, &r.Bid, &r.Ask, &r.MaxAmount, &r.ValidUntil, &r.UpdatedAt)
	r.ValidUntil, r.UpdatedAt = r.ValidUntil.UTC(), r.UpdatedAt.UTC()
	return r, err
}

// SetFXRate stores a dealer's rate for a pair.
func (s *Store) SetFXRate(ctx context.Context, r fx.Rate) error {
	_, err := s.exec(ctx, "set fx rate", `INSERT INTO fx_rates (`+fxRateCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (dealer_id, base, quote) DO UPDATE SET bid = excluded.bid, ask = excluded.ask, max_amount = excluded.max_amount,
		valid_until = excluded.valid_until, updated_at = excluded.updated_at`,
		r.Dealer, r.Base, r.Quote, r.Bid, r.Ask, r.MaxAmount, r.ValidUntil, r.UpdatedAt)
	return err
}

// FXRates lists the rates between two currencies, either way.
func (s *Store) FXRates(ctx context.Context, a, b string) ([]fx.Rate, error) {
	q := `SELECT ` + fxRateCols + ` FROM fx_rates`
	var args []any
	if a != "" || b != "" {
		q += ` WHERE (base = $1 AND quote = $2) OR (base = $2 AND quote = $1)`
		args = append(args, a, b)
	}
	out, err := collect(ctx, s.pool, scanFXRate, q+` ORDER BY dealer_id, base, quote`, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: fx rates: %w", err)
	}
	return out, nil
}

const fxQuoteCols = `id, dealer_id, sell_currency, buy_currency, sell_amount, buy_amount, base, quote_currency, price,
	requested_by, created_at, expires_at, status, exchange_id, payer, payee, sell_transfer, buy_transfer, used_at`

func scanFXQuote(row pgx.Row) (fx.Quote, error) {
	var q fx.Quote
	var status string
	var exchange *string
	var used *time.Time
	err := row.Scan(&q.ID, &q.Dealer, &q.SellCurrency, &q.BuyCurrency, &q.SellAmount, &q.BuyAmount, &q.Base, &q.QuoteCurrency, &q.Price,
		&q.RequestedBy, &q.CreatedAt, &q.ExpiresAt, &status, &exchange, &q.Payer, &q.Payee, &q.SellTransfer, &q.BuyTransfer, &used)
	q.CreatedAt, q.ExpiresAt, q.UsedAt = q.CreatedAt.UTC(), q.ExpiresAt.UTC(), fromNullTime(used)
	q.Status = fx.Status(status)
	if exchange != nil {
		q.ExchangeID = *exchange
	}
	return q, err
}

// CreateFXQuote stores a new quote.
func (s *Store) CreateFXQuote(ctx context.Context, q fx.Quote, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO fx_quotes (`+fxQuoteCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, 0, 0, '', '', NULL)`,
			q.ID, q.Dealer, q.SellCurrency, q.BuyCurrency, q.SellAmount, q.BuyAmount, q.Base, q.QuoteCurrency, q.Price,
			q.RequestedBy, q.CreatedAt, q.ExpiresAt, string(q.Status)); err != nil {
			return fmt.Errorf("postgres: create fx quote: %w", err)
		}
		return nil
	})
}

// FXQuote reads a quote.
func (s *Store) FXQuote(ctx context.Context, id string) (fx.Quote, error) {
	return one(ctx, s.pool, "fx quote", scanFXQuote, `SELECT `+fxQuoteCols+` FROM fx_quotes WHERE id = $1`, id)
}

// FXExchange reads the quote an exchange used.
func (s *Store) FXExchange(ctx context.Context, exchangeID string) (fx.Quote, error) {
	return one(ctx, s.pool, "fx exchange", scanFXQuote, `SELECT `+fxQuoteCols+` FROM fx_quotes WHERE exchange_id = $1`, exchangeID)
}

// LockFXQuotes reads and locks the batch's quotes.
func (b *batchTx) LockFXQuotes(ctx context.Context, ids []string) ([]fx.Quote, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := collect(ctx, b.tx, scanFXQuote, `SELECT `+fxQuoteCols+` FROM fx_quotes WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: lock fx quotes: %w", err)
	}
	return out, nil
}

// queueFXQuotes queues the quotes a batch's exchanges used.
func queueFXQuotes(batch *pgx.Batch, qs []fx.Quote) []check {
	var checks []check
	for i := range qs {
		q := &qs[i]
		batch.Queue(`UPDATE fx_quotes SET status = $1, exchange_id = $2, payer = $3, payee = $4, sell_transfer = $5, buy_transfer = $6, used_at = $7
			WHERE id = $8 AND exchange_id IS NULL`, string(q.Status), q.ExchangeID, q.Payer, q.Payee, q.SellTransfer, q.BuyTransfer, q.UsedAt, q.ID)
		checks = append(checks, check{what: "fx quote " + q.ID, want: 1})
	}
	return checks
}

var _ store.FXStore = (*Store)(nil)
