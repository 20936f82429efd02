-- +goose Up
-- Conditional payments (issue 14, package conditional). Times are Unix
-- microseconds. condition, met and history are JSON.
CREATE TABLE conditional_payments (
    id                TEXT PRIMARY KEY,
    operator_id       TEXT NOT NULL,
    payee_operator_id TEXT NOT NULL,
    payer             INTEGER NOT NULL,
    payee             INTEGER NOT NULL,
    amount            INTEGER NOT NULL,
    currency          TEXT NOT NULL,
    memo              TEXT NOT NULL DEFAULT '',
    condition         TEXT NOT NULL,
    met               TEXT NOT NULL,
    hold_id           TEXT NOT NULL,
    status            TEXT NOT NULL,
    transfer_id       TEXT NOT NULL DEFAULT '',
    expires_at        INTEGER NOT NULL,
    due_at            INTEGER NOT NULL,
    history           TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX conditional_payments_due ON conditional_payments (due_at) WHERE status = 'pending';
CREATE INDEX conditional_payments_operator ON conditional_payments (operator_id, id);
CREATE INDEX conditional_payments_payee_operator ON conditional_payments (payee_operator_id, id);
CREATE INDEX conditional_payments_payer ON conditional_payments (payer, id);
CREATE INDEX conditional_payments_payee ON conditional_payments (payee, id);

-- +goose Down
DROP TABLE conditional_payments;
