package emvqr

import (
	"errors"
	"strings"
	"testing"
)

// build makes a payload of objs with its CRC, as a generator other than
// Encode might (any order, any data objects).
func build(t testing.TB, objs ...DataObject) string {
	t.Helper()
	body, err := EncodeTLV(objs)
	if err != nil {
		t.Fatalf("EncodeTLV(%q): %v", objs, err)
	}
	return body + crcPrefix + checksum(body)
}

// tmpl is a template's value: its data objects.
func tmpl(t testing.TB, objs ...DataObject) string {
	t.Helper()
	s, err := EncodeTLV(objs)
	if err != nil {
		t.Fatalf("EncodeTLV(%q): %v", objs, err)
	}
	return s
}

// canonical is dynamicString's data objects without the CRC.
func canonical(t testing.TB) []DataObject {
	t.Helper()
	objs, err := ParseTLV(dynamicString)
	if err != nil {
		t.Fatal(err)
	}
	return objs[:len(objs)-1]
}

// with is objs with id's value replaced, or appended when absent.
func with(objs []DataObject, id, value string) []DataObject {
	out := append([]DataObject(nil), objs...)
	for i := range out {
		if out[i].ID == id {
			out[i].Value = value
			return out
		}
	}
	return append(out, DataObject{id, value})
}

// without is objs without id.
func without(objs []DataObject, id string) []DataObject {
	var out []DataObject
	for _, o := range objs {
		if o.ID != id {
			out = append(out, o)
		}
	}
	return out
}

func TestEncodeDecodeVectors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		p    Payload
		s    string
	}{
		{"dynamic with amount and reference label", dynamicPayload, dynamicString},
		{"static without amount", staticPayload, staticString},
		{"CRC with a leading zero", leadingZeroPayload, leadingZeroString},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := Encode(tc.p)
			if err != nil || s != tc.s {
				t.Fatalf("Encode = %q, %v\nwant %q", s, err, tc.s)
			}
			p, err := Decode(tc.s, DefaultGUID)
			if err != nil || p != tc.p {
				t.Fatalf("Decode = %+v, %v\nwant %+v", p, err, tc.p)
			}
		})
	}
}

func TestEncodeOrder(t *testing.T) {
	t.Parallel()
	objs, err := ParseTLV(dynamicString)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range objs {
		ids = append(ids, o.ID)
	}
	if got, want := strings.Join(ids, " "), "00 01 26 52 53 54 58 59 60 62 63"; got != want {
		t.Errorf("IDs %s, want %s", got, want)
	}
}

// TestDecodeTolerates reads Ingot's payload out of a code that also carries
// what other schemes and the specification's optional data objects put there,
// in no particular order.
func TestDecodeTolerates(t *testing.T) {
	t.Parallel()
	p := dynamicPayload
	s := build(t,
		DataObject{"00", "01"},
		DataObject{"01", "12"},
		DataObject{"15", "37210116372101160123456789ABCDE"}, // a card scheme's primitive account
		DataObject{"26", tmpl(t, DataObject{"00", "D15600000000"}, DataObject{"05", "A93FO3230Q"})},
		DataObject{"64", "0002ZH0104最佳运输0202北京"},
		DataObject{"27", tmpl(t, DataObject{"00", "CN.Ingot"}, DataObject{"01", p.Reference}, DataObject{"02", "a later sub-tag"})},
		DataObject{"54", p.Amount},
		DataObject{"53", p.Currency},
		DataObject{"52", p.MCC},
		DataObject{"55", "02"},
		DataObject{"56", "0.50"},
		DataObject{"58", p.Country},
		DataObject{"59", p.Name},
		DataObject{"60", p.City},
		DataObject{"61", "100000"},
		DataObject{"62", tmpl(t, DataObject{"01", "INV-1"}, DataObject{"05", p.BillRef}, DataObject{"07", "A6008667"}, DataObject{"50", "x"})},
		DataObject{"70", "RFU for EMVCo"},
		DataObject{"80", tmpl(t, DataObject{"00", "A011223344998877"}, DataObject{"07", "12345678"})},
	)
	got, err := Decode(s, "cn.ingot")
	if err != nil {
		t.Fatalf("Decode(%q): %v", s, err)
	}
	p.GUID = "CN.Ingot" // as written; matched ignoring case
	if got != p {
		t.Fatalf("Decode = %+v\nwant %+v", got, p)
	}
	body := strings.Replace(dynamicString[:len(dynamicString)-8], "cn.ingot", "CN.Ingot", 1)
	if again, err := Encode(got); err != nil || again != body+crcPrefix+checksum(body) {
		t.Errorf("Encode(Decode) = %q, %v; want the canonical form", again, err)
	}
}

func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	base := canonical(t)
	acct := func(objs ...DataObject) string { return tmpl(t, objs...) }
	long := strings.Repeat("x", 99)
	var huge []DataObject
	huge = append(huge, base[:len(base)-1]...)
	for id := 65; id <= 70; id++ {
		huge = append(huge, DataObject{string(rune('0'+id/10)) + string(rune('0'+id%10)), long})
	}
	flipped := []byte(dynamicString)
	flipped[30] ^= 1 // "cn.ingot" becomes "cn.ingnt": same structure, other CRC
	for _, tc := range []struct {
		name string
		in   string
		guid string // DefaultGUID when empty
		kind error
		id   string
	}{
		// Structure.
		{"empty", "", "", ErrMissing, "00"},
		{"trailing garbage", dynamicString + "0", "", ErrMalformed, ""},
		{"trailing newline", dynamicString + "\n", "", ErrMalformed, ""},
		{"leading space", " " + dynamicString, "", ErrMalformed, ""},
		{"no payload format indicator", build(t, without(base, "00")...), "", ErrMissing, "00"},
		{"payload format indicator not first", build(t, append(without(base, "00"), DataObject{"00", "01"})...), "", ErrMalformed, "00"},
		{"no CRC", dynamicString[:len(dynamicString)-8], "", ErrMissing, "63"},
		{"CRC not last", dynamicString + "9903abc", "", ErrMalformed, "63"},
		{"CRC of 5 characters", dynamicString[:len(dynamicString)-8] + "6305562C0", "", ErrMalformed, "63"},
		{"CRC of 4 characters, 5 bytes", dynamicString[:len(dynamicString)-8] + "6304562é", "", ErrMalformed, "63"},
		{"over 512 characters", build(t, huge...), "", ErrMalformed, ""},
		{"merchant account template not TLV", build(t, with(base, "26", "cn.ingot")...), "", ErrMalformed, "26"},
		{"additional data not TLV", build(t, with(base, "62", "T12-0042")...), "", ErrMalformed, "62"},
		{"language template not TLV", build(t, with(base, "64", "ZH")...), "", ErrMalformed, "64"},
		{"unreserved template not TLV", build(t, with(base, "99", "x")...), "", ErrMalformed, "99"},
		{"duplicate in a template", build(t, with(base, "62", "0501a0501b")...), "", ErrMalformed, "62.05"},
		{"control character", strings.Replace(dynamicString, "Lao Wang", "Lao\rWang", 1), "", ErrMalformed, "59"},
		// CRC.
		{"CRC off by one", dynamicString[:len(dynamicString)-1] + "D", "", ErrChecksum, "63"},
		{"CRC in lower case", strings.Replace(dynamicString, "562C", "562c", 1), "", ErrChecksum, "63"},
		{"content altered", string(flipped), "", ErrChecksum, "63"},
		{"amount altered", strings.Replace(dynamicString, "12.30", "92.30", 1), "", ErrChecksum, "63"},
		// Fields.
		{"payload format 02", build(t, with(base, "00", "02")...), "", ErrInvalidField, "00"},
		{"no point of initiation", build(t, without(base, "01")...), "", ErrMissing, "01"},
		{"point of initiation 13", build(t, with(base, "01", "13")...), "", ErrInvalidField, "01"},
		{"no merchant account", build(t, without(base, "26")...), "", ErrMissing, ""},
		{"template without GUID", build(t, with(base, "27", acct(DataObject{"01", "x"}))...), "", ErrMissing, "27.00"},
		{"two templates for Ingot", build(t, with(base, "27", acct(DataObject{"00", "CN.INGOT"}, DataObject{"01", "x"}))...), "", ErrInvalidField, ""},
		{"no reference", build(t, with(base, "26", acct(DataObject{"00", "cn.ingot"}))...), "", ErrMissing, "26.01"},
		{"reference not ASCII, template in 27", build(t, with(without(base, "26"), "27", acct(DataObject{"00", "cn.ingot"}, DataObject{"01", "订单1"}))...), "", ErrInvalidField, "27.01"},
		{"no MCC", build(t, without(base, "52")...), "", ErrMissing, "52"},
		{"no currency", build(t, without(base, "53")...), "", ErrMissing, "53"},
		{"no country", build(t, without(base, "58")...), "", ErrMissing, "58"},
		{"no name", build(t, without(base, "59")...), "", ErrMissing, "59"},
		{"no city", build(t, without(base, "60")...), "", ErrMissing, "60"},
		{"MCC of 3 digits", build(t, with(base, "52", "581")...), "", ErrInvalidField, "52"},
		{"MCC not digits", build(t, with(base, "52", "58a2")...), "", ErrInvalidField, "52"},
		{"currency alphabetic", build(t, with(base, "53", "CNY")...), "", ErrInvalidField, "53"},
		{"amount with a comma", build(t, with(base, "54", "12,30")...), "", ErrInvalidField, "54"},
		{"amount of 14 characters", build(t, with(base, "54", "12345678901.23")...), "", ErrInvalidField, "54"},
		{"country in lower case", build(t, with(base, "58", "cn")...), "", ErrInvalidField, "58"},
		{"name of 26 characters", build(t, with(base, "59", strings.Repeat("n", 26))...), "", ErrInvalidField, "59"},
		{"name not ASCII", build(t, with(base, "59", "老王面馆")...), "", ErrInvalidField, "59"},
		{"city of 16 characters", build(t, with(base, "60", strings.Repeat("c", 16))...), "", ErrInvalidField, "60"},
		{"reference label of 26 characters", build(t, with(base, "62", acct(DataObject{"05", strings.Repeat("r", 26)}))...), "", ErrInvalidField, "62.05"},
		// Schemes.
		{"another scheme only", build(t, with(base, "26", acct(DataObject{"00", "br.gov.bcb.pix"}, DataObject{"01", "x"}))...), "", ErrUnknownScheme, ""},
		{"another GUID accepted", dynamicString, "cn.other", ErrUnknownScheme, ""},
		{"GUID equal only by Unicode case folding", build(t, with(base, "26", acct(DataObject{"00", "cn.ingot.\u212a"}, DataObject{"01", "x"}))...), "cn.ingot.k", ErrUnknownScheme, ""},
		{"no GUID accepted", dynamicString, "-", ErrUnknownScheme, ""},
		// Published payloads.
		{"EMVCo sample, not Ingot's", emvcoSample, "", ErrUnknownScheme, ""},
		{"EMVCo sample as scheme D15600000000: no 29.01", emvcoSample, "D15600000000", ErrMissing, "29.01"},
		{"Mastercard sample: a card scheme's account only", mastercardSample, "", ErrUnknownScheme, ""},
		{"Pix dynamic sample, not Ingot's", pixDynamicSample, "", ErrUnknownScheme, ""},
		{"Pix dynamic sample as Pix (GUID case differs): no 26.01", pixDynamicSample, "br.gov.bcb.pix", ErrMissing, "26.01"},
		{"Pix static sample: right CRC, wrong length", pixStaticSample, "br.gov.bcb.pix", ErrMalformed, "30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			guid := tc.guid
			switch guid {
			case "":
				guid = DefaultGUID
			case "-":
				guid = ""
			}
			p, err := Decode(tc.in, guid)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("Decode(%q) = %+v, %v; want %v", tc.in, p, err, tc.kind)
			}
			if p != (Payload{}) {
				t.Errorf("Decode returned %+v with its error", p)
			}
			var e *Error
			if !errors.As(err, &e) || e.ID != tc.id {
				t.Errorf("Decode: %v; want ID %q", err, tc.id)
			}
		})
	}
}

func TestEncodeRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		edit func(*Payload)
		kind error
		id   string
	}{
		{"no GUID", func(p *Payload) { p.GUID = "" }, ErrMissing, "26.00"},
		{"GUID of 33 characters", func(p *Payload) { p.GUID = strings.Repeat("g", 33) }, ErrInvalidField, "26.00"},
		{"GUID not ASCII", func(p *Payload) { p.GUID = "cn.ingöt" }, ErrInvalidField, "26.00"},
		{"no reference", func(p *Payload) { p.Reference = "" }, ErrMissing, "26.01"},
		{"reference overflows the template", func(p *Payload) { p.Reference = strings.Repeat("r", 84) }, ErrInvalidField, "26.01"},
		{"reference with a tab", func(p *Payload) { p.Reference = "a\tb" }, ErrInvalidField, "26.01"},
		{"no MCC", func(p *Payload) { p.MCC = "" }, ErrMissing, "52"},
		{"MCC of 5 digits", func(p *Payload) { p.MCC = "58122" }, ErrInvalidField, "52"},
		{"MCC with a full-width digit", func(p *Payload) { p.MCC = "5８12" }, ErrInvalidField, "52"},
		{"no currency", func(p *Payload) { p.Currency = "" }, ErrMissing, "53"},
		{"currency alphabetic", func(p *Payload) { p.Currency = "CNY" }, ErrInvalidField, "53"},
		{"amount with a comma", func(p *Payload) { p.Amount = "12,30" }, ErrInvalidField, "54"},
		{"amount negative", func(p *Payload) { p.Amount = "-1" }, ErrInvalidField, "54"},
		{"amount without integer part", func(p *Payload) { p.Amount = ".5" }, ErrInvalidField, "54"},
		{"amount with two points", func(p *Payload) { p.Amount = "1.2.3" }, ErrInvalidField, "54"},
		{"amount with exponent", func(p *Payload) { p.Amount = "1e3" }, ErrInvalidField, "54"},
		{"amount of 14 characters", func(p *Payload) { p.Amount = "12345678901.23" }, ErrInvalidField, "54"},
		{"no country", func(p *Payload) { p.Country = "" }, ErrMissing, "58"},
		{"country in lower case", func(p *Payload) { p.Country = "cn" }, ErrInvalidField, "58"},
		{"country alpha-3", func(p *Payload) { p.Country = "CHN" }, ErrInvalidField, "58"},
		{"no name", func(p *Payload) { p.Name = "" }, ErrMissing, "59"},
		{"name of 26 characters", func(p *Payload) { p.Name = strings.Repeat("n", 26) }, ErrInvalidField, "59"},
		{"name not ASCII", func(p *Payload) { p.Name = "老王面馆" }, ErrInvalidField, "59"},
		{"no city", func(p *Payload) { p.City = "" }, ErrMissing, "60"},
		{"city of 16 characters", func(p *Payload) { p.City = strings.Repeat("c", 16) }, ErrInvalidField, "60"},
		{"reference label of 26 characters", func(p *Payload) { p.BillRef = strings.Repeat("b", 26) }, ErrInvalidField, "62.05"},
		{"reference label with NUL", func(p *Payload) { p.BillRef = "a\x00" }, ErrInvalidField, "62.05"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := dynamicPayload
			tc.edit(&p)
			s, err := Encode(p)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("Encode(%+v) = %q, %v; want %v", p, s, err, tc.kind)
			}
			var e *Error
			if !errors.As(err, &e) || e.ID != tc.id {
				t.Errorf("Encode: %v; want ID %q", err, tc.id)
			}
		})
	}
}

func TestEncodeAccepts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		edit func(*Payload)
	}{
		{"longest reference with the default GUID", func(p *Payload) { p.Reference = strings.Repeat("r", 83) }},
		{"longest GUID and its longest reference", func(p *Payload) { p.GUID, p.Reference = strings.Repeat("g", 32), strings.Repeat("r", 59) }},
		{"whole amount", func(p *Payload) { p.Amount = "12" }},
		{"amount ending with its point", func(p *Payload) { p.Amount = "12." }},
		{"amount of 13 characters", func(p *Payload) { p.Amount = "1234567890.12" }},
		{"no amount", func(p *Payload) { p.Amount = "" }},
		{"no reference label", func(p *Payload) { p.BillRef = "" }},
		{"longest name, city, label", func(p *Payload) {
			p.Name, p.City, p.BillRef = strings.Repeat("n", 25), strings.Repeat("c", 15), strings.Repeat("b", 25)
		}},
		{"every printable ASCII character", func(p *Payload) { p.Name, p.City = " !\"#$%&'()*+,-./0123456789", ":;<=>?@[\\]^_`{|}~" }},
		{"static", func(p *Payload) { p.Dynamic = false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := dynamicPayload
			tc.edit(&p)
			if len(p.Name) > 25 {
				p.Name = p.Name[:25]
			}
			if len(p.City) > 15 {
				p.City = p.City[:15]
			}
			s, err := Encode(p)
			if err != nil {
				t.Fatalf("Encode(%+v): %v", p, err)
			}
			got, err := Decode(s, p.GUID)
			if err != nil || got != p {
				t.Fatalf("Decode(%q) = %+v, %v\nwant %+v", s, got, err, p)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	p := dynamicPayload
	p.Name = ""
	_, err := Encode(p)
	if got, want := err.Error(), "emvqr: 59: missing mandatory data object: merchant name"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	_, err = Decode(strings.Replace(dynamicString, "562C", "562D", 1), DefaultGUID)
	if got, want := err.Error(), `emvqr: 63: CRC mismatch: the code says "562D", its content has 562C`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	_, err = Decode(emvcoSample, DefaultGUID)
	if got, want := err.Error(), `emvqr: unknown scheme: no merchant account template for "cn.ingot"; the code is for "D15600000000", "D15600000001"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestValidateMerchant(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, city, country, mcc string
		kind                     error
		id                       string
	}{
		{"Lao Wang Noodles", "Beijing", "CN", "5812", nil, ""},
		{"", "Beijing", "CN", "5812", ErrMissing, "59"},
		{"老王面馆", "Beijing", "CN", "5812", ErrInvalidField, "59"},
		{"Lao Wang Noodles", "Beijing Chaoyang", "CN", "5812", ErrInvalidField, "60"},
		{"Lao Wang Noodles", "Beijing", "China", "5812", ErrInvalidField, "58"},
		{"Lao Wang Noodles", "Beijing", "CN", "581", ErrInvalidField, "52"},
	} {
		err := ValidateMerchant(tc.name, tc.city, tc.country, tc.mcc)
		if tc.kind == nil {
			if err != nil {
				t.Errorf("ValidateMerchant(%q, %q, %q, %q): %v", tc.name, tc.city, tc.country, tc.mcc, err)
			}
			continue
		}
		var e *Error
		if !errors.Is(err, tc.kind) || !errors.As(err, &e) || e.ID != tc.id {
			t.Errorf("ValidateMerchant(%q, %q, %q, %q): %v; want %v at %q", tc.name, tc.city, tc.country, tc.mcc, err, tc.kind, tc.id)
		}
	}
}
