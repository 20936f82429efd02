package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/schedule"
)

// Standing orders (docs/standing-orders.md): a payment the engine makes on
// every occurrence of a schedule, each occurrence once.

// StandingOrder is a standing order as the API shows it.
type StandingOrder struct {
	ID       string           `json:"id"`
	Status   string           `json:"status" enum:"active,paused,cancelled,completed"`
	From     string           `json:"from"`
	To       string           `json:"to"`
	Amount   string           `json:"amount" example:"100.00" doc:"Paid on every occurrence."`
	Currency string           `json:"currency" example:"CNY"`
	Memo     string           `json:"memo,omitempty" doc:"The memo of every payment."`
	Purpose  string           `json:"purpose,omitempty" doc:"The ISO 20022 purpose code of every payment, when it was given one."`
	Schedule StandingSchedule `json:"schedule"`
	// Where the order stands.
	NextOccurrence string     `json:"next_occurrence,omitempty" doc:"The occurrence paid next (YYYY-MM-DD); absent once the order ended."`
	NextRunAt      *time.Time `json:"next_run_at,omitempty" doc:"When the engine next pays it: the start of the occurrence's day in the ledger's zone, or a refused payment's next try (hourly); absent unless active."`
	Attempts       int        `json:"attempts,omitempty" doc:"Refused attempts at the next occurrence so far."`
	CreatedBy      string     `json:"created_by" enum:"operator,holder"`
	// AuthorizationID is the holder's approval of the order.
	AuthorizationID string    `json:"authorization_id,omitempty" doc:"A holder's order: the approval it was made with (none to the holder's own wallet)."`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// StandingSchedule is an order's schedule, as given (day filled in).
type StandingSchedule struct {
	Start string `json:"start" example:"2026-12-01" doc:"The first day it may pay (YYYY-MM-DD, in the ledger's zone)."`
	Every string `json:"every" enum:"day,week,month"`
	Day   int    `json:"day,omitempty" doc:"Weekly: the day of the week, 1 (Monday) to 7 (Sunday); monthly: the day of the month, 1 to 31 (a month without it pays on its last day)."`
	Count int    `json:"count,omitempty" doc:"The order ends after this many occurrences (paid or not)."`
	Until string `json:"until,omitempty" doc:"The order ends after the last occurrence on or before this day (YYYY-MM-DD)."`
}

// StandingRun is what became of one occurrence.
type StandingRun struct {
	Occurrence string     `json:"occurrence" example:"2026-12-01"`
	Status     string     `json:"status" enum:"paid,failed,missed,pending" doc:"paid; failed (code; retried hourly until the end of its day); missed (older than the 3-day catch-up window when no process ran, or due while the order was paused); pending (the next occurrence, or a payment held for review: code in_review)."`
	TransferID string     `json:"transfer_id,omitempty" doc:"The payment, when paid."`
	Code       string     `json:"code,omitempty" doc:"Why the last attempt was refused (insufficient_funds, limit_exceeded, wallet_frozen, ...), or in_review."`
	ReviewID   string     `json:"review_id,omitempty" doc:"The review that holds the payment (code in_review)."`
	Attempts   int        `json:"attempts" doc:"Payments tried."`
	At         *time.Time `json:"at,omitempty" doc:"The last attempt (or when it was recorded missed); absent for the next occurrence."`
}

// StandingRunEvent is the data of a standing_order.run webhook event.
type StandingRunEvent struct {
	Order StandingOrder `json:"order" doc:"The order after the run."`
	Run   StandingRun   `json:"run"`
}

func standingOut(o *schedule.Order) StandingOrder {
	out := StandingOrder{ID: o.ID, Status: string(o.Status), From: ingot.FormatWalletID(o.Payer), To: ingot.FormatWalletID(o.Payee),
		Amount: amt(o.Amount, o.Currency), Currency: o.Currency, Memo: o.Memo, Purpose: o.Purpose,
		Schedule: StandingSchedule{Start: o.Schedule.Start.String(), Every: string(o.Schedule.Every), Day: o.Schedule.Day,
			Count: o.Schedule.Count, Until: o.Schedule.Until.String()},
		NextOccurrence: o.Next.String(), Attempts: o.Tries, CreatedBy: "operator", AuthorizationID: o.AuthorizationID,
		CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC()}
	if o.HolderID != "" {
		out.CreatedBy = "holder"
	}
	if !o.DueAt.IsZero() && o.Status == schedule.Active {
		t := o.DueAt.UTC()
		out.NextRunAt = &t
	}
	return out
}

func runOut(r *schedule.Run) StandingRun {
	out := StandingRun{Occurrence: r.Occurrence.String(), Status: string(r.Status), TransferID: r.TransferID, Code: r.Code,
		ReviewID: r.ReviewID, Attempts: r.Attempts}
	if !r.At.IsZero() {
		t := r.At.UTC()
		out.At = &t
	}
	return out
}

type standingIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Authorization  string `header:"Ingot-Authorization" maxLength:"64" doc:"A holder's: the id of the approved authorization of one payment of the amount to the payee (asked for once, when the order is made)."`
	Body           struct {
		From     string          `json:"from" doc:"Payer wallet id."`
		To       string          `json:"to" doc:"Payee wallet id, at any operator."`
		Amount   string          `json:"amount" example:"100.00" doc:"Paid on every occurrence."`
		Currency string          `json:"currency" example:"CNY"`
		Memo     string          `json:"memo,omitempty" maxLength:"512"`
		Purpose  string          `json:"purpose,omitempty" maxLength:"4" doc:"An ISO 20022 purpose code (Purp/Cd), e.g. SALA or GDDS; the purpose of every payment, required when it crosses a border and the currency's issuer says so." example:"GDDS"`
		Schedule json.RawMessage `json:"schedule" doc:"{\"start\":\"YYYY-MM-DD\",\"every\":\"day\"|\"week\"|\"month\",\"day\":<1-7 for week, 1-31 for month; default the start's>,\"count\":<n>|\"until\":\"YYYY-MM-DD\"}; start at most 31 days in the past."`
	}
}

type standingActionIn struct {
	ID             string `path:"id" maxLength:"64"`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
}

type standingListIn struct {
	Wallet string `query:"wallet" maxLength:"16" doc:"Orders this wallet pays (a holder must give one of its wallets)."`
	Status string `query:"status" enum:"active,paused,cancelled,completed"`
	Cursor string `query:"cursor" maxLength:"64" doc:"Opaque cursor from next_cursor."`
	Limit  int    `query:"limit" minimum:"0" maximum:"500" doc:"Page size, default 50, at most 500."`
}

type standingRunsIn struct {
	ID     string `path:"id" maxLength:"64"`
	Cursor string `query:"cursor" maxLength:"64" doc:"Opaque cursor from next_cursor."`
	Limit  int    `query:"limit" minimum:"0" maximum:"500" doc:"Page size, default 50, at most 500."`
}

func (s *server) standingRoutes() {
	const tag = "Programmable payments"
	post(s, "createStandingOrder", "/v1/standing-orders", "Pay an amount on every occurrence of a schedule", http.StatusCreated, tag, s.createStanding)
	get(s, "listStandingOrders", "/v1/standing-orders", "Standing orders the caller's wallets pay (the central bank: all), newest first", tag, s.listStanding)
	get(s, "getStandingOrder", "/v1/standing-orders/{id}", "A standing order", tag, s.getStanding)
	get(s, "listStandingOrderRuns", "/v1/standing-orders/{id}/runs", "What became of each occurrence, latest first (the next one pending)", tag, s.standingRuns)
	post(s, "pauseStandingOrder", "/v1/standing-orders/{id}/pause", "Stop paying until resumed", http.StatusOK, tag, s.pauseStanding)
	post(s, "resumeStandingOrder", "/v1/standing-orders/{id}/resume", "Pay again from today's occurrence (those due while paused are missed)", http.StatusOK, tag, s.resumeStanding)
	post(s, "cancelStandingOrder", "/v1/standing-orders/{id}/cancel", "End a standing order for good", http.StatusOK, tag, s.cancelStanding)
}

func (s *server) createStanding(ctx context.Context, in *standingIn) (*Out[StandingOrder], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*schedule.Order, error) {
			b := in.Body
			return s.svc.CreateStandingOrder(ctx, actor(ctx), ledger.StandingIn{
				PayRequest: ledger.PayRequest{From: b.From, To: b.To, Amount: b.Amount, Currency: b.Currency, Memo: b.Memo, Purpose: b.Purpose, Authorization: in.Authorization},
				Schedule:   b.Schedule}, idem)
		}, standingOut)
}

func (s *server) pauseStanding(ctx context.Context, in *standingActionIn) (*Out[StandingOrder], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, nil,
		func(idem *ledger.Idem) (*schedule.Order, error) {
			return s.svc.PauseStandingOrder(ctx, actor(ctx), in.ID, idem)
		}, standingOut)
}

func (s *server) resumeStanding(ctx context.Context, in *standingActionIn) (*Out[StandingOrder], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, nil,
		func(idem *ledger.Idem) (*schedule.Order, error) {
			return s.svc.ResumeStandingOrder(ctx, actor(ctx), in.ID, idem)
		}, standingOut)
}

func (s *server) cancelStanding(ctx context.Context, in *standingActionIn) (*Out[StandingOrder], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, nil,
		func(idem *ledger.Idem) (*schedule.Order, error) {
			return s.svc.CancelStandingOrder(ctx, actor(ctx), in.ID, idem)
		}, standingOut)
}

func (s *server) getStanding(ctx context.Context, in *idIn) (*Body[StandingOrder], error) {
	o, err := s.svc.StandingOrder(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[StandingOrder]{Body: standingView(ctx, standingOut(o))}, nil
}

func (s *server) listStanding(ctx context.Context, in *standingListIn) (*Body[List[StandingOrder]], error) {
	os, next, err := s.svc.StandingOrders(ctx, actor(ctx), ledger.StandingQuery{Wallet: in.Wallet, Status: in.Status, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[StandingOrder]{Items: make([]StandingOrder, len(os)), NextCursor: next}
	for i := range os {
		out.Items[i] = standingView(ctx, standingOut(&os[i]))
	}
	return &Body[List[StandingOrder]]{Body: out}, nil
}

func (s *server) standingRuns(ctx context.Context, in *standingRunsIn) (*Body[List[StandingRun]], error) {
	rs, next, err := s.svc.StandingRuns(ctx, actor(ctx), in.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[StandingRun]{Items: make([]StandingRun, len(rs)), NextCursor: next}
	for i := range rs {
		out.Items[i] = runOut(&rs[i])
	}
	return &Body[List[StandingRun]]{Body: out}, nil
}

// standingView hides a payer's words from the central bank, as in its
// view of transfers.
func standingView(ctx context.Context, o StandingOrder) StandingOrder {
	if actor(ctx).Role == ingot.RoleCentralBank {
		o.Memo = ""
	}
	return o
}
