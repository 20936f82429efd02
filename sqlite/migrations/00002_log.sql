-- +goose Up
-- The transparency log: every transfer is a leaf (log_index), the tree's
-- stored hashes are kept in tlog's layout, the head row orders appends, and
-- every signed checkpoint is kept.
ALTER TABLE transfers ADD COLUMN log_index INTEGER NOT NULL DEFAULT -1;
CREATE UNIQUE INDEX transfers_log_index ON transfers (log_index) WHERE log_index >= 0;

CREATE TABLE log_hashes (
    idx  INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
);

CREATE TABLE log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL
);
INSERT INTO log_head (id, size) VALUES (1, 0);

CREATE TABLE checkpoints (
    size       INTEGER PRIMARY KEY,
    root       BLOB NOT NULL,
    note       BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE checkpoints;
DROP TABLE log_head;
DROP TABLE log_hashes;
DROP INDEX transfers_log_index;
ALTER TABLE transfers DROP COLUMN log_index;
