package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Transfers (written by batches, batch.go).

const transferCols = `seq, id, kind, debit, credit, amount, currency, memo, hold_id, debit_balance, credit_balance, created_at, log_index,
	fee, reference, payment_request_id, purpose`

func scanTransfer(sc scanner) (ingot.Transfer, error) {
	var t ingot.Transfer
	var kind string
	var created int64
	if err := sc.Scan(&t.Seq, &t.ID, &kind, &t.Debit, &t.Credit, &t.Amount, &t.Currency, &t.Memo,
		&t.HoldID, &t.DebitBalance, &t.CreditBalance, &created, &t.LogIndex,
		&t.Fee, &t.Reference, &t.PaymentRequestID, &t.Purpose); err != nil {
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

// Statements' queries. Neither needs an index on created_at (which would
// cost every transfer two more index entries): they walk the account's
// debit and credit indexes by seq. lastBeforeSQL finds the account's last
// transfer created before ?2 by walking back from its newest, so it reads
// the account's transfers since then; a statement's transfers are those
// after that one (by seq) created in [?2, ?3), read forward from it. This
// is exact as long as an account's transfers are created in seq order,
// which the single writer, taking its batch's time once it holds the
// write lock, ensures (short of the clock going back); a statement would
// not add up otherwise anyway.

// lastBeforeSQL is the seq and balance after the account's (?1) last
// transfer created before ?2, from whichever side it was; no row when none.
const lastBeforeSQL = `
SELECT seq, balance FROM (
	SELECT * FROM (SELECT seq, debit_balance AS balance FROM transfers WHERE debit = ?1 AND created_at < ?2 ORDER BY seq DESC LIMIT 1)
	UNION ALL
	SELECT * FROM (SELECT seq, credit_balance AS balance FROM transfers WHERE credit = ?1 AND created_at < ?2 ORDER BY seq DESC LIMIT 1)
) ORDER BY seq DESC LIMIT 1`

// transfersBetweenSQL lists the account's (?1) transfers created in [?2,
// ?3) after its last one before ?2, by seq, at most ?4.
const transfersBetweenSQL = `
SELECT ` + transferCols + ` FROM (
	SELECT * FROM (SELECT ` + transferCols + ` FROM transfers
		WHERE debit = ?1 AND seq > (SELECT seq FROM last) AND created_at >= ?2 AND created_at < ?3 ORDER BY seq LIMIT ?4)
	UNION
	SELECT * FROM (SELECT ` + transferCols + ` FROM transfers
		WHERE credit = ?1 AND seq > (SELECT seq FROM last) AND created_at >= ?2 AND created_at < ?3 ORDER BY seq LIMIT ?4)
) ORDER BY seq LIMIT ?4`

// AccountTransfersBetween lists the transfers of an account created in
// [from, to), oldest first, at most limit.
func (s *Store) AccountTransfersBetween(ctx context.Context, account int64, from, to time.Time, limit int) ([]ingot.Transfer, error) {
	q := `WITH last AS (SELECT coalesce((SELECT seq FROM (` + lastBeforeSQL + `)), 0) AS seq)` + transfersBetweenSQL
	out, err := collect(ctx, s.r, scanTransfer, q, account, micros(from), micros(to), limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: account transfers between: %w", err)
	}
	return out, nil
}

// BalanceBefore is an account's balance after its last transfer created
// before at, 0 when none.
func (s *Store) BalanceBefore(ctx context.Context, account int64, at time.Time) (int64, error) {
	var seq, balance int64
	err := s.r.QueryRowContext(ctx, lastBeforeSQL, account, micros(at)).Scan(&seq, &balance)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: balance before: %w", err)
	}
	return balance, nil
}
