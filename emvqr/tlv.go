package emvqr

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DataObject is one data object of a payload or of a template: a two-digit
// ID ("00" to "99") and a value of 1 to 99 characters. A template's value
// (merchant account information 26 to 51, additional data 62, ...) is itself
// a sequence of data objects: parse it with ParseTLV.
type DataObject struct {
	ID    string
	Value string
}

// maxValueLen is the longest value a data object can have: its length is two
// digits.
const maxValueLen = 99

// ParseTLV splits s into its data objects, in their order. Each is an ID of
// two digits, a length of two digits from 01 to 99 and a value of that many
// characters (Unicode characters, not bytes, as the specification counts
// them); s must be exactly a sequence of them. A value must be valid UTF-8
// without control characters, and an ID may occur once. Any other s is
// ErrMalformed. Values are not interpreted: a template's value is not parsed.
func ParseTLV(s string) ([]DataObject, error) {
	var objs []DataObject
	var seen [100]bool
	for i := 0; i < len(s); {
		if len(s)-i < 4 {
			return nil, errorf(ErrMalformed, "", "truncated data object at byte "+strconv.Itoa(i))
		}
		id, ln := s[i:i+2], s[i+2:i+4]
		if !isDigits(id) {
			return nil, errorf(ErrMalformed, "", "ID "+strconv.QuoteToASCII(id)+" at byte "+strconv.Itoa(i)+" is not two digits")
		}
		if !isDigits(ln) {
			return nil, errorf(ErrMalformed, id, "length "+strconv.QuoteToASCII(ln)+" is not two digits")
		}
		n := int(ln[0]-'0')*10 + int(ln[1]-'0')
		if n == 0 {
			return nil, errorf(ErrMalformed, id, "length 00 (a value has 1 to 99 characters)")
		}
		num := int(id[0]-'0')*10 + int(id[1]-'0')
		if seen[num] {
			return nil, errorf(ErrMalformed, id, "duplicate ID")
		}
		seen[num] = true
		start := i + 4
		end, err := valueEnd(s, start, n)
		if err != nil {
			return nil, within(id, err)
		}
		objs = append(objs, DataObject{ID: id, Value: s[start:end]})
		i = end
	}
	return objs, nil
}

// valueEnd returns the byte offset just after the n characters of s that
// start at byte start, checking each is a valid, non-control character.
func valueEnd(s string, start, n int) (int, error) {
	j := start
	for k := 0; k < n; k++ {
		if j >= len(s) {
			return 0, errorf(ErrMalformed, "", "value has "+strconv.Itoa(k)+" characters, its length says "+strconv.Itoa(n))
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if r == utf8.RuneError && size <= 1 {
			return 0, errorf(ErrMalformed, "", "invalid UTF-8 in value")
		}
		if unicode.IsControl(r) {
			return 0, errorf(ErrMalformed, "", "control character "+strconv.QuoteRune(r)+" in value")
		}
		j += size
	}
	return j, nil
}

// EncodeTLV writes data objects in the given order, each as its ID, its
// length in characters (two digits) and its value. The data objects must be
// what ParseTLV accepts (IDs of two digits, each once; values of 1 to 99
// characters, valid UTF-8 without control characters), or it returns
// ErrMalformed; for such objects ParseTLV(EncodeTLV(objs)) == objs.
func EncodeTLV(objs []DataObject) (string, error) {
	var b strings.Builder
	var seen [100]bool
	for _, o := range objs {
		if len(o.ID) != 2 || !isDigits(o.ID) {
			return "", errorf(ErrMalformed, "", "ID "+strconv.QuoteToASCII(o.ID)+" is not two digits")
		}
		num := int(o.ID[0]-'0')*10 + int(o.ID[1]-'0')
		if seen[num] {
			return "", errorf(ErrMalformed, o.ID, "duplicate ID")
		}
		seen[num] = true
		if !utf8.ValidString(o.Value) {
			return "", errorf(ErrMalformed, o.ID, "invalid UTF-8 in value")
		}
		n := utf8.RuneCountInString(o.Value)
		if n == 0 || n > maxValueLen {
			return "", errorf(ErrMalformed, o.ID, "value has "+strconv.Itoa(n)+" characters (1 to 99)")
		}
		if i := strings.IndexFunc(o.Value, unicode.IsControl); i >= 0 {
			r, _ := utf8.DecodeRuneInString(o.Value[i:])
			return "", errorf(ErrMalformed, o.ID, "control character "+strconv.QuoteRune(r)+" in value")
		}
		b.WriteString(o.ID)
		b.WriteByte(byte('0' + n/10))
		b.WriteByte(byte('0' + n%10))
		b.WriteString(o.Value)
	}
	return b.String(), nil
}

// isDigits reports whether s is non-empty and all ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
