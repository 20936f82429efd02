package risk

import (
	"encoding/json"
	"time"
)

// Alert is a rule's or a built-in pattern's flag on a wallet, for the
// operator's (and the central bank's) investigators.
type Alert struct {
	ID          string // UUIDv7: time-ordered
	OperatorID  string // the wallet's operator
	RuleID      string // "" for a built-in pattern
	RuleVersion int
	Pattern     string // a built-in pattern (patterns.go); "" for a rule
	Severity    Severity
	Wallet      int64
	TransferID  string          // the payment that raised it; "" for screening
	Evidence    json.RawMessage // a JSON object: the figures behind it
	Status      AlertStatus
	Resolution  Resolution
	Note        string
	CreatedAt   time.Time
	ResolvedAt  time.Time // zero while open
	// Dedupe, when set, makes the alert unique: an alert raised outside a
	// batch again (a screening retried) with the same key is not stored
	// twice.
	Dedupe string
}

// AlertStatus is open or resolved.
type AlertStatus string

// Alert statuses.
const (
	AlertOpen     AlertStatus = "open"
	AlertResolved AlertStatus = "resolved"
)

// Resolution is how an investigator closed an alert.
type Resolution string

// Resolutions.
const (
	ResolutionFalsePositive Resolution = "false_positive"
	ResolutionNoAction      Resolution = "no_action"
	ResolutionReported      Resolution = "reported"
)

// Valid reports whether r is one of the resolutions.
func (r Resolution) Valid() bool {
	return r == ResolutionFalsePositive || r == ResolutionNoAction || r == ResolutionReported
}

// LargeValue is one line of the large-value report: a wallet's payments
// on a day that reached its reporting threshold, single or cumulative,
// sent or received; kept current during the day.
type LargeValue struct {
	Wallet     int64
	Day        int32 // yyyymmdd in the ledger's zone
	OperatorID string
	Currency   string
	Sent       int64 // minor units, the day so far
	Received   int64
	Count      int64 // payments sent and received that day
	Threshold  int64 // the wallet's threshold
	UpdatedAt  time.Time
}
