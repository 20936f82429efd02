package screening

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Entry is one name on a sanctions list.
type Entry struct {
	// ID is the list's own identifier of the entry, or "" when the list has
	// none (the caller numbers such entries).
	ID string
	// Name is the listed name as the list writes it, in any script.
	Name string
	// Country is the country the list associates with the entry, as written
	// (typically ISO 3166-1 alpha-2), or "".
	Country string
	// Program is the sanctions programme or regime, as written, or "".
	Program string
}

// Limits of ParseCSV.
const (
	// MaxRows is the most entries a list may have.
	MaxRows = 1_000_000
	// MaxFieldBytes is the longest a field may be, in bytes of UTF-8 after
	// trimming spaces.
	MaxFieldBytes = 1024
	// maxLineBytes is the longest physical line ParseCSV reads: it stops
	// before encoding/csv holds an endless line in memory.
	maxLineBytes = 64 << 10
)

// ParseError is a list that ParseCSV refuses: Line is the line of the CSV
// (from 1, the header) where the problem is, Msg what it is.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// ParseCSV reads a sanctions list: CSV (RFC 4180, as encoding/csv reads it:
// comma-separated, fields quoted with double quotes when they hold commas,
// quotes or line breaks), UTF-8 (a byte order mark at the start is
// skipped), a header row first. The header names the columns, in any order
// and case, spaces around them ignored: name (required), id, country and
// program (optional); other columns are ignored. Every row has as many
// fields as the header. Fields are trimmed of spaces. A row's name must
// have at least one letter or digit (Normalize must leave something to
// compare); a non-empty id must not repeat an earlier one. Blank lines are
// skipped. At most MaxRows rows and MaxFieldBytes per field.
//
// Any refusal is a *ParseError with the line concerned. For example:
//
//	id,name,country,program
//	X-1,"Ivanov, Piotr",RU,EXAMPLE
//	X-2,Ευάγγελος Παπαδόπουλος,GR,EXAMPLE
func ParseCSV(r io.Reader) ([]Entry, error) { return parseCSV(r, MaxRows) }

// parseCSV is ParseCSV with at most maxRows rows.
func parseCSV(r io.Reader, maxRows int) ([]Entry, error) {
	lr := &lineReader{r: r}
	br := bufio.NewReader(lr)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\uFEFF" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &ParseError{Line: 1, Msg: "empty list: want a header row naming the columns, name among them"}
	}
	if err != nil {
		return nil, csvError(err, lr)
	}
	cols, perr := readHeader(header)
	if perr != nil {
		return nil, perr
	}
	var entries []Entry
	ids := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return entries, nil
		}
		if err != nil {
			return nil, csvError(err, lr)
		}
		line, _ := cr.FieldPos(0)
		if len(entries) == maxRows {
			return nil, &ParseError{Line: line, Msg: fmt.Sprintf("more than %d rows", maxRows)}
		}
		var e Entry
		for i, f := range rec {
			col := cols[i]
			if col == "" {
				continue
			}
			f = strings.TrimSpace(f)
			if !utf8.ValidString(f) {
				return nil, &ParseError{Line: line, Msg: fmt.Sprintf("%s is not valid UTF-8", col)}
			}
			if len(f) > MaxFieldBytes {
				return nil, &ParseError{Line: line, Msg: fmt.Sprintf("%s is longer than %d bytes", col, MaxFieldBytes)}
			}
			switch col {
			case "id":
				e.ID = f
			case "name":
				e.Name = f
			case "country":
				e.Country = f
			case "program":
				e.Program = f
			}
		}
		if e.Name == "" {
			return nil, &ParseError{Line: line, Msg: "empty name"}
		}
		if Normalize(e.Name) == "" {
			return nil, &ParseError{Line: line, Msg: fmt.Sprintf("name %q has no letter or digit", e.Name)}
		}
		if e.ID != "" {
			if first, dup := ids[e.ID]; dup {
				return nil, &ParseError{Line: line, Msg: fmt.Sprintf("id %q repeats line %d's", e.ID, first)}
			}
			ids[e.ID] = line
		}
		entries = append(entries, e)
	}
}

// readHeader returns, for each column of the header, the field it fills
// ("id", "name", "country", "program") or "" for a column ParseCSV ignores.
func readHeader(header []string) ([]string, *ParseError) {
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		if !utf8.ValidString(h) {
			return nil, &ParseError{Line: 1, Msg: "header is not valid UTF-8"}
		}
		h = strings.ToLower(strings.TrimSpace(h))
		switch h {
		case "id", "name", "country", "program":
			if seen[h] {
				return nil, &ParseError{Line: 1, Msg: fmt.Sprintf("column %s appears twice in the header", h)}
			}
			seen[h] = true
			cols[i] = h
		}
	}
	if !seen["name"] {
		return nil, &ParseError{Line: 1, Msg: "no name column in the header row (the first row must name the columns: name, and optionally id, country, program)"}
	}
	return cols, nil
}

// csvError turns an error of encoding/csv, or of the lineReader beneath it,
// into a *ParseError.
func csvError(err error, lr *lineReader) *ParseError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		switch {
		case errors.Is(pe.Err, csv.ErrFieldCount):
			return &ParseError{Line: pe.StartLine, Msg: "the row does not have as many fields as the header"}
		case errors.Is(pe.Err, csv.ErrBareQuote):
			msg = `a " in a field that does not start with one (quote the whole field and double the ")`
		case errors.Is(pe.Err, csv.ErrQuote):
			msg = `a quoted field is not closed, or something follows its closing "`
		}
		// A record's line is where it starts: a quote left open is only
		// found lines later.
		if pe.Line != pe.StartLine {
			msg = fmt.Sprintf("%s (found on line %d, column %d)", msg, pe.Line, pe.Column)
		} else if pe.Column > 0 {
			msg = fmt.Sprintf("%s (column %d)", msg, pe.Column)
		}
		return &ParseError{Line: pe.StartLine, Msg: msg}
	}
	if errors.Is(err, errLongLine) {
		return &ParseError{Line: lr.line, Msg: fmt.Sprintf("line longer than %d bytes", maxLineBytes)}
	}
	return &ParseError{Line: lr.line, Msg: "reading the list: " + err.Error()}
}

// errLongLine is lineReader's error for a line longer than maxLineBytes.
var errLongLine = errors.New("line too long")

// lineReader passes r through, counting lines, and fails with errLongLine
// when a line grows past maxLineBytes.
type lineReader struct {
	r    io.Reader
	line int // of the last byte read, from 1
	run  int // bytes since the last newline
	err  error
}

func (l *lineReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.line == 0 {
		l.line = 1
	}
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			l.line++
			l.run = 0
			continue
		}
		l.run++
		if l.run > maxLineBytes {
			l.err = errLongLine
			return i, l.err
		}
	}
	return n, err
}
