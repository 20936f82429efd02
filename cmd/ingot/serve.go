package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/postgres"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/translog"
	"github.com/ingot-cbdc/ingot/webhook"
)

// testReady, when set by a test, receives the address serve listens on.
var testReady chan<- string

type serveConfig struct {
	addr       string
	db         string
	dbRead     string // --db-read-url: a replica for reads that may be stale
	maxBatch   int
	pipeline   int
	amlFile    string // --aml-thresholds
	logFormat  string
	keyFile    string
	prevKey    string // --previous-signing-key-file
	nextKey    string // --next-signing-key-file
	origin     string
	dataKey    string
	dataKeyID  string
	sandbox    bool
	zone       string
	country    string
	publicURL  string
	smsGateway string
	qrScheme   string
	// Offline devices' largest and default limits (docs/offline-and-ussd.md).
	offlineMaxBalance, offlineMaxPayment string
	ussdSecret                           string
	// Webhooks: endpoints at any address (--sandbox implies it), and the
	// lease of an endpoint a process sends to.
	webhookAllowPrivate bool
	webhookLease        time.Duration
	// standingInterval is how often the process runs the standing orders
	// due (0: never).
	standingInterval time.Duration
	transport        transportConfig // transport.go
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
				"addr": "INGOT_ADDR", "db": "INGOT_DB", "db-read-url": "INGOT_DB_READ_URL", "max-batch": "INGOT_MAX_BATCH", "pipeline": "INGOT_PIPELINE", "log-format": "INGOT_LOG_FORMAT",
				"signing-key-file": "INGOT_SIGNING_KEY_FILE", "log-origin": "INGOT_LOG_ORIGIN",
				"data-key-file": "INGOT_DATA_KEY_FILE", "sandbox": "INGOT_SANDBOX", "zone": "INGOT_ZONE", "country": "INGOT_COUNTRY",
				"public-url": "INGOT_PUBLIC_URL", "sms-gateway-url": "INGOT_SMS_GATEWAY_URL", "ussd-secret": "INGOT_USSD_SECRET",
				"data-key-id": "INGOT_DATA_KEY_ID", "previous-signing-key-file": "INGOT_PREVIOUS_SIGNING_KEY_FILE",
				"next-signing-key-file": "INGOT_NEXT_SIGNING_KEY_FILE", "qr-guid": "INGOT_QR_GUID",
				"offline-max-balance": "INGOT_OFFLINE_MAX_BALANCE", "offline-max-payment": "INGOT_OFFLINE_MAX_PAYMENT",
				"webhook-allow-private": "INGOT_WEBHOOK_ALLOW_PRIVATE", "webhook-lease": "INGOT_WEBHOOK_LEASE",
				"aml-thresholds": "INGOT_AML_THRESHOLDS", "standing-interval": "INGOT_STANDING_INTERVAL",
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
	f.StringVar(&cfg.dbRead, "db-read-url", "", "a postgres:// URL of a replica (or of a proxy over replicas) for reads that may be slightly stale: wallets' histories and statements; everything that decides money reads --db (env INGOT_DB_READ_URL; docs/high-availability.md)")
	f.IntVar(&cfg.maxBatch, "max-batch", ledger.DefaultMaxBatch, "largest engine batch, in transfers; 1: one transaction per command (env INGOT_MAX_BATCH)")
	f.StringVar(&cfg.amlFile, "aml-thresholds", "", "a JSON file of the built-in AML thresholds per currency (docs/risk.md); default PBoC's figures in every currency's major units (env INGOT_AML_THRESHOLDS)")
	f.IntVar(&cfg.pipeline, "pipeline", 0, "engine batches in flight: the next is built while one commits; 0: the store's choice (SQLite 2, PostgreSQL 1); 1: one at a time (env INGOT_PIPELINE)")
	f.StringVar(&cfg.logFormat, "log-format", "json", "log format: json or text (env INGOT_LOG_FORMAT)")
	f.StringVar(&cfg.keyFile, "signing-key-file", "", "file of the transparency log's Ed25519 signing key, made 0600 at first start; default: beside the SQLite file, or ingot-data/log-signing.key (env INGOT_SIGNING_KEY_FILE; INGOT_SIGNING_KEY holds the key itself)")
	f.StringVar(&cfg.prevKey, "previous-signing-key-file", "", "during a rotation of the log's key: file of the key the signing key replaces; while the log is signed by it, the next checkpoint is signed by both and announces the new key (env INGOT_PREVIOUS_SIGNING_KEY_FILE; INGOT_PREVIOUS_SIGNING_KEY holds the key itself; docs/keys.md)")
	f.StringVar(&cfg.nextKey, "next-signing-key-file", "", "during a rotation of the log's key: file of the key that replaces the signing key; once another process has announced it, this one signs with it too (env INGOT_NEXT_SIGNING_KEY_FILE; INGOT_NEXT_SIGNING_KEY holds the key itself; docs/keys.md)")
	f.StringVar(&cfg.dataKey, "data-key-file", "", "file of the AES-256 data keys that seal holders' personal data (\"<key id> <base64 key>\" lines, oldest first), made 0600 at first start; default: beside the SQLite file, or ingot-data/data.key (env INGOT_DATA_KEY_FILE; INGOT_DATA_KEY holds the keys themselves)")
	f.StringVar(&cfg.dataKeyID, "data-key-id", "", "seal new personal data with the data key of this id rather than the keyring's newest, while a new key reaches every process (env INGOT_DATA_KEY_ID; docs/keys.md)")
	f.StringVar(&cfg.zone, "zone", ledger.DefaultZone, "time zone of the days and years of daily and yearly limits (env INGOT_ZONE)")
	f.StringVar(&cfg.country, "country", ledger.DefaultCountry, "jurisdiction (ISO 3166-1 alpha-2) of operators registered without one (env INGOT_COUNTRY)")
	f.BoolVar(&cfg.sandbox, "sandbox", false, "serve the built-in sandbox bank (deposit accounts in this database, /v1/sandbox/bank/...) as the bank connector: for tests and the quickstart, never in production (env INGOT_SANDBOX)")
	f.StringVar(&cfg.origin, "log-origin", defaultOrigin, "the transparency log's origin line, also the key's name (env INGOT_LOG_ORIGIN)")
	f.StringVar(&cfg.publicURL, "public-url", "http://localhost:8080", "where wallets reach this server: WebAuthn's relying party (its host is the RP id) (env INGOT_PUBLIC_URL)")
	f.StringVar(&cfg.smsGateway, "sms-gateway-url", "", "an SMS gateway's URL, POSTed {\"phone\",\"text\"} for each sign-in and approval code; without it (and without --sandbox) holders cannot sign in (env INGOT_SMS_GATEWAY_URL)")
	f.StringVar(&cfg.ussdSecret, "ussd-secret", "", "the secret the USSD gateway sends in the header X-Ussd-Secret; without it POST /v1/ussd does not exist (docs/offline-and-ussd.md). Prefer the environment: a flag shows in the process list (env INGOT_USSD_SECRET)")
	f.StringVar(&cfg.qrScheme, "qr-guid", ledger.DefaultQRScheme, "the globally unique identifier of this scheme's merchant QR codes (EMVCo tag 26, sub-tag 00): written in them, and required of scanned ones (env INGOT_QR_GUID)")
	f.StringVar(&cfg.offlineMaxBalance, "offline-max-balance", ledger.DefaultOfflineMaxBalance, "the most an offline device may hold, and the default, in units of its wallet's currency (docs/offline-and-ussd.md) (env INGOT_OFFLINE_MAX_BALANCE)")
	f.StringVar(&cfg.offlineMaxPayment, "offline-max-payment", ledger.DefaultOfflineMaxPayment, "the most an offline device may pay at a time, and the default (env INGOT_OFFLINE_MAX_PAYMENT)")
	f.BoolVar(&cfg.webhookAllowPrivate, "webhook-allow-private", false, "let webhook endpoints be at loopback, private and link-local addresses, which are otherwise refused (server-side request forgery); --sandbox implies it (env INGOT_WEBHOOK_ALLOW_PRIVATE)")
	f.DurationVar(&cfg.webhookLease, "webhook-lease", webhook.DefaultLease, "how long a process holds a webhook endpoint it sends to: after a crash, another process resumes its deliveries within this; an attempt times out after 10s or half of it (env INGOT_WEBHOOK_LEASE)")
	f.DurationVar(&cfg.standingInterval, "standing-interval", 5*time.Second, "how often this process pays the standing orders' occurrences due (docs/standing-orders.md); 0: never, for processes that should leave it to others (env INGOT_STANDING_INTERVAL)")
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
	if cfg.pipeline < 0 {
		return errors.New("--pipeline must be 0 (the store's choice) or more")
	}
	if cfg.webhookLease < time.Second {
		return errors.New("--webhook-lease must be at least 1s")
	}
	if cfg.standingInterval < 0 {
		return errors.New("--standing-interval must be 0 (never) or more")
	}
	if cfg.dbRead != "" && (!isPostgres(cfg.dbRead) || !isPostgres(cfg.db)) {
		return errors.New("--db-read-url needs a postgres:// URL, and --db on PostgreSQL")
	}
	if err := ledger.CheckOfflineLimits(cfg.offlineMaxBalance, cfg.offlineMaxPayment); err != nil {
		return err
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

	if _, err := ledger.ParseCountry(cfg.country); err != nil {
		return fmt.Errorf("--country: %w", err)
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
	var aml map[string]risk.Thresholds
	if cfg.amlFile != "" {
		fh, err := os.Open(cfg.amlFile)
		if err != nil {
			return fmt.Errorf("--aml-thresholds: %w", err)
		}
		aml, err = risk.ParseThresholds(fh)
		fh.Close()
		if err != nil {
			return fmt.Errorf("--aml-thresholds %s: %w", cfg.amlFile, err)
		}
	}
	eng := ledger.NewEngine(st, ledger.Options{MaxBatch: cfg.maxBatch, Pipeline: cfg.pipeline, Logger: log, Registerer: reg, Signer: signer, Zone: zone, Country: cfg.country,
		Risk: ledger.RiskOptions{Thresholds: aml}})
	defer eng.Close()
	keys, err := loadDataKey(cfg.db, cfg.dataKey, cfg.dataKeyID, env)
	if err != nil {
		return err
	}
	stk, err := newStack(st, eng, keys, log, reg, stackConfig{sandbox: cfg.sandbox, publicURL: cfg.publicURL, smsGateway: cfg.smsGateway, qrScheme: cfg.qrScheme, hardening: tr.hardening,
		offlineMaxBalance: cfg.offlineMaxBalance, offlineMaxPayment: cfg.offlineMaxPayment,
		ussdSecret:          cfg.ussdSecret,
		webhookAllowPrivate: cfg.webhookAllowPrivate, webhookLease: cfg.webhookLease})
	if err != nil {
		return err
	}
	svc := stk.svc
	if cfg.dbRead != "" {
		rs, err := postgres.Open(ctx, cfg.dbRead)
		if err != nil {
			return fmt.Errorf("--db-read-url: %w", err)
		}
		defer rs.Close()
		svc.WithStaleReads(rs)
	}
	if cfg.sandbox {
		log.WarnContext(ctx, "the sandbox is on: bank accounts and operations go to a test bank in this database, text messages to it too, keys are ingot_test_")
	}

	secret, err := svc.Bootstrap(ctx, env("INGOT_ADMIN_KEY"))
	if err != nil {
		return fmt.Errorf("bootstrap the central bank key: %w", err)
	}
	if secret != "" {
		fmt.Fprintf(stdout, "\nCentral bank API key (shown once, store it safely; it is not kept in clear anywhere):\n\n    %s\n\n", secret)
	}
	if cfg.sandbox { // after the central bank's first key
		revoke, err := stk.developers(ctx)
		if err != nil {
			return err
		}
		defer revoke()
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
		Handler:           stk.handler,
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
	go svc.RunScreening(runCtx, 2*time.Second)
	if cfg.standingInterval > 0 {
		go svc.RunStandingScheduler(runCtx, cfg.standingInterval)
	}
	delivered := make(chan struct{})
	go func() {
		defer close(delivered)
		stk.deliverer.Run(runCtx)
	}()
	// Before the store closes: attempts under way end and are recorded.
	defer func() {
		cancel()
		<-delivered
	}()

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
// refuses to serve when the log's latest checkpoint was signed by a key
// this process does not hold: every process writing one log signs with the
// log's current key. During a rotation (docs/keys.md) it also holds the
// previous or the next key, and announces its own key over the previous
// one, or follows the log to the next.
func loadSigner(ctx context.Context, st store.Store, cfg serveConfig, env func(string) string) (*translog.Signer, error) {
	signer, err := translog.LoadSigner(env("INGOT_SIGNING_KEY"), signingKeyPath(cfg.db, cfg.keyFile), cfg.origin)
	if err != nil {
		return nil, fmt.Errorf("transparency log key: %w", err)
	}
	prev, next, err := rotationKeys(cfg.prevKey, cfg.nextKey, cfg.origin, env)
	if err != nil {
		return nil, err
	}
	// Before each signature the signer reads the latest checkpoint (with
	// the log head locked by the batch): it signs with the log's current
	// key, and refuses to sign once another process moved the log to a key
	// it does not hold.
	latest := func() ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cp, err := st.LatestCheckpoint(ctx)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		return cp.Note, err
	}
	if signer, err = signer.WithRotation(prev, next, latest); err != nil {
		return nil, fmt.Errorf("transparency log key: %w", err)
	}
	cp, err := st.LatestCheckpoint(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("read the latest checkpoint: %w", err)
	}
	if err := signer.Resume(cp.Note); err != nil {
		return nil, fmt.Errorf("the log's latest checkpoint (size %d) is not signed by this process's key (origin %q): every process of one log must hold the key that signs it (INGOT_SIGNING_KEY or --signing-key-file; during a rotation, the previous or next key: docs/keys.md): %w", cp.Size, cfg.origin, err)
	}
	e := signer.Epoch()
	switch {
	case prev != nil && e.Key == prev.OwnVerifierKey():
		slog.InfoContext(ctx, "transparency log key rotation: the next checkpoint announces this key", "key", signer.OwnVerifierKey(), "previous_key", e.Key)
	case next != nil && e.Key == next.OwnVerifierKey():
		slog.InfoContext(ctx, "transparency log key rotation: the log is signed by the next key; this process signs with it", "key", e.Key, "since_tree_size", e.Since)
	case prev != nil || next != nil:
		slog.InfoContext(ctx, "transparency log key rotation: this process follows the log's key", "key", e.Key, "since_tree_size", e.Since)
	}
	return signer, nil
}

// rotationKeys loads the previous and next signing keys, when given
// (environment first, then the file; never created).
func rotationKeys(prevFile, nextFile, origin string, env func(string) string) (prev, next *translog.Signer, err error) {
	if prev, err = translog.LoadExistingSigner(env("INGOT_PREVIOUS_SIGNING_KEY"), prevFile, origin); err != nil {
		return nil, nil, fmt.Errorf("previous transparency log key: %w", err)
	}
	if next, err = translog.LoadExistingSigner(env("INGOT_NEXT_SIGNING_KEY"), nextFile, origin); err != nil {
		return nil, nil, fmt.Errorf("next transparency log key: %w", err)
	}
	return prev, next, nil
}

// signingKeyPath is the signing key file: file, or log-signing.key in the
// default directory of db.
func signingKeyPath(db, file string) string {
	if file != "" {
		return file
	}
	return filepath.Join(dataDir(db), "log-signing.key")
}

// loadDataKey loads (or, at first start, makes) the keyring of data keys
// that seal holders' personal data: INGOT_DATA_KEY, else the key file. New
// values are sealed with its newest key, or the key of id (--data-key-id).
func loadDataKey(db, path, id string, env func(string) string) (*pii.Keys, error) {
	k, err := pii.LoadOrCreateKey(env("INGOT_DATA_KEY"), dataKeyPath(db, path))
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	return withSealKey(k, id)
}

// dataDir is where keys live by default: beside the SQLite file, or
// ingot-data for PostgreSQL.
func dataDir(db string) string {
	if isPostgres(db) {
		return "ingot-data"
	}
	return filepath.Dir(db)
}
