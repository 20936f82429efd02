-- +goose Up
-- Sanctions screening (issue 13): the list, the progress of screening every
-- wallet against it, and a key that keeps an alert raised outside a batch
-- from being stored twice.
ALTER TABLE alerts ADD COLUMN dedupe TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX alerts_dedupe ON alerts (dedupe) WHERE dedupe <> '';

CREATE TABLE screening_entries (
    seq     INTEGER PRIMARY KEY,
    id      TEXT NOT NULL,
    name    TEXT NOT NULL,
    country TEXT NOT NULL DEFAULT '',
    program TEXT NOT NULL DEFAULT ''
);

-- cursor: the last wallet id screened against version (-1: all of them).
CREATE TABLE screening_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    version    INTEGER NOT NULL,
    cursor     INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
INSERT INTO screening_state (id, version, cursor, updated_at) VALUES (1, 0, -1, 0);

-- +goose Down
DROP TABLE screening_state;
DROP TABLE screening_entries;
DROP INDEX alerts_dedupe;
ALTER TABLE alerts DROP COLUMN dedupe;
