package store

import (
	"context"
	"time"

	"github.com/ingot-cbdc/ingot/schedule"
)

// StandingStore reads standing orders and their runs (package schedule);
// the engine's batches write them (BatchWrite.Standing).
type StandingStore interface {
	// StandingOrder reads one, or ErrNotFound.
	StandingOrder(ctx context.Context, id string) (schedule.Order, error)
	// StandingOrders lists them newest first.
	StandingOrders(ctx context.Context, f StandingFilter) ([]schedule.Order, error)
	// DueStandingOrders lists active orders whose DueAt is not after now,
	// oldest due first, at most limit.
	DueStandingOrders(ctx context.Context, now time.Time, limit int) ([]schedule.Order, error)
	// StandingRuns lists an order's runs, latest occurrence first, those
	// with an occurrence before before (zero: from the latest), at most
	// limit.
	StandingRuns(ctx context.Context, orderID string, before schedule.Date, limit int) ([]schedule.Run, error)
}

// StandingFilter selects standing orders. Empty fields select all.
type StandingFilter struct {
	OperatorID string // the payer's operator
	Payer      int64
	Status     schedule.Status
	Before     string // an id: those before it (the cursor)
	Limit      int
}

// StandingBatchTx is the standing orders' part of a batch.
type StandingBatchTx interface {
	// LockStandingOrders returns the orders among ids, locked, by id.
	// Unknown ids are left out.
	LockStandingOrders(ctx context.Context, ids []string) ([]schedule.Order, error)
}

// StandingWrite is what a batch writes of standing orders: New are
// inserted; Updated have a new Status, Next, NextIndex, DueAt, Tries,
// RetryUntil and UpdatedAt; Runs are stored, each replacing the run of its
// order and occurrence.
type StandingWrite struct {
	New, Updated []schedule.Order
	Runs         []schedule.Run
}
