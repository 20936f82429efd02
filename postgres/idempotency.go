package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Idempotency records (store.IdemRecord): reads, and the claim that the
// create-with-idempotency methods make in their transaction.

const idemCols = "scope, key, hash, status, body, created_at"

func scanIdem(row pgx.Row) (store.IdemRecord, error) {
	var r store.IdemRecord
	err := row.Scan(&r.Scope, &r.Key, &r.Hash, &r.Status, &r.Body, &r.CreatedAt)
	r.CreatedAt = r.CreatedAt.UTC()
	return r, err
}

// Idempotency reads a stored idempotency record.
func (s *Store) Idempotency(ctx context.Context, k ingot.IdemKey) (store.IdemRecord, error) {
	r, err := scanIdem(s.pool.QueryRow(ctx, `SELECT `+idemCols+` FROM idempotency WHERE scope = $1 AND key = $2`,
		k.Scope, k.Key))
	if err != nil {
		return store.IdemRecord{}, notFound(err, "idempotency record")
	}
	return r, nil
}

// claimIdem inserts idem in tx unless a record with its key exists; then it
// returns that record. A concurrent uncommitted insert of the same key makes
// PostgreSQL wait for its transaction's end.
func claimIdem(ctx context.Context, tx pgx.Tx, idem *store.IdemRecord) (*store.IdemRecord, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO idempotency (scope, key, hash, status, body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		idem.Scope, idem.Key, idem.Hash, idem.Status, nonNil(idem.Body), idem.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("postgres: insert idempotency record: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil, nil
	}
	rec, err := scanIdem(tx.QueryRow(ctx, `SELECT `+idemCols+` FROM idempotency WHERE scope = $1 AND key = $2`,
		idem.Scope, idem.Key))
	if err != nil {
		return nil, fmt.Errorf("postgres: read idempotency record: %w", err)
	}
	return &rec, nil
}

// errReplay ends a transaction early (rolled back) when an idempotency
// record exists already.
var errReplay = errors.New("replay")

// createWithIdem runs insert in a transaction, after claiming idem when it
// is not nil; an existing record is returned and nothing is written.
func (s *Store) createWithIdem(ctx context.Context, idem *store.IdemRecord, insert func(tx pgx.Tx) error) (*store.IdemRecord, error) {
	var existing *store.IdemRecord
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if idem != nil {
			rec, err := claimIdem(ctx, tx, idem)
			if err != nil {
				return err
			}
			if rec != nil {
				existing = rec
				return errReplay
			}
		}
		return insert(tx)
	})
	if errors.Is(err, errReplay) {
		return existing, nil
	}
	return nil, err
}
