package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot/bench"
	"github.com/ingot-cbdc/ingot/internal/testdb"
)

// benchRuns runs `ingot bench` with several --max-batch values and returns
// the JSON results and the printed output.
func benchRuns(t *testing.T, args ...string) ([]bench.Result, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "bench.json")
	all := append([]string{"bench", "--duration", "1s", "--wallets", "200", "--concurrency", "8", "--json", file}, args...)
	var out bytes.Buffer
	var errOut syncBuffer
	if err := run(context.Background(), all, envOf(nil), &out, &errOut); err != nil {
		t.Fatalf("ingot %s: %v\n%s\n%s", strings.Join(all, " "), err, out.String(), errOut.String())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var rs []bench.Result
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatalf("--json output of several runs is not a list: %v\n%s", err, b)
	}
	return rs, out.String()
}

func checkComparison(t *testing.T, rs []bench.Result, out string, values ...int) {
	t.Helper()
	if len(rs) != len(values) {
		t.Fatalf("%d results, want %d", len(rs), len(values))
	}
	for i, v := range values {
		if rs[i].Target.MaxBatch != v || !rs[i].OK() || rs[i].Transfers <= 0 || rs[i].ErrorCount != 0 {
			t.Errorf("run %d: max-batch %d, ok %v, %d transfers, %d errors", i, rs[i].Target.MaxBatch, rs[i].OK(), rs[i].Transfers, rs[i].ErrorCount)
		}
		// Each run has a database of its own: its log holds only its transfers.
		if rs[i].Log.SizeBefore != 0 || rs[i].Log.Size != 2+200+rs[i].Transfers {
			t.Errorf("run %d: log %+v, transfers %d", i, rs[i].Log, rs[i].Transfers)
		}
	}
	for _, want := range []string{"comparison of --max-batch", "max-batch 8192 / max-batch 1: ", "x the throughput", "memory after setup: ", "memory after the load: "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "verdict       OK"); n != len(values) {
		t.Errorf("%d OK verdicts, want %d", n, len(values))
	}
}

func TestBenchMaxBatchList(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bench.db")
	rs, out := benchRuns(t, "--max-batch", "8192,1", "--db", db)
	checkComparison(t, rs, out, 8192, 1)
	// The second value's database is beside the first.
	if _, err := os.Stat(filepath.Join(filepath.Dir(db), "bench-max-batch-1.db")); err != nil {
		t.Errorf("second database: %v", err)
	}
}

func TestBenchMaxBatchListPostgres(t *testing.T) {
	admin := testdb.PostgresURL(t)
	dsn := testdb.NewDSN(t, "postgres")
	u, _ := url.Parse(dsn)
	second := strings.TrimPrefix(u.Path, "/") + "_max_batch_1"
	t.Cleanup(func() {
		ctx := context.Background()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{second}.Sanitize()+" WITH (FORCE)")
	})
	rs, out := benchRuns(t, "--max-batch", "8192,1", "--db", dsn)
	checkComparison(t, rs, out, 8192, 1)
	if rs[0].Target.Store != "postgres" || rs[1].Target.Store != "postgres" {
		t.Errorf("targets %+v %+v", rs[0].Target, rs[1].Target)
	}
	if !strings.Contains(out, second) {
		t.Errorf("output does not name the second database %s:\n%s", second, out)
	}
}

func TestBenchMaxBatchBadLists(t *testing.T) {
	for _, mb := range []string{"0", "8,x", "4,4", "", "8,-1"} {
		err := run(context.Background(), []string{"bench", "--max-batch", mb, "--duration", "1s"}, envOf(nil), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--max-batch") {
			t.Errorf("--max-batch %q: %v", mb, err)
		}
	}
	err := run(context.Background(), []string{"bench", "--max-batch", "8,1", "--cpuprofile", filepath.Join(t.TempDir(), "p"), "--duration", "1s"}, envOf(nil), io.Discard, io.Discard)
	if err == nil {
		t.Error("--cpuprofile with two --max-batch values: no error")
	}
}

func TestParseMaxBatch(t *testing.T) {
	got, err := parseList("max-batch", " 8192, 64 ,1")
	if err != nil || len(got) != 3 || got[0] != 8192 || got[1] != 64 || got[2] != 1 {
		t.Fatalf("parseList = %v, %v", got, err)
	}
}
