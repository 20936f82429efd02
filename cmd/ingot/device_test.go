package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ingot-cbdc/ingot/internal/testdb"
)

// TestDeviceCommand acts out offline payments with `ingot device` against
// a real server: two devices registered and loaded, a payment signed and
// received with no network, uploaded by both sides, an unload, the ledger
// agreeing with the devices; then the errors, one line each.
func TestDeviceCommand(t *testing.T) {
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) {
			db := testdb.NewDSN(t, kind)
			const admin = "cb-device-admin-key-0123456789"
			base, _, _ := startServe(t, db, map[string]string{"INGOT_ADMIN_KEY": admin})
			st, op := call(t, "POST", base+"/v1/operators", admin, `{"name":"Bank","code":"DEV"}`)
			if st != 201 {
				t.Fatalf("operator %d %v", st, op)
			}
			key, opID := op["api_key"].(string), op["id"].(string)
			if st, _ := call(t, "POST", base+"/v1/issuance/mint", admin, `{"operator_id":"`+opID+`","amount":"10000.00","currency":"CNY"}`); st != 201 {
				t.Fatalf("mint %d", st)
			}
			wallet := func() string {
				st, w := call(t, "POST", base+"/v1/wallets", key, `{"holder":{"name":"Li Wei","phone":"13812345678"},"currency":"CNY"}`)
				if st != 201 {
					t.Fatalf("wallet %d %v", st, w)
				}
				id := w["id"].(string)
				if st, _ := call(t, "POST", base+"/v1/wallets/"+id+"/topups", key, `{"amount":"500.00"}`); st != 201 {
					t.Fatalf("top-up %d", st)
				}
				return id
			}
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
			pay := filepath.Join(dir, "p.json")
			device := func(args ...string) (string, error) {
				var out strings.Builder
				err := run(context.Background(), append([]string{"device"}, args...), envOf(nil), &out, io.Discard)
				return out.String(), err
			}
			must := func(args ...string) string {
				t.Helper()
				out, err := device(args...)
				if err != nil {
					t.Fatalf("ingot device %v: %v", args, err)
				}
				return out
			}
			wa, wb := wallet(), wallet()
			must("new", "--file", a, "--url", base, "--key", key, "--wallet", wa)
			must("new", "--file", b, "--url", base, "--key", key, "--wallet", wb)
			if fi, err := os.Stat(a); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("device file: %v %v", fi, err)
			}
			must("load", "--file", a, "--amount", "200.00")
			// Offline from here: pay b 12.50 with a's file as the payee.
			must("pay", "--file", a, "--to", b, "--amount", "12.50", "--out", pay)
			if out := must("receive", "--file", b, pay); !strings.Contains(out, "received 12.50 CNY") {
				t.Fatalf("receive: %s", out)
			}
			if out := must("balance", "--file", b); !strings.HasPrefix(out, "12.50 CNY") {
				t.Fatalf("b's balance: %s", out)
			}
			// A replayed payment file is refused.
			if _, err := device("receive", "--file", b, pay); err == nil || strings.Contains(err.Error(), "\n") {
				t.Fatalf("a replay: %v", err)
			}
			must("sync", "--file", b)
			if out := must("sync", "--file", a); !strings.Contains(out, "the ledger holds 187.50 for the device") {
				t.Fatalf("a's sync: %s", out)
			}
			must("unload", "--file", b, "--amount", "2.50")
			if out := must("balance", "--file", b); !strings.HasPrefix(out, "10.00 CNY") || !strings.Contains(out, "0 payments not uploaded") {
				t.Fatalf("b after the unload: %s", out)
			}
			_, w := call(t, "GET", base+"/v1/wallets/"+wb, key, "")
			if w["balance"] != "502.50" {
				t.Fatalf("b's wallet: %v", w["balance"])
			}
			// Errors: one line each, a non-zero exit.
			for _, args := range [][]string{
				{"pay", "--file", a, "--to", b, "--amount", "600.00", "--out", filepath.Join(dir, "q.json")},
				{"pay", "--file", a, "--to", "not-a-key", "--amount", "1.00", "--out", filepath.Join(dir, "r.json")},
				{"load", "--file", a, "--amount", "900.00"},
				{"balance", "--file", filepath.Join(dir, "none.json")},
			} {
				if _, err := device(args...); err == nil || strings.Contains(err.Error(), "\n") {
					t.Errorf("ingot device %v: %v", args, err)
				}
			}
		})
	}
}
