package main

// Helpers for crash_test.go: a ledger of wallets driven by concurrent
// payments whose every request and answer is recorded, so that after a
// crash (kill -9 of ingot, or PostgreSQL stopped under load) the test can
// retry what was not answered and check that each payment was applied
// exactly once.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/translog"
	"github.com/ingot-cbdc/ingot/verify"
)

// crashPay is one logical payment.
type crashPay struct {
	from, to string
	cents    int64
	memo     string
}

func (c crashPay) body() map[string]any {
	return map[string]any{"from": c.from, "to": c.to, "amount": crashAmount(c.cents), "currency": "CNY", "memo": c.memo}
}

func crashAmount(cents int64) string {
	return fmt.Sprintf("%d.%02d", cents/100, cents%100)
}

// crashReq is one request with its own Idempotency-Key: a payment, or a
// batch of payments (atomic or not). A poisoned request is an atomic batch
// one of whose items pays from an empty wallet: it must move nothing.
type crashReq struct {
	key      string
	op       int // index of the operator whose key sends it
	batch    bool
	atomic   bool
	poisoned bool
	pays     []crashPay

	// Outcome, written by the one goroutine that sends the request at a time.
	sent     int  // times sent
	done     bool // answered for good (2xx, or the poisoned batch's refusal)
	replayed bool // the final answer was a replay (Idempotent-Replayed: true)
	ids      []string
	logIdx   []int64
	last     string // last answer or error, for messages
	doneAt   int    // 0: load phase, 1: retries
	noAnswer int    // transport errors (no answer)
	unavail  int    // 503 unavailable answers
}

func (r *crashReq) path() string {
	if r.batch {
		return "/v1/transfers/batch"
	}
	return "/v1/transfers"
}

func (r *crashReq) body() map[string]any {
	if !r.batch {
		return r.pays[0].body()
	}
	items := make([]any, len(r.pays))
	for i, p := range r.pays {
		items[i] = p.body()
	}
	return map[string]any{"transfers": items, "atomic": r.atomic}
}

type crashOp struct {
	id, key string
	wallets []string // funded wallets
	poor    string   // an empty wallet nobody pays into
}

// crashLedger is the test's model of the ledger: operators, wallets, their
// initial balances, and every request sent.
type crashLedger struct {
	t        *testing.T
	name     string
	ops      []*crashOp
	owner    map[string]int   // wallet -> operator index
	initial  map[string]int64 // wallet -> cents after setup
	issued   int64            // cents minted
	setupTxs int64            // transfers made by the setup (mints, top-ups)

	mu     sync.Mutex
	reqs   []*crashReq
	sample string // a transfer of the first operator answered under load
	seq    atomic.Int64

	// Counters of the load phase.
	acked, unanswered, unavailable atomic.Int64
	// slowest answer seen, in nanoseconds
	slowest atomic.Int64
	// maxAnswer, when not 0, replaces the const maxAnswer (the failover
	// test allows a failover's time).
	maxAnswer time.Duration
	// retrySame makes the load's clients send a request that got a 503 or
	// no answer again, with its key, until it has a final answer (as a
	// real client does), instead of leaving it to retryAll.
	retrySame bool

	errMu  sync.Mutex
	errN   int // errors reported by fail
	errOff int // and not shown
}

// fail reports an error of the load or the retries: the first 20 are
// shown, the others counted (shown when the test ends).
func (l *crashLedger) fail(err error) {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	l.errN++
	if l.errN > 20 {
		l.errOff++
		return
	}
	l.t.Error(err)
}

const (
	crashFunding = 5_000_00 // cents topped up into each funded wallet (below a tier-4 wallet's 10,000.00 cap)
	crashMinted  = 100_000_000_00
)

// newCrashLedger sets up nOps operators with perOp funded wallets and one
// empty wallet each, through p.
func newCrashLedger(t *testing.T, p *proc, name string, nOps, perOp int) *crashLedger {
	t.Helper()
	l := &crashLedger{t: t, name: name, owner: map[string]int{}, initial: map[string]int64{}}
	t.Cleanup(func() {
		if l.errOff > 0 {
			t.Errorf("... and %d more errors of the load and retries", l.errOff)
		}
	})
	for i := 0; i < nOps; i++ {
		id, key := p.operator(fmt.Sprintf("CR%s%d", strings.ToUpper(name[:2]), i), crashAmount(crashMinted))
		l.ops = append(l.ops, &crashOp{id: id, key: key})
		l.issued += crashMinted
		l.setupTxs++
	}
	type job struct {
		op     int
		funded bool
	}
	var jobs []job
	for i := range l.ops {
		for j := 0; j < perOp; j++ {
			jobs = append(jobs, job{i, true})
		}
		jobs = append(jobs, job{i, false})
	}
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := int(next.Add(1)) - 1
				if n >= len(jobs) {
					return
				}
				jb := jobs[n]
				op := l.ops[jb.op]
				r, err := p.do("POST", "/v1/wallets", op.key, map[string]any{
					"holder": map[string]any{"name": "Li Si", "phone": "13912345678"}, "currency": "CNY"})
				if err == nil && (r.status != 201 || len(r.str("id")) != 16) {
					err = fmt.Errorf("open wallet: %s", r)
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				id := r.str("id")
				if jb.funded {
					r, err = p.do("POST", "/v1/wallets/"+id+"/topups", op.key, map[string]any{"amount": crashAmount(crashFunding)})
					if err == nil && r.status != 201 {
						err = fmt.Errorf("top up: %s", r)
					}
				}
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else if jb.funded {
					op.wallets = append(op.wallets, id)
					l.initial[id] = crashFunding
					l.setupTxs++
				} else {
					op.poor = id
					l.initial[id] = 0
				}
				l.owner[id] = jb.op
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("set up wallets: %v", err)
	}
	for _, op := range l.ops {
		slices.Sort(op.wallets) // deterministic order for a given seed
	}
	return l
}

// newReq makes the next request: mostly single payments between random
// funded wallets (of any operator), 1 in 8 a batch of 2 to 12 payments from
// the operator's wallets, half of them atomic, a quarter of those poisoned.
func (l *crashLedger) newReq(rng *rand.Rand) *crashReq {
	n := l.seq.Add(1)
	r := &crashReq{key: fmt.Sprintf("crash-%s-%d", l.name, n), op: rng.IntN(len(l.ops))}
	op := l.ops[r.op]
	anyWallet := func() string {
		o := l.ops[rng.IntN(len(l.ops))]
		return o.wallets[rng.IntN(len(o.wallets))]
	}
	pay := func(i int) crashPay {
		from := op.wallets[rng.IntN(len(op.wallets))]
		to := anyWallet()
		for to == from {
			to = anyWallet()
		}
		return crashPay{from: from, to: to, cents: 1 + rng.Int64N(999), memo: fmt.Sprintf("%s/%d", r.key, i)}
	}
	items := 1
	if rng.IntN(8) == 0 {
		r.batch = true
		r.atomic = rng.IntN(2) == 0
		r.poisoned = r.atomic && rng.IntN(4) == 0
		items = 2 + rng.IntN(11)
	}
	for i := 0; i < items; i++ {
		r.pays = append(r.pays, pay(i))
	}
	if r.poisoned {
		// The empty wallet cannot pay 1.00: insufficient_funds, and with
		// atomic, none of the others may move.
		i := rng.IntN(items)
		r.pays[i].from, r.pays[i].cents = op.poor, 100
	}
	l.mu.Lock()
	l.reqs = append(l.reqs, r)
	l.mu.Unlock()
	return r
}

// outcome of one send.
type crashAnswer int

const (
	crashNoAnswer    crashAnswer = iota // transport error: the process died, or a timeout
	crashUnavailable                    // 503 problem+json, code unavailable
	crashDone                           // 2xx: applied, replayed, or the poisoned batch refused
)

// maxAnswer is the longest any answer may take: a crash or an outage must
// never make a request hang. Processes of these tests have a client
// timeout of twice that (crashProc).
const maxAnswer = 5 * time.Second

// crashProc is startProc with a client that gives up after 2*maxAnswer.
func crashProc(t *testing.T, name, db string) *proc {
	t.Helper()
	p := startProc(t, name, db)
	p.client.Timeout = 2 * maxAnswer
	return p
}

// send sends r to p and records its outcome. retry is true after the
// crash, when a replay is expected for what had committed. It returns an
// error for any answer a crash must never cause (a 500, a wrong body, a
// 503 that is not problem+json unavailable, a slow answer).
func (l *crashLedger) send(p *proc, r *crashReq, retry bool) (crashAnswer, error) {
	start := time.Now()
	res, err := p.do("POST", r.path(), l.ops[r.op].key, r.body(), "Idempotency-Key", r.key)
	d := time.Since(start)
	for {
		old := l.slowest.Load()
		if int64(d) <= old || l.slowest.CompareAndSwap(old, int64(d)) {
			break
		}
	}
	r.sent++
	limit := maxAnswer
	if l.maxAnswer > 0 {
		limit = l.maxAnswer
	}
	if d > limit {
		r.last = fmt.Sprint(crashShort(res), err)
		return crashNoAnswer, fmt.Errorf("request %s: answered after %v, more than %v: %s", r.key, d.Round(time.Millisecond), limit, r.last)
	}
	if err != nil {
		r.noAnswer++
		r.last = err.Error()
		return crashNoAnswer, nil
	}
	r.last = crashShort(res)
	if res.status == 503 {
		r.unavail++
		if !strings.HasPrefix(res.header.Get("Content-Type"), "application/problem+json") || res.str("code") != "unavailable" {
			return crashUnavailable, fmt.Errorf("request %s: 503 that is not a problem+json with code unavailable: %s (Content-Type %q)",
				r.key, crashShort(res), res.header.Get("Content-Type"))
		}
		return crashUnavailable, nil
	}
	replayed := res.header.Get("Idempotent-Replayed") == "true"
	// A replay on the first send is a key used twice, unless the
	// transport sent the request again after its connection broke (the
	// first send committed, its answer was lost).
	if replayed && !retry && res.sends < 2 {
		return crashDone, fmt.Errorf("request %s: replayed on its first send: %s", r.key, crashShort(res))
	}
	want := 201
	if r.batch {
		want = 200
	}
	if res.status != want {
		return crashDone, fmt.Errorf("request %s: want %d or 503 unavailable, got %s", r.key, want, crashShort(res))
	}
	// Decode the transfers of the answer.
	var results []map[string]any
	if r.batch {
		raw, _ := res.body["results"].([]any)
		if len(raw) != len(r.pays) {
			return crashDone, fmt.Errorf("request %s: %d results for %d items: %s", r.key, len(raw), len(r.pays), crashShort(res))
		}
		for _, x := range raw {
			m, _ := x.(map[string]any)
			results = append(results, m)
		}
	} else {
		results = []map[string]any{res.body}
	}
	if r.poisoned {
		if replayed {
			return crashDone, fmt.Errorf("request %s: a refused atomic batch was replayed (it stored an idempotency record): %s", r.key, crashShort(res))
		}
		insufficient := 0
		for i, m := range results {
			e, _ := m["error"].(map[string]any)
			code, _ := e["code"].(string)
			switch {
			case e == nil || m["id"] != nil:
				return crashDone, fmt.Errorf("request %s: item %d of a poisoned atomic batch applied: %s", r.key, i, crashShort(res))
			case code == "insufficient_funds" && r.pays[i].from == l.ops[r.op].poor:
				insufficient++
			case code != "linked_transfer_failed":
				return crashDone, fmt.Errorf("request %s: item %d of a poisoned atomic batch: code %q: %s", r.key, i, code, crashShort(res))
			}
		}
		if insufficient != 1 {
			return crashDone, fmt.Errorf("request %s: poisoned atomic batch without its insufficient_funds item: %s", r.key, crashShort(res))
		}
		r.done, r.replayed, r.ids, r.logIdx = true, false, nil, nil
		return crashDone, nil
	}
	ids := make([]string, len(results))
	idx := make([]int64, len(results))
	for i, m := range results {
		id, _ := m["id"].(string)
		li, ok := m["log_index"].(float64)
		pay := r.pays[i]
		if id == "" || !ok || m["from"] != pay.from || m["to"] != pay.to || m["amount"] != crashAmount(pay.cents) ||
			m["memo"] != pay.memo || m["kind"] != "payment" {
			return crashDone, fmt.Errorf("request %s: item %d is not the payment sent: %s", r.key, i, crashShort(res))
		}
		ids[i], idx[i] = id, int64(li)
	}
	if r.done {
		// Answered before: the retry must replay the same transfers.
		if !replayed || !slices.Equal(ids, r.ids) || !slices.Equal(idx, r.logIdx) {
			return crashDone, fmt.Errorf("request %s: answered %v (log %v) before, now %s (replayed %v)", r.key, r.ids, r.logIdx, crashShort(res), replayed)
		}
		return crashDone, nil
	}
	r.done, r.replayed, r.ids, r.logIdx = true, replayed, ids, idx
	if retry {
		r.doneAt = 1
	}
	return crashDone, nil
}

// crashShort is an answer for a message: at most 300 bytes of it.
func crashShort(r *procResp) string {
	if r == nil {
		return "no answer"
	}
	s := r.String()
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// load drives workers concurrent clients against p until stop is closed,
// each sending new requests; after a 503, a worker pauses 20 ms. Every
// unexpected answer is reported with t.Errorf. It returns when all workers
// have stopped.
func (l *crashLedger) load(p *proc, workers int, seed uint64, stop <-chan struct{}) {
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for {
				select {
				case <-stop:
					return
				default:
				}
				r := l.newReq(rng)
				a, err := l.send(p, r, false)
				for l.retrySame && err == nil && a != crashDone {
					select {
					case <-stop:
						return // retryAll finishes it
					case <-time.After(50 * time.Millisecond):
					}
					if a == crashUnavailable {
						l.unavailable.Add(1)
					} else {
						l.unanswered.Add(1)
					}
					a, err = l.send(p, r, true)
				}
				if err != nil {
					l.fail(err)
					time.Sleep(20 * time.Millisecond)
					continue
				}
				switch a {
				case crashDone:
					l.acked.Add(1)
					if r.op == 0 && len(r.ids) > 0 {
						l.mu.Lock()
						if l.sample == "" {
							l.sample = r.ids[0]
						}
						l.mu.Unlock()
					}
				case crashUnavailable:
					l.unavailable.Add(1)
					time.Sleep(20 * time.Millisecond)
				case crashNoAnswer:
					l.unanswered.Add(1)
					select {
					case <-stop:
					case <-time.After(20 * time.Millisecond):
					}
				}
			}
		}()
	}
	wg.Wait()
}

// retryAll resends, with its key, every request that has no final answer
// (a few times while the answer is a 503 or none), and a sample of those
// that have one, which must replay. Run once the service is back.
func (l *crashLedger) retryAll(p *proc, sample int) {
	l.t.Helper()
	var todo []*crashReq
	var answered []*crashReq
	for _, r := range l.reqs {
		if r.done {
			answered = append(answered, r)
		} else {
			todo = append(todo, r)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(len(l.reqs)), 7))
	rng.Shuffle(len(answered), func(i, j int) { answered[i], answered[j] = answered[j], answered[i] })
	todo = append(todo, answered[:min(sample, len(answered))]...)
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := int(next.Add(1)) - 1
				if n >= len(todo) {
					return
				}
				r := todo[n]
				for attempt := 0; ; attempt++ {
					a, err := l.send(p, r, true)
					if err != nil {
						l.fail(err)
						break
					}
					if a == crashDone {
						break
					}
					if attempt == 5 {
						l.fail(fmt.Errorf("request %s: no final answer after %d retries: %s", r.key, attempt+1, r.last))
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
}

// stats sums up the requests.
func (l *crashLedger) stats() string {
	var reqs, batches, atomicB, poisoned, acked, replayed, retriedApplied, items int
	for _, r := range l.reqs {
		reqs++
		if r.batch {
			batches++
		}
		if r.atomic {
			atomicB++
		}
		if r.poisoned {
			poisoned++
		}
		if r.done && r.doneAt == 0 {
			acked++
		}
		if r.replayed {
			replayed++
		}
		if r.done && r.doneAt == 1 && !r.replayed {
			retriedApplied++
		}
		items += len(r.ids)
	}
	return fmt.Sprintf("%d requests (%d batches, %d atomic, %d poisoned), %d answered under load, after the crash %d replayed and %d applied by the retry; %d transfers; slowest answer %v",
		reqs, batches, atomicB, poisoned, acked, replayed, retriedApplied, items, time.Duration(l.slowest.Load()).Round(time.Millisecond))
}

// check checks the ledger through p once every request has its final
// answer: every transfer answered is present once, under its own log index,
// with its payment's fields; every wallet's balance is its initial balance
// plus the payments of the requests that applied, each exactly once; the
// supply adds up. It returns the number of transfers the log must hold.
func (l *crashLedger) check(p *proc) int64 {
	l.t.Helper()
	t := l.t
	type ref struct {
		r *crashReq
		i int
	}
	byID := map[string]ref{}
	byIdx := map[int64]string{}
	expect := maps2(l.initial)
	var transfers int64
	bad := 0
	for _, r := range l.reqs {
		if !r.done {
			if bad < 10 {
				t.Errorf("request %s never got a final answer: %s", r.key, r.last)
			}
			bad++
			continue
		}
		if r.poisoned {
			continue
		}
		for i, id := range r.ids {
			if o, ok := byID[id]; ok {
				t.Errorf("transfer %s answered to %s[%d] and %s[%d]", id, r.key, i, o.r.key, o.i)
				bad++
			}
			byID[id] = ref{r, i}
			if o, ok := byIdx[r.logIdx[i]]; ok {
				t.Errorf("log index %d answered for transfers %s and %s", r.logIdx[i], o, id)
				bad++
			}
			byIdx[r.logIdx[i]] = id
			expect[r.pays[i].from] -= r.pays[i].cents
			expect[r.pays[i].to] += r.pays[i].cents
			transfers++
		}
	}
	if bad > 0 {
		return 0
	}
	// Every answered transfer is stored as answered.
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	parallel(t, 16, len(ids), func(n int) error {
		id := ids[n]
		ref := byID[id]
		pay := ref.r.pays[ref.i]
		res, err := p.do("GET", "/v1/transfers/"+id, l.ops[l.owner[pay.from]].key, nil)
		if err != nil {
			return err
		}
		if res.status != 200 || res.str("id") != id || res.str("from") != pay.from || res.str("to") != pay.to ||
			res.str("amount") != crashAmount(pay.cents) || res.str("memo") != pay.memo || res.body["log_index"] != float64(ref.r.logIdx[ref.i]) {
			return fmt.Errorf("transfer %s of %s[%d] (log index %d) reads %s", id, ref.r.key, ref.i, ref.r.logIdx[ref.i], res)
		}
		return nil
	})
	// Every wallet holds what the applied payments leave in it.
	wallets := make([]string, 0, len(expect))
	var sum int64
	for w, c := range expect {
		wallets = append(wallets, w)
		sum += c
	}
	parallel(t, 16, len(wallets), func(n int) error {
		w := wallets[n]
		res, err := p.do("GET", "/v1/wallets/"+w, l.ops[l.owner[w]].key, nil)
		if err != nil {
			return err
		}
		if res.status != 200 {
			return fmt.Errorf("wallet %s: %s", w, res)
		}
		if got, want := res.str("balance"), crashAmount(expect[w]); got != want {
			return fmt.Errorf("wallet %s: balance %s, want %s (initial %s, plus the payments applied once)", w, got, want, crashAmount(l.initial[w]))
		}
		return nil
	})
	p.checkSupply(crashAmount(l.issued), crashAmount(sum))
	return l.setupTxs + transfers
}

// parallel runs f(0..n-1) on workers goroutines; errors fail the test
// (the first ten are shown).
func parallel(t *testing.T, workers, n int, f func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	next := atomic.Int64{}
	var mu sync.Mutex
	var errs []error
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if i == 10 {
			t.Errorf("... and %d more", len(errs)-10)
			break
		}
		t.Error(err)
	}
}

func maps2(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// verifyDB runs verify.Database on the database db (the server stopped),
// with the verifier key of the children's signing key, and checks the log
// holds want transfers.
func verifyDB(t *testing.T, db string, want int64) {
	t.Helper()
	ctx := context.Background()
	st, err := testdb.OpenDSN(ctx, db)
	if err != nil {
		t.Fatalf("open %s for verify: %v", db, err)
	}
	defer st.Close()
	s, err := translog.NewSigner(procSigningKey())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Database(ctx, st, s.VerifierKey(), defaultOrigin)
	if err != nil {
		t.Fatalf("verify.Database: %v", err)
	}
	if rep.Transfers != want || rep.TreeSize != want {
		t.Errorf("verify: %d transfers in the log (tree size %d), want %d", rep.Transfers, rep.TreeSize, want)
	}
	t.Logf("verify: %d transfers, %d checkpoints, %d accounts: OK", rep.Transfers, rep.Checkpoints, rep.Accounts)
}

// ---- a throwaway PostgreSQL server ----

// pgServer is a PostgreSQL server of its own, started by .ci/pg-start.
type pgServer struct {
	t    *testing.T
	dir  string // data directory
	port int
	url  string
}

// startPGServer starts a new PostgreSQL server in a new data directory on
// a free port, removed when the test ends. It never touches the shared test
// server.
func startPGServer(t *testing.T) *pgServer {
	t.Helper()
	dir, err := os.MkdirTemp("", "ingot-crash-pg-")
	if err != nil {
		t.Fatal(err)
	}
	s := &pgServer{t: t, dir: dir, port: procFreePort(t)}
	t.Cleanup(func() {
		out, err := exec.Command(pgScript("pg-stop"), dir, "--rm").CombinedOutput()
		if err != nil {
			t.Logf("pg-stop: %v\n%s", err, out)
		}
		_ = os.RemoveAll(dir)
		// pg-start's lock file for this data directory.
		_ = exec.Command("sh", "-c", `rm -f "/tmp/ingot-pg-start.$(printf '%s' "$1" | cksum | cut -d' ' -f1).lock"`, "sh", dir).Run()
	})
	s.url = s.start()
	return s
}

func pgScript(name string) string {
	p, err := filepath.Abs(filepath.Join("..", "..", ".ci", name))
	if err != nil {
		panic(err)
	}
	return p
}

// start runs pg-start (initdb the first time) and returns the URL it prints.
func (s *pgServer) start() string {
	s.t.Helper()
	cmd := exec.Command(pgScript("pg-start"), s.dir, fmt.Sprint(s.port))
	var stderr procBuf
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		s.t.Fatalf("pg-start %s %d: %v\n%s", s.dir, s.port, err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// stopImmediate stops the server the way a crash does: pg_ctl stop -m
// immediate (no checkpoint; recovery at the next start).
func (s *pgServer) stopImmediate() {
	s.t.Helper()
	pgbin := os.Getenv("PGBIN")
	if pgbin == "" {
		pgbin = "/usr/lib/postgresql/15/bin"
	}
	args := []string{filepath.Join(pgbin, "pg_ctl"), "-D", s.dir, "-m", "immediate", "-w", "stop"}
	if os.Geteuid() == 0 {
		args = append([]string{"runuser", "-u", "postgres", "--"}, args...)
	}
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
