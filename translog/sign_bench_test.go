package translog

import (
	"testing"
)

// BenchmarkSignCheckpoint is the cost of one batch's checkpoint signature:
// with one key, and (rotating) with a previous key, reading and checking
// the latest checkpoint first, as during a rotation.
func BenchmarkSignCheckpoint(b *testing.B) {
	a := newTestSigner(b, DefaultOrigin)
	tree := testTree(5)
	b.Run("one-key", func(b *testing.B) {
		for b.Loop() {
			if _, err := SignCheckpoint(a, DefaultOrigin, tree); err != nil {
				b.Fatal(err)
			}
		}
	})
	// During a rotation: one process alone (the latest checkpoint is the
	// one it signed last), and a process whose latest checkpoint another
	// process signed (it checks it first).
	for _, alone := range []bool{true, false} {
		name := map[bool]string{true: "rotating-alone", false: "rotating-other"}[alone]
		b.Run(name, func(b *testing.B) {
			prev, other := newTestSigner(b, DefaultOrigin), newTestSigner(b, DefaultOrigin)
			latest, err := SignCheckpoint(prev, DefaultOrigin, testTree(4))
			if err != nil {
				b.Fatal(err)
			}
			r, err := a.WithRotation(prev, other, func() ([]byte, error) { return latest, nil })
			if err != nil {
				b.Fatal(err)
			}
			if err := r.Resume(latest); err != nil {
				b.Fatal(err)
			}
			ann, err := SignCheckpoint(r, DefaultOrigin, testTree(5))
			if err != nil {
				b.Fatal(err)
			}
			latest = ann
			if !alone {
				// Another process (holding a as its previous key) signed
				// the checkpoint after the announcement.
				o, _ := a.WithRotation(nil, nil, func() ([]byte, error) { return ann, nil })
				o.Resume(ann)
				if latest, err = SignCheckpoint(o, DefaultOrigin, testTree(6)); err != nil {
					b.Fatal(err)
				}
			}
			later := testTree(7)
			for b.Loop() {
				msg, err := SignCheckpoint(r, DefaultOrigin, later)
				if err != nil {
					b.Fatal(err)
				}
				if alone {
					latest = msg
				}
			}
		})
	}
}
