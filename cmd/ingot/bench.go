package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/bench"
	"github.com/ingot-cbdc/ingot/httpapi"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/translog"
)

type benchFlags struct {
	cfg        bench.Config
	db         string
	maxBatch   string // a comma list of values
	wallets    string // a comma list of values
	plot       string
	plotFrom   string
	noLog      bool
	pipeline   int
	jsonFile   string
	cpuprofile string
}

func benchCmd(env func(string) string, stdout, stderr io.Writer) *cobra.Command {
	var f benchFlags
	c := &cobra.Command{
		Use:   "bench",
		Short: "Measure throughput and latency of payments over the REST API",
		Long: `bench sets up two operators and --wallets funded wallets, sends payments for
--duration and reports transfers/s, latency percentiles and errors by code, then
checks the books (issued = reserves + wallets) and the transparency log.

Target: --url and --key (the central bank's key, env INGOT_ADMIN_KEY) drive a
running server; otherwise bench starts one in-process on 127.0.0.1 over a new,
empty database: --db (a SQLite path or a postgres:// URL; a database that is
not empty is refused), by default a SQLite file in a temporary directory that
is removed at the end. --max-batch, --no-log and --cpuprofile apply to the
in-process server.

--max-batch or --wallets takes a comma list (e.g. --max-batch 8192,1, or
--wallets 10000,100000,1000000 for the scaling curve; one of the two at a
time): bench then runs the same scenario once per value, each on its own new
database (the temporary file; or --db for the first value and, for the others,
a file beside it named <name>-max-batch-N<ext> or <name>-wallets-N<ext>, or the
PostgreSQL database <name>_max_batch_N or <name>_wallets_N on the same server,
created when missing), and ends with a table comparing them (throughput,
latency, setup time, throughput relative to the first value). With --json, the
file then holds a list of results.

--plot FILE.png draws the results: transfers/s (top) and p99 latency (bottom)
against the swept value (wallets, on a log scale; or max-batch). With
--plot-from a file written earlier by --json, bench draws it without running.

The in-process run prints this process's memory (VmRSS, VmHWM: server and load
generator together) after setup and after the load.

Load: closed loop by default (--concurrency clients, each sending its next
request when the last is answered; latency from send to answer); with --rate,
open loop: requests are scheduled at that many transfers/s and latency runs
from each request's scheduled time, so a server that falls behind is charged
for the wait (no coordinated omission).

Scenarios: uniform (random payer and payee, across both operators), hot (every
payment goes to one merchant wallet), batch (POST /v1/transfers/batch with
--batch-size payments each; transfers are counted, latency is per request),
merchant (a merchant's operator makes a QR payment request, a random wallet pays
its payload: two requests per payment, latency covers both; the operators
charge merchants a 0.60 % fee, a transfer of its own in the log, and the books
check counts the fee accounts).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := fromEnv(cmd.Flags(), env, map[string]string{"key": "INGOT_ADMIN_KEY"}); err != nil {
				return err
			}
			return runBench(cmd.Context(), f, cmd.Flags().Changed, stdout, stderr)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.cfg.URL, "url", "", "a running server to drive, e.g. http://127.0.0.1:8080 (with --key)")
	fl.StringVar(&f.cfg.Key, "key", "", "the central bank's API key of the --url server (env INGOT_ADMIN_KEY)")
	fl.StringVar(&f.db, "db", "", "start a server in-process on this new, empty database: a SQLite path or a postgres:// URL (default: a temporary SQLite file)")
	fl.StringVar(&f.maxBatch, "max-batch", strconv.Itoa(ledger.DefaultMaxBatch), "in-process server: largest engine batch; 1: one transaction per transfer; a comma list (8192,1) runs once per value and compares")
	fl.IntVar(&f.pipeline, "pipeline", 0, "in-process server: engine batches in flight (the next is built while one commits); 0: the store's choice (SQLite 2, PostgreSQL 1); 1: one at a time")
	fl.BoolVar(&f.noLog, "no-log", false, "in-process server: run the engine without the transparency log (to measure its cost)")
	fl.StringVar(&f.cpuprofile, "cpuprofile", "", "write a CPU profile of the load phase to this file (the in-process server and the load generator)")
	fl.StringVar(&f.cfg.Scenario, "scenario", bench.Uniform, "uniform, hot, batch, merchant or fx")
	fl.StringVar(&f.wallets, "wallets", "10000", "wallets, split across two operators; a comma list (10000,100000,1000000) runs once per value and compares")
	fl.DurationVar(&f.cfg.Duration, "duration", 20*time.Second, "how long to send payments")
	fl.IntVar(&f.cfg.Concurrency, "concurrency", 64, "keep-alive clients (requests in flight at most)")
	fl.Float64Var(&f.cfg.Rate, "rate", 0, "offered load in transfers/s (open loop); 0: closed loop")
	fl.IntVar(&f.cfg.BatchSize, "batch-size", 1000, "batch: payments per request (at most 8000)")
	fl.StringVar(&f.cfg.Amount, "amount", "", "each payment, in CNY (default 0.01; merchant: 1.00, whose fee is 0.01)")
	fl.StringVar(&f.cfg.Funding, "funding", "100.00", "what setup puts into each wallet, in CNY")
	fl.IntVar(&f.cfg.RiskRules, "risk-rules", 0, "active risk rules the central bank adds before the load (representative velocity, amount and counterparty rules that alert; docs/risk.md), to measure their cost")
	fl.BoolVar(&f.cfg.SpendingRules, "spending-rules", false, "every wallet gets a spending rule (a daily cap and a payee check that the load's payments pass; docs/spending-rules.md), to measure their cost")
	fl.BoolVar(&f.cfg.IdempotencyKeys, "idempotency-keys", false, "send a unique Idempotency-Key with every request (the server then stores one record per request)")
	fl.StringVar(&f.jsonFile, "json", "", "also write the results as JSON to this file (- for stdout)")
	fl.StringVar(&f.plot, "plot", "", "draw the results as a PNG to this file: transfers/s and p99 latency against the swept value")
	fl.StringVar(&f.plotFrom, "plot-from", "", "with --plot: draw from this file, written earlier by --json, instead of running")
	return c
}

func runBench(ctx context.Context, f benchFlags, changed func(string) bool, stdout, stderr io.Writer) error {
	if err := checkPlotFlags(f); err != nil {
		return err
	}
	if f.plotFrom != "" {
		return plotFromFile(f, changed)
	}
	cfg := f.cfg
	cfg.Out = stdout
	if cfg.URL != "" {
		for _, name := range []string{"db", "max-batch", "no-log", "pipeline"} {
			if changed(name) {
				return fmt.Errorf("--%s is for the in-process server; it does not go with --url", name)
			}
		}
		if cfg.Key == "" {
			return errors.New("--url needs --key, the central bank's API key (or INGOT_ADMIN_KEY)")
		}
		ws, err := parseList("wallets", f.wallets)
		if err != nil {
			return err
		}
		if len(ws) > 1 {
			return errors.New("--wallets takes one value with --url: a sweep needs a new database per value")
		}
		cfg.Wallets = ws[0]
		cfg.Target = bench.Target{URL: cfg.URL}
		return benchOnce(ctx, f, cfg, stdout, stderr)
	}
	if changed("key") {
		return errors.New("--key goes with --url; the in-process server makes its own")
	}
	sw, err := newSweep(f.maxBatch, f.wallets)
	if err != nil {
		return err
	}
	if len(sw.values) > 1 && f.cpuprofile != "" {
		return fmt.Errorf("--cpuprofile takes one --%s value", sw.flag)
	}
	var results []*bench.Result
	var failed error
	for k, v := range sw.values {
		db := f.db
		if k > 0 {
			if db, err = benchDBFor(ctx, f.db, sw.flag, v); err != nil {
				return err
			}
			fmt.Fprintln(stdout)
		}
		mb, wallets := sw.point(k)
		cfg.Wallets = wallets
		res, err := benchInProcess(ctx, f, cfg, db, mb, stdout, stderr)
		if err != nil && res == nil {
			return err
		}
		if err != nil && failed == nil {
			failed = err
		}
		results = append(results, res)
	}
	if len(results) > 1 {
		printComparison(stdout, sw.flag, results)
	}
	if err := writeJSON(f.jsonFile, results, stdout); err != nil {
		return err
	}
	if err := writePlot(f.plot, results); err != nil {
		return err
	}
	return failed
}

// benchInProcess starts an in-process server on db with maxBatch and runs
// the benchmark against it. A run whose checks fail returns its result and
// an error.
func benchInProcess(ctx context.Context, f benchFlags, cfg bench.Config, db string, maxBatch int, stdout, stderr io.Writer) (*bench.Result, error) {
	srv, err := startBenchServer(ctx, db, maxBatch, f.pipeline, !f.noLog, stderr)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	cfg.URL, cfg.Key, cfg.Fresh = srv.url, srv.key, true
	logOn := !f.noLog
	cfg.Target = bench.Target{URL: srv.url, InProcess: true, Store: srv.store, MaxBatch: maxBatch, Log: &logOn}
	fmt.Fprintf(stdout, "in-process server on %s: %s, max-batch %d, pipeline %d, transparency log %s\n", srv.url, srv.desc, maxBatch, srv.pipeline, onOff(logOn))
	var profile func(bool)
	if f.cpuprofile != "" {
		pf, err := os.Create(f.cpuprofile)
		if err != nil {
			return nil, err
		}
		defer pf.Close()
		profile = func(start bool) {
			if !start {
				pprof.StopCPUProfile()
				return
			}
			if err := pprof.StartCPUProfile(pf); err != nil {
				fmt.Fprintln(stderr, "ingot bench: cpu profile:", err)
			}
		}
	}
	cfg.OnLoad = func(start bool) {
		when := "after setup"
		if !start {
			when = "after the load"
		}
		if m := selfMemory(); m != "" {
			fmt.Fprintf(stdout, "memory %s: %s (this process: server and load generator)\n", when, m)
		}
		if profile != nil {
			profile(start)
		}
	}
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return res, verdict(res)
}

// benchOnce runs against a server that is already set in cfg.
func benchOnce(ctx context.Context, f benchFlags, cfg bench.Config, stdout, _ io.Writer) error {
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if err := writeJSON(f.jsonFile, []*bench.Result{res}, stdout); err != nil {
		return err
	}
	if err := writePlot(f.plot, []*bench.Result{res}); err != nil {
		return err
	}
	return verdict(res)
}

func verdict(res *bench.Result) error {
	switch {
	case !res.Books.Balanced:
		return errors.New("the books do not balance")
	case !res.Log.OK:
		return errors.New("the transparency log does not check out")
	}
	return nil
}

// writeJSON writes --json: one result as an object, several as a list.
func writeJSON(file string, results []*bench.Result, stdout io.Writer) error {
	if file == "" {
		return nil
	}
	var v any = results
	if len(results) == 1 {
		v = results[0]
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if file == "-" {
		_, err = stdout.Write(b)
	} else {
		err = os.WriteFile(file, b, 0o644)
	}
	if err != nil {
		return fmt.Errorf("--json: %w", err)
	}
	return nil
}

// benchServer is ingot serve in-process, for bench: a fresh database, a
// random central bank key, 127.0.0.1 on a free port.
type benchServer struct {
	url, key string
	store    string // sqlite or postgres
	desc     string
	stop     func()
	pipeline int // engine batches in flight
}

// startBenchServer builds the server as serve does (same engine, service,
// handler, metrics, HTTP timeouts and default rate limits), except that the
// log's signing key is beside the SQLite file or in a temporary directory,
// the transparency log may be off, and request logs are formatted but only
// warnings and errors are written (to stderr).
func startBenchServer(ctx context.Context, db string, maxBatch, pipeline int, withLog bool, stderr io.Writer) (_ *benchServer, err error) {
	if maxBatch < 1 {
		return nil, errors.New("--max-batch must be at least 1")
	}
	if pipeline < 0 {
		return nil, errors.New("--pipeline must be 0 (the store's choice) or more")
	}
	var cleanup []func()
	defer func() {
		if err != nil {
			for i := len(cleanup) - 1; i >= 0; i-- {
				cleanup[i]()
			}
		}
	}()
	tmp, err := os.MkdirTemp("", "ingot-bench-")
	if err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { _ = os.RemoveAll(tmp) })
	desc := "PostgreSQL " + redactURL(db)
	keyFile := filepath.Join(tmp, "log-signing.key")
	switch {
	case db == "":
		db = filepath.Join(tmp, "ingot.db")
		desc = "SQLite " + db + " (temporary)"
	case !isPostgres(db):
		desc = "SQLite " + db
		keyFile = filepath.Join(filepath.Dir(db), "log-signing.key")
	}

	st, err := openStore(ctx, db)
	if err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if n, err := st.CountAPIKeys(ctx, ingot.RoleCentralBank); err != nil {
		return nil, err
	} else if n > 0 {
		return nil, fmt.Errorf("--db %s is not empty: bench needs a new database (or use --url to drive a running server)", redactURL(db))
	}

	var signer *translog.Signer
	if withLog {
		if signer, err = translog.LoadSigner("", keyFile, defaultOrigin); err != nil {
			return nil, fmt.Errorf("transparency log key: %w", err)
		}
	}
	log := slog.New(slog.NewMultiHandler(
		slog.NewJSONHandler(io.Discard, nil),
		slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}),
	))
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	eng := ledger.NewEngine(st, ledger.Options{MaxBatch: maxBatch, Pipeline: pipeline, Logger: log, Registerer: reg, Signer: signer})
	cleanup = append(cleanup, func() { eng.Close() })
	// A fresh, throwaway database: a throwaway data key.
	dataKey, err := pii.ParseKey(pii.GenerateKey())
	if err != nil {
		return nil, err
	}
	stk, err := newStack(st, eng, dataKey, log, reg, stackConfig{sandbox: true,
		hardening: httpapi.Hardening{RateLimit: defaultRateLimit, SigninRateLimit: defaultSigninRateLimit}})
	if err != nil {
		return nil, err
	}
	svc := stk.svc
	key := ledger.TestKeyPrefix + "bench_" + uuid.NewString()
	if _, err := svc.Bootstrap(ctx, key); err != nil {
		return nil, fmt.Errorf("bootstrap the central bank key: %w", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{
		Handler:           stk.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	go svc.RunExpiry(runCtx, time.Second)
	go func() { _ = srv.Serve(ln) }()
	stop := func() {
		shCtx, shCancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer shCancel()
		_ = srv.Shutdown(shCtx)
		cancel()
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}
	kind := "sqlite"
	if isPostgres(db) {
		kind = "postgres"
	}
	return &benchServer{url: "http://" + ln.Addr().String(), key: key, store: kind, desc: desc, stop: stop, pipeline: eng.Pipeline()}, nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// redactURL hides a password in a postgres URL.
func redactURL(db string) string {
	if !isPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://..."
	}
	return u.Redacted()
}
