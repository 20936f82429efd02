package main

// Tests that run the real ingot binary as child processes: several
// processes on one PostgreSQL database, and restarts on both stores.
// Helpers are in proc_helpers_test.go.

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/translog"
	"github.com/ingot-cbdc/ingot/verify"
)

// transferOutcome is one concurrent request's answer.
type transferOutcome struct {
	via  string
	resp *procResp
	err  error
}

// concurrently runs n calls at once (released together) and returns their
// outcomes in call order.
func concurrently(n int, call func(i int) (string, *procResp, error)) []transferOutcome {
	out := make([]transferOutcome, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			via, r, err := call(i)
			out[i] = transferOutcome{via: via, resp: r, err: err}
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// TestTwoProcessesNoOverdraft: two processes on one PostgreSQL database,
// 150 concurrent payments of 1.00 from a wallet holding 50.00: exactly 50
// go through, whichever process they reach.
func TestTwoProcessesNoOverdraft(t *testing.T) {
	t.Parallel()
	db := testdb.NewDSN(t, "postgres")
	// Small batches: with the default, each process tends to take its whole
	// burst in one or two batches, and a missing row lock between the
	// processes would go unnoticed most of the time; with 4 the batches of
	// the two processes interleave (a build without FOR UPDATE on the
	// accounts fails this test 9 times in 10).
	p1 := startProc(t, "p1", db, "--max-batch", "4")
	p2 := startProc(t, "p2", db, "--max-batch", "4")
	procs := []*proc{p1, p2}

	_, key := p1.operator("OVD", "1000.00")
	a := p1.wallet(key, "50.00")
	b := p1.wallet(key, "")

	const n = 150
	for _, p := range procs {
		p.warm(n / 2)
	}
	res := concurrently(n, func(i int) (string, *procResp, error) {
		p := procs[i%2]
		r, err := p.do("POST", "/v1/transfers", key, map[string]any{
			"from": a, "to": b, "amount": "1.00", "currency": "CNY", "memo": "m" + strconv.Itoa(i)})
		return p.name, r, err
	})

	ok, refused := 0, 0
	okBy := map[string]int{}
	ids := map[string]bool{}
	for i, o := range res {
		switch {
		case o.err != nil:
			t.Errorf("request %d via %s: %v", i, o.via, o.err)
		case o.resp.status == 201:
			ok++
			okBy[o.via]++
			id := o.resp.str("id")
			if id == "" || ids[id] {
				t.Errorf("request %d via %s: empty or repeated transfer id: %s", i, o.via, o.resp)
			}
			ids[id] = true
			if o.resp.str("from") != a || o.resp.str("to") != b || o.resp.str("amount") != "1.00" || o.resp.str("memo") != "m"+strconv.Itoa(i) {
				t.Errorf("request %d via %s: wrong transfer: %s", i, o.via, o.resp)
			}
			if o.resp.header.Get("Idempotent-Replayed") != "" {
				t.Errorf("request %d via %s: Idempotent-Replayed on a request without a key: %s", i, o.via, o.resp)
			}
		case o.resp.status == 422 && o.resp.str("code") == "insufficient_funds":
			refused++
		default:
			t.Errorf("request %d via %s: want 201 or 422 insufficient_funds, got %s", i, o.via, o.resp)
		}
	}
	if ok != 50 || refused != n-50 {
		t.Errorf("%d payments went through and %d were refused; want 50 and %d", ok, refused, n-50)
	}
	t.Logf("accepted by process: %v", okBy)

	for _, p := range procs {
		if got := p.balance(key, a); got != "0.00" {
			t.Errorf("balance of A via %s = %s, want 0.00", p.name, got)
		}
		if got := p.balance(key, b); got != "50.00" {
			t.Errorf("balance of B via %s = %s, want 50.00", p.name, got)
		}
		p.checkSupply("1000.00", "50.00")
	}
	// Every accepted transfer is readable from the other process too.
	for id := range ids {
		for _, p := range procs {
			r := p.must(200, "GET", "/v1/transfers/"+id, key, nil)
			if r.str("id") != id || r.str("amount") != "1.00" || r.str("from") != a || r.str("to") != b {
				t.Errorf("GET transfer %s via %s: %s", id, p.name, r)
			}
		}
	}
	for _, p := range procs {
		p.stopGracefully()
	}
	// Both processes wrote one log: one checkpoint per size, each signed
	// and each a prefix of the next, and the books replay.
	procVerify(t, db)
}

// procVerify runs verify.Database on a stopped database with the key the
// children sign with.
func procVerify(t *testing.T, db string) {
	t.Helper()
	st, err := testdb.OpenDSN(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	signer, err := translog.NewSigner(procSigningKey())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Database(context.Background(), st, signer.VerifierKey(), defaultOrigin)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if rep.Transfers == 0 {
		t.Fatalf("verify saw no transfers: %+v", rep)
	}
}

// TestTwoProcessesIdempotency: 40 concurrent identical payments under one
// Idempotency-Key, split across two processes on one PostgreSQL database,
// move money once and all answer the same transfer.
func TestTwoProcessesIdempotency(t *testing.T) {
	t.Parallel()
	db := testdb.NewDSN(t, "postgres")
	p1 := startProc(t, "p1", db)
	p2 := startProc(t, "p2", db)
	procs := []*proc{p1, p2}

	_, key := p1.operator("IDM", "1000.00")
	a := p1.wallet(key, "10.00")
	b := p1.wallet(key, "")

	const n = 40
	for _, p := range procs {
		p.warm(n / 2)
	}
	body := map[string]any{"from": a, "to": b, "amount": "1.00", "currency": "CNY", "memo": "once"}
	res := concurrently(n, func(i int) (string, *procResp, error) {
		p := procs[i%2]
		r, err := p.do("POST", "/v1/transfers", key, body, "Idempotency-Key", "pay-once-1")
		return p.name, r, err
	})

	id := ""
	originals, replays := 0, 0
	for i, o := range res {
		if o.err != nil {
			t.Errorf("request %d via %s: %v", i, o.via, o.err)
			continue
		}
		if o.resp.status != 201 {
			t.Errorf("request %d via %s: want 201, got %s", i, o.via, o.resp)
			continue
		}
		got := o.resp.str("id")
		if got == "" {
			t.Errorf("request %d via %s: no transfer id: %s", i, o.via, o.resp)
		}
		if id == "" {
			id = got
		} else if got != id {
			t.Errorf("request %d via %s: transfer id %s, others got %s", i, o.via, got, id)
		}
		if o.resp.str("from") != a || o.resp.str("to") != b || o.resp.str("amount") != "1.00" || o.resp.str("memo") != "once" {
			t.Errorf("request %d via %s: wrong transfer: %s", i, o.via, o.resp)
		}
		switch h := o.resp.header.Get("Idempotent-Replayed"); h {
		case "":
			originals++
		case "true":
			replays++
		default:
			t.Errorf("request %d via %s: Idempotent-Replayed %q", i, o.via, h)
		}
	}
	if originals != 1 || replays != n-1 {
		t.Errorf("%d original answers and %d replays; want 1 and %d", originals, replays, n-1)
	}
	for _, p := range procs {
		if got := p.balance(key, a); got != "9.00" {
			t.Errorf("balance of A via %s = %s, want 9.00 (money moved more than once?)", p.name, got)
		}
		if got := p.balance(key, b); got != "1.00" {
			t.Errorf("balance of B via %s = %s, want 1.00", p.name, got)
		}
		p.checkSupply("1000.00", "10.00")
		if id != "" {
			r := p.must(200, "GET", "/v1/transfers/"+id, key, nil)
			if r.str("id") != id || r.str("amount") != "1.00" {
				t.Errorf("GET transfer %s via %s: %s", id, p.name, r)
			}
		}
	}
	// The key is still bound to its request: another body under it is a conflict.
	other := map[string]any{"from": a, "to": b, "amount": "2.00", "currency": "CNY", "memo": "once"}
	for _, p := range procs {
		r, err := p.do("POST", "/v1/transfers", key, other, "Idempotency-Key", "pay-once-1")
		if err != nil {
			t.Fatal(err)
		}
		if r.status != 422 || r.str("code") != "idempotency_conflict" {
			t.Errorf("another body under the same key via %s: want 422 idempotency_conflict, got %s", p.name, r)
		}
	}
	if got := p1.balance(key, a); got != "9.00" {
		t.Errorf("balance of A after the conflict = %s, want 9.00", got)
	}
	for _, p := range procs {
		p.stopGracefully()
	}
}

// TestServeRestartKeepsAcknowledged: 200 acknowledged payments survive a
// SIGTERM and a restart on the same database, on both stores.
func TestServeRestartKeepsAcknowledged(t *testing.T) {
	t.Parallel()
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := testdb.NewDSN(t, kind)
			p := startProc(t, "first", db)
			_, key := p.operator("RST", "10000.00")
			a := p.wallet(key, "500.00")
			b := p.wallet(key, "")

			const n, workers = 200, 8
			ids := make([]string, n)
			var wg sync.WaitGroup
			var mu sync.Mutex
			var errs []string
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < n; i += workers {
						r, err := p.do("POST", "/v1/transfers", key, map[string]any{
							"from": a, "to": b, "amount": "1.00", "currency": "CNY", "memo": fmt.Sprint("r", i)},
							"Idempotency-Key", fmt.Sprint("restart-", i))
						mu.Lock()
						switch {
						case err != nil:
							errs = append(errs, err.Error())
						case r.status != 201 || r.str("id") == "":
							errs = append(errs, fmt.Sprintf("payment %d: %s", i, r))
						default:
							ids[i] = r.str("id")
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if len(errs) > 0 {
				t.Fatalf("%d payments were not acknowledged, first: %s", len(errs), errs[0])
			}
			seen := map[string]bool{}
			for i, id := range ids {
				if seen[id] {
					t.Fatalf("payment %d: transfer id %s acknowledged twice", i, id)
				}
				seen[id] = true
			}
			p.stopGracefully()

			q := startProc(t, "second", db)
			for i, id := range ids {
				r, err := q.do("GET", "/v1/transfers/"+id, key, nil)
				if err != nil {
					t.Fatal(err)
				}
				if r.status != 200 || r.str("id") != id || r.str("from") != a || r.str("to") != b ||
					r.str("amount") != "1.00" || r.str("kind") != "payment" || r.str("memo") != fmt.Sprint("r", i) {
					t.Errorf("acknowledged payment %d (%s) after restart: %s", i, id, r)
				}
			}
			if got := q.balance(key, a); got != "300.00" {
				t.Errorf("balance of A after restart = %s, want 300.00", got)
			}
			if got := q.balance(key, b); got != "200.00" {
				t.Errorf("balance of B after restart = %s, want 200.00", got)
			}
			q.checkSupply("10000.00", "500.00")

			// The idempotency records survived too: a retry replays, money does not move.
			r := q.must(201, "POST", "/v1/transfers", key, map[string]any{
				"from": a, "to": b, "amount": "1.00", "currency": "CNY", "memo": "r7"}, "Idempotency-Key", "restart-7")
			if r.str("id") != ids[7] || r.header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("retry of payment 7 after restart: want a replay of %s, got %s (Idempotent-Replayed %q)",
					ids[7], r, r.header.Get("Idempotent-Replayed"))
			}
			if got := q.balance(key, b); got != "200.00" {
				t.Errorf("balance of B after the retry = %s, want 200.00", got)
			}

			// SIGKILL under load: what was acknowledged survives, and retrying
			// the rest with their keys moves each payment exactly once.
			const m = 100
			killed := make([]string, m)
			unacked := make([]bool, m)
			acked := make(chan struct{}, m)
			errs = nil
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < m; i += workers {
						r, err := q.do("POST", "/v1/transfers", key, map[string]any{
							"from": a, "to": b, "amount": "1.00", "currency": "CNY", "memo": fmt.Sprint("k", i)},
							"Idempotency-Key", fmt.Sprint("kill-", i))
						mu.Lock()
						switch {
						case err != nil: // the process died under it
							unacked[i] = true
						case r.status != 201 || r.str("id") == "":
							errs = append(errs, fmt.Sprintf("payment k%d: %s", i, r))
						default:
							killed[i] = r.str("id")
							acked <- struct{}{}
						}
						mu.Unlock()
					}
				}()
			}
			allDone := make(chan struct{})
			go func() { wg.Wait(); close(allDone) }()
		wait:
			for i := 0; i < 30; i++ {
				select {
				case <-acked:
				case <-allDone: // fewer than 30 acknowledged: errs says why
					break wait
				case <-time.After(20 * time.Second):
					t.Fatal("30 payments were not acknowledged within 20 s")
				}
			}
			q.kill()
			<-allDone
			if len(errs) > 0 {
				t.Fatalf("%d payments answered neither 201 nor a broken connection, first: %s", len(errs), errs[0])
			}
			nAcked := 0
			for i := range killed {
				if killed[i] != "" {
					nAcked++
				}
			}
			t.Logf("SIGKILL after %d of %d payments were acknowledged", nAcked, m)

			z := startProc(t, "third", db)
			for i, id := range killed {
				if id == "" {
					continue
				}
				if r := z.must(200, "GET", "/v1/transfers/"+id, key, nil); r.str("id") != id || r.str("memo") != fmt.Sprint("k", i) {
					t.Errorf("acknowledged payment k%d (%s) after SIGKILL: %s", i, id, r)
				}
			}
			for i := range killed {
				r := z.must(201, "POST", "/v1/transfers", key, map[string]any{
					"from": a, "to": b, "amount": "1.00", "currency": "CNY", "memo": fmt.Sprint("k", i)},
					"Idempotency-Key", fmt.Sprint("kill-", i))
				switch {
				case killed[i] != "" && (r.str("id") != killed[i] || r.header.Get("Idempotent-Replayed") != "true"):
					t.Errorf("retry of acknowledged payment k%d: want a replay of %s, got %s", i, killed[i], r)
				case killed[i] == "" && !unacked[i]:
					t.Errorf("payment k%d was never sent", i)
				}
				if seen[r.str("id")] {
					t.Errorf("payment k%d: transfer id %s seen before", i, r.str("id"))
				}
				seen[r.str("id")] = true
			}
			if got := z.balance(key, a); got != "200.00" {
				t.Errorf("balance of A after SIGKILL and retries = %s, want 200.00", got)
			}
			if got := z.balance(key, b); got != "300.00" {
				t.Errorf("balance of B after SIGKILL and retries = %s, want 300.00", got)
			}
			z.checkSupply("10000.00", "500.00")
			z.stopGracefully()
		})
	}
}
