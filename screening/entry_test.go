package screening

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestParseCSVSample(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/screening-list.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, err := ParseCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 52 {
		t.Errorf("%d entries, want 52", len(entries))
	}
	want := map[int]Entry{
		0:  {ID: "FX-0001", Name: "Évariste Quenouillard", Country: "FR", Program: "FICTIONAL-A"},
		15: {ID: "FX-0016", Name: "Всеволод Щукарёв", Country: "RU", Program: "FICTIONAL-A"},
		43: {ID: "FX-0044", Name: "Bluewater Heron Trading, FZE", Country: "AE", Program: "FICTIONAL-B"},
		50: {Name: "Esperanza Villalobos-Quintanaray", Country: "MX", Program: "FICTIONAL-A"},
	}
	for i, w := range want {
		if entries[i] != w {
			t.Errorf("entry %d = %+v, want %+v", i, entries[i], w)
		}
	}
}

func TestParseCSV(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		want     []Entry
	}{
		{"name only", "name\nAnn Lee\n", []Entry{{Name: "Ann Lee"}}},
		{"columns in any order and case, trimmed, unknown ignored", " Program ,remarks,NAME, Country,Id\r\nP1,x, Ann Lee ,XX,7\r\n",
			[]Entry{{ID: "7", Name: "Ann Lee", Country: "XX", Program: "P1"}}},
		{"byte order mark", "\uFEFFname,id\nAnn,1\n", []Entry{{ID: "1", Name: "Ann"}}},
		{"quoted comma, quote and line break", "name,id\n\"Lee, Ann \"\"A\"\"\nB\",1\n", []Entry{{ID: "1", Name: "Lee, Ann \"A\"\nB"}}},
		{"blank lines skipped", "name\n\nAnn\n\nBo\n", []Entry{{Name: "Ann"}, {Name: "Bo"}}},
		{"empty ids are not duplicates", "id,name\n,Ann\n,Bo\n", []Entry{{Name: "Ann"}, {Name: "Bo"}}},
		{"header only", "name\n", nil},
		{"no final newline", "name\nAnn", []Entry{{Name: "Ann"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCSV(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("ParseCSV = %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("entry %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestParseCSVErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", MaxFieldBytes+1)
	for _, tc := range []struct {
		name, in string
		line     int
		msg      string // a part of the message
	}{
		{"empty", "", 1, "empty list"},
		{"only a BOM", "\uFEFF", 1, "empty list"},
		{"missing header", "Ann Lee,RU\nBo Chen,CN\n", 1, "no name column"},
		{"no name column", "id,country\n1,RU\n", 1, "no name column"},
		{"column twice", "name,id,Name\nA,1,B\n", 1, "column name appears twice"},
		{"empty name", "id,name\n1,Ann\n2,\n", 3, "empty name"},
		{"blank name", "id,name\n1,  \n", 2, "empty name"},
		{"name without letters", "id,name\n1,-- ?\n", 2, "no letter or digit"},
		{"bad quoting: bare quote", "name,id\nAnn \"Lee\",1\n", 2, `a " in a field that does not start with one`},
		{"bad quoting: unclosed quote", "name,id\nAnn,1\n\"Bo,2\nCy,3\n", 3, "a quoted field is not closed, or something follows its closing \" (found on line 4"},
		{"bad quoting: text after the closing quote", "name\n\"Ann\"x\n", 2, "a quoted field is not closed, or something follows its closing \" (column 5)"},
		{"too few fields", "id,name,country\n1,Ann,RU\n2,Bo\n", 3, "as many fields as the header"},
		{"too many fields", "id,name\n1,Ann\n2,Bo,RU\n", 3, "as many fields as the header"},
		{"name too long", "id,name\n1,Ann\n2," + long + "\n", 3, "name is longer than 1024 bytes"},
		{"id too long", "id,name\n" + long + ",Ann\n", 2, "id is longer than 1024 bytes"},
		{"line too long", "id,name,remarks\n1,Ann,x\n2,Bo," + strings.Repeat("x", maxLineBytes) + "\n", 3, "line longer than 65536 bytes"},
		{"invalid UTF-8", "id,name\n1,Ann\n2,B\xffo\n", 3, "name is not valid UTF-8"},
		{"invalid UTF-8 header", "na\xffme\nAnn\n", 1, "header is not valid UTF-8"},
		{"duplicate id", "id,name\nX1,Ann\nX2,Bo\nX1,Cy\n", 4, `id "X1" repeats line 2's`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			entries, err := ParseCSV(strings.NewReader(tc.in))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseCSV = %v, %v; want a *ParseError", entries, err)
			}
			if pe.Line != tc.line || !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("ParseCSV: %v; want line %d, %q", err, tc.line, tc.msg)
			}
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("Error() = %q, want \"line N: ...\"", err.Error())
			}
		})
	}
}

// TestParseCSVTooManyRows: the row past the limit is refused, on its line
// (with a limit of 3, as a million rows would take seconds under the race
// detector).
func TestParseCSVTooManyRows(t *testing.T) {
	t.Parallel()
	if _, err := parseCSV(strings.NewReader("name\na\nb\nc\n"), 3); err != nil {
		t.Fatalf("3 rows: %v", err)
	}
	_, err := parseCSV(strings.NewReader("name\na\nb\n\nc\nd\n"), 3)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 6 || pe.Msg != "more than 3 rows" {
		t.Fatalf("4 rows: %v", err)
	}
}
