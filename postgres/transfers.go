package postgres

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
)

// Transfers (written by batches, batch.go).

const transferCols = "id, kind, debit, credit, amount, currency, memo, hold_id, debit_balance, credit_balance, created_at, log_index, " +
	"fee, reference, payment_request_id, purpose"

func scanTransfer(row pgx.Row) (ingot.Transfer, error) {
	var t ingot.Transfer
	var kind string
	err := row.Scan(&t.Seq, &t.ID, &kind, &t.Debit, &t.Credit, &t.Amount, &t.Currency, &t.Memo, &t.HoldID,
		&t.DebitBalance, &t.CreditBalance, &t.CreatedAt, &t.LogIndex, &t.Fee, &t.Reference, &t.PaymentRequestID, &t.Purpose)
	t.Kind = ingot.TransferKind(kind)
	t.CreatedAt = t.CreatedAt.UTC()
	return t, err
}

// Transfer reads a transfer, with its Seq.
func (s *Store) Transfer(ctx context.Context, id string) (ingot.Transfer, error) {
	t, err := scanTransfer(s.pool.QueryRow(ctx, `SELECT seq, `+transferCols+` FROM transfers WHERE id = $1`, id))
	if err != nil {
		return ingot.Transfer{}, notFound(err, "transfer %s", id)
	}
	return t, nil
}

// AccountTransfers lists the transfers of an account, newest first, with
// Seq < before (before <= 0: from the newest), at most limit. The debit and
// credit sides are two index range scans merged, never an OR scan.
func (s *Store) AccountTransfers(ctx context.Context, account int64, before int64, limit int) ([]ingot.Transfer, error) {
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, _ := s.pool.Query(ctx, `SELECT seq, `+transferCols+` FROM (
			(SELECT * FROM transfers WHERE debit = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3)
			UNION ALL
			(SELECT * FROM transfers WHERE credit = $1 AND debit <> $1 AND seq < $2 ORDER BY seq DESC LIMIT $3)
		) t ORDER BY seq DESC LIMIT $3`, account, before, limit)
	ts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.Transfer, error) { return scanTransfer(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: account transfers: %w", err)
	}
	return ts, nil
}
