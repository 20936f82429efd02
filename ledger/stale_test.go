package ledger_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
)

// countingReader is a StaleReader (a replica's store) that counts its reads.
type countingReader struct {
	ledger.StaleReader
	n atomic.Int64
}

func (c *countingReader) AccountTransfers(ctx context.Context, account, before int64, limit int) ([]ingot.Transfer, error) {
	c.n.Add(1)
	return c.StaleReader.AccountTransfers(ctx, account, before, limit)
}

func (c *countingReader) AccountTransfersBetween(ctx context.Context, account int64, from, to time.Time, limit int) ([]ingot.Transfer, error) {
	c.n.Add(1)
	return c.StaleReader.AccountTransfersBetween(ctx, account, from, to, limit)
}

func (c *countingReader) BalanceBefore(ctx context.Context, account int64, at time.Time) (int64, error) {
	c.n.Add(1)
	return c.StaleReader.BalanceBefore(ctx, account, at)
}

// TestStaleReads: with WithStaleReads, a wallet's history and statement
// read their transfers through the stale reader (a replica's store with
// --db-read-url), and still say what the leader holds once it caught up.
func TestStaleReads(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		r := &countingReader{StaleReader: e.st}
		e.svc.WithStaleReads(r)
		a, aID := e.operator("BANKA")
		e.mint(aID, "1000.00", "CNY")
		w1 := e.wallet(a, "CNY", "300.00")
		w2 := e.wallet(a, "CNY", "")
		if _, err := pay(e, a, w1, w2, "1.25"); err != nil {
			t.Fatal(err)
		}
		h, _, err := e.svc.History(e.ctx, a, w1, "", 10)
		if err != nil || len(h) != 2 || h[0].Amount != -125 {
			t.Fatalf("history: %v %+v", err, h)
		}
		if r.n.Load() != 1 {
			t.Fatalf("history made %d reads through the stale reader, want 1", r.n.Load())
		}
		st, err := e.svc.Statement(e.ctx, a, w1, "")
		if err != nil || len(st.Entries) != 2 || st.Closing != 29875 {
			t.Fatalf("statement: %v %+v", err, st)
		}
		if r.n.Load() != 3 {
			t.Fatalf("history and statement made %d reads through the stale reader, want 3", r.n.Load())
		}
	})
}
