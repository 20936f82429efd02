package emvqr

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// errorKinds are the kinds an *Error may have.
var errorKinds = []error{ErrMalformed, ErrChecksum, ErrMissing, ErrInvalidField, ErrUnknownScheme}

// checkError fails unless err is an *Error of one of kinds.
func checkError(t *testing.T, err error, kinds ...error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	for _, k := range kinds {
		if e.Err == k {
			return
		}
	}
	t.Fatalf("error %v of an unexpected kind", err)
}

// isCanonical reports whether s has exactly the data objects Encode writes,
// in Encode's order: then Encode(Decode(s)) must give s back.
func isCanonical(s string) bool {
	objs, err := ParseTLV(s)
	if err != nil {
		return false
	}
	ids := func(objs []DataObject) string {
		var b strings.Builder
		for _, o := range objs {
			b.WriteString(o.ID + " ")
		}
		return b.String()
	}
	allowed := map[string]bool{"00 01 26 52 53 58 59 60 63 ": true}
	allowed["00 01 26 52 53 54 58 59 60 63 "] = true
	allowed["00 01 26 52 53 58 59 60 62 63 "] = true
	allowed["00 01 26 52 53 54 58 59 60 62 63 "] = true
	if !allowed[ids(objs)] {
		return false
	}
	for _, o := range objs {
		sub, err := ParseTLV(o.Value)
		switch {
		case o.ID == idAccount && (err != nil || ids(sub) != "00 01 "):
			return false
		case o.ID == idAdditional && (err != nil || ids(sub) != "05 "):
			return false
		}
	}
	return true
}

// FuzzParseTLV: the TLV layer never panics, refuses only with ErrMalformed,
// and what it accepts EncodeTLV writes back byte for byte.
func FuzzParseTLV(f *testing.F) {
	for _, s := range []string{
		"", "000201", dynamicString, staticString, emvcoSample, mastercardSample, pixDynamicSample, pixStaticSample,
		"64200002ZH0104最佳运输0202北京", "0000", "000501", "5902\xff\xfe", "00020100020101", "5903a\x00b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		objs, err := ParseTLV(s)
		if err != nil {
			checkError(t, err, ErrMalformed)
			if objs != nil {
				t.Fatalf("ParseTLV returned %q with its error", objs)
			}
			return
		}
		seen := map[string]bool{}
		for _, o := range objs {
			n := utf8.RuneCountInString(o.Value)
			if len(o.ID) != 2 || !isDigits(o.ID) || seen[o.ID] || n < 1 || n > 99 || !utf8.ValidString(o.Value) {
				t.Fatalf("ParseTLV(%q) gave %q", s, o)
			}
			seen[o.ID] = true
		}
		back, err := EncodeTLV(objs)
		if err != nil || back != s {
			t.Fatalf("EncodeTLV(ParseTLV(%q)) = %q, %v", s, back, err)
		}
	})
}

// FuzzDecode: Decode never panics and fails only with an *Error; a payload
// it accepts re-encodes to a payload that decodes to the same Payload, and
// to the very same string when it was in Encode's form. With fixCRC, an
// input ending in "6304" and 4 characters gets its right CRC there first,
// so that mutations reach past the CRC check.
func FuzzDecode(f *testing.F) {
	tolerated := build(f,
		DataObject{"00", "01"}, DataObject{"01", "11"},
		DataObject{"26", tmpl(f, DataObject{"00", "br.gov.bcb.pix"}, DataObject{"01", "+5511943214321"})},
		DataObject{"27", tmpl(f, DataObject{"00", "CN.INGOT"}, DataObject{"01", "6217000000000014"}, DataObject{"09", "x"})},
		DataObject{"64", "0002ZH0104最佳运输0202北京"}, DataObject{"60", "Beijing"}, DataObject{"59", "Lao Wang Noodles"},
		DataObject{"58", "CN"}, DataObject{"53", "156"}, DataObject{"52", "5812"}, DataObject{"55", "01"},
		DataObject{"62", tmpl(f, DataObject{"07", "A6008667"}, DataObject{"05", "***"})},
	)
	for _, s := range []string{
		dynamicString, staticString, leadingZeroString, tolerated,
		emvcoSample, mastercardSample, pixDynamicSample, pixStaticSample,
		"", "000201", dynamicString + "0", strings.Replace(dynamicString, "562C", "562D", 1),
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, fixCRC bool) {
		if fixCRC && len(s) >= 8 && s[len(s)-8:len(s)-4] == crcPrefix {
			s = s[:len(s)-4] + checksum(s[:len(s)-8])
		}
		p, err := Decode(s, DefaultGUID)
		if err != nil {
			checkError(t, err, errorKinds...)
			if p != (Payload{}) {
				t.Fatalf("Decode returned %+v with its error", p)
			}
			return
		}
		enc, err := Encode(p)
		if err != nil {
			t.Fatalf("Decode(%q) = %+v, which Encode refuses: %v", s, p, err)
		}
		if isCanonical(s) && enc != s {
			t.Fatalf("Decode(%q) re-encodes to %q", s, enc)
		}
		if !isCanonical(enc) {
			t.Fatalf("Encode(%+v) = %q, not in Encode's form", p, enc)
		}
		again, err := Decode(enc, DefaultGUID)
		if err != nil || again != p {
			t.Fatalf("Decode(Encode(%+v)) = %+v, %v", p, again, err)
		}
	})
}

// FuzzEncode: Encode never panics and refuses only with ErrMissing or
// ErrInvalidField; what it accepts is at most 512 characters in Encode's
// form, and Decode(Encode(p)) == p.
func FuzzEncode(f *testing.F) {
	for _, p := range []Payload{dynamicPayload, staticPayload, leadingZeroPayload, {}} {
		f.Add(p.Dynamic, p.GUID, p.Reference, p.MCC, p.Currency, p.Amount, p.Country, p.Name, p.City, p.BillRef)
	}
	f.Add(true, "g", "r", "0000", "000", "0.", "ZZ", " ", "~", "")
	f.Fuzz(func(t *testing.T, dynamic bool, guid, ref, mcc, currency, amount, country, name, city, billRef string) {
		p := Payload{Dynamic: dynamic, GUID: guid, Reference: ref, MCC: mcc, Currency: currency,
			Amount: amount, Country: country, Name: name, City: city, BillRef: billRef}
		s, err := Encode(p)
		if err != nil {
			checkError(t, err, ErrMissing, ErrInvalidField)
			return
		}
		if utf8.RuneCountInString(s) > maxPayload || !isCanonical(s) {
			t.Fatalf("Encode(%+v) = %q", p, s)
		}
		got, err := Decode(s, guid)
		if err != nil || got != p {
			t.Fatalf("Decode(Encode(%+v)) = %+v, %v", p, got, err)
		}
	})
}
