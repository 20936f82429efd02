package screening

import (
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

// sampleMatcher returns a Matcher of testdata/screening-list.csv.
func sampleMatcher(t *testing.T) *Matcher {
	t.Helper()
	f, err := os.Open("testdata/screening-list.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	list, err := ParseCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	return NewMatcher(list)
}

// TestScreenSample: holders' spellings of names on the sample list, in
// Latin letters as their documents write them, find the listed entry, with
// the score shown.
func TestScreenSample(t *testing.T) {
	t.Parallel()
	m := sampleMatcher(t)
	if m.Len() != 52 {
		t.Errorf("Len() = %d, want 52", m.Len())
	}
	for _, tc := range []struct {
		holder, id string
		score      float64
	}{
		{"Evariste Quenouillard", "FX-0001", 1},             // diacritics
		{"QUENOUILLARD, Évariste", "FX-0001", 1},            // case, order, punctuation
		{"Vsevolod Shchukarev", "FX-0016", 1},               // Cyrillic, ICAO
		{"Shchukaryov Vsevolod", "FX-0016", 0.941696},       // ё written yo
		{"Zhanna Podyablonskaya", "FX-0020", 0.937198},      // another romanization
		{"Evangelos Chatzipantelis", "FX-0026", 1},          // Greek, ELOT 743
		{"Evangelos Hatzipantelis", "FX-0026", 0.991667},    // χ written h
		{"Paraskevi Bourlogianni", "FX-0027", 0.955863},     // μπ written b
		{"Lu Lanqing", "FX-0034", 1},                        // Han, pinyin
		{"Lyu Lanqing", "FX-0034", 0.981818},                // ü written yu (passports since 2011)
		{"Sima Xiaoguang", "FX-0033", 0.971429},             // a compound family name
		{"MARCELLUS VON TESTENBERG", "FX-0046", 1},          // listed in full-width letters
		{"Mary Ellen OShaughnessy Doyle", "FX-0042", 1},     // hyphens and apostrophe
		{"Jiri Vodnansky", "FX-0006", 0.98},                 // one word missing
		{"John Pemberton", "FX-0041", 0.96},                 // two words missing
		{"Heron Bluewater Trading", "FX-0044", 0.98},        // an entity, order and a word
		{"Kirill Azbukin", "", 0.98},                        // an entry without id
		{"Nguyen Thi Phuong Thaoly", "FX-0048", 1},          // Vietnamese diacritics
		{"Dagny Thorhallsdottir", "FX-0008", 0.98},          // þ
		{"Ouyang Xuesong", "FX-0036", 0.952381},             // 欧阳 read ou yang
		{"Helene Daubervillier Saint Croixe", "FX-0049", 1}, // d' joined
	} {
		got := m.Screen(tc.holder)
		if len(got) != 1 || got[0].Entry.ID != tc.id || math.Abs(got[0].Score-tc.score) > 1e-6 {
			t.Errorf("Screen(%q) = %v, want %s at %.6f", tc.holder, got, tc.id, tc.score)
		}
	}
	for _, holder := range []string{
		"Yulian Yatskovsky",         // 0.82: BGN/PCGN-style spelling of Юлиан Яцковский (the list would carry it as an alias)
		"Taras Hudzenko-Izhachenko", // 0.88: Ґ written h
		"Evangelos Papadopoulos",    // 0.85: the given name alone
		"Smith",                     // one word is never matched with part of a name
		"Ann Lee",
		"",
		"--",
	} {
		if got := m.Screen(holder); len(got) != 0 {
			t.Errorf("Screen(%q) = %v, want no match", holder, got)
		}
	}
}

// TestScore: the score of pairs of names, hits and near misses just under
// the threshold.
func TestScore(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b  string
		score float64
	}{
		{"LI Wei", "Wei Li", 1},                    // word order
		{"Kwei Li", "Li Wei", 20.0 / 21},           // aligned: "kwei li" with "wei li"
		{"John Smith", "John Michael Smith", 0.98}, // a middle name missing
		{"John Pemberton", "John Michael Pemberton-Quayle Smith", 0.94},
		{"Martha Smith", "Marhta Smith", 0.980556},
		{"Ivan Petrov", "Ivan Petrova", 0.983333},
		{"Jean Dupont", "Jeanne Dupond", 0.935664},
		{"Li Wei", "Li Wai", 0.933333},
		{"Li Wei", "Li Weiming", 0.92}, // at the threshold: a hit
		// Near misses.
		{"Li Wei", "Lu Wei", 0.9},
		{"Fladimir Chukarev", "Vladimir Shchukarev", 0.906927},
		{"Ann Lee", "Anne Leigh", 0.88},
		{"Ivan Petrov", "Iwan Petroff", 0.870455},
		{"Smith", "John Smith", 0.433333}, // one word: whole names only
	} {
		q := newQuery(normalizeWords(tc.a))
		words := normalizeWords(tc.b)
		e := listed{words: words, norm: joinWords(words)}
		if got := score(&q, &e, true, true, &scratch{}); math.Abs(got-tc.score) > 1e-6 {
			t.Errorf("score(%q, %q) = %.6f, want %.6f", tc.a, tc.b, got, tc.score)
		}
		m := NewMatcher([]Entry{{ID: "x", Name: tc.b}})
		got := m.Screen(tc.a)
		if hit := tc.score >= Threshold; hit != (len(got) == 1) {
			t.Errorf("Screen(%q) against %q = %v, want a hit: %v", tc.a, tc.b, got, hit)
		}
	}
}

// TestScreenOrder: the best match first, equal scores in list order.
func TestScreenOrder(t *testing.T) {
	t.Parallel()
	m := NewMatcher([]Entry{
		{ID: "1", Name: "Ivan Petrova"},
		{ID: "2", Name: "Ivan Petrov"},
		{ID: "3", Name: "Anna Schmidt"},
		{ID: "4", Name: "Petrov Ivan"},
		{ID: "5", Name: "Ivan Petrov Sergeevich"},
		{ID: "6", Name: "?!"}, // nothing to compare: left out
	})
	if m.Len() != 5 {
		t.Errorf("Len() = %d, want 5", m.Len())
	}
	var ids []string
	for _, x := range m.Screen("ivan  PETROV") {
		ids = append(ids, x.Entry.ID)
	}
	if want := []string{"2", "4", "1", "5"}; !slices.Equal(ids, want) {
		t.Errorf("Screen order = %v, want %v", ids, want)
	}
	if got := NewMatcher(nil).Screen("Ivan Petrov"); got != nil {
		t.Errorf("an empty list: Screen = %v", got)
	}
}

// TestScreenLongNames: names longer than the packed histograms hold are
// still found, and found as when every entry is scored.
func TestScreenLongNames(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Bluewater Heron Trading ", 8) + "FZE"
	m := NewMatcher([]Entry{{ID: "long", Name: long}, {ID: "short", Name: "Heron Trading"}})
	for _, name := range []string{long, strings.Replace(long, "FZE", "FZO", 1), "Heron Trading"} {
		if got, want := m.Screen(name), bruteForce(m, name); len(got) == 0 || !slices.Equal(got, want) {
			t.Errorf("Screen(%.30q...) = %v, scoring every entry %v", name, got, want)
		}
	}
}

// TestScreenConcurrent: one Matcher screens from many goroutines (run with
// -race).
func TestScreenConcurrent(t *testing.T) {
	t.Parallel()
	m := sampleMatcher(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if got := m.Screen("Vsevolod Shchukarev"); len(got) != 1 || got[0].Entry.ID != "FX-0016" {
					t.Errorf("Screen = %v", got)
					return
				}
				m.Screen("Ouyang Xuesong")
			}
		})
	}
	wg.Wait()
}
