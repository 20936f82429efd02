package bench

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBuckets(t *testing.T) {
	prev := -1
	for v := uint64(0); v < 1<<20; v++ {
		i := bucketOf(v)
		if i < prev || i > prev+1 {
			t.Fatalf("bucketOf(%d) = %d after %d", v, i, prev)
		}
		if v > bucketHigh(i) || (i > 0 && v <= bucketHigh(i-1)) {
			t.Fatalf("%d not in bucket %d (%d..%d]", v, i, bucketHigh(i-1), bucketHigh(i))
		}
		prev = i
	}
	if got := bucketOf(1 << 40); got != numBuckets-1 {
		t.Fatalf("bucketOf(2^40) = %d, want the last bucket %d", got, numBuckets-1)
	}
	if bucketHigh(numBuckets-1) != maxValue {
		t.Fatalf("last bucket ends at %d, want %d", bucketHigh(numBuckets-1), maxValue)
	}
}

func TestQuantiles(t *testing.T) {
	var h Histogram
	if h.Quantile(0.99) != 0 || h.Count() != 0 {
		t.Fatal("empty histogram")
	}
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]time.Duration, 100000)
	for i := range vals {
		// Log-normal-ish: 100 µs .. 1 s.
		vals[i] = time.Duration(100*(1<<r.IntN(14))+r.IntN(1000)) * time.Microsecond
		h.Record(vals[i])
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 1} {
		want := vals[int(q*float64(len(vals)))-1]
		got := h.Quantile(q)
		if got < want || float64(got-want) > float64(want)/subCount+float64(time.Microsecond) {
			t.Errorf("q%v: got %v, want %v (within 1/%d)", q, got, want, subCount)
		}
	}
	if h.Max() != vals[len(vals)-1] {
		t.Errorf("max %v, want %v", h.Max(), vals[len(vals)-1])
	}
	if h.Count() != uint64(len(vals)) {
		t.Errorf("count %d", h.Count())
	}
}
