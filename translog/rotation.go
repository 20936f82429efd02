package translog

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Rotation of the log's signing key.
//
// A log is signed by one key at a time. Its history is a sequence of
// epochs: the first key signs from the start; each later key is announced
// by the first checkpoint it signs, which the key before it signs too, and
// which names both keys in extension lines of the checkpoint text:
//
//	<origin>
//	<size>
//	<root>
//	key <since> <verifier key of the previous key>
//	key <size> <verifier key of the new key>
//
// Every later checkpoint of the new key's epoch carries its key line alone,
// "key <since> <verifier key>", where since is the size of the checkpoint
// that announced it; checkpoints of the first epoch carry none, so a log
// that never rotated has plain three-line checkpoints. The key lines let a
// verifier that trusts any key of the chain reach every other: forward,
// since each announcement is signed by the key before; backward, since it is
// signed by the key after and names the key before, with the size of the
// checkpoint that announced that one.

// maxRotations bounds the announcements a chain of keys is followed through.
const maxRotations = 1000

// Epoch is a period of the log signed by one key: Key (a verifier key in
// note format) signs the checkpoints of tree size Since and larger, until
// the next epoch's key is announced. Since is the size of the checkpoint
// that announced Key, 0 for the log's first key. A Since below 0 means
// "not known" to [OpenRotating] (a key pinned without its epoch).
type Epoch struct {
	Since int64
	Key   string
}

// CheckpointKeys is what a checkpoint's key lines say.
type CheckpointKeys struct {
	// Key is the epoch of the key that signs the checkpoint, from its last
	// key line; zero (no key line) in the log's first epoch.
	Key Epoch
	// Previous is set in the checkpoint that announces a key (Key.Since is
	// its own size): the epoch of the key it replaces, which signs it too.
	Previous *Epoch
}

// keyLine writes a key line.
func keyLine(e Epoch) string { return "key " + strconv.FormatInt(e.Since, 10) + " " + e.Key }

// FormatCheckpointKeys is FormatCheckpoint with the key lines of keys: none
// for a zero keys, one for keys.Key, two for an announcement.
func FormatCheckpointKeys(origin string, tree tlog.Tree, keys CheckpointKeys) ([]byte, error) {
	text, err := FormatCheckpoint(origin, tree)
	if err != nil || keys == (CheckpointKeys{}) {
		return text, err
	}
	if keys.Previous != nil {
		text = append(text, keyLine(*keys.Previous)+"\n"...)
	}
	if keys.Key != (Epoch{}) {
		text = append(text, keyLine(keys.Key)+"\n"...)
	}
	// The result must parse back to what was asked.
	if _, _, got, err := ParseCheckpointKeys(text); err != nil {
		return nil, err
	} else if got.Key != keys.Key || (got.Previous == nil) != (keys.Previous == nil) || (got.Previous != nil && *got.Previous != *keys.Previous) {
		return nil, fmt.Errorf("translog: key lines %+v do not fit a checkpoint of size %d", keys, tree.N)
	}
	return text, nil
}

// ParseCheckpointKeys is ParseCheckpoint that also parses and checks the
// key lines: none; one, "key <since> <verifier key>" with 0 < since <
// size; or two, an announcement: the previous key with its since, smaller
// than the size, then the new key with the checkpoint's own size. Every
// key is a valid Ed25519 note verifier key named origin; an announcement's
// keys differ. Extension lines that do not start with "key " are ignored.
func ParseCheckpointKeys(text []byte) (origin string, tree tlog.Tree, keys CheckpointKeys, err error) {
	origin, tree, err = ParseCheckpoint(text)
	if err != nil {
		return "", tlog.Tree{}, CheckpointKeys{}, err
	}
	bad := func(format string, args ...any) (string, tlog.Tree, CheckpointKeys, error) {
		return "", tlog.Tree{}, CheckpointKeys{}, fmt.Errorf("%w: %s", ErrMalformedCheckpoint, fmt.Sprintf(format, args...))
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")[3:]
	var es []Epoch
	for _, l := range lines {
		rest, ok := strings.CutPrefix(l, "key ")
		if !ok {
			continue
		}
		if len(es) == 2 {
			return bad("more than two key lines")
		}
		sinceText, vkey, ok := strings.Cut(rest, " ")
		since, err := strconv.ParseInt(sinceText, 10, 64)
		if !ok || err != nil || since < 0 || strconv.FormatInt(since, 10) != sinceText {
			return bad("key line %q: want \"key <tree size> <verifier key>\"", l)
		}
		v, err := note.NewVerifier(vkey)
		if err != nil {
			return bad("key line %q: %v", l, err)
		}
		if v.Name() != origin {
			return bad("key line names a key of %q, not of the log %q", v.Name(), origin)
		}
		es = append(es, Epoch{Since: since, Key: vkey})
	}
	switch len(es) {
	case 1:
		if es[0].Since <= 0 || es[0].Since >= tree.N {
			return bad("its key line says the key signs from tree size %d; want a size between 0 and %d, exclusive (the key's announcement)", es[0].Since, tree.N)
		}
		keys.Key = es[0]
	case 2:
		prev, cur := es[0], es[1]
		if cur.Since != tree.N || prev.Since >= tree.N {
			return bad("its two key lines must announce a key at its own size %d, after the previous key's since (%d, %d)", tree.N, prev.Since, cur.Since)
		}
		if prev.Key == cur.Key {
			return bad("announces the key it replaces")
		}
		keys.Key, keys.Previous = cur, &prev
	}
	return origin, tree, keys, nil
}

// OpenRotating verifies msg, a signed checkpoint of origin, as a
// checkpoint of epoch e: it must carry a valid signature by e.Key, and key
// lines that fit e. It returns its tree and the epoch after it:
//
//   - e itself, for a checkpoint of e's epoch (in the first epoch, one
//     without key lines) or for the announcement that started it (which
//     must be signed by the previous key too);
//   - the next epoch, for the announcement of the next key by e's key,
//     which must be signed by that next key too.
//
// When e.Since is below 0 (not known), the checkpoint's key lines say it.
func OpenRotating(msg []byte, origin string, e Epoch) (tlog.Tree, Epoch, error) {
	v, err := note.NewVerifier(strings.TrimSpace(e.Key))
	if err != nil {
		return tlog.Tree{}, Epoch{}, fmt.Errorf("translog: verifier key: %v", err)
	}
	if origin == "" {
		origin = v.Name()
	}
	if v.Name() != origin {
		return tlog.Tree{}, Epoch{}, fmt.Errorf("translog: verifier key is named %q, not after the log's origin %q", v.Name(), origin)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return tlog.Tree{}, Epoch{}, fmt.Errorf("translog: checkpoint not signed by %s: %w", e.Key, err)
	}
	got, tree, keys, err := ParseCheckpointKeys([]byte(n.Text))
	if err != nil {
		return tlog.Tree{}, Epoch{}, err
	}
	if got != origin {
		return tlog.Tree{}, Epoch{}, fmt.Errorf("translog: checkpoint of log %q, want %q", got, origin)
	}
	sinceFits := func(since int64) error {
		if e.Since >= 0 && since != e.Since {
			return fmt.Errorf("translog: checkpoint of size %d says key %s signs from tree size %d, but it signs from %d", tree.N, e.Key, since, e.Since)
		}
		return nil
	}
	alsoSigned := func(vkey string) error {
		w, err := note.NewVerifier(vkey)
		if err == nil {
			_, err = note.Open(msg, note.VerifierList(w))
		}
		if err != nil {
			return fmt.Errorf("translog: checkpoint of size %d announces key %s over key %s, but is not signed by both: %w", tree.N, keys.Key.Key, keys.Previous.Key, err)
		}
		return nil
	}
	switch {
	case keys.Previous != nil && keys.Previous.Key == e.Key: // e's key announces the next one
		if err := sinceFits(keys.Previous.Since); err != nil {
			return tlog.Tree{}, Epoch{}, err
		}
		if err := alsoSigned(keys.Key.Key); err != nil {
			return tlog.Tree{}, Epoch{}, err
		}
		return tree, keys.Key, nil
	case keys.Key.Key == e.Key: // a checkpoint of e, perhaps the announcement of e
		if err := sinceFits(keys.Key.Since); err != nil {
			return tlog.Tree{}, Epoch{}, err
		}
		if keys.Previous != nil {
			if err := alsoSigned(keys.Previous.Key); err != nil {
				return tlog.Tree{}, Epoch{}, err
			}
		}
		return tree, keys.Key, nil
	case keys.Key == Epoch{}: // the log's first epoch
		if err := sinceFits(0); err != nil {
			return tlog.Tree{}, Epoch{}, fmt.Errorf("translog: checkpoint of size %d has no key line, but key %s signs from tree size %d", tree.N, e.Key, e.Since)
		}
		return tree, Epoch{Since: 0, Key: e.Key}, nil
	}
	return tlog.Tree{}, Epoch{}, fmt.Errorf("translog: checkpoint of size %d is signed by %s, but its key line says key %s signs it", tree.N, e.Key, keys.Key.Key)
}

// ErrNoKeyChain is wrapped by the errors of [KeyChain] and [Follow] when a
// checkpoint is signed by a key that no chain of announcements links to
// the key that was asked for.
var ErrNoKeyChain = errors.New("translog: no chain of key announcements")

// KeyChain walks back from msg, the log's latest checkpoint, through the
// announcements its key lines point to, and returns the log's epochs,
// oldest first, and the notes of the announcements (announcements[i] is
// the checkpoint of size epochs[i+1].Since). It stops at the first epoch
// whose key is stop (when stop is not ""), otherwise at the log's first
// epoch, whose Key is "" when the log never rotated (its checkpoints do
// not name their key). fetch returns the signed checkpoint of a tree size.
//
// KeyChain checks that the chain hangs together (each announcement names
// the epoch before it), not signatures: [OpenRotating] verifies each
// checkpoint against its epoch.
func KeyChain(msg []byte, stop string, fetch func(size int64) ([]byte, error)) (epochs []Epoch, announcements [][]byte, err error) {
	text, err := noteText(msg)
	if err != nil {
		return nil, nil, err
	}
	_, tree, keys, err := ParseCheckpointKeys(text)
	if err != nil {
		return nil, nil, err
	}
	if keys.Key == (Epoch{}) {
		if stop != "" {
			return nil, nil, fmt.Errorf("%w: the checkpoint of size %d names no key: it is of the log's first epoch", ErrNoKeyChain, tree.N)
		}
		return []Epoch{{}}, nil, nil
	}
	cur := keys.Key
	epochs = []Epoch{cur}
	for range maxRotations {
		if cur.Key == stop {
			break
		}
		ann := msg
		if cur.Since != tree.N {
			if ann, err = fetch(cur.Since); err != nil {
				return nil, nil, fmt.Errorf("translog: the checkpoint of size %d, which announced key %s: %w", cur.Since, cur.Key, err)
			}
		}
		text, err := noteText(ann)
		if err != nil {
			return nil, nil, err
		}
		_, at, k, err := ParseCheckpointKeys(text)
		if err != nil {
			return nil, nil, fmt.Errorf("translog: the checkpoint of size %d, which announced key %s: %w", cur.Since, cur.Key, err)
		}
		if at.N != cur.Since || k.Previous == nil || k.Key != cur {
			return nil, nil, fmt.Errorf("%w: the checkpoint of size %d does not announce key %s", ErrNoKeyChain, cur.Since, cur.Key)
		}
		epochs = append([]Epoch{*k.Previous}, epochs...)
		announcements = append([][]byte{ann}, announcements...)
		cur = *k.Previous
		if cur.Since == 0 {
			break
		}
	}
	if stop != "" && epochs[0].Key != stop {
		return nil, nil, fmt.Errorf("%w: the log's keys since its start, %s, do not include key %s", ErrNoKeyChain, epochKeys(epochs), stop)
	}
	if epochs[0].Since != 0 && epochs[0].Key != stop {
		return nil, nil, fmt.Errorf("%w: more than %d rotations", ErrNoKeyChain, maxRotations)
	}
	return epochs, announcements, nil
}

func epochKeys(es []Epoch) string {
	ks := make([]string, len(es))
	for i, e := range es {
		ks[i] = e.Key
	}
	return strings.Join(ks, ", ")
}

// noteText is the text of a signed note, unverified.
func noteText(msg []byte) ([]byte, error) {
	i := strings.LastIndex(string(msg), "\n\n")
	if i < 0 {
		return nil, fmt.Errorf("%w: not a signed note", ErrMalformedCheckpoint)
	}
	return msg[:i+1], nil
}

// Rotation is one key announcement a verifier followed.
type Rotation struct {
	Note     []byte    // the announcing checkpoint
	Tree     tlog.Tree // its tree
	From, To Epoch     // the epochs it ends and starts
}

// Follow verifies msg, the latest checkpoint of origin, for a verifier that
// trusts pinned: it must be signed by pinned's key, or by a key that the
// log announced through a chain of announcements from pinned's key, each
// signed by the key before it and the key after it (fetch returns the
// signed checkpoint of a tree size). It returns the announcements it
// followed, oldest first (msg itself when msg announces a key), and msg's
// tree and epoch. The caller checks that the trees it saw, the
// announcements' and msg's, are consistent with each other.
func Follow(msg []byte, origin string, pinned Epoch, fetch func(size int64) ([]byte, error)) ([]Rotation, tlog.Tree, Epoch, error) {
	tree, e, err := OpenRotating(msg, origin, pinned)
	if err == nil {
		if e.Key == pinned.Key {
			return nil, tree, e, nil
		}
		// msg announces the next key: pinned.Since from its key lines.
		text, _ := noteText(msg)
		_, _, k, _ := ParseCheckpointKeys(text)
		return []Rotation{{Note: msg, Tree: tree, From: *k.Previous, To: e}}, tree, e, nil
	}
	epochs, anns, cerr := KeyChain(msg, pinned.Key, fetch)
	if cerr != nil {
		if errors.Is(cerr, ErrNoKeyChain) {
			return nil, tlog.Tree{}, Epoch{}, fmt.Errorf("%w from the pinned key %s: %v (%v)", ErrNoKeyChain, pinned.Key, err, cerr)
		}
		return nil, tlog.Tree{}, Epoch{}, fmt.Errorf("translog: %v; following its key announcements: %w", err, cerr)
	}
	if len(anns) == 0 {
		return nil, tlog.Tree{}, Epoch{}, err
	}
	var steps []Rotation
	cur := pinned
	for i, a := range anns {
		t, next, err := OpenRotating(a, origin, cur)
		if err != nil {
			return nil, tlog.Tree{}, Epoch{}, fmt.Errorf("translog: the announcement of key %s at tree size %d does not verify as one by key %s: %w", epochs[i+1].Key, epochs[i+1].Since, cur.Key, err)
		}
		if next != epochs[i+1] {
			return nil, tlog.Tree{}, Epoch{}, fmt.Errorf("translog: the checkpoint of size %d announces key %s from size %d, where the chain says key %s from size %d", t.N, next.Key, next.Since, epochs[i+1].Key, epochs[i+1].Since)
		}
		steps = append(steps, Rotation{Note: a, Tree: t, From: epochs[i], To: next})
		cur = next
	}
	last := steps[len(steps)-1]
	if last.Tree.N == cur.Since && string(last.Note) == string(msg) {
		return steps, last.Tree, cur, nil
	}
	tree, e, err = OpenRotating(msg, origin, cur)
	if err != nil {
		return nil, tlog.Tree{}, Epoch{}, err
	}
	if e != cur {
		return nil, tlog.Tree{}, Epoch{}, fmt.Errorf("translog: the latest checkpoint, of size %d, announces key %s, which its own key lines do not lead to", tree.N, e.Key)
	}
	return steps, tree, cur, nil
}
