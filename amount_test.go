package ingot

import (
	"strings"
	"testing"
)

func TestParseAmount(t *testing.T) {
	t.Parallel()
	cny, jpy, bhd := MustCurrency("CNY"), MustCurrency("JPY"), MustCurrency("BHD")
	tests := []struct {
		in   string
		cur  Currency
		want int64
		ok   bool
	}{
		{"12.30", cny, 1230, true},
		{"12.3", cny, 1230, true},
		{"12", cny, 1200, true},
		{"0.01", cny, 1, true},
		{"0.10", cny, 10, true},
		{"700", jpy, 700, true},
		{"1.234", bhd, 1234, true},
		{"90000000000000.00", cny, 9_000_000_000_000_000, true},
		{"90000000000000.01", cny, 0, false},
		{"9000000000000000", jpy, 9_000_000_000_000_000, true},
		{"9000000000000001", jpy, 0, false},
		{"99999999999999999999", cny, 0, false},
		{"0", cny, 0, false},
		{"0.00", cny, 0, false},
		{"-1.00", cny, 0, false},
		{"+1.00", cny, 0, false},
		{"1.001", cny, 0, false},
		{"1.5", jpy, 0, false},
		{"1.", cny, 0, false},
		{".5", cny, 0, false},
		{"01.00", cny, 0, false},
		{"1e3", cny, 0, false},
		{" 1", cny, 0, false},
		{"1,000.00", cny, 0, false},
		{"", cny, 0, false},
		{"NaN", cny, 0, false},
		{"１", cny, 0, false},
	}
	for _, tt := range tests {
		got, err := ParseAmount(tt.in, tt.cur)
		if tt.ok {
			if err != nil || got != tt.want {
				t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d", tt.in, tt.cur.Code, got, err, tt.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("ParseAmount(%q, %s) = %d; want an error", tt.in, tt.cur.Code, got)
		} else if ErrorCode(err) != CodeInvalidAmount {
			t.Errorf("ParseAmount(%q) error code %q; want invalid_amount", tt.in, ErrorCode(err))
		}
	}
}

func TestFormatAmount(t *testing.T) {
	t.Parallel()
	cny, jpy := MustCurrency("CNY"), MustCurrency("JPY")
	tests := []struct {
		v    int64
		cur  Currency
		want string
	}{
		{1230, cny, "12.30"}, {5, cny, "0.05"}, {-5, cny, "-0.05"}, {0, cny, "0.00"},
		{-123456, cny, "-1234.56"}, {700, jpy, "700"}, {-700, jpy, "-700"},
		{-9223372036854775808, cny, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := FormatAmount(tt.v, tt.cur); got != tt.want {
			t.Errorf("FormatAmount(%d, %s) = %q; want %q", tt.v, tt.cur.Code, got, tt.want)
		}
	}
}

func TestLookupCurrency(t *testing.T) {
	t.Parallel()
	for code, exp := range map[string]int{"CNY": 2, "HKD": 2, "EUR": 2, "USD": 2, "JPY": 0, "KWD": 3} {
		c, err := LookupCurrency(code)
		if err != nil || c.Exponent != exp {
			t.Errorf("LookupCurrency(%s) = %+v, %v; want exponent %d", code, c, err, exp)
		}
	}
	for _, bad := range []string{"", "cny", "XXX", "CNYY", "ABC"} {
		if _, err := LookupCurrency(bad); ErrorCode(err) != CodeInvalidCurrency {
			t.Errorf("LookupCurrency(%q) error %v; want invalid_currency", bad, err)
		}
	}
}

// FuzzParseAmount checks that the parser never panics, that everything it
// accepts is in range and formats back to an equivalent string.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"12.30", "0.01", "-1", "1e5", "99999999999999999999", "1.", ".1", "00", "9000000000000000"} {
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, e uint8) {
		cur := Currency{Code: "TST", Exponent: int(e % 4)}
		v, err := ParseAmount(s, cur)
		if err != nil {
			if ErrorCode(err) != CodeInvalidAmount {
				t.Fatalf("ParseAmount(%q) error code %q", s, ErrorCode(err))
			}
			return
		}
		if v <= 0 || v > MaxAmount {
			t.Fatalf("ParseAmount(%q) = %d, out of range", s, v)
		}
		back, err := ParseAmount(FormatAmount(v, cur), cur)
		if err != nil || back != v {
			t.Fatalf("round trip of %q: %d -> %q -> %d, %v", s, v, FormatAmount(v, cur), back, err)
		}
		if strings.ContainsAny(s, "+- eE,") {
			t.Fatalf("ParseAmount accepted %q", s)
		}
	})
}
