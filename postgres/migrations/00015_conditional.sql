-- +goose Up
-- Conditional payments (issue 14, package conditional).
CREATE TABLE conditional_payments (
    id                TEXT PRIMARY KEY,
    operator_id       TEXT NOT NULL,
    payee_operator_id TEXT NOT NULL,
    payer             BIGINT NOT NULL,
    payee             BIGINT NOT NULL,
    amount            BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    memo              TEXT NOT NULL DEFAULT '',
    condition         JSONB NOT NULL,
    met               JSONB NOT NULL,
    hold_id           TEXT NOT NULL,
    status            TEXT NOT NULL,
    transfer_id       TEXT NOT NULL DEFAULT '',
    expires_at        TIMESTAMPTZ NOT NULL,
    due_at            TIMESTAMPTZ NOT NULL,
    history           JSONB NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX conditional_payments_due ON conditional_payments (due_at) WHERE status = 'pending';
CREATE INDEX conditional_payments_operator ON conditional_payments (operator_id, id);
CREATE INDEX conditional_payments_payee_operator ON conditional_payments (payee_operator_id, id);
CREATE INDEX conditional_payments_payer ON conditional_payments (payer, id);
CREATE INDEX conditional_payments_payee ON conditional_payments (payee, id);

-- +goose Down
DROP TABLE conditional_payments;
