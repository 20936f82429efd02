package screening

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/unicode/norm"
)

// Transliteration to Latin, applied by Normalize to lower-case letters whose
// diacritics NFKD has already split off (й is и plus a breve, ά is α plus an
// acute accent): the marks are dropped, the base letters go through these
// tables.
//
// Cyrillic follows ICAO Doc 9303 (Machine Readable Travel Documents, part 3),
// the table Russian, Ukrainian, Belarusian and other passports print the
// holder's name with, so that a name on the list in Cyrillic meets the
// spelling a holder gives from their passport: Ж zh, Х kh, Ц ts, Ч ch, Ш sh,
// Щ shch, Ю iu, Я ia, Ъ ie, Ь nothing, Й and Ё lose their marks (i, e). The
// table is language-neutral: Г is g (Ukrainian and Belarusian passports
// write h) and Serbian and Macedonian letters take ICAO's common column.
//
// Greek follows ELOT 743 (ISO 843 transcription), the one Greek passports
// use: η i, υ y, χ ch, θ th, ψ ps, ξ x, ου ou, γ before γ ξ χ is n (γγ ng,
// γξ nx, γχ nch), αυ ευ ηυ are av ev iv before a vowel or a voiced consonant
// and af ef if before a voiceless one or at the end; a diaeresis on the υ
// (ϋ) keeps it a separate vowel.
//
// github.com/gosimple/unidecode (the Text::Unidecode tables) would write
// Χατζηδάκης as khatzedakes and Ευάγγελος as euaggelos, far from the
// passport's Chatzidakis and Evangelos (a score of 0.49 for the full name),
// so these two scripts have their own tables; the library handles every
// other script and the Latin letters that do not decompose (ø, ł, đ, ß, æ,
// þ, ...). Han characters are read with github.com/mozillazg/go-pinyin
// (hanPinyin).

// cyrillic maps lower-case Cyrillic base letters to Latin, after ICAO Doc
// 9303. Letters it lacks go to unidecode.
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'ґ': "g", 'д': "d", 'ђ': "d",
	'е': "e", 'є': "ie", 'ж': "zh", 'з': "z", 'ѕ': "dz", 'и': "i", 'і': "i",
	'ј': "j", 'к': "k", 'л': "l", 'љ': "lj", 'м': "m", 'н': "n", 'њ': "nj",
	'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'ћ': "c", 'у': "u",
	'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'џ': "dz", 'ш': "sh",
	'щ': "shch", 'ъ': "ie", 'ы': "y", 'ь': "", 'э': "e", 'ю': "iu", 'я': "ia",
	// Historic letters and those of other languages written in Cyrillic
	// (Kazakh, Kyrgyz, Tajik, Uzbek, Mongolian), as their passports do.
	'ѣ': "e", 'ѳ': "f", 'ѵ': "i", 'ѫ': "u", 'ә': "a", 'ғ': "g", 'қ': "k",
	'ң': "n", 'ө': "o", 'ұ': "u", 'ү': "u", 'һ': "h", 'ҳ': "h", 'ҷ': "j",
}

// greek maps lower-case Greek base letters to Latin, after ELOT 743;
// greekRun applies the rules for letter pairs.
var greek = map[rune]string{
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i",
	'θ': "th", 'ι': "i", 'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x",
	'ο': "o", 'π': "p", 'ρ': "r", 'σ': "s", 'ς': "s", 'τ': "t", 'υ': "y",
	'φ': "f", 'χ': "ch", 'ψ': "ps", 'ω': "o",
}

// isGreekVowel reports whether r is a Greek vowel (for αυ, ευ, ηυ).
func isGreekVowel(r rune) bool { return strings.ContainsRune("αεηιουω", r) }

// isGreekVoiced reports whether r is a voiced Greek consonant, before which
// αυ, ευ and ηυ are av, ev and iv.
func isGreekVoiced(r rune) bool { return strings.ContainsRune("βγδζλμνρ", r) }

// greekLetter is one Greek base letter of a word and whether a diaeresis
// sat on it.
type greekLetter struct {
	r         rune
	diaeresis bool
}

// greekRun appends the ELOT 743 transliteration of a run of Greek letters
// to out.
func greekRun(out []byte, run []greekLetter) []byte {
	for i := 0; i < len(run); i++ {
		c := run[i].r
		var next rune
		if i+1 < len(run) {
			next = run[i+1].r
		}
		nextPlain := next != 0 && !run[i+1].diaeresis
		switch {
		case (c == 'α' || c == 'ε' || c == 'η') && next == 'υ' && nextPlain:
			out = append(out, greek[c]...)
			var after rune
			if i+2 < len(run) {
				after = run[i+2].r
			}
			if after != 0 && (isGreekVowel(after) || isGreekVoiced(after)) {
				out = append(out, 'v')
			} else {
				out = append(out, 'f')
			}
			i++
		case c == 'ο' && next == 'υ' && nextPlain:
			out = append(out, "ou"...)
			i++
		case c == 'γ' && (next == 'γ' || next == 'ξ' || next == 'χ'):
			out = append(out, 'n')
		default:
			if s, ok := greek[c]; ok {
				out = append(out, s...)
			} else {
				out = appendUnidecode(out, c)
			}
		}
	}
	return out
}

// isGreek reports whether r is a letter of the Greek block (not Coptic).
func isGreek(r rune) bool {
	return unicode.Is(unicode.Greek, r) && unicode.IsLetter(r)
}

// isCyrillic reports whether r is a Cyrillic letter.
func isCyrillic(r rune) bool {
	return unicode.Is(unicode.Cyrillic, r) && unicode.IsLetter(r)
}

// hanPinyin returns the pinyin of a Han character without tone marks (its
// first reading in go-pinyin's dictionary: 单 is dan, the surname Shan is
// not told apart), or "" when the dictionary lacks it. ü is written u, as
// the marks are dropped (吕 is lu).
func hanPinyin(r rune) string {
	p, ok := pinyin.PinyinDict[int(r)]
	if !ok {
		return ""
	}
	if i := strings.IndexByte(p, ','); i >= 0 {
		p = p[:i]
	}
	var b strings.Builder
	for _, c := range norm.NFD.String(p) {
		if c >= 'a' && c <= 'z' {
			b.WriteRune(c)
		}
	}
	return b.String()
}
