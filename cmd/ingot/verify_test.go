package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/verify/verifytest"
)

// ingotRun runs the ingot command line and returns its output and error.
func ingotRun(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, envOf(env), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestVerifyCommand(t *testing.T) {
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := verifytest.Build(t, kind)
			vkey := e.Signer.VerifierKey()

			out, _, err := ingotRun(t, nil, "verify", "--db", e.DSN, "--log-key", vkey)
			if err != nil {
				t.Fatalf("verify --log-key: %v", err)
			}
			if !strings.Contains(out, "OK") || !strings.Contains(out, fmt.Sprintf("%d transfers", len(e.IDs))) {
				t.Errorf("output %q", out)
			}
			// The key from the environment, the origin from a flag.
			if _, _, err := ingotRun(t, map[string]string{"INGOT_SIGNING_KEY": verifytest.SignerKey(), "INGOT_DB": e.DSN}, "verify", "--log-origin", verifytest.Origin); err != nil {
				t.Errorf("verify with INGOT_SIGNING_KEY: %v", err)
			}
			// INGOT_LOG_KEY.
			if _, _, err := ingotRun(t, map[string]string{"INGOT_LOG_KEY": vkey}, "verify", "--db", e.DSN); err != nil {
				t.Errorf("verify with INGOT_LOG_KEY: %v", err)
			}
			// A key file.
			keyFile := filepath.Join(t.TempDir(), "log-signing.key")
			if err := os.WriteFile(keyFile, []byte(verifytest.SignerKey()+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, _, err := ingotRun(t, nil, "verify", "--db", e.DSN, "--signing-key-file", keyFile, "--log-origin", verifytest.Origin); err != nil {
				t.Errorf("verify with a key file: %v", err)
			}
			// Wrong keys and origins.
			other := verifytest.NewSigner(verifytest.Origin).VerifierKey()
			if _, _, err := ingotRun(t, nil, "verify", "--db", e.DSN, "--log-key", other); err == nil || !strings.Contains(err.Error(), "does not verify") {
				t.Errorf("another key: %v", err)
			}
			if _, _, err := ingotRun(t, nil, "verify", "--db", e.DSN, "--log-key", vkey, "--log-origin", "other.test/log"); err == nil {
				t.Error("--log-key and another --log-origin: no error")
			}
			if _, _, err := ingotRun(t, nil, "verify", "--db", e.DSN, "--signing-key-file", keyFile); err == nil || !strings.Contains(err.Error(), "origin") {
				t.Errorf("key file of another origin than the default: %v", err)
			}

			// Tampering is reported, naming the transfer.
			id := e.IDs[7]
			e.Exec("UPDATE transfers SET amount = amount * 2 WHERE id = ?", "UPDATE transfers SET amount = amount * 2 WHERE id = $1", id)
			out, _, err = ingotRun(t, nil, "verify", "--db", e.DSN, "--log-key", vkey)
			if err == nil || !strings.Contains(err.Error(), "transfer "+id+" (log index 7)") || !strings.Contains(err.Error(), "FAILED") {
				t.Errorf("tampered database: %v (stdout %q)", err, out)
			}
		})
	}
}

func TestVerifyCommandNeverCreates(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "ingot.db")
	// No key file beside the database: a clear error, and no key made.
	_, _, err := ingotRun(t, nil, "verify", "--db", db)
	if err == nil || !strings.Contains(err.Error(), "never creates a key") || !strings.Contains(err.Error(), filepath.Join(dir, "log-signing.key")) {
		t.Errorf("no key file: %v", err)
	}
	// No database: an error, and no database made.
	_, _, err = ingotRun(t, nil, "verify", "--db", db, "--log-key", verifytest.Signer().VerifierKey())
	if err == nil || !strings.Contains(err.Error(), "no database") {
		t.Errorf("no database: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("verify left %v in %s", entries, dir)
	}
	if _, _, err := ingotRun(t, nil, "verify", "--db", db, "--log-key", "garbage"); err == nil {
		t.Error("a malformed --log-key: no error")
	}
}
