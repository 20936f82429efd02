package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// CreateAccounts stores new wallet accounts (balance zero) with COPY, in
// one transaction with idem. A taken id (or one given twice) is
// store.ErrConflict and nothing is written; an existing idem record is
// returned and nothing is written.
func (s *Store) CreateAccounts(ctx context.Context, as []ingot.Account, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		if len(as) == 0 {
			return nil
		}
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"accounts"}, accountColumns,
			pgx.CopyFromSlice(len(as), func(i int) ([]any, error) {
				a := as[i]
				a.Balance, a.Held = 0, 0
				return accountValues(&a), nil
			}))
		if isUniqueViolation(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("postgres: create accounts: %w", err)
		}
		if n != int64(len(as)) {
			return fmt.Errorf("postgres: create accounts: copied %d of %d", n, len(as))
		}
		return nil
	})
}
