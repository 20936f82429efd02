package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ingot-cbdc/ingot/store"
)

// Re-sealing: the store side of `ingot rekey`, over store.SealedColumns.

var _ store.SealedStore = (*Store)(nil)

// StaleSealed lists up to limit rows of a sealed column whose value is not
// empty and does not start with prefix, in key order after the key after
// (nil: from the first).
func (s *Store) StaleSealed(ctx context.Context, column, prefix string, after any, limit int) ([]store.SealedValue, error) {
	c, err := store.LookupSealedColumn(column)
	if err != nil {
		return nil, err
	}
	q := fmt.Sprintf(`SELECT %s, %s, %s FROM %s WHERE %s <> '' AND NOT starts_with(%s, $1)`,
		c.Key, c.ContextColumn(), c.Column, c.Table, c.Column, c.Column)
	args := []any{prefix}
	if after != nil {
		q += ` AND ` + c.Key + ` > $3`
		args = append(args, limit, after)
	} else {
		args = append(args, limit)
	}
	q += ` ORDER BY ` + c.Key + ` LIMIT $2`
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list %s: %w", column, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.SealedValue, error) {
		var v store.SealedValue
		var ctxValue any
		if err := row.Scan(&v.Row, &ctxValue, &v.Value); err != nil {
			return v, err
		}
		var err error
		v.Context, err = c.ContextOf(ctxValue)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list %s: %w", column, err)
	}
	return out, nil
}

// Reseal writes the new values of rows that still hold the old ones, in
// one transaction, one UPDATE per row in the order given (StaleSealed's,
// the key order, which is also the order in which the engine locks
// accounts). A concurrent change of a row makes its UPDATE wait for that
// transaction and then match nothing. A deadlock with another transaction
// is retried.
func (s *Store) Reseal(ctx context.Context, column string, rs []store.Reseal) (int, error) {
	c, err := store.LookupSealedColumn(column)
	if err != nil {
		return 0, err
	}
	if len(rs) == 0 {
		return 0, nil
	}
	q := fmt.Sprintf(`UPDATE %s SET %s = $1 WHERE %s = $2 AND %s = $3`, c.Table, c.Column, c.Key, c.Column)
	for attempt := 1; ; attempt++ {
		n, err := s.reseal(ctx, q, rs)
		var pe *pgconn.PgError
		if err != nil && errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001") && attempt < 3 {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("postgres: reseal %s: %w", column, err)
		}
		return n, nil
	}
}

func (s *Store) reseal(ctx context.Context, q string, rs []store.Reseal) (int, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	var b pgx.Batch
	for _, r := range rs {
		b.Queue(q, r.New, r.Row, r.Old)
	}
	br := tx.SendBatch(ctx, &b)
	n := 0
	for range rs {
		tag, err := br.Exec()
		if err != nil {
			br.Close()
			return 0, err
		}
		n += int(tag.RowsAffected())
	}
	if err := br.Close(); err != nil {
		return 0, err
	}
	return n, tx.Commit(ctx)
}
