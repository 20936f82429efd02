package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
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
	prevKey string
	nextKey string
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
ingot-data/log-signing.key for PostgreSQL), and during a rotation the
previous and next keys, as serve takes them. verify never creates a key.

A log whose key was rotated names its keys in its checkpoints: verify follows
that chain of announcements and checks every checkpoint with the key of its
epoch (an announcement with the keys before and after it); a key it trusts
(--log-key, or one derived from the signing keys) must be in the chain.

Exit status 0 when everything holds; otherwise 1, with the first transfer,
checkpoint, log hash, account or hold that is wrong, and why, on stderr.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := fromEnv(cmd.Flags(), env, map[string]string{
				"db": "INGOT_DB", "log-key": "INGOT_LOG_KEY",
				"signing-key-file": "INGOT_SIGNING_KEY_FILE", "log-origin": "INGOT_LOG_ORIGIN",
				"previous-signing-key-file": "INGOT_PREVIOUS_SIGNING_KEY_FILE", "next-signing-key-file": "INGOT_NEXT_SIGNING_KEY_FILE",
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
	f.StringVar(&cfg.prevKey, "previous-signing-key-file", "", "file of the previous signing key during a rotation, also trusted (env INGOT_PREVIOUS_SIGNING_KEY_FILE; INGOT_PREVIOUS_SIGNING_KEY holds the key itself)")
	f.StringVar(&cfg.nextKey, "next-signing-key-file", "", "file of the next signing key during a rotation, also trusted (env INGOT_NEXT_SIGNING_KEY_FILE; INGOT_NEXT_SIGNING_KEY holds the key itself)")
	f.StringVar(&cfg.origin, "log-origin", defaultOrigin, "the log's origin (env INGOT_LOG_ORIGIN); with --log-key and no origin given: the key's name")
	return c
}

func runVerify(cmd *cobra.Command, cfg verifyConfig, originSet bool, env func(string) string, stdout io.Writer) error {
	ctx := cmd.Context()
	if cfg.db == "" {
		return errors.New("--db is empty")
	}
	vkeys, origin, err := verifierKeys(cfg, originSet, env)
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
	rep, err := verify.DatabaseTrusting(ctx, st, origin, vkeys...)
	if err != nil {
		var p *verify.Problem
		if errors.As(err, &p) {
			return fmt.Errorf("verify FAILED: %w", err)
		}
		return fmt.Errorf("verify could not finish: %w", err)
	}
	fmt.Fprintf(stdout, "log %s: %d transfers, %d signed checkpoints, %d stored hashes, tree size %d, root %s\n",
		rep.Origin, rep.Transfers, rep.Checkpoints, rep.Hashes, rep.TreeSize, rep.Root)
	for i, e := range rep.Keys {
		if len(rep.Keys) > 1 {
			fmt.Fprintf(stdout, "signing key %d, from tree size %d: %s\n", i+1, e.Since, e.Key)
		}
	}
	fmt.Fprintf(stdout, "books: %d accounts and %d holds agree with the replay of the log; %d currencies sum to zero\n",
		rep.Accounts, rep.Holds, rep.Currencies)
	fmt.Fprintln(stdout, "OK")
	return nil
}

// verifierKeys returns the verifier keys verify trusts and the log's
// origin: --log-key, or the verifier keys of the signing key
// (INGOT_SIGNING_KEY, or the key file) and of the previous and next keys
// when given, never creating one.
func verifierKeys(cfg verifyConfig, originSet bool, env func(string) string) (vkeys []string, origin string, err error) {
	if cfg.logKey != "" {
		v, err := note.NewVerifier(strings.TrimSpace(cfg.logKey))
		if err != nil {
			return nil, "", fmt.Errorf("--log-key: %v", err)
		}
		origin = v.Name()
		if originSet && cfg.origin != origin {
			return nil, "", fmt.Errorf("--log-key is named %q, but --log-origin is %q", v.Name(), cfg.origin)
		}
		return []string{strings.TrimSpace(cfg.logKey)}, origin, nil
	}
	if err := translog.CheckOrigin(cfg.origin); err != nil {
		return nil, "", err
	}
	skey := env("INGOT_SIGNING_KEY")
	source := "INGOT_SIGNING_KEY"
	if strings.TrimSpace(skey) == "" {
		path := signingKeyPath(cfg.db, cfg.keyFile)
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("no signing key file at %s: give the log's verifier key with --log-key (GET /v1/log/key serves it), or the signing key with --signing-key-file or INGOT_SIGNING_KEY; verify never creates a key", path)
		}
		if err != nil {
			return nil, "", fmt.Errorf("signing key file: %w", err)
		}
		skey, source = string(data), path
	}
	s, err := translog.NewSigner(skey)
	if err != nil {
		return nil, "", fmt.Errorf("signing key from %s: %w", source, err)
	}
	if s.Name() != cfg.origin {
		return nil, "", fmt.Errorf("the signing key from %s is named %q, but the log's origin is %q (--log-origin)", source, s.Name(), cfg.origin)
	}
	vkeys = []string{s.VerifierKey()}
	prev, next, err := rotationKeys(cfg.prevKey, cfg.nextKey, cfg.origin, env)
	if err != nil {
		return nil, "", err
	}
	for _, o := range []*translog.Signer{prev, next} {
		if o != nil {
			vkeys = append(vkeys, o.VerifierKey())
		}
	}
	return vkeys, cfg.origin, nil
}
