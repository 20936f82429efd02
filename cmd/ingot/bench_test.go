package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ingot-cbdc/ingot/bench"
	"github.com/ingot-cbdc/ingot/internal/testdb"
)

// benchRun runs a short `ingot bench` and returns its JSON result and its
// printed output.
func benchRun(t *testing.T, env map[string]string, args ...string) (*bench.Result, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "bench.json")
	all := append([]string{"bench", "--duration", "2s", "--wallets", "200", "--concurrency", "8", "--json", file}, args...)
	var out bytes.Buffer
	var errOut syncBuffer
	if err := run(context.Background(), all, envOf(env), &out, &errOut); err != nil {
		t.Fatalf("ingot %s: %v\n%s\n%s", strings.Join(all, " "), err, out.String(), errOut.String())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var res bench.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, b)
	}
	return &res, out.String()
}

// checkSane asserts what every smoke run must show.
func checkSane(t *testing.T, res *bench.Result, out string) {
	t.Helper()
	if res.Transfers <= 0 || res.TransfersPerSec <= 0 || res.Requests <= 0 {
		t.Errorf("no transfers: %+v", res)
	}
	if res.ErrorCount != 0 || len(res.Errors) != 0 {
		t.Errorf("errors: %d %v", res.ErrorCount, res.Errors)
	}
	l := res.Latency
	if !(l.P50 > 0 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max) {
		t.Errorf("latency percentiles out of order: %+v", l)
	}
	if !res.Books.Balanced || res.Books.RunWallets != res.Books.RunWalletsExpected {
		t.Errorf("books: %+v", res.Books)
	}
	if !res.Log.OK {
		t.Errorf("log: %+v", res.Log)
	}
	if len(res.Progress) < 1 {
		t.Errorf("no progress lines")
	}
	for _, want := range []string{"transfers/s", "p99", "latency (ms)", "books         balanced", "verdict       OK"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestBenchScenarios(t *testing.T) {
	for _, sc := range []string{bench.Uniform, bench.Hot, bench.Batch, bench.FX} {
		t.Run(sc, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "bench.db")
			res, out := benchRun(t, nil, "--scenario", sc, "--db", db)
			checkSane(t, res, out)
			if res.Scenario != sc || res.Mode != "closed" || !res.Target.InProcess || res.Target.Store != "sqlite" {
				t.Errorf("result header: %+v", res)
			}
			// The log holds exactly the run's transfers: 2 mints (3 with
			// fx's second currency), the top-ups, the payments.
			mints := int64(2)
			if sc == bench.FX {
				mints = 3
			}
			if !res.Log.Present || !res.Log.Verified || res.Log.Size != mints+200+res.Transfers {
				t.Errorf("log %+v, transfers %d", res.Log, res.Transfers)
			}
			if sc == bench.Batch {
				if res.BatchSize != 1000 || res.Transfers != res.Requests*1000 {
					t.Errorf("batch: %d transfers in %d requests of %d", res.Transfers, res.Requests, res.BatchSize)
				}
			} else if sc == bench.FX {
				if res.Transfers != 2*res.Requests || res.Transfers == 0 {
					t.Errorf("fx: %d transfers in %d requests (two legs each)", res.Transfers, res.Requests)
				}
			} else if res.Transfers != res.Requests {
				t.Errorf("%d transfers in %d requests", res.Transfers, res.Requests)
			}
			if sc == bench.Uniform {
				// The database is no longer empty: bench refuses it.
				err := run(context.Background(), []string{"bench", "--db", db, "--duration", "1s"}, envOf(nil), io.Discard, io.Discard)
				if err == nil || !strings.Contains(err.Error(), "not empty") {
					t.Errorf("a used database: %v", err)
				}
			}
		})
	}
}

// TestBenchRate is the open loop, on a server without the transparency log.
func TestBenchRate(t *testing.T) {
	res, out := benchRun(t, nil, "--rate", "500", "--no-log")
	checkSane(t, res, out)
	if res.Mode != "open" || res.OfferedRate != 500 {
		t.Errorf("mode %q rate %v", res.Mode, res.OfferedRate)
	}
	// 2 s at 500/s offered: 1,000 requests scheduled, each sent or counted
	// as unsent (how many were sent depends on the machine's speed, which
	// a test does not assert), never more transfers than scheduled.
	if res.Transfers < 1 || res.Transfers > 1000 || res.Requests+res.Unsent < 990 || res.Requests+res.Unsent > 1000 {
		t.Errorf("%d transfers, %d requests and %d unsent at 500/s for 2s; want 1,000 scheduled", res.Transfers, res.Requests, res.Unsent)
	}
	if res.Log.Present || !strings.Contains(out, "keeps no transparency log") {
		t.Errorf("log %+v", res.Log)
	}
	if res.Target.Log == nil || *res.Target.Log {
		t.Errorf("target %+v", res.Target)
	}
}

// TestBenchURL drives a running `ingot serve`.
func TestBenchURL(t *testing.T) {
	db := filepath.Join(t.TempDir(), "ingot.db")
	base, _, _ := startServe(t, db, map[string]string{"INGOT_ADMIN_KEY": "cb-bench"})
	res, out := benchRun(t, map[string]string{"INGOT_ADMIN_KEY": "cb-bench"}, "--url", base, "--duration", "1s", "--scenario", bench.Hot)
	checkSane(t, res, out)
	if res.Target.InProcess || res.Target.URL != base {
		t.Errorf("target %+v", res.Target)
	}
	// A wrong key is refused before anything is set up.
	err := run(context.Background(), []string{"bench", "--url", base, "--key", "wrong", "--duration", "1s"}, envOf(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "unauthorized") {
		t.Errorf("wrong key: %v", err)
	}
}

func TestBenchPostgres(t *testing.T) {
	dsn := testdb.NewDSN(t, "postgres")
	res, out := benchRun(t, nil, "--db", dsn, "--scenario", bench.Uniform)
	checkSane(t, res, out)
	if res.Target.Store != "postgres" {
		t.Errorf("target %+v", res.Target)
	}
}

func TestBenchBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--url", "http://127.0.0.1:1"},                                    // no key
		{"bench", "--url", "http://127.0.0.1:1", "--key", "k", "--db", "x.db"},      // in-process flag with --url
		{"bench", "--key", "k"},                                                     // key without --url
		{"bench", "--scenario", "nope", "--db", filepath.Join(t.TempDir(), "a.db")}, // unknown scenario
		{"bench", "--batch-size", "9000", "--db", filepath.Join(t.TempDir(), "b.db")},
	} {
		if err := run(context.Background(), args, envOf(nil), io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
