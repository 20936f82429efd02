-- +goose Up
-- Several issuers (issue 15). The administrator's issuer is the central
-- bank that existed before: its keys and operators keep working, and it
-- issues the currencies it already minted.
CREATE TABLE issuers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    country    TEXT NOT NULL,
    admin      BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
-- A currency has exactly one issuer.
CREATE TABLE issuer_currencies (
    currency  TEXT PRIMARY KEY,
    issuer_id TEXT NOT NULL REFERENCES issuers (id)
);
-- Operators an issuer admitted to its currencies besides those it registered.
CREATE TABLE issuer_operators (
    issuer_id   TEXT NOT NULL REFERENCES issuers (id),
    operator_id TEXT NOT NULL REFERENCES operators (id),
    admitted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (issuer_id, operator_id)
);
ALTER TABLE api_keys ADD COLUMN issuer_id TEXT NOT NULL DEFAULT '';
ALTER TABLE operators ADD COLUMN issuer_id TEXT NOT NULL DEFAULT '00000000-0000-4000-8000-000000000001';
INSERT INTO issuers (id, name, country, admin, created_at)
    VALUES ('00000000-0000-4000-8000-000000000001', 'Central bank', '', TRUE, now());
UPDATE api_keys SET issuer_id = '00000000-0000-4000-8000-000000000001' WHERE role = 'central_bank';
INSERT INTO issuer_currencies (currency, issuer_id)
    SELECT DISTINCT currency, '00000000-0000-4000-8000-000000000001' FROM accounts WHERE kind = 'issuance';

-- +goose Down
ALTER TABLE operators DROP COLUMN issuer_id;
ALTER TABLE api_keys DROP COLUMN issuer_id;
DROP TABLE issuer_operators;
DROP TABLE issuer_currencies;
DROP TABLE issuers;
