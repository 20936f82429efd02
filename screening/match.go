package screening

import (
	"cmp"
	"slices"
	"sync"
)

// Threshold is the lowest score Screen reports: a holder's name that scores
// this or more against a listed name is a hit.
const Threshold = 0.92

// alignPenalty is what the word alignment of score takes off for each word
// of the longer name left without a partner (a middle name missing on one
// side): an exact match but for one missing word scores 0.98.
const alignPenalty = 0.02

// Match is one listed entry that a screened name resembles, and how much.
type Match struct {
	Entry Entry
	// Score is in [Threshold, 1]; 1 is the same name after Normalize.
	Score float64
}

// Matcher screens names against a sanctions list. It is built once per
// list and is safe for concurrent use by any number of goroutines.
type Matcher struct {
	// entries are the listed names with something to compare (an entry
	// whose name normalizes to "" can match nothing and is left out),
	// ordered by word count, then length, then list order; an entry's
	// index here is its number in the postings.
	entries []listed
	// words are the distinct words of the entries' normalized names.
	words []string
	index
	scratch sync.Pool
}

// listed is one entry with its normalized name.
type listed struct {
	entry Entry
	order int // position in the list given to NewMatcher
	norm  string
	words []string
	// wordIDs are the indices of words in Matcher.words.
	wordIDs []int32
}

// NewMatcher returns a Matcher for the entries (a sanctions list, typically
// from ParseCSV). It keeps its own copy of them.
func NewMatcher(entries []Entry) *Matcher {
	m := &Matcher{}
	for i, e := range entries {
		words := normalizeWords(e.Name)
		if len(words) == 0 {
			continue
		}
		m.entries = append(m.entries, listed{entry: e, order: i, words: words, norm: joinWords(words)})
	}
	ids := map[string]int32{}
	for i := range m.entries {
		e := &m.entries[i]
		for _, w := range e.words {
			id, ok := ids[w]
			if !ok {
				id = int32(len(m.words))
				ids[w] = id
				m.words = append(m.words, w)
			}
			e.wordIDs = append(e.wordIDs, id)
		}
	}
	slices.SortFunc(m.entries, func(a, b listed) int {
		return cmp.Or(cmp.Compare(len(a.words), len(b.words)), cmp.Compare(len(a.norm), len(b.norm)), cmp.Compare(a.order, b.order))
	})
	m.buildIndex()
	m.scratch.New = func() any {
		return &scratch{
			stamp:     make([]uint32, len(m.entries)),
			wordStamp: make([]uint32, len(m.words)),
			wordRow:   make([]int32, len(m.words)),
		}
	}
	return m
}

// Len returns the number of entries the Matcher compares names with: those
// of its list whose names have at least one letter or digit.
func (m *Matcher) Len() int { return len(m.entries) }

// Screen returns the listed entries whose names score Threshold or more
// against name, the best first (equal scores in list order). The score is
// the higher of two Jaro–Winkler similarities of the normalized names (see
// Normalize):
//
//   - the whole names, words sorted, as Normalize writes them;
//   - the names with their words aligned: each word of the name with fewer
//     words (either one when they have as many) is paired with a different
//     word of the other, greedily, the most similar pair (by Jaro–Winkler)
//     first; the paired words are joined in the order of the name with fewer
//     words and compared; alignPenalty (0.02) is taken off for every word of
//     the longer name left out. This is what makes "Kwei Li" meet "Li Wei"
//     (a typo in a first letter changes the sort order of the words) and
//     "John Smith" meet "John Michael Smith" (0.96). A name of one word is
//     never aligned with part of a longer one: "Smith" alone does not hit
//     every listed Smith, and names of more than 12 words (maxAlignWords)
//     are compared whole only.
//
// Screen compares name only with the entries its blocking index (index.go)
// admits, which are all those that can reach Threshold; its cost grows with
// how many listed names resemble name (docs/screening.md has the figures for
// a list of 10,000).
func (m *Matcher) Screen(name string) []Match {
	words := normalizeWords(name)
	if len(words) == 0 || len(m.entries) == 0 {
		return nil
	}
	q := newQuery(words)
	s := m.scratch.Get().(*scratch)
	defer m.scratch.Put(s)
	type hit struct {
		score float64
		e     *listed
	}
	var hits []hit
	for _, i := range m.candidates(&q, s) {
		e := &m.entries[i]
		whole, align := mayReach(&q, &m.sums[i], e.words)
		if !whole && !align {
			continue
		}
		if sc := score(&q, e, whole, align, s); sc >= Threshold {
			hits = append(hits, hit{sc, e})
		}
	}
	if len(hits) == 0 {
		return nil
	}
	slices.SortFunc(hits, func(a, b hit) int { return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.e.order, b.e.order)) })
	out := make([]Match, len(hits))
	for i, h := range hits {
		out[i] = Match{Entry: h.e.entry, Score: h.score}
	}
	return out
}

// query is a screened name, normalized, with what the blocking index
// needs of it.
type query struct {
	words  []string
	norm   string
	counts counts
	hist   histogram           // exact when len(norm) <= maxPacked
	drop   [maxLeftOut + 1]int // dropLengths(words)
	parts  [maxLeftOut + 1][]part
	// lo and hi are the window of lengths of whole names (window);
	// tauAlign[d] is ceil(R*x) for d words left out.
	lo, hi   int
	tauAlign [maxLeftOut + 1]int
}

// newQuery returns the query of a name's normalized words.
func newQuery(words []string) query {
	q := query{words: words, norm: joinWords(words)}
	q.counts, q.hist, q.drop = countsOf(q.norm), histogramOf(q.norm), dropLengths(words)
	if len(q.norm) <= maxPacked {
		q.parts = partsOf(words, &q.hist)
	}
	q.lo, q.hi = window(len(q.norm))
	for d := 1; d <= maxLeftOut; d++ {
		q.tauAlign[d] = ceilBound(leftOut(d).ratio * float64(len(q.norm)))
	}
	return q
}

// scratch is one Screen call's working memory, reused through a sync.Pool.
type scratch struct {
	stamp []uint32 // stamp[i] == epoch: entry i is already a candidate
	epoch uint32
	// wordStamp[id] == epoch: the similarities of the query's words with
	// the list's word id are at wordSims[wordRow[id]:].
	wordStamp []uint32
	wordRow   []int32
	wordSims  []float64
	cands     []int32
	elems     []element
	sims      []float64
	used      []bool
	pairs     []pair
	a, b      []byte
}

// pair is two aligned words: the i-th of the query, the j-th of the entry.
type pair struct{ i, j int }

// score returns the score of q against e (Screen's doc comment), computing
// only the comparisons that mayReach says can reach Threshold (whole names,
// aligned words): the other one is below Threshold, so the score of a hit
// is the same.
func score(q *query, e *listed, whole, align bool, s *scratch) float64 {
	best := 0.0
	if whole {
		best = jaroWinkler(q.norm, e.norm)
	}
	if align && best < 1 && alignable(len(q.words), len(e.words)) {
		best = max(best, aligned(q, e, s))
	}
	return best
}

// maxAlignWords is the most words a name may have for score to align its
// words (which takes time cubic in the number of words); longer names are
// compared whole only.
const maxAlignWords = 12

// alignable reports whether names of nq and ne words are compared with
// their words aligned: both have two words or more, and at most
// maxAlignWords.
func alignable(nq, ne int) bool {
	return nq >= 2 && ne >= 2 && nq <= maxAlignWords && ne <= maxAlignWords
}

// aligned returns the score of q against e with their words aligned (two
// or more words each).
func aligned(q *query, e *listed, s *scratch) float64 {
	nq, ne := len(q.words), len(e.words)
	k := min(nq, ne)
	s.sims = slices.Grow(s.sims[:0], nq*ne)[:nq*ne]
	for j, v := range e.words {
		if s.wordStamp == nil { // no cache (tests)
			for i, w := range q.words {
				s.sims[i*ne+j] = jaroWinkler(w, v)
			}
			continue
		}
		// The similarities of q's words with this word of the list,
		// computed once per Screen: common words recur in many entries.
		id := e.wordIDs[j]
		if s.wordStamp[id] != s.epoch {
			s.wordStamp[id], s.wordRow[id] = s.epoch, int32(len(s.wordSims))
			for _, w := range q.words {
				s.wordSims = append(s.wordSims, jaroWinkler(w, v))
			}
		}
		row := s.wordSims[s.wordRow[id]:]
		for i := range q.words {
			s.sims[i*ne+j] = row[i]
		}
	}
	s.used = slices.Grow(s.used[:0], nq+ne)[:nq+ne]
	clear(s.used)
	usedQ, usedE := s.used[:nq], s.used[nq:]
	s.pairs = s.pairs[:0]
	for range k {
		bi, bj, bs := -1, -1, -1.0
		for i := range nq {
			if usedQ[i] {
				continue
			}
			for j := range ne {
				if !usedE[j] && s.sims[i*ne+j] > bs {
					bi, bj, bs = i, j, s.sims[i*ne+j]
				}
			}
		}
		usedQ[bi], usedE[bj] = true, true
		s.pairs = append(s.pairs, pair{bi, bj})
	}
	if nq <= ne {
		slices.SortFunc(s.pairs, func(x, y pair) int { return cmp.Compare(x.i, y.i) })
	} else {
		slices.SortFunc(s.pairs, func(x, y pair) int { return cmp.Compare(x.j, y.j) })
	}
	s.a, s.b = s.a[:0], s.b[:0]
	for n, p := range s.pairs {
		if n > 0 {
			s.a, s.b = append(s.a, ' '), append(s.b, ' ')
		}
		s.a, s.b = append(s.a, q.words[p.i]...), append(s.b, e.words[p.j]...)
	}
	return jaroWinkler(s.a, s.b) - alignPenalty*float64(max(nq, ne)-k)
}

// joinWords joins words with single spaces.
func joinWords(words []string) string {
	n := len(words) - 1
	for _, w := range words {
		n += len(w)
	}
	b := make([]byte, 0, n)
	for i, w := range words {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, w...)
	}
	return string(b)
}
