package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/ingot-cbdc/ingot/bank"
	"github.com/ingot-cbdc/ingot/httpapi"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/translog"
)

// testReady, when set by a test, receives the address serve listens on.
var testReady chan<- string

type serveConfig struct {
	addr      string
	db        string
	maxBatch  int
	logFormat string
	keyFile   string
	origin    string
	dataKey   string
	sandbox   bool
	zone      string
	transport transportConfig // transport.go
}

func serveCmd(env func(string) string, stdout, stderr io.Writer) *cobra.Command {
	var cfg serveConfig
	var transportEnv map[string]string // transport.go's flags
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the API (applies migrations first)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := fromEnv(cmd.Flags(), env, map[string]string{
				"addr": "INGOT_ADDR", "db": "INGOT_DB", "max-batch": "INGOT_MAX_BATCH", "log-format": "INGOT_LOG_FORMAT",
				"signing-key-file": "INGOT_SIGNING_KEY_FILE", "log-origin": "INGOT_LOG_ORIGIN",
				"data-key-file": "INGOT_DATA_KEY_FILE", "sandbox": "INGOT_SANDBOX", "zone": "INGOT_ZONE",
			}); err != nil {
				return err
			}
			if err := fromEnv(cmd.Flags(), env, transportEnv); err != nil {
				return err
			}
			return serve(cmd.Context(), cfg, env, stdout, stderr, testReady)
		},
	}
	f := c.Flags()
	f.StringVar(&cfg.addr, "addr", defaultAddr, "listen address (env INGOT_ADDR)")
	f.StringVar(&cfg.db, "db", defaultDB, "SQLite file path, or a postgres:// URL (env INGOT_DB)")
	f.IntVar(&cfg.maxBatch, "max-batch", ledger.DefaultMaxBatch, "largest engine batch, in transfers; 1: one transaction per command (env INGOT_MAX_BATCH)")
	f.StringVar(&cfg.logFormat, "log-format", "json", "log format: json or text (env INGOT_LOG_FORMAT)")
	f.StringVar(&cfg.keyFile, "signing-key-file", "", "file of the transparency log's Ed25519 signing key, made 0600 at first start; default: beside the SQLite file, or ingot-data/log-signing.key (env INGOT_SIGNING_KEY_FILE; INGOT_SIGNING_KEY holds the key itself)")
	f.StringVar(&cfg.dataKey, "data-key-file", "", "file of the AES-256 data key that seals holders' personal data, made 0600 at first start; default: beside the SQLite file, or ingot-data/data.key (env INGOT_DATA_KEY_FILE; INGOT_DATA_KEY holds the key itself)")
	f.StringVar(&cfg.zone, "zone", ledger.DefaultZone, "time zone of the days and years of daily and yearly limits (env INGOT_ZONE)")
	f.BoolVar(&cfg.sandbox, "sandbox", false, "serve the built-in sandbox bank (deposit accounts in this database, /v1/sandbox/bank/...) as the bank connector: for tests and the quickstart, never in production (env INGOT_SANDBOX)")
	f.StringVar(&cfg.origin, "log-origin", defaultOrigin, "the transparency log's origin line, also the key's name (env INGOT_LOG_ORIGIN)")
	transportEnv = cfg.transport.flags(f)
	return c
}

// serve runs the server until ctx ends. ready, when not nil, receives the
// listening address once the server accepts connections (for tests).
func serve(ctx context.Context, cfg serveConfig, env func(string) string, stdout, stderr io.Writer, ready chan<- string) error {
	log, err := newLogger(cfg.logFormat, stderr)
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	if cfg.maxBatch < 1 {
		return errors.New("--max-batch must be at least 1")
	}
	tr, err := cfg.transport.load() // transport.go: TLS, limits, CORS
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg.db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}

	zone, err := time.LoadLocation(cfg.zone)
	if err != nil {
		return fmt.Errorf("--zone: %w", err)
	}
	signer, err := loadSigner(ctx, st, cfg, env)
	if err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	eng := ledger.NewEngine(st, ledger.Options{MaxBatch: cfg.maxBatch, Logger: log, Registerer: reg, Signer: signer, Zone: zone})
	defer eng.Close()
	keys, err := loadDataKey(cfg.db, cfg.dataKey, env)
	if err != nil {
		return err
	}
	svc := ledger.NewService(st, eng, log).WithPII(keys)
	var sandbox *bank.Sandbox
	if cfg.sandbox {
		sandbox = bank.NewSandbox(st, keys)
		svc.WithBank(sandbox, ledger.BankOptions{})
		log.WarnContext(ctx, "the sandbox bank is on: bank accounts and operations go to a test bank in this database")
	}

	secret, err := svc.Bootstrap(ctx, env("INGOT_ADMIN_KEY"))
	if err != nil {
		return fmt.Errorf("bootstrap the central bank key: %w", err)
	}
	if secret != "" {
		fmt.Fprintf(stdout, "\nCentral bank API key (shown once, store it safely; it is not kept in clear anywhere):\n\n    %s\n\n", secret)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	if err := tr.checkListener(ln.Addr()); err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           httpapi.NewServer(svc, httpapi.Options{Logger: log, Registry: reg, Sandbox: sandbox, Hardening: tr.hardening}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn), // TLS handshake errors, in the log's format
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go svc.RunExpiry(runCtx, time.Second)
	go svc.RunBankProcessor(runCtx, time.Second)

	errc := make(chan error, 1)
	go func() { errc <- tr.serve(srv, ln) }()
	tr.watchReload(runCtx, log)
	log.InfoContext(ctx, "ingot listening", "addr", ln.Addr().String(), "scheme", tr.scheme(), "max_batch", cfg.maxBatch)
	if tr.tls != nil {
		tr.logCertificate(ctx, log, "TLS certificate")
	}
	if ready != nil {
		ready <- ln.Addr().String()
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.InfoContext(ctx, "shutting down")
	shCtx, shCancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer shCancel()
	err = srv.Shutdown(shCtx)
	cancel()
	// Deferred: eng.Close (answers what is queued), then st.Close.
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// defaultOrigin names the log in checkpoints when --log-origin is not set.
const defaultOrigin = "ingot.local/log"

// loadSigner loads (or, at first start, makes) the log's signing key, and
// refuses to serve when the log's latest checkpoint was signed by another
// key: every process writing one log must share one key.
func loadSigner(ctx context.Context, st store.Store, cfg serveConfig, env func(string) string) (*translog.Signer, error) {
	path := cfg.keyFile
	if path == "" {
		path = filepath.Join(dataDir(cfg.db), "log-signing.key")
	}
	signer, err := translog.LoadSigner(env("INGOT_SIGNING_KEY"), path, cfg.origin)
	if err != nil {
		return nil, fmt.Errorf("transparency log key: %w", err)
	}
	cp, err := st.LatestCheckpoint(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return signer, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the latest checkpoint: %w", err)
	}
	if _, err := translog.OpenCheckpoint(cp.Note, signer.VerifierKey(), cfg.origin); err != nil {
		return nil, fmt.Errorf("the log's latest checkpoint (size %d) does not verify with this signing key and origin %q: every process of one log must use the same key (INGOT_SIGNING_KEY or --signing-key-file): %w", cp.Size, cfg.origin, err)
	}
	return signer, nil
}

// loadDataKey loads (or, at first start, makes) the data key that seals
// holders' personal data: INGOT_DATA_KEY, else the key file.
func loadDataKey(db, path string, env func(string) string) (*pii.Keys, error) {
	if path == "" {
		path = filepath.Join(dataDir(db), "data.key")
	}
	k, err := pii.LoadOrCreateKey(env("INGOT_DATA_KEY"), path)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	return k, nil
}

// dataDir is where keys live by default: beside the SQLite file, or
// ingot-data for PostgreSQL.
func dataDir(db string) string {
	if isPostgres(db) {
		return "ingot-data"
	}
	return filepath.Dir(db)
}
