package screening

import (
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseCSV: no input makes ParseCSV panic; it returns entries or a
// *ParseError with a line within the input, never both; every entry has a
// name with something to compare, valid UTF-8 fields within the limit,
// and no id twice.
func FuzzParseCSV(f *testing.F) {
	sample, err := os.ReadFile("testdata/screening-list.csv")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		string(sample), "name\nAnn\n", "\uFEFFName,ID\nAnn,1\n", "id,name\n1,\"Lee, Ann\"\n",
		"name\n\"Ann\nLee\"\n", "name,id\nAnn \"Lee\",1\n", "name\n\"Ann", "", "id\n1\n", "name\n,\n",
		"name,name\nA,B\n", "id,name\nX,Ann\nX,Bo\n", "name\r\nAnn\r\n", "name\n\xff\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		entries, err := ParseCSV(strings.NewReader(in))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			if entries != nil {
				t.Fatalf("entries %v with error %v", entries, err)
			}
			if pe.Line < 1 || pe.Line > strings.Count(in, "\n")+1 {
				t.Fatalf("line %d out of the input's %d lines: %v", pe.Line, strings.Count(in, "\n")+1, err)
			}
			return
		}
		ids := map[string]bool{}
		for _, e := range entries {
			if Normalize(e.Name) == "" {
				t.Fatalf("entry %+v has nothing to compare", e)
			}
			for _, s := range []string{e.ID, e.Name, e.Country, e.Program} {
				if !utf8.ValidString(s) || len(s) > MaxFieldBytes || s != strings.TrimSpace(s) {
					t.Fatalf("entry %+v: field %q invalid, too long or not trimmed", e, s)
				}
			}
			if e.ID != "" && ids[e.ID] {
				t.Fatalf("id %q twice", e.ID)
			}
			ids[e.ID] = true
		}
	})
}

// FuzzNormalize: Normalize never panics, is idempotent, and writes only
// sorted words of a-z and 0-9 separated by single spaces; a Matcher of the
// name finds the name itself with score 1.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"John Smith", "Ｊｏｈｎ　ＳＭＩＴＨ", "Всеволод Щукарёв", "Ευάγγελος Χατζηδάκης", "Ταΰγετος", "王小明",
		"O'Brien", "Straße Ørsted", "محمد", "김정", "Ann\xffLee", "ǅ ℌ ² ﬁ", "\u0301\u0308", "ΑΥ ευ", "ς", "̈υ",
		"Mül\u00ADler", "Ǆ", "İ", "ﷺ", "㍻", "\U0001F600", "a\u0345", "γγγ", "Ⅻ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n := Normalize(in)
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize(%q) = %q, Normalize of that = %q", in, n, again)
		}
		if n == "" {
			return
		}
		words := strings.Split(n, " ")
		for i, w := range words {
			if w == "" || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
				t.Fatalf("Normalize(%q) = %q: word %q", in, n, w)
			}
			if i > 0 && words[i-1] > w {
				t.Fatalf("Normalize(%q) = %q: words not sorted", in, n)
			}
		}
		m := NewMatcher([]Entry{{Name: in}})
		if got := m.Screen(in); len(got) != 1 || got[0].Score != 1 {
			t.Fatalf("Screen(%q) against itself = %v", in, got)
		}
	})
}
