package screening

import (
	"math"
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

// Common given names and family-name stems of many countries, for
// commonName: a population with the skewed word frequencies of real names
// (many Marias, few Quenouillards), unlike randomName's uniform syllables.
var (
	givenNames = strings.Fields(`james mary john patricia robert jennifer michael linda william elizabeth
		david barbara richard susan joseph jessica thomas sarah carlos maria jose ana juan lucia luis sofia
		miguel isabel pedro elena ahmed fatima mohammed aisha ali omar yusuf layla hassan zainab ivan olga
		dmitri natalia sergei tatiana andrei irina pierre marie jean claire francois camille hans anna klaus
		greta giovanni giulia marco francesca kenji yuki hiroshi akiko wei fang jun mei arjun priya ravi
		ananya kwame amara chinedu ngozi lars ingrid sven astrid`)
	familyStems = strings.Fields(`smith johns garc rodrigu martin hernand lop gonzal wils anders taylor
		moore jackson white harris clark lewis walker hall young allen king wright scott green baker adams
		nelson hill campbell mitchell roberts carter phillips evans turner torres parker collins edwards
		stewart morris murphy cook rogers morgan peters cooper reed bailey bell gomes kelly howard ward cox
		diaz richards wood watson brooks bennett gray reyes cruz hughes price myers long foster sanders ross
		morales powell sullivan russell ortiz jenkins gutierr perry butler barnes fisher henders coleman
		simmons patters jordan reynolds hamilton graham kim alexander ramos wallace griffin west cole hayes
		chavez gibson bryant ellis stevens murray ford marshall owens mcdonald harrison ruiz kennedy wells
		alvarez woods mendoza castillo olson webb tucker freeman burns henry vasquez snyder simpson
		crawford jimenez porter mason shaw gordon wagner hunter romero hicks dixon hunt palmer black holmes
		stone meyer boyd mills warren fox rose rice moreno schmidt patel ferguson nichols herrera medina
		ryan fernand weaver daniels stephens gardner payne dunn pierce arnold tran spencer hawkins grant
		hansen castro hoffman hart elliott cunning knight bradley`)
	familySuffixes = []string{"", "", "", "", "son", "ez", "ov", "ova", "ski", "escu", "ini", "opoulos", "enko",
		"berg", "mann", "ian", "oglu"}
)

// zipf returns an index below n, small ones far more often (about 1/(i+1)).
func zipf(rng *rand.Rand, n int) int {
	return int(math.Pow(float64(n+1), rng.Float64())) - 1
}

// commonName returns a made-up name from common given names and family
// names (one in ten in another script, from randomName).
func commonName(rng *rand.Rand) string {
	if rng.IntN(10) == 0 {
		return randomName(rng)
	}
	given := func() string { return givenNames[zipf(rng, len(givenNames))] }
	family := func() string {
		return familyStems[zipf(rng, len(familyStems))] + familySuffixes[rng.IntN(len(familySuffixes))]
	}
	switch n := rng.IntN(20); {
	case n < 12:
		return given() + " " + family()
	case n < 16:
		return given() + " " + given() + " " + family()
	case n < 18:
		return given() + " " + family() + "-" + family()
	default:
		return family()
	}
}
