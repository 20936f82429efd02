package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot/conditional"
	"github.com/ingot-cbdc/ingot/store"
)

// Conditional payments (store/conditional.go; migration 00015).

const conditionalCols = `id, operator_id, payee_operator_id, payer, payee, amount, currency, memo, purpose, condition, met,
	hold_id, status, transfer_id, expires_at, due_at, history, created_at, updated_at`

func scanConditional(row pgx.Row) (conditional.Payment, error) {
	var p conditional.Payment
	var cond, met, hist []byte
	var status string
	if err := row.Scan(&p.ID, &p.OperatorID, &p.PayeeOperatorID, &p.Payer, &p.Payee, &p.Amount, &p.Currency, &p.Memo, &p.Purpose,
		&cond, &met, &p.HoldID, &status, &p.TransferID, &p.ExpiresAt, &p.DueAt, &hist, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return conditional.Payment{}, err
	}
	if err := json.Unmarshal(cond, &p.Condition); err != nil {
		return conditional.Payment{}, fmt.Errorf("conditional payment %s: condition: %w", p.ID, err)
	}
	if err := json.Unmarshal(met, &p.Met); err != nil {
		return conditional.Payment{}, fmt.Errorf("conditional payment %s: met: %w", p.ID, err)
	}
	if err := json.Unmarshal(hist, &p.History); err != nil {
		return conditional.Payment{}, fmt.Errorf("conditional payment %s: history: %w", p.ID, err)
	}
	for i := range p.History {
		p.History[i].At = p.History[i].At.UTC()
	}
	p.Status = conditional.Status(status)
	p.ExpiresAt, p.DueAt, p.CreatedAt, p.UpdatedAt = p.ExpiresAt.UTC(), p.DueAt.UTC(), p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, nil
}

// ConditionalPayment reads one conditional payment.
func (s *Store) ConditionalPayment(ctx context.Context, id string) (conditional.Payment, error) {
	return one(ctx, s.pool, "conditional payment", scanConditional, `SELECT `+conditionalCols+` FROM conditional_payments WHERE id = $1`, id)
}

// ConditionalPayments lists conditional payments newest first.
func (s *Store) ConditionalPayments(ctx context.Context, f store.ConditionalFilter) ([]conditional.Payment, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 1 << 30
	}
	out, err := collect(ctx, s.pool, scanConditional, `SELECT `+conditionalCols+` FROM conditional_payments
		WHERE ($1 = '' OR operator_id = $1 OR payee_operator_id = $1) AND ($2::bigint = 0 OR payer = $2 OR payee = $2)
		AND ($3 = '' OR status = $3) AND ($4 = '' OR id < $4)
		ORDER BY id DESC LIMIT $5`, f.OperatorID, f.Wallet, string(f.Status), f.Before, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: conditional payments: %w", err)
	}
	return out, nil
}

// DueConditionalPayments lists pending payments due at now.
func (s *Store) DueConditionalPayments(ctx context.Context, now time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	rows, err := s.pool.Query(ctx, `SELECT id FROM conditional_payments WHERE status = 'pending' AND due_at <= $1
		ORDER BY due_at, id LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: due conditional payments: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: due conditional payments: %w", err)
	}
	return ids, nil
}

// LockConditionalPayments locks the batch's conditional payments, by id.
func (b *batchTx) LockConditionalPayments(ctx context.Context, ids []string) ([]conditional.Payment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := collect(ctx, b.tx, scanConditional, `SELECT `+conditionalCols+` FROM conditional_payments
		WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: lock conditional payments: %w", err)
	}
	return out, nil
}

// queueConditional queues a batch's new and changed conditional payments.
func queueConditional(batch *pgx.Batch, w *store.ConditionalWrite) ([]check, error) {
	var checks []check
	for i := range w.New {
		p := &w.New[i]
		cond, met, hist, err := encodeConditional(p)
		if err != nil {
			return nil, err
		}
		batch.Queue(`INSERT INTO conditional_payments (`+conditionalCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
			p.ID, p.OperatorID, p.PayeeOperatorID, p.Payer, p.Payee, p.Amount, p.Currency, p.Memo, p.Purpose, cond, met,
			p.HoldID, string(p.Status), p.TransferID, p.ExpiresAt, p.DueAt, hist, p.CreatedAt, p.UpdatedAt)
		checks = append(checks, check{what: "conditional payment", want: 1})
	}
	for i := range w.Updated {
		p := &w.Updated[i]
		_, met, hist, err := encodeConditional(p)
		if err != nil {
			return nil, err
		}
		batch.Queue(`UPDATE conditional_payments SET met = $1, status = $2, transfer_id = $3, due_at = $4, history = $5, updated_at = $6
			WHERE id = $7`, met, string(p.Status), p.TransferID, p.DueAt, hist, p.UpdatedAt, p.ID)
		checks = append(checks, check{what: "conditional payment " + p.ID, want: 1})
	}
	return checks, nil
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
	if err != nil {
		err = fmt.Errorf("postgres: conditional payment %s: %w", p.ID, err)
	}
	return
}
