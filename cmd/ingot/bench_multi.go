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

// parseMaxBatch reads --max-batch: one value or a comma list, each >= 1.
func parseMaxBatch(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("--max-batch %q: each value must be a whole number of at least 1", s)
		}
		if seen[v] {
			return nil, fmt.Errorf("--max-batch %q: %d is given twice", s, v)
		}
		seen[v] = true
		out = append(out, v)
	}
	return out, nil
}

// benchDBFor is the database of a --max-batch value after the first: ""
// (a temporary file) when --db is empty; a file beside a SQLite --db named
// <name>-max-batch-N<ext>; on PostgreSQL, the database <name>_max_batch_N on
// the same server, created when it does not exist. startBenchServer then
// refuses it unless it is empty.
func benchDBFor(ctx context.Context, db string, maxBatch int) (string, error) {
	switch {
	case db == "":
		return "", nil
	case !isPostgres(db):
		ext := filepath.Ext(db)
		return fmt.Sprintf("%s-max-batch-%d%s", strings.TrimSuffix(db, ext), maxBatch, ext), nil
	}
	u, err := url.Parse(db)
	if err != nil {
		return "", fmt.Errorf("--db: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return "", errors.New("--db: a PostgreSQL URL with several --max-batch values must name a database")
	}
	name = fmt.Sprintf("%s_max_batch_%d", name, maxBatch)
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

// printComparison prints the runs of several --max-batch values side by
// side, and the throughput of the first relative to each other one.
func printComparison(w io.Writer, rs []*bench.Result) {
	r0 := rs[0]
	fmt.Fprintf(w, "\ncomparison of --max-batch: scenario %s, %s, %d clients, %d wallets\n",
		r0.Scenario, r0.Target.Store, r0.Concurrency, r0.Wallets)
	fmt.Fprintf(w, "  %9s  %12s  %8s  %8s  %8s  %s\n", "max-batch", "transfers/s", "p50 ms", "p99 ms", "errors", "verdict")
	for _, r := range rs {
		v := "OK"
		if !r.OK() {
			v = "FAILED"
		}
		fmt.Fprintf(w, "  %9d  %12.0f  %8.2f  %8.2f  %8d  %s\n", r.Target.MaxBatch, r.TransfersPerSec, r.Latency.P50, r.Latency.P99, r.ErrorCount, v)
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
