package ingot

import (
	"testing"
)

func TestWalletID(t *testing.T) {
	t.Parallel()
	seen := map[int64]bool{}
	for range 1000 {
		id := NewWalletID()
		s := FormatWalletID(id)
		if len(s) != 16 {
			t.Fatalf("NewWalletID() = %s, not 16 digits", s)
		}
		got, err := ParseWalletID(s)
		if err != nil || got != id {
			t.Fatalf("ParseWalletID(%s) = %d, %v", s, got, err)
		}
		if !IsWalletID(id) {
			t.Fatalf("IsWalletID(%d) = false", id)
		}
		if seen[id] {
			t.Fatalf("duplicate wallet id %d", id)
		}
		seen[id] = true
		// Every single-digit typo is caught by the check digit.
		for pos := 0; pos < 16; pos++ {
			b := []byte(s)
			b[pos] = '0' + (b[pos]-'0'+1)%10
			if pos == 0 && b[0] == '0' {
				continue
			}
			if _, err := ParseWalletID(string(b)); ErrorCode(err) != CodeInvalidWalletID {
				t.Fatalf("typo %s of %s accepted", b, s)
			}
		}
	}
	// A known Luhn-valid number (the classic test card 4111 1111 1111 1111).
	if _, err := ParseWalletID("4111111111111111"); err != nil {
		t.Errorf("4111111111111111 rejected: %v", err)
	}
	for _, bad := range []string{"", "411111111111111", "41111111111111111", "4111111111111112", "0111111111111116", "41111111111111a1", "-111111111111111"} {
		if _, err := ParseWalletID(bad); ErrorCode(err) != CodeInvalidWalletID {
			t.Errorf("ParseWalletID(%q) = %v; want invalid_wallet_id", bad, err)
		}
	}
	if IsWalletID(1_000_000) || IsWalletID(999_999_999_999_999) {
		t.Error("reserve-range ids taken for wallet ids")
	}
}

func FuzzParseWalletID(f *testing.F) {
	f.Add("4111111111111111")
	f.Add("0000000000000000")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseWalletID(s)
		if err != nil {
			if ErrorCode(err) != CodeInvalidWalletID {
				t.Fatalf("code %q", ErrorCode(err))
			}
			return
		}
		if FormatWalletID(id) != s || !IsWalletID(id) {
			t.Fatalf("ParseWalletID(%q) = %d, does not round-trip", s, id)
		}
	})
}
