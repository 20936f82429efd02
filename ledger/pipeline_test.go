package ledger_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/store"
)

// gatedStore holds the commit of the first batch after it is armed until
// another batch begins (or wait runs out), and records whether one did.
type gatedStore struct {
	store.Store
	armed   atomic.Bool
	wait    time.Duration
	mu      sync.Mutex
	first   bool          // the first armed batch has begun
	second  chan struct{} // closed when a second armed batch begins
	overlap atomic.Bool   // the second began while the first was committing
}

func (g *gatedStore) BeginBatch(ctx context.Context) (store.BatchTx, error) {
	gate := false
	if g.armed.Load() {
		g.mu.Lock()
		if !g.first {
			g.first, gate = true, true
		} else {
			select {
			case <-g.second:
			default:
				close(g.second)
			}
		}
		g.mu.Unlock()
	}
	tx, err := g.Store.BeginBatch(ctx)
	if err != nil || !gate {
		return tx, err
	}
	return &gatedTx{BatchTx: tx, g: g}, nil
}

type gatedTx struct {
	store.BatchTx
	g *gatedStore
}

func (t *gatedTx) Commit(ctx context.Context) error {
	select {
	case <-t.g.second:
		t.g.overlap.Store(true)
	case <-time.After(t.g.wait):
	}
	return t.BatchTx.Commit(ctx)
}

// TestPipeline checks that the engine builds the next batch while one
// commits with Pipeline 2, and not with Pipeline 1, and that both payments
// are answered either way; and each store's default (SQLite 2,
// PostgreSQL 1).
func TestPipeline(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		for _, c := range []struct {
			pipeline int
			wait     time.Duration
			overlap  bool
		}{{2, 10 * time.Second, true}, {1, 300 * time.Millisecond, false}} {
			g := &gatedStore{Store: testdb.Open(t, kind), wait: c.wait, second: make(chan struct{})}
			e := newEnvWith(t, g, ledger.Options{MaxBatch: 1, Pipeline: c.pipeline})
			a, aID := e.operator("BANKA")
			e.mint(aID, "1000.00", "CNY")
			from := e.wallet(a, "CNY", "10.00")
			to := e.wallet(a, "CNY", "")
			g.armed.Store(true)
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() {
					if _, err := pay(e, a, from, to, "1.00"); err != nil {
						t.Errorf("pipeline %d: pay: %v", c.pipeline, err)
					}
				})
			}
			wg.Wait()
			if g.overlap.Load() != c.overlap {
				t.Errorf("pipeline %d: second batch began during the first's commit: %v; want %v", c.pipeline, g.overlap.Load(), c.overlap)
			}
			if bal, _ := e.balance(a, to); bal != 200 {
				t.Errorf("pipeline %d: payee holds %d; want 200", c.pipeline, bal)
			}
		}
		want := map[string]int{"sqlite": 2, "postgres": 1}[kind]
		if got := newEnv(t, kind, 0).eng.Pipeline(); got != want {
			t.Errorf("default pipeline on %s: %d; want %d", kind, got, want)
		}
	})
}
