-- +goose Up
-- Risk and AML (issue 13, package risk; store/risk.go): each wallet's
-- velocity, the risk rules and their versions, the payer-payee pairs seen,
-- the alerts for investigators and the daily large-value report. Times are
-- Unix microseconds; resolved_at is NULL while an alert is open.

-- A wallet's velocity (ingot.Account.Risk), encoded by package risk and
-- written by the engine's batches; empty for none. Adding a column with a
-- constant default rewrites nothing.
ALTER TABLE accounts ADD COLUMN risk BLOB NOT NULL DEFAULT x'';

-- Every version of every rule: a change is a new version, never an update.
-- operator_id '' is the central bank's. active is 0 or 1.
CREATE TABLE risk_rules (
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL,
    operator_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    expression  TEXT NOT NULL,
    action      TEXT NOT NULL,
    severity    TEXT NOT NULL,
    active      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (id, version)
);
-- An owner's rules (RiskRules).
CREATE INDEX risk_rules_operator ON risk_rules (operator_id, id, version);

-- The rules' version, advanced by every AddRiskRule: a batch compares it
-- with the version of the rules it holds to know when to load them again.
CREATE TABLE risk_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    rules_version INTEGER NOT NULL
);
INSERT INTO risk_state (id, rules_version) VALUES (1, 0);

-- Who has paid whom: the first and last payment and how many, per pair.
CREATE TABLE risk_pairs (
    payer    INTEGER NOT NULL,
    payee    INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    last_at  INTEGER NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (payer, payee)
) WITHOUT ROWID;

-- Alerts, by id (UUIDv7: time-ordered). rule_id '' for a built-in pattern,
-- pattern '' for a rule, transfer_id '' for screening. evidence is the JSON
-- object as given, byte for byte ({} when none was given).
CREATE TABLE alerts (
    id           TEXT PRIMARY KEY,
    operator_id  TEXT NOT NULL,
    rule_id      TEXT NOT NULL DEFAULT '',
    rule_version INTEGER NOT NULL DEFAULT 0,
    pattern      TEXT NOT NULL DEFAULT '',
    severity     TEXT NOT NULL,
    wallet       INTEGER NOT NULL,
    transfer_id  TEXT NOT NULL DEFAULT '',
    evidence     TEXT NOT NULL CHECK (json_valid(evidence)),
    status       TEXT NOT NULL,
    resolution   TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    resolved_at  INTEGER
);
-- Alerts' filters, newest first (Alerts): an operator's, an operator's
-- open (or resolved) ones, everyone's by status, a wallet's.
CREATE INDEX alerts_operator ON alerts (operator_id, id);
CREATE INDEX alerts_operator_status ON alerts (operator_id, status, id);
CREATE INDEX alerts_status ON alerts (status, id);
CREATE INDEX alerts_wallet ON alerts (wallet, id);

-- The large-value report: one line per wallet and day (yyyymmdd in the
-- ledger's zone) whose payments reached the wallet's threshold, kept
-- current during the day.
CREATE TABLE large_value_reports (
    wallet      INTEGER NOT NULL,
    day         INTEGER NOT NULL,
    operator_id TEXT NOT NULL,
    currency    TEXT NOT NULL,
    sent        INTEGER NOT NULL,
    received    INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    threshold   INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (wallet, day)
) WITHOUT ROWID;
-- A day's lines of an operator, and of everyone (LargeValues).
CREATE INDEX large_value_reports_operator ON large_value_reports (operator_id, day, wallet);
CREATE INDEX large_value_reports_day ON large_value_reports (day, wallet);

-- +goose Down
DROP TABLE large_value_reports;
DROP TABLE alerts;
DROP TABLE risk_pairs;
DROP TABLE risk_state;
DROP TABLE risk_rules;
ALTER TABLE accounts DROP COLUMN risk;
