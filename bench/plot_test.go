package bench

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"
)

// sweepResults is a made-up --wallets sweep.
func sweepResults() []*Result {
	var rs []*Result
	for i, w := range []int{1_000_000, 10_000, 100_000} { // out of order: WritePlot sorts
		r := &Result{Scenario: Uniform, Wallets: w, Concurrency: 64, Mode: "closed",
			Target: Target{InProcess: true, Store: "sqlite", MaxBatch: 8192}}
		r.TransfersPerSec = []float64{2700, 7800, 6100}[i]
		r.Latency.P99 = []float64{48, 15, 21}[i]
		rs = append(rs, r)
	}
	return rs
}

// checkPNG decodes a plot and asserts its size, that it is not blank, and
// that both series' colours are drawn.
func checkPNG(t *testing.T, b []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if got := img.Bounds(); got != image.Rect(0, 0, PlotWidth, PlotHeight) {
		t.Fatalf("size %v, want %dx%d", got, PlotWidth, PlotHeight)
	}
	var ink, blue, red int
	for y := range PlotHeight {
		for x := range PlotWidth {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if c.A != 255 {
				t.Fatalf("pixel (%d,%d) not opaque: %v", x, y, c)
			}
			if c != (color.RGBA{255, 255, 255, 255}) {
				ink++
			}
			if c == (color.RGBA{31, 119, 180, 255}) {
				blue++
			}
			if c == (color.RGBA{214, 39, 40, 255}) {
				red++
			}
		}
	}
	if ink < PlotWidth*PlotHeight/100 || blue < 30 || red < 30 {
		t.Errorf("a blank plot? %d non-white pixels, %d of the throughput series, %d of the p99 series", ink, blue, red)
	}
}

func TestPlotSweep(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WritePlot(&buf, sweepResults()); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, buf.Bytes())
	if f := os.Getenv("INGOT_PLOT_OUT"); f != "" { // to look at it
		_ = os.WriteFile(f, buf.Bytes(), 0o644)
	}
}

func TestPlotOneResultAndMaxBatch(t *testing.T) {
	t.Parallel()
	rs := sweepResults()
	var buf bytes.Buffer
	if err := WritePlot(&buf, rs[:1]); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, buf.Bytes())
	// Same wallets, different max-batch: the x axis is max-batch.
	rs[1].Wallets, rs[2].Wallets = rs[0].Wallets, rs[0].Wallets
	rs[1].Target.MaxBatch, rs[2].Target.MaxBatch = 1, 64
	if a := plotAxis(rs); a.label != "max-batch" {
		t.Errorf("axis %q, want max-batch", a.label)
	}
	buf.Reset()
	if err := WritePlot(&buf, rs); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, buf.Bytes())
	if err := WritePlot(&buf, nil); err == nil {
		t.Error("no results: no error")
	}
}

func TestShortCount(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{200: "200", 10_000: "10k", 1_000_000: "1M", 10_000_000: "10M", 1_500_000: "1.5M", 2_500: "2.5k", 12_345: "12.3k"} {
		if got := shortCount(n); got != want {
			t.Errorf("shortCount(%d) = %q, want %q", n, got, want)
		}
	}
}
