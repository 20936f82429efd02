package bench

import (
	"context"
	"fmt"

	ingotclient "github.com/ingot-cbdc/ingot/client"
)

// BenchSpendingRule is the spending rule --spending-rules gives every
// wallet: a daily cap and a payee check, of the kind a parent or a company
// sets, with a cap the load never reaches, so that the run measures the
// rule's evaluation, not refusals.
const BenchSpendingRule = `payee.kind in ["personal", "merchant"] && payer.sent_24h + amount <= 100000000000`

// addSpendingRules gives every wallet of the run BenchSpendingRule, after
// setup funded them.
func addSpendingRules(ctx context.Context, c *client, cfg *Config, fx *fixture) error {
	if !cfg.SpendingRules {
		return nil
	}
	return parallel(ctx, len(fx.wallets), cfg.Concurrency, func(i int) error {
		if _, err := c.api(fx.ops[i%2].key).SetSpendingRule(ctx, fx.wallets[i], ingotclient.SetSpendingRuleRequest{Allow: BenchSpendingRule}); err != nil {
			return fmt.Errorf("bench: the spending rule of wallet %s: %w", fx.wallets[i], err)
		}
		return nil
	})
}
