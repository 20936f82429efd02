-- +goose Up
-- KYC tiers and limits (kyc.go): a wallet's tier, the evidence behind it,
-- its own holding limit and waterfall settings, its parent (sub-wallets),
-- and its outflow so far this day and year. Holder PII is stored sealed
-- (encrypted by the service); holder_phone_hash is a keyed hash for lookups.
ALTER TABLE accounts ADD COLUMN tier INT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN phone_verified BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE accounts ADD COLUMN id_verified BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE accounts ADD COLUMN bank_linked BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE accounts ADD COLUMN in_person BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE accounts ADD COLUMN holding_limit BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN reverse_waterfall BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE accounts ADD COLUMN sweep_account TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN parent_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN out_day INT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN out_day_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN out_year INT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN out_year_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN holder_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN holder_id_number TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN holder_phone_hash BYTEA NOT NULL DEFAULT '';
CREATE INDEX accounts_phone ON accounts (operator_id, holder_phone_hash) WHERE kind = 'wallet';
CREATE INDEX accounts_parent ON accounts (parent_id) WHERE parent_id <> 0;

-- Limits per tier: operator_id '' is the central bank's (the ceiling, and
-- the default where an operator sets none).
CREATE TABLE tier_limits (
    operator_id TEXT NOT NULL,
    currency    TEXT NOT NULL,
    wallet_kind TEXT NOT NULL,
    tier        INTEGER NOT NULL,
    balance     BIGINT NOT NULL,
    single      BIGINT NOT NULL,
    daily       BIGINT NOT NULL,
    yearly      BIGINT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (operator_id, currency, wallet_kind, tier)
);

-- +goose Down
DROP TABLE tier_limits;
DROP INDEX accounts_parent;
DROP INDEX accounts_phone;
ALTER TABLE accounts DROP COLUMN holder_phone_hash;
ALTER TABLE accounts DROP COLUMN holder_id_number;
ALTER TABLE accounts DROP COLUMN holder_kind;
ALTER TABLE accounts DROP COLUMN out_year_total;
ALTER TABLE accounts DROP COLUMN out_year;
ALTER TABLE accounts DROP COLUMN out_day_total;
ALTER TABLE accounts DROP COLUMN out_day;
ALTER TABLE accounts DROP COLUMN parent_id;
ALTER TABLE accounts DROP COLUMN sweep_account;
ALTER TABLE accounts DROP COLUMN reverse_waterfall;
ALTER TABLE accounts DROP COLUMN holding_limit;
ALTER TABLE accounts DROP COLUMN in_person;
ALTER TABLE accounts DROP COLUMN bank_linked;
ALTER TABLE accounts DROP COLUMN id_verified;
ALTER TABLE accounts DROP COLUMN phone_verified;
ALTER TABLE accounts DROP COLUMN tier;
