package main

// The failover test: a whole highly available Ingot (deploy/ha: etcd,
// two PostgreSQL nodes under Patroni with synchronous replication, HAProxy,
// two ingot nodes) under load while its PostgreSQL leader dies and hangs,
// and while an Ingot node dies. Only with INGOT_HA_TEST=1 (CI sets it for
// this one test): it needs Debian's patroni, etcd-server and haproxy, and
// takes a few minutes. docs/high-availability.md quotes its figures.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// haCluster is a cluster deploy/ha/up started.
type haCluster struct {
	t       *testing.T
	dir     string
	env     map[string]string // up's KEY=value lines
	pg      map[string]string // member name -> its URL
	apis    []string          // Patroni REST URLs
	nodes   []string          // Ingot node URLs
	members []string          // pg1, pg2
	upTime  time.Duration     // deploy/ha/up's
}

// haScript is the path of a deploy/ha script.
func haScript(name string) string {
	p, err := filepath.Abs(filepath.Join("..", "..", "deploy", "ha", name))
	if err != nil {
		panic(err)
	}
	return p
}

// haEnv is the environment of deploy/ha's scripts: the test binary's
// children's keys (procEnv), and the binary under test.
func haEnv(bin string) []string {
	// Webhooks go to the test's sink on loopback.
	return append(procEnv(), "INGOT_BIN="+bin, "INGOT_WEBHOOK_ALLOW_PRIVATE=1")
}

// haUp runs deploy/ha/up in a new directory and deploy/ha/down when the
// test ends.
func haUp(t *testing.T, bin string) *haCluster {
	t.Helper()
	dir, err := os.MkdirTemp("", "ingot-ha-")
	if err != nil {
		t.Fatal(err)
	}
	c := &haCluster{t: t, dir: dir, env: map[string]string{}, pg: map[string]string{}}
	t.Cleanup(func() {
		if t.Failed() {
			c.logs()
		}
		if out, err := exec.Command(haScript("down"), dir).CombinedOutput(); err != nil {
			t.Errorf("deploy/ha/down: %v\n%s", err, out)
		}
		_ = os.RemoveAll(dir)
	})
	cmd := exec.Command(haScript("up"), dir)
	cmd.Env = haEnv(bin)
	var stderr procBuf
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	c.upTime = since(start)
	t.Logf("deploy/ha/up:\n%s", strings.TrimSpace(stderr.String()))
	if err != nil {
		t.Fatalf("deploy/ha/up: %v\n%s", err, stderr.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			c.env[k] = strings.Trim(v, `"`)
		}
	}
	for _, k := range []string{"INGOT_URL", "INGOT_ADMIN_KEY", "INGOT_NODES", "PG_NODES", "PATRONI_API"} {
		if c.env[k] == "" {
			t.Fatalf("deploy/ha/up printed no %s:\n%s", k, out)
		}
	}
	if c.env["INGOT_ADMIN_KEY"] != procAdminKey {
		t.Fatalf("deploy/ha/up did not take INGOT_ADMIN_KEY from the environment")
	}
	for _, kv := range strings.Fields(c.env["PG_NODES"]) {
		name, url, _ := strings.Cut(kv, "=")
		c.pg[name] = url
		c.members = append(c.members, name)
	}
	c.apis = strings.Fields(c.env["PATRONI_API"])
	c.nodes = strings.Fields(c.env["INGOT_NODES"])
	return c
}

// logs shows the tail of every component's log.
func (c *haCluster) logs() {
	files, _ := filepath.Glob(filepath.Join(c.dir, "*", "*.log"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		c.t.Logf("== %s (last %d lines)\n%s", f, min(40, len(lines)), strings.Join(lines[max(0, len(lines)-40):], "\n"))
	}
}

// member runs deploy/ha/member DIR NAME ACTION.
func (c *haCluster) member(name, action string) {
	c.t.Helper()
	cmd := exec.Command(haScript("member"), c.dir, name, action)
	cmd.Env = haEnv(c.env["INGOT_BIN"])
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("deploy/ha/member %s %s: %v\n%s", name, action, err, out)
	}
}

// haMember is a member as Patroni's GET /cluster lists it.
type haMember struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	State    string `json:"state"`
	Timeline int    `json:"timeline"`
}

// cluster reads GET /cluster from the first Patroni that answers.
func (c *haCluster) cluster() []haMember {
	hc := &http.Client{Timeout: time.Second}
	for _, api := range c.apis {
		res, err := hc.Get(api + "/cluster")
		if err != nil {
			continue
		}
		var v struct {
			Members []haMember `json:"members"`
		}
		err = json.NewDecoder(res.Body).Decode(&v)
		res.Body.Close()
		if err == nil && res.StatusCode == 200 {
			return v.Members
		}
	}
	return nil
}

// leader is the member that holds the leader lock and runs, "" if none.
func (c *haCluster) leader() string {
	for _, m := range c.cluster() {
		if m.Role == "leader" && m.State == "running" {
			return m.Name
		}
	}
	return ""
}

// syncStandby reports whether name is the synchronous standby, streaming.
func (c *haCluster) syncStandby(name string) bool {
	for _, m := range c.cluster() {
		if m.Name == name {
			return (m.Role == "sync_standby" || m.Role == "sync standby") && (m.State == "streaming" || m.State == "running")
		}
	}
	return false
}

// waitLeader waits for a leader other than not ("" any) and returns it.
func (c *haCluster) waitLeader(not string, timeout time.Duration) string {
	c.t.Helper()
	var l string
	if !waitFor(timeout, func() bool { l = c.leader(); return l != "" && l != not }) {
		c.t.Fatalf("no new leader within %v: %+v", timeout, c.cluster())
	}
	return l
}

// waitRejoined waits until name is the synchronous standby of leader: a
// former leader rewound by Patroni and replicating.
func (c *haCluster) waitRejoined(name string, timeout time.Duration) time.Duration {
	c.t.Helper()
	t0 := time.Now()
	if !waitFor(timeout, func() bool { time.Sleep(100 * time.Millisecond); return c.syncStandby(name) }) {
		c.t.Fatalf("%s did not rejoin as the synchronous standby within %v: %+v", name, timeout, c.cluster())
	}
	return since(t0)
}

// haRTO sends fresh payments through p from the moment of a failure until
// one commits, and returns the time from the failure to that answer: the
// recovery time as a client sees it.
func haRTO(t *testing.T, l *crashLedger, p *proc, failed time.Time, seed uint64) time.Duration {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	for time.Since(failed) < 60*time.Second {
		r := l.newReq(rng)
		if r.poisoned {
			continue
		}
		a, err := l.send(p, r, false)
		if err != nil {
			l.fail(err)
		}
		if a == crashDone && len(r.ids) > 0 {
			return time.Since(failed)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no payment went through within 60 s of the failure")
	return 0
}

// TestHAFailover: a highly available Ingot (deploy/ha/up) under load from
// 16 clients retrying with their Idempotency-Keys through HAProxy, in three
// rounds: (1) the PostgreSQL leader dies (kill -9 of Patroni and every
// PostgreSQL process of the node); (2) the new leader hangs (SIGSTOP),
// and runs again (SIGCONT) once the other node has taken over; (3) an
// Ingot node dies (kill -9). After rounds 1 and 2 the former leader must
// rejoin as the synchronous standby (pg_rewind through Patroni). Then
// every request without a final answer is retried with its key, and:
// every acknowledged transfer is stored exactly once (RPO 0), balances
// are the applied payments', the books balance, and `ingot verify` passes
// on the leader. Background work goes on through it all: holds falling due
// across the rounds each expire once, with one hold.expired webhook event. The recovery times (failure to the first payment that
// commits after it) are logged and written to $INGOT_HA_REPORT (default
// ingot-ha-report.txt in the temporary directory).
func TestHAFailover(t *testing.T) {
	if os.Getenv("INGOT_HA_TEST") != "1" {
		t.Skip("the failover test runs with INGOT_HA_TEST=1 (needs patroni, etcd-server and haproxy: deploy/ha/README.md)")
	}
	bin := procBinary(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	t0 := time.Now()
	c := haUp(t, bin)
	t.Logf("%v: cluster up (deploy/ha/up: %v): %s", since(t0), c.upTime, c.env["INGOT_URL"])

	// Clients reach the API only through HAProxy.
	p := &proc{t: t, name: "haproxy", base: c.env["INGOT_URL"], done: make(chan struct{}), client: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second},
	}}
	close(p.done)
	defer p.client.CloseIdleConnections()
	l := newCrashLedger(t, p, "ha", 2, 100)
	// A failover takes Patroni's TTL; an answer may wait that long.
	l.maxAnswer = 15 * time.Second
	l.retrySame = true // clients retry with the same key, as bench's do
	checkBooks(t, p, l.issued)
	t.Logf("%v: set up %d wallets", since(t0), len(l.initial))

	// Background work through the failovers: holds that expire one by one
	// across the three rounds, each expiry a webhook event to a sink. The
	// expiry loop and the deliverer run on both Ingot nodes.
	sink := newHookSink(t)
	opKey := l.ops[0].key
	sink.endpoint(p, opKey, "/expired", "hold.expired")
	holds := haHolds(t, p, opKey, l.ops[0].wallets, 24, 3*time.Second, 2*time.Second)

	var report strings.Builder
	fmt.Fprintf(&report, "TestHAFailover %s (seed %d)\n", time.Now().UTC().Format(time.RFC3339), seed)
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(&report, "load average before: %s", b)
	}

	round := func(n int, fail func(leader string) string, after func(leader, failed string)) {
		leader := c.waitLeader("", 30*time.Second)
		before := l.acked.Load()
		load := startCrashLoad(t, l, p, seed+uint64(n))
		if !waitFor(30*time.Second, func() bool { return l.acked.Load() >= before+100 }) {
			load.end()
			t.Fatalf("round %d: fewer than 100 answers in 30 s", n)
		}
		acked, u0, n0 := l.acked.Load(), l.unavailable.Load(), l.unanswered.Load()
		failedAt := time.Now()
		what := fail(leader)
		// When Patroni names the new leader, meanwhile.
		promoted := make(chan time.Duration, 1)
		go func() {
			for time.Since(failedAt) < 60*time.Second {
				if nl := c.leader(); nl != "" && nl != leader {
					promoted <- time.Since(failedAt)
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
			promoted <- 0
		}()
		rto := haRTO(t, l, p, failedAt, seed+uint64(n))
		pro := <-promoted
		t.Logf("%v: round %d: %s; new leader after %v, first payment committed %v after the failure (%d answered before the failure, %d answers 503 and %d without answer meanwhile, all retried)",
			since(t0), n, what, pro.Round(time.Millisecond), rto.Round(time.Millisecond), acked-before, l.unavailable.Load()-u0, l.unanswered.Load()-n0)
		fmt.Fprintf(&report, "round %d: %s: new leader running after %v; recovery (failure to the first committed payment) %v\n", n, what, pro.Round(time.Millisecond), rto.Round(time.Millisecond))
		// The load goes on for a while on the new leader.
		a1 := l.acked.Load()
		if !waitFor(20*time.Second, func() bool { return l.acked.Load() >= a1+100 }) {
			load.end()
			t.Fatalf("round %d: fewer than 100 answers in 20 s after the recovery", n)
		}
		load.end()
		if after != nil {
			after(leader, what)
		}
		if t.Failed() {
			t.FailNow()
		}
	}

	// Round 1: the leader dies.
	var old string
	round(1, func(leader string) string {
		old = leader
		c.member(leader, "kill")
		return "kill -9 of PostgreSQL leader " + leader
	}, func(leader, _ string) {
		nl := c.waitLeader(leader, 30*time.Second)
		c.member(leader, "start")
		d := c.waitRejoined(leader, 120*time.Second)
		t.Logf("%v: %s restarted: rejoined as the synchronous standby of %s in %v", since(t0), leader, nl, d)
		fmt.Fprintf(&report, "round 1: %s restarted, rejoined as synchronous standby of %s in %v\n", leader, nl, d)
	})
	// Round 2: the new leader hangs; it runs again once the other took over.
	round(2, func(leader string) string {
		if leader == old {
			t.Fatalf("round 2: %s leads again before the test paused anything", leader)
		}
		c.member(leader, "pause")
		return "SIGSTOP of PostgreSQL leader " + leader
	}, func(leader, _ string) {
		nl := c.waitLeader(leader, 30*time.Second)
		c.member(leader, "resume")
		d := c.waitRejoined(leader, 120*time.Second)
		t.Logf("%v: %s resumed (SIGCONT): rejoined as the synchronous standby of %s in %v", since(t0), leader, nl, d)
		fmt.Fprintf(&report, "round 2: %s resumed, rejoined as synchronous standby of %s in %v\n", leader, nl, d)
	})

	// Round 3: an Ingot node dies under load; the other serves on.
	before := l.acked.Load()
	load := startCrashLoad(t, l, p, seed+3)
	if !waitFor(30*time.Second, func() bool { return l.acked.Load() >= before+100 }) {
		load.end()
		t.Fatal("round 3: fewer than 100 answers in 30 s")
	}
	u0 := l.unavailable.Load()
	killed := time.Now()
	c.member("ingot1", "kill")
	rto := haRTO(t, l, p, killed, seed+3)
	a1 := l.acked.Load()
	if !waitFor(20*time.Second, func() bool { return l.acked.Load() >= a1+100 }) {
		load.end()
		t.Fatal("round 3: fewer than 100 answers in 20 s after ingot1 died")
	}
	load.end()
	t.Logf("%v: round 3: kill -9 of ingot1: next payment committed %v later; %d answered 503 meanwhile", since(t0), rto.Round(time.Millisecond), l.unavailable.Load()-u0)
	fmt.Fprintf(&report, "round 3: kill -9 of Ingot node ingot1: recovery %v, %d answers 503 unavailable (retried)\n", rto.Round(time.Millisecond), l.unavailable.Load()-u0)

	// Every request without a final answer, again with its key.
	l.retryAll(p, 200)
	t.Logf("%v: retried: %s", since(t0), l.stats())
	if t.Failed() {
		t.FailNow()
	}
	want := l.check(p) // RPO 0: every answered transfer stored once; balances
	checkBooks(t, p, l.issued)
	if t.Failed() {
		t.FailNow()
	}

	// ingot verify on the leader, and the log holds exactly what the
	// test knows of.
	leader := c.waitLeader("", 30*time.Second)
	cmd := exec.Command(bin, "verify", "--db", c.pg[leader])
	cmd.Env = procEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ingot verify --db <%s>: %v\n%s", leader, err, out)
	}
	t.Logf("ingot verify on %s: %s", leader, strings.TrimSpace(string(out)))
	verifyDB(t, c.pg[leader], want)

	// The replica has it all too: its books as the leader's.
	var wg sync.WaitGroup
	for _, m := range c.members {
		if m == leader {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !waitFor(30*time.Second, func() bool { return c.syncStandby(m) }) {
				t.Errorf("%s is not the synchronous standby at the end: %+v", m, c.cluster())
			}
		}()
	}
	wg.Wait()

	// Every hold expired, once, and its event reached the sink.
	deliveries, repeated := haCheckHolds(t, p, sink, opKey, holds)
	fmt.Fprintf(&report, "background work: %d holds due across the rounds all expired, each with one hold.expired event; %d webhook deliveries (%d repeated)\n",
		len(holds), deliveries, repeated)

	fmt.Fprintf(&report, "RPO: %d requests, every acknowledged transfer present exactly once after the rounds (%s)\n", len(l.reqs), l.stats())
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(&report, "load average after: %s", b)
	}
	path := os.Getenv("INGOT_HA_REPORT")
	if path == "" {
		path = filepath.Join(os.TempDir(), "ingot-ha-report.txt")
	}
	if err := os.WriteFile(path, []byte(report.String()), 0o644); err != nil {
		t.Errorf("write the report: %v", err)
	}
	t.Logf("%v: done; report in %s:\n%s", since(t0), path, report.String())
}

// haHolds places n holds of 0.01 on wallets (round robin), the first due
// after first and each next one every step later, and returns their ids.
func haHolds(t *testing.T, p *proc, key string, wallets []string, n int, first, step time.Duration) []string {
	t.Helper()
	at := time.Now().Add(first)
	ids := make([]string, n)
	for i := range ids {
		r := p.must(201, "POST", "/v1/holds", key, map[string]any{"wallet": wallets[i%len(wallets)], "amount": "0.01",
			"expires_at": at.Add(time.Duration(i) * step).UTC().Format(time.RFC3339Nano)}, "Idempotency-Key", fmt.Sprintf("ha-hold-%d", i))
		ids[i] = r.str("id")
	}
	return ids
}

// haCheckHolds waits until every hold has expired and the sink has one
// hold.expired event for each (an event may be delivered more than once,
// under one id, when a node died between sending and recording it), and
// returns the deliveries and how many were repeats.
func haCheckHolds(t *testing.T, p *proc, sink *hookSink, key string, holds []string) (deliveries, repeated int) {
	t.Helper()
	if !waitFor(60*time.Second, func() bool {
		for _, id := range holds {
			if r, err := p.do("GET", "/v1/holds/"+id, key, nil); err != nil || r.str("status") != "expired" {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("not every hold expired within 60 s of the last round")
	}
	sink.waitDistinct("/expired", len(holds), 60*time.Second)
	sink.checkSignatures()
	ids := sink.ids("/expired")
	events := map[string]string{} // event id -> hold id
	sink.mu.Lock()
	for _, id := range ids {
		events[id] = sink.data[id]
	}
	sink.mu.Unlock()
	perHold := map[string]int{}
	for _, h := range events {
		perHold[h]++
	}
	for _, h := range holds {
		if perHold[h] != 1 {
			t.Errorf("hold %s: %d hold.expired events, want 1", h, perHold[h])
		}
	}
	if len(events) != len(holds) {
		t.Errorf("%d hold.expired events for %d holds", len(events), len(holds))
	}
	return len(ids), len(ids) - len(events)
}
