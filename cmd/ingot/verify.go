package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/ingot-cbdc/ingot/translog"
	"github.com/ingot-cbdc/ingot/verify"
)

type verifyConfig struct {
	db      string
	logKey  string
	keyFile string
	origin  string
}

func verifyCmd(env func(string) string, stdout, stderr io.Writer) *cobra.Command {
	var cfg verifyConfig
	c := &cobra.Command{
		Use:   "verify",
		Short: "Check a database offline: the transparency log against its signed checkpoints, the balances against a replay of the log",
		Long: `verify reads the database (the server need not run; it writes nothing) and checks
that every stored transfer is the leaf the log recorded, that the tree rebuilt from
the transfers has the root of every signed checkpoint, that every stored log hash
is the rebuilt one, that no transfer is missing, added or outside the log, and that
replaying all transfers from zero balances gives every stored balance, every
transfer's balances after it, every wallet's held amount, and books that sum to
zero per currency.

The log's verifier key is --log-key (note verifier format, as GET /v1/log/key
serves it), or is derived from the signing key: INGOT_SIGNING_KEY, or the key
file (--signing-key-file; default, as for serve: beside the SQLite file, or
ingot-data/log-signing.key for PostgreSQL). verify never creates a key.

Exit status 0 when everything holds; otherwise 1, with the first transfer,
checkpoint, log hash, account or hold that is wrong, and why, on stderr.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := fromEnv(cmd.Flags(), env, map[string]string{
				"db": "INGOT_DB", "log-key": "INGOT_LOG_KEY",
				"signing-key-file": "INGOT_SIGNING_KEY_FILE", "log-origin": "INGOT_LOG_ORIGIN",
			}); err != nil {
				return err
			}
			originSet := cmd.Flags().Changed("log-origin") || env("INGOT_LOG_ORIGIN") != ""
			return runVerify(cmd, cfg, originSet, env, stdout)
		},
	}
	f := c.Flags()
	f.StringVar(&cfg.db, "db", defaultDB, "SQLite file path, or a postgres:// URL (env INGOT_DB)")
	f.StringVar(&cfg.logKey, "log-key", "", "the log's verifier key, note verifier format (env INGOT_LOG_KEY); default: derived from the signing key")
	f.StringVar(&cfg.keyFile, "signing-key-file", "", "file of the log's signing key, read to derive the verifier key when --log-key is not given; default: beside the SQLite file, or ingot-data/log-signing.key (env INGOT_SIGNING_KEY_FILE; INGOT_SIGNING_KEY holds the key itself)")
	f.StringVar(&cfg.origin, "log-origin", defaultOrigin, "the log's origin (env INGOT_LOG_ORIGIN); with --log-key and no origin given: the key's name")
	return c
}

func runVerify(cmd *cobra.Command, cfg verifyConfig, originSet bool, env func(string) string, stdout io.Writer) error {
	ctx := cmd.Context()
	if cfg.db == "" {
		return errors.New("--db is empty")
	}
	vkey, origin, err := verifierKey(cfg, originSet, env)
	if err != nil {
		return err
	}
	if !isPostgres(cfg.db) {
		// Opening a SQLite file that does not exist would create it.
		if _, err := os.Stat(cfg.db); err != nil {
			return fmt.Errorf("no database at %s: %w", cfg.db, err)
		}
	}
	st, err := openStore(ctx, cfg.db)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := verify.Database(ctx, st, vkey, origin)
	if err != nil {
		var p *verify.Problem
		if errors.As(err, &p) {
			return fmt.Errorf("verify FAILED: %w", err)
		}
		return fmt.Errorf("verify could not finish: %w", err)
	}
	fmt.Fprintf(stdout, "log %s: %d transfers, %d signed checkpoints, %d stored hashes, tree size %d, root %s\n",
		rep.Origin, rep.Transfers, rep.Checkpoints, rep.Hashes, rep.TreeSize, rep.Root)
	fmt.Fprintf(stdout, "books: %d accounts and %d holds agree with the replay of the log; %d currencies sum to zero\n",
		rep.Accounts, rep.Holds, rep.Currencies)
	fmt.Fprintln(stdout, "OK")
	return nil
}

// verifierKey returns the log's verifier key and origin: --log-key, or the
// verifier key of the signing key (INGOT_SIGNING_KEY, or the key file),
// never creating one.
func verifierKey(cfg verifyConfig, originSet bool, env func(string) string) (vkey, origin string, err error) {
	if cfg.logKey != "" {
		v, err := note.NewVerifier(strings.TrimSpace(cfg.logKey))
		if err != nil {
			return "", "", fmt.Errorf("--log-key: %v", err)
		}
		origin = v.Name()
		if originSet && cfg.origin != origin {
			return "", "", fmt.Errorf("--log-key is named %q, but --log-origin is %q", v.Name(), cfg.origin)
		}
		return strings.TrimSpace(cfg.logKey), origin, nil
	}
	if err := translog.CheckOrigin(cfg.origin); err != nil {
		return "", "", err
	}
	skey := env("INGOT_SIGNING_KEY")
	source := "INGOT_SIGNING_KEY"
	if strings.TrimSpace(skey) == "" {
		path := cfg.keyFile
		if path == "" {
			dir := "ingot-data"
			if !isPostgres(cfg.db) {
				dir = filepath.Dir(cfg.db)
			}
			path = filepath.Join(dir, "log-signing.key")
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return "", "", fmt.Errorf("no signing key file at %s: give the log's verifier key with --log-key (GET /v1/log/key serves it), or the signing key with --signing-key-file or INGOT_SIGNING_KEY; verify never creates a key", path)
		}
		if err != nil {
			return "", "", fmt.Errorf("signing key file: %w", err)
		}
		skey, source = string(data), path
	}
	s, err := translog.NewSigner(skey)
	if err != nil {
		return "", "", fmt.Errorf("signing key from %s: %w", source, err)
	}
	if s.Name() != cfg.origin {
		return "", "", fmt.Errorf("the signing key from %s is named %q, but the log's origin is %q (--log-origin)", source, s.Name(), cfg.origin)
	}
	return s.VerifierKey(), cfg.origin, nil
}
