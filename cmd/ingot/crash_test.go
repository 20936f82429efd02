package main

// Crash safety of the real binary, on both stores: kill -9 of ingot under
// load, and (PostgreSQL) the database server stopped under load. Helpers
// are in crash_helpers_test.go and proc_helpers_test.go.

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/internal/testdb"
)

const crashWorkers = 16

// crashLoad is a load running in the background against one process.
type crashLoad struct {
	stop chan struct{}
	done chan struct{}
	once bool
}

func startCrashLoad(t *testing.T, l *crashLedger, p *proc, seed uint64) *crashLoad {
	c := &crashLoad{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		l.load(p, crashWorkers, seed, c.stop)
	}()
	// Never leave the workers running past the test, whatever happens.
	t.Cleanup(c.end)
	return c
}

// end stops the load and waits for its workers.
func (c *crashLoad) end() {
	if !c.once {
		c.once = true
		close(c.stop)
	}
	<-c.done
}

// waitFor polls cond every 5 ms until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

func since(t0 time.Time) time.Duration { return time.Since(t0).Round(time.Millisecond) }

// checkBooks checks that the supply adds up: issued = reserves + wallets,
// and issued is what was minted.
func checkBooks(t *testing.T, p *proc, issued int64) {
	t.Helper()
	r := p.must(200, "GET", "/v1/issuance/supply?currency=CNY", procAdminKey, nil)
	iss, res, wal := procCents(t, r.str("issued")), procCents(t, r.str("reserves")), procCents(t, r.str("wallets"))
	if iss != res+wal || iss != issued {
		t.Errorf("%s: supply %s: want issued %s = reserves + wallets", p.name, r, crashAmount(issued))
	}
}

// TestCrashKill9: ingot is killed with SIGKILL three times, at random
// moments, while 16 clients send payments and batches (some atomic, some
// atomic and bound to fail), and started again on the same database. Then
// every request that got no answer or a 503 is retried with its
// Idempotency-Key, and: every transfer answered is stored once, under its
// own log index; retries replay or apply once; every wallet's balance is
// its initial balance plus each payment of the applied requests exactly
// once (so nothing of a failed atomic batch moved, and no batch applied in
// part); the supply adds up; verify.Database passes and the log holds
// exactly the transfers the test knows of.
func TestCrashKill9(t *testing.T) {
	t.Parallel()
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := testdb.NewDSN(t, kind)
			seed := uint64(time.Now().UnixNano())
			t.Logf("seed %d", seed)
			rng := rand.New(rand.NewPCG(seed, 0))
			t0 := time.Now()
			p := crashProc(t, "first", db)
			l := newCrashLedger(t, p, kind, 2, 150)
			checkBooks(t, p, l.issued)
			t.Logf("%v: set up %d wallets", since(t0), len(l.initial))

			for round := 1; round <= 3; round++ {
				p.warm(crashWorkers)
				before := l.acked.Load()
				load := startCrashLoad(t, l, p, seed+uint64(round))
				// Kill in the middle of the load: once it is under way (20
				// answers), after a random delay.
				if !waitFor(15*time.Second, func() bool { return l.acked.Load() >= before+20 }) {
					load.end()
					t.Fatalf("round %d: fewer than 20 answers in 15 s", round)
				}
				delay := time.Duration(20+rng.IntN(600)) * time.Millisecond
				time.Sleep(delay)
				p.kill()
				load.end()
				t.Logf("%v: round %d: SIGKILL %v after the 20th answer; %d answered, %d without answer, %d unavailable so far",
					since(t0), round, delay, l.acked.Load(), l.unanswered.Load(), l.unavailable.Load())
				if t.Failed() {
					t.FailNow()
				}
				p = crashProc(t, fmt.Sprintf("restart%d", round), db)
				checkBooks(t, p, l.issued)
			}

			l.retryAll(p, 100)
			t.Logf("%v: retried: %s", since(t0), l.stats())
			if t.Failed() {
				t.FailNow()
			}
			want := l.check(p)
			t.Logf("%v: checked", since(t0))
			p.stopGracefully()
			if t.Failed() {
				t.FailNow()
			}
			verifyDB(t, db, want)
			t.Logf("%v: verified", since(t0))
		})
	}
}

// TestPostgresStoppedUnderLoad: a PostgreSQL server of the test's own (the
// shared one is never stopped) is stopped with pg_ctl stop -m immediate
// under load, then started again. Meanwhile requests fail with a retryable
// 503 problem+json (code unavailable), never a 500 and never slowly; /readyz
// answers 503; once the database is back the service recovers by itself:
// /readyz 200, payments go through again, no more 503s. Then the failed and
// unanswered requests are retried with their keys and the ledger is checked
// as after a kill -9.
func TestPostgresStoppedUnderLoad(t *testing.T) {
	t.Parallel()
	testdb.PostgresURL(t) // a PostgreSQL test (on a server of its own): fail or skip without one
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	pg := startPGServer(t)
	p := crashProc(t, "ingot", pg.url)
	l := newCrashLedger(t, p, "pgstop", 2, 100)
	p.warm(crashWorkers)

	load := startCrashLoad(t, l, p, seed+1)
	if !waitFor(15*time.Second, func() bool { return l.acked.Load() >= 100 }) {
		load.end()
		t.Fatal("fewer than 100 answers in 15 s")
	}
	time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)

	start := time.Now()
	pg.stopImmediate()
	down := time.Now()
	ackedAtStop := l.acked.Load()
	t.Logf("PostgreSQL stopped (immediate) in %v, after %d answers", down.Sub(start).Round(time.Millisecond), ackedAtStop)

	// /readyz says so at once.
	readyz := func() *procResp {
		t.Helper()
		s := time.Now()
		r, err := p.do("GET", "/readyz", "", nil)
		if err != nil {
			t.Errorf("/readyz: %v", err)
			return nil
		}
		if d := time.Since(s); d > 3*time.Second {
			t.Errorf("/readyz took %v", d)
		}
		return r
	}
	r := readyz()
	if r == nil || r.status != 503 || r.str("code") != "unavailable" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("/readyz with the database stopped: want 503 problem+json unavailable, got %v", r)
	}
	// Requests fail with 503 unavailable (send checks each one's shape and
	// time, and that none answers 500).
	u0 := l.unavailable.Load()
	if !waitFor(5*time.Second, func() bool { return l.unavailable.Load() >= u0+50 }) {
		t.Errorf("with the database stopped, only %d requests answered 503 in 5 s", l.unavailable.Load()-u0)
	}
	// Reads fail the same way, and so does a key the service has not
	// seen yet (it cannot tell whether the key is valid).
	op := l.ops[0]
	for _, c := range []struct{ path, key string }{
		{"/v1/wallets/" + op.wallets[0], op.key},
		{"/v1/wallets/" + op.wallets[0] + "/transactions", op.key},
		{"/v1/transfers/" + firstTransfer(l), op.key},
		{"/v1/issuance/supply?currency=CNY", procAdminKey},
		{"/v1/operators/me", "ik_not_a_key_the_service_has_seen_0123456789"},
	} {
		s := time.Now()
		r, err := p.do("GET", c.path, c.key, nil)
		switch {
		case err != nil:
			t.Errorf("GET %s with the database stopped: %v", c.path, err)
		case r.status != 503 || r.str("code") != "unavailable" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json"):
			t.Errorf("GET %s with the database stopped: want 503 problem+json unavailable, got %s", c.path, crashShort(r))
		case time.Since(s) > maxAnswer:
			t.Errorf("GET %s with the database stopped took %v", c.path, time.Since(s))
		}
	}
	if d := time.Since(down); d < 1500*time.Millisecond {
		time.Sleep(1500*time.Millisecond - d)
	}
	ackedDown := l.acked.Load() - ackedAtStop
	t.Logf("database down %v: %d answered 503, %d without answer, %d acknowledged (committed before the stop)",
		time.Since(down).Round(time.Millisecond), l.unavailable.Load()-u0, l.unanswered.Load(), ackedDown)
	if ackedDown > crashWorkers {
		t.Errorf("%d requests were acknowledged with the database stopped (at most the %d in flight could be)", ackedDown, crashWorkers)
	}

	// Start it again: the service recovers by itself.
	pg.start()
	up := time.Now()
	if !waitFor(20*time.Second, func() bool { r := readyz(); return r != nil && r.status == 200 }) {
		load.end()
		t.Fatalf("/readyz not 200 within 20 s of the database's return")
	}
	ready := time.Now()
	a0 := l.acked.Load()
	if !waitFor(15*time.Second, func() bool { return l.acked.Load() >= a0+50 }) {
		load.end()
		t.Fatalf("payments do not go through within 15 s of /readyz 200 (%d answered since)", l.acked.Load()-a0)
	}
	recovered := time.Now()
	// And keep going through: no more 503s.
	u1, a1 := l.unavailable.Load(), l.acked.Load()
	time.Sleep(500 * time.Millisecond)
	load.end()
	if n := l.unavailable.Load() - u1; n > 0 {
		t.Errorf("%d requests answered 503 after the service had recovered", n)
	}
	t.Logf("recovery: /readyz 200 %v after the database's start, 50 payments %v later; %d more in the last 500 ms",
		ready.Sub(up).Round(time.Millisecond), recovered.Sub(ready).Round(time.Millisecond), l.acked.Load()-a1)
	if t.Failed() {
		t.FailNow()
	}

	l.retryAll(p, 100)
	t.Log(l.stats())
	if t.Failed() {
		t.FailNow()
	}
	want := l.check(p)
	p.stopGracefully()
	if t.Failed() {
		t.FailNow()
	}
	verifyDB(t, pg.url, want)
}

// firstTransfer is the id of a payment of the first operator's answered
// under load.
func firstTransfer(l *crashLedger) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sample == "" {
		return "00000000-0000-7000-8000-000000000000"
	}
	return l.sample
}
