package main

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot/internal/testdb"
)

// TestTwoProcessesSettlement: two `ingot serve --sandbox` processes on one
// PostgreSQL database both run the bank processor, and so both find a
// merchant's day due for settlement at once. The day is swept exactly once:
// the sandbox bank receives the balance above keep once, and a second
// round for the same day (its "settled" mark lost, as after a crash
// between the sweep and the mark) sweeps nothing more.
func TestTwoProcessesSettlement(t *testing.T) {
	t.Parallel()
	db := testdb.NewDSN(t, "postgres")
	p1 := startProc(t, "p1", db, "--sandbox")
	p2 := startProc(t, "p2", db, "--sandbox")

	_, key := p1.operator("STL", "100000.00")
	m := p1.must(201, "POST", "/v1/wallets", key, map[string]any{
		"holder": map[string]any{"name": "Lao Wang", "phone": "13900139000"}, "currency": "CNY", "kind": "merchant"}).str("id")
	p2.must(200, "PUT", "/v1/wallets/"+m+"/merchant", key, map[string]any{"name": "Lao Wang Noodles", "city": "Beijing", "country": "CN", "mcc": "5812"})
	p1.must(201, "POST", "/v1/sandbox/bank/accounts", procAdminKey, map[string]any{"bank_code": "ICBC", "account_number": "6222021234561111",
		"holder_name": "Lao Wang", "currency": "CNY", "balance": "0.00"})
	p2.must(201, "POST", "/v1/wallets/"+m+"/bank-accounts", key, map[string]any{"bank_code": "ICBC", "account_number": "6222021234561111", "holder_name": "Lao Wang"})
	payer := p1.wallet(key, "500.00")
	p2.must(201, "POST", "/v1/transfers", key, map[string]any{"from": payer, "to": m, "amount": "120.00", "currency": "CNY"})
	s := p1.must(200, "PUT", "/v1/wallets/"+m+"/settlement", key, map[string]any{"sweep": "daily", "keep": "20.00"})
	if s.str("sweep") != "daily" || s.str("keep") != "20.00" {
		t.Fatalf("settlement: %s", s)
	}

	// Make the day that ended at the last midnight due, as it is at
	// midnight: the settlement was set today, so its first day is today.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	due := func() {
		t.Helper()
		if tag, err := conn.Exec(ctx, `UPDATE settlements SET last_date = '2000-01-01'`); err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("make the day due: %v, %v", tag, err)
		}
	}
	bank := func() string {
		return p1.must(200, "GET", "/v1/sandbox/bank/accounts/ICBC/6222021234561111", procAdminKey, nil).str("balance")
	}
	due()
	deadline := time.Now().Add(20 * time.Second)
	for bank() != "100.00" {
		if time.Now().After(deadline) {
			t.Fatalf("the sweep did not reach the bank: bank %s, wallet %s", bank(), p1.balance(key, m))
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Both processors have had several rounds (one a second) meanwhile and
	// after; the same day again, unmarked, sweeps nothing.
	time.Sleep(2500 * time.Millisecond)
	due()
	time.Sleep(3 * time.Second)
	if b, w := bank(), p2.balance(key, m); b != "100.00" || w != "20.00" {
		t.Fatalf("after more rounds: bank %s (want 100.00), wallet %s (want 20.00)", b, w)
	}
	var sweeps int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM bank_operations WHERE kind = 'sweep'`).Scan(&sweeps); err != nil {
		t.Fatal(err)
	}
	if sweeps != 1 {
		t.Fatalf("%d sweeps for one day, want 1", sweeps)
	}
	var last string
	if err := conn.QueryRow(ctx, `SELECT last_date FROM settlements`).Scan(&last); err != nil || last == "2000-01-01" {
		t.Fatalf("the day is not marked settled: %q, %v", last, err)
	}
	p1.checkSupply("100000.00", "400.00") // the payer 380.00, the merchant 20.00
}
