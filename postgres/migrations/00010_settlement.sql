-- +goose Up
-- Merchants' end-of-day settlement (issue 10): once a day the balance of a
-- wallet above keep is swept to its linked bank account. last_date is the
-- last day settled, YYYY-MM-DD in the configured zone ('' none).

CREATE TABLE settlements (
    wallet       BIGINT PRIMARY KEY,
    operator_id  TEXT NOT NULL,
    bank_account TEXT NOT NULL DEFAULT '',
    sweep        TEXT NOT NULL,
    keep         BIGINT NOT NULL DEFAULT 0,
    last_date    TEXT NOT NULL DEFAULT '',
    updated_at   TIMESTAMPTZ NOT NULL
);
-- DueSettlements: the daily ones not settled yet for a day.
CREATE INDEX settlements_due ON settlements (last_date, wallet) WHERE sweep = 'daily';

-- +goose Down
DROP TABLE settlements;
