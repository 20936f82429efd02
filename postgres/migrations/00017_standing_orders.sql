-- +goose Up
-- Standing orders and their runs (issue 14, package schedule). Dates are
-- YYYY-MM-DD ('' none); a time that is none is NULL.
CREATE TABLE standing_orders (
    id                TEXT PRIMARY KEY,
    operator_id       TEXT NOT NULL,
    payee_operator_id TEXT NOT NULL,
    payer             BIGINT NOT NULL,
    payee             BIGINT NOT NULL,
    amount            BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    memo              TEXT NOT NULL DEFAULT '',
    schedule          JSONB NOT NULL,
    status            TEXT NOT NULL,
    next_date         TEXT NOT NULL DEFAULT '',
    next_index        INTEGER NOT NULL,
    due_at            TIMESTAMPTZ,
    tries             INTEGER NOT NULL DEFAULT 0,
    retry_until       TIMESTAMPTZ,
    holder_id         TEXT NOT NULL DEFAULT '',
    authorization_id  TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
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
    at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (order_id, occurrence)
);

-- +goose Down
DROP TABLE standing_order_runs;
DROP TABLE standing_orders;
