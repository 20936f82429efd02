package translog

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// refLog is the reference: tlog used one record at a time, the way Go's
// checksum database server uses it, over a slice of stored hashes.
type refLog struct {
	hashes []tlog.Hash
	n      int64
}

func (l *refLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(l.hashes)) {
			return nil, fmt.Errorf("no hash %d", x)
		}
		out[i] = l.hashes[x]
	}
	return out, nil
}

func (l *refLog) add(t testing.TB, leaf []byte) {
	hs, err := tlog.StoredHashes(l.n, leaf, l)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := int64(len(l.hashes)), tlog.StoredHashIndex(0, l.n); got != want {
		t.Fatalf("reference: leaf %d stored at %d, want %d", l.n, got, want)
	}
	l.hashes = append(l.hashes, hs...)
	l.n++
}

func (l *refLog) root(t testing.TB) tlog.Hash {
	h, err := tlog.TreeHash(l.n, l)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func leafData(i int) []byte { return fmt.Appendf(nil, "leaf %d", i) }

// store is what the sqlite and postgres stores do: a table of
// (index, hash) behind a tlog.HashReader. It records the reads.
type store struct {
	hashes map[int64]tlog.Hash
	reads  [][]int64
}

func (s *store) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	s.reads = append(s.reads, slices.Clone(indexes))
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := s.hashes[x]
		if !ok {
			return nil, fmt.Errorf("no hash %d", x)
		}
		out[i] = h
	}
	return out, nil
}

func TestAppendHashesBatchesMatchReference(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			rnd := rand.New(rand.NewPCG(seed, 0))
			ref := &refLog{}
			st := &store{hashes: map[int64]tlog.Hash{}}
			var n int64
			next := 0
			for n < 3000 {
				k := rnd.IntN(300)
				switch rnd.IntN(5) {
				case 0:
					k = 0
				case 1:
					k = 1
				}
				leaves := make([][]byte, k)
				for i := range leaves {
					leaves[i] = leafData(next)
					ref.add(t, leaves[i])
					next++
				}
				st.reads = nil
				added, tree, err := AppendHashes(n, leaves, st)
				if err != nil {
					t.Fatal(err)
				}
				// The store was read at most once, only below the old tree,
				// and only its frontier.
				if n == 0 && len(st.reads) != 0 || n > 0 && len(st.reads) != 1 {
					t.Fatalf("n=%d: %d reads, want 1 (0 for n=0)", n, len(st.reads))
				}
				if n > 0 && !slices.Equal(st.reads[0], FrontierIndexes(n)) {
					t.Fatalf("n=%d: read %v, want the frontier %v", n, st.reads[0], FrontierIndexes(n))
				}
				// The new hashes are exactly the reference's new hashes.
				start := tlog.StoredHashCount(n)
				if got, want := int64(len(added)), tlog.StoredHashCount(n+int64(k))-start; got != want {
					t.Fatalf("n=%d k=%d: %d new hashes, want %d", n, k, got, want)
				}
				for i, sh := range added {
					if sh.Index != start+int64(i) {
						t.Fatalf("n=%d: hash %d has index %d, want %d", n, i, sh.Index, start+int64(i))
					}
					if sh.Hash != ref.hashes[sh.Index] {
						t.Fatalf("n=%d: stored hash %d differs from the reference", n, sh.Index)
					}
					if _, dup := st.hashes[sh.Index]; dup {
						t.Fatalf("stored hash %d written twice", sh.Index)
					}
					st.hashes[sh.Index] = sh.Hash
				}
				if tree.N != n+int64(k) || tree.N != ref.n {
					t.Fatalf("tree size %d, want %d", tree.N, ref.n)
				}
				if tree.Hash != ref.root(t) {
					t.Fatalf("size %d: root %s, want %s", tree.N, tree.Hash, ref.root(t))
				}
				n = tree.N
			}
			if int64(len(st.hashes)) != int64(len(ref.hashes)) {
				t.Fatalf("store has %d hashes, reference %d", len(st.hashes), len(ref.hashes))
			}
		})
	}
}

func TestAppendHashesOneBigBatch(t *testing.T) {
	t.Parallel()
	const k = 10000
	ref := &refLog{}
	leaves := make([][]byte, k)
	for i := range leaves {
		leaves[i] = leafData(i)
		ref.add(t, leaves[i])
	}
	added, tree, err := AppendHashes(0, leaves, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != len(ref.hashes) {
		t.Fatalf("%d hashes, want %d", len(added), len(ref.hashes))
	}
	for i, sh := range added {
		if sh.Index != int64(i) || sh.Hash != ref.hashes[i] {
			t.Fatalf("hash %d differs", i)
		}
	}
	if tree != (tlog.Tree{N: k, Hash: ref.root(t)}) {
		t.Fatalf("tree %v, want size %d root %s", tree, k, ref.root(t))
	}
}

func TestAppendLeafHashesEqualsAppendHashes(t *testing.T) {
	t.Parallel()
	leaves := [][]byte{leafData(0), leafData(1), leafData(2)}
	a, ta, err := AppendHashes(0, leaves, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := []tlog.Hash{tlog.RecordHash(leaves[0]), tlog.RecordHash(leaves[1]), tlog.RecordHash(leaves[2])}
	b, tb, err := AppendLeafHashes(0, hs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a, b) || ta != tb {
		t.Fatal("AppendLeafHashes differs from AppendHashes")
	}
}

func TestAppendHashesEmpty(t *testing.T) {
	t.Parallel()
	ref := &refLog{}
	st := &store{hashes: map[int64]tlog.Hash{}}
	for i := range 5 {
		ref.add(t, leafData(i))
	}
	for i, h := range ref.hashes {
		st.hashes[int64(i)] = h
	}
	added, tree, err := AppendHashes(5, nil, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 0 || tree != (tlog.Tree{N: 5, Hash: ref.root(t)}) {
		t.Fatalf("empty append: %d hashes, tree %v", len(added), tree)
	}
	added, tree, err = AppendHashes(0, nil, nil)
	empty, _ := tlog.TreeHash(0, nil)
	if err != nil || len(added) != 0 || tree != (tlog.Tree{N: 0, Hash: empty}) {
		t.Fatalf("empty append to empty tree: %v %v %v", added, tree, err)
	}
	if empty.String() != "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" {
		t.Fatalf("empty root %s", empty)
	}
}

func TestAppendHashesErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	failing := tlog.HashReaderFunc(func([]int64) ([]tlog.Hash, error) { return nil, boom })
	short := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) { return make([]tlog.Hash, len(ix)-1), nil })
	one := [][]byte{leafData(0)}
	if _, _, err := AppendHashes(3, one, failing); !errors.Is(err, boom) {
		t.Errorf("failing reader: %v", err)
	}
	if _, _, err := AppendHashes(3, one, short); err == nil {
		t.Error("short reader: no error")
	}
	if _, _, err := AppendHashes(3, one, nil); err == nil {
		t.Error("nil reader for a non-empty tree: no error")
	}
	if _, _, err := AppendHashes(-1, one, nil); err == nil {
		t.Error("negative size: no error")
	}
}

// TestFrontierIndexes checks FrontierIndexes against what tlog.TreeHash reads.
func TestFrontierIndexes(t *testing.T) {
	t.Parallel()
	sizes := []int64{1<<50 + 1<<40 + 5, 1<<52 - 1}
	for n := int64(0); n <= 1100; n++ {
		sizes = append(sizes, n)
	}
	for _, n := range sizes {
		var read []int64
		r := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
			read = slices.Clone(ix)
			return make([]tlog.Hash, len(ix)), nil
		})
		if _, err := tlog.TreeHash(n, r); err != nil {
			t.Fatal(err)
		}
		if got := FrontierIndexes(n); !slices.Equal(got, read) {
			t.Fatalf("FrontierIndexes(%d) = %v, tlog.TreeHash reads %v", n, got, read)
		}
	}
}

func BenchmarkAppendHashes(b *testing.B) {
	for _, k := range []int{1, 100, 1000, 10000} {
		b.Run(fmt.Sprint(k), func(b *testing.B) {
			// A tree of a million leaves; only its frontier is needed.
			const n = 1_000_003
			st := &store{hashes: map[int64]tlog.Hash{}}
			for _, x := range FrontierIndexes(n) {
				st.hashes[x] = tlog.Hash{byte(x)}
			}
			leaves := make([][]byte, k)
			for i := range leaves {
				leaves[i] = LeafBytes(exampleTransfer())
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := AppendHashes(n, leaves, st); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*k), "ns/leaf")
		})
	}
}
