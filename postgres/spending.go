package postgres

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Spending rules (store/spending.go; migration 00016): a wallet's rule is a
// column of its account row, read with it (accountColumns) and written
// here, only by the batches that set or remove one.

// queueSpending queues the batch's spending rules set or removed, one
// statement each and in order (they are rare: a payment never writes one).
func queueSpending(batch *pgx.Batch, ws []store.SpendingWrite) []check {
	var checks []check
	for _, w := range ws {
		batch.Queue(`UPDATE accounts SET spending_rule = $1 WHERE id = $2 AND kind = 'wallet'`,
			ingot.EncodeSpendingRule(w.Rule), w.Wallet)
		checks = append(checks, check{what: fmt.Sprintf("spending rule of %d", w.Wallet), want: 1})
	}
	return checks
}
