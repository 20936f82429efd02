-- +goose Up
-- Risk (issue 13): payments held for review, cases over alerts, and the
-- central bank's four-eyes reveals. Times are Unix microseconds; 0 is
-- "not yet".
CREATE TABLE reviews (
    id                TEXT PRIMARY KEY,
    operator_id       TEXT NOT NULL,
    payee_operator_id TEXT NOT NULL,
    payer             INTEGER NOT NULL,
    payee             INTEGER NOT NULL,
    amount            INTEGER NOT NULL,
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
    created_at        INTEGER NOT NULL,
    decided_at        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX reviews_operator ON reviews (operator_id, id);
CREATE INDEX reviews_payer ON reviews (payer, id);

CREATE TABLE cases (
    id          TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL,
    alert_ids   TEXT NOT NULL, -- a JSON array
    note        TEXT NOT NULL DEFAULT '',
    decision    TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    decided_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cases_operator ON cases (operator_id, id);

CREATE TABLE reveals (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    status       TEXT NOT NULL,
    approved_by  TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    approved_at  INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE reveals;
DROP TABLE cases;
DROP TABLE reviews;
