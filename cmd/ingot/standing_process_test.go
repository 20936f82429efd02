package main

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/schedule"
)

// TestTwoProcessesStandingOrders: two processes on one PostgreSQL database
// each run the standing orders' scheduler (every 100 ms). Orders made on
// either process with a start three days back are due at once: the process
// that made one pays its occurrences while the other's scheduler finds
// them due too. Every occurrence is paid once; a process killed and
// started again pays nothing twice.
func TestTwoProcessesStandingOrders(t *testing.T) {
	t.Parallel()
	db := testdb.NewDSN(t, "postgres")
	p1 := startProc(t, "p1", db, "--standing-interval", "100ms")
	p2 := startProc(t, "p2", db, "--standing-interval", "100ms")
	_, key := p1.operator("STANDPROC", "10000.00")
	payee := p1.wallet(key, "")
	zone, err := time.LoadLocation(ledger.DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	today := schedule.DateOf(time.Now(), zone)
	const n = 16
	payers := make([]string, n)
	for i := range payers {
		payers[i] = p1.wallet(key, "100.00")
	}
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			p := []*proc{p1, p2}[i%2]
			r, err := p.do("POST", "/v1/standing-orders", key, map[string]any{"from": payers[i], "to": payee, "amount": "1.00", "currency": "CNY",
				"schedule": map[string]any{"start": today.AddDays(-3).String(), "every": "day"}})
			if err != nil || r.status != 201 {
				t.Errorf("create %d: %v %v", i, r, err)
				return
			}
			ids[i] = r.str("id")
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	want := []string{today.AddDays(1).String() + " pending"}
	for d := 0; d >= -3; d-- {
		want = append(want, today.AddDays(d).String()+" paid")
	}
	check := func(p *proc) {
		t.Helper()
		for _, id := range ids {
			r := p.must(200, "GET", "/v1/standing-orders/"+id+"/runs", key, nil)
			items, _ := r.body["items"].([]any)
			var got []string
			for _, it := range items {
				m := it.(map[string]any)
				got = append(got, fmt.Sprint(m["occurrence"], " ", m["status"]))
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("order %s's runs %v; want %v", id, got, want)
			}
		}
		if b := p.balance(key, payee); b != fmt.Sprintf("%d.00", 4*n) {
			t.Fatalf("payee %s; want %d.00", b, 4*n)
		}
	}
	check(p2)

	// p1 dies and comes back; both schedulers run a while longer.
	p1.kill()
	p1 = startProc(t, "p1-again", db, "--standing-interval", "100ms")
	time.Sleep(time.Second)
	check(p1)
	p1.stopGracefully()
	p2.stopGracefully()
	// A mint, the payers' top-ups, and per order its record (made) and 4
	// payments: none twice.
	verifyDB(t, db, 1+n+n+4*n)
}
