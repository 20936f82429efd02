package screening

import (
	"math/rand/v2"
	"sync/atomic"
	"testing"
)

// BenchmarkScreen screens one name against a list of 10,000 made-up names
// (names_test.go). "common": list and holders drawn from common given and
// family names (skewed like real names); "syllables": both made of random
// syllables from small sets, so that most names share most of their
// letters with many others (a harder case for the blocking index). In each,
// "holder" is a made-up name, not taken from the list (the usual case:
// screening every holder again when the list changes), and "misspelt" a
// listed name with one to three typos.
func BenchmarkScreen(b *testing.B) {
	for _, gen := range []struct {
		name string
		f    func(*rand.Rand) string
	}{{"common", commonName}, {"syllables", randomName}} {
		rng := rand.New(rand.NewPCG(2026, 13))
		list := make([]Entry, 10_000)
		for i := range list {
			list[i] = Entry{Name: gen.f(rng)}
		}
		m := NewMatcher(list)
		holders, misspelt := make([]string, 1024), make([]string, 1024)
		for i := range holders {
			holders[i] = gen.f(rng)
			misspelt[i] = misspell(rng, list[rng.IntN(len(list))].Name)
		}
		for _, bc := range []struct {
			name  string
			names []string
		}{{"holder", holders}, {"misspelt", misspelt}} {
			b.Run(gen.name+"/"+bc.name, func(b *testing.B) {
				hits := 0
				i := 0
				for b.Loop() {
					hits += len(m.Screen(bc.names[i%len(bc.names)]))
					i++
				}
				b.ReportMetric(float64(hits)/float64(i), "hits/op")
			})
		}
	}
}

// BenchmarkNewMatcher builds the Matcher of a 10,000-name list.
func BenchmarkNewMatcher(b *testing.B) {
	list := randomList(rand.New(rand.NewPCG(2026, 13)), 10_000)
	for b.Loop() {
		NewMatcher(list)
	}
}

// BenchmarkNormalize normalizes names in the four scripts of names_test.go.
func BenchmarkNormalize(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	names := make([]string, 1024)
	for i := range names {
		names[i] = randomName(rng)
	}
	i := 0
	for b.Loop() {
		Normalize(names[i%len(names)])
		i++
	}
}

// BenchmarkScreenParallel is BenchmarkScreen's common/holder case on every
// core (GOMAXPROCS goroutines): its ns/op times 1,000,000 is how long
// screening a million holders against the list takes on this machine.
func BenchmarkScreenParallel(b *testing.B) {
	rng := rand.New(rand.NewPCG(2026, 13))
	list := make([]Entry, 10_000)
	for i := range list {
		list[i] = Entry{Name: commonName(rng)}
	}
	m := NewMatcher(list)
	holders := make([]string, 4096)
	for i := range holders {
		holders[i] = commonName(rng)
	}
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Screen(holders[next.Add(1)%int64(len(holders))])
		}
	})
}
