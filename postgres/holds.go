package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
)

// Holds (written by batches, batch.go).

const holdCols = "id, wallet, operator_id, amount, currency, status, captured, transfer_id, expires_at, created_at, updated_at"

func scanHold(row pgx.Row) (ingot.Hold, error) {
	var h ingot.Hold
	var status string
	err := row.Scan(&h.ID, &h.Wallet, &h.OperatorID, &h.Amount, &h.Currency, &status, &h.Captured, &h.TransferID,
		&h.ExpiresAt, &h.CreatedAt, &h.UpdatedAt)
	h.Status = ingot.HoldStatus(status)
	h.ExpiresAt, h.CreatedAt, h.UpdatedAt = h.ExpiresAt.UTC(), h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	return h, err
}

// Hold reads a hold.
func (s *Store) Hold(ctx context.Context, id string) (ingot.Hold, error) {
	h, err := scanHold(s.pool.QueryRow(ctx, `SELECT `+holdCols+` FROM holds WHERE id = $1`, id))
	if err != nil {
		return ingot.Hold{}, notFound(err, "hold %s", id)
	}
	return h, nil
}

// ExpiredHolds lists ids of pending holds with ExpiresAt <= now, oldest first.
func (s *Store) ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id FROM holds WHERE status = $1 AND expires_at <= $2
		ORDER BY expires_at LIMIT $3`, string(ingot.HoldPending), now, limit)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: expired holds: %w", err)
	}
	return ids, nil
}

// AllHolds lists every hold by id.
func (s *Store) AllHolds(ctx context.Context, after string, limit int) ([]ingot.Hold, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+holdCols+` FROM holds WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	hs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.Hold, error) { return scanHold(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: all holds: %w", err)
	}
	return hs, nil
}
