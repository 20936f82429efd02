package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Result is a run's outcome; `ingot bench --json` writes it.
type Result struct {
	Scenario    string  `json:"scenario"`
	Target      Target  `json:"target"`
	Wallets     int     `json:"wallets"`
	Concurrency int     `json:"concurrency"`
	Mode        string  `json:"mode"`                   // closed or open (loop)
	OfferedRate float64 `json:"offered_rate,omitempty"` // open loop, transfers/s
	BatchSize   int     `json:"batch_size,omitempty"`

	SetupSeconds float64 `json:"setup_seconds"`
	Seconds      float64 `json:"seconds"` // the load phase
	// Transfers are the committed payments (batch items count one each),
	// Requests the HTTP requests answered or failed.
	Transfers       int64   `json:"transfers"`
	Requests        int64   `json:"requests"`
	TransfersPerSec float64 `json:"transfers_per_sec"`
	RequestsPerSec  float64 `json:"requests_per_sec"`
	// Unsent: open loop, requests scheduled before the end but not sent
	// because the server fell behind.
	Unsent int64 `json:"unsent,omitempty"`
	// Latency per request in milliseconds.
	Latency Latency `json:"latency_ms"`
	// Errors are failed transfers by problem code or transport class (a
	// failed batch request counts each of its items); Ambiguous of them
	// failed in transit and may have been applied.
	Errors     map[string]int64 `json:"errors"`
	ErrorCount int64            `json:"error_count"`
	Ambiguous  int64            `json:"ambiguous,omitempty"`
	Progress   []Tick           `json:"progress"`
	Books      Books            `json:"books"`
	Log        LogCheck         `json:"log"`
}

// Latency percentiles, in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Tick is one progress line.
type Tick struct {
	Second          float64 `json:"t"`
	TransfersPerSec float64 `json:"transfers_per_sec"`
	P99             float64 `json:"p99_ms"`
	Errors          int64   `json:"errors"`
}

// OK is the verdict: the books balance and the log checks out.
func (r *Result) OK() bool { return r.Books.Balanced && r.Log.OK }

func (r *Result) print(w io.Writer) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "scenario      %s (%s loop", r.Scenario, r.Mode)
	if r.OfferedRate > 0 {
		fmt.Fprintf(w, ", offered %.0f transfers/s", r.OfferedRate)
	}
	if r.BatchSize > 0 {
		fmt.Fprintf(w, ", %d transfers per request", r.BatchSize)
	}
	fmt.Fprintf(w, "), %d clients, %d wallets\n", r.Concurrency, r.Wallets)
	fmt.Fprintf(w, "server        %s\n", r.Target.describe())
	fmt.Fprintf(w, "duration      %.1fs (setup %.1fs)\n", r.Seconds, r.SetupSeconds)
	fmt.Fprintf(w, "transfers     %d  (%.0f/s)\n", r.Transfers, r.TransfersPerSec)
	fmt.Fprintf(w, "requests      %d  (%.0f/s)\n", r.Requests, r.RequestsPerSec)
	if r.Unsent > 0 {
		fmt.Fprintf(w, "unsent        %d requests scheduled but not sent: the server fell behind the offered rate\n", r.Unsent)
	}
	l := r.Latency
	fmt.Fprintf(w, "latency (ms)  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (per request)\n", l.P50, l.P90, l.P99, l.P999, l.Max)
	if r.ErrorCount == 0 {
		fmt.Fprintln(w, "errors        0")
	} else {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
			parts = append(parts, fmt.Sprintf("%s %d", k, r.Errors[k]))
		}
		fmt.Fprintf(w, "errors        %d: %s\n", r.ErrorCount, strings.Join(parts, ", "))
	}
	if r.Books.Detail != "" {
		fmt.Fprintf(w, "books         %s\n", r.Books.Detail)
	}
	if r.Log.Detail != "" {
		fmt.Fprintf(w, "log           %s\n", r.Log.Detail)
	}
	if r.Books.Detail != "" {
		verdict := "OK: the books balance and the log checks out"
		if !r.OK() {
			verdict = "FAILED"
		}
		fmt.Fprintf(w, "verdict       %s\n", verdict)
	}
}

func (t Target) describe() string {
	s := t.URL
	if t.InProcess {
		s += " (in-process"
		if t.Store != "" {
			s += ", " + t.Store
		}
		if t.MaxBatch > 0 {
			s += fmt.Sprintf(", max-batch %d", t.MaxBatch)
		}
		if t.Log != nil {
			if *t.Log {
				s += ", transparency log on"
			} else {
				s += ", transparency log off"
			}
		}
		s += ")"
	}
	return s
}
