package sqlite

import (
	"context"
	"fmt"

	"github.com/ingot-cbdc/ingot"
)

// WalletBankOperations lists a wallet's bank operations, newest first.
func (s *Store) WalletBankOperations(ctx context.Context, wallet int64, before string, limit int) ([]ingot.BankOperation, error) {
	q := `SELECT ` + bankOpCols + ` FROM bank_operations WHERE wallet = ? ORDER BY id DESC LIMIT ?`
	args := []any{wallet, limit}
	if before != "" {
		q = `SELECT ` + bankOpCols + ` FROM bank_operations WHERE wallet = ? AND id < ? ORDER BY id DESC LIMIT ?`
		args = []any{wallet, before, limit}
	}
	out, err := collectBankOps(s.r.QueryContext(ctx, q, args...))
	if err != nil {
		return nil, fmt.Errorf("sqlite: wallet bank operations: %w", err)
	}
	return out, nil
}
