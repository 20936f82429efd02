package translog

import (
	"bytes"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// fuzzKey is a fixed key, so that fuzzing is deterministic.
func fuzzKey(t testing.TB) *Signer {
	skey, _, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 32)), DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func FuzzOpenCheckpoint(f *testing.F) {
	s := fuzzKey(f)
	w, _ := NewSigner(func() string {
		k, _, _ := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{9}, 32)), "witness.example")
		return k
	}())
	for _, n := range []int64{0, 1, 5, 1 << 40} {
		msg, err := SignCheckpoint(s, DefaultOrigin, tlog.Tree{N: n, Hash: tlog.Hash{byte(n)}})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(msg)
		nt, _ := note.Open(msg, note.VerifierList(mustVerifier(f, s.VerifierKey())))
		cosigned, _ := note.Sign(nt, w.NoteSigner())
		f.Add(cosigned)
		f.Add(msg[:len(msg)-3])
		f.Add(bytes.Replace(msg, []byte("\n\n"), []byte("\next\n\n"), 1))
	}
	f.Add([]byte("ingot.example/log\n1\nAAAA\n\n— ingot.example/log AAAAAAAA\n"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		tree, err := OpenCheckpoint(msg, s.VerifierKey(), DefaultOrigin)
		if err != nil {
			return
		}
		// Accepted: the note's text starts with exactly the canonical
		// checkpoint of the returned tree, and that text is what the log's
		// key signed.
		text, err := FormatCheckpoint(DefaultOrigin, tree)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(msg, text) {
			t.Fatalf("accepted %q as tree %v", msg, tree)
		}
		n, err := note.Open(msg, note.VerifierList(mustVerifier(t, s.VerifierKey())))
		if err != nil || !bytes.HasPrefix([]byte(n.Text), text) {
			t.Fatalf("accepted a note that note.Open rejects or reads otherwise: %v", err)
		}
	})
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add([]byte("ingot.example/log\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"))
	f.Add([]byte("ingot.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n"))
	f.Add([]byte("a\n01\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"))
	f.Add([]byte("a\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		origin, tree, err := ParseCheckpoint(text)
		if err != nil {
			return
		}
		// Canonical: formatting the result gives back the first three lines
		// exactly.
		canon := []byte(origin + "\n" + itoa(tree.N) + "\n" + tree.Hash.String() + "\n")
		if !bytes.HasPrefix(text, canon) || tree.N < 0 {
			t.Fatalf("parsed %q as %q %v", text, origin, tree)
		}
		if CheckOrigin(origin) == nil {
			f, err := FormatCheckpoint(origin, tree)
			if err != nil || !bytes.Equal(f, canon) {
				t.Fatalf("FormatCheckpoint(%q, %v) = %q, %v", origin, tree, f, err)
			}
		}
	})
}

// FuzzParseCheckpointKeys: never panics; what it accepts has key lines that
// FormatCheckpointKeys writes back the same, and keys of the log.
func FuzzParseCheckpointKeys(f *testing.F) {
	a, b := fuzzKey(f), func() *Signer {
		k, _, _ := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{8}, 32)), DefaultOrigin)
		s, _ := NewSigner(k)
		return s
	}()
	head := "ingot.example/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
	for _, ext := range []string{"", "key 3 " + a.VerifierKey() + "\n", "key 0 " + a.VerifierKey() + "\nkey 5 " + b.VerifierKey() + "\n",
		"key 5 " + a.VerifierKey() + "\n", "key 1 x\n", "key 0 " + a.VerifierKey() + "\nkey 5 " + a.VerifierKey() + "\n", "other\nkey 2 " + b.VerifierKey() + "\n"} {
		f.Add([]byte(head + ext))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		origin, tree, keys, err := ParseCheckpointKeys(text)
		if err != nil {
			return
		}
		if keys.Previous != nil && (keys.Key.Since != tree.N || keys.Previous.Since >= tree.N || keys.Previous.Key == keys.Key.Key) {
			t.Fatalf("accepted announcement %+v in a checkpoint of size %d", keys, tree.N)
		}
		if keys.Previous == nil && keys.Key != (Epoch{}) && (keys.Key.Since <= 0 || keys.Key.Since >= tree.N) {
			t.Fatalf("accepted key line %+v in a checkpoint of size %d", keys.Key, tree.N)
		}
		if CheckOrigin(origin) != nil {
			return
		}
		out, err := FormatCheckpointKeys(origin, tree, keys)
		if err != nil {
			t.Fatalf("FormatCheckpointKeys(%+v): %v", keys, err)
		}
		_, tree2, keys2, err := ParseCheckpointKeys(out)
		if err != nil || tree2 != tree || keys2.Key != keys.Key || (keys2.Previous == nil) != (keys.Previous == nil) {
			t.Fatalf("formatted %q parses as %v %+v, %v", out, tree2, keys2, err)
		}
	})
}
