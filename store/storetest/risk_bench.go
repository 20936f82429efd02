package storetest

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// BenchmarkRiskWrite measures committed batches of 1000 payments between
// 1000 wallets, each batch writing the payments and the wallets' balances
// ("plain"), and also their risk rows ("risk"): every wallet's risk bytes
// (48), a pair per payment (known after the first five batches), ten
// alerts and ten report lines. s is a new, migrated store; both stores run
// it.
func BenchmarkRiskWrite(b *testing.B, s store.Store) {
	ctx := context.Background()
	const wallets, payments = 1000, 1000
	var accts []ingot.Account
	for range wallets {
		accts = append(accts, ingot.Account{ID: ingot.NewWalletID(), Kind: ingot.AccountWallet, OperatorID: "op",
			Currency: "CNY", Status: ingot.StatusActive, WalletKind: ingot.WalletPersonal, CreatedAt: time.Now()})
	}
	if _, err := s.CreateAccounts(ctx, accts, nil); err != nil {
		b.Fatal(err)
	}
	velocity := make([]byte, 48)
	seq := 0
	for _, withRisk := range []bool{false, true} {
		name := "plain"
		if withRisk {
			name = "risk"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				w := &store.BatchWrite{Accounts: accts}
				at := time.Now()
				offset := 1 + seq/payments%5 // five payees per payer, in turn
				for i := range payments {
					seq++
					payer, payee := accts[i%wallets], accts[(i+offset)%wallets]
					w.Transfers = append(w.Transfers, ingot.Transfer{ID: "t" + strconv.Itoa(seq), Kind: ingot.KindPayment,
						Debit: payer.ID, Credit: payee.ID, Amount: 1, Currency: "CNY", CreatedAt: at, LogIndex: -1})
					if withRisk {
						w.Risk.Pairs = append(w.Risk.Pairs, store.PairWrite{Pair: store.Pair{Payer: payer.ID, Payee: payee.ID},
							Last: at, Count: 1})
					}
				}
				if withRisk {
					for i := range w.Accounts {
						w.Accounts[i].Risk = velocity
					}
					for i := range 10 {
						w.Risk.Alerts = append(w.Risk.Alerts, risk.Alert{ID: newID(), OperatorID: "op", Pattern: "velocity",
							Severity: risk.SeverityMedium, Wallet: accts[i].ID, TransferID: w.Transfers[i].ID,
							Evidence: json.RawMessage(`{"count":12,"window":"1h"}`), Status: risk.AlertOpen, CreatedAt: at})
						w.Risk.LargeValues = append(w.Risk.LargeValues, risk.LargeValue{Wallet: accts[i].ID, Day: 20260501,
							OperatorID: "op", Currency: "CNY", Sent: int64(seq), Count: int64(seq), Threshold: 5_000_000, UpdatedAt: at})
					}
				}
				tx, err := s.BeginBatch(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if err := tx.Write(ctx, w); err != nil {
					tx.Rollback(ctx) // before the next benchmark's batch waits for the writer
					b.Fatal(err)
				}
				if err := tx.Commit(ctx); err != nil {
					b.Fatal(err)
				}
				if err := tx.Durable(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*payments)/b.Elapsed().Seconds(), "payments/s")
		})
	}
}
