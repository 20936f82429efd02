-- +goose Up
-- Open finance (issue 18, package openfinance): providers, holders'
-- consents with their authorization code and mandate counter, and OAuth
-- tokens. Times are Unix microseconds (NULL: none); lists and the mandate
-- are JSON; secrets are SHA-256 hashes.
CREATE TABLE of_providers (
    id            TEXT PRIMARY KEY,
    client_id     TEXT NOT NULL UNIQUE,
    secret_hash   BLOB NOT NULL,
    name          TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    roles         TEXT NOT NULL,
    operator_id   TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
);

CREATE TABLE of_consents (
    id              TEXT PRIMARY KEY,
    provider_id     TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    provider_name   TEXT NOT NULL,
    holder_id       TEXT NOT NULL,
    operators       TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    wallets         TEXT NOT NULL,
    mandate         TEXT,
    redirect_uri    TEXT NOT NULL,
    code_challenge  TEXT NOT NULL,
    code_hash       BLOB NOT NULL UNIQUE,
    code_expires_at INTEGER NOT NULL,
    code_used_at    INTEGER,
    status          TEXT NOT NULL,
    expires_at      INTEGER NOT NULL,
    period_start    INTEGER,
    period_total    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    revoked_at      INTEGER
);
CREATE INDEX of_consents_holder ON of_consents (holder_id, id);
CREATE INDEX of_consents_provider ON of_consents (provider_id, id);

CREATE TABLE of_tokens (
    hash       BLOB PRIMARY KEY,
    consent_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    spent_at   INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX of_tokens_consent ON of_tokens (consent_id);

-- +goose Down
DROP TABLE of_tokens;
DROP TABLE of_consents;
DROP TABLE of_providers;
