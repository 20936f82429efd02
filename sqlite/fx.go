package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ingot-cbdc/ingot/fx"
	"github.com/ingot-cbdc/ingot/store"
)

// FX rates and quotes (store/fx.go; migration 00021).

const fxRateCols = `dealer_id, base, quote, bid, ask, max_amount, valid_until, updated_at`

func scanFXRate(sc scanner) (fx.Rate, error) {
	var r fx.Rate
	var valid, updated int64
	err := sc.Scan(&r.Dealer, &r.Base, &r.Quote, &r.Bid, &r.Ask, &r.MaxAmount, &valid, &updated)
	r.ValidUntil, r.UpdatedAt = fromMicros(valid), fromMicros(updated)
	return r, err
}

// SetFXRate stores a dealer's rate for a pair.
func (s *Store) SetFXRate(ctx context.Context, r fx.Rate) error {
	_, err := s.exec(ctx, "set fx rate", `INSERT INTO fx_rates (`+fxRateCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (dealer_id, base, quote) DO UPDATE SET bid = excluded.bid, ask = excluded.ask, max_amount = excluded.max_amount,
		valid_until = excluded.valid_until, updated_at = excluded.updated_at`,
		r.Dealer, r.Base, r.Quote, r.Bid, r.Ask, r.MaxAmount, micros(r.ValidUntil), micros(r.UpdatedAt))
	return err
}

// FXRates lists the rates between two currencies, either way.
func (s *Store) FXRates(ctx context.Context, a, b string) ([]fx.Rate, error) {
	q := `SELECT ` + fxRateCols + ` FROM fx_rates`
	var args []any
	if a != "" || b != "" {
		q += ` WHERE (base = ? AND quote = ?) OR (base = ? AND quote = ?)`
		args = append(args, a, b, b, a)
	}
	out, err := collect(ctx, s.r, scanFXRate, q+` ORDER BY dealer_id, base, quote`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: fx rates: %w", err)
	}
	return out, nil
}

const fxQuoteCols = `id, dealer_id, sell_currency, buy_currency, sell_amount, buy_amount, base, quote_currency, price,
	requested_by, created_at, expires_at, status, exchange_id, payer, payee, sell_transfer, buy_transfer, used_at`

func scanFXQuote(sc scanner) (fx.Quote, error) {
	var q fx.Quote
	var created, expires int64
	var status string
	var exchange sql.NullString
	var used sql.NullInt64
	err := sc.Scan(&q.ID, &q.Dealer, &q.SellCurrency, &q.BuyCurrency, &q.SellAmount, &q.BuyAmount, &q.Base, &q.QuoteCurrency, &q.Price,
		&q.RequestedBy, &created, &expires, &status, &exchange, &q.Payer, &q.Payee, &q.SellTransfer, &q.BuyTransfer, &used)
	q.CreatedAt, q.ExpiresAt, q.UsedAt = fromMicros(created), fromMicros(expires), fromNullMicros(used)
	q.Status, q.ExchangeID = fx.Status(status), exchange.String
	return q, err
}

// CreateFXQuote stores a new quote.
func (s *Store) CreateFXQuote(ctx context.Context, q fx.Quote, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "create fx quote", idem, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO fx_quotes (`+fxQuoteCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, 0, '', '', NULL)`,
			q.ID, q.Dealer, q.SellCurrency, q.BuyCurrency, q.SellAmount, q.BuyAmount, q.Base, q.QuoteCurrency, q.Price,
			q.RequestedBy, micros(q.CreatedAt), micros(q.ExpiresAt), string(q.Status)); err != nil {
			return fmt.Errorf("sqlite: create fx quote: %w", err)
		}
		return nil
	})
}

// FXQuote reads a quote.
func (s *Store) FXQuote(ctx context.Context, id string) (fx.Quote, error) {
	q, err := scanFXQuote(s.r.QueryRowContext(ctx, `SELECT `+fxQuoteCols+` FROM fx_quotes WHERE id = ?`, id))
	if err != nil {
		return fx.Quote{}, notFound(err, "fx quote")
	}
	return q, nil
}

// FXExchange reads the quote an exchange used.
func (s *Store) FXExchange(ctx context.Context, exchangeID string) (fx.Quote, error) {
	q, err := scanFXQuote(s.r.QueryRowContext(ctx, `SELECT `+fxQuoteCols+` FROM fx_quotes WHERE exchange_id = ?`, exchangeID))
	if err != nil {
		return fx.Quote{}, notFound(err, "fx exchange")
	}
	return q, nil
}

// LockFXQuotes reads the batch's quotes (the batch holds the write lock).
func (b *batchTx) LockFXQuotes(ctx context.Context, ids []string) ([]fx.Quote, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock fx quotes: %w", err)
	}
	out, err := collect(ctx, b.tx, scanFXQuote, `SELECT `+fxQuoteCols+` FROM fx_quotes WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock fx quotes: %w", err)
	}
	return out, nil
}

// writeFXQuotes writes the quotes a batch's exchanges used.
func (b *batchTx) writeFXQuotes(ctx context.Context, qs []fx.Quote) error {
	for i := range qs {
		q := &qs[i]
		res, err := b.tx.ExecContext(ctx, `UPDATE fx_quotes SET status = ?, exchange_id = ?, payer = ?, payee = ?, sell_transfer = ?, buy_transfer = ?, used_at = ?
			WHERE id = ? AND exchange_id IS NULL`, string(q.Status), q.ExchangeID, q.Payer, q.Payee, q.SellTransfer, q.BuyTransfer, micros(q.UsedAt), q.ID)
		if err != nil {
			return fmt.Errorf("sqlite: write fx quote %s: %w", q.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("sqlite: write fx quote %s: %d rows, %v", q.ID, n, err)
		}
	}
	return nil
}

var _ store.FXStore = (*Store)(nil)
