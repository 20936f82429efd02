package translog

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// ProveInclusion returns the proof that the leaf at index is in the tree of
// size treeSize (0 <= index < treeSize): tlog.ProveRecord(treeSize, index, r).
func ProveInclusion(index, treeSize int64, r tlog.HashReader) (tlog.RecordProof, error) {
	if index < 0 || index >= treeSize {
		return nil, fmt.Errorf("translog: leaf %d is not in a tree of size %d", index, treeSize)
	}
	return tlog.ProveRecord(treeSize, index, r)
}

// ProveConsistency returns the proof that the tree of size to extends the
// tree of size from (1 <= from <= to): tlog.ProveTree(to, from, r). A tree of
// size 0 needs no proof: every tree extends it.
func ProveConsistency(from, to int64, r tlog.HashReader) (tlog.TreeProof, error) {
	if from < 1 || from > to {
		return nil, fmt.Errorf("translog: no consistency proof from size %d to size %d", from, to)
	}
	return tlog.ProveTree(to, from, r)
}

// ErrProof is wrapped by the errors of VerifyInclusion and VerifyConsistency
// when a proof does not hold.
var ErrProof = errors.New("translog: proof does not verify")

// VerifyInclusion checks that proof shows leaf (the leaf data, as
// [LeafBytes] makes it) at index in tree. It is tlog.CheckRecord with the
// RFC 6962 leaf hash, nothing else.
func VerifyInclusion(leaf []byte, index int64, tree tlog.Tree, proof tlog.RecordProof) error {
	if err := tlog.CheckRecord(proof, tree.N, tree.Hash, index, tlog.RecordHash(leaf)); err != nil {
		return fmt.Errorf("%w: leaf %d in tree of size %d: %v", ErrProof, index, tree.N, err)
	}
	return nil
}

// VerifyConsistency checks that proof shows newTree extending oldTree. It is
// tlog.CheckTree, except that an old tree of size 0 (whose root must be the
// hash of the empty tree, SHA-256 of nothing) is extended by every tree with
// an empty proof.
func VerifyConsistency(oldTree, newTree tlog.Tree, proof tlog.TreeProof) error {
	if oldTree.N == 0 && newTree.N >= 0 {
		empty, _ := tlog.TreeHash(0, nil)
		if oldTree.Hash != empty || len(proof) != 0 {
			return fmt.Errorf("%w: empty tree with a wrong root or a non-empty proof", ErrProof)
		}
		return nil
	}
	if err := tlog.CheckTree(proof, newTree.N, newTree.Hash, oldTree.N, oldTree.Hash); err != nil {
		return fmt.Errorf("%w: tree of size %d extending tree of size %d: %v", ErrProof, newTree.N, oldTree.N, err)
	}
	return nil
}
