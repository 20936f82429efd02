package screening

import "math/bits"

// Jaro–Winkler similarity, as defined by Winkler (1990) and in Wikipedia's
// "Jaro–Winkler distance": two characters match when they are equal and no
// further apart than max(|a|,|b|)/2 - 1 positions (integer division, never
// below 0), each character matching at most once, the first free one from
// the left; m is the number of matches and t half the number of positions at
// which the matched characters, read in order in each string, differ. Then
//
//	jaro = (m/|a| + m/|b| + (m-t)/m) / 3        (0 when m = 0)
//	jw   = jaro + l*p*(1 - jaro)                 l = common prefix, at most 4; p = 0.1
//
// The prefix bonus is applied whatever jaro is (Winkler's strcmp95 applies it
// only above 0.7; below that no pair can reach Threshold anyway). Two empty
// strings are equal (1); one empty string against another is 0.
//
// The strings are compared byte by byte: Normalize's output is ASCII, so a
// byte is a character. The functions allocate nothing for strings of up to
// 64 bytes and are safe for concurrent use.
//
// github.com/adrg/strutil (the library first considered) differs: its match
// window is max/2 instead of max/2-1 ("ab" and "ba" score 0.83 there, 0 by
// the definition), it counts matches once per direction, and it converts
// both strings to []rune and allocates on every call; docs/screening.md
// gives the measurement.

// winklerScale is p, the weight of each common prefix character.
const winklerScale = 0.1

// winklerMaxPrefix is the longest common prefix that earns the bonus.
const winklerMaxPrefix = 4

// text is what the similarity functions compare: a string, or the bytes of
// one that Screen assembles without allocating a string.
type text interface{ ~string | ~[]byte }

// jaroWinkler returns the Jaro–Winkler similarity of a and b, in [0, 1].
func jaroWinkler[S text](a, b S) float64 {
	j := jaro(a, b)
	l := 0
	for l < len(a) && l < len(b) && l < winklerMaxPrefix && a[l] == b[l] {
		l++
	}
	return j + float64(l)*winklerScale*(1-j)
}

// jaro returns the Jaro similarity of a and b, in [0, 1].
func jaro[S text](a, b S) float64 {
	if equal(a, b) {
		return 1
	}
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) > 64 || len(b) > 64 {
		return jaroLong(a, b)
	}
	window := max(len(a), len(b))/2 - 1
	window = max(window, 0)
	// pos[c&63] has bit j set when b[j]&63 == c&63: the candidates for a
	// character, checked for equality (bytes 64 apart share a slot).
	var pos [64]uint64
	for j := 0; j < len(b); j++ {
		pos[b[j]&63] |= 1 << j
	}
	// Bit i of ma (mb) is set when a[i] (b[i]) has matched.
	var ma, mb uint64
	m := 0
	for i := 0; i < len(a); i++ {
		lo, hi := max(i-window, 0), min(i+window+1, len(b))
		if lo >= hi {
			break
		}
		cand := pos[a[i]&63] &^ mb & (lowBits(hi) &^ lowBits(lo))
		for cand != 0 {
			j := bits.TrailingZeros64(cand)
			if b[j] == a[i] {
				ma |= 1 << i
				mb |= 1 << j
				m++
				break
			}
			cand &= cand - 1
		}
	}
	if m == 0 {
		return 0
	}
	// Walk both sets of matched characters in order and count the
	// positions where they differ.
	half := 0
	for ma != 0 {
		i, j := bits.TrailingZeros64(ma), bits.TrailingZeros64(mb)
		if a[i] != b[j] {
			half++
		}
		ma &= ma - 1
		mb &= mb - 1
	}
	return jaroFormula(m, half, len(a), len(b))
}

// lowBits returns a mask of the n lowest bits, n from 0 to 64.
func lowBits(n int) uint64 {
	if n >= 64 {
		return ^uint64(0)
	}
	return 1<<n - 1
}

// jaroLong is jaro for strings longer than 64 bytes, with slices for the
// matched flags.
func jaroLong[S text](a, b S) float64 {
	window := max(max(len(a), len(b))/2-1, 0)
	ma, mb := make([]bool, len(a)), make([]bool, len(b))
	m := 0
	for i := 0; i < len(a); i++ {
		lo, hi := max(i-window, 0), min(i+window+1, len(b))
		for j := lo; j < hi; j++ {
			if !mb[j] && a[i] == b[j] {
				ma[i], mb[j] = true, true
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	half, j := 0, 0
	for i := 0; i < len(a); i++ {
		if !ma[i] {
			continue
		}
		for !mb[j] {
			j++
		}
		if a[i] != b[j] {
			half++
		}
		j++
	}
	return jaroFormula(m, half, len(a), len(b))
}

// jaroFormula is (m/la + m/lb + (m-t)/m)/3 with t = half/2, half being the
// number of out-of-order matched positions.
func jaroFormula(m, half, la, lb int) float64 {
	fm := float64(m)
	t := float64(half) / 2
	return (fm/float64(la) + fm/float64(lb) + (fm-t)/fm) / 3
}

// equal reports whether a and b hold the same bytes.
func equal[S text](a, b S) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
