package translog

import (
	"errors"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// storeOf appends n leaves with AppendHashes in batches of 7, as the engine
// would, and returns the store and the tree after each size.
func storeOf(t testing.TB, n int) (*store, []tlog.Tree) {
	st := &store{hashes: map[int64]tlog.Hash{}}
	trees := []tlog.Tree{{N: 0, Hash: mustTreeHash(t, 0, nil)}}
	for size := 0; size < n; {
		k := min(7, n-size)
		leaves := make([][]byte, k)
		for i := range leaves {
			leaves[i] = leafData(size + i)
		}
		// One leaf at a time for the intermediate trees, then a batch.
		for i := range k {
			_, tree, err := AppendHashes(int64(size), leaves[:i+1], st)
			if err != nil {
				t.Fatal(err)
			}
			trees = append(trees, tree)
		}
		added, _, err := AppendHashes(int64(size), leaves, st)
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range added {
			st.hashes[sh.Index] = sh.Hash
		}
		size += k
	}
	return st, trees
}

func mustTreeHash(t testing.TB, n int64, r tlog.HashReader) tlog.Hash {
	h, err := tlog.TreeHash(n, r)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func flip(h tlog.Hash) tlog.Hash { h[0] ^= 1; return h }

func TestInclusionProofs(t *testing.T) {
	t.Parallel()
	const max = 70
	st, trees := storeOf(t, max)
	for size := int64(1); size <= max; size++ {
		tree := trees[size]
		for i := int64(0); i < size; i++ {
			leaf := leafData(int(i))
			p, err := ProveInclusion(i, size, st)
			if err != nil {
				t.Fatalf("prove %d in %d: %v", i, size, err)
			}
			// Nothing of ours: tlog alone accepts the proof.
			if err := tlog.CheckRecord(p, tree.N, tree.Hash, i, tlog.RecordHash(leaf)); err != nil {
				t.Fatalf("tlog.CheckRecord(%d in %d): %v", i, size, err)
			}
			if err := VerifyInclusion(leaf, i, tree, p); err != nil {
				t.Fatalf("VerifyInclusion(%d in %d): %v", i, size, err)
			}
			// A modified leaf, another index, another root or a damaged
			// proof fails.
			bad := append([]byte(nil), leaf...)
			bad[len(bad)-1] ^= 1
			if err := VerifyInclusion(bad, i, tree, p); !errors.Is(err, ErrProof) {
				t.Fatalf("modified leaf %d in %d: %v", i, size, err)
			}
			if err := tlog.CheckRecord(p, tree.N, tree.Hash, i, tlog.RecordHash(bad)); err == nil {
				t.Fatalf("tlog.CheckRecord accepts modified leaf %d in %d", i, size)
			}
			if size > 1 {
				j := (i + 1) % size
				if err := VerifyInclusion(leaf, j, tree, p); err == nil {
					t.Fatalf("leaf %d accepted at index %d in %d", i, j, size)
				}
			}
			if err := VerifyInclusion(leaf, i, tlog.Tree{N: size, Hash: flip(tree.Hash)}, p); err == nil {
				t.Fatalf("leaf %d in %d accepted under a wrong root", i, size)
			}
			if len(p) > 0 {
				q := append(tlog.RecordProof(nil), p...)
				q[len(q)-1] = flip(q[len(q)-1])
				if err := VerifyInclusion(leaf, i, tree, q); err == nil {
					t.Fatalf("damaged proof of %d in %d accepted", i, size)
				}
			}
		}
	}
}

func TestConsistencyProofs(t *testing.T) {
	t.Parallel()
	const max = 70
	st, trees := storeOf(t, max)
	for to := int64(1); to <= max; to++ {
		for from := int64(1); from <= to; from++ {
			oldT, newT := trees[from], trees[to]
			p, err := ProveConsistency(from, to, st)
			if err != nil {
				t.Fatalf("prove %d -> %d: %v", from, to, err)
			}
			if err := tlog.CheckTree(p, newT.N, newT.Hash, oldT.N, oldT.Hash); err != nil {
				t.Fatalf("tlog.CheckTree(%d -> %d): %v", from, to, err)
			}
			if err := VerifyConsistency(oldT, newT, p); err != nil {
				t.Fatalf("VerifyConsistency(%d -> %d): %v", from, to, err)
			}
			if err := VerifyConsistency(tlog.Tree{N: from, Hash: flip(oldT.Hash)}, newT, p); !errors.Is(err, ErrProof) {
				t.Fatalf("%d -> %d with a wrong old root: %v", from, to, err)
			}
			if err := VerifyConsistency(oldT, tlog.Tree{N: to, Hash: flip(newT.Hash)}, p); !errors.Is(err, ErrProof) {
				t.Fatalf("%d -> %d with a wrong new root: %v", from, to, err)
			}
			if from < to {
				// The old tree's root with a wrong size.
				if err := VerifyConsistency(tlog.Tree{N: from + 1, Hash: oldT.Hash}, newT, p); err == nil {
					t.Fatalf("%d -> %d accepted with old size %d", from, to, from+1)
				}
				// The proof is for the tree of size to, not any other.
				if err := VerifyConsistency(oldT, trees[to-1], p); err == nil {
					t.Fatalf("proof %d -> %d accepted for %d -> %d", from, to, from, to-1)
				}
			}
		}
	}
}

func TestConsistencyFromEmptyTree(t *testing.T) {
	t.Parallel()
	_, trees := storeOf(t, 3)
	empty := trees[0]
	if err := VerifyConsistency(empty, trees[3], nil); err != nil {
		t.Fatalf("empty -> 3: %v", err)
	}
	if err := VerifyConsistency(empty, empty, nil); err != nil {
		t.Fatalf("empty -> empty: %v", err)
	}
	if err := VerifyConsistency(tlog.Tree{N: 0, Hash: flip(empty.Hash)}, trees[3], nil); err == nil {
		t.Fatal("empty tree with a wrong root accepted")
	}
	if err := VerifyConsistency(empty, trees[3], tlog.TreeProof{{}}); err == nil {
		t.Fatal("non-empty proof from the empty tree accepted")
	}
}

func TestProveArguments(t *testing.T) {
	t.Parallel()
	st, _ := storeOf(t, 5)
	for _, c := range []struct{ index, size int64 }{{-1, 5}, {5, 5}, {0, 0}, {6, 5}} {
		if _, err := ProveInclusion(c.index, c.size, st); err == nil {
			t.Errorf("ProveInclusion(%d, %d): no error", c.index, c.size)
		}
	}
	for _, c := range []struct{ from, to int64 }{{0, 5}, {3, 2}, {-1, 5}} {
		if _, err := ProveConsistency(c.from, c.to, st); err == nil {
			t.Errorf("ProveConsistency(%d, %d): no error", c.from, c.to)
		}
	}
	// A store that lacks hashes makes proving fail rather than lie.
	if _, err := ProveInclusion(2, 6, st); err == nil {
		t.Error("ProveInclusion beyond the stored tree: no error")
	}
}

// TestProofsFromBuilderEqualStore checks that a Builder (used by `ingot
// verify`) and the stores' hashes give the same proofs.
func TestProofsFromBuilderEqualStore(t *testing.T) {
	t.Parallel()
	st, _ := storeOf(t, 33)
	var b Builder
	for i := range 33 {
		b.Add(leafData(i))
	}
	for i := int64(0); i < 33; i++ {
		p1, err1 := ProveInclusion(i, 33, st)
		p2, err2 := ProveInclusion(i, 33, &b)
		if err1 != nil || err2 != nil || fmt.Sprint(p1) != fmt.Sprint(p2) {
			t.Fatalf("proofs of %d differ: %v %v", i, err1, err2)
		}
	}
}
