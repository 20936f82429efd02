-- +goose Up
-- Holders' sign-in, sessions, second factors, payment approvals (SCA),
-- exemption counters, API keys' names, scopes and lifetimes, security
-- events and the sandbox's text messages (package auth). NULL times are
-- "never" (not expired, not used, not ended).

-- API keys: scopes is a JSON array of scope names; NULL for keys made
-- before scopes (they have every scope of their role). client_cert is the
-- SHA-256 of the bound TLS client certificate's DER (NULL: any client).
ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN scopes TEXT;
ALTER TABLE api_keys ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE api_keys ADD COLUMN revoked_at TIMESTAMPTZ;
ALTER TABLE api_keys ADD COLUMN last_used_at TIMESTAMPTZ;
ALTER TABLE api_keys ADD COLUMN client_cert BYTEA;
-- An organisation's keys, by creation.
CREATE INDEX api_keys_owner ON api_keys (role, operator_id, created_at);

-- Every wallet of a phone, at every operator (HolderWallets).
CREATE INDEX accounts_holder_phone ON accounts (holder_phone_hash)
    WHERE kind = 'wallet' AND holder_phone_hash <> ''::bytea;

CREATE TABLE holders (
    id         TEXT PRIMARY KEY,
    phone_hash BYTEA NOT NULL UNIQUE,
    pin_hash   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Failed sign-in steps in a row, per phone (whether a holder has it or not).
CREATE TABLE signin_attempts (
    phone_hash   BYTEA PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until TIMESTAMPTZ
);

-- Enrolments and logins waiting for their code or passkey.
CREATE TABLE challenges (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    phone_hash BYTEA NOT NULL,
    holder_id  TEXT NOT NULL DEFAULT '',
    code_hash  BYTEA,
    tries      INTEGER NOT NULL DEFAULT 0,
    webauthn   BYTEA,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    id                TEXT PRIMARY KEY,
    holder_id         TEXT NOT NULL REFERENCES holders (id),
    access_hash       BYTEA NOT NULL UNIQUE,
    access_expires_at TIMESTAMPTZ NOT NULL,
    refresh_hash      BYTEA NOT NULL UNIQUE,
    last_seen_at      TIMESTAMPTZ NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    ended_at          TIMESTAMPTZ
);

-- Refresh tokens a session had before its current one: one used again
-- ends the session.
CREATE TABLE spent_refresh_tokens (
    hash       BYTEA PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    spent_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX spent_refresh_tokens_session ON spent_refresh_tokens (session_id);

CREATE TABLE factors (
    id            TEXT PRIMARY KEY,
    holder_id     TEXT NOT NULL REFERENCES holders (id),
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    secret        TEXT NOT NULL DEFAULT '',
    last_step     BIGINT NOT NULL DEFAULT 0,
    credential_id BYTEA,
    credential    BYTEA,
    confirmed     BOOLEAN NOT NULL DEFAULT false,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX factors_credential ON factors (credential_id) WHERE credential_id IS NOT NULL;
CREATE INDEX factors_holder ON factors (holder_id, created_at);

-- Payment approvals (ingot.Authorization): the engine locks and marks
-- them used in a payment's batch.
CREATE TABLE authorizations (
    id         TEXT PRIMARY KEY,
    holder_id  TEXT NOT NULL,
    payer      BIGINT NOT NULL,
    payee      TEXT NOT NULL,
    amount     BIGINT NOT NULL,
    currency   TEXT NOT NULL,
    status     TEXT NOT NULL,
    code_hash  BYTEA,
    tries      INTEGER NOT NULL DEFAULT 0,
    webauthn   BYTEA,
    used_by    TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- What a holder paid without approval in a currency since the last one.
CREATE TABLE exemption_counters (
    holder_id TEXT NOT NULL,
    currency  TEXT NOT NULL,
    total     BIGINT NOT NULL DEFAULT 0,
    payments  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (holder_id, currency)
);

-- Security events, append-only. operators is what the event is read with;
-- security_event_operators finds an operator's events, newest first,
-- through its primary key (a GIN index on the array could not give them in
-- id order, so a page would sort all of an operator's events).
CREATE TABLE security_events (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    operators  TEXT[] NOT NULL DEFAULT '{}',
    holder_id  TEXT NOT NULL DEFAULT '',
    key_id     TEXT NOT NULL DEFAULT '',
    subject    TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    address    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX security_events_type ON security_events (type, id);

CREATE TABLE security_event_operators (
    operator_id TEXT NOT NULL,
    event_id    TEXT NOT NULL REFERENCES security_events (id),
    PRIMARY KEY (operator_id, event_id)
);

-- The sandbox's text messages (phone sealed; phone_hash for lookups).
CREATE TABLE sandbox_sms (
    id         TEXT PRIMARY KEY,
    phone_hash BYTEA NOT NULL,
    phone      TEXT NOT NULL,
    text       TEXT NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX sandbox_sms_phone ON sandbox_sms (phone_hash, sent_at, id);

-- The client addresses each API key was used from (api_key.new_address).
CREATE TABLE api_key_addresses (
    key_id   TEXT NOT NULL,
    address  TEXT NOT NULL,
    first_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (key_id, address)
);

-- +goose Down
DROP TABLE api_key_addresses;
DROP TABLE sandbox_sms;
DROP TABLE security_event_operators;
DROP TABLE security_events;
DROP TABLE exemption_counters;
DROP TABLE authorizations;
DROP TABLE factors;
DROP TABLE spent_refresh_tokens;
DROP TABLE sessions;
DROP TABLE challenges;
DROP TABLE signin_attempts;
DROP TABLE holders;
DROP INDEX accounts_holder_phone;
DROP INDEX api_keys_owner;
ALTER TABLE api_keys DROP COLUMN client_cert;
ALTER TABLE api_keys DROP COLUMN last_used_at;
ALTER TABLE api_keys DROP COLUMN revoked_at;
ALTER TABLE api_keys DROP COLUMN expires_at;
ALTER TABLE api_keys DROP COLUMN scopes;
ALTER TABLE api_keys DROP COLUMN name;
