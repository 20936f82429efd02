package bench

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// PlotWidth and PlotHeight are the size of WritePlot's image in pixels.
const (
	PlotWidth  = 800
	PlotHeight = 500
	plotDPI    = 96
)

// WritePlot draws results of one sweep as a PNG of PlotWidth×PlotHeight
// pixels: transfers/s (top panel) and p99 latency (bottom panel) against
// the swept value on a log scale: the wallets, or the server's max-batch
// when only that differs between the results. The title names the
// scenario, the store and what was held constant.
func WritePlot(w io.Writer, rs []*Result) error {
	if len(rs) == 0 {
		return errors.New("plot: no results")
	}
	axis := plotAxis(rs)
	rs = slices.Clone(rs)
	slices.SortStableFunc(rs, func(a, b *Result) int { return axis.value(a) - axis.value(b) })

	tps := make(plotter.XYs, len(rs))
	p99 := make(plotter.XYs, len(rs))
	ticks := make([]plot.Tick, len(rs))
	labels := make([]string, len(rs))
	for i, r := range rs {
		x := float64(axis.value(r))
		tps[i] = plotter.XY{X: x, Y: r.TransfersPerSec}
		p99[i] = plotter.XY{X: x, Y: r.Latency.P99}
		ticks[i] = plot.Tick{Value: x, Label: shortCount(axis.value(r))}
		labels[i] = shortCount(int(r.TransfersPerSec + 0.5))
	}
	lo, hi := tps[0].X, tps[len(tps)-1].X

	top := plot.New()
	top.Title.Text = plotTitle(rs[0], axis)
	top.Title.TextStyle.Font.Size = vg.Points(13)
	top.Y.Label.Text = "transfers/s"
	bottom := plot.New()
	bottom.X.Label.Text = axis.label + " (log scale)"
	bottom.Y.Label.Text = "p99 latency (ms)"
	for _, p := range []*plot.Plot{top, bottom} {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		// Room on both sides of the first and last point (a factor on a log scale).
		p.X.Min, p.X.Max = lo/1.5, hi*1.7
		p.Y.Min = 0
		p.Y.Tick.Marker = plainTicks{}
		p.Add(plotter.NewGrid())
	}

	if err := addSeries(top, tps, color.RGBA{R: 31, G: 119, B: 180, A: 255}, draw.CircleGlyph{}); err != nil {
		return err
	}
	if err := addSeries(bottom, p99, color.RGBA{R: 214, G: 39, B: 40, A: 255}, draw.BoxGlyph{}); err != nil {
		return err
	}
	p99Labels := make([]string, len(p99))
	for i, p := range p99 {
		p99Labels[i] = strconv.FormatFloat(p.Y, 'f', 1, 64) + " ms"
	}
	if err := addLabels(top, tps, labels); err != nil {
		return err
	}
	if err := addLabels(bottom, p99, p99Labels); err != nil {
		return err
	}
	// Headroom above the highest point for its label.
	top.Y.Max = maxY(tps) * 1.15
	bottom.Y.Max = maxY(p99) * 1.15
	for _, p := range []*plot.Plot{top, bottom} {
		if p.Y.Max <= 0 {
			p.Y.Max = 1
		}
	}

	img := vgimg.NewWith(vgimg.UseWH(vg.Inch*PlotWidth/plotDPI, vg.Inch*PlotHeight/plotDPI), vgimg.UseDPI(plotDPI))
	dc := draw.New(img)
	// White background: vgimg starts transparent.
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadX: vg.Points(8), PadY: vg.Points(6), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(12)}
	canvases := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, dc)
	top.Draw(canvases[0][0])
	bottom.Draw(canvases[1][0])
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

func addSeries(p *plot.Plot, xys plotter.XYs, c color.Color, g draw.GlyphDrawer) error {
	l, s, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	l.Color = c
	l.Width = vg.Points(2)
	s.Color = c
	s.Shape = g
	s.Radius = vg.Points(3.5)
	p.Add(l, s)
	return nil
}

func addLabels(p *plot.Plot, xys plotter.XYs, text []string) error {
	lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: text})
	if err != nil {
		return err
	}
	lb.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(8)}
	p.Add(lb)
	return nil
}

// plainTicks are gonum's default ticks labelled without trailing zeros
// (25, not 25.00).
type plainTicks struct{}

func (plainTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'f', -1, 64)
		}
	}
	return ts
}

func maxY(xys plotter.XYs) float64 {
	m := 0.0
	for _, p := range xys {
		m = max(m, p.Y)
	}
	return m
}

type axisOf struct {
	label string // wallets or max-batch
	value func(*Result) int
}

// plotAxis is what the results were swept over: wallets, unless they all
// have the same wallets and differ in max-batch.
func plotAxis(rs []*Result) axisOf {
	sameWallets, sameBatch := true, true
	for _, r := range rs[1:] {
		sameWallets = sameWallets && r.Wallets == rs[0].Wallets
		sameBatch = sameBatch && r.Target.MaxBatch == rs[0].Target.MaxBatch
	}
	if sameWallets && !sameBatch {
		return axisOf{"max-batch", func(r *Result) int { return max(r.Target.MaxBatch, 1) }}
	}
	return axisOf{"wallets", func(r *Result) int { return max(r.Wallets, 1) }}
}

func plotTitle(r *Result, axis axisOf) string {
	store := r.Target.Store
	switch store {
	case "sqlite":
		store = "SQLite"
	case "postgres":
		store = "PostgreSQL"
	case "":
		store = r.Target.URL
	}
	s := fmt.Sprintf("ingot bench: %s scenario, %s, %d clients", r.Scenario, store, r.Concurrency)
	if r.Mode == "open" && r.OfferedRate > 0 {
		s += fmt.Sprintf(", offered %.0f/s", r.OfferedRate)
	}
	if axis.label == "wallets" && r.Target.MaxBatch > 0 {
		s += fmt.Sprintf(", max-batch %d", r.Target.MaxBatch)
	} else if axis.label == "max-batch" {
		s += ", " + shortCount(r.Wallets) + " wallets"
	}
	return s
}

// shortCount writes 10000 as 10k and 1500000 as 1.5M.
func shortCount(n int) string {
	f := func(v float64, unit string) string { return strconv.FormatFloat(v, 'f', -1, 64) + unit }
	switch {
	case n >= 1_000_000 && n%100_000 == 0:
		return f(float64(n)/1e6, "M")
	case n >= 1_000 && n%100 == 0:
		return f(float64(n)/1e3, "k")
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return strconv.Itoa(n)
}
