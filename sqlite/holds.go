package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Holds (written by batches, batch.go).

const holdCols = `id, wallet, operator_id, amount, currency, status, captured, transfer_id, expires_at, created_at, updated_at`

func scanHold(sc scanner) (ingot.Hold, error) {
	var h ingot.Hold
	var status string
	var exp, created, updated int64
	if err := sc.Scan(&h.ID, &h.Wallet, &h.OperatorID, &h.Amount, &h.Currency, &status, &h.Captured,
		&h.TransferID, &exp, &created, &updated); err != nil {
		return ingot.Hold{}, err
	}
	h.Status = ingot.HoldStatus(status)
	h.ExpiresAt = fromMicros(exp)
	h.CreatedAt = fromMicros(created)
	h.UpdatedAt = fromMicros(updated)
	return h, nil
}

// Hold reads a hold.
func (s *Store) Hold(ctx context.Context, id string) (ingot.Hold, error) {
	h, err := scanHold(s.r.QueryRowContext(ctx, `SELECT `+holdCols+` FROM holds WHERE id = ?`, id))
	if err != nil {
		return ingot.Hold{}, notFound(err, "hold")
	}
	return h, nil
}

// ExpiredHolds lists ids of pending holds with ExpiresAt <= now, soonest
// expired first.
func (s *Store) ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, err := s.r.QueryContext(ctx,
		`SELECT id FROM holds WHERE status = ? AND expires_at <= ? ORDER BY expires_at, id LIMIT ?`,
		string(ingot.HoldPending), micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: expired holds: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: expired holds: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: expired holds: %w", err)
	}
	return out, nil
}

// AllHolds lists every hold by id.
func (s *Store) AllHolds(ctx context.Context, after string, limit int) ([]ingot.Hold, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+holdCols+` FROM holds WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: all holds: %w", err)
	}
	defer rows.Close()
	var out []ingot.Hold
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: all holds: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
