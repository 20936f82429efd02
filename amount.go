package ingot

import (
	"strconv"
	"strings"
)

// MaxAmount is the largest amount, in minor units, that a single transfer,
// hold or issuance may carry: 9 * 10^15, below 2^53 so that JavaScript
// clients can hold every amount exactly even as a number.
const MaxAmount int64 = 9_000_000_000_000_000

// ParseAmount parses a positive decimal string in the currency's major unit
// ("12.30" CNY) into minor units (1230). It accepts digits with at most the
// currency's number of decimals, and nothing else: no sign, no exponent, no
// spaces, no thousands separators, no leading zeros but a single "0" before
// the point. Zero and amounts above MaxAmount are refused. Errors have code
// invalid_amount.
func ParseAmount(s string, cur Currency) (int64, error) {
	if s == "" {
		return 0, Errorf(CodeInvalidAmount, "amount is empty")
	}
	if len(s) > 32 {
		return 0, Errorf(CodeInvalidAmount, "amount is too long")
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if intPart == "" {
		return 0, Errorf(CodeInvalidAmount, "amount %q needs a digit before the decimal point", s)
	}
	if hasPoint && frac == "" {
		return 0, Errorf(CodeInvalidAmount, "amount %q needs digits after the decimal point", s)
	}
	if !allDigits(intPart) || !allDigits(frac) {
		if strings.HasPrefix(s, "-") {
			return 0, Errorf(CodeInvalidAmount, "amount %q is negative; amounts are positive", s)
		}
		return 0, Errorf(CodeInvalidAmount, "amount %q is not a decimal number like \"12.30\"", s)
	}
	if len(intPart) > 1 && intPart[0] == '0' {
		return 0, Errorf(CodeInvalidAmount, "amount %q has a leading zero", s)
	}
	if len(frac) > cur.Exponent {
		if cur.Exponent == 0 {
			return 0, Errorf(CodeInvalidAmount, "amount %q has decimals; %s has no minor unit", s, cur.Code)
		}
		return 0, Errorf(CodeInvalidAmount, "amount %q has more than %d decimals for %s", s, cur.Exponent, cur.Code)
	}
	digits := intPart + frac + strings.Repeat("0", cur.Exponent-len(frac))
	if len(digits) > 18 {
		return 0, Errorf(CodeInvalidAmount, "amount %q is too large", s)
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, Errorf(CodeInvalidAmount, "amount %q is too large", s)
	}
	if v == 0 {
		return 0, Errorf(CodeInvalidAmount, "amount must be greater than zero")
	}
	if v > MaxAmount {
		return 0, Errorf(CodeInvalidAmount, "amount %q is above the largest allowed amount %s", s, FormatAmount(MaxAmount, cur))
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatAmount formats minor units as a decimal string with exactly the
// currency's number of decimals: 1230 CNY is "12.30", -5 CNY is "-0.05",
// 700 JPY is "700".
func FormatAmount(v int64, cur Currency) string {
	neg := v < 0
	var u uint64
	if neg {
		u = uint64(-(v + 1)) + 1 // safe for math.MinInt64
	} else {
		u = uint64(v)
	}
	s := strconv.FormatUint(u, 10)
	if cur.Exponent > 0 {
		if len(s) <= cur.Exponent {
			s = strings.Repeat("0", cur.Exponent-len(s)+1) + s
		}
		s = s[:len(s)-cur.Exponent] + "." + s[len(s)-cur.Exponent:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
