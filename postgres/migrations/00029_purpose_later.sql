-- +goose Up
-- Purpose codes on payments to come (issue 15): a standing order's, a
-- conditional payment's and a payment held for review keep the ISO 20022
-- purpose code their payment carries when it is made ('' none), so that a
-- cross-border issuer's purpose_required rule does not refuse it then.
ALTER TABLE standing_orders ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
ALTER TABLE conditional_payments ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
ALTER TABLE reviews ADD COLUMN purpose TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE reviews DROP COLUMN purpose;
ALTER TABLE conditional_payments DROP COLUMN purpose;
ALTER TABLE standing_orders DROP COLUMN purpose;
