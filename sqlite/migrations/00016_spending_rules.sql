-- +goose Up
-- Spending rules on a wallet (issue 14; docs/spending-rules.md): a
-- wallet's one rule, ingot.EncodeSpendingRule's JSON ('' for none), in its
-- own row, so that the engine reads it with the accounts a batch locks
-- and a wallet without a rule costs a payment nothing more. Written only
-- when a rule is set or removed. A constant default rewrites no row.
ALTER TABLE accounts ADD COLUMN spending_rule TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE accounts DROP COLUMN spending_rule;
