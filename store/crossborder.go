package store

import (
	"context"

	"github.com/ingot-cbdc/ingot"
)

// CrossBorderStore keeps the issuers' cross-border rules, one set per
// currency (ingot.CrossBorderRules); the engine's batches keep the
// corridor counters (BatchWrite.Corridors).
type CrossBorderStore interface {
	// SetCrossBorderRules stores a currency's rules, replacing its earlier
	// ones.
	SetCrossBorderRules(ctx context.Context, r ingot.CrossBorderRules) error
	// CrossBorderRules reads a currency's rules, or ErrNotFound when its
	// issuer never set any (the defaults hold).
	CrossBorderRules(ctx context.Context, currency string) (ingot.CrossBorderRules, error)
}

// CrossBorderBatchTx is the cross-border part of a batch.
type CrossBorderBatchTx interface {
	// CrossBorderRulesOf reads the rules of those currencies among
	// currencies that have any, without locking them.
	CrossBorderRulesOf(ctx context.Context, currencies []string) ([]ingot.CrossBorderRules, error)
	// LockCorridors returns the corridor counters of keys, in key order,
	// locked; a key without a row yet gets one at zero first (so that it
	// can be locked), as LockExemptions.
	LockCorridors(ctx context.Context, keys []CorridorKey) ([]ingot.CorridorCounter, error)
}

// CorridorKey names a holder's counter toward a jurisdiction.
type CorridorKey struct {
	WalletID int64
	To       string
}

// CompareCorridorKeys orders keys as stores lock them.
func CompareCorridorKeys(x, y CorridorKey) int {
	switch {
	case x.WalletID < y.WalletID:
		return -1
	case x.WalletID > y.WalletID:
		return 1
	case x.To < y.To:
		return -1
	case x.To > y.To:
		return 1
	}
	return 0
}
