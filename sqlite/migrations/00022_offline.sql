-- +goose Up
-- Offline purses (issue 17, docs/offline-and-ussd.md). Offline keys: the
-- central bank's (owner 'central_bank') and each operator's, their seeds
-- sealed with the data key. A device's money is an account of kind
-- 'offline' (a child of the wallet). An offline payment is applied once
-- per signed content; its identity is (payer, counter), and several rows
-- of one identity are a double spend. Times are Unix microseconds, 0 none.
CREATE TABLE offline_keys (
    owner      TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    seed       TEXT NOT NULL,
    cert       BLOB,
    created_at INTEGER NOT NULL
);

CREATE TABLE devices (
    id             TEXT PRIMARY KEY,
    wallet         INTEGER NOT NULL,
    account        INTEGER NOT NULL UNIQUE,
    operator_id    TEXT NOT NULL,
    currency       TEXT NOT NULL,
    public_key     BLOB NOT NULL UNIQUE,
    max_balance    INTEGER NOT NULL,
    max_payment    INTEGER NOT NULL,
    certificate    BLOB NOT NULL,
    loads          INTEGER NOT NULL DEFAULT 0,
    debt           INTEGER NOT NULL DEFAULT 0,
    revoked_at     INTEGER NOT NULL DEFAULT 0,
    revoked_reason TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL
);
CREATE INDEX devices_wallet ON devices (wallet);
CREATE INDEX devices_revoked ON devices (revoked_at) WHERE revoked_at > 0;

CREATE TABLE offline_payments (
    payer       TEXT NOT NULL,
    counter     INTEGER NOT NULL,
    hash        BLOB NOT NULL,
    prev        BLOB NOT NULL,
    kind        TEXT NOT NULL,
    payee       TEXT NOT NULL DEFAULT '',
    amount      INTEGER NOT NULL,
    transfer_id TEXT NOT NULL,
    conflict    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (payer, counter, hash)
);

-- +goose Down
DROP TABLE offline_payments;
DROP TABLE devices;
DROP TABLE offline_keys;
