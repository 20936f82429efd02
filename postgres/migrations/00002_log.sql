-- +goose Up
-- The transparency log: every transfer is a leaf (log_index), the tree's
-- stored hashes are kept in tlog's layout, the head row orders appends
-- across processes (batches lock it after their accounts), and every signed
-- checkpoint is kept; size is the key, so two checkpoints of one size can
-- never disagree.
ALTER TABLE transfers ADD COLUMN log_index BIGINT NOT NULL DEFAULT -1;
CREATE UNIQUE INDEX transfers_log_index ON transfers (log_index) WHERE log_index >= 0;

CREATE TABLE log_hashes (
    idx  BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL
);

CREATE TABLE log_head (
    id   INT PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL
);
INSERT INTO log_head (id, size) VALUES (1, 0);

CREATE TABLE checkpoints (
    size       BIGINT PRIMARY KEY,
    root       BYTEA NOT NULL,
    note       BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE checkpoints;
DROP TABLE log_head;
DROP TABLE log_hashes;
DROP INDEX transfers_log_index;
ALTER TABLE transfers DROP COLUMN log_index;
