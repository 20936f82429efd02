package postgres

import (
	"context"
	"fmt"

	"github.com/ingot-cbdc/ingot"
)

// WalletBankOperations lists a wallet's bank operations, newest first.
func (s *Store) WalletBankOperations(ctx context.Context, wallet int64, before string, limit int) ([]ingot.BankOperation, error) {
	q := `SELECT ` + bankOpCols + ` FROM bank_operations WHERE wallet = $1 ORDER BY id DESC LIMIT $2`
	args := []any{wallet, limit}
	if before != "" {
		q = `SELECT ` + bankOpCols + ` FROM bank_operations WHERE wallet = $1 AND id < $3 ORDER BY id DESC LIMIT $2`
		args = append(args, before)
	}
	out, err := collectBankOps(s.pool.Query(ctx, q, args...))
	if err != nil {
		return nil, fmt.Errorf("postgres: wallet bank operations: %w", err)
	}
	return out, nil
}
