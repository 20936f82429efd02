package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ingot-cbdc/ingot/bench"
)

// checkPlotFlags refuses a --plot file that is not a PNG before anything runs.
func checkPlotFlags(f benchFlags) error {
	if f.plotFrom != "" && f.plot == "" {
		return errors.New("--plot-from needs --plot, the PNG file to draw")
	}
	if f.plot != "" && !strings.EqualFold(filepath.Ext(f.plot), ".png") {
		return fmt.Errorf("--plot %s: bench draws PNG files; name it FILE.png", f.plot)
	}
	return nil
}

// writePlot draws --plot from the results of this run.
func writePlot(file string, rs []*bench.Result) error {
	if file == "" {
		return nil
	}
	var buf bytes.Buffer
	if err := bench.WritePlot(&buf, rs); err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	return nil
}

// plotFromFile draws --plot from --plot-from, a file that --json wrote: a
// list of results, or one result as an object. Nothing is run, so the
// flags of a run are refused.
func plotFromFile(f benchFlags, changed func(string) bool) error {
	for _, name := range []string{"url", "key", "db", "max-batch", "wallets", "json", "cpuprofile", "duration", "scenario"} {
		if changed(name) {
			return fmt.Errorf("--%s does not go with --plot-from, which draws earlier results without running", name)
		}
	}
	b, err := os.ReadFile(f.plotFrom)
	if err != nil {
		return fmt.Errorf("--plot-from: %w", err)
	}
	var rs []*bench.Result
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		var r bench.Result
		err = json.Unmarshal(b, &r)
		rs = []*bench.Result{&r}
	} else {
		err = json.Unmarshal(b, &rs)
	}
	if err != nil {
		return fmt.Errorf("--plot-from %s: not results written by --json: %w", f.plotFrom, err)
	}
	if len(rs) == 0 {
		return fmt.Errorf("--plot-from %s: no results", f.plotFrom)
	}
	return writePlot(f.plot, rs)
}
