package sqlite

import (
	"context"
	"fmt"

	"github.com/ingot-cbdc/ingot/store"
)

// Re-sealing: the store side of `ingot rekey`, over store.SealedColumns.

var _ store.SealedStore = (*Store)(nil)

// StaleSealed lists up to limit rows of a sealed column whose value is not
// empty and does not start with prefix, in key order after the key after
// (nil: from the first). It reads through the query-only pool.
func (s *Store) StaleSealed(ctx context.Context, column, prefix string, after any, limit int) ([]store.SealedValue, error) {
	c, err := store.LookupSealedColumn(column)
	if err != nil {
		return nil, err
	}
	// substr counts characters; prefix is ASCII, so the first len(prefix)
	// characters equal it exactly when the value starts with its bytes.
	q := fmt.Sprintf(`SELECT %s, %s, %s FROM %s WHERE %s <> '' AND substr(%s, 1, ?) <> ?`,
		c.Key, c.ContextColumn(), c.Column, c.Table, c.Column, c.Column)
	args := []any{len(prefix), prefix}
	if after != nil {
		q += ` AND ` + c.Key + ` > ?`
		args = append(args, after)
	}
	q += ` ORDER BY ` + c.Key + ` LIMIT ?`
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list %s: %w", column, err)
	}
	defer rows.Close()
	var out []store.SealedValue
	for rows.Next() {
		var v store.SealedValue
		var ctxValue any
		if err := rows.Scan(&v.Row, &ctxValue, &v.Value); err != nil {
			return nil, fmt.Errorf("sqlite: list %s: %w", column, err)
		}
		if v.Context, err = c.ContextOf(ctxValue); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list %s: %w", column, err)
	}
	return out, nil
}

// Reseal writes the new values of rows that still hold the old ones, in
// one transaction (which holds the write lock, as the engine's batches do).
func (s *Store) Reseal(ctx context.Context, column string, rs []store.Reseal) (int, error) {
	c, err := store.LookupSealedColumn(column)
	if err != nil {
		return 0, err
	}
	if len(rs) == 0 {
		return 0, nil
	}
	tx, err := s.w.BeginTx(ctx)
	if err != nil {
		return 0, fmt.Errorf("sqlite: reseal %s: %w", column, err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, fmt.Sprintf(`UPDATE %s SET %s = ? WHERE %s = ? AND %s = ?`, c.Table, c.Column, c.Key, c.Column))
	if err != nil {
		return 0, fmt.Errorf("sqlite: reseal %s: %w", column, err)
	}
	defer stmt.Close()
	n := 0
	for _, r := range rs {
		res, err := stmt.ExecContext(ctx, r.New, r.Row, r.Old)
		if err != nil {
			return 0, fmt.Errorf("sqlite: reseal %s: %w", column, err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("sqlite: reseal %s: %w", column, err)
		}
		n += int(k)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: reseal %s: %w", column, err)
	}
	return n, nil
}
