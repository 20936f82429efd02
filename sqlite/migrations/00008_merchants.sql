-- +goose Up
-- Merchants (store/merchant.go): profiles, payment requests (dynamic QR
-- codes), customer-presented payment codes (stored only as a keyed hash),
-- refunds and each payment's refund total, operators' fee schedules and the
-- central bank's fee cap. Times are Unix microseconds; used_at is NULL
-- while a code is unused.

CREATE TABLE merchants (
    wallet     INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    city       TEXT NOT NULL,
    country    TEXT NOT NULL,
    mcc        TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE payment_requests (
    id          TEXT PRIMARY KEY,
    wallet      INTEGER NOT NULL,
    operator_id TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    currency    TEXT NOT NULL,
    reference   TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    transfer_id TEXT NOT NULL DEFAULT '',
    expires_at  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
-- The open requests by expiry (ExpiredPaymentRequests).
CREATE INDEX payment_requests_expiry ON payment_requests (expires_at, id) WHERE status = 'open';

CREATE TABLE payment_codes (
    hash        BLOB PRIMARY KEY,
    wallet      INTEGER NOT NULL,
    operator_id TEXT NOT NULL,
    holder_id   TEXT NOT NULL DEFAULT '',
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    transfer_id TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE refunds (
    id                 TEXT PRIMARY KEY,
    transfer_id        TEXT NOT NULL,
    payer              INTEGER NOT NULL,
    payee              INTEGER NOT NULL,
    amount             INTEGER NOT NULL,
    fee                INTEGER NOT NULL DEFAULT 0,
    currency           TEXT NOT NULL,
    reason             TEXT NOT NULL DEFAULT '',
    refund_transfer_id TEXT NOT NULL,
    created_at         INTEGER NOT NULL
);
CREATE INDEX refunds_transfer ON refunds (transfer_id, created_at, id);

-- What each refunded payment has had refunded: the row the engine locks so
-- that concurrent refunds never add up to more than the payment.
CREATE TABLE refund_totals (
    transfer_id  TEXT PRIMARY KEY,
    refunded     INTEGER NOT NULL DEFAULT 0,
    fee_refunded INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- An operator's merchant fees in a currency; mcc_rates is a JSON object of
-- merchant category code to basis points.
CREATE TABLE fee_schedules (
    operator_id TEXT NOT NULL,
    currency    TEXT NOT NULL,
    account     INTEGER NOT NULL,
    rate_bps    INTEGER NOT NULL,
    min_fee     INTEGER NOT NULL DEFAULT 0,
    max_fee     INTEGER NOT NULL DEFAULT 0,
    mcc_rates   TEXT NOT NULL DEFAULT '{}',
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (operator_id, currency)
) WITHOUT ROWID;

-- The central bank's cap on fee rates: no row until it sets one.
CREATE TABLE fee_cap (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    max_rate_bps INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- A merchant payment's fee (paid by the payee in its own "fee" transfer),
-- the merchant's reference and the payment request it paid.
ALTER TABLE transfers ADD COLUMN fee INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transfers ADD COLUMN reference TEXT NOT NULL DEFAULT '';
ALTER TABLE transfers ADD COLUMN payment_request_id TEXT NOT NULL DEFAULT '';

-- Operators' fee accounts are singletons too: one per operator and
-- currency (EnsureAccount).
DROP INDEX accounts_singleton;
CREATE UNIQUE INDEX accounts_singleton ON accounts (kind, operator_id, currency)
    WHERE kind IN ('issuance', 'reserve', 'fee');

-- +goose Down
DROP INDEX accounts_singleton;
CREATE UNIQUE INDEX accounts_singleton ON accounts (kind, operator_id, currency)
    WHERE kind IN ('issuance', 'reserve');
ALTER TABLE transfers DROP COLUMN payment_request_id;
ALTER TABLE transfers DROP COLUMN reference;
ALTER TABLE transfers DROP COLUMN fee;
DROP TABLE fee_cap;
DROP TABLE fee_schedules;
DROP TABLE refund_totals;
DROP TABLE refunds;
DROP TABLE payment_codes;
DROP TABLE payment_requests;
DROP TABLE merchants;
