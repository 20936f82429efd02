package translog

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// Builder rebuilds the tree from its leaves, in order, keeping every stored
// hash in memory (32 bytes times about 2 per leaf: 64 MB per million
// leaves). `ingot verify` feeds it every transfer's [LeafBytes] in log order
// and compares its hashes with the stored ones ([Builder.Hash]) and its roots
// with every checkpoint ([Builder.RootAt]).
//
// A Builder is a tlog.HashReader over the hashes it has, so it can also make
// proofs. The zero Builder is an empty tree, ready to use; a Builder is not
// safe for concurrent use.
type Builder struct {
	n      int64
	hashes []tlog.Hash
}

// Add appends a leaf (leaf data) and returns its index.
func (b *Builder) Add(leaf []byte) int64 {
	return b.AddHash(tlog.RecordHash(leaf))
}

// AddHash appends a leaf by its hash, tlog.RecordHash(leaf), and returns its
// index.
func (b *Builder) AddHash(leafHash tlog.Hash) int64 {
	hs, err := tlog.StoredHashesForRecordHash(b.n, leafHash, b)
	if err != nil {
		// The builder has every hash that it can be asked for.
		panic("translog: builder: " + err.Error())
	}
	b.hashes = append(b.hashes, hs...)
	b.n++
	return b.n - 1
}

// Size is the number of leaves added.
func (b *Builder) Size() int64 { return b.n }

// StoredHashCount is the number of stored hashes of the tree so far,
// tlog.StoredHashCount(b.Size()).
func (b *Builder) StoredHashCount() int64 { return int64(len(b.hashes)) }

// Hash returns the stored hash at a tlog.StoredHashIndex position, and false
// when the tree does not have it (yet).
func (b *Builder) Hash(storedIndex int64) (tlog.Hash, bool) {
	if storedIndex < 0 || storedIndex >= int64(len(b.hashes)) {
		return tlog.Hash{}, false
	}
	return b.hashes[storedIndex], true
}

// Root returns the tree's root hash (the hash of the empty tree for no
// leaves).
func (b *Builder) Root() tlog.Hash {
	h, err := tlog.TreeHash(b.n, b)
	if err != nil {
		panic("translog: builder: " + err.Error())
	}
	return h
}

// Tree returns the tree's size and root.
func (b *Builder) Tree() tlog.Tree { return tlog.Tree{N: b.n, Hash: b.Root()} }

// RootAt returns the root hash the tree had at size n, 0 <= n <= Size():
// what a checkpoint of size n must carry.
func (b *Builder) RootAt(n int64) (tlog.Hash, error) {
	if n < 0 || n > b.n {
		return tlog.Hash{}, fmt.Errorf("translog: tree of size %d has no root at size %d", b.n, n)
	}
	return tlog.TreeHash(n, b)
}

// ReadHashes implements tlog.HashReader over the hashes added so far.
func (b *Builder) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(b.hashes)) {
			return nil, fmt.Errorf("translog: builder has no stored hash %d (tree of size %d)", x, b.n)
		}
		out[i] = b.hashes[x]
	}
	return out, nil
}
