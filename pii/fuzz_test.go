package pii

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzOpen: no string opens without the key that sealed it, under another
// context, or altered; none makes Open panic. The sealer is a keyring of an
// original key (v1 values) and a key "k2" (v2 values).
func FuzzOpen(f *testing.F) {
	sealer, stranger := mustParse(f, b64Key(1)+"\nk2 "+b64Key(3)), testKeys(f, 2)
	// The seeds must be the same in every fuzzing process, so they are sealed
	// with fixed nonces (sealFixed), not by Seal.
	type sealedValue struct{ sealed, ctx, pt string }
	var valid []sealedValue
	for i, c := range [][2]string{{"+8613812345678", "phone:w_1"}, {"王小明", "name:w_1"}, {"x", ""}} {
		s := sealFixed(f, 1, byte(i), c[0], c[1])
		valid = append(valid, sealedValue{s, c[1], c[0]})
		f.Add(s, c[1])
		f.Add(s, c[1]+"x")
		f.Add(s[:len(s)-1], c[1])
		f.Add(s+"\n", c[1])
	}
	for i, c := range [][2]string{{"+8613812345678", "holder_phone:1"}, {"x", ""}} {
		s := sealFixedV2(f, 3, byte(i), "k2", c[0], c[1])
		valid = append(valid, sealedValue{s, c[1], c[0]})
		f.Add(s, c[1])
		f.Add(s, c[1]+"x")
		f.Add("v2:k3:"+s[6:], c[1])
		f.Add("v1:"+s[6:], c[1])
	}
	f.Add("", "")
	f.Add("v1:", "")
	f.Add("v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "")
	f.Add("v2:abc", "ctx")
	f.Fuzz(func(t *testing.T, s, ctx string) {
		if s == "" {
			return // "" opens to "" by definition
		}
		if got, err := stranger.Open(s, ctx); err == nil {
			t.Fatalf("Open(%q, %q) without the sealing key = %q", s, ctx, got)
		}
		got, err := sealer.Open(s, ctx)
		if err != nil {
			if got != "" {
				t.Fatalf("Open returned %q with error %v", got, err)
			}
			return
		}
		for _, v := range valid {
			if s == v.sealed && ctx == v.ctx && got == v.pt {
				return
			}
		}
		t.Fatalf("Open(%q, %q) = %q, but nothing sealed that", s, ctx, got)
	})
}

// FuzzSealOpen: every value and context round-trips, and opens under no
// other context.
func FuzzSealOpen(f *testing.F) {
	k := testKeys(f, 1)
	f.Add("+8613812345678", "phone:w_1")
	f.Add("王小明", "")
	f.Add("\x00\xff", "\x00")
	f.Fuzz(func(t *testing.T, pt, ctx string) {
		s, err := k.Seal(pt, ctx)
		if err != nil {
			t.Fatal(err)
		}
		if pt == "" {
			if s != "" {
				t.Fatalf(`Seal("") = %q`, s)
			}
			return
		}
		got, err := k.Open(s, ctx)
		if err != nil || got != pt {
			t.Fatalf("Open(Seal(%q, %q)) = %q, %v", pt, ctx, got, err)
		}
		if _, err := k.Open(s, ctx+"\x00"); err == nil {
			t.Fatalf("opened under another context")
		}
	})
}

// FuzzNormalizePhone: never panics; what it returns is E.164 and
// normalizes to itself; its errors do not repeat the number.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 138-1234-5678", "9123 4567", "+852 9123 4567", "abc", "+", "008613812345678", "1-800-FLOWERS", "+86 138 1234 5678 ext. 9"} {
		f.Add(s, "CN")
		f.Add(s, "HK")
	}
	e164 := regexp.MustCompile(`^\+[1-9][0-9]{5,14}$`)
	digitRun := regexp.MustCompile(`[0-9]{5,}`)
	f.Fuzz(func(t *testing.T, raw, region string) {
		got, err := NormalizePhone(raw, region)
		if err != nil {
			if got != "" {
				t.Fatalf("returned %q with error %v", got, err)
			}
			for _, run := range digitRun.FindAllString(raw, -1) {
				if strings.Contains(err.Error(), run) {
					t.Fatalf("error %q repeats %q from the input", err, run)
				}
			}
			return
		}
		if !e164.MatchString(got) {
			t.Fatalf("NormalizePhone(%q, %q) = %q, not E.164", raw, region, got)
		}
		for _, r := range []string{"", "US", "HK", "DE"} {
			if again, err := NormalizePhone(got, r); err != nil || again != got {
				t.Fatalf("NormalizePhone(%q, %q) = %q, %v; want it unchanged", got, r, again, err)
			}
		}
	})
}

var maskedNational = regexp.MustCompile(`^([0-9]*)\*\*\*\*([0-9]*)$`)

// FuzzMaskPhone: never panics; shows at most a country code, 3 leading and
// 4 trailing digits of the number, and always hides at least 4 digits (the
// middle ones).
func FuzzMaskPhone(f *testing.F) {
	for _, s := range []string{"+8613812345678", "+85291234567", "13812345678", "+1 650 253 0000", "+491234567", "+8801712345678", "abc", "+", "++1", "1234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := MaskPhone(in)
		if out == "****" {
			return
		}
		if strings.Trim(in, "0123456789+ -.()") != "" {
			t.Fatalf("MaskPhone(%q) = %q; want **** for a value with other characters", in, out)
		}
		var digits strings.Builder
		for _, r := range in {
			if r >= '0' && r <= '9' {
				digits.WriteRune(r)
			}
		}
		national := digits.String()
		rest := out
		if strings.HasPrefix(out, "+") {
			cc, after, ok := strings.Cut(out[1:], " ")
			if !ok || len(cc) < 1 || len(cc) > 3 || !strings.HasPrefix(national, cc) || !strings.HasPrefix(strings.TrimLeft(in, " -.()"), "+") {
				t.Fatalf("MaskPhone(%q) = %q: bad country code part", in, out)
			}
			national, rest = national[len(cc):], after
		}
		m := maskedNational.FindStringSubmatch(rest)
		if m == nil {
			t.Fatalf("MaskPhone(%q) = %q: not [+cc ]digits****digits", in, out)
		}
		head, tail := m[1], m[2]
		switch {
		case len(head) != 0 && len(head) != 3, len(tail) != 0 && len(tail) != 4:
			t.Fatalf("MaskPhone(%q) = %q: shows %d leading and %d trailing digits", in, out, len(head), len(tail))
		case !strings.HasPrefix(national, head) || !strings.HasSuffix(national, tail):
			t.Fatalf("MaskPhone(%q) = %q: shown digits are not the number's first and last", in, out)
		case len(head)+len(tail) > 0 && len(national)-len(head)-len(tail) < 4:
			t.Fatalf("MaskPhone(%q) = %q: hides only %d digits", in, out, len(national)-len(head)-len(tail))
		}
	})
}

// FuzzMaskName: never panics; keeps the number of runes and the spaces,
// and shows at most the first rune, a letter or digit, of each word of two
// runes or more.
func FuzzMaskName(f *testing.F) {
	for _, s := range []string{"Li Wei", "王小明", "A", "A B", " x  yz ", "\xff\xfe", "Zoë", "\u202eLi"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := MaskName(in)
		if !utf8.ValidString(out) {
			t.Fatalf("MaskName(%q) = %q, not UTF-8", in, out)
		}
		ir, or := []rune(in), []rune(out)
		if len(ir) != len(or) {
			t.Fatalf("MaskName(%q) = %q: %d runes for %d", in, out, len(or), len(ir))
		}
		for i, r := range or {
			space := unicode.IsSpace(ir[i])
			wordStart := (i == 0 || unicode.IsSpace(ir[i-1])) && i+1 < len(ir) && !unicode.IsSpace(ir[i+1])
			switch {
			case space && r != ' ', !space && r == ' ':
				t.Fatalf("MaskName(%q) = %q: rune %d is %q for %q", in, out, i, r, ir[i])
			case space || r == '*':
			case r != ir[i] || !wordStart || !(unicode.IsLetter(r) || unicode.IsDigit(r)) || r == utf8.RuneError:
				t.Fatalf("MaskName(%q) = %q: shows rune %d, %q", in, out, i, r)
			}
		}
	})
}

// FuzzMaskID: never panics; keeps the number of runes and shows at most the
// first 3 and last 4 of an ID of 15 runes or more.
func FuzzMaskID(f *testing.F) {
	for _, s := range []string{"110101199003071234", "11010119900307123X", "E12345678", "", "\xff10101199003071234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := MaskID(in)
		ir, or := []rune(in), []rune(out)
		if len(ir) != len(or) {
			t.Fatalf("MaskID(%q) = %q: %d runes for %d", in, out, len(or), len(ir))
		}
		n := len(ir)
		for i, r := range or {
			if r == '*' {
				continue
			}
			if n < 15 || (i >= 3 && i < n-4) || r != ir[i] || !(unicode.IsLetter(r) || unicode.IsDigit(r)) || r == utf8.RuneError {
				t.Fatalf("MaskID(%q) = %q: shows rune %d, %q", in, out, i, r)
			}
		}
	})
}

// FuzzMaskAccountNumber: never panics; shows nothing but the last 4 digits
// of a number of at least 8 digits.
func FuzzMaskAccountNumber(f *testing.F) {
	for _, s := range []string{"6222021234566789", "6222 0212 3456 6789", "DE89 3704 0044 0532 0130 00", "1234567", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := MaskAccountNumber(in)
		var digits []byte
		for i := 0; i < len(in); i++ {
			if in[i] >= '0' && in[i] <= '9' {
				digits = append(digits, in[i])
			}
		}
		want := "****"
		if len(digits) >= 8 {
			want += string(digits[len(digits)-4:])
		}
		if out != want {
			t.Fatalf("MaskAccountNumber(%q) = %q, want %q", in, out, want)
		}
	})
}

// FuzzParseKey: ParseKey never panics and never repeats key material in an
// error; a keyring it accepts seals with its newest key, opens what each of
// its keys sealed, and parses the same from its canonical form.
func FuzzParseKey(f *testing.F) {
	k1 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, KeySize))
	k2 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, KeySize))
	for _, s := range []string{
		k1, k1 + "\n", "k1 " + k1, k1 + "\nk2 " + k2, k1 + ",k2 " + k2, "# c\n" + k1, "k1 " + k1 + "\nk1 " + k2,
		"k1 " + k1 + "\nk2 " + k1, k2 + "\n" + k1, "v1 " + k1, "a b c", "k1 " + k1[:20], "\r\n,,", "k1\t" + k1 + "\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			if k != nil {
				t.Fatal("a keyring with an error")
			}
			for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
				if len(w) >= 40 && strings.Contains(err.Error(), w) {
					t.Fatalf("error %q repeats %q", err, w)
				}
			}
			return
		}
		ids := k.KeyIDs()
		if len(ids) == 0 || len(ids) > maxKeys || k.SealKeyID() != ids[len(ids)-1] {
			t.Fatalf("keyring %v seals with %q", ids, k.SealKeyID())
		}
		sealed, err := k.Seal("value", "ctx")
		if err != nil || !strings.HasPrefix(sealed, k.SealedPrefix()) {
			t.Fatalf("Seal = %q, %v; prefix %q", sealed, err, k.SealedPrefix())
		}
		if name, ok := SealedWith(sealed); !ok || name != k.SealKeyID() {
			t.Fatalf("SealedWith(%q) = %q, %v", sealed, name, ok)
		}
		// Canonical form: every key with its id, one per line.
		var canon strings.Builder
		for i, d := range k.ring {
			if i > 0 || d.id != "" {
				canon.WriteString(d.id + " ")
			}
			canon.WriteString(base64.StdEncoding.EncodeToString(rawOf(t, s, i)) + "\n")
		}
		again, err := ParseKey(canon.String())
		if err != nil {
			t.Fatalf("the canonical form does not parse: %v", err)
		}
		if strings.Join(again.KeyIDs(), ",") != strings.Join(ids, ",") || !bytes.Equal(again.LookupHash("k", "v"), k.LookupHash("k", "v")) {
			t.Fatal("the canonical form is another keyring")
		}
		for _, id := range ids {
			one, err := k.WithSealKey(id)
			if err != nil {
				t.Fatal(err)
			}
			v, _ := one.Seal("x", "c")
			if got, err := again.Open(v, "c"); err != nil || got != "x" {
				t.Fatalf("a value sealed with %s does not open in the same keyring: %v", id, err)
			}
		}
	})
}

// rawOf returns the i-th key of a keyring text that ParseKey accepted.
func rawOf(t *testing.T, s string, i int) []byte {
	t.Helper()
	entries, err := parseEntries(s)
	if err != nil {
		t.Fatal(err)
	}
	return entries[i].raw
}
