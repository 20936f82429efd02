package sqlite

import (
	"context"
	"fmt"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Spending rules (store/spending.go): a wallet's rule is a column of its
// account row, read with it (accountCols) and written here, only by the
// batches that set or remove one.

// writeSpending writes the batch's spending rules set or removed.
func (b *batchTx) writeSpending(ctx context.Context, ws []store.SpendingWrite) error {
	if len(ws) == 0 {
		return nil
	}
	st, err := b.tx.PrepareContext(ctx, `UPDATE accounts SET spending_rule = ? WHERE id = ? AND kind = 'wallet'`)
	if err != nil {
		return fmt.Errorf("sqlite: write spending rules: %w", err)
	}
	defer st.Close()
	for _, w := range ws {
		res, err := st.ExecContext(ctx, ingot.EncodeSpendingRule(w.Rule), w.Wallet)
		if err != nil {
			return fmt.Errorf("sqlite: write spending rule of %d: %w", w.Wallet, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("sqlite: write spending rule of %d: %w", w.Wallet, err)
		} else if n == 0 {
			return fmt.Errorf("sqlite: write spending rule of %d: %w", w.Wallet, store.ErrNotFound)
		}
	}
	return nil
}
