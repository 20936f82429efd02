package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/translog"
	"golang.org/x/mod/sumdb/tlog"
)

// testTransparencyLog writes two batches with log hashes and checkpoints,
// as the engine does, and reads them back through every log method.
func testTransparencyLog(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.LatestCheckpoint(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LatestCheckpoint of an empty log = %v; want ErrNotFound", err)
	}
	op := mustCreateOperator(t, s, "LOG")
	iss := mustEnsure(t, s, ingot.AccountIssuance, "", "CNY")
	res := mustEnsure(t, s, ingot.AccountReserve, op.ID, "CNY")

	// appendBatch appends n mint transfers with their leaves.
	var all []ingot.Transfer
	var hashes []translog.StoredHash // every stored hash so far, by index
	appendBatch := func(n int) ingot.Checkpoint {
		t.Helper()
		tx, err := s.BeginBatch(ctx)
		if err != nil {
			t.Fatalf("BeginBatch: %v", err)
		}
		defer tx.Rollback(ctx)
		size, err := tx.LogHead(ctx)
		if err != nil {
			t.Fatalf("LogHead: %v", err)
		}
		if size != int64(len(all)) {
			t.Fatalf("LogHead = %d; want %d", size, len(all))
		}
		w := &store.BatchWrite{}
		for i := 0; i < n; i++ {
			tr := newTransfer(ingot.KindMint, iss.ID, res.ID, int64(100+len(all)), "CNY")
			tr.LogIndex = int64(len(all))
			// What tlog.StoredHashes adds for this leaf, reading earlier
			// hashes through the transaction (and this batch's own).
			got, err := tlog.StoredHashes(tr.LogIndex, []byte(tr.ID), hashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
				out := make([]tlog.Hash, len(idx))
				var fromTx []int64
				for _, i := range idx {
					if int(i) >= len(hashes)-len(w.LogHashes) {
						continue
					}
					fromTx = append(fromTx, i)
				}
				stored, err := tx.ReadHashes(ctx, fromTx)
				if err != nil {
					return nil, err
				}
				k := 0
				for j, i := range idx {
					if int(i) < len(hashes)-len(w.LogHashes) {
						out[j] = stored[k]
						k++
					} else {
						out[j] = hashes[i].Hash
					}
				}
				return out, nil
			}))
			if err != nil {
				t.Fatalf("StoredHashes: %v", err)
			}
			for _, h := range got {
				sh := translog.StoredHash{Index: int64(len(hashes)), Hash: h}
				hashes = append(hashes, sh)
				w.LogHashes = append(w.LogHashes, sh)
			}
			all = append(all, tr)
			w.Transfers = append(w.Transfers, tr)
		}
		root, err := tlog.TreeHash(int64(len(all)), hashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(idx))
			for j, i := range idx {
				out[j] = hashes[i].Hash
			}
			return out, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		cp := ingot.Checkpoint{Size: int64(len(all)), Root: root, Note: []byte("note of " + string(rune('0'+len(all)))), CreatedAt: now()}
		w.Checkpoint = &cp
		if err := tx.Write(ctx, w); err != nil {
			t.Fatalf("Write: %v", err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatalf("Commit: %v", err)
		}
		return cp
	}
	cp1 := appendBatch(3)
	cp2 := appendBatch(4)

	latest, err := s.LatestCheckpoint(ctx)
	if err != nil || latest.Size != 7 || latest.Root != cp2.Root || string(latest.Note) != string(cp2.Note) {
		t.Fatalf("LatestCheckpoint = %+v, %v; want size 7", latest, err)
	}
	if !latest.CreatedAt.Equal(cp2.CreatedAt.Truncate(1000)) || latest.CreatedAt.Location().String() != "UTC" {
		t.Errorf("checkpoint time %v; want %v in UTC", latest.CreatedAt, cp2.CreatedAt)
	}
	c, err := s.Checkpoint(ctx, 3)
	if err != nil || c.Root != cp1.Root {
		t.Fatalf("Checkpoint(3) = %+v, %v", c, err)
	}
	if _, err := s.Checkpoint(ctx, 4); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Checkpoint(4) = %v; want ErrNotFound", err)
	}
	cs, err := s.Checkpoints(ctx, 0, 10)
	if err != nil || len(cs) != 2 || cs[0].Size != 3 || cs[1].Size != 7 {
		t.Fatalf("Checkpoints(0) = %+v, %v", cs, err)
	}
	if cs, _ := s.Checkpoints(ctx, 3, 10); len(cs) != 1 || cs[0].Size != 7 {
		t.Fatalf("Checkpoints(3) = %+v", cs)
	}
	// Stored hashes read back in the order asked, and a missing one fails.
	idx := []int64{int64(len(hashes) - 1), 0, 2}
	got, err := s.ReadHashes(ctx, idx)
	if err != nil || len(got) != 3 || got[0] != hashes[len(hashes)-1].Hash || got[1] != hashes[0].Hash || got[2] != hashes[2].Hash {
		t.Fatalf("ReadHashes(%v) = %v, %v", idx, got, err)
	}
	if _, err := s.ReadHashes(ctx, []int64{int64(len(hashes))}); err == nil {
		t.Fatal("ReadHashes of a missing index succeeded")
	}
	// The stored root is what the stored hashes give.
	root, err := tlog.TreeHash(7, storeReader{ctx, s})
	if err != nil || root != cp2.Root {
		t.Fatalf("TreeHash from the store = %x, %v; want %x", root, err, cp2.Root)
	}
	// Transfers in log order.
	ts, err := s.LogTransfers(ctx, 2, 3)
	if err != nil || len(ts) != 3 || ts[0].ID != all[2].ID || ts[2].ID != all[4].ID || ts[1].LogIndex != 3 {
		t.Fatalf("LogTransfers(2, 3) = %+v, %v", ts, err)
	}
	if n, err := s.CountTransfers(ctx); err != nil || n != 7 {
		t.Fatalf("CountTransfers = %d, %v", n, err)
	}
	tr, err := s.Transfer(ctx, all[5].ID)
	if err != nil || tr.LogIndex != 5 {
		t.Fatalf("Transfer log index = %d, %v; want 5", tr.LogIndex, err)
	}
	// A second checkpoint of one size cannot be stored.
	tx, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if err := tx.Write(ctx, &store.BatchWrite{Checkpoint: &ingot.Checkpoint{Size: 7, Root: tlog.Hash{1}, Note: []byte("x"), CreatedAt: now()}}); err == nil {
		if err := tx.Commit(ctx); err == nil {
			t.Fatal("a second checkpoint of size 7 was stored")
		}
	}
	_ = tx.Rollback(ctx)
	// Every account and hold can be listed.
	as, err := s.AllAccounts(ctx, 0, 10)
	if err != nil || len(as) != 2 || as[0].ID > as[1].ID {
		t.Fatalf("AllAccounts = %+v, %v", as, err)
	}
	if as, _ := s.AllAccounts(ctx, as[0].ID, 10); len(as) != 1 {
		t.Fatalf("AllAccounts after the first = %+v", as)
	}
	if hs, err := s.AllHolds(ctx, "", 10); err != nil || len(hs) != 0 {
		t.Fatalf("AllHolds = %+v, %v", hs, err)
	}
}

type hashReaderFunc func([]int64) ([]tlog.Hash, error)

func (f hashReaderFunc) ReadHashes(idx []int64) ([]tlog.Hash, error) { return f(idx) }

type storeReader struct {
	ctx context.Context
	s   store.Store
}

func (r storeReader) ReadHashes(idx []int64) ([]tlog.Hash, error) { return r.s.ReadHashes(r.ctx, idx) }
