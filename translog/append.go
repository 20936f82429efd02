package translog

import (
	"fmt"
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

// StoredHash is one hash of the tree's storage layout: Index is its
// tlog.StoredHashIndex(level, n) position. The stores keep these in a table
// of (index, hash); a tlog.HashReader over that table is all the proofs need.
type StoredHash struct {
	Index int64
	Hash  tlog.Hash
}

// FrontierIndexes returns the stored-hash indexes of the complete subtrees
// that make up a tree of n leaves, largest first: one per bit set in n, at
// most 63. They are exactly the hashes that tlog.TreeHash(n, r) reads, and
// the only hashes below the tree of size n that appending to it ever needs,
// so [AppendHashes] reads them, and nothing else, in one call.
func FrontierIndexes(n int64) []int64 {
	if n <= 0 {
		return nil
	}
	idx := make([]int64, 0, bits.OnesCount64(uint64(n)))
	var lo int64
	for level := 62; level >= 0; level-- {
		size := int64(1) << level
		if n&size == 0 {
			continue
		}
		idx = append(idx, tlog.StoredHashIndex(level, lo>>level))
		lo += size
	}
	return idx
}

// AppendHashes computes what appending leaves (leaf data, as produced by
// [LeafBytes]) to a tree of n leaves adds: every new stored hash, in
// increasing index order starting at tlog.StoredHashCount(n) with no gaps,
// and the new tree (size n+len(leaves) and its root hash).
//
// r reads the hashes already stored for the tree of size n. It is called at
// most once, with the at most 63 indexes of [FrontierIndexes](n); the hashes
// that the batch itself produces are served from memory to the later leaves
// of the batch. AppendHashes does not write anything: the caller stores the
// returned hashes (in the same transaction as the transfers) and then signs
// the returned tree.
//
// With no leaves, it returns no hashes and the tree of size n.
func AppendHashes(n int64, leaves [][]byte, r tlog.HashReader) ([]StoredHash, tlog.Tree, error) {
	hashes := make([]tlog.Hash, len(leaves))
	for i, leaf := range leaves {
		hashes[i] = tlog.RecordHash(leaf)
	}
	return AppendLeafHashes(n, hashes, r)
}

// AppendLeafHashes is [AppendHashes] for leaf hashes
// (tlog.RecordHash(leaf)) rather than leaf data.
func AppendLeafHashes(n int64, leafHashes []tlog.Hash, r tlog.HashReader) ([]StoredHash, tlog.Tree, error) {
	if n < 0 {
		return nil, tlog.Tree{}, fmt.Errorf("translog: negative tree size %d", n)
	}
	ov := &overlay{start: tlog.StoredHashCount(n)}
	if idx := FrontierIndexes(n); len(idx) > 0 {
		if r == nil {
			return nil, tlog.Tree{}, fmt.Errorf("translog: tree of size %d needs a hash reader", n)
		}
		old, err := r.ReadHashes(idx)
		if err != nil {
			return nil, tlog.Tree{}, fmt.Errorf("translog: reading the frontier of the tree of size %d: %w", n, err)
		}
		if len(old) != len(idx) {
			return nil, tlog.Tree{}, fmt.Errorf("translog: hash reader returned %d hashes for %d indexes", len(old), len(idx))
		}
		ov.frontier = make(map[int64]tlog.Hash, len(idx))
		for i, x := range idx {
			ov.frontier[x] = old[i]
		}
	}
	size := n + int64(len(leafHashes))
	ov.hashes = make([]tlog.Hash, 0, tlog.StoredHashCount(size)-ov.start)
	for i, h := range leafHashes {
		m := n + int64(i)
		if got, want := ov.start+int64(len(ov.hashes)), tlog.StoredHashIndex(0, m); got != want {
			panic(fmt.Sprintf("translog: stored hash of leaf %d at %d, want %d", m, got, want))
		}
		hs, err := tlog.StoredHashesForRecordHash(m, h, ov)
		if err != nil {
			return nil, tlog.Tree{}, fmt.Errorf("translog: hashing leaf %d: %w", m, err)
		}
		ov.hashes = append(ov.hashes, hs...)
	}
	root, err := tlog.TreeHash(size, ov)
	if err != nil {
		return nil, tlog.Tree{}, fmt.Errorf("translog: root of the tree of size %d: %w", size, err)
	}
	out := make([]StoredHash, len(ov.hashes))
	for i, h := range ov.hashes {
		out[i] = StoredHash{Index: ov.start + int64(i), Hash: h}
	}
	return out, tlog.Tree{N: size, Hash: root}, nil
}

// overlay is the tlog.HashReader of AppendLeafHashes: the hashes of this
// batch (indexes from start on, contiguous) over the prefetched frontier of
// the old tree.
type overlay struct {
	start    int64
	hashes   []tlog.Hash
	frontier map[int64]tlog.Hash
}

func (o *overlay) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x >= o.start {
			j := x - o.start
			if j >= int64(len(o.hashes)) {
				return nil, fmt.Errorf("translog: stored hash %d is not computed yet", x)
			}
			out[i] = o.hashes[j]
			continue
		}
		h, ok := o.frontier[x]
		if !ok {
			// Cannot happen: see FrontierIndexes.
			return nil, fmt.Errorf("translog: stored hash %d is outside the frontier", x)
		}
		out[i] = h
	}
	return out, nil
}
