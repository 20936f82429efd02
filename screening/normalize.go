package screening

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gosimple/unidecode"
	"golang.org/x/text/unicode/norm"
)

// Normalize returns the form of a name that the Matcher compares: lower-case
// ASCII words of letters a-z and digits, sorted, separated by single spaces.
// In order:
//
//  1. Apostrophes ' ’ ‘ ʼ ʻ ` ´ ′ are removed, joining what they separate
//     (O'Brien is obrien, and a Cyrillic soft sign never splits a word).
//  2. NFKD: compatibility forms become plain ones (full-width Ｍüller is
//     Müller, ligatures ﬁ are fi, ² is 2) and letters are decomposed into
//     a base letter and combining marks.
//  3. Letters are mapped to lower case (simple Unicode case folding).
//  4. Combining marks (diacritics: accents, cedillas, the breve of й, Greek
//     tonos) and invisible format characters (soft hyphen, zero-width
//     joiners) are dropped.
//  5. Cyrillic and Greek are transliterated by the passport tables of
//     translit.go (ICAO Doc 9303, ELOT 743); Han characters are read in
//     pinyin without tones, the first character of a run of Han characters
//     as one word (the family name) and the rest as another (王小明 is
//     wang xiaoming, the way the name is written in Latin letters); every
//     other letter or digit outside ASCII goes through
//     github.com/gosimple/unidecode (ø o, ß ss, æ ae, ł l, Arabic, Hebrew,
//     Hangul, kana, ...).
//  6. Everything else (spaces, hyphens, punctuation, symbols, unassigned
//     code points, invalid UTF-8) separates words.
//  7. The words are sorted (byte order), so word order does not count.
//
// Normalize is idempotent: Normalize(Normalize(x)) == Normalize(x). A name
// without any letter or digit normalizes to "".
func Normalize(name string) string {
	return strings.Join(normalizeWords(name), " ")
}

// normalizeWords returns Normalize's words, sorted.
func normalizeWords(name string) []string {
	s := norm.NFKD.String(strings.Map(dropApostrophe, name))
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r < utf8.RuneSelf:
			out = appendASCII(out, byte(r))
			i += size
		case isMark(r) || unicode.Is(unicode.Cf, r):
			i += size
		default:
			r = unicode.ToLower(r)
			switch {
			case isGreek(r):
				var run []greekLetter
				run, i = greekWord(s, i)
				out = greekRun(out, run)
			case isCyrillic(r):
				if lat, ok := cyrillic[r]; ok {
					out = append(out, lat...)
				} else {
					out = appendUnidecode(out, r)
				}
				i += size
			case unicode.Is(unicode.Han, r):
				out, i = appendHan(out, s, i)
			case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mc, r):
				out = appendUnidecode(out, r)
				i += size
			default:
				out = append(out, ' ')
				i += size
			}
		}
	}
	words := strings.Fields(string(out))
	slices.Sort(words)
	return words
}

// dropApostrophe maps the apostrophe-like characters to -1 (removed) and
// every other rune to itself, for strings.Map. Invalid UTF-8 becomes U+FFFD,
// which separates words.
func dropApostrophe(r rune) rune {
	switch r {
	case '\'', '’', '‘', 'ʼ', 'ʻ', '`', '´', '′', '＇':
		return -1
	}
	return r
}

// isMark reports whether r is a combining mark that Normalize drops (Mn,
// Me); spacing marks (Mc, vowel signs of Indic scripts) are transliterated.
func isMark(r rune) bool {
	return unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r)
}

// appendASCII appends the normalized form of one ASCII byte: a letter in
// lower case, a digit as it is, anything else as a word separator.
func appendASCII(out []byte, c byte) []byte {
	switch {
	case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return append(out, c)
	case c >= 'A' && c <= 'Z':
		return append(out, c+'a'-'A')
	case c == '\'' || c == '`':
		return out
	}
	return append(out, ' ')
}

// appendUnidecode appends unidecode's ASCII for r, normalized byte by byte.
func appendUnidecode(out []byte, r rune) []byte {
	for _, c := range []byte(unidecode.Unidecode(string(r))) {
		out = appendASCII(out, c)
	}
	return out
}

// greekWord collects the Greek letters (lower case, marks dropped, with a
// note of each diaeresis) from s[i:] up to the first rune that is neither a
// Greek letter nor a combining mark, and returns them with the index after
// them.
func greekWord(s string, i int) ([]greekLetter, int) {
	var run []greekLetter
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isMark(r):
			if r == '\u0308' && len(run) > 0 {
				run[len(run)-1].diaeresis = true
			}
		case isGreek(unicode.ToLower(r)):
			run = append(run, greekLetter{r: unicode.ToLower(r)})
		default:
			return run, i
		}
		i += size
	}
	return run, i
}

// appendHan appends the pinyin of the run of Han characters at s[i:] (and
// of the combining marks among them, which are dropped) and returns the
// index after the run: the first character's syllable, a space, the other
// syllables joined, a space. A character go-pinyin does not know is left to
// unidecode.
func appendHan(out []byte, s string, i int) ([]byte, int) {
	n := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isMark(r) {
			i += size
			continue
		}
		if !unicode.Is(unicode.Han, r) {
			break
		}
		if p := hanPinyin(r); p != "" {
			out = append(out, p...)
		} else {
			out = appendUnidecode(out, r)
		}
		if n == 0 {
			out = append(out, ' ')
		}
		n++
		i += size
	}
	return append(out, ' '), i
}
