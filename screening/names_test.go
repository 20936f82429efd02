package screening

import (
	"math/rand/v2"
	"strings"
)

// Made-up names for the tests and the benchmark: words of random syllables
// in four scripts, so that Normalize's transliteration takes its part.

var syllables = map[string][]string{
	"latin": {"ba", "ber", "ca", "dor", "el", "fa", "gu", "ha", "ia", "jo", "ka", "lin", "mar", "ne", "ko", "pe",
		"qu", "ra", "son", "sta", "ti", "ul", "ve", "wi", "xa", "yo", "ze", "ard", "ov", "ski", "ez", "ui", "ana",
		"mé", "lè", "çe", "ñu", "ø", "ß", "ão", "ő", "ł"},
	"cyrillic": {"ва", "ле", "ник", "ов", "ска", "жа", "щу", "ря", "ев", "ин", "ко", "ми", "ха", "цы", "ю", "ёв", "дъ", "ль"},
	"greek":    {"πα", "πα", "δο", "γγε", "λος", "ευ", "χα", "τζη", "ου", "κη", "ρα", "ντ", "μπο", "ψα", "θε", "ος"},
	"han": {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林",
		"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀", "霞"},
}

// randomName returns a made-up name of one to five words.
func randomName(rng *rand.Rand) string {
	scripts := []string{"latin", "latin", "latin", "cyrillic", "greek", "han"}
	script := scripts[rng.IntN(len(scripts))]
	syl := syllables[script]
	if script == "han" {
		n := 2 + rng.IntN(2)
		var b strings.Builder
		for range n {
			b.WriteString(syl[rng.IntN(len(syl))])
		}
		return b.String()
	}
	words := []int{1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 5}[rng.IntN(19)]
	var ws []string
	for range words {
		var w strings.Builder
		for range 2 + rng.IntN(3) {
			w.WriteString(syl[rng.IntN(len(syl))])
		}
		ws = append(ws, w.String())
	}
	return strings.Join(ws, " ")
}

// randomList returns n made-up entries.
func randomList(rng *rand.Rand, n int) []Entry {
	list := make([]Entry, n)
	for i := range list {
		list[i] = Entry{Name: randomName(rng)}
	}
	return list
}

// misspell returns the normalized form of name with one to three changes:
// a letter replaced, dropped, added or two swapped (often at the start of a
// word), words dropped, added, merged or split.
func misspell(rng *rand.Rand, name string) string {
	words := normalizeWords(name)
	letter := func() byte { return "abcdefghijklmnopqrstuvwxyz"[rng.IntN(26)] }
	for range 1 + rng.IntN(3) {
		if len(words) == 0 {
			break
		}
		i := rng.IntN(len(words))
		w := []byte(words[i])
		pos := 0
		if rng.IntN(2) == 0 {
			pos = rng.IntN(len(w))
		}
		switch rng.IntN(9) {
		case 0:
			w[pos] = letter()
		case 1:
			if len(w) > 1 {
				w = append(w[:pos], w[pos+1:]...)
			}
		case 2:
			w = append(w[:pos], append([]byte{letter()}, w[pos:]...)...)
		case 3:
			if pos+1 < len(w) {
				w[pos], w[pos+1] = w[pos+1], w[pos]
			}
		case 4:
			if len(words) > 1 {
				words = append(words[:i], words[i+1:]...)
				continue
			}
		case 5:
			words = append(words, randomWord(rng))
			continue
		case 6:
			if i+1 < len(words) {
				words[i] += words[i+1]
				words = append(words[:i+1], words[i+2:]...)
				continue
			}
		case 7:
			if len(w) > 3 {
				words = append(words, string(w[pos/2+1:]))
				w = w[:pos/2+1]
			}
		case 8:
			rng.Shuffle(len(words), func(a, b int) { words[a], words[b] = words[b], words[a] })
			continue
		}
		words[i] = string(w)
	}
	return strings.Join(words, " ")
}

// randomWord returns a made-up word in Latin letters.
func randomWord(rng *rand.Rand) string {
	syl := syllables["latin"][:33] // the ASCII ones
	var w strings.Builder
	for range 2 + rng.IntN(3) {
		w.WriteString(syl[rng.IntN(len(syl))])
	}
	return w.String()
}
