// Command ingot runs the Ingot CBDC ledger.
//
//	ingot serve     run the API (migrates first)
//	ingot migrate   apply database migrations
//	ingot verify    check a database offline: its transparency log and its books
//	ingot audit     audit a live server's transparency log as an outside auditor
//	ingot bench     measure throughput and latency
//	ingot rekey     re-seal personal data with the newest data key, online
//	ingot keys      add a data key, make a new log signing key
//	ingot device    act out an offline device (docs/offline-and-ussd.md)
//	ingot ussd-sim  a feature phone in the terminal, against a server's USSD menus
//
// Flags have INGOT_* environment equivalents; a flag given on the command
// line wins over the environment.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ingot:", err)
		os.Exit(1)
	}
}

// Defaults.
const (
	defaultAddr = "127.0.0.1:8080"
	defaultDB   = "ingot-data/ingot.db"
)

// run is the whole program: args without the program name, env for
// INGOT_* variables. It returns when the command is done or ctx ends.
func run(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	root := &cobra.Command{
		Use:           "ingot",
		Short:         "Ingot, a two-tier CBDC ledger",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetContext(ctx)
	root.AddCommand(serveCmd(env, stdout, stderr), migrateCmd(env, stdout, stderr), verifyCmd(env, stdout, stderr), auditCmd(env, stdout, stderr))
	root.AddCommand(benchCmd(env, stdout, stderr))
	root.AddCommand(rekeyCmd(env, stdout, stderr), keysCmd(env, stdout, stderr))
	root.AddCommand(deviceCmd(env, stdout)) // device.go
	root.AddCommand(ussdSimCmd(env, stdout, stderr))
	return root.ExecuteContext(ctx)
}

// fromEnv sets each flag that was not given on the command line from its
// environment variable.
func fromEnv(fs *pflag.FlagSet, env func(string) string, vars map[string]string) error {
	for name, v := range vars {
		f := fs.Lookup(name)
		if f == nil || f.Changed {
			continue
		}
		if val := env(v); val != "" {
			if err := f.Value.Set(val); err != nil {
				return fmt.Errorf("%s=%q: %w", v, val, err)
			}
		}
	}
	return nil
}

func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	}
	return nil, errors.New("--log-format must be json or text")
}

func migrateCmd(env func(string) string, stdout, stderr io.Writer) *cobra.Command {
	var db string
	c := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the database migrations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := fromEnv(cmd.Flags(), env, map[string]string{"db": "INGOT_DB"}); err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := openStore(ctx, db)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.Migrate(ctx); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			fmt.Fprintln(stdout, "migrations applied")
			return nil
		},
	}
	c.Flags().StringVar(&db, "db", defaultDB, "SQLite file path, or a postgres:// URL (env INGOT_DB)")
	return c
}
