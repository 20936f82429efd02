package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// bulkRows is the number of accounts one multi-row INSERT carries:
// accountParams each, far below SQLite's limit of 32,766 parameters.
const bulkRows = 256

// insertAccountsSQL is a multi-row INSERT of n accounts.
func insertAccountsSQL(n int) string {
	var b strings.Builder
	b.Grow(len(insertAccountSQL) + n*(len(accountPlaceholders)+2))
	b.WriteString(insertAccountSQL)
	for range n - 1 {
		b.WriteString(", ")
		b.WriteString(accountPlaceholders)
	}
	return b.String()
}

// CreateAccounts stores new wallet accounts (balance zero) in one
// transaction with idem: multi-row INSERTs of bulkRows accounts, the full
// ones through one prepared statement. A taken id (or one given twice) is
// ErrConflict and nothing is written; an existing idem record is returned
// and nothing is written.
func (s *Store) CreateAccounts(ctx context.Context, as []ingot.Account, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "create accounts", idem, func(tx *sql.Tx) error {
		args := make([]any, 0, accountParams*min(len(as), bulkRows))
		rows := func(chunk []ingot.Account) []any {
			args = args[:0]
			for i := range chunk {
				a := chunk[i]
				a.Balance, a.Held = 0, 0
				args = append(args, accountArgs(&a)...)
			}
			return args
		}
		if full := len(as) / bulkRows; full > 0 {
			stmt, err := tx.PrepareContext(ctx, insertAccountsSQL(bulkRows))
			if err != nil {
				return fmt.Errorf("sqlite: create accounts: prepare: %w", err)
			}
			defer stmt.Close()
			for i := range full {
				if _, err := stmt.ExecContext(ctx, rows(as[i*bulkRows:(i+1)*bulkRows])...); err != nil {
					return createAccountsError(err)
				}
			}
		}
		if rest := as[len(as)/bulkRows*bulkRows:]; len(rest) > 0 {
			if _, err := tx.ExecContext(ctx, insertAccountsSQL(len(rest)), rows(rest)...); err != nil {
				return createAccountsError(err)
			}
		}
		return nil
	})
}

func createAccountsError(err error) error {
	if isUnique(err) {
		return store.ErrConflict
	}
	return fmt.Errorf("sqlite: create accounts: %w", err)
}
