package screening

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// bruteForce returns what Screen must: every entry scored, no blocking.
func bruteForce(m *Matcher, name string) []Match {
	words := normalizeWords(name)
	if len(words) == 0 {
		return nil
	}
	q := newQuery(words)
	s := &scratch{}
	var hits []Match
	var order []int
	for i := range m.entries {
		e := &m.entries[i]
		if sc := score(&q, e, true, true, s); sc >= Threshold {
			hits = append(hits, Match{Entry: e.entry, Score: sc})
			order = append(order, e.order)
		}
	}
	idx := make([]int, len(hits))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if hits[a].Score != hits[b].Score {
			if hits[a].Score > hits[b].Score {
				return -1
			}
			return 1
		}
		return order[a] - order[b]
	})
	out := make([]Match, len(hits))
	for i, j := range idx {
		out[i] = hits[j]
	}
	return out
}

// TestBlockingLosesNothing: Screen finds exactly what scoring every entry
// finds, for misspelt listed names (typos anywhere, the first letters
// included, words dropped, added, merged, split, reordered) and for
// unrelated names, on lists of 1,500 made-up names of both kinds of
// names_test.go.
func TestBlockingLosesNothing(t *testing.T) {
	t.Parallel()
	for _, gen := range []struct {
		name string
		f    func(*rand.Rand) string
	}{{"syllables", randomName}, {"common", commonName}} {
		t.Run(gen.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(13, 92))
			list := make([]Entry, 1500)
			for i := range list {
				list[i] = Entry{Name: gen.f(rng)}
			}
			m := NewMatcher(list)
			// Scoring every entry is slow: fewer queries under the race
			// detector.
			queries := 800
			if raceEnabled || testing.Short() {
				queries = 150
			}
			hits, near := 0, 0
			for n := range queries {
				name := gen.f(rng)
				if n%4 != 0 {
					name = misspell(rng, list[rng.IntN(len(list))].Name)
				}
				got, want := m.Screen(name), bruteForce(m, name)
				if !slices.Equal(got, want) {
					t.Fatalf("Screen(%q) = %v, scoring every entry gives %v", name, got, want)
				}
				hits += len(want)
				// Count the names that came close, to show the test
				// reaches the threshold's neighbourhood.
				if len(want) > 0 && want[len(want)-1].Score < Threshold+0.02 {
					near++
				}
			}
			t.Logf("%d queries, %d hits, %d queries with a hit within 0.02 of the threshold", queries, hits, near)
			if hits < queries/4 || near < queries/50 {
				t.Errorf("too few hits (%d) or near hits (%d) for the test to mean much", hits, near)
			}
		})
	}
}

// TestBlockingTyposInFirstLetters: a typo in the first letters of every word
// (which changes the order of the sorted words, and any index keyed on a
// word's first letters) still finds the listed name.
func TestBlockingTyposInFirstLetters(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 7))
	list := append(randomList(rng, 2000),
		Entry{ID: "t1", Name: "Vladimir Shchukarev"},
		Entry{ID: "t2", Name: "Bartholomaeus Gruenwaldner"},
		Entry{ID: "t3", Name: "Evangelos Chatzipanteleis"},
		Entry{ID: "t4", Name: "Konstantinos Papadimitropoulos"},
	)
	m := NewMatcher(list)
	for _, tc := range []struct {
		name, id string // id "" for a near miss: nothing to find
	}{
		{"Wladimir Schukarev", "t1"},           // V→W, shch→sch
		{"Fladimir Shchukarev", "t1"},          // the first letter, and the words' sort order
		{"Lvadimir Hsuckarev", "t1"},           // first two letters swapped in both words
		{"Artholomaeus Gruenwaldner", "t2"},    // first letter dropped
		{"Pbartholomaeus Kgruenwaldner", "t2"}, // a letter added before both
		{"Hevangelos Hatzipanteleis", "t3"},
		{"Onstantinos Papadimitropoulos", "t4"},
		{"Khonstantinos Papadimitropulos", "t4"},
		// Both words' first letters changed: below the threshold (0.907,
		// 0.911), here and when every entry is scored.
		{"Fladimir Chukarev", ""},
		{"Artholomaeus Runwaldner", ""},
	} {
		got := m.Screen(tc.name)
		if found := slices.ContainsFunc(got, func(x Match) bool { return x.Entry.ID == tc.id }); found != (tc.id != "") {
			t.Errorf("Screen(%q) = %v, want entry %q", tc.name, got, tc.id)
		}
		if want := bruteForce(m, tc.name); !slices.Equal(got, want) {
			t.Errorf("Screen(%q) = %v, scoring every entry gives %v", tc.name, got, want)
		}
	}
}

// TestIntersect: the packed intersection is the sum of the smaller counts.
func TestIntersect(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		var a, b []byte
		for range rng.IntN(maxPacked + 1) {
			a = append(a, "abcdefghijklmnopqrstuvwxyz0123456789 "[rng.IntN(nsym)])
		}
		for range rng.IntN(maxPacked + 1) {
			b = append(b, "aeiou xyz9"[rng.IntN(10)])
		}
		ca, cb := countsOf(string(a)), countsOf(string(b))
		want := 0
		for i := range ca {
			want += int(min(ca[i], cb[i]))
		}
		ha, hb := histogramOf(string(a)), histogramOf(string(b))
		if got := intersect(&ha, &hb); got != want {
			t.Fatalf("intersect(%q, %q) = %d, want %d", a, b, got, want)
		}
	}
	// Every count at its largest: maxPacked times one character.
	s := strings.Repeat("z", maxPacked)
	h := histogramOf(s)
	if got := intersect(&h, &h); got != maxPacked {
		t.Errorf("intersect of %d z's = %d", maxPacked, got)
	}
}

// TestBounds: the table of the argument in index.go.
func TestBounds(t *testing.T) {
	t.Parallel()
	for d, want := range []float64{0.6, 0.7, 0.8, 0.9, 1} {
		if b := leftOut(d); !b.ok || math.Abs(b.ratio-want) > 1e-6 || math.Abs(b.sum-1-want) > 1e-6 {
			t.Errorf("leftOut(%d) = %+v, want ratio %v", d, b, want)
		}
	}
	if leftOut(maxLeftOut+1).ok || leftOut(100).ok {
		t.Errorf("leaving out %d words can still reach the threshold", maxLeftOut+1)
	}
	// tau(10, 10) = 8; 0.6*10 is 6, not 7.
	if tauFull(10, 10) != 8 || ceilBound(0.6*10) != 6 {
		t.Errorf("tauFull(10, 10) = %d, ceilBound(0.6*10) = %d", tauFull(10, 10), ceilBound(0.6*10))
	}
	if lo, hi := window(10); lo != 6 || hi != 16 {
		t.Errorf("window(10) = %d, %d; want 6, 16", lo, hi)
	}
}
