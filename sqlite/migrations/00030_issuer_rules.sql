-- +goose Up
-- Risk rules per issuer (issue 15): a rule of a central bank that is not
-- the platform's administrator belongs to it (issuer_id) and applies to the
-- payments in its currencies only (currencies, comma-separated; '' every
-- currency: the administrator's and operators' rules).
ALTER TABLE risk_rules ADD COLUMN issuer_id TEXT NOT NULL DEFAULT '';
ALTER TABLE risk_rules ADD COLUMN currencies TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE risk_rules DROP COLUMN currencies;
ALTER TABLE risk_rules DROP COLUMN issuer_id;
