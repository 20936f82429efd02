package schedule

import "time"

// Status is a standing order's state: active (paying), paused, or ended,
// once, as cancelled or completed (its schedule's last occurrence done).
type Status string

// Statuses.
const (
	Active    Status = "active"
	Paused    Status = "paused"
	Cancelled Status = "cancelled"
	Completed Status = "completed"
)

// Ended reports whether the status is final.
func (s Status) Ended() bool { return s == Cancelled || s == Completed }

// Order is a standing order: Amount from Payer to Payee on every
// occurrence of Schedule, each paid at most once by the engine.
type Order struct {
	ID              string // UUIDv7
	OperatorID      string // the payer's operator
	PayeeOperatorID string
	Payer, Payee    int64
	Amount          int64
	Currency        string
	Memo            string
	Purpose         string // ISO 20022 purpose code of every run, "" none
	Schedule        Schedule
	Status          Status
	// Next is the occurrence the engine pays next, the schedule's
	// occurrence NextIndex; no date once the order ended.
	Next      Date
	NextIndex int
	// DueAt is when the engine looks at the order next: the start of
	// Next's day in the ledger's zone, or a refused run's next try. Zero
	// once the order ended.
	DueAt time.Time
	// Tries counts Next's refused attempts; after the first, RetryUntil is
	// the end of Next's day, before which the last try is made.
	Tries      int
	RetryUntil time.Time
	// HolderID is the holder who made the order ("" an operator's key),
	// and AuthorizationID the holder's approval of it ("" none: to the
	// holder's own wallet).
	HolderID        string
	AuthorizationID string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// MoveTo makes occurrence i the order's next, due at the start of its day
// in loc; past the schedule's end the order is completed.
func (o *Order) MoveTo(i int, loc *time.Location) {
	o.NextIndex, o.Tries, o.RetryUntil = i, 0, time.Time{}
	d, ok := o.Schedule.Occurrence(i)
	if !ok {
		o.Status, o.Next, o.DueAt = Completed, Date{}, time.Time{}
		return
	}
	o.Next, o.DueAt = d, d.Start(loc)
}

// Advance moves the order to its next occurrence (MoveTo).
func (o *Order) Advance(loc *time.Location) { o.MoveTo(o.NextIndex+1, loc) }

// End ends the order (cancelled): it has no next occurrence.
func (o *Order) End(s Status) {
	o.Status, o.Next, o.DueAt, o.Tries, o.RetryUntil = s, Date{}, time.Time{}, 0, time.Time{}
}

// RunStatus is what became of an occurrence.
type RunStatus string

// Run statuses.
const (
	RunPaid   RunStatus = "paid"   // the payment was made (TransferID)
	RunFailed RunStatus = "failed" // refused (Code); retried hourly until its day ends
	RunMissed RunStatus = "missed" // never paid: older than the catch-up window, or due while the order was paused
	// RunPending is an occurrence not done yet: the order's next one
	// (never stored), or a payment a risk rule held for review (Code
	// in_review, ReviewID), which the review pays or refuses.
	RunPending RunStatus = "pending"
)

// CodeInReview is a pending run's code when its payment is held for review.
const CodeInReview = "in_review"

// Run is what became of one occurrence of an order.
type Run struct {
	OrderID    string
	Occurrence Date
	Status     RunStatus
	TransferID string // paid: the payment
	Code       string // failed: the last refusal's error code; pending: in_review
	ReviewID   string // pending in review: the review
	Attempts   int    // payments tried (0 for a missed occurrence)
	At         time.Time
}

// Report is a run as the standing_order.run webhook event reports it: the
// run, and its order after it.
type Report struct {
	Order Order
	Run   Run
}
