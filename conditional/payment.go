package conditional

import "time"

// Status is a conditional payment's state: pending until it ends, once,
// as released, cancelled or expired.
type Status string

// Statuses.
const (
	Pending   Status = "pending"
	Released  Status = "released"
	Cancelled Status = "cancelled"
	Expired   Status = "expired"
)

// Payment is a conditional payment: Amount held on Payer (its hold
// HoldID) until Condition holds (paid to Payee), the payer or payee cancels
// or ExpiresAt passes (the money is the payer's again).
type Payment struct {
	ID              string // UUIDv7
	OperatorID      string // the payer's operator
	PayeeOperatorID string
	Payer, Payee    int64
	Amount          int64
	Currency        string
	Memo            string
	Purpose         string // ISO 20022 purpose code of the release, "" none
	Condition       Condition
	Met             Met
	HoldID          string
	Status          Status
	// TransferID is the payment's last leaf in the log: the capture when
	// released, the record of the cancellation or expiry otherwise.
	TransferID string
	ExpiresAt  time.Time
	// DueAt is when the engine looks at the payment by itself next: its
	// condition's next time, or its expiry.
	DueAt     time.Time
	History   []Event
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Event is one step of a payment's history, each a leaf of the log
// (TransferID), except a failed release, which changes nothing.
type Event struct {
	At         time.Time `json:"at"`
	Type       string    `json:"type"`         // created, approved, accepted, unlocked, released, release_failed, cancelled, expired
	By         string    `json:"by,omitempty"` // the party: "payer", "payee", "wallet:<id>", "operator:<id>", "engine", or "anyone" for a preimage
	TransferID string    `json:"transfer_id,omitempty"`
	Code       string    `json:"code,omitempty"` // a failed release's error code
}

// Event types.
const (
	EventCreated       = "created"
	EventApproved      = "approved"
	EventAccepted      = "accepted"
	EventUnlocked      = "unlocked"
	EventReleased      = "released"
	EventReleaseFailed = "release_failed"
	EventCancelled     = "cancelled"
	EventExpired       = "expired"
)

// Due is when the engine should look at a pending payment next, at now:
// the condition's next time before expiry, else the expiry.
func (p *Payment) Due(now time.Time) time.Time {
	if t := p.Condition.NextTime(now); !t.IsZero() && t.Before(p.ExpiresAt) {
		return t
	}
	return p.ExpiresAt
}
