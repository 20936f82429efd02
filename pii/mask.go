package pii

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// The masks below give the form of a value that may appear in API responses
// and log lines. Each shows at most a fixed few characters of its input and
// never more than can be shown while hiding at least four. They accept any
// string: a value that is not of the expected form is masked whole rather
// than shown.

// mask is what stands for hidden characters where their number is not shown.
const mask = "****"

// MaskPhone masks a phone number in E.164 form: "+86 138****5678".
//
// The rule: the country calling code, a space, the first 3 digits of the
// national number, "****", and its last 4 digits. The first 3 are shown only
// when the national number has at least 11 digits, and the last 4 only when
// it has at least 8, so at least 4 digits are always hidden
// ("+852 ****5678" for Hong Kong's 8 digits, "+49 ****" for 7 or fewer).
// "****" is always four stars, whatever the number of digits hidden.
//
// A value without a leading "+" and a known country code is masked the same
// way with no country code ("13812345678" -> "138****5678"). Spaces, dashes,
// dots and parentheses are ignored; a value with any other character that is
// not a digit gives "****".
func MaskPhone(e164 string) string {
	plus := false
	digits := make([]byte, 0, len(e164))
	for i := 0; i < len(e164); i++ {
		switch c := e164[i]; {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == '+' && !plus && len(digits) == 0:
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return mask
		}
	}
	var b strings.Builder
	national := digits
	if plus {
		if cc := countryCode(digits); cc != "" {
			b.WriteString("+" + cc + " ")
			national = digits[len(cc):]
		}
	}
	n := len(national)
	if n >= 11 {
		b.Write(national[:3])
	}
	b.WriteString(mask)
	if n >= 8 {
		b.Write(national[n-4:])
	}
	return b.String()
}

// countryCode returns the known country calling code that digits start
// with, or "". Calling codes are prefix-free, so there is at most one.
func countryCode(digits []byte) string {
	codes := phonenumbers.GetSupportedCallingCodes()
	for l := 1; l <= 3 && l <= len(digits); l++ {
		if digits[0] == '0' {
			return ""
		}
		cc, _ := strconv.Atoi(string(digits[:l]))
		if codes[cc] {
			return string(digits[:l])
		}
	}
	return ""
}

// MaskName masks a person's or business's name: "Li Wei" -> "L* W**",
// "王小明" -> "王**", "A" -> "*".
//
// The rule: every rune becomes '*' except white space, which becomes a
// plain space, and the first rune of each word (a run of runes between
// white space) of at least two runes, which is kept when it is a letter or a
// digit. The result has as many runes as the name. A one-rune word is
// masked whole, so a name is never shown entirely.
func MaskName(name string) string {
	runes := []rune(name) // an invalid byte becomes one U+FFFD, masked below
	var b strings.Builder
	b.Grow(len(name))
	for i, r := range runes {
		switch {
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case (i == 0 || unicode.IsSpace(runes[i-1])) && // starts a word
			i+1 < len(runes) && !unicode.IsSpace(runes[i+1]) && // of two runes or more
			r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			b.WriteByte('*')
		}
	}
	return b.String()
}

// MaskID masks an ID document number: "110101199003071234" ->
// "110***********1234".
//
// The rule: an ID of at least 15 runes (China's resident ID has 18, its
// older form 15) shows its first 3 and last 4 runes; every other rune, and
// every rune of a shorter ID (passports, Hong Kong IDs), becomes '*'. A
// shown rune that is not a letter or a digit is masked too. The result has
// as many runes as the ID.
func MaskID(id string) string {
	n := utf8.RuneCountInString(id)
	long := n >= 15
	var b strings.Builder
	b.Grow(len(id))
	i := 0
	for _, r := range id {
		if long && (i < 3 || i >= n-4) && r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('*')
		}
		i++
	}
	return b.String()
}

// MaskAccountNumber masks a bank account number (or card number, or IBAN):
// "6222 0212 3456 6789" -> "****6789".
//
// The rule: "****" and the last 4 ASCII digits of the number, ignoring
// every other character. The digits are shown only when the number has at
// least 8 digits; otherwise the result is "****".
func MaskAccountNumber(n string) string {
	var last [4]byte
	count := 0
	for i := 0; i < len(n); i++ {
		if c := n[i]; c >= '0' && c <= '9' {
			last[count%4] = c
			count++
		}
	}
	if count < 8 {
		return mask
	}
	out := []byte(mask)
	for j := range 4 {
		out = append(out, last[(count+j)%4])
	}
	return string(out)
}
