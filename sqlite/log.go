package sqlite

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// The transparency log: stored hashes, checkpoints, the log's head, and
// the reads of its transfers.

func readHashes(ctx context.Context, q querier, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(indexes)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT idx, hash FROM log_hashes WHERE idx IN (SELECT value FROM json_each(?))`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read log hashes: %w", err)
	}
	defer rows.Close()
	got := make(map[int64]tlog.Hash, len(indexes))
	for rows.Next() {
		var idx int64
		var b []byte
		if err := rows.Scan(&idx, &b); err != nil {
			return nil, fmt.Errorf("sqlite: read log hashes: %w", err)
		}
		if len(b) != tlog.HashSize {
			return nil, fmt.Errorf("sqlite: log hash %d has %d bytes", idx, len(b))
		}
		got[idx] = tlog.Hash(b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read log hashes: %w", err)
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := got[idx]
		if !ok {
			return nil, fmt.Errorf("sqlite: log hash %d: %w", idx, store.ErrNotFound)
		}
		out[i] = h
	}
	return out, nil
}

// ReadHashes reads stored log hashes; every index must exist.
func (s *Store) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, s.r, indexes)
}

// ReadHashes reads stored log hashes inside the batch.
func (b *batchTx) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, b.tx, indexes)
}

// LogHead returns the log's size; the transaction holds the write lock.
func (b *batchTx) LogHead(ctx context.Context) (int64, error) {
	var n int64
	if err := b.tx.QueryRowContext(ctx, `SELECT size FROM log_head WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: log head: %w", err)
	}
	return n, nil
}

const checkpointCols = `size, root, note, created_at`

func scanCheckpoint(sc scanner) (ingot.Checkpoint, error) {
	var c ingot.Checkpoint
	var root []byte
	var created int64
	if err := sc.Scan(&c.Size, &root, &c.Note, &created); err != nil {
		return ingot.Checkpoint{}, err
	}
	if len(root) != tlog.HashSize {
		return ingot.Checkpoint{}, fmt.Errorf("sqlite: checkpoint %d root has %d bytes", c.Size, len(root))
	}
	c.Root = tlog.Hash(root)
	c.CreatedAt = fromMicros(created)
	return c, nil
}

// LatestCheckpoint is the checkpoint of the largest tree.
func (s *Store) LatestCheckpoint(ctx context.Context) (ingot.Checkpoint, error) {
	c, err := scanCheckpoint(s.r.QueryRowContext(ctx, `SELECT `+checkpointCols+` FROM checkpoints ORDER BY size DESC LIMIT 1`))
	if err != nil {
		return ingot.Checkpoint{}, notFound(err, "checkpoint")
	}
	return c, nil
}

// Checkpoint is the checkpoint of a tree size.
func (s *Store) Checkpoint(ctx context.Context, size int64) (ingot.Checkpoint, error) {
	c, err := scanCheckpoint(s.r.QueryRowContext(ctx, `SELECT `+checkpointCols+` FROM checkpoints WHERE size = ?`, size))
	if err != nil {
		return ingot.Checkpoint{}, notFound(err, "checkpoint")
	}
	return c, nil
}

// Checkpoints lists checkpoints with size > after, ascending.
func (s *Store) Checkpoints(ctx context.Context, after int64, limit int) ([]ingot.Checkpoint, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+checkpointCols+` FROM checkpoints WHERE size > ? ORDER BY size LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: checkpoints: %w", err)
	}
	defer rows.Close()
	var out []ingot.Checkpoint
	for rows.Next() {
		c, err := scanCheckpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: checkpoints: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// LogTransfers lists transfers by log index, from the given one.
func (s *Store) LogTransfers(ctx context.Context, from int64, limit int) ([]ingot.Transfer, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+transferCols+` FROM transfers WHERE log_index >= ? ORDER BY log_index LIMIT ?`, max(from, 0), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: log transfers: %w", err)
	}
	defer rows.Close()
	var out []ingot.Transfer
	for rows.Next() {
		t, err := scanTransfer(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: log transfers: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CountTransfers counts all transfers.
func (s *Store) CountTransfers(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM transfers`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count transfers: %w", err)
	}
	return n, nil
}
