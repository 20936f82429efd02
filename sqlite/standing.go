package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ingot-cbdc/ingot/schedule"
	"github.com/ingot-cbdc/ingot/store"
)

// Standing orders and their runs (store/standing.go; migration 00017).

const standingCols = `id, operator_id, payee_operator_id, payer, payee, amount, currency, memo, purpose, schedule, status,
	next_date, next_index, due_at, tries, retry_until, holder_id, authorization_id, created_at, updated_at`

func scanStanding(sc scanner) (schedule.Order, error) {
	var o schedule.Order
	var sched, status, next string
	var due, retry sql.NullInt64
	var created, updated int64
	if err := sc.Scan(&o.ID, &o.OperatorID, &o.PayeeOperatorID, &o.Payer, &o.Payee, &o.Amount, &o.Currency, &o.Memo, &o.Purpose,
		&sched, &status, &next, &o.NextIndex, &due, &o.Tries, &retry, &o.HolderID, &o.AuthorizationID, &created, &updated); err != nil {
		return schedule.Order{}, err
	}
	if err := json.Unmarshal([]byte(sched), &o.Schedule); err != nil {
		return schedule.Order{}, fmt.Errorf("standing order %s: schedule: %w", o.ID, err)
	}
	if err := o.Next.UnmarshalText([]byte(next)); err != nil {
		return schedule.Order{}, fmt.Errorf("standing order %s: next: %w", o.ID, err)
	}
	o.Status = schedule.Status(status)
	o.DueAt, o.RetryUntil = fromNullMicros(due), fromNullMicros(retry)
	o.CreatedAt, o.UpdatedAt = fromMicros(created), fromMicros(updated)
	return o, nil
}

const runCols = `order_id, occurrence, status, transfer_id, code, review_id, attempts, at`

func scanRun(sc scanner) (schedule.Run, error) {
	var r schedule.Run
	var occ, status string
	var at int64
	if err := sc.Scan(&r.OrderID, &occ, &status, &r.TransferID, &r.Code, &r.ReviewID, &r.Attempts, &at); err != nil {
		return schedule.Run{}, err
	}
	if err := r.Occurrence.UnmarshalText([]byte(occ)); err != nil {
		return schedule.Run{}, fmt.Errorf("standing order %s: run: %w", r.OrderID, err)
	}
	r.Status, r.At = schedule.RunStatus(status), fromMicros(at)
	return r, nil
}

// StandingOrder reads one standing order.
func (s *Store) StandingOrder(ctx context.Context, id string) (schedule.Order, error) {
	o, err := scanStanding(s.r.QueryRowContext(ctx, `SELECT `+standingCols+` FROM standing_orders WHERE id = ?`, id))
	if err != nil {
		return schedule.Order{}, notFound(err, "standing order")
	}
	return o, nil
}

// StandingOrders lists standing orders newest first.
func (s *Store) StandingOrders(ctx context.Context, f store.StandingFilter) ([]schedule.Order, error) {
	q := `SELECT ` + standingCols + ` FROM standing_orders WHERE 1 = 1`
	var args []any
	if f.OperatorID != "" {
		q += ` AND operator_id = ?`
		args = append(args, f.OperatorID)
	}
	if f.Payer != 0 {
		q += ` AND payer = ?`
		args = append(args, f.Payer)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	if f.Before != "" {
		q += ` AND id < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limitArg(f.Limit))
	out, err := collect(ctx, s.r, scanStanding, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: standing orders: %w", err)
	}
	return out, nil
}

// DueStandingOrders lists active orders due at now.
func (s *Store) DueStandingOrders(ctx context.Context, now time.Time, limit int) ([]schedule.Order, error) {
	out, err := collect(ctx, s.r, scanStanding, `SELECT `+standingCols+` FROM standing_orders
		WHERE status = 'active' AND due_at <= ? ORDER BY due_at, id LIMIT ?`, micros(now), limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: due standing orders: %w", err)
	}
	return out, nil
}

// StandingRuns lists an order's runs, latest occurrence first.
func (s *Store) StandingRuns(ctx context.Context, orderID string, before schedule.Date, limit int) ([]schedule.Run, error) {
	q := `SELECT ` + runCols + ` FROM standing_order_runs WHERE order_id = ?`
	args := []any{orderID}
	if !before.IsZero() {
		q += ` AND occurrence < ?`
		args = append(args, before.String())
	}
	q += ` ORDER BY occurrence DESC LIMIT ?`
	args = append(args, limitArg(limit))
	out, err := collect(ctx, s.r, scanRun, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: standing order runs: %w", err)
	}
	return out, nil
}

// LockStandingOrders reads the batch's standing orders (the batch holds
// the write lock).
func (b *batchTx) LockStandingOrders(ctx context.Context, ids []string) ([]schedule.Order, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock standing orders: %w", err)
	}
	out, err := collect(ctx, b.tx, scanStanding, `SELECT `+standingCols+` FROM standing_orders
		WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock standing orders: %w", err)
	}
	return out, nil
}

// writeStanding inserts a batch's new standing orders, updates the
// changed ones and stores their runs.
func (b *batchTx) writeStanding(ctx context.Context, w *store.StandingWrite) error {
	for i := range w.New {
		o := &w.New[i]
		sched, err := json.Marshal(o.Schedule)
		if err != nil {
			return fmt.Errorf("sqlite: write standing order %s: %w", o.ID, err)
		}
		if _, err := b.tx.ExecContext(ctx, `INSERT INTO standing_orders (`+standingCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			o.ID, o.OperatorID, o.PayeeOperatorID, o.Payer, o.Payee, o.Amount, o.Currency, o.Memo, o.Purpose, string(sched), string(o.Status),
			o.Next.String(), o.NextIndex, nullMicros(o.DueAt), o.Tries, nullMicros(o.RetryUntil), o.HolderID, o.AuthorizationID,
			micros(o.CreatedAt), micros(o.UpdatedAt)); err != nil {
			return fmt.Errorf("sqlite: write standing order %s: %w", o.ID, err)
		}
	}
	for i := range w.Updated {
		o := &w.Updated[i]
		res, err := b.tx.ExecContext(ctx, `UPDATE standing_orders SET status = ?, next_date = ?, next_index = ?, due_at = ?,
			tries = ?, retry_until = ?, updated_at = ? WHERE id = ?`,
			string(o.Status), o.Next.String(), o.NextIndex, nullMicros(o.DueAt), o.Tries, nullMicros(o.RetryUntil), micros(o.UpdatedAt), o.ID)
		if err != nil {
			return fmt.Errorf("sqlite: write standing order %s: %w", o.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("sqlite: write standing order %s: %d rows, %v", o.ID, n, err)
		}
	}
	for i := range w.Runs {
		r := &w.Runs[i]
		if _, err := b.tx.ExecContext(ctx, `INSERT INTO standing_order_runs (`+runCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (order_id, occurrence) DO UPDATE SET status = excluded.status, transfer_id = excluded.transfer_id,
				code = excluded.code, review_id = excluded.review_id, attempts = excluded.attempts, at = excluded.at`,
			r.OrderID, r.Occurrence.String(), string(r.Status), r.TransferID, r.Code, r.ReviewID, r.Attempts, micros(r.At)); err != nil {
			return fmt.Errorf("sqlite: write standing order %s's run of %s: %w", r.OrderID, r.Occurrence, err)
		}
	}
	return nil
}
