-- +goose Up
-- Merchants (issue 10): profiles, payment requests (dynamic QR codes),
-- customer-presented payment codes, refunds and their totals, operators' fee
-- schedules and the central bank's fee cap. Transfers gain a merchant
-- payment's fee, reference and payment request. New kinds need no schema
-- change (kind columns are free text): accounts of kind 'fee' and transfers
-- of kinds 'fee', 'payment_refund' and 'fee_refund'.

-- One fee account per operator and currency, created race-free like the
-- reserves (EnsureAccount).
DROP INDEX accounts_singleton;
CREATE UNIQUE INDEX accounts_singleton ON accounts (kind, operator_id, currency)
    WHERE kind IN ('issuance', 'reserve', 'fee');

-- Constant defaults: PostgreSQL 11 and later add these columns without
-- rewriting the table.
ALTER TABLE transfers ADD COLUMN fee BIGINT NOT NULL DEFAULT 0;
ALTER TABLE transfers ADD COLUMN reference TEXT NOT NULL DEFAULT '';
ALTER TABLE transfers ADD COLUMN payment_request_id TEXT NOT NULL DEFAULT '';
-- Statements read an account's transfers of a day through the (debit, seq)
-- and (credit, seq) indexes: no index on created_at, which every transfer
-- would pay for twice.

CREATE TABLE merchants (
    wallet     BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    city       TEXT NOT NULL,
    country    TEXT NOT NULL,
    mcc        TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- amount 0: an open request, the payer enters the amount.
CREATE TABLE payment_requests (
    id          TEXT PRIMARY KEY,
    wallet      BIGINT NOT NULL,
    operator_id TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    reference   TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    transfer_id TEXT NOT NULL DEFAULT '',
    expires_at  TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
-- The expiry loop: open requests by expiry.
CREATE INDEX payment_requests_expiry ON payment_requests (expires_at, id) WHERE status = 'open';

-- Customer-presented codes, by their keyed hash; used_at NULL: unused.
CREATE TABLE payment_codes (
    hash        BYTEA PRIMARY KEY,
    wallet      BIGINT NOT NULL,
    operator_id TEXT NOT NULL,
    holder_id   TEXT NOT NULL DEFAULT '',
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    transfer_id TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE refunds (
    id                 TEXT PRIMARY KEY,
    transfer_id        TEXT NOT NULL,
    payer              BIGINT NOT NULL,
    payee              BIGINT NOT NULL,
    amount             BIGINT NOT NULL,
    fee                BIGINT NOT NULL DEFAULT 0,
    currency           TEXT NOT NULL,
    reason             TEXT NOT NULL DEFAULT '',
    refund_transfer_id TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX refunds_transfer ON refunds (transfer_id, created_at, id);

-- What each refunded payment has had refunded: the row batches lock.
CREATE TABLE refund_totals (
    transfer_id  TEXT PRIMARY KEY,
    refunded     BIGINT NOT NULL DEFAULT 0,
    fee_refunded BIGINT NOT NULL DEFAULT 0
);

-- mcc_rates: a JSON object of merchant category code -> rate in basis
-- points; min_fee, max_fee 0: none.
CREATE TABLE fee_schedules (
    operator_id TEXT NOT NULL,
    currency    TEXT NOT NULL,
    account     BIGINT NOT NULL,
    rate_bps    INTEGER NOT NULL,
    min_fee     BIGINT NOT NULL DEFAULT 0,
    max_fee     BIGINT NOT NULL DEFAULT 0,
    mcc_rates   JSONB NOT NULL DEFAULT '{}',
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (operator_id, currency)
);

-- The central bank's cap on merchant fee rates: one row once set.
CREATE TABLE fee_cap (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    max_rate_bps INTEGER NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE fee_cap;
DROP TABLE fee_schedules;
DROP TABLE refund_totals;
DROP TABLE refunds;
DROP TABLE payment_codes;
DROP TABLE payment_requests;
DROP TABLE merchants;
ALTER TABLE transfers DROP COLUMN payment_request_id;
ALTER TABLE transfers DROP COLUMN reference;
ALTER TABLE transfers DROP COLUMN fee;
-- Fee accounts stay (as accounts of an unknown kind to older builds), no
-- longer unique.
DROP INDEX accounts_singleton;
CREATE UNIQUE INDEX accounts_singleton ON accounts (kind, operator_id, currency)
    WHERE kind IN ('issuance', 'reserve');
