package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Idempotency records (store.IdemRecord): reads, and the claim that the
// create-with-idempotency methods make in their transaction.

const idemCols = `scope, key, hash, status, body, created_at`

func scanIdem(sc scanner) (store.IdemRecord, error) {
	var r store.IdemRecord
	var created int64
	if err := sc.Scan(&r.Scope, &r.Key, &r.Hash, &r.Status, &r.Body, &created); err != nil {
		return store.IdemRecord{}, err
	}
	r.CreatedAt = fromMicros(created)
	return r, nil
}

// Idempotency reads a stored idempotency record.
func (s *Store) Idempotency(ctx context.Context, k ingot.IdemKey) (store.IdemRecord, error) {
	r, err := scanIdem(s.r.QueryRowContext(ctx,
		`SELECT `+idemCols+` FROM idempotency WHERE scope = ? AND key = ?`, k.Scope, k.Key))
	if err != nil {
		return store.IdemRecord{}, notFound(err, "idempotency")
	}
	return r, nil
}

const insertIdemSQL = `INSERT INTO idempotency (` + idemCols + `) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

func idemArgs(r *store.IdemRecord) []any {
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	hash := r.Hash
	if hash == nil {
		hash = []byte{}
	}
	return []any{r.Scope, r.Key, hash, r.Status, body, micros(r.CreatedAt)}
}

// claimIdem inserts idem inside tx. When a record with its key exists
// already, it returns that record and false.
func claimIdem(ctx context.Context, tx *sql.Tx, idem *store.IdemRecord) (*store.IdemRecord, bool, error) {
	res, err := tx.ExecContext(ctx, insertIdemSQL, idemArgs(idem)...)
	if err != nil {
		return nil, false, fmt.Errorf("insert idempotency: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, false, err
	}
	if n == 1 {
		return nil, true, nil
	}
	old, err := scanIdem(tx.QueryRowContext(ctx,
		`SELECT `+idemCols+` FROM idempotency WHERE scope = ? AND key = ?`, idem.Scope, idem.Key))
	if err != nil {
		return nil, false, fmt.Errorf("read idempotency: %w", err)
	}
	return &old, false, nil
}

// createWithIdem runs insert in a transaction on the writer, after claiming
// idem when it is not nil: when a record with idem's key exists already, it
// is returned and nothing is written. what names the caller in errors.
func (s *Store) createWithIdem(ctx context.Context, what string, idem *store.IdemRecord, insert func(tx *sql.Tx) error) (*store.IdemRecord, error) {
	tx, err := s.w.BeginTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: begin: %w", what, err)
	}
	defer tx.Rollback()
	if idem != nil {
		old, fresh, err := claimIdem(ctx, tx.Tx, idem)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", what, err)
		}
		if !fresh {
			return old, nil
		}
	}
	if err := insert(tx.Tx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: commit: %w", what, err)
	}
	return nil, nil
}
