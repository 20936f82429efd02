package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ingot-cbdc/ingot/conditional"
	"github.com/ingot-cbdc/ingot/store"
)

// Conditional payments (store/conditional.go; migration 00015).

const conditionalCols = `id, operator_id, payee_operator_id, payer, payee, amount, currency, memo, purpose, condition, met,
	hold_id, status, transfer_id, expires_at, due_at, history, created_at, updated_at`

func scanConditional(sc scanner) (conditional.Payment, error) {
	var p conditional.Payment
	var cond, met, hist, status string
	var expires, due, created, updated int64
	if err := sc.Scan(&p.ID, &p.OperatorID, &p.PayeeOperatorID, &p.Payer, &p.Payee, &p.Amount, &p.Currency, &p.Memo, &p.Purpose,
		&cond, &met, &p.HoldID, &status, &p.TransferID, &expires, &due, &hist, &created, &updated); err != nil {
		return conditional.Payment{}, err
	}
	if err := decodeConditional(&p, cond, met, hist); err != nil {
		return conditional.Payment{}, err
	}
	p.Status = conditional.Status(status)
	p.ExpiresAt, p.DueAt, p.CreatedAt, p.UpdatedAt = fromMicros(expires), fromMicros(due), fromMicros(created), fromMicros(updated)
	return p, nil
}

func decodeConditional(p *conditional.Payment, cond, met, hist string) error {
	if err := json.Unmarshal([]byte(cond), &p.Condition); err != nil {
		return fmt.Errorf("conditional payment %s: condition: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(met), &p.Met); err != nil {
		return fmt.Errorf("conditional payment %s: met: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(hist), &p.History); err != nil {
		return fmt.Errorf("conditional payment %s: history: %w", p.ID, err)
	}
	return nil
}

// encodeConditional is the payment's JSON columns: condition, met, history.
func encodeConditional(p *conditional.Payment) (cond, met, hist []byte, err error) {
	if cond, err = json.Marshal(p.Condition); err != nil {
		return
	}
	if met, err = json.Marshal(p.Met); err != nil {
		return
	}
	hist, err = json.Marshal(p.History)
	return
}

// ConditionalPayment reads one conditional payment.
func (s *Store) ConditionalPayment(ctx context.Context, id string) (conditional.Payment, error) {
	p, err := scanConditional(s.r.QueryRowContext(ctx, `SELECT `+conditionalCols+` FROM conditional_payments WHERE id = ?`, id))
	if err != nil {
		return conditional.Payment{}, notFound(err, "conditional payment")
	}
	return p, nil
}

// ConditionalPayments lists conditional payments newest first.
func (s *Store) ConditionalPayments(ctx context.Context, f store.ConditionalFilter) ([]conditional.Payment, error) {
	q := `SELECT ` + conditionalCols + ` FROM conditional_payments WHERE 1 = 1`
	var args []any
	if f.OperatorID != "" {
		q += ` AND (operator_id = ? OR payee_operator_id = ?)`
		args = append(args, f.OperatorID, f.OperatorID)
	}
	if f.Wallet != 0 {
		q += ` AND (payer = ? OR payee = ?)`
		args = append(args, f.Wallet, f.Wallet)
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
	out, err := collect(ctx, s.r, scanConditional, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: conditional payments: %w", err)
	}
	return out, nil
}

// DueConditionalPayments lists pending payments due at now.
func (s *Store) DueConditionalPayments(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM conditional_payments WHERE status = 'pending' AND due_at <= ?
		ORDER BY due_at, id LIMIT ?`, micros(now), limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: due conditional payments: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: due conditional payments: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// LockConditionalPayments reads the batch's conditional payments (the
// batch holds the write lock).
func (b *batchTx) LockConditionalPayments(ctx context.Context, ids []string) ([]conditional.Payment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock conditional payments: %w", err)
	}
	out, err := collect(ctx, b.tx, scanConditional, `SELECT `+conditionalCols+` FROM conditional_payments
		WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock conditional payments: %w", err)
	}
	return out, nil
}

// writeConditional inserts a batch's new conditional payments and updates
// the changed ones.
func (b *batchTx) writeConditional(ctx context.Context, w *store.ConditionalWrite) error {
	for i := range w.New {
		p := &w.New[i]
		cond, met, hist, err := encodeConditional(p)
		if err != nil {
			return fmt.Errorf("sqlite: write conditional payment %s: %w", p.ID, err)
		}
		if _, err := b.tx.ExecContext(ctx, `INSERT INTO conditional_payments (`+conditionalCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.OperatorID, p.PayeeOperatorID, p.Payer, p.Payee, p.Amount, p.Currency, p.Memo, p.Purpose, string(cond), string(met),
			p.HoldID, string(p.Status), p.TransferID, micros(p.ExpiresAt), micros(p.DueAt), string(hist), micros(p.CreatedAt), micros(p.UpdatedAt)); err != nil {
			return fmt.Errorf("sqlite: write conditional payment %s: %w", p.ID, err)
		}
	}
	for i := range w.Updated {
		p := &w.Updated[i]
		_, met, hist, err := encodeConditional(p)
		if err != nil {
			return fmt.Errorf("sqlite: write conditional payment %s: %w", p.ID, err)
		}
		res, err := b.tx.ExecContext(ctx, `UPDATE conditional_payments SET met = ?, status = ?, transfer_id = ?, due_at = ?, history = ?, updated_at = ?
			WHERE id = ?`, string(met), string(p.Status), p.TransferID, micros(p.DueAt), string(hist), micros(p.UpdatedAt), p.ID)
		if err != nil {
			return fmt.Errorf("sqlite: write conditional payment %s: %w", p.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("sqlite: write conditional payment %s: %d rows, %v", p.ID, n, err)
		}
	}
	return nil
}
