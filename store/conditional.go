package store

import (
	"context"
	"time"

	"github.com/ingot-cbdc/ingot/conditional"
)

// ConditionalStore reads conditional payments (package conditional); the
// engine's batches write them (BatchWrite.Conditional).
type ConditionalStore interface {
	// ConditionalPayment reads one, or ErrNotFound.
	ConditionalPayment(ctx context.Context, id string) (conditional.Payment, error)
	// ConditionalPayments lists them newest first.
	ConditionalPayments(ctx context.Context, f ConditionalFilter) ([]conditional.Payment, error)
	// DueConditionalPayments lists the ids of pending payments whose DueAt
	// is not after now, oldest due first, at most limit.
	DueConditionalPayments(ctx context.Context, now time.Time, limit int) ([]string, error)
}

// ConditionalFilter selects conditional payments. Empty fields select all.
type ConditionalFilter struct {
	OperatorID string // the payer's or the payee's operator
	Wallet     int64  // the payer or the payee
	Status     conditional.Status
	Before     string // an id: those before it (the cursor)
	Limit      int
}

// ConditionalBatchTx is the conditional payments' part of a batch.
type ConditionalBatchTx interface {
	// LockConditionalPayments returns the payments among ids, locked, by
	// id. Unknown ids are left out.
	LockConditionalPayments(ctx context.Context, ids []string) ([]conditional.Payment, error)
}

// ConditionalWrite is what a batch writes of conditional payments: New are
// inserted; Updated have a new Met, Status, TransferID, DueAt, History and
// UpdatedAt.
type ConditionalWrite struct {
	New, Updated []conditional.Payment
}
