package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "ingot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// counts returns the writer's commits begun, finished and on disk, and
// the fsyncs done.
func counts(s *Store) (begun, done, synced, fsyncs uint64) {
	w := s.w.sync
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.begun, w.done, w.synced, w.fsyncs
}

func insertOperator(t *testing.T, s *Store, code string) *wtx {
	t.Helper()
	tx, err := beginInsert(s, code)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// beginInsert opens a writer transaction that inserts an operator.
func beginInsert(s *Store, code string) (*wtx, error) {
	tx, err := s.w.BeginTx(context.Background())
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(context.Background(),
		`INSERT INTO operators (id, name, code, created_at) VALUES (?, ?, ?, 0)`, "op-"+code, code, code); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	return tx, nil
}

// TestGroupCommit: batches committed one after another without waiting
// share one fsync, nothing is durable before it, and Durable of the last
// covers them all.
func TestGroupCommit(t *testing.T) {
	s := openTest(t)
	_, _, _, f0 := counts(s)
	var txs []*wtx
	for _, code := range []string{"A", "B", "C"} {
		tx := insertOperator(t, s, code)
		if err := tx.commit(); err != nil {
			t.Fatal(err)
		}
		txs = append(txs, tx)
	}
	begun, done, synced, fsyncs := counts(s)
	if done != begun || synced >= done || fsyncs != f0 {
		t.Fatalf("after three commits: begun %d done %d synced %d fsyncs %d (before: %d); want all done, none synced, no fsync", begun, done, synced, fsyncs, f0)
	}
	if err := txs[2].durable(); err != nil {
		t.Fatal(err)
	}
	if err := txs[0].durable(); err != nil {
		t.Fatal(err)
	}
	begun, _, synced, fsyncs = counts(s)
	if synced != begun || fsyncs != f0+1 {
		t.Fatalf("after Durable: begun %d synced %d fsyncs %d; want every commit synced by one fsync (%d)", begun, synced, fsyncs, f0+1)
	}
}

// TestReadersWaitForTheDisk: a reader never sees a commit that is not on
// disk yet; it waits for (or does) the fsync first.
func TestReadersWaitForTheDisk(t *testing.T) {
	s := openTest(t)
	tx := insertOperator(t, s, "A")
	if err := tx.commit(); err != nil {
		t.Fatal(err)
	}
	if _, _, synced, _ := counts(s); synced >= tx.n {
		t.Fatalf("commit %d synced before anyone asked", tx.n)
	}
	var n int
	if err := s.r.QueryRowContext(context.Background(), `SELECT count(*) FROM operators WHERE code = 'A'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("read: %d, %v", n, err)
	}
	if begun, _, synced, _ := counts(s); synced != begun {
		t.Fatalf("the reader saw commit %d with only %d on disk", begun, synced)
	}
}

// TestWritesAreDurableWhenTheyReturn: every write method of the writer
// returns with its commit on disk, also when many run at once.
func TestWritesAreDurableWhenTheyReturn(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			code := string(rune('A' + i))
			var id string
			if err := s.w.QueryRowContext(ctx, `INSERT INTO operators (id, name, code, created_at) VALUES (?, ?, ?, 0) RETURNING id`,
				"op-"+code, code, code).Scan(&id); err != nil {
				t.Error(err)
				return
			}
			if _, err := s.w.ExecContext(ctx, `UPDATE operators SET name = ? WHERE id = ?`, "x"+code, id); err != nil {
				t.Error(err)
				return
			}
			tx, err := beginInsert(s, code+"2")
			if err == nil {
				err = tx.Commit()
			}
			if err != nil {
				t.Error(err)
				return
			}
			// What this goroutine wrote is on disk now.
			s.w.sync.mu.Lock()
			defer s.w.sync.mu.Unlock()
			if s.w.sync.synced < 3 {
				t.Errorf("after three writes returned, only %d commits synced", s.w.sync.synced)
			}
		})
	}
	wg.Wait()
	begun, done, synced, fsyncs := counts(s)
	if begun != done || synced != begun {
		t.Fatalf("begun %d done %d synced %d", begun, done, synced)
	}
	t.Logf("%d commits, %d fsyncs", begun, fsyncs)
}

// TestReadInsideWriteTransaction: a write transaction that reads through
// the reader pool while another write waits for the writer's connection
// does not deadlock (the waiting write has no commit number yet).
func TestReadInsideWriteTransaction(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	tx := insertOperator(t, s, "A")
	waiting := make(chan error, 1)
	go func() {
		_, err := s.w.ExecContext(ctx, `INSERT INTO operators (id, name, code, created_at) VALUES ('op-B', 'B', 'B', 0)`)
		waiting <- err
	}()
	time.Sleep(50 * time.Millisecond) // the insert now waits for the connection
	read := make(chan error, 1)
	go func() {
		var n int
		read <- s.r.QueryRowContext(ctx, `SELECT count(*) FROM operators`).Scan(&n)
	}()
	select {
	case err := <-read:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a read inside a write transaction waited for a write queued behind it")
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-waiting; err != nil {
		t.Fatal(err)
	}
}
