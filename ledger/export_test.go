package ledger

import (
	"context"

	"github.com/ingot-cbdc/ingot"
)

// EnginePay submits a payment straight to the engine, without the
// service's reads and checks: BenchmarkEngine measures the write path alone.
func EnginePay(ctx context.Context, e *Engine, a ingot.Actor, from, to, amount int64, currency string) (*ingot.Transfer, error) {
	return submit(ctx, e, a, &payCmd{Item{From: from, To: to, Amount: amount, Currency: currency}}, nil)
}
