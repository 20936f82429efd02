// Package ledger is Ingot's write path: a batching engine that applies
// commands to locked, in-memory copies of the accounts they touch and
// commits each batch in one transaction, and the service that authorizes
// and validates requests before they reach it.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"sync"
	"time"
	_ "time/tzdata" // limits need Asia/Shanghai on machines without zoneinfo

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/translog"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/tlog"
)

// Options configure an Engine.
type Options struct {
	// MaxBatch is the most transfers one batch applies (a batch command
	// counts as its number of items); 1 gives one transaction per command.
	MaxBatch int
	// QueueSize is how many commands may wait for the engine.
	QueueSize int
	Logger    *slog.Logger
	// Registerer receives the engine's metrics; nil: not registered.
	Registerer prometheus.Registerer
	// Now is the one clock of the engine and of the service over it; nil
	// is time.Now. Tests move time with it.
	Now func() time.Time
	// Signer signs the transparency log's checkpoints; nil runs without a
	// log (for benchmarks that measure the log's cost, never in
	// production).
	Signer *translog.Signer
	// Zone is the time zone of the days and years of daily and yearly
	// limits; nil is DefaultZone.
	Zone *time.Location
	// Pipeline is how many batches may be in flight at once: while one
	// commits and reaches the disk, the next is taken from the queue,
	// locked, applied and written (on PostgreSQL on a second connection).
	// 0 is the store's choice (Pipeliner), else 1; 1 runs one batch at a
	// time.
	Pipeline int
	// Risk configures the built-in AML (risk.go).
	Risk RiskOptions
	// Country is the jurisdiction of operators registered without one
	// (jurisdiction.go); "" is DefaultCountry.
	Country string
}

// Pipeliner is implemented by stores that say how many batches in flight
// suit them. SQLite: 2 (the next batch is built while one's fsync runs).
// PostgreSQL: 1 for now, since the next batch's log head lock waits for the
// previous commit and its row locks for the previous batch's accounts:
// with large batches, two in flight halve throughput (docs/performance.md).
type Pipeliner interface {
	Pipeline() int
}

// DefaultZone is the time zone of limits when none is configured.
const DefaultZone = "Asia/Shanghai"

// DefaultMaxBatch is the default largest batch.
const DefaultMaxBatch = 8192

// Engine is the single writer of balances, transfers and holds of one
// process. Commands queue up; a worker takes whatever is waiting (up to
// MaxBatch), applies it in one database transaction, commits once and then
// answers every caller of the batch. Batches are pipelined: a worker holds
// the stage (taking, locking, applying, writing) only until its commit
// starts, so the next worker builds the next batch while this one commits
// and waits for the disk. Several processes may run an Engine on one
// PostgreSQL database: correctness comes from the row locks the batch takes
// (and the log head, locked last, which orders commits), never from memory;
// two batches in flight in one process are no different from two
// processes.
type Engine struct {
	db      BatchOpener
	opt     Options
	log     *slog.Logger
	queue   chan *request
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
	m       engineMetrics

	// stage is held by the worker that takes, locks, applies and writes a
	// batch, and released when its commit starts (pipeline.go).
	stage sync.Mutex

	// front caches the log's frontier hashes (all that appending needs)
	// after this engine's last commit, and pending those of the batch being
	// committed. They are used only while the locked log head still has
	// their size, that is while no other process has appended since: they
	// save a read per batch, never decide anything.
	frontMu sync.Mutex
	front   logFrontier
	pending *pendingFront

	// rules are the active risk rules, compiled (risk.go).
	rules riskRules
	// countries caches operators' jurisdictions (jurisdiction.go).
	countries countries
}

// logFrontier is the frontier of the log of a size.
type logFrontier struct {
	size   int64
	hashes map[int64]tlog.Hash
}

// request is one command waiting for the engine, and its answer.
type request struct {
	actor ingot.Actor
	cmd   op
	idem  *Idem

	res    any               // the command's result
	replay *store.IdemRecord // or the stored outcome of its Idempotency-Key
	err    error             // or why it failed
	done   chan struct{}
}

// BatchOpener is what the engine needs of a store: the transaction of one
// batch.
type BatchOpener interface {
	BeginBatch(ctx context.Context) (store.BatchTx, error)
}

// NewEngine starts an engine on st. Close stops it.
func NewEngine(db BatchOpener, opt Options) *Engine {
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = DefaultMaxBatch
	}
	if opt.QueueSize <= 0 {
		opt.QueueSize = 4 * opt.MaxBatch
	}
	if opt.Pipeline <= 0 {
		opt.Pipeline = 1
		if p, ok := db.(Pipeliner); ok && p.Pipeline() > 0 {
			opt.Pipeline = p.Pipeline()
		}
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Zone == nil {
		z, err := time.LoadLocation(DefaultZone)
		if err != nil {
			panic("ledger: no time zone data for " + DefaultZone + ": " + err.Error())
		}
		opt.Zone = z
	}
	e := &Engine{
		db:      db,
		opt:     opt,
		log:     opt.Logger,
		queue:   make(chan *request, opt.QueueSize),
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
		m:       newEngineMetrics(opt.Registerer),
	}
	e.countries.def = opt.Country
	if e.countries.def == "" {
		e.countries.def = DefaultCountry
	}
	go e.run()
	return e
}

// Close stops taking commands, finishes those queued and returns.
func (e *Engine) Close() {
	e.once.Do(func() { close(e.stop) })
	<-e.stopped
}

// errCommitUnknown marks a failed commit: whether it took effect is unknown.
var errCommitUnknown = errors.New("commit failed; its outcome is unknown")

var errClosed = ingot.Errorf(ingot.CodeUnavailable, "the ledger engine is shutting down; retry with the same Idempotency-Key")

// now is the engine's clock, in UTC, to the microsecond the stores keep.
func (e *Engine) now() time.Time { return e.opt.Now().UTC().Truncate(time.Microsecond) }

// do queues a request and waits for its answer. A rule violation is an
// *ingot.Error; a storage failure is an *ingot.Error with code unavailable,
// after which the command may or may not have been committed: retrying it
// with the same Idempotency-Key finds out.
//
// Once queued, do waits for the batch even if ctx ends, so that its answer
// is always the truth.
func (e *Engine) do(ctx context.Context, r *request) (*request, error) {
	r.done = make(chan struct{})
	select {
	case <-e.stop:
		return nil, errClosed
	default:
	}
	select {
	case e.queue <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-e.stop:
		return nil, errClosed
	}
	<-r.done
	return r, r.err
}

func (e *Engine) run() {
	defer close(e.stopped)
	var wg sync.WaitGroup
	for range e.opt.Pipeline {
		wg.Go(e.work)
	}
	wg.Wait()
}

// work takes batches while it holds the stage and processes them; process
// releases the stage when the batch's commit starts. After Close it drains
// what is queued and returns.
func (e *Engine) work() {
	batch := make([]*request, 0, 64)
	for {
		e.stage.Lock()
		var first *request
		select {
		case first = <-e.queue:
		case <-e.stop:
			select {
			case first = <-e.queue:
			default:
				e.stage.Unlock()
				return
			}
		}
		batch = append(batch[:0], first)
		n := first.cmd.weight()
	fill:
		for n < e.opt.MaxBatch {
			select {
			case r := <-e.queue:
				batch = append(batch, r)
				n += r.cmd.weight()
			default:
				break fill
			}
		}
		e.process(batch, sync.OnceFunc(e.stage.Unlock))
	}
}

// process applies a batch, retrying it whole when the transaction fails
// (a concurrent idempotency race, a deadlock victim, a lost connection).
// It calls release (once) when the batch's commit starts or the batch
// fails: the next batch may then be built.
func (e *Engine) process(batch []*request, release func()) {
	defer release()
	start := time.Now()
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 20 * time.Millisecond)
		}
		err = e.tryBatch(batch, release)
		if err == nil {
			break
		}
		e.log.WarnContext(context.Background(), "batch failed", "attempt", attempt+1, "commands", len(batch), "err", err)
		if errors.Is(err, errCommitUnknown) {
			// The commit may have happened: running the batch again could
			// apply a command without an Idempotency-Key twice. Its callers
			// are told to retry, and their keys find out.
			break
		}
	}
	e.m.batchSeconds.Observe(time.Since(start).Seconds())
	e.m.batchCommands.Observe(float64(len(batch)))
	if err != nil {
		e.m.batchFailures.Inc()
		fail := ingot.Errorf(ingot.CodeUnavailable, "the ledger could not commit; retry with the same Idempotency-Key")
		for _, r := range batch {
			r.res, r.err = nil, fail
			close(r.done)
		}
		return
	}
	for _, r := range batch {
		close(r.done)
	}
}

// tryBatch runs a batch in one transaction: it reads the batch's
// idempotency records, locks what its commands need, applies them in
// arrival order, writes the effects in bulk and commits. The answers are
// set on the requests only once the commit succeeded.
func (e *Engine) tryBatch(batch []*request, release func()) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tx, err := e.db.BeginBatch(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()

	idem, err := readIdempotency(ctx, tx, batch)
	if err != nil {
		return err
	}
	ls := newLockSet()
	for _, r := range batch {
		r.cmd.locks(ls)
	}
	st := newState(e.now(), e.opt.Zone)
	if err := e.lock(ctx, tx, ls, st); err != nil {
		return err
	}
	// The batch's time is read once its rows are locked: a batch that
	// waited for another process's batch on an account is stamped after
	// that one committed, so an account's transfers are in time order as
	// they are in commit order (statements cut days by time).
	st.setNow(e.now(), e.opt.Zone)
	if err := e.loadRisk(ctx, tx, batch, st); err != nil { // risk.go
		return err
	}

	// Apply in arrival order. A command that breaks a rule is undone alone.
	type answer struct {
		res    any
		replay *store.IdemRecord
		err    error
	}
	answers := make([]answer, len(batch))
	var recorded []int // requests whose outcome is stored with the batch
	for i, r := range batch {
		if r.idem != nil {
			if rec, ok := idem[r.idem.IdemKey]; ok {
				answers[i].replay = rec
				continue
			}
		}
		mark := st.mark()
		st.actor, st.channel, st.sca.gate, st.sca.strong = r.actor, channelOf(r.cmd), nil, false
		res, err := r.cmd.run(st, r.actor)
		if err != nil {
			answers[i].err = err
			var held *InReview
			if !errors.As(err, &held) {
				st.undo(mark) // a refused command leaves no trace
				continue
			}
			// Held for review (reviews.go): the hold and the review stand,
			// and the answer is recorded as a 202.
			if r.idem != nil {
				recorded = append(recorded, i)
				idem[r.idem.IdemKey] = &store.IdemRecord{IdemKey: r.idem.IdemKey, Hash: r.idem.Hash, Status: http.StatusAccepted, CreatedAt: st.now}
			}
			continue
		}
		answers[i].res = res
		if r.idem != nil && r.cmd.record(res) {
			// The outcome is encoded below, once the transfers have their
			// log indexes; a duplicate later in this batch replays it.
			recorded = append(recorded, i)
			idem[r.idem.IdemKey] = &store.IdemRecord{IdemKey: r.idem.IdemKey, Hash: r.idem.Hash, CreatedAt: st.now}
		}
	}

	if n := len(st.riskErrors); n > 0 { // risk.go: rules that failed count as no match
		re := st.riskErrors[0]
		e.log.WarnContext(ctx, "risk rules failed to evaluate", "evaluations", n, "rule", re.Rule.ID, "version", re.Rule.Version, "err", re.Err)
	}
	w := st.write()
	st.releaseJournal() // nothing is undone after this point
	if len(st.transfers) > 0 && e.opt.Signer != nil {
		if err := e.appendLog(ctx, tx, st, w); err != nil {
			return err
		}
	}
	if err := st.writeEvents(w); err != nil { // events.go
		return err
	}
	for _, i := range recorded {
		rec := idem[batch[i].idem.IdemKey]
		outcome := answers[i].res
		if answers[i].err != nil {
			outcome = answers[i].err // an *InReview
		}
		if rec.Body, err = encodeOutcome(outcome); err != nil {
			return err
		}
		w.Idempotency = append(w.Idempotency, *rec)
	}
	if err := tx.Write(ctx, w); err != nil {
		if errors.Is(err, store.ErrIdempotencyRace) {
			e.m.idemRaces.Inc()
		}
		return err
	}
	if err := tx.WriteBank(ctx, &w.Bank); err != nil {
		return err
	}
	// The stage is free from here: the next batch is built while this one
	// commits and reaches the disk. Its log head read waits for this
	// commit (the head is locked), and then finds this batch's frontier.
	p := e.committing(st.front)
	release()
	if err := tx.Commit(ctx); err != nil {
		e.committed(p, false)
		return fmt.Errorf("%w: %w", errCommitUnknown, err)
	}
	e.committed(p, true)
	if err := tx.Durable(ctx); err != nil {
		return fmt.Errorf("%w: %w", errCommitUnknown, err)
	}
	e.m.transfers.Add(float64(len(w.Transfers)))
	for i, r := range batch {
		r.res, r.replay, r.err = answers[i].res, answers[i].replay, answers[i].err
		var held *InReview
		if r.err != nil && !errors.As(r.err, &held) {
			e.m.rejected.WithLabelValues(ingot.ErrorCode(r.err)).Inc()
		}
	}
	return nil
}

// readIdempotency reads the committed idempotency records of the batch's
// keys.
func readIdempotency(ctx context.Context, tx store.BatchTx, batch []*request) (map[ingot.IdemKey]*store.IdemRecord, error) {
	idem := map[ingot.IdemKey]*store.IdemRecord{}
	var keys []ingot.IdemKey
	for _, r := range batch {
		if r.idem != nil {
			keys = append(keys, r.idem.IdemKey)
		}
	}
	if len(keys) == 0 {
		return idem, nil
	}
	recs, err := tx.Idempotency(ctx, keys)
	if err != nil {
		return nil, err
	}
	for i := range recs {
		idem[recs[i].IdemKey] = &recs[i]
	}
	return idem, nil
}

// lock locks what the batch's commands need and loads it into st:
// payment requests, codes and refund totals, then holds, then accounts
// (with the wallets those rows name), each in key order, then the rest of
// the locked wallets' families, the limit rules that bear on them, the bank
// side (bank.go), the merchant fees and fee accounts of credited merchants,
// and holders' exemption counters and approvals (sca.go). Every batch takes locks in this one
// order, so two processes never deadlock; the one exception is the rest of
// a sub-wallet's family, locked in later rounds (loadFamilies): a deadlock
// there fails the batch, which is run again.
func (e *Engine) lock(ctx context.Context, tx store.BatchTx, ls *lockSet, st *state) error {
	if err := lockMerchantRows(ctx, tx, ls, st); err != nil { // merchant_state.go
		return err
	}
	if err := loadReviews(ctx, tx, ls, st); err != nil { // reviews.go
		return err
	}
	if err := loadConditional(ctx, tx, ls, st); err != nil { // conditional.go
		return err
	}
	if err := loadStanding(ctx, tx, ls, st); err != nil { // standing.go
		return err
	}
	if err := loadFXQuotes(ctx, tx, ls, st); err != nil { // fx.go
		return err
	}
	if err := loadOffline(ctx, tx, ls, st); err != nil { // offline_state.go
		return err
	}
	if err := loadConsents(ctx, tx, ls, st); err != nil { // consent_state.go
		return err
	}
	if len(ls.holds) > 0 {
		hs, err := tx.LockHolds(ctx, sortedKeys(ls.holds))
		if err != nil {
			return err
		}
		for i := range hs {
			h := hs[i]
			st.holds[h.ID] = &h
			ls.account(h.Wallet)
		}
	}
	if len(ls.accounts) > 0 {
		as, err := tx.LockAccounts(ctx, sortedKeys(ls.accounts))
		if err != nil {
			return err
		}
		for i := range as {
			a := as[i]
			st.accounts[a.ID] = &a
		}
		if err := loadFamilies(ctx, tx, st); err != nil { // subwallet.go
			return err
		}
		if err := loadVouchers(ctx, tx, ls, st); err != nil { // voucher_state.go
			return err
		}
		locked := make([]*ingot.Account, 0, len(st.accounts))
		for _, a := range st.accounts {
			locked = append(locked, a)
		}
		// The limit rules of the batch's operators and sub-wallets, as
		// committed.
		rules, err := tx.LimitRules(ctx, ruleOwners(locked))
		if err != nil {
			return err
		}
		st.limits = newLimitTable(rules)
		if err := e.loadCountries(ctx, tx, st); err != nil { // jurisdiction.go
			return err
		}
		if err := loadCrossBorder(ctx, tx, st); err != nil { // jurisdiction.go
			return err
		}
	}
	if err := loadBank(ctx, tx, ls, st); err != nil { // bank.go
		return err
	}
	if err := loadFees(ctx, tx, ls, st); err != nil { // merchant_state.go
		return err
	}
	codeHolders(ls, st)             // cmd_charge.go
	return loadSCA(ctx, tx, ls, st) // sca.go
}

// appendLog makes the batch's transfers the next leaves of the transparency
// log, in the same transaction: it locks the log head (after the accounts,
// so the log's order is the commit order, also across processes), computes
// the new stored hashes and signs a checkpoint of the new tree.
func (e *Engine) appendLog(ctx context.Context, tx store.BatchTx, st *state, w *store.BatchWrite) error {
	n, err := tx.LogHead(ctx)
	if err != nil {
		return err
	}
	leaves := make([]tlog.Hash, len(st.transfers))
	for i, t := range st.transfers {
		t.LogIndex = n + int64(i)
		w.Transfers[i].LogIndex = t.LogIndex
		leaves[i] = translog.LeafHash(*t)
	}
	known := map[int64]tlog.Hash{}
	var r tlog.HashReader = recordingReader{txHashReader{ctx, tx}, known}
	if f := e.frontier(n); f != nil {
		r = mapReader(f)
		maps.Copy(known, f)
	}
	hashes, tree, err := translog.AppendLeafHashes(n, leaves, r)
	if err != nil {
		return err
	}
	for _, h := range hashes {
		known[h.Index] = h.Hash
	}
	st.front = &logFrontier{size: tree.N, hashes: map[int64]tlog.Hash{}}
	for _, idx := range translog.FrontierIndexes(tree.N) {
		h, ok := known[idx]
		if !ok {
			st.front = nil
			break
		}
		st.front.hashes[idx] = h
	}
	note, err := translog.SignCheckpoint(e.opt.Signer, e.opt.Signer.Name(), tree)
	if err != nil {
		return err
	}
	w.LogHashes = hashes
	w.Checkpoint = &ingot.Checkpoint{Size: tree.N, Root: tree.Hash, Note: note, CreatedAt: st.now}
	return nil
}

// mapReader serves hashes from memory.
type mapReader map[int64]tlog.Hash

func (m mapReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := m[idx]
		if !ok {
			return nil, fmt.Errorf("ledger: log hash %d not cached", idx)
		}
		out[i] = h
	}
	return out, nil
}

// recordingReader remembers what it read.
type recordingReader struct {
	r    tlog.HashReader
	seen map[int64]tlog.Hash
}

func (r recordingReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	hs, err := r.r.ReadHashes(indexes)
	if err == nil {
		for i, idx := range indexes {
			r.seen[idx] = hs[i]
		}
	}
	return hs, err
}

type txHashReader struct {
	ctx context.Context
	tx  store.BatchTx
}

func (r txHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return r.tx.ReadHashes(r.ctx, indexes)
}

type engineMetrics struct {
	batchSeconds  prometheus.Histogram
	batchCommands prometheus.Histogram
	batchFailures prometheus.Counter
	idemRaces     prometheus.Counter
	transfers     prometheus.Counter
	rejected      *prometheus.CounterVec
}

func newEngineMetrics(reg prometheus.Registerer) engineMetrics {
	m := engineMetrics{
		batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ingot_engine_batch_seconds", Help: "Time to apply and commit one batch.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		batchCommands: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ingot_engine_batch_commands", Help: "Commands per batch.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14),
		}),
		batchFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ingot_engine_batch_failures_total", Help: "Batches that failed to commit after retries.",
		}),
		idemRaces: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ingot_engine_idempotency_races_total", Help: "Batches retried because another process committed one of their Idempotency-Keys.",
		}),
		transfers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ingot_transfers_total", Help: "Transfers committed by this process.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ingot_commands_rejected_total", Help: "Commands rejected by a rule, by error code.",
		}, []string{"code"}),
	}
	if reg != nil {
		reg.MustRegister(m.batchSeconds, m.batchCommands, m.batchFailures, m.idemRaces, m.transfers, m.rejected)
	}
	return m
}

// Pipeline is the number of batches the engine keeps in flight.
func (e *Engine) Pipeline() int { return e.opt.Pipeline }

// Zone is the time zone of the engine's days and years.
func (e *Engine) Zone() *time.Location { return e.opt.Zone }
