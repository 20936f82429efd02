package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// load is the measured phase.
type load struct {
	cfg    *Config
	c      *client
	fx     *fixture
	amount string

	total    Histogram
	interval atomic.Pointer[Histogram]

	transfers atomic.Int64 // committed
	requests  atomic.Int64 // answered or failed
	errs      atomic.Int64 // failed transfers
	ambiguous atomic.Int64 // transfers whose fate is unknown (transport errors)
	unsent    atomic.Int64 // open loop: scheduled but never sent

	mu     sync.Mutex
	byCode map[string]int64
}

func newLoad(cfg *Config, c *client, fx *fixture) *load {
	l := &load{cfg: cfg, c: c, fx: fx, amount: ingot.FormatAmount(fx.amount, fx.cur), byCode: map[string]int64{}}
	l.interval.Store(new(Histogram))
	return l
}

// answered records a request sent at sched: its latency, and its error
// as n failed transfers. It reports whether the request succeeded; an
// interrupted one (the run ended) is neither a result nor an error.
func (l *load) answered(ctx context.Context, sched time.Time, err error, n int64) bool {
	lat := time.Since(sched)
	if ctx.Err() != nil {
		return false
	}
	l.requests.Add(1)
	l.total.Record(lat)
	l.interval.Load().Record(lat)
	if err != nil {
		ce := err.(*callError)
		l.fail(ce.code, n, ce.ambiguous)
		return false
	}
	return true
}

func (l *load) fail(code string, n int64, ambiguous bool) {
	l.errs.Add(n)
	if ambiguous {
		l.ambiguous.Add(n)
	}
	l.mu.Lock()
	l.byCode[code] += n
	l.mu.Unlock()
}

// perRequest is the transfers one request carries.
func (l *load) perRequest() int {
	if l.cfg.Scenario == Batch {
		return l.cfg.BatchSize
	}
	return 1
}

func (l *load) run(ctx context.Context, res *Result) {
	cfg := l.cfg
	fmt.Fprintf(cfg.Out, "load: scenario %s, %s loop, %d clients", cfg.Scenario, res.Mode, cfg.Concurrency)
	if cfg.Rate > 0 {
		fmt.Fprintf(cfg.Out, ", offered %.0f transfers/s", cfg.Rate)
	}
	if cfg.Scenario == Batch {
		fmt.Fprintf(cfg.Out, ", %d transfers per request", cfg.BatchSize)
	}
	fmt.Fprintf(cfg.Out, ", for %s\n", cfg.Duration)

	start := time.Now()
	deadline := start.Add(cfg.Duration)
	loadCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	var period time.Duration
	if cfg.Rate > 0 {
		period = time.Duration(float64(time.Second) * float64(l.perRequest()) / cfg.Rate)
		if period <= 0 {
			period = 1
		}
	}
	var seq atomic.Int64
	var wg sync.WaitGroup
	for w := range cfg.Concurrency {
		wg.Go(func() {
			wk := &worker{l: l, r: rand.New(rand.NewPCG(rand.Uint64(), uint64(w))), id: w}
			for loadCtx.Err() == nil {
				var sched time.Time
				if period > 0 {
					i := seq.Add(1) - 1
					sched = start.Add(time.Duration(i) * period)
					if !sched.Before(deadline) {
						return
					}
					now := time.Now()
					if now.After(deadline) {
						// Behind schedule at the end: this request is never
						// sent; go on to count the rest of the schedule.
						l.unsent.Add(1)
						continue
					}
					if d := sched.Sub(now); d > 0 {
						time.Sleep(d)
					}
				} else {
					if !time.Now().Before(deadline) {
						return
					}
					sched = time.Now()
				}
				wk.send(loadCtx, sched)
			}
		})
	}

	// One progress line per second until the workers are done.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var lastT, lastE int64
	lastAt := start
	report := func(now time.Time) {
		h := l.interval.Swap(new(Histogram))
		t, e := l.transfers.Load(), l.errs.Load()
		secs := now.Sub(lastAt).Seconds()
		tk := Tick{
			Second: now.Sub(start).Seconds(), TransfersPerSec: float64(t-lastT) / secs,
			P99: ms(h.Quantile(0.99)), Errors: e - lastE,
		}
		res.Progress = append(res.Progress, tk)
		fmt.Fprintf(cfg.Out, "%5.1fs  %9.0f transfers/s  p99 %7.2f ms  errors %d\n", tk.Second, tk.TransfersPerSec, tk.P99, tk.Errors)
		lastT, lastE, lastAt = t, e, now
	}
loop:
	for {
		select {
		case now := <-tick.C:
			report(now)
		case <-done:
			break loop
		case <-ctx.Done():
			cancel()
			<-done
			break loop
		}
	}
	end := time.Now()
	if end.Sub(lastAt) > 100*time.Millisecond {
		report(end)
	}

	res.Seconds = end.Sub(start).Seconds()
	res.Transfers = l.transfers.Load()
	res.Requests = l.requests.Load()
	res.TransfersPerSec = float64(res.Transfers) / res.Seconds
	res.RequestsPerSec = float64(res.Requests) / res.Seconds
	res.Unsent = l.unsent.Load()
	res.ErrorCount = l.errs.Load()
	res.Ambiguous = l.ambiguous.Load()
	res.Latency = Latency{
		P50: ms(l.total.Quantile(0.50)), P90: ms(l.total.Quantile(0.90)), P99: ms(l.total.Quantile(0.99)),
		P999: ms(l.total.Quantile(0.999)), Max: ms(l.total.Max()), Mean: ms(l.total.Mean()),
	}
	l.mu.Lock()
	for k, v := range l.byCode {
		res.Errors[k] = v
	}
	l.mu.Unlock()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// worker is one client: its own random source and buffers.
type worker struct {
	l    *load
	r    *rand.Rand
	id   int
	seq  int
	body []byte
	buf  bytes.Buffer
}

// send makes, sends and accounts for one request scheduled at sched.
func (w *worker) send(ctx context.Context, sched time.Time) {
	l := w.l
	fx := l.fx
	n := len(fx.wallets)
	var path, key string
	w.body = w.body[:0]
	switch l.cfg.Scenario {
	case Merchant:
		w.payRequest(ctx, sched)
		return
	case FX:
		w.exchange(ctx, sched) // fx.go
		return
	case Uniform:
		p, q := w.pair(n)
		key, path = fx.ops[p%2].key, "/v1/transfers"
		w.body = w.item(w.body, fx.wallets[p], fx.wallets[q])
	case Hot:
		p := w.r.IntN(n)
		key, path = fx.ops[p%2].key, "/v1/transfers"
		w.body = w.item(w.body, fx.wallets[p], fx.merchant)
	case Batch:
		op := w.r.IntN(2)
		if n == 2 {
			op = 0
		}
		key, path = fx.ops[op].key, "/v1/transfers/batch"
		mine := (n - op + 1) / 2 // wallets op, op+2, op+4, ...
		w.body = append(w.body, `{"transfers":[`...)
		for i := range l.cfg.BatchSize {
			if i > 0 {
				w.body = append(w.body, ',')
			}
			p := op + 2*w.r.IntN(mine)
			q := w.r.IntN(n - 1)
			if q >= p {
				q++
			}
			w.body = w.item(w.body, fx.wallets[p], fx.wallets[q])
		}
		w.body = append(w.body, `]}`...)
	}
	var idem string
	if l.cfg.IdempotencyKeys {
		w.seq++
		idem = "bench-" + fx.runID + "-" + strconv.Itoa(w.id) + "-" + strconv.Itoa(w.seq)
	}
	_, err := l.c.do(ctx, "POST", path, key, w.body, idem, &w.buf)
	per := int64(l.perRequest())
	if !l.answered(ctx, sched, err, per) {
		return
	}
	if l.cfg.Scenario != Batch {
		l.transfers.Add(1)
		return
	}
	l.batchResults(w.buf.Bytes(), per)
}

// pair is a random payer and a different random payee.
func (w *worker) pair(n int) (int, int) {
	p := w.r.IntN(n)
	q := w.r.IntN(n - 1)
	if q >= p {
		q++
	}
	return p, q
}

func (w *worker) item(b []byte, from, to string) []byte {
	b = append(b, `{"from":"`...)
	b = append(b, from...)
	b = append(b, `","to":"`...)
	b = append(b, to...)
	b = append(b, `","amount":"`...)
	b = append(b, w.l.amount...)
	b = append(b, `","currency":"`...)
	b = append(b, w.l.fx.cur.Code...)
	return append(b, `"}`...)
}

var (
	errMark = []byte(`{"error":{"code":"`)
	idMark  = []byte(`{"id":"`)
)

// batchResults counts a batch answer's applied items and errors by code.
// It scans the bytes instead of decoding 1,000 transfers, so the load
// generator spends its CPU on sending: every result is either a transfer,
// which starts {"id":", or {"error":{"code":"...".
func (l *load) batchResults(body []byte, per int64) {
	ok := int64(bytes.Count(body, idMark))
	bad := int64(0)
	for rest := body; ; {
		i := bytes.Index(rest, errMark)
		if i < 0 {
			break
		}
		rest = rest[i+len(errMark):]
		code := "unknown"
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			code = string(rest[:j])
		}
		l.fail(code, 1, false)
		bad++
	}
	if ok+bad != per {
		// Not the answer this scanner knows: count what is missing as errors.
		if miss := per - ok - bad; miss > 0 {
			l.fail("bad_batch_answer", miss, false)
		}
	}
	l.transfers.Add(ok)
}

// payRequest is one payment of the merchant scenario: a random merchant's
// operator asks to be paid (a payment request with its QR payload), and a
// random wallet pays the payload. Latency covers both requests.
func (w *worker) payRequest(ctx context.Context, sched time.Time) {
	l, fx := w.l, w.l.fx
	m := w.r.IntN(len(fx.merchants))
	p := w.r.IntN(len(fx.wallets))
	w.body = fmt.Appendf(w.body[:0], `{"merchant_wallet":%q,"amount":%q,"currency":%q}`, fx.merchants[m], l.amount, fx.cur.Code)
	var idem string
	if l.cfg.IdempotencyKeys {
		w.seq++
		idem = "bench-" + fx.runID + "-" + strconv.Itoa(w.id) + "-" + strconv.Itoa(w.seq)
	}
	_, err := l.c.do(ctx, "POST", "/v1/payment-requests", fx.ops[m%2].key, w.body, idem, &w.buf)
	var qr string
	if err == nil {
		var pr struct {
			QR string `json:"qr"`
		}
		if jerr := json.Unmarshal(w.buf.Bytes(), &pr); jerr != nil || pr.QR == "" {
			err = &callError{code: "bad_payment_request_answer"}
		}
		qr = pr.QR
	}
	if err == nil {
		w.body = fmt.Appendf(w.body[:0], `{"from":%q,"qr":%q}`, fx.wallets[p], qr)
		if idem != "" {
			idem += "-pay"
		}
		_, err = l.c.do(ctx, "POST", "/v1/qr-payments", fx.ops[p%2].key, w.body, idem, &w.buf)
		if err != nil {
			fx.unpaid.Add(1)
		}
	}
	if !l.answered(ctx, sched, err, 1) {
		return
	}
	var t struct {
		Fee string `json:"fee"`
	}
	if json.Unmarshal(w.buf.Bytes(), &t) == nil && t.Fee != "" && strings.Trim(t.Fee, "0.") != "" {
		fx.fees.Add(1)
	}
	l.transfers.Add(1)
}
