package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot/schedule"
	"github.com/ingot-cbdc/ingot/store"
)

// Standing orders and their runs (store/standing.go; migration 00017).

const standingCols = `id, operator_id, payee_operator_id, payer, payee, amount, currency, memo, purpose, schedule, status,
	next_date, next_index, due_at, tries, retry_until, holder_id, authorization_id, created_at, updated_at`

func scanStanding(row pgx.Row) (schedule.Order, error) {
	var o schedule.Order
	var sched []byte
	var status, next string
	var due, retry *time.Time
	if err := row.Scan(&o.ID, &o.OperatorID, &o.PayeeOperatorID, &o.Payer, &o.Payee, &o.Amount, &o.Currency, &o.Memo, &o.Purpose,
		&sched, &status, &next, &o.NextIndex, &due, &o.Tries, &retry, &o.HolderID, &o.AuthorizationID, &o.CreatedAt, &o.UpdatedAt); err != nil {
		return schedule.Order{}, err
	}
	if err := json.Unmarshal(sched, &o.Schedule); err != nil {
		return schedule.Order{}, fmt.Errorf("standing order %s: schedule: %w", o.ID, err)
	}
	if err := o.Next.UnmarshalText([]byte(next)); err != nil {
		return schedule.Order{}, fmt.Errorf("standing order %s: next: %w", o.ID, err)
	}
	o.Status = schedule.Status(status)
	o.DueAt, o.RetryUntil = fromNullTime(due), fromNullTime(retry)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return o, nil
}

const runCols = `order_id, occurrence, status, transfer_id, code, review_id, attempts, at`

func scanRun(row pgx.Row) (schedule.Run, error) {
	var r schedule.Run
	var occ, status string
	if err := row.Scan(&r.OrderID, &occ, &status, &r.TransferID, &r.Code, &r.ReviewID, &r.Attempts, &r.At); err != nil {
		return schedule.Run{}, err
	}
	if err := r.Occurrence.UnmarshalText([]byte(occ)); err != nil {
		return schedule.Run{}, fmt.Errorf("standing order %s: run: %w", r.OrderID, err)
	}
	r.Status, r.At = schedule.RunStatus(status), r.At.UTC()
	return r, nil
}

// StandingOrder reads one standing order.
func (s *Store) StandingOrder(ctx context.Context, id string) (schedule.Order, error) {
	return one(ctx, s.pool, "standing order", scanStanding, `SELECT `+standingCols+` FROM standing_orders WHERE id = $1`, id)
}

// StandingOrders lists standing orders newest first.
func (s *Store) StandingOrders(ctx context.Context, f store.StandingFilter) ([]schedule.Order, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 1 << 30
	}
	out, err := collect(ctx, s.pool, scanStanding, `SELECT `+standingCols+` FROM standing_orders
		WHERE ($1 = '' OR operator_id = $1) AND ($2::bigint = 0 OR payer = $2)
		AND ($3 = '' OR status = $3) AND ($4 = '' OR id < $4)
		ORDER BY id DESC LIMIT $5`, f.OperatorID, f.Payer, string(f.Status), f.Before, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: standing orders: %w", err)
	}
	return out, nil
}

// DueStandingOrders lists active orders due at now.
func (s *Store) DueStandingOrders(ctx context.Context, now time.Time, limit int) ([]schedule.Order, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	out, err := collect(ctx, s.pool, scanStanding, `SELECT `+standingCols+` FROM standing_orders
		WHERE status = 'active' AND due_at <= $1 ORDER BY due_at, id LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: due standing orders: %w", err)
	}
	return out, nil
}

// StandingRuns lists an order's runs, latest occurrence first.
func (s *Store) StandingRuns(ctx context.Context, orderID string, before schedule.Date, limit int) ([]schedule.Run, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	out, err := collect(ctx, s.pool, scanRun, `SELECT `+runCols+` FROM standing_order_runs
		WHERE order_id = $1 AND ($2 = '' OR occurrence < $2) ORDER BY occurrence DESC LIMIT $3`, orderID, before.String(), limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: standing order runs: %w", err)
	}
	return out, nil
}

// LockStandingOrders locks the batch's standing orders, by id.
func (b *batchTx) LockStandingOrders(ctx context.Context, ids []string) ([]schedule.Order, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := collect(ctx, b.tx, scanStanding, `SELECT `+standingCols+` FROM standing_orders
		WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: lock standing orders: %w", err)
	}
	return out, nil
}

// queueStanding queues a batch's new and changed standing orders and
// their runs.
func queueStanding(batch *pgx.Batch, w *store.StandingWrite) ([]check, error) {
	var checks []check
	for i := range w.New {
		o := &w.New[i]
		sched, err := json.Marshal(o.Schedule)
		if err != nil {
			return nil, fmt.Errorf("postgres: standing order %s: %w", o.ID, err)
		}
		batch.Queue(`INSERT INTO standing_orders (`+standingCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
			o.ID, o.OperatorID, o.PayeeOperatorID, o.Payer, o.Payee, o.Amount, o.Currency, o.Memo, o.Purpose, sched, string(o.Status),
			o.Next.String(), o.NextIndex, nullTime(o.DueAt), o.Tries, nullTime(o.RetryUntil), o.HolderID, o.AuthorizationID,
			o.CreatedAt, o.UpdatedAt)
		checks = append(checks, check{what: "standing order", want: 1})
	}
	for i := range w.Updated {
		o := &w.Updated[i]
		batch.Queue(`UPDATE standing_orders SET status = $1, next_date = $2, next_index = $3, due_at = $4,
			tries = $5, retry_until = $6, updated_at = $7 WHERE id = $8`,
			string(o.Status), o.Next.String(), o.NextIndex, nullTime(o.DueAt), o.Tries, nullTime(o.RetryUntil), o.UpdatedAt, o.ID)
		checks = append(checks, check{what: "standing order " + o.ID, want: 1})
	}
	for i := range w.Runs {
		r := &w.Runs[i]
		batch.Queue(`INSERT INTO standing_order_runs (`+runCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (order_id, occurrence) DO UPDATE SET status = excluded.status, transfer_id = excluded.transfer_id,
				code = excluded.code, review_id = excluded.review_id, attempts = excluded.attempts, at = excluded.at`,
			r.OrderID, r.Occurrence.String(), string(r.Status), r.TransferID, r.Code, r.ReviewID, r.Attempts, r.At)
		checks = append(checks, check{what: "standing order run", want: 1})
	}
	return checks, nil
}
