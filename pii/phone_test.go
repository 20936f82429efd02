package pii

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	ok := []struct{ raw, region, want string }{
		{"13812345678", "", "+8613812345678"},
		{"13812345678", "CN", "+8613812345678"},
		{"13812345678", "cn", "+8613812345678"},
		{"+8613812345678", "", "+8613812345678"},
		{"+86 138 1234 5678", "", "+8613812345678"},
		{"+86-138-1234-5678", "", "+8613812345678"},
		{"138-1234-5678", "", "+8613812345678"},
		{"138 1234 5678", "", "+8613812345678"},
		{"  13812345678\t", "", "+8613812345678"},
		{"(138) 1234-5678", "", "+8613812345678"},
		{"008613812345678", "", "+8613812345678"},  // international prefix from China
		{"+86 10 1234 5678", "", "+861012345678"},  // Beijing fixed line
		{"010 1234 5678", "", "+861012345678"},     // same, with the trunk prefix
		{"9123 4567", "HK", "+85291234567"},        // Hong Kong mobile
		{"+852 9123 4567", "", "+85291234567"},     // Hong Kong from anywhere
		{"+852 9123 4567", "US", "+85291234567"},   // a country code beats the region
		{"+8613812345678", "HK", "+8613812345678"}, //
		{"+44 20 7946 0958", "", "+442079460958"},
		{"(650) 253-0000", "US", "+16502530000"},
	}
	for _, c := range ok {
		got, err := NormalizePhone(c.raw, c.region)
		if err != nil || got != c.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", c.raw, c.region, got, err, c.want)
		}
	}

	bad := []struct{ raw, region, want string }{
		{"", "", "empty"},
		{"   ", "", "empty"},
		{"abc", "", "not a phone number"},
		{"12345", "", "not a valid number"},
		{"1381234567", "", "not a valid number"},   // one digit short
		{"138123456789", "", "not a valid number"}, // one digit long
		{"12345678901", "", "not a valid number"},  // no Chinese prefix 12
		{"91234567", "", "read as CN"},             // a Hong Kong number without +852 and region HK
		{"13812345678", "HK", "read as HK"},        // a Chinese number read as Hong Kong's
		{"+999 1234 5678", "", "unknown country code"},
		{"+86 138 1234 5678 ext. 12", "", "extension"},
		{"13812345678", "XX", "unknown default region"},
		{"13812345678", "ZZ", "unknown default region"},
		{"1" + strings.Repeat("3", 70), "", "longer than 64"},
	}
	for _, c := range bad {
		got, err := NormalizePhone(c.raw, c.region)
		if err == nil {
			t.Errorf("NormalizePhone(%q, %q) = %q, nil; want an error", c.raw, c.region, got)
			continue
		}
		if got != "" {
			t.Errorf("NormalizePhone(%q, %q) returned %q with its error", c.raw, c.region, got)
		}
		if !errors.Is(err, ErrInvalidPhone) {
			t.Errorf("NormalizePhone(%q, %q): error %v is not ErrInvalidPhone", c.raw, c.region, err)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("NormalizePhone(%q, %q): error %q does not say %q", c.raw, c.region, err, c.want)
		}
		if digits := strings.TrimSpace(c.raw); len(digits) >= 5 && strings.Contains(err.Error(), digits) {
			t.Errorf("error %q contains the number", err)
		}
	}
}
