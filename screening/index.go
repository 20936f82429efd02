package screening

import (
	"cmp"
	"math"
	"slices"
	"sort"
)

// The blocking index: Screen scores a name only against the entries that
// share enough characters with it to reach Threshold, and the argument
// below shows that no other entry can.
//
// Both comparisons of score are the Jaro–Winkler similarity jw of two
// strings a and b: the whole normalized names (jw >= Threshold), or their
// aligned words joined by single spaces, d words of the longer name left out
// (jw - 0.02*d >= Threshold). Either way jw >= T = Threshold + 0.02*d, d = 0
// for whole names. With m the matched characters and t the transpositions
// of a and b,
//
//	jw   = jaro + l*0.1*(1-jaro) <= 0.4 + 0.6*jaro               (l <= 4)
//	jaro = (m/|a| + m/|b| + (m-t)/m) / 3 <= (m/|a| + m/|b| + 1) / 3
//
// so jaro >= J = (T-0.4)/0.6 and
//
//	m/|a| + m/|b| >= S = 3*J - 1                                        (1)
//
// which, as m <= min(|a|,|b|), needs the shorter string to be at least
// R = S - 1 times the longer, and m >= R*max(|a|,|b|), m >= S*|a|*|b|/(|a|+|b|).
//
//	d (words left out)   0     1     2     3     4    5 or more
//	T                    0.92  0.94  0.96  0.98  1    impossible
//	S                    1.6   1.7   1.8   1.9   2
//	R                    0.6   0.7   0.8   0.9   1
//
// Matched characters are equal characters at distinct positions, so m is at
// most the size of the intersection of the two strings' multisets of
// characters (spaces included), an element being "the k-th occurrence of
// character c"; and a (b) is made of words of the query q (the entry e) and
// at most as many spaces as q (e) has, so its multiset is part of q's (e's).
// Therefore the multisets of q and e, of sizes x = |q| and y = |e|, share at
// least
//
//	tau(x, y) = ceil(1.6*x*y/(x+y))  for whole names (0.6x <= y <= x/0.6),
//	                                 and aligned names with as many words
//	                                 (all their words, reordered);
//	ceil(R*x)   when e has d more words than q: a is all of q (|a| = x) and
//	            b part of e, so also y >= |b| >= R*x;
//	ceil(R*y)   when q has d more words than e: b is all of e, so also
//	            y <= |a|/R <= x/R.
//
// If two sets of sizes x and y share at least tau elements, any x-tau+1
// elements of the first include one of the second (else the intersection
// would be among the other tau-1). The index keeps, for every element, the
// entries that have it (full) and the entries that have it among the
// y-ceil(0.7*y)+1 rarest of their own elements (prefix; 0.7 is R for d = 1,
// the least R of the third case). Screen takes the query's elements rarest
// first (rarity: how many entries have them) and collects, in each group of
// entries with one word count,
//
//   - from full, for each of q's first x-tau(x,y)+1 elements, the entries
//     of length y, for every y of the window (whole names);
//   - when e has d (1 to 4) more words than q and q has two or more: from
//     full, for each of q's first x-ceil(R*x)+1 elements, the entries of
//     length y >= ceil(R*x);
//   - when q has d (1 to 4) more words than e and e has two or more: from
//     prefix, for each of q's elements, the entries of length y <= x/R.
//
// Every entry that can score Threshold is collected by one of these: no
// match is lost, whatever the typo (the first letters of a name have no
// special role). mayReach then checks each candidate, before any
// Jaro–Winkler computation: whole names by their exact intersection and
// tau(x, y); an alignment first coarsely (|b| <= y minus the d shortest
// words of e and their spaces), then (1) itself for each choice of the d
// words left out, with m at most the intersection of the part that remains
// with the other name, and the lengths of both. TestBlockingLosesNothing
// checks the result against scoring every entry.

// bound is what a pair of strings needs for jw >= Threshold + alignPenalty*d
// ((1) above): m/|a| + m/|b| >= sum, the shorter at least ratio times the
// longer. ok is false when no pair can (d >= 5).
type bound struct {
	sum, ratio float64
	ok         bool
}

// bounds[d] is the bound for d words left out, d from 0 (whole names) to
// maxLeftOut.
var bounds = func() (b [maxLeftOut + 2]bound) {
	for d := range b {
		t := Threshold + alignPenalty*float64(d) - slack
		if t > 1 {
			continue
		}
		j := (t - winklerMaxPrefix*winklerScale) / (1 - winklerMaxPrefix*winklerScale)
		sum := 3*j - 1
		b[d] = bound{sum: sum, ratio: sum - 1, ok: true}
	}
	return b
}()

// leftOut returns the bound for d words left out (any d >= 0).
func leftOut(d int) bound {
	if d >= len(bounds) {
		return bound{}
	}
	return bounds[d]
}

// maxLeftOut is the most words the alignment can leave out and still reach
// Threshold (with every other character equal): (1 - Threshold)/alignPenalty.
const maxLeftOut = 4

// slack absorbs floating-point error in the bounds, always in the direction
// that admits more entries.
const slack = 1e-9

// ceilBound is ceil(v), rounded down when v is within slack above an
// integer (0.6*10 is 6.000000000000001 in floating point).
func ceilBound(v float64) int { return int(math.Ceil(v - slack)) }

// floorBound is floor(v), rounded up when v is within slack below an
// integer.
func floorBound(v float64) int { return int(math.Floor(v + slack)) }

// tauFull is the least shared elements of two names of lengths x and y
// compared whole.
func tauFull(x, y int) int {
	return ceilBound(bounds[0].sum * float64(x) * float64(y) / float64(x+y))
}

// window returns the lengths [lo, hi] that a name compared whole with one of
// length x may have.
func window(x int) (lo, hi int) {
	r := bounds[0].ratio
	return ceilBound(r * float64(x)), floorBound(float64(x) / r)
}

// nsym is the number of characters in normalized names: a-z, 0-9, space.
const nsym = 37

// symOf returns the number of a normalized name's character.
func symOf(c byte) int {
	switch {
	case c >= 'a' && c <= 'z':
		return int(c - 'a')
	case c >= '0' && c <= '9':
		return 26 + int(c-'0')
	}
	return 36
}

// counts counts a normalized name's characters, by symOf.
type counts [nsym]int32

// countsOf returns the counts of a normalized name.
func countsOf(s string) counts {
	var c counts
	for i := 0; i < len(s); i++ {
		c[symOf(s[i])]++
	}
	return c
}

// histogram is counts packed one byte per character, eight to a word, for
// a quick intersect. It is exact for names of up to maxPacked bytes (no
// count reaches 128); mayReach does not use it for longer ones.
type histogram [(nsym + 7) / 8]uint64

// maxPacked is the longest name whose histogram is exact.
const maxPacked = 127

// histogramOf returns the histogram of a normalized name (of up to
// maxPacked bytes).
func histogramOf(s string) histogram {
	var h histogram
	for i := 0; i < len(s) && i < maxPacked; i++ {
		h.add(symOf(s[i]), 1)
	}
	return h
}

// add adds n (which may be negative, down to 0) to the count of sym.
func (h *histogram) add(sym, n int) {
	h[sym>>3] += uint64(int64(n)) << (8 * (sym & 7))
}

// intersect returns the size of the intersection of two names' multisets of
// characters: the sum over characters of the smaller count, computed eight
// counts at a time (each below 128).
func intersect(a, b *histogram) int {
	const high = 0x8080808080808080
	const pairs = 0x00FF00FF00FF00FF
	var sum uint64
	for i := range a {
		x, y := a[i], b[i]
		// (x|high)-y has the high bit of a byte set where x >= y.
		ge := ((x | high) - y) & high
		mask := (ge >> 7) * 0xFF
		m := y&mask | x&^mask
		sum += m&pairs + m>>8&pairs // four 16-bit sums
	}
	return int((sum * 0x0001000100010001) >> 48)
}

// element is the k-th occurrence (k from 1) of character sym, with its
// rarity (the number of entries that have it).
type element struct {
	sym, k int32
	freq   int32
}

// index is the Matcher's blocking index.
type index struct {
	// full[sym][k-1] and prefix[sym][k-1] are the entries (indices into
	// Matcher.entries, ascending) with the k-th occurrence of sym: all of
	// them, and those for which it is among the rarest of their elements.
	full, prefix [nsym][][]int32
	// groups are the ranges of entries with one word count, ascending.
	groups []group
	// sums are the entries' summaries, in the same order.
	sums []summary
}

// group is the range [start, end) of Matcher.entries with words words.
type group struct {
	words      int
	start, end int
}

// freq returns the number of entries with the k-th occurrence of sym.
func (ix *index) freq(sym, k int32) int32 {
	if int(k) > len(ix.full[sym]) {
		return 0
	}
	return int32(len(ix.full[sym][k-1]))
}

// buildIndex fills m.index from m.entries.
func (m *Matcher) buildIndex() {
	ix := &m.index
	ix.sums = make([]summary, len(m.entries))
	for i := range m.entries {
		e := &m.entries[i]
		ix.sums[i] = summarize(e)
		if n := len(ix.groups); n == 0 || ix.groups[n-1].words != len(e.words) {
			ix.groups = append(ix.groups, group{words: len(e.words), start: i})
		}
		ix.groups[len(ix.groups)-1].end = i + 1
		for sym, c := range countsOf(e.norm) {
			for k := range int(c) {
				if k == len(ix.full[sym]) {
					ix.full[sym] = append(ix.full[sym], nil)
				}
				ix.full[sym][k] = append(ix.full[sym][k], int32(i))
			}
		}
	}
	var elems []element
	for i := range m.entries {
		e := &m.entries[i]
		c := countsOf(e.norm)
		elems = elementsOf(ix, &c, elems[:0])
		y := len(e.norm)
		for _, el := range elems[:y-ceilBound(bounds[1].ratio*float64(y))+1] {
			if int(el.k) > len(ix.prefix[el.sym]) {
				ix.prefix[el.sym] = append(ix.prefix[el.sym], make([][]int32, int(el.k)-len(ix.prefix[el.sym]))...)
			}
			ix.prefix[el.sym][el.k-1] = append(ix.prefix[el.sym][el.k-1], int32(i))
		}
	}
}

// elementsOf appends the elements of a name with counts h to dst, rarest
// first (ties by character, then occurrence), and returns it.
func elementsOf(ix *index, h *counts, dst []element) []element {
	for sym, c := range h {
		for k := int32(1); k <= c; k++ {
			dst = append(dst, element{sym: int32(sym), k: k, freq: ix.freq(int32(sym), k)})
		}
	}
	slices.SortFunc(dst, func(a, b element) int {
		return cmp.Or(cmp.Compare(a.freq, b.freq), cmp.Compare(a.sym, b.sym), cmp.Compare(a.k, b.k))
	})
	return dst
}

// lengthAt returns the index of the first entry of [start, end) whose
// normalized name is at least y long.
func (m *Matcher) lengthAt(start, end, y int) int {
	return start + sort.Search(end-start, func(i int) bool { return len(m.entries[start+i].norm) >= y })
}

// candidates returns the indices of the entries that the blocking index
// admits for q (the argument at the top of this file), each once.
func (m *Matcher) candidates(q *query, s *scratch) []int32 {
	s.epoch++
	if s.epoch == 0 {
		clear(s.stamp)
		clear(s.wordStamp)
		s.epoch = 1
	}
	s.wordSims = s.wordSims[:0]
	s.cands = s.cands[:0]
	s.elems = elementsOf(&m.index, &q.counts, s.elems[:0])
	x, nq := len(q.norm), len(q.words)
	ylo, yhi := q.lo, q.hi
	for _, g := range m.groups {
		// Whole names: for the r-th rarest element, the lengths y whose
		// tau(x, y) <= x-r, an interval from ylo as tau grows with y,
		// which shrinks as r grows.
		lo := m.lengthAt(g.start, g.end, ylo)
		y := yhi
		for r, el := range s.elems {
			for y >= ylo && tauFull(x, y) > x-r {
				y--
			}
			if y < ylo {
				break
			}
			m.collect(s, m.full[el.sym], el.k, lo, m.lengthAt(g.start, g.end, y+1))
		}
		// Aligned words, d of them left out.
		switch d := g.words - nq; {
		case d > 0 && alignable(nq, g.words) && leftOut(d).ok:
			tau := q.tauAlign[d]
			lo := m.lengthAt(g.start, g.end, tau)
			for _, el := range s.elems[:x-tau+1] {
				m.collect(s, m.full[el.sym], el.k, lo, g.end)
			}
		case d < 0 && alignable(nq, g.words) && leftOut(-d).ok:
			hi := m.lengthAt(g.start, g.end, floorBound(float64(x)/leftOut(-d).ratio)+1)
			for _, el := range s.elems {
				m.collect(s, m.prefix[el.sym], el.k, g.start, hi)
			}
		}
	}
	return s.cands
}

// collect adds to s.cands the entries of lists[k-1] in [lo, hi) not added
// yet.
func (m *Matcher) collect(s *scratch, lists [][]int32, k int32, lo, hi int) {
	if lo >= hi || int(k) > len(lists) {
		return
	}
	list := lists[k-1]
	from, _ := slices.BinarySearch(list, int32(lo))
	for _, i := range list[from:] {
		if int(i) >= hi {
			break
		}
		if s.stamp[i] != s.epoch {
			s.stamp[i] = s.epoch
			s.cands = append(s.cands, i)
		}
	}
}

// summary is what mayReach needs of an entry, kept apart from the entries
// in one small record (a cache line) per entry: it is read for thousands of
// candidates per screened name.
type summary struct {
	hist  histogram // exact when n <= maxPacked
	n     int32     // length of the normalized name
	words uint16
	drop  [maxLeftOut + 1]uint16 // dropLengths, when n <= maxPacked
}

// summarize returns the summary of an entry.
func summarize(e *listed) summary {
	s := summary{hist: histogramOf(e.norm), n: int32(len(e.norm)), words: uint16(min(len(e.words), math.MaxUint16))}
	for d, v := range dropLengths(e.words) {
		s.drop[d] = uint16(min(v, math.MaxUint16))
	}
	return s
}

// mayReach reports which of score's comparisons of q and an entry (its
// summary and words) can reach Threshold by the bounds above, given the
// exact number of characters they share: whole names, aligned words.
func mayReach(q *query, e *summary, words []string) (whole, align bool) {
	x, y := len(q.norm), int(e.n)
	if x > maxPacked || y > maxPacked {
		return true, true // histograms not exact: let score decide
	}
	nq, ne := len(q.words), int(e.words)
	shared := intersect(&q.hist, &e.hist)
	whole = y >= q.lo && y <= q.hi && shared >= tauFull(x, y)
	switch d := ne - nq; {
	case d == 0:
		align = whole && alignable(nq, ne)
	case d > 0 && alignable(nq, ne) && leftOut(d).ok:
		// b is e without d words: at most y - e.drop[d] long.
		align = min(shared, x, y-int(e.drop[d])) >= q.tauAlign[d] &&
			anySubset(words, &e.hist, d, &q.hist, x, leftOut(d).sum)
	case d < 0 && alignable(nq, ne) && leftOut(-d).ok:
		align = min(shared, y, x-q.drop[-d]) >= ceilBound(leftOut(-d).ratio*float64(y)) &&
			q.anyPart(-d, &e.hist, y, leftOut(-d).sum)
	}
	return whole, align
}

// part is what is left of a name when some of its words are left out.
type part struct {
	hist histogram
	n    int // length, spaces between the words included
}

// partsOf returns, for d from 1 to maxLeftOut, the parts of a name that
// leaving out d of its words leaves, or nil when the name has more than
// maxSubsetWords words.
func partsOf(words []string, h *histogram) (parts [maxLeftOut + 1][]part) {
	n := len(words)
	if n > maxSubsetWords {
		return parts
	}
	total := n - 1
	for _, w := range words {
		total += len(w)
	}
	for d := 1; d <= maxLeftOut && d < n; d++ {
		for set := uint(1)<<d - 1; set < 1<<n; set = nextSet(set) {
			p := part{hist: *h, n: total}
			for i := range n {
				if set&(1<<i) != 0 {
					for j := 0; j < len(words[i]); j++ {
						p.hist.add(symOf(words[i][j]), -1)
					}
					p.hist.add(symOf(' '), -1)
					p.n -= len(words[i]) + 1
				}
			}
			parts[d] = append(parts[d], p)
		}
	}
	return parts
}

// anyPart is anySubset for the query, whose parts are computed once.
func (q *query) anyPart(d int, other *histogram, otherLen int, sum float64) bool {
	if len(q.words) > maxSubsetWords {
		return true
	}
	for i := range q.parts[d] {
		p := &q.parts[d][i]
		if fits(intersect(&p.hist, other), otherLen, p.n, sum) {
			return true
		}
	}
	return false
}

// fits reports whether strings of lengths la and lb sharing `shared`
// characters can have m/la + m/lb >= sum ((1) at the top of this file), m
// being at most shared, la and lb.
func fits(shared, la, lb int, sum float64) bool {
	m := float64(min(shared, la, lb))
	return m/float64(la)+m/float64(lb) >= sum-slack
}

// nextSet returns the next larger integer with as many bits set as set
// (Gosper's hack): the next subset of words of the same size.
func nextSet(set uint) uint {
	c := set & -set
	r := set + c
	return (((r ^ set) >> 2) / c) | r
}

// maxSubsetWords is the most words anySubset looks into: past it, the
// alignment of a name is judged by the whole name's bound alone.
const maxSubsetWords = 10

// anySubset reports whether leaving out some d of words (a name with
// histogram h) can leave a part p that fits other (of length otherLen) by
// the bound (1) of an alignment that leaves out d words, whose sum is sum.
func anySubset(words []string, h *histogram, d int, other *histogram, otherLen int, sum float64) bool {
	n := len(words)
	if n > maxSubsetWords {
		return true
	}
	total := len(words) - 1
	for _, w := range words {
		total += len(w)
	}
	// Every n-bit mask with d bits set (Gosper's hack), the words to leave
	// out.
	for set := uint(1)<<d - 1; set < 1<<n; set = nextSet(set) {
		part, plen := *h, total
		for i := range n {
			if set&(1<<i) != 0 {
				for j := 0; j < len(words[i]); j++ {
					part.add(symOf(words[i][j]), -1)
				}
				part.add(symOf(' '), -1)
				plen -= len(words[i]) + 1
			}
		}
		if fits(intersect(&part, other), otherLen, plen, sum) {
			return true
		}
	}
	return false
}

// dropLengths returns, for d from 0 to maxLeftOut, the length of the d
// shortest words plus d spaces: the least a name loses when the alignment
// leaves out d of its words.
func dropLengths(words []string) (drop [maxLeftOut + 1]int) {
	lens := make([]int, len(words))
	for i, w := range words {
		lens[i] = len(w)
	}
	slices.Sort(lens)
	for d := 1; d <= maxLeftOut && d <= len(lens); d++ {
		drop[d] = drop[d-1] + lens[d-1] + 1
	}
	return drop
}
