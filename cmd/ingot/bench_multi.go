package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot/bench"
)

// parseList reads a sweepable flag (--max-batch, --wallets): one value or a
// comma list, each a whole number of at least 1, none twice.
func parseList(flag, s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("--%s %q: each value must be a whole number of at least 1", flag, s)
		}
		if seen[v] {
			return nil, fmt.Errorf("--%s %q: %d is given twice", flag, s, v)
		}
		seen[v] = true
		out = append(out, v)
	}
	return out, nil
}

// sweep is what `ingot bench` runs: the same scenario once per value of
// one flag (--max-batch or --wallets), each on its own new database. A
// single run is a sweep of one value.
type sweep struct {
	flag     string // max-batch or wallets
	values   []int
	maxBatch int // the in-process server's, when flag is wallets
	wallets  int // when flag is max-batch
}

// point is the server's max-batch and the wallets of the k-th run.
func (s sweep) point(k int) (maxBatch, wallets int) {
	if s.flag == "wallets" {
		return s.maxBatch, s.values[k]
	}
	return s.values[k], s.wallets
}

// newSweep reads --max-batch and --wallets; at most one of them may be a list.
func newSweep(maxBatch, wallets string) (sweep, error) {
	mb, err := parseList("max-batch", maxBatch)
	if err != nil {
		return sweep{}, err
	}
	ws, err := parseList("wallets", wallets)
	if err != nil {
		return sweep{}, err
	}
	switch {
	case len(mb) > 1 && len(ws) > 1:
		return sweep{}, errors.New("--max-batch and --wallets are both lists: sweep one of them at a time (run bench once per value of the other)")
	case len(ws) > 1:
		return sweep{flag: "wallets", values: ws, maxBatch: mb[0]}, nil
	}
	return sweep{flag: "max-batch", values: mb, wallets: ws[0]}, nil
}

// benchDBFor is the database of a swept value after the first: "" (a
// temporary file) when --db is empty; a file beside a SQLite --db named
// <name>-<flag>-N<ext> (bench-max-batch-1.db, bench-wallets-100000.db); on
// PostgreSQL, the database <name>_<flag>_N (ingot_max_batch_1,
// ingot_wallets_100000) on the same server, created when it does not exist.
// startBenchServer then refuses it unless it is empty.
func benchDBFor(ctx context.Context, db, flag string, value int) (string, error) {
	switch {
	case db == "":
		return "", nil
	case !isPostgres(db):
		ext := filepath.Ext(db)
		return fmt.Sprintf("%s-%s-%d%s", strings.TrimSuffix(db, ext), flag, value, ext), nil
	}
	u, err := url.Parse(db)
	if err != nil {
		return "", fmt.Errorf("--db: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return "", fmt.Errorf("--db: a PostgreSQL URL with several --%s values must name a database", flag)
	}
	name = fmt.Sprintf("%s_%s_%d", name, strings.ReplaceAll(flag, "-", "_"), value)
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		return "", fmt.Errorf("create the database %s: %w", name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", fmt.Errorf("create the database %s: %w", name, err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return "", fmt.Errorf("create the database %s: %w", name, err)
		}
	}
	u.Path = "/" + name
	return u.String(), nil
}

// printComparison prints the runs of a sweep side by side: the swept
// value, transfers/s, latency, setup time and the throughput relative to
// the first run's. A --max-batch sweep then also says how many times the
// first value's throughput each other value's is.
func printComparison(w io.Writer, flag string, rs []*bench.Result) {
	r0 := rs[0]
	switch flag {
	case "wallets":
		fmt.Fprintf(w, "\ncomparison of --wallets: scenario %s, %s, %d clients, max-batch %d\n",
			r0.Scenario, r0.Target.Store, r0.Concurrency, r0.Target.MaxBatch)
	default:
		fmt.Fprintf(w, "\ncomparison of --max-batch: scenario %s, %s, %d clients, %d wallets\n",
			r0.Scenario, r0.Target.Store, r0.Concurrency, r0.Wallets)
	}
	fmt.Fprintf(w, "  %9s  %12s  %8s  %8s  %8s  %8s  %8s  %s\n", flag, "transfers/s", "p50 ms", "p99 ms", "setup s", "errors", "vs first", "verdict")
	for _, r := range rs {
		v := "OK"
		if !r.OK() {
			v = "FAILED"
		}
		x := r.Target.MaxBatch
		if flag == "wallets" {
			x = r.Wallets
		}
		ratio := "n/a"
		if r0.TransfersPerSec > 0 {
			ratio = fmt.Sprintf("%.2f", r.TransfersPerSec/r0.TransfersPerSec)
		}
		fmt.Fprintf(w, "  %9d  %12.0f  %8.2f  %8.2f  %8.1f  %8d  %8s  %s\n", x, r.TransfersPerSec, r.Latency.P50, r.Latency.P99, r.SetupSeconds, r.ErrorCount, ratio, v)
	}
	if flag != "max-batch" {
		return
	}
	for _, r := range rs[1:] {
		ratio := "n/a (no transfers)"
		if r.TransfersPerSec > 0 {
			ratio = fmt.Sprintf("%.1fx", r0.TransfersPerSec/r.TransfersPerSec)
		}
		fmt.Fprintf(w, "max-batch %d / max-batch %d: %s the throughput (%.0f vs %.0f transfers/s, measured in this run)\n",
			r0.Target.MaxBatch, r.Target.MaxBatch, ratio, r0.TransfersPerSec, r.TransfersPerSec)
	}
}

// selfMemory reads this process's resident size and its peak from
// /proc/self/status ("" where there is none).
func selfMemory() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return ""
	}
	defer f.Close()
	var parts []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		for _, k := range []string{"VmRSS:", "VmHWM:"} {
			if rest, ok := strings.CutPrefix(line, k); ok {
				fields := strings.Fields(rest) // "123456 kB"
				if kb, err := strconv.ParseInt(fields[0], 10, 64); err == nil && len(fields) == 2 {
					parts = append(parts, fmt.Sprintf("%s %.1f MiB", strings.TrimSuffix(k, ":"), float64(kb)/1024))
				}
			}
		}
	}
	return strings.Join(parts, ", ")
}
