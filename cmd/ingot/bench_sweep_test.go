package main

import (
	"bytes"
	"context"
	"image/png"
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

// TestBenchWalletsSweep runs the scaling curve in miniature: two --wallets
// values, each on its own SQLite file, then the table, the JSON list and
// the plot.
func TestBenchWalletsSweep(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "bench.db")
	pic := filepath.Join(dir, "sweep.png")
	rs, text := benchRuns(t, "--wallets", "200,400", "--db", db, "--plot", pic) // the later --wallets wins
	if len(rs) != 2 {
		t.Fatalf("%d results, want 2", len(rs))
	}
	for i, w := range []int{200, 400} {
		r := rs[i]
		if r.Wallets != w || r.Target.MaxBatch != 8192 || !r.OK() || r.Transfers <= 0 || r.ErrorCount != 0 || r.SetupSeconds <= 0 {
			t.Errorf("run %d: %d wallets, max-batch %d, ok %v, %d transfers, %d errors, setup %.2fs",
				i, r.Wallets, r.Target.MaxBatch, r.OK(), r.Transfers, r.ErrorCount, r.SetupSeconds)
		}
		// Each run has a database of its own: its log holds only its transfers.
		if r.Log.SizeBefore != 0 || r.Log.Size != 2+int64(w)+r.Transfers {
			t.Errorf("run %d: log %+v, transfers %d", i, r.Log, r.Transfers)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bench-wallets-400.db")); err != nil {
		t.Errorf("second database: %v", err)
	}
	// The table: a header and one row per value, the first at 1.00.
	_, table, ok := strings.Cut(text, "comparison of --wallets: scenario uniform, sqlite, 8 clients, max-batch 8192\n")
	if !ok {
		t.Fatalf("no comparison table:\n%s", text)
	}
	lines := strings.Split(strings.TrimRight(table, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("table of %d lines, want a header and 2 rows:\n%s", len(lines), table)
	}
	for _, want := range []string{"wallets", "transfers/s", "p50 ms", "p99 ms", "setup s", "vs first"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("header lacks %q: %s", want, lines[0])
		}
	}
	for i, w := range []string{"200", "400"} {
		f := strings.Fields(lines[i+1])
		if len(f) != 8 || f[0] != w || f[7] != "OK" {
			t.Errorf("row %d: %q", i, lines[i+1])
		}
		if i == 0 && f[6] != "1.00" {
			t.Errorf("first row's ratio %q, want 1.00", f[6])
		}
	}
	if strings.Contains(text, "max-batch 8192 / ") {
		t.Errorf("a --wallets sweep prints the max-batch ratios:\n%s", text)
	}
	checkPlotFile(t, pic)
}

func checkPlotFile(t *testing.T, file string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("--plot %s: not a PNG: %v", file, err)
	}
	if b := img.Bounds(); b.Dx() != bench.PlotWidth || b.Dy() != bench.PlotHeight {
		t.Fatalf("--plot: %v, want %dx%d", b, bench.PlotWidth, bench.PlotHeight)
	}
	first := img.At(0, 0)
	r0, g0, b0, _ := first.RGBA()
	differ := 0
	for y := 0; y < bench.PlotHeight; y += 2 {
		for x := 0; x < bench.PlotWidth; x += 2 {
			if r, g, b, _ := img.At(x, y).RGBA(); r != r0 || g != g0 || b != b0 {
				differ++
			}
		}
	}
	if differ < 500 {
		t.Errorf("--plot: a blank image (%d pixels differ from the background)", differ)
	}
}

// TestBenchPlotFrom re-plots results that --json wrote earlier, as a list
// and as one object, without running anything.
func TestBenchPlotFrom(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var rs []*bench.Result
	for i, w := range []int{10_000, 100_000, 1_000_000} {
		rs = append(rs, &bench.Result{Scenario: bench.Uniform, Wallets: w, Concurrency: 64, Mode: "closed",
			TransfersPerSec: []float64{7800, 6100, 2700}[i], Latency: bench.Latency{P50: 5, P99: []float64{15, 21, 48}[i]},
			Target: bench.Target{InProcess: true, Store: "postgres", MaxBatch: 8192}})
	}
	list := filepath.Join(dir, "list.json")
	if err := writeJSON(list, rs, io.Discard); err != nil {
		t.Fatal(err)
	}
	one := filepath.Join(dir, "one.json")
	if err := writeJSON(one, rs[:1], io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{list, one} {
		pic := filepath.Join(dir, filepath.Base(from)+".png")
		var out bytes.Buffer
		if err := run(context.Background(), []string{"bench", "--plot-from", from, "--plot", pic}, envOf(nil), &out, io.Discard); err != nil {
			t.Fatalf("--plot-from %s: %v", from, err)
		}
		checkPlotFile(t, pic)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"bench", "--plot-from", list},                                                     // no --plot
		{"bench", "--plot-from", list, "--plot", filepath.Join(dir, "x.svg")},              // not a PNG
		{"bench", "--plot-from", bad, "--plot", filepath.Join(dir, "x.png")},               // not results
		{"bench", "--plot-from", list, "--plot", filepath.Join(dir, "y.png"), "--db", "x"}, // a run's flag
		{"bench", "--plot", filepath.Join(dir, "z.gif"), "--duration", "1s"},               // not a PNG, before any run
	} {
		if err := run(context.Background(), args, envOf(nil), io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestBenchSweepBothLists: --wallets and --max-batch lists together are
// refused before anything runs, and a --wallets list is checked like a
// --max-batch one.
func TestBenchSweepBothLists(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), []string{"bench", "--wallets", "200,400", "--max-batch", "8192,1", "--duration", "1s"}, envOf(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--max-batch and --wallets are both lists") {
		t.Errorf("both lists: %v", err)
	}
	for _, ws := range []string{"0", "200,x", "200,200", "", "200,-1"} {
		err := run(context.Background(), []string{"bench", "--wallets", ws, "--duration", "1s"}, envOf(nil), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--wallets") {
			t.Errorf("--wallets %q: %v", ws, err)
		}
	}
	err = run(context.Background(), []string{"bench", "--url", "http://127.0.0.1:1", "--key", "k", "--wallets", "200,400", "--duration", "1s"}, envOf(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--wallets takes one value with --url") {
		t.Errorf("--wallets list with --url: %v", err)
	}
}

// TestBenchSweepDBNames: the database of a value after the first, for
// both swept flags, beside a SQLite file or on the same PostgreSQL server.
func TestBenchSweepDBNames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		db, flag string
		value    int
		want     string
	}{
		{"", "wallets", 400, ""},
		{"/data/bench.db", "wallets", 1000000, "/data/bench-wallets-1000000.db"},
		{"/data/bench.db", "max-batch", 1, "/data/bench-max-batch-1.db"},
	} {
		if got, err := benchDBFor(ctx, c.db, c.flag, c.value); err != nil || got != c.want {
			t.Errorf("benchDBFor(%q, %s, %d) = %q, %v; want %q", c.db, c.flag, c.value, got, err, c.want)
		}
	}
	t.Run("postgres", func(t *testing.T) { sweepDBPostgres(t) })
}

func sweepDBPostgres(t *testing.T) {
	ctx := context.Background()
	admin := testdb.PostgresURL(t)
	dsn := testdb.NewDSN(t, "postgres")
	u, _ := url.Parse(dsn)
	second := strings.TrimPrefix(u.Path, "/") + "_wallets_400"
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{second}.Sanitize()+" WITH (FORCE)")
	})
	got, err := benchDBFor(ctx, dsn, "wallets", 400)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := url.Parse(got)
	if g.Path != "/"+second || g.Host != u.Host {
		t.Errorf("second database %s, want %s on %s", redactURL(got), second, u.Host)
	}
	c, err := pgx.Connect(ctx, got) // it exists
	if err != nil {
		t.Fatalf("connect to %s: %v", second, err)
	}
	_ = c.Close(ctx)
}
