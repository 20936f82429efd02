package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/client"
)

// The supply chart: an inline SVG drawn here, on the server, by the
// template (no script, no library), with a title and a description for
// screen readers; the page shows its data as a table beneath it.

// chart is an SVG line chart's geometry, in viewBox units.
type chart struct {
	W, H                     int
	Left, Right, Top, Bottom float64 // the plot area
	Title, Desc              string
	Line                     string // polyline points: "x,y x,y ..."
	Area                     string // polygon points: the line closed down to zero
	Dots                     []chartDot
	YTicks, XTicks           []chartTick
}

// chartDot is a day's point, with its label (a tooltip).
type chartDot struct {
	X, Y  string
	Label string
}

// chartTick is an axis's mark: its position and label.
type chartTick struct {
	At    string // x or y
	Label string
}

const (
	chartW, chartH = 720, 320
	chartLeft      = 110.0
	chartRight     = 700.0
	chartTop       = 20.0
	chartBottom    = 280.0
)

func coord(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// supplyChart draws a supply history: the issued amount at the end of
// each day.
func supplyChart(lang string, t func(string) string, h *client.SupplyHistory) *chart {
	n := len(h.Points)
	if n == 0 {
		return nil
	}
	exp := 2
	if c, err := ingot.LookupCurrency(h.Currency); err == nil {
		exp = c.Exponent
	}
	vals := make([]float64, n)
	top := 0.0
	for i, p := range h.Points {
		vals[i], _ = strconv.ParseFloat(p.Issued, 64)
		top = max(top, vals[i])
	}
	top = niceCeil(top)
	c := &chart{W: chartW, H: chartH, Left: chartLeft, Right: chartRight, Top: chartTop, Bottom: chartBottom}
	x := func(i int) float64 {
		if n == 1 {
			return (chartLeft + chartRight) / 2
		}
		return chartLeft + float64(i)*(chartRight-chartLeft)/float64(n-1)
	}
	y := func(v float64) float64 { return chartBottom - v/top*(chartBottom-chartTop) }
	label := func(v float64) string { return money(lang, strconv.FormatFloat(v, 'f', exp, 64), h.Currency) }
	for k := 0; k <= 4; k++ {
		v := top * float64(k) / 4
		c.YTicks = append(c.YTicks, chartTick{At: coord(y(v)), Label: label(v)})
	}
	step := max(1, (n+5)/6)
	var line []string
	for i, p := range h.Points {
		pt := coord(x(i)) + "," + coord(y(vals[i]))
		line = append(line, pt)
		c.Dots = append(c.Dots, chartDot{X: coord(x(i)), Y: coord(y(vals[i])), Label: p.Date + ": " + money(lang, p.Issued, h.Currency)})
		if i%step == 0 || i == n-1 {
			if i == n-1 && i%step != 0 && len(c.XTicks) > 0 && float64(i%step) < float64(step)/2 {
				c.XTicks = c.XTicks[:len(c.XTicks)-1] // too close to the last day's label
			}
			c.XTicks = append(c.XTicks, chartTick{At: coord(x(i)), Label: shortDate(p.Date)})
		}
	}
	c.Line = strings.Join(line, " ")
	c.Area = coord(x(0)) + "," + coord(chartBottom) + " " + c.Line + " " + coord(x(n-1)) + "," + coord(chartBottom)
	first, last := h.Points[0], h.Points[n-1]
	c.Title = fmt.Sprintf(t("cbc.chart.title"), h.Currency, h.From, h.To)
	c.Desc = fmt.Sprintf(t("cbc.chart.desc"), money(lang, first.Issued, h.Currency), first.Date, money(lang, last.Issued, h.Currency), last.Date,
		label(maxOf(vals)))
	return c
}

// shortDate is "01-02" of "2006-01-02".
func shortDate(d string) string {
	if len(d) == 10 {
		return d[5:]
	}
	return d
}

func maxOf(vs []float64) float64 {
	m := 0.0
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}

// niceCeil is the smallest of 1, 2, 2.5 or 5 times a power of ten at
// least v (1 for zero), so that a quarter of it is a round figure.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}
