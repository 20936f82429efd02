-- +goose Up
-- Merchants' end-of-day settlement (store/settlement.go): the sweep's
-- settings and the last day settled (YYYY-MM-DD in the configured zone,
-- '' none; such dates compare as text).
CREATE TABLE settlements (
    wallet       INTEGER PRIMARY KEY,
    operator_id  TEXT NOT NULL,
    bank_account TEXT NOT NULL DEFAULT '',
    sweep        TEXT NOT NULL,
    keep         INTEGER NOT NULL DEFAULT 0,
    last_date    TEXT NOT NULL DEFAULT '',
    updated_at   INTEGER NOT NULL
);
-- The daily settlements not settled up to a day (DueSettlements).
CREATE INDEX settlements_due ON settlements (last_date, wallet) WHERE sweep = 'daily';

-- +goose Down
DROP TABLE settlements;
