-- +goose Up
-- Risk (issue 13): payments held for review, cases over alerts, and the
-- central bank's four-eyes reveals.
CREATE TABLE reviews (
    id                TEXT PRIMARY KEY,
    operator_id       TEXT NOT NULL,
    payee_operator_id TEXT NOT NULL,
    payer             BIGINT NOT NULL,
    payee             BIGINT NOT NULL,
    amount            BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    memo              TEXT NOT NULL DEFAULT '',
    channel           TEXT NOT NULL,
    hold_id           TEXT NOT NULL,
    rule_id           TEXT NOT NULL,
    rule_version      INTEGER NOT NULL,
    alert_id          TEXT NOT NULL,
    status            TEXT NOT NULL,
    transfer_id       TEXT NOT NULL DEFAULT '',
    decided_by        TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    decided_at        TIMESTAMPTZ
);
CREATE INDEX reviews_operator ON reviews (operator_id, id);
CREATE INDEX reviews_payer ON reviews (payer, id);

CREATE TABLE cases (
    id          TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL,
    alert_ids   TEXT[] NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    decision    TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    decided_at  TIMESTAMPTZ
);
CREATE INDEX cases_operator ON cases (operator_id, id);

CREATE TABLE reveals (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    status       TEXT NOT NULL,
    approved_by  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    approved_at  TIMESTAMPTZ
);

-- +goose Down
DROP TABLE reveals;
DROP TABLE cases;
DROP TABLE reviews;
