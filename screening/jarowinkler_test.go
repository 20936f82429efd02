package screening

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestJaroWinkler(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b      string
		jaro, jw  float64
		tolerance float64
	}{
		// Winkler (1990) and Wikipedia's "Jaro–Winkler distance", to the
		// three decimals they give.
		{"martha", "marhta", 0.944, 0.961, 5e-4},
		{"dwayne", "duane", 0.822, 0.840, 5e-4},
		{"dixon", "dicksonx", 0.767, 0.813, 5e-4},
		// Exact fractions: m=8, t=0 of 9 and 10: (8/9+8/10+1)/3; no
		// common prefix.
		{"jellyfish", "smellyfish", (8.0/9 + 8.0/10 + 1) / 3, (8.0/9 + 8.0/10 + 1) / 3, 1e-12},
		// crate/trace: the window is 5/2-1 = 1; r, a, e match (m=3, no
		// transposition): (3/5+3/5+1)/3.
		{"crate", "trace", (0.6 + 0.6 + 1) / 3, (0.6 + 0.6 + 1) / 3, 1e-12},
		// A window of 0: only equal positions match.
		{"ab", "ba", 0, 0, 0},
		{"a", "a", 1, 1, 0},
		{"", "", 1, 1, 0},
		{"abc", "", 0, 0, 0},
		{"abc", "xyz", 0, 0, 0},
		// The prefix bonus stops at 4 characters: jaro (7/8+7/8+1)/3.
		{"abcdefgh", "abcdefgx", (7.0/8 + 7.0/8 + 1) / 3, (7.0/8+7.0/8+1)/3 + 0.4*(1-(7.0/8+7.0/8+1)/3), 1e-12},
	} {
		if got := jaro(tc.a, tc.b); math.Abs(got-tc.jaro) > tc.tolerance {
			t.Errorf("jaro(%q, %q) = %.6f, want %.6f", tc.a, tc.b, got, tc.jaro)
		}
		if got := jaroWinkler(tc.a, tc.b); math.Abs(got-tc.jw) > tc.tolerance {
			t.Errorf("jaroWinkler(%q, %q) = %.6f, want %.6f", tc.a, tc.b, got, tc.jw)
		}
		if got, want := jaroWinkler([]byte(tc.a), []byte(tc.b)), jaroWinkler(tc.a, tc.b); got != want {
			t.Errorf("jaroWinkler of []byte(%q, %q) = %v, of strings %v", tc.a, tc.b, got, want)
		}
	}
}

// TestJaroLong: the slice version used past 64 bytes computes what the
// bitmask version does, and is used for long strings (a long name against
// itself with one change).
func TestJaroLong(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abcdefgh "[rng.IntN(9)]
		}
		return string(b)
	}
	for range 2000 {
		a, b := word(rng.IntN(65)), word(rng.IntN(65))
		if got, want := jaroLong(a, b), jaro(a, b); a != b && got != want {
			t.Fatalf("jaroLong(%q, %q) = %v, jaro %v", a, b, got, want)
		}
		if jaro(a, b) != jaro(b, a) {
			t.Fatalf("jaro(%q, %q) = %v but jaro(b, a) = %v", a, b, jaro(a, b), jaro(b, a))
		}
	}
	// 110 distinct bytes, then the 51st replaced: m = 109, no
	// transposition, a common prefix of 4.
	var long []byte
	for i := range 110 {
		long = append(long, byte(i+1))
	}
	changed := slices.Clone(long)
	changed[50] = 200
	if got, want := jaroWinkler(long, changed), (109.0/110+109.0/110+1)/3*0.6+0.4; math.Abs(got-want) > 1e-12 {
		t.Errorf("jaroWinkler of a 110-byte string with one change = %v, want %v", got, want)
	}
}
