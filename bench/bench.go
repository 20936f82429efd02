// Package bench is Ingot's load generator (`ingot bench`): it sets up two
// operators and their wallets on a running server through the REST API,
// sends payments for a while from keep-alive clients, measures throughput
// and latency, and ends by checking the books and the transparency log.
//
// Closed loop (the default): Concurrency clients each send a request, wait
// for its answer and send the next; latency runs from sending to the whole
// answer. Open loop (Rate > 0): requests are scheduled at a fixed offered
// rate and latency runs from each request's scheduled time, so a server
// that falls behind is charged for the time requests waited to be sent (no
// coordinated omission); Concurrency bounds the requests in flight.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Scenarios.
const (
	Uniform = "uniform" // random payer and payee
	Hot     = "hot"     // every payment goes to one merchant wallet
	Batch   = "batch"   // POST /v1/transfers/batch, BatchSize payments each
	// Merchant: each payment is a QR payment request made by a merchant's
	// operator (POST /v1/payment-requests) and paid by a random wallet of
	// either operator (POST /v1/qr-payments); the merchants' operators
	// charge a fee (MerchantFeeBPS).
	Merchant = "merchant"
	// FX: each request is a quote and an exchange between two currencies
	// of two issuers, payment-versus-payment (fx.go).
	FX = "fx"
)

// Merchant scenario sizes.
const (
	// MerchantsPerOperator is the merchant wallets each operator opens.
	MerchantsPerOperator = 32
	// MerchantFeeBPS is the operators' merchant fee rate: 0.60 %, so
	// that a 1.00 payment pays a fee of 0.01.
	MerchantFeeBPS = 60
)

// Config is one run.
type Config struct {
	URL         string // the server, e.g. http://127.0.0.1:8080
	Key         string // the central bank's API key
	Scenario    string
	Wallets     int
	Duration    time.Duration
	Concurrency int
	// Rate is the offered load in transfers/s (open loop); 0 is closed loop.
	Rate      float64
	BatchSize int
	// Amount of each payment and Funding of each wallet, in Currency.
	Amount, Funding, Currency string
	// IdempotencyKeys sends a unique Idempotency-Key with every request.
	IdempotencyKeys bool
	// RiskRules is how many active risk rules the central bank adds before
	// the load (BenchRules, in turn), to measure their cost.
	RiskRules int
	// SpendingRules gives every wallet a spending rule that the load's
	// payments pass (BenchSpendingRule), to measure their cost.
	SpendingRules bool
	// Fresh says the server's database was empty before the run: all the
	// supply and the whole log are the run's, so they are checked exactly.
	Fresh bool
	// Target describes the server for the report.
	Target Target
	// Out receives the progress lines and the summary; nil: discarded.
	Out io.Writer
	// OnLoad, when set, is called with true as the load starts and false
	// when it ends (to profile the load alone).
	OnLoad func(start bool)
}

// Target describes the server under load.
type Target struct {
	URL       string `json:"url"`
	InProcess bool   `json:"in_process"`
	Store     string `json:"store,omitempty"`
	MaxBatch  int    `json:"max_batch,omitempty"`
	Log       *bool  `json:"log,omitempty"`
}

func (c *Config) defaults() error {
	if c.Scenario == "" {
		c.Scenario = Uniform
	}
	if c.Wallets == 0 {
		c.Wallets = 10000
	}
	if c.Duration == 0 {
		c.Duration = 20 * time.Second
	}
	if c.Concurrency == 0 {
		c.Concurrency = 64
	}
	if c.BatchSize == 0 {
		c.BatchSize = 1000
	}
	if c.Currency == "" {
		c.Currency = "CNY"
	}
	if c.Amount == "" {
		c.Amount = "0.01"
		if c.Scenario == Merchant {
			c.Amount = "1.00" // its fee is 0.01
		}
	}
	if c.Funding == "" {
		c.Funding = "100.00"
	}
	if c.Out == nil {
		c.Out = io.Discard
	}
	switch {
	case c.Scenario != Uniform && c.Scenario != Hot && c.Scenario != Batch && c.Scenario != Merchant && c.Scenario != FX:
		return fmt.Errorf("--scenario must be uniform, hot, batch, merchant or fx, not %q", c.Scenario)
	case c.URL == "":
		return errors.New("no server URL")
	case c.Key == "":
		return errors.New("--key (the central bank's API key) is required with --url")
	case c.Wallets < 2:
		return errors.New("--wallets must be at least 2")
	case c.Duration <= 0:
		return errors.New("--duration must be positive")
	case c.Concurrency < 1:
		return errors.New("--concurrency must be at least 1")
	case c.Rate < 0:
		return errors.New("--rate must not be negative")
	case c.BatchSize < 1 || c.BatchSize > 8000:
		return errors.New("--batch-size must be 1 to 8000")
	}
	return nil
}

// fixture is what setup made.
type fixture struct {
	runID    string
	ops      [2]operator
	wallets  []string // wallet i belongs to ops[i%2]
	merchant string   // hot: at ops[0]
	// merchants are the merchant scenario's wallets: merchants[i] belongs
	// to ops[i%2].
	merchants []string
	amount    int64 // one payment, minor units
	funding   int64 // one wallet's top-up
	minted    int64 // by this run
	funded    int64 // what setup put into the run's wallets
	cur       ingot.Currency
	setup     int64 // transfers setup committed: mints, top-ups, payments
	topups    int64 // of which top-ups of the funding wallets
	pays      int64 // of which payments from the funding wallets

	// Merchant scenario: the fee transfers the load committed (one per
	// paid request with a fee), and the requests made but not paid.
	fees   atomic.Int64
	unpaid atomic.Int64

	// FX scenario (fx.go): the second currency, what its issuer minted
	// into the dealer's reserve, the payees in it, the exchanges made.
	fxCur     ingot.Currency
	fxKey     string // its issuer's key
	fxMinted  int64
	fxPayees  []string
	exchanges atomic.Int64
}

type operator struct {
	id, code, key string
}

// Run runs the benchmark: setup, load, checks. The result is returned also
// when a check fails; err is for runs that could not be completed.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	cur, err := ingot.LookupCurrency(cfg.Currency)
	if err != nil {
		return nil, err
	}
	fx := &fixture{runID: newRunID(), cur: cur}
	if fx.amount, err = ingot.ParseAmount(cfg.Amount, cur); err != nil {
		return nil, fmt.Errorf("amount: %w", err)
	}
	if fx.funding, err = ingot.ParseAmount(cfg.Funding, cur); err != nil {
		return nil, fmt.Errorf("funding: %w", err)
	}
	c := newClient(cfg.URL, cfg.Concurrency)
	defer c.close()

	res := &Result{
		Scenario: cfg.Scenario, Target: cfg.Target, Wallets: cfg.Wallets, Concurrency: cfg.Concurrency,
		Mode: "closed", Errors: map[string]int64{},
	}
	if cfg.Target.URL == "" {
		res.Target.URL = cfg.URL
	}
	if cfg.Rate > 0 {
		res.Mode, res.OfferedRate = "open", cfg.Rate
	}
	if cfg.Scenario == Batch {
		res.BatchSize = cfg.BatchSize
	}

	logBefore := readLog(ctx, c, cfg.Key)
	if logBefore.err != nil {
		return nil, fmt.Errorf("read the transparency log before the run: %w", logBefore.err)
	}

	start := time.Now()
	if err := setup(ctx, c, &cfg, fx); err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	res.SetupSeconds = time.Since(start).Seconds()
	fmt.Fprintf(cfg.Out, "setup: operators %s and %s, %d wallets funded with %s %s each in %.1fs\n",
		fx.ops[0].code, fx.ops[1].code, len(fx.wallets), ingot.FormatAmount(fx.funding, cur), cur.Code, res.SetupSeconds)

	ld := newLoad(&cfg, c, fx)
	if cfg.OnLoad != nil {
		cfg.OnLoad(true)
	}
	ld.run(ctx, res)
	if cfg.OnLoad != nil {
		cfg.OnLoad(false)
	}
	if ctx.Err() != nil {
		res.print(cfg.Out)
		return res, ctx.Err()
	}

	res.Books = checkBooks(ctx, c, &cfg, fx)
	res.Log = checkLog(ctx, c, &cfg, fx, logBefore, res)
	res.print(cfg.Out)
	return res, nil
}

func newRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// parallel calls f(0..n-1) from conc goroutines and returns the first error.
func parallel(ctx context.Context, n, conc int, f func(i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(conc, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}
