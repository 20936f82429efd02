package sqlite

import (
	"context"
	"fmt"
	"math"

	"github.com/ingot-cbdc/ingot"
)

// Transfers (written by batches, batch.go).

const transferCols = `seq, id, kind, debit, credit, amount, currency, memo, hold_id, debit_balance, credit_balance, created_at, log_index`

func scanTransfer(sc scanner) (ingot.Transfer, error) {
	var t ingot.Transfer
	var kind string
	var created int64
	if err := sc.Scan(&t.Seq, &t.ID, &kind, &t.Debit, &t.Credit, &t.Amount, &t.Currency, &t.Memo,
		&t.HoldID, &t.DebitBalance, &t.CreditBalance, &created, &t.LogIndex); err != nil {
		return ingot.Transfer{}, err
	}
	t.Kind = ingot.TransferKind(kind)
	t.CreatedAt = fromMicros(created)
	return t, nil
}

// Transfer reads a transfer.
func (s *Store) Transfer(ctx context.Context, id string) (ingot.Transfer, error) {
	t, err := scanTransfer(s.r.QueryRowContext(ctx, `SELECT `+transferCols+` FROM transfers WHERE id = ?`, id))
	if err != nil {
		return ingot.Transfer{}, notFound(err, "transfer")
	}
	return t, nil
}

// accountTransfersSQL takes the newest transfers of each side through its
// own index, then merges them.
const accountTransfersSQL = `
SELECT ` + transferCols + ` FROM (
	SELECT * FROM (SELECT ` + transferCols + ` FROM transfers WHERE debit = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3)
	UNION
	SELECT * FROM (SELECT ` + transferCols + ` FROM transfers WHERE credit = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3)
) ORDER BY seq DESC LIMIT ?3`

// AccountTransfers lists the transfers of an account, newest first.
func (s *Store) AccountTransfers(ctx context.Context, account int64, before int64, limit int) ([]ingot.Transfer, error) {
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := s.r.QueryContext(ctx, accountTransfersSQL, account, before, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: account transfers: %w", err)
	}
	defer rows.Close()
	var out []ingot.Transfer
	for rows.Next() {
		t, err := scanTransfer(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: account transfers: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: account transfers: %w", err)
	}
	return out, nil
}
