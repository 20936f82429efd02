package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/translog"
)

// Key management: `ingot keys add-data-key` and `ingot keys
// new-signing-key`, and where the key files are by default. The rotation
// procedures are in docs/keys.md.

func keysCmd(env func(string) string, stdout, stderr io.Writer) *cobra.Command {
	c := &cobra.Command{
		Use:   "keys",
		Short: "Add a data key or make a new log signing key, to rotate them (docs/keys.md)",
		Args:  cobra.NoArgs,
	}
	c.AddCommand(addDataKeyCmd(env, stdout, stderr), newSigningKeyCmd(env, stdout))
	return c
}

func addDataKeyCmd(env func(string) string, stdout, stderr io.Writer) *cobra.Command {
	var db, file string
	var print bool
	c := &cobra.Command{
		Use:   "add-data-key",
		Short: "Add a new data key to the keyring file; it seals new values once the processes restart with it",
		Long: `add-data-key appends a new random data key, "<key id> <base64 key>", to the key file
(--data-key-file; default, as for serve: beside the SQLite file, or
ingot-data/data.key) and prints its id. The file must exist and hold a valid
keyring; it is replaced atomically and stays 0600.

A process reads its keyring when it starts: restart each one with the new file
(with several processes, first with --data-key-id set to the current key,
docs/keys.md), then run ingot rekey.

With --print nothing is written: the new entry is printed, to append to
INGOT_DATA_KEY (entries are separated by commas or newlines).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := fromEnv(cmd.Flags(), env, map[string]string{"db": "INGOT_DB", "data-key-file": "INGOT_DATA_KEY_FILE"}); err != nil {
				return err
			}
			if print {
				id, e := pii.GenerateKeyEntry()
				fmt.Fprintln(stdout, e)
				fmt.Fprintf(stderr, "new data key %s: append the line above to INGOT_DATA_KEY after a comma or a newline; it is a secret\n", id)
				return nil
			}
			if env("INGOT_DATA_KEY") != "" {
				return errors.New("INGOT_DATA_KEY is set: the keyring is in the environment, not in a file; use --print and append the entry to it")
			}
			path := dataKeyPath(db, file)
			id, err := pii.AddKeyFileKey(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "added data key %s to %s\n", id, path)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&db, "db", defaultDB, "the database whose default key file to use (env INGOT_DB)")
	f.StringVar(&file, "data-key-file", "", "the key file; default: beside the SQLite file, or ingot-data/data.key (env INGOT_DATA_KEY_FILE)")
	f.BoolVar(&print, "print", false, "print a new entry instead of writing the file (for INGOT_DATA_KEY)")
	return c
}

func newSigningKeyCmd(env func(string) string, stdout io.Writer) *cobra.Command {
	var out, origin string
	c := &cobra.Command{
		Use:   "new-signing-key",
		Short: "Make a new Ed25519 signing key for the transparency log, in a new 0600 file",
		Long: `new-signing-key makes a new Ed25519 note key named after the log's origin, writes
its private key to --out (a new file, mode 0600; an existing file is refused) and
prints its verifier key. Give it to the processes as the next, then the current
signing key to rotate the log's key (docs/keys.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := fromEnv(cmd.Flags(), env, map[string]string{"log-origin": "INGOT_LOG_ORIGIN"}); err != nil {
				return err
			}
			if out == "" {
				return errors.New("new-signing-key needs --out FILE")
			}
			if _, err := os.Lstat(out); !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%s exists: new-signing-key writes a new file only", out)
			}
			_, vkey, err := translog.LoadOrCreateKey(out, origin)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, vkey)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&out, "out", "", "the new key file")
	f.StringVar(&origin, "log-origin", defaultOrigin, "the log's origin, the key's name (env INGOT_LOG_ORIGIN)")
	return c
}

// dataKeyPath is the data key file: file, or data.key in the default
// directory of db.
func dataKeyPath(db, file string) string {
	if file != "" {
		return file
	}
	return filepath.Join(dataDir(db), "data.key")
}

// loadKeyring reads the keyring (INGOT_DATA_KEY, else the key file of
// dataKeyPath), never creating one, sealing with the key of id when id is
// not empty.
func loadKeyring(db, file, id string, env func(string) string) (*pii.Keys, error) {
	var k *pii.Keys
	var err error
	if v := env("INGOT_DATA_KEY"); v != "" {
		if k, err = pii.ParseKey(v); err != nil {
			return nil, fmt.Errorf("INGOT_DATA_KEY: %w", err)
		}
	} else if k, err = pii.LoadKeyFile(dataKeyPath(db, file)); err != nil {
		return nil, fmt.Errorf("data keys: %w", err)
	}
	return withSealKey(k, id)
}

// withSealKey applies --data-key-id.
func withSealKey(k *pii.Keys, id string) (*pii.Keys, error) {
	if id == "" {
		return k, nil
	}
	k, err := k.WithSealKey(id)
	if err != nil {
		return nil, fmt.Errorf("--data-key-id: %w", err)
	}
	return k, nil
}
