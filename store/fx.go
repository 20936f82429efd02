package store

import (
	"context"

	"github.com/ingot-cbdc/ingot/fx"
)

// FXStore keeps dealers' rates and their quotes (package fx); the engine's
// batches write a quote's use by an exchange (BatchWrite.FXQuotes).
type FXStore interface {
	// SetFXRate stores a dealer's rate for a pair, replacing the one it
	// had for the same base and quote.
	SetFXRate(ctx context.Context, r fx.Rate) error
	// FXRates lists the rates between two currencies in either direction
	// (both "": every rate), by dealer, base and quote.
	FXRates(ctx context.Context, a, b string) ([]fx.Rate, error)
	// CreateFXQuote stores a new quote, with idem as for CreateOperator.
	CreateFXQuote(ctx context.Context, q fx.Quote, idem *IdemRecord) (*IdemRecord, error)
	// FXQuote reads a quote, or ErrNotFound.
	FXQuote(ctx context.Context, id string) (fx.Quote, error)
	// FXExchange reads the quote an exchange used, or ErrNotFound.
	FXExchange(ctx context.Context, exchangeID string) (fx.Quote, error)
}

// FXBatchTx is the quotes' part of a batch.
type FXBatchTx interface {
	// LockFXQuotes returns the quotes among ids, locked, by id. Unknown
	// ids are left out.
	LockFXQuotes(ctx context.Context, ids []string) ([]fx.Quote, error)
}
