package screening

import (
	"math/rand/v2"
	"slices"
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
// unrelated names, on a list of 1,500 made-up names.
func TestBlockingLosesNothing(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(13, 92))
	list := randomList(rng, 1500)
	m := NewMatcher(list)
	// Scoring every entry is slow: fewer queries under the race detector.
	queries := 1000
	if raceEnabled || testing.Short() {
		queries = 200
	}
	hits, near := 0, 0
	for n := range queries {
		var name string
		switch n % 4 {
		case 0:
			name = randomName(rng)
		default:
			name = misspell(rng, list[rng.IntN(len(list))].Name)
		}
		got, want := m.Screen(name), bruteForce(m, name)
		if !slices.Equal(got, want) {
			t.Fatalf("Screen(%q) = %v, scoring every entry gives %v", name, got, want)
		}
		hits += len(want)
		// Count the names that came close, to show the test reaches the
		// threshold's neighbourhood.
		if len(want) > 0 && want[len(want)-1].Score < Threshold+0.02 {
			near++
		}
	}
	t.Logf("%d queries, %d hits, %d queries with a hit within 0.02 of the threshold", queries, hits, near)
	if hits < queries/4 || near < queries/50 {
		t.Errorf("too few hits (%d) or near hits (%d) for the test to mean much", hits, near)
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
