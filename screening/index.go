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
// strings a and b (the penalty of the alignment only lowers it): the whole
// normalized names, or their aligned words joined by single spaces. With m
// the matched characters and t the transpositions of a and b,
//
//	jw   = jaro + l*0.1*(1-jaro) <= 0.4 + 0.6*jaro               (l <= 4)
//	jaro = (m/|a| + m/|b| + (m-t)/m) / 3 <= (m/|a| + m/|b| + 1) / 3
//
// so jw >= Threshold (0.92) needs jaro >= jaroMin (13/15) and
//
//	m/|a| + m/|b| >= matchSum (1.6)                                     (1)
//
// hence, as m <= min(|a|,|b|), lengths within lengthRatio (0.6) of each
// other, m >= 1.6*|a|*|b|/(|a|+|b|), and m >= 0.6*max(|a|,|b|).
//
// Matched characters are equal characters at distinct positions, so m is at
// most the size of the intersection of the two strings' multisets of
// characters (spaces included), an element being "the k-th occurrence of
// character c"; and a (b) is made of words of the query q (the entry e) and
// at most as many spaces as q (e) has, so its multiset is part of q's (e's).
// Therefore the multisets of q and e, of sizes x = |q| and y = |e|, share at
// least
//
//	tau(x, y) = ceil(1.6*x*y/(x+y))  when a and b are the whole names, or
//	                                 both all their words reordered;
//	ceil(0.6*x)                      when a is all of q's words and b some
//	                                 of e's (the alignment, e has more words);
//	ceil(0.6*y)                      when b is all of e's words and a some
//	                                 of q's (q has more words).
//
// If two sets of sizes x and y share at least tau elements, any x-tau+1
// elements of the first include one of the second (else the intersection
// would be among the other tau-1). The index keeps, for every element, the
// entries that have it (full) and the entries that have it among the
// y-ceil(0.6*y)+1 rarest of their own elements (prefix). Screen takes the
// query's elements rarest first (rarity: how many entries have them) and
// collects
//
//   - entries with as many words as q (or any entry, when q has one word:
//     then only whole names are compared), of length y in the window
//     [ceil(0.6x), floor(x/0.6)]: from full, for each of q's first
//     x-tau(x,y)+1 elements;
//   - entries with more words than q (two or more): from full, for each of
//     q's first x-ceil(0.6x)+1 elements, lengths y >= ceil(0.6x);
//   - entries with fewer words than q: from prefix, for each of q's
//     elements, lengths y <= floor(x/0.6).
//
// Every entry that can score Threshold is collected by the case that
// matches its word count: no match is lost, whatever the typo (the first
// letters of a name have no special role). mayReach then checks the exact
// intersection before the Jaro–Winkler computations. TestBlockingLosesNothing
// checks the collected set against scoring every entry.

// jaroMin is the lowest Jaro similarity from which the prefix bonus can
// reach Threshold.
var jaroMin = (Threshold - winklerMaxPrefix*winklerScale) / (1 - winklerMaxPrefix*winklerScale)

// matchSum is the least m/|a| + m/|b| of a pair that reaches Threshold (1).
var matchSum = 3*jaroMin - 1

// lengthRatio is the least ratio of the shorter to the longer string of a
// pair that reaches Threshold, and the least share of the longer string's
// characters that must match.
var lengthRatio = matchSum - 1

// slack absorbs floating-point error in the bounds, always in the direction
// that admits more entries.
const slack = 1e-9

// ceilBound is ceil(v), rounded down when v is within slack above an
// integer (0.6*10 is 6.000000000000001 in floating point).
func ceilBound(v float64) int { return int(math.Ceil(v - slack)) }

// floorBound is floor(v), rounded up when v is within slack below an
// integer.
func floorBound(v float64) int { return int(math.Floor(v + slack)) }

// tauFull is the least shared elements of two strings of lengths x and y
// compared whole.
func tauFull(x, y int) int {
	return ceilBound(matchSum * float64(x) * float64(y) / float64(x+y))
}

// tauShare is the least shared elements when the whole of a string of length
// n is compared with part of the other.
func tauShare(n int) int { return ceilBound(lengthRatio * float64(n)) }

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

// histogram counts a normalized name's characters.
type histogram [nsym]int32

// histogramOf returns the histogram of a normalized name.
func histogramOf(s string) histogram {
	var h histogram
	for i := 0; i < len(s); i++ {
		h[symOf(s[i])]++
	}
	return h
}

// intersect returns the size of the intersection of two names' multisets of
// characters.
func intersect(a, b *histogram) int {
	n := int32(0)
	for i := range a {
		n += min(a[i], b[i])
	}
	return int(n)
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
	for i := range m.entries {
		e := &m.entries[i]
		if n := len(ix.groups); n == 0 || ix.groups[n-1].words != len(e.words) {
			ix.groups = append(ix.groups, group{words: len(e.words), start: i})
		}
		ix.groups[len(ix.groups)-1].end = i + 1
		for sym, c := range e.hist {
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
		elems = elementsOf(ix, &e.hist, elems[:0])
		y := len(e.norm)
		for _, el := range elems[:y-tauShare(y)+1] {
			if int(el.k) > len(ix.prefix[el.sym]) {
				ix.prefix[el.sym] = append(ix.prefix[el.sym], make([][]int32, int(el.k)-len(ix.prefix[el.sym]))...)
			}
			ix.prefix[el.sym][el.k-1] = append(ix.prefix[el.sym][el.k-1], int32(i))
		}
	}
}

// elementsOf appends the elements of a histogram to dst, rarest first (ties
// by character, then occurrence), and returns it.
func elementsOf(ix *index, h *histogram, dst []element) []element {
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
		s.epoch = 1
	}
	s.cands = s.cands[:0]
	s.elems = elementsOf(&m.index, &q.hist, s.elems[:0])
	x, nq := len(q.norm), len(q.words)
	ylo, yhi := ceilBound(lengthRatio*float64(x)), floorBound(float64(x)/lengthRatio)
	for _, g := range m.groups {
		switch {
		case g.words == nq || (nq == 1 && g.words > nq):
			// Whole names (or reordered words) only: for the r-th rarest
			// element, the lengths y whose tau(x, y) <= x-r, which form
			// an interval from ylo as tau grows with y.
			for r, el := range s.elems {
				y := yhi
				for y >= ylo && tauFull(x, y) > x-r {
					y--
				}
				if y < ylo {
					break
				}
				m.collect(s, m.full[el.sym], el.k, m.lengthAt(g.start, g.end, ylo), m.lengthAt(g.start, g.end, y+1))
			}
		case g.words > nq:
			lo := m.lengthAt(g.start, g.end, ylo)
			for _, el := range s.elems[:x-tauShare(x)+1] {
				m.collect(s, m.full[el.sym], el.k, lo, g.end)
			}
		default: // g.words < nq
			hi := m.lengthAt(g.start, g.end, yhi+1)
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

// mayReach reports whether q and e share enough characters for score to
// reach Threshold by at least one of its comparisons (the bounds above).
func mayReach(q *query, e *listed) bool {
	shared := intersect(&q.hist, &e.hist)
	x, y := len(q.norm), len(e.norm)
	nq, ne := len(q.words), len(e.words)
	if y >= ceilBound(lengthRatio*float64(x)) && y <= floorBound(float64(x)/lengthRatio) && shared >= tauFull(x, y) {
		return true // whole names, and reordered words when nq == ne
	}
	switch {
	case nq >= 2 && ne > nq:
		return shared >= tauShare(x)
	case ne >= 2 && nq > ne:
		return shared >= tauShare(y)
	}
	return false
}
