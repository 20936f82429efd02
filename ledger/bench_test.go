package ledger_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/translog"
)

// BenchmarkEngine measures the write path without HTTP: payments between
// random wallets from 64 concurrent callers, on each store, with and without
// the transparency log, batched and with one transaction per payment.
// Compare runs with benchstat.
func BenchmarkEngine(b *testing.B) {
	for _, kind := range testdb.Kinds {
		for _, log := range []bool{true, false} {
			for _, maxBatch := range []int{ledger.DefaultMaxBatch, 1} {
				name := fmt.Sprintf("store=%s/log=%v/max-batch=%d", kind, log, maxBatch)
				b.Run(name, func(b *testing.B) { benchEngine(b, kind, log, maxBatch) })
			}
		}
	}
}

func benchEngine(b *testing.B, kind string, withLog bool, maxBatch int) {
	st := testdb.Open(b, kind)
	var signer *translog.Signer
	if withLog {
		signer = testSigner(nil)
	}
	eng := ledger.NewEngine(st, ledger.Options{MaxBatch: maxBatch, Signer: signer})
	defer eng.Close()
	svc := ledger.NewService(st, eng, nil).WithPII(testPII())
	ctx := context.Background()
	if _, err := svc.Bootstrap(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	cb := keyActor(b, st, "bench")
	res, err := svc.CreateOperator(ctx, cb, "Bench", "BENCH", nil)
	if err != nil {
		b.Fatal(err)
	}
	op := keyActor(b, st, res.APIKey)
	if _, err := svc.Issue(ctx, cb, false, res.Operator.ID, "100000000.00", "CNY", nil); err != nil {
		b.Fatal(err)
	}
	const wallets = 1000
	ids := make([]int64, wallets)
	items := make([]ledger.PayRequest, 0, wallets)
	for i := range ids {
		r, err := svc.CreateWallet(ctx, op, ingot.Holder{Name: "B", Phone: "13800000000"}, "CNY", "", nil)
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = r.Account.ID
		items = append(items, ledger.PayRequest{})
	}
	_ = items
	for _, id := range ids {
		if _, err := svc.Fund(ctx, op, ingot.FormatWalletID(id), "1000.00", false, nil); err != nil {
			b.Fatal(err)
		}
	}
	var failed atomic.Int64
	b.SetParallelism(32) // 64 callers on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(rand.Uint64(), 1))
		for pb.Next() {
			from := ids[r.IntN(wallets)]
			to := ids[r.IntN(wallets)]
			if from == to {
				to = ids[(r.IntN(wallets-1)+1+int(from%wallets))%wallets]
				if to == from {
					continue
				}
			}
			_, err := ledger.EnginePay(ctx, eng, op, from, to, 1, "CNY")
			if err != nil {
				failed.Add(1)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transfers/s")
	if failed.Load() > 0 {
		b.Fatalf("%d payments failed", failed.Load())
	}
}
