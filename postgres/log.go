package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// The transparency log: stored hashes, checkpoints, the log's head, and
// the reads of its transfers.

func readHashes(ctx context.Context, q queryer, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	// Each index is found in the block that starts at or before it.
	rows, _ := q.Query(ctx, `SELECT i.idx, substring(b.hashes from ((i.idx - b.start) * 32 + 1)::int for 32)
		FROM unnest($1::bigint[]) AS i(idx)
		CROSS JOIN LATERAL (SELECT start, hashes FROM log_hash_blocks WHERE start <= i.idx ORDER BY start DESC LIMIT 1) b`, indexes)
	got := make(map[int64]tlog.Hash, len(indexes))
	var idx int64
	var b []byte
	_, err := pgx.ForEachRow(rows, []any{&idx, &b}, func() error {
		if len(b) != tlog.HashSize {
			return nil // past the end of its block: not stored
		}
		got[idx] = tlog.Hash(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read log hashes: %w", err)
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := got[idx]
		if !ok {
			return nil, fmt.Errorf("postgres: log hash %d: %w", idx, store.ErrNotFound)
		}
		out[i] = h
	}
	return out, nil
}

// ReadHashes reads stored log hashes; every index must exist.
func (s *Store) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, s.pool, indexes)
}

// ReadHashes reads stored log hashes inside the batch.
func (b *batchTx) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, b.tx, indexes)
}

// LogHead locks the log's head row until the end of the batch and returns
// the log's size. Batches of all processes take it after their accounts, so
// appends are serialized in commit order.
func (b *batchTx) LogHead(ctx context.Context) (int64, error) {
	var n int64
	if err := b.tx.QueryRow(ctx, `SELECT size FROM log_head WHERE id = 1 FOR UPDATE`).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: log head: %w", err)
	}
	return n, nil
}

const checkpointCols = "size, root, note, created_at"

func scanCheckpoint(row pgx.Row) (ingot.Checkpoint, error) {
	var c ingot.Checkpoint
	var root []byte
	if err := row.Scan(&c.Size, &root, &c.Note, &c.CreatedAt); err != nil {
		return ingot.Checkpoint{}, err
	}
	if len(root) != tlog.HashSize {
		return ingot.Checkpoint{}, fmt.Errorf("checkpoint %d root has %d bytes", c.Size, len(root))
	}
	c.Root = tlog.Hash(root)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}

// LatestCheckpoint is the checkpoint of the largest tree.
func (s *Store) LatestCheckpoint(ctx context.Context) (ingot.Checkpoint, error) {
	c, err := scanCheckpoint(s.pool.QueryRow(ctx, `SELECT `+checkpointCols+` FROM checkpoints ORDER BY size DESC LIMIT 1`))
	if err != nil {
		return ingot.Checkpoint{}, notFound(err, "latest checkpoint")
	}
	return c, nil
}

// Checkpoint is the checkpoint of a tree size.
func (s *Store) Checkpoint(ctx context.Context, size int64) (ingot.Checkpoint, error) {
	c, err := scanCheckpoint(s.pool.QueryRow(ctx, `SELECT `+checkpointCols+` FROM checkpoints WHERE size = $1`, size))
	if err != nil {
		return ingot.Checkpoint{}, notFound(err, "checkpoint %d", size)
	}
	return c, nil
}

// Checkpoints lists checkpoints with size > after, ascending.
func (s *Store) Checkpoints(ctx context.Context, after int64, limit int) ([]ingot.Checkpoint, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+checkpointCols+` FROM checkpoints WHERE size > $1 ORDER BY size LIMIT $2`, after, limit)
	cs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.Checkpoint, error) { return scanCheckpoint(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: checkpoints: %w", err)
	}
	return cs, nil
}

// LogTransfers lists transfers by log index, from the given one.
func (s *Store) LogTransfers(ctx context.Context, from int64, limit int) ([]ingot.Transfer, error) {
	rows, _ := s.pool.Query(ctx, `SELECT seq, `+transferCols+` FROM transfers WHERE log_index >= $1 ORDER BY log_index LIMIT $2`, max(from, 0), limit)
	ts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.Transfer, error) { return scanTransfer(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: log transfers: %w", err)
	}
	return ts, nil
}

// CountTransfers counts all transfers.
func (s *Store) CountTransfers(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM transfers`).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count transfers: %w", err)
	}
	return n, nil
}
