package ingot

import (
	"crypto/rand"
	"encoding/binary"
	"strconv"
)

// Wallet ids are 16 decimal digits, the first never 0, the last a Luhn check
// digit over the first 15 (as on payment cards), so a mistyped id is caught
// before any lookup. They are stored as int64.
const (
	walletIDMin = 1_000_000_000_000_000 // smallest 16-digit number
	walletIDMax = 9_999_999_999_999_999
)

// ParseWalletID checks a wallet id's form and check digit. A wrong length, a
// non-digit or a wrong check digit is invalid_wallet_id.
func ParseWalletID(s string) (int64, error) {
	if len(s) != 16 || !allDigits(s) || s[0] == '0' {
		return 0, Errorf(CodeInvalidWalletID, "wallet id must be 16 digits")
	}
	if luhnDigit(s[:15]) != s[15] {
		return 0, Errorf(CodeInvalidWalletID, "wallet id %s has a wrong check digit", s)
	}
	v, _ := strconv.ParseInt(s, 10, 64)
	return v, nil
}

// FormatWalletID writes a wallet id as its 16 digits.
func FormatWalletID(id int64) string { return strconv.FormatInt(id, 10) }

// IsWalletID reports whether an account id has the wallet id form.
func IsWalletID(id int64) bool {
	if id < walletIDMin || id > walletIDMax {
		return false
	}
	s := strconv.FormatInt(id, 10)
	return luhnDigit(s[:15]) == s[15]
}

// NewWalletID returns a random wallet id: 15 random digits (first non-zero)
// and the Luhn check digit.
func NewWalletID() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	body := 100_000_000_000_000 + binary.BigEndian.Uint64(b[:])%900_000_000_000_000
	s := strconv.FormatUint(body, 10)
	s += string(luhnDigit(s))
	v, _ := strconv.ParseInt(s, 10, 64)
	return v
}

// luhnDigit computes the Luhn check digit to append to payload.
func luhnDigit(payload string) byte {
	sum := 0
	double := true // the rightmost payload digit is doubled
	for i := len(payload) - 1; i >= 0; i-- {
		d := int(payload[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return byte('0' + (10-sum%10)%10)
}
