package ledger

import (
	"context"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// StaleReader is what the service may read from a replica, where it may
// lag the leader by a moment: a wallet's transfers and balances of the
// past, for its history and its statements. Nothing read through it
// decides money or access: who may read the wallet is decided on the
// leader first (docs/high-availability.md, "Reads from a replica").
type StaleReader interface {
	// AccountTransfers is store.Store's.
	AccountTransfers(ctx context.Context, account int64, before int64, limit int) ([]ingot.Transfer, error)
	// AccountTransfersBetween is store.MerchantStore's.
	AccountTransfersBetween(ctx context.Context, account int64, from, to time.Time, limit int) ([]ingot.Transfer, error)
	// BalanceBefore is store.MerchantStore's.
	BalanceBefore(ctx context.Context, account int64, at time.Time) (int64, error)
}

// WithStaleReads sends the reads that may be slightly stale (histories and
// statements) to r, a store on a replica (--db-read-url). Without it they
// go to the service's store.
func (s *Service) WithStaleReads(r StaleReader) *Service {
	s.stale = r
	return s
}

// staleReads is where reads that may be stale go: the replica's store, or
// the service's.
func (s *Service) staleReads() StaleReader {
	if s.stale != nil {
		return s.stale
	}
	return s.st
}
