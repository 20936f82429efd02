package translog

import (
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

func TestBuilderMatchesReference(t *testing.T) {
	t.Parallel()
	const n = 1500
	ref := &refLog{}
	var b Builder
	if b.Root().String() != "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" || b.Size() != 0 {
		t.Fatalf("empty builder: size %d root %s", b.Size(), b.Root())
	}
	roots := []tlog.Hash{b.Root()}
	for i := range n {
		leaf := leafData(i)
		if idx := b.Add(leaf); idx != int64(i) {
			t.Fatalf("Add returned %d, want %d", idx, i)
		}
		ref.add(t, leaf)
		if b.Root() != ref.root(t) {
			t.Fatalf("size %d: root differs", i+1)
		}
		roots = append(roots, b.Root())
	}
	if b.Size() != n || b.StoredHashCount() != tlog.StoredHashCount(n) || b.Tree() != (tlog.Tree{N: n, Hash: ref.root(t)}) {
		t.Fatalf("size %d, %d stored hashes, tree %v", b.Size(), b.StoredHashCount(), b.Tree())
	}
	for i, want := range ref.hashes {
		got, ok := b.Hash(int64(i))
		if !ok || got != want {
			t.Fatalf("stored hash %d differs", i)
		}
	}
	if _, ok := b.Hash(int64(len(ref.hashes))); ok {
		t.Fatal("Hash beyond the tree reported present")
	}
	if _, ok := b.Hash(-1); ok {
		t.Fatal("Hash(-1) reported present")
	}
	for k, want := range roots {
		got, err := b.RootAt(int64(k))
		if err != nil || got != want {
			t.Fatalf("RootAt(%d) = %s, %v; want %s", k, got, err, want)
		}
	}
	if _, err := b.RootAt(n + 1); err == nil {
		t.Fatal("RootAt beyond the tree: no error")
	}
	if _, err := b.RootAt(-1); err == nil {
		t.Fatal("RootAt(-1): no error")
	}
	if _, err := b.ReadHashes([]int64{tlog.StoredHashCount(n)}); err == nil {
		t.Fatal("ReadHashes beyond the tree: no error")
	}
}

// TestBuilderDetectsTampering is what `ingot verify` relies on: a changed,
// deleted, inserted or swapped leaf changes every root from its position on,
// and none before it.
func TestBuilderDetectsTampering(t *testing.T) {
	t.Parallel()
	const n = 40
	orig := make([][]byte, n)
	for i := range orig {
		orig[i] = leafData(i)
	}
	var good Builder
	goodRoots := []tlog.Hash{good.Root()}
	for _, l := range orig {
		good.Add(l)
		goodRoots = append(goodRoots, good.Root())
	}
	at := 17
	cases := map[string][][]byte{}
	changed := append([][]byte(nil), orig...)
	changed[at] = []byte("leaf 17 changed")
	cases["changed"] = changed
	cases["deleted"] = append(append([][]byte(nil), orig[:at]...), orig[at+1:]...)
	cases["inserted"] = append(append(append([][]byte(nil), orig[:at]...), []byte("new")), orig[at:]...)
	swapped := append([][]byte(nil), orig...)
	swapped[at], swapped[at+1] = swapped[at+1], swapped[at]
	cases["swapped"] = swapped
	for name, leaves := range cases {
		var b Builder
		for i, l := range leaves {
			b.Add(l)
			if i+1 >= len(goodRoots) {
				break
			}
			same := b.Root() == goodRoots[i+1]
			if i < at && !same {
				t.Fatalf("%s: root at size %d differs before the change", name, i+1)
			}
			if i >= at && same {
				t.Fatalf("%s: root at size %d unchanged", name, i+1)
			}
		}
	}
}
