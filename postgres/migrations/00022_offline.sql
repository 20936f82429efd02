-- +goose Up
-- Offline purses (issue 17, docs/offline-and-ussd.md). Offline keys: the
-- central bank's (owner 'central_bank') and each operator's, their seeds
-- sealed with the data key. A device's money is an account of kind
-- 'offline' (a child of the wallet). An offline payment is applied once
-- per signed content; its identity is (payer, counter), and several rows
-- of one identity are a double spend.
CREATE TABLE offline_keys (
    owner      TEXT PRIMARY KEY,
    public_key BYTEA NOT NULL,
    seed       TEXT NOT NULL,
    cert       BYTEA,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE devices (
    id             TEXT PRIMARY KEY,
    wallet         BIGINT NOT NULL,
    account        BIGINT NOT NULL UNIQUE,
    operator_id    TEXT NOT NULL,
    currency       TEXT NOT NULL,
    public_key     BYTEA NOT NULL UNIQUE,
    max_balance    BIGINT NOT NULL,
    max_payment    BIGINT NOT NULL,
    certificate    BYTEA NOT NULL,
    loads          BIGINT NOT NULL DEFAULT 0,
    debt           BIGINT NOT NULL DEFAULT 0,
    revoked_at     TIMESTAMPTZ,
    revoked_reason TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX devices_wallet ON devices (wallet);
CREATE INDEX devices_revoked ON devices (revoked_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE offline_payments (
    payer       TEXT NOT NULL,
    counter     BIGINT NOT NULL,
    hash        BYTEA NOT NULL,
    prev        BYTEA NOT NULL,
    kind        TEXT NOT NULL,
    payee       TEXT NOT NULL DEFAULT '',
    amount      BIGINT NOT NULL,
    transfer_id TEXT NOT NULL,
    conflict    BOOLEAN NOT NULL DEFAULT false,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (payer, counter, hash)
);

-- +goose Down
DROP TABLE offline_payments;
DROP TABLE devices;
DROP TABLE offline_keys;
