-- +goose Up
-- Times are timestamptz (microseconds). Amounts are BIGINT minor units.

CREATE TABLE operators (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    code       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    role        TEXT NOT NULL,
    operator_id TEXT NOT NULL DEFAULT '',
    hash        BYTEA NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX api_keys_role ON api_keys (role);

CREATE TABLE accounts (
    id           BIGINT PRIMARY KEY,
    kind         TEXT NOT NULL,
    operator_id  TEXT NOT NULL DEFAULT '',
    currency     TEXT NOT NULL,
    status       TEXT NOT NULL,
    balance      BIGINT NOT NULL DEFAULT 0,
    held         BIGINT NOT NULL DEFAULT 0,
    wallet_kind  TEXT NOT NULL DEFAULT '',
    holder_name  TEXT NOT NULL DEFAULT '',
    holder_phone TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL
);
-- One issuance account per currency, one reserve per operator and currency.
CREATE UNIQUE INDEX accounts_singleton ON accounts (kind, operator_id, currency)
    WHERE kind IN ('issuance', 'reserve');
CREATE INDEX accounts_operator ON accounts (operator_id, kind, id);
-- Totals and the skip scan of Currencies.
CREATE INDEX accounts_currency ON accounts (currency, kind);

-- seq comes from the sequence at insert time. Batches that touch an account
-- hold its row lock while they insert, so per account seq order is commit
-- order; within a batch COPY keeps slice order.
CREATE TABLE transfers (
    seq            BIGSERIAL PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    debit          BIGINT NOT NULL,
    credit         BIGINT NOT NULL,
    amount         BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    memo           TEXT NOT NULL DEFAULT '',
    hold_id        TEXT NOT NULL DEFAULT '',
    debit_balance  BIGINT NOT NULL,
    credit_balance BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX transfers_debit ON transfers (debit, seq);
CREATE INDEX transfers_credit ON transfers (credit, seq);

CREATE TABLE holds (
    id          TEXT PRIMARY KEY,
    wallet      BIGINT NOT NULL,
    operator_id TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    status      TEXT NOT NULL,
    captured    BIGINT NOT NULL DEFAULT 0,
    transfer_id TEXT NOT NULL DEFAULT '',
    expires_at  TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX holds_expiry ON holds (status, expires_at);

CREATE TABLE idempotency (
    scope      TEXT NOT NULL,
    key        TEXT NOT NULL,
    hash       BYTEA NOT NULL,
    status     INTEGER NOT NULL,
    body       BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key)
);

-- +goose Down
DROP TABLE idempotency;
DROP TABLE holds;
DROP TABLE transfers;
DROP TABLE accounts;
DROP TABLE api_keys;
DROP TABLE operators;
