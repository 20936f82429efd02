package store

import (
	"context"

	"github.com/ingot-cbdc/ingot"
)

// SettlementStore keeps merchants' end-of-day settlement settings and the
// last day each settled. The sweep itself is an engine batch whose
// idempotency record makes each day's exactly once; LastDate only saves
// looking at settled wallets again.
type SettlementStore interface {
	// SetSettlement stores a wallet's settlement, replacing its previous
	// one (all fields).
	SetSettlement(ctx context.Context, s ingot.Settlement) error
	// Settlement reads a wallet's settlement, or ErrNotFound.
	Settlement(ctx context.Context, wallet int64) (ingot.Settlement, error)
	// DueSettlements lists the daily settlements whose LastDate is before
	// date (YYYY-MM-DD; "" is before any), by wallet, at most limit.
	DueSettlements(ctx context.Context, date string, limit int) ([]ingot.Settlement, error)
	// SettlementDone records that a wallet's day is settled: its LastDate
	// becomes date unless it is later already.
	SettlementDone(ctx context.Context, wallet int64, date string) error
}
