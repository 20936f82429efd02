package risk

import (
	"encoding/binary"
	"errors"
	"time"
)

// Velocity is one wallet's recent activity, kept incrementally by the
// batches that move its money (no scan of history per payment) and stored
// with the wallet's row, so that it is exact across processes: the row is
// locked by the batch that changes it.
//
// Activity is counted in buckets: one per minute for the last hour, merged
// into quarter hours after that, dropped after a day. So the hour's
// aggregates are exact to the minute and the day's to the quarter hour at
// the window's far end (a payment 23 h 50 min ago counts in `sent_24h`
// until its quarter hour is more than 24 h old). A wallet has at most 60
// + 92 buckets, and most have a few.
type Velocity struct {
	// LastActive is the time of the wallet's last payment sent or received
	// (zero: none since Ingot kept it).
	LastActive time.Time
	// Day is the calendar day (yyyymmdd in the ledger's zone) of the day
	// totals, which the large-value report reads.
	Day                  int32
	DaySent, DayReceived int64
	DayCount             int64
	Buckets              []Bucket // by Start, ascending
}

// Bucket is the activity of one minute or quarter hour.
type Bucket struct {
	Start         int64 // Unix minute of its start
	Sent          int64 // minor units sent
	SentCount     int64
	Received      int64
	ReceivedCount int64
	// Senders counts the distinct wallets whose latest payment to this
	// wallet falls in the bucket; Payees those this wallet paid last in
	// it. Their sum over a window is the number of distinct counterparties
	// in it.
	Senders, Payees int64
	// Near counts payments sent at 90–100 % of the large-value threshold
	// (structuring, patterns.go).
	Near int64
}

const (
	hour       = 60 // minutes
	day        = 24 * hour
	quarter    = 15
	maxBuckets = hour + day/quarter + 2
)

func minute(t time.Time) int64 { return t.Unix() / 60 }

// Window sums the buckets that started within the last span minutes of now.
func (v *Velocity) Window(now time.Time, span int64) Bucket {
	from := minute(now) - span
	var w Bucket
	for _, b := range v.Buckets {
		if b.Start > from {
			w.Sent += b.Sent
			w.SentCount += b.SentCount
			w.Received += b.Received
			w.ReceivedCount += b.ReceivedCount
			w.Senders += b.Senders
			w.Payees += b.Payees
			w.Near += b.Near
		}
	}
	return w
}

// Hour and Day24 are the aggregates of the last hour and the last day.
func (v *Velocity) Hour(now time.Time) Bucket  { return v.Window(now, hour) }
func (v *Velocity) Day24(now time.Time) Bucket { return v.Window(now, day) }

// bucket returns the bucket of now, after compacting: minutes older than
// an hour merge into their quarter hour, buckets older than a day go.
func (v *Velocity) bucket(now time.Time) *Bucket {
	m := minute(now)
	out := v.Buckets[:0]
	for _, b := range v.Buckets {
		if b.Start <= m-day-quarter {
			continue
		}
		if b.Start <= m-hour {
			b.Start -= b.Start % quarter
			if n := len(out); n > 0 && out[n-1].Start == b.Start {
				out[n-1].add(b)
				continue
			}
		}
		out = append(out, b)
	}
	v.Buckets = out
	if n := len(v.Buckets); n > 0 && v.Buckets[n-1].Start == m {
		return &v.Buckets[n-1]
	}
	if n := len(v.Buckets); n > 0 && v.Buckets[n-1].Start > m {
		// A batch stamped earlier than the last one (clocks of two
		// processes): count it in the latest bucket.
		return &v.Buckets[n-1]
	}
	v.Buckets = append(v.Buckets, Bucket{Start: m})
	return &v.Buckets[len(v.Buckets)-1]
}

func (b *Bucket) add(o Bucket) {
	b.Sent += o.Sent
	b.SentCount += o.SentCount
	b.Received += o.Received
	b.ReceivedCount += o.ReceivedCount
	b.Senders += o.Senders
	b.Payees += o.Payees
	b.Near += o.Near
}

// at returns the bucket that holds time t's activity, or nil when it was
// dropped.
func (v *Velocity) at(t time.Time) *Bucket {
	m := minute(t)
	for i := len(v.Buckets) - 1; i >= 0; i-- {
		b := &v.Buckets[i]
		if b.Start <= m {
			if b.Start == m || m-b.Start < quarter && b.Start%quarter == 0 {
				return b
			}
			return nil
		}
	}
	return nil
}

// counterparty moves a distinct counterparty's mark from the bucket of its
// previous payment (at last; zero: none) to cur, in the field that pick
// selects.
func (v *Velocity) counterparty(cur *Bucket, last time.Time, pick func(*Bucket) *int64) {
	if !last.IsZero() {
		if b := v.at(last); b != nil && *pick(b) > 0 {
			*pick(b)--
		}
	}
	*pick(cur)++
}

// Sent records a payment of amount to payee (last: the time of this
// payer's previous payment to that payee; zero: none). near marks a
// payment close below a reporting threshold.
func (v *Velocity) Sent(now time.Time, dayKey int32, amount int64, last time.Time, near bool) {
	b := v.bucket(now)
	b.Sent += amount
	b.SentCount++
	if near {
		b.Near++
	}
	v.counterparty(b, last, func(b *Bucket) *int64 { return &b.Payees })
	v.daily(dayKey)
	v.DaySent += amount
	v.DayCount++
	v.LastActive = now
}

// Received records a payment of amount from payer (last: the time of that
// payer's previous payment to this wallet; zero: none).
func (v *Velocity) Received(now time.Time, dayKey int32, amount int64, last time.Time) {
	b := v.bucket(now)
	b.Received += amount
	b.ReceivedCount++
	v.counterparty(b, last, func(b *Bucket) *int64 { return &b.Senders })
	v.daily(dayKey)
	v.DayReceived += amount
	v.DayCount++
	v.LastActive = now
}

func (v *Velocity) daily(dayKey int32) {
	if v.Day != dayKey {
		v.Day, v.DaySent, v.DayReceived, v.DayCount = dayKey, 0, 0, 0
	}
}

// DayTotals are the day's totals on dayKey (zero on another day).
func (v *Velocity) DayTotals(dayKey int32) (sent, received, count int64) {
	if v.Day != dayKey {
		return 0, 0, 0
	}
	return v.DaySent, v.DayReceived, v.DayCount
}

// Encoding: a version byte, then varints (LastActive in Unix
// microseconds, Day, DaySent, DayReceived, DayCount, the number of
// buckets, and per bucket its Start as a delta from the previous one and
// its seven counters). A wallet with no activity encodes as nothing.

const velocityVersion = 1

// MarshalBinary encodes v compactly (tens of bytes for most wallets).
func (v *Velocity) MarshalBinary() ([]byte, error) {
	if v.LastActive.IsZero() && len(v.Buckets) == 0 && v.Day == 0 {
		return nil, nil
	}
	b := make([]byte, 0, 16+len(v.Buckets)*12)
	b = append(b, velocityVersion)
	var la int64
	if !v.LastActive.IsZero() {
		la = v.LastActive.UnixMicro()
	}
	b = binary.AppendVarint(b, la)
	b = binary.AppendVarint(b, int64(v.Day))
	b = binary.AppendVarint(b, v.DaySent)
	b = binary.AppendVarint(b, v.DayReceived)
	b = binary.AppendVarint(b, v.DayCount)
	b = binary.AppendUvarint(b, uint64(len(v.Buckets)))
	prev := int64(0)
	for _, k := range v.Buckets {
		b = binary.AppendVarint(b, k.Start-prev)
		prev = k.Start
		for _, n := range [...]int64{k.Sent, k.SentCount, k.Received, k.ReceivedCount, k.Senders, k.Payees, k.Near} {
			b = binary.AppendVarint(b, n)
		}
	}
	return b, nil
}

var errVelocity = errors.New("risk: a velocity record does not decode")

// UnmarshalBinary decodes what MarshalBinary encoded.
func (v *Velocity) UnmarshalBinary(b []byte) error {
	*v = Velocity{}
	if len(b) == 0 {
		return nil
	}
	if b[0] != velocityVersion {
		return errVelocity
	}
	b = b[1:]
	next := func() (int64, bool) {
		n, k := binary.Varint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return n, true
	}
	var f [5]int64
	for i := range f {
		var ok bool
		if f[i], ok = next(); !ok {
			return errVelocity
		}
	}
	if f[0] != 0 {
		v.LastActive = time.UnixMicro(f[0]).UTC()
	}
	if f[1] < 0 || f[1] > 99991231 {
		return errVelocity
	}
	v.Day, v.DaySent, v.DayReceived, v.DayCount = int32(f[1]), f[2], f[3], f[4]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > maxBuckets {
		return errVelocity
	}
	b = b[k:]
	v.Buckets = make([]Bucket, n)
	prev := int64(0)
	for i := range v.Buckets {
		d, ok := next()
		if !ok || (i > 0 && d <= 0) {
			return errVelocity
		}
		prev += d
		k := &v.Buckets[i]
		k.Start = prev
		for _, p := range [...]*int64{&k.Sent, &k.SentCount, &k.Received, &k.ReceivedCount, &k.Senders, &k.Payees, &k.Near} {
			if *p, ok = next(); !ok {
				return errVelocity
			}
		}
	}
	if len(b) != 0 {
		return errVelocity
	}
	return nil
}
