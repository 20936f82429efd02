package store

import (
	"context"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/screening"
)

// ScreeningStore keeps the sanctions list and the progress of screening
// every holder against it (package screening; ledger/screening.go).
type ScreeningStore interface {
	// SetScreeningList replaces the list with entries, advances its version
	// and starts the screening of every wallet again (its cursor at the
	// first wallet); rec as by AddRiskRule. It returns the new version.
	SetScreeningList(ctx context.Context, entries []screening.Entry, at time.Time, rec *IdemRecord) (int64, *IdemRecord, error)
	// ScreeningList reads the list and its version (0 and none before the
	// first).
	ScreeningList(ctx context.Context) ([]screening.Entry, int64, error)
	// ScreeningVersion reads the list's version.
	ScreeningVersion(ctx context.Context) (int64, error)
	// RescreenNext screens the next wallets of a version, exactly once
	// across processes: in one transaction it locks the screening's cursor,
	// reads up to limit wallets after it (by id), calls screen with them,
	// inserts the alerts screen returns and moves the cursor past them. It
	// reports false when every wallet was screened for that version (or the
	// version is no longer the list's).
	RescreenNext(ctx context.Context, version int64, limit int, screen func([]ingot.Account) ([]risk.Alert, error)) (bool, error)
	// AddAlerts inserts alerts raised outside a batch (screening at
	// opening); one whose Dedupe key is stored already is left out.
	AddAlerts(ctx context.Context, alerts []risk.Alert) error
}
