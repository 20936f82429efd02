-- +goose Up
-- Standing orders and their runs (issue 14, package schedule). Times are
-- Unix microseconds (NULL: none); dates are YYYY-MM-DD ('' none); schedule is
-- JSON.
CREATE TABLE standing_orders (
    id                TEXT PRIMARY KEY,
    operator_id       TEXT NOT NULL,
    payee_operator_id TEXT NOT NULL,
    payer             INTEGER NOT NULL,
    payee             INTEGER NOT NULL,
    amount            INTEGER NOT NULL,
    currency          TEXT NOT NULL,
    memo              TEXT NOT NULL DEFAULT '',
    schedule          TEXT NOT NULL,
    status            TEXT NOT NULL,
    next_date         TEXT NOT NULL DEFAULT '',
    next_index        INTEGER NOT NULL,
    due_at            INTEGER,
    tries             INTEGER NOT NULL DEFAULT 0,
    retry_until       INTEGER,
    holder_id         TEXT NOT NULL DEFAULT '',
    authorization_id  TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX standing_orders_due ON standing_orders (due_at) WHERE status = 'active';
CREATE INDEX standing_orders_operator ON standing_orders (operator_id, id);
CREATE INDEX standing_orders_payer ON standing_orders (payer, id);

CREATE TABLE standing_order_runs (
    order_id    TEXT NOT NULL,
    occurrence  TEXT NOT NULL,
    status      TEXT NOT NULL,
    transfer_id TEXT NOT NULL DEFAULT '',
    code        TEXT NOT NULL DEFAULT '',
    review_id   TEXT NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    at          INTEGER NOT NULL,
    PRIMARY KEY (order_id, occurrence)
);

-- +goose Down
DROP TABLE standing_order_runs;
DROP TABLE standing_orders;
