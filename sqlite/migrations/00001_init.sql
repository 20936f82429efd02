-- +goose Up
-- Times are integer Unix microseconds, UTC. Amounts are integer minor units.

CREATE TABLE operators (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    code       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    role        TEXT NOT NULL,
    operator_id TEXT NOT NULL DEFAULT '',
    hash        BLOB NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);
CREATE INDEX api_keys_role ON api_keys (role);

CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    operator_id  TEXT NOT NULL DEFAULT '',
    currency     TEXT NOT NULL,
    status       TEXT NOT NULL,
    balance      INTEGER NOT NULL DEFAULT 0,
    held         INTEGER NOT NULL DEFAULT 0,
    wallet_kind  TEXT NOT NULL DEFAULT '',
    holder_name  TEXT NOT NULL DEFAULT '',
    holder_phone TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
);
-- One issuance account per currency, one reserve per operator and currency.
CREATE UNIQUE INDEX accounts_singleton ON accounts (kind, operator_id, currency)
    WHERE kind IN ('issuance', 'reserve');
CREATE INDEX accounts_operator ON accounts (operator_id, kind, id);
CREATE INDEX accounts_currency ON accounts (currency, kind);

-- seq is the rowid: transfers are never deleted, and the writer is serialized,
-- so seq increases in commit order (and in insert order within a batch).
CREATE TABLE transfers (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    debit          INTEGER NOT NULL,
    credit         INTEGER NOT NULL,
    amount         INTEGER NOT NULL,
    currency       TEXT NOT NULL,
    memo           TEXT NOT NULL DEFAULT '',
    hold_id        TEXT NOT NULL DEFAULT '',
    debit_balance  INTEGER NOT NULL,
    credit_balance INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX transfers_debit ON transfers (debit, seq);
CREATE INDEX transfers_credit ON transfers (credit, seq);

CREATE TABLE holds (
    id          TEXT PRIMARY KEY,
    wallet      INTEGER NOT NULL,
    operator_id TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    currency    TEXT NOT NULL,
    status      TEXT NOT NULL,
    captured    INTEGER NOT NULL DEFAULT 0,
    transfer_id TEXT NOT NULL DEFAULT '',
    expires_at  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX holds_expiry ON holds (status, expires_at);

CREATE TABLE idempotency (
    scope      TEXT NOT NULL,
    key        TEXT NOT NULL,
    hash       BLOB NOT NULL,
    status     INTEGER NOT NULL,
    body       BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE idempotency;
DROP TABLE holds;
DROP TABLE transfers;
DROP TABLE accounts;
DROP TABLE api_keys;
DROP TABLE operators;
