package bench

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram is a log-linear (HDR-style) latency histogram in microseconds,
// safe for concurrent Record calls without locks. Values below 128 µs are
// exact; above, each power of two is cut into 128 equal buckets, so a
// reported percentile is within 1/128 (0.8%) of the true value. It covers
// up to 2^36 µs (19 hours); longer values count as that.
//
// github.com/HdrHistogram/hdrhistogram-go is not among the Go modules this
// project can fetch here, and this is all the bench needs of it.
type Histogram struct {
	counts [numBuckets]atomic.Uint64
	n      atomic.Uint64
	sum    atomic.Uint64 // µs
	max    atomic.Uint64 // µs, exact
}

const (
	subBits    = 7
	subCount   = 1 << subBits // buckets per power of two
	maxBit     = 36           // largest value 2^36-1 µs
	numBuckets = subCount + (maxBit-subBits)*subCount
	maxValue   = 1<<maxBit - 1
)

// bucketOf is the bucket index of a value in µs.
func bucketOf(v uint64) int {
	if v > maxValue {
		v = maxValue
	}
	if v < subCount {
		return int(v)
	}
	p := bits.Len64(v) - 1 // v in [2^p, 2^(p+1)), p >= subBits
	shift := p - subBits
	return subCount + shift*subCount + int(v>>shift) - subCount
}

// bucketHigh is the largest value in µs that falls in bucket i.
func bucketHigh(i int) uint64 {
	if i < subCount {
		return uint64(i)
	}
	shift := (i - subCount) / subCount
	sub := uint64((i-subCount)%subCount) + subCount
	return (sub+1)<<shift - 1
}

// Record adds one observation.
func (h *Histogram) Record(d time.Duration) {
	us := d.Microseconds()
	if us < 0 {
		us = 0
	}
	v := uint64(us)
	h.counts[bucketOf(v)].Add(1)
	h.n.Add(1)
	h.sum.Add(v)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			break
		}
	}
}

// Count is the number of observations.
func (h *Histogram) Count() uint64 { return h.n.Load() }

// Max is the largest observation.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) * time.Microsecond }

// Mean is the average observation.
func (h *Histogram) Mean() time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load()/n) * time.Microsecond
}

// Quantile is the value at or below which a fraction q (0..1) of the
// observations lie: the upper end of that bucket, at most the maximum.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			v := bucketHigh(i)
			if m := h.max.Load(); v > m {
				v = m
			}
			return time.Duration(v) * time.Microsecond
		}
	}
	return h.Max()
}
