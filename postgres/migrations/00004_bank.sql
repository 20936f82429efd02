-- +goose Up
-- Bank accounts linked to wallets (number and holder name sealed by the
-- service; number_hash is a keyed hash), the bank operations outbox, and
-- the sandbox bank's deposit accounts and entries (store/bank.go).
CREATE TABLE bank_accounts (
    id             TEXT PRIMARY KEY,
    wallet         BIGINT NOT NULL REFERENCES accounts (id),
    operator_id    TEXT NOT NULL,
    bank_code      TEXT NOT NULL,
    account_number TEXT NOT NULL,
    holder_name    TEXT NOT NULL,
    number_hash    BYTEA NOT NULL,
    currency       TEXT NOT NULL,
    removed        BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX bank_accounts_wallet ON bank_accounts (wallet) WHERE NOT removed;

CREATE TABLE bank_operations (
    id                 TEXT PRIMARY KEY,
    operator_id        TEXT NOT NULL,
    wallet             BIGINT NOT NULL,
    bank_account       TEXT NOT NULL REFERENCES bank_accounts (id),
    kind               TEXT NOT NULL,
    amount             BIGINT NOT NULL,
    currency           TEXT NOT NULL,
    status             TEXT NOT NULL,
    transfer_id        TEXT NOT NULL DEFAULT '',
    refund_transfer_id TEXT NOT NULL DEFAULT '',
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT NOT NULL DEFAULT '',
    next_attempt TIMESTAMPTZ NOT NULL,
    claimed_until      TIMESTAMPTZ NOT NULL DEFAULT 'epoch',
    idem_scope         TEXT NOT NULL DEFAULT '',
    idem_key           TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX bank_operations_pending ON bank_operations (next_attempt) WHERE status = 'pending';
CREATE UNIQUE INDEX bank_operations_idem ON bank_operations (idem_scope, idem_key) WHERE idem_key <> '';

CREATE TABLE sandbox_bank_accounts (
    hash        BYTEA PRIMARY KEY,
    bank_code   TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    currency    TEXT NOT NULL,
    balance     BIGINT NOT NULL,
    closed      BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE sandbox_bank_entries (
    ref        TEXT PRIMARY KEY,
    hash       BYTEA NOT NULL,
    amount     BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE sandbox_bank_entries;
DROP TABLE sandbox_bank_accounts;
DROP TABLE bank_operations;
DROP TABLE bank_accounts;
