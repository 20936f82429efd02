// Package verify checks an Ingot database offline, without trusting it: it
// recomputes the transparency log from the stored transfers and compares it
// with the stored hashes and every signed checkpoint, and it replays every
// transfer from zero balances and compares the result with the stored
// balances and holds. `ingot verify` is a thin command over [Database].
//
// What an edit of the database looks like to Database:
//
//   - a changed transfer (amount, account, time, memo, ...) no longer has the
//     leaf hash the log recorded for it, and the tree rebuilt from the rows
//     no longer has the root of the signed checkpoints: the transfer is named;
//   - a deleted transfer leaves a gap in the log indexes (or a signed
//     checkpoint larger than the log); an inserted one has no log index, or
//     one that no signed checkpoint covers; two swapped transfers each sit
//     at a leaf that is not theirs;
//   - a changed stored hash differs from the rebuilt one while the rebuilt
//     tree still matches the signed checkpoints: the hash is named;
//   - a checkpoint signed by another key than the one of its epoch (the
//     log's key, or after a rotation of it, the key its key lines name and a
//     chain of announcements links to a trusted key), or whose stored size or root
//     differs from its signed note, or whose signed root is not the root of
//     the rebuilt tree at its size, is named;
//   - a balance, a held amount or a transfer's balance-after that differs from
//     the replay of the log is named, as is a currency whose balances do not
//     sum to zero.
//
// Database reports the first problem it finds: problems of the log first (in
// log order), then those of balances and holds.
package verify

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/translog"
)

// Report sums up a database that verified.
type Report struct {
	Origin      string    // the log's origin (the verifier key's name)
	Transfers   int64     // transfers in the log, all of them
	Checkpoints int64     // signed checkpoints checked
	Hashes      int64     // stored log hashes compared
	Accounts    int64     // accounts whose balance and held were checked
	Holds       int64     // holds read
	Currencies  int       // currencies whose balances sum to zero
	TreeSize    int64     // size of the rebuilt tree (= the latest checkpoint's)
	Root        tlog.Hash // its root (= the latest checkpoint's)
	// Keys are the log's signing keys, oldest first, each with the tree
	// size from which it signs: one unless the log's key was rotated.
	Keys []translog.Epoch
}

// Problem is what Database returns when the database does not verify: what
// is wrong (Kind and ID) and why.
type Problem struct {
	// Kind is "transfer", "checkpoint", "log hash", "log", "account",
	// "hold" or "currency".
	Kind string
	// ID names it: a transfer's id, a checkpoint's tree size, a stored
	// hash's index, an account's id, a hold's id, a currency code.
	ID string
	// LogIndex is a transfer's log index, -1 otherwise.
	LogIndex int64
	Reason   string
}

func (p *Problem) Error() string {
	switch {
	case p.Kind == "transfer" && p.LogIndex >= 0:
		return fmt.Sprintf("transfer %s (log index %d): %s", p.ID, p.LogIndex, p.Reason)
	case p.Kind == "checkpoint":
		return fmt.Sprintf("checkpoint of tree size %s: %s", p.ID, p.Reason)
	case p.ID == "":
		return fmt.Sprintf("%s: %s", p.Kind, p.Reason)
	}
	return fmt.Sprintf("%s %s: %s", p.Kind, p.ID, p.Reason)
}

func problem(kind, id string, logIndex int64, format string, args ...any) *Problem {
	return &Problem{Kind: kind, ID: id, LogIndex: logIndex, Reason: fmt.Sprintf(format, args...)}
}

func transferProblem(t ingot.Transfer, format string, args ...any) *Problem {
	return problem("transfer", t.ID, t.LogIndex, format, args...)
}

func checkpointProblem(size int64, format string, args ...any) *Problem {
	return problem("checkpoint", strconv.FormatInt(size, 10), -1, format, args...)
}

// Page sizes of the reads. Variables for tests.
var (
	transferPage   = 1000
	checkpointPage = 1000
	accountPage    = 1000
	hashChunk      = 4096
)

// Source is what Database reads: the read-only part of store.Store that it
// uses, with the same meaning (see store.Store). Every Ingot store (sqlite,
// postgres), and any store.Store, is a Source. A read of something that does
// not exist returns store.ErrNotFound.
type Source interface {
	// LatestCheckpoint is the checkpoint of the largest tree, or
	// store.ErrNotFound for an empty log.
	LatestCheckpoint(ctx context.Context) (ingot.Checkpoint, error)
	// Checkpoints lists checkpoints with Size > after, ascending, at most limit.
	Checkpoints(ctx context.Context, after int64, limit int) ([]ingot.Checkpoint, error)
	// ReadHashes reads stored log hashes by tlog.StoredHashIndex; one that
	// is not stored is store.ErrNotFound.
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// LogTransfers lists transfers with LogIndex >= from, ascending by
	// LogIndex, at most limit.
	LogTransfers(ctx context.Context, from int64, limit int) ([]ingot.Transfer, error)
	// CountTransfers counts all stored transfers, in the log or not.
	CountTransfers(ctx context.Context) (int64, error)
	// AllAccounts lists every account with id > after, by id, at most limit.
	AllAccounts(ctx context.Context, after int64, limit int) ([]ingot.Account, error)
	// AccountTransfers lists the transfers that debit or credit an account,
	// newest first (by Seq), those with Seq < before (before <= 0: from the
	// newest), at most limit.
	AccountTransfers(ctx context.Context, account int64, before int64, limit int) ([]ingot.Transfer, error)
	// AllHolds lists every hold with id > after, by id, at most limit.
	AllHolds(ctx context.Context, after string, limit int) ([]ingot.Hold, error)
}

var _ Source = store.Store(nil)

// Database verifies the database of st against the log's verifier key (note
// verifier format, as GET /v1/log/key serves it) and origin (empty: the
// key's name). It only reads. It returns a *Problem for the first thing
// that does not hold, another error when the database cannot be read.
func Database(ctx context.Context, st Source, verifierKey, origin string) (Report, error) {
	return DatabaseTrusting(ctx, st, origin, verifierKey)
}

// DatabaseTrusting is Database for a log whose signing key may have been
// rotated: trusted are verifier keys, any of which the log's chain of keys
// must contain (its first key, its current one, or one between). The chain
// is read from the checkpoints' key lines, and every checkpoint must verify
// with the key of its epoch, every announcement with the keys before and
// after it. origin empty is the first trusted key's name.
func DatabaseTrusting(ctx context.Context, st Source, origin string, trusted ...string) (Report, error) {
	if len(trusted) == 0 {
		return Report{}, errors.New("no verifier key")
	}
	for i, k := range trusted {
		k = strings.TrimSpace(k)
		v, err := note.NewVerifier(k)
		if err != nil {
			return Report{}, fmt.Errorf("verifier key: %v", err)
		}
		if origin == "" {
			origin = v.Name()
		}
		if v.Name() != origin {
			return Report{}, fmt.Errorf("the verifier key is named %q, but the log's origin is %q", v.Name(), origin)
		}
		trusted[i] = k
	}
	d := &db{
		ctx: ctx, st: st, trusted: trusted, origin: origin,
		accts:    make(map[int64]*acct),
		captures: make(map[string]ingot.Transfer),
		refusals: make(map[string]ingot.Transfer),
	}
	d.rep.Origin = origin
	if err := d.log(); err != nil {
		return d.rep, err
	}
	if err := d.books(); err != nil {
		return d.rep, err
	}
	return d.rep, nil
}

type db struct {
	ctx     context.Context
	st      Source
	trusted []string // verifier keys
	origin  string
	rep     Report
	// chain is the log's keys, oldest first (translog.KeyChain), the first
	// named even when the log never rotated.
	chain []translog.Epoch

	latest    ingot.Checkpoint
	hasLatest bool

	b translog.Builder

	// Checkpoints, read ahead in pages.
	cps     []ingot.Checkpoint
	cpAfter int64
	cpDone  bool
	// goodSize is the largest checkpoint size whose signed root the rebuilt
	// tree has: the transfers up to it are the ones that were signed.
	goodSize int64

	// Stored hashes with index < compared have been compared; window holds
	// the transfers added since (index window[0].LogIndex onwards).
	compared int64
	window   []ingot.Transfer
	// The first stored hash that differs from the rebuilt one, until a
	// checkpoint tells whether the hash or the transfers are wrong.
	badHash *hashMismatch

	// The replay.
	accts     map[int64]*acct
	captures  map[string]ingot.Transfer // capture transfers by hold id
	refusals  map[string]ingot.Transfer // records that ended a hold (TransferKind.EndsHold), by hold id
	replayErr *Problem
}

type acct struct {
	balance  int64
	currency string
	first    ingot.Transfer // the first transfer that moved it
	// Vouchers (earmark.go): the first transfer that moved it as an
	// earmark account, and the first that moved it as any other.
	asEarmark, notEarmark *ingot.Transfer
	// Offline purses (offline.go): likewise as an offline account.
	asOffline, notOffline *ingot.Transfer
}

type hashMismatch struct {
	index    int64 // stored hash index
	level, n int
	stored   tlog.Hash
	rebuilt  tlog.Hash
	transfer *ingot.Transfer // for a leaf hash: the transfer of that leaf
	size     int64           // the tree size from which the hash exists
}

// indexRange names the log indexes from, ..., to-1.
func indexRange(from, to int64) string {
	if to-from == 1 {
		return fmt.Sprintf("log index %d", from)
	}
	return fmt.Sprintf("log index %d to %d", from, to-1)
}

func b64(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }

// log checks the transparency log and replays the transfers.
func (d *db) log() error {
	cp, err := d.st.LatestCheckpoint(d.ctx)
	switch {
	case err == nil:
		d.latest, d.hasLatest = cp, true
	case errors.Is(err, store.ErrNotFound):
	default:
		return fmt.Errorf("read the latest checkpoint: %w", err)
	}
	if err := d.keyChain(); err != nil {
		return err
	}
	if err := d.checkpointsAt(0); err != nil {
		return err
	}
	for {
		ts, err := d.st.LogTransfers(d.ctx, d.b.Size(), transferPage)
		if err != nil {
			return fmt.Errorf("read transfers from log index %d: %w", d.b.Size(), err)
		}
		for _, t := range ts {
			if err := d.transfer(t); err != nil {
				return err
			}
		}
		if err := d.compareHashes(); err != nil {
			return err
		}
		if len(ts) < transferPage {
			break
		}
	}
	if err := d.compareHashes(); err != nil {
		return err
	}
	if m := d.badHash; m != nil {
		// No checkpoint covers it (cannot happen when the latest does).
		return d.hashProblem(m)
	}
	n := d.b.Size()
	d.rep.Transfers = n
	// Checkpoints beyond the log: its last transfers are gone.
	if c, ok, err := d.peekCheckpoint(); err != nil {
		return err
	} else if ok {
		if err := d.signed(c); err != nil {
			return err
		}
		return checkpointProblem(c.Size, "signed for a log of %d transfers, but the database has only %d with a log index: the transfers with log indexes %d to %d are missing (deleted?)", c.Size, n, n, c.Size-1)
	}
	if d.hasLatest && n != d.latest.Size {
		return problem("log", "", -1, "the latest checkpoint has size %d, but the log has %d transfers", d.latest.Size, n)
	}
	count, err := d.st.CountTransfers(d.ctx)
	if err != nil {
		return fmt.Errorf("count transfers: %w", err)
	}
	if count != n {
		if t, ok, err := d.unlogged(); err != nil {
			return err
		} else if ok {
			return problem("transfer", t.ID, -1, "has no log index (log_index %d): it is in no signed checkpoint (inserted into the database?); %d transfers are stored, %d are in the log", t.LogIndex, count, n)
		}
		return problem("log", "", -1, "%d transfers are stored, but only %d are in the log (log indexes 0 to %d): %d transfers are outside the log (inserted into the database?)", count, n, n-1, count-n)
	}
	d.rep.TreeSize = n
	d.rep.Root = d.b.Root()
	if d.replayErr != nil {
		return d.replayErr
	}
	return nil
}

// transfer takes the next transfer in log order.
func (d *db) transfer(t ingot.Transfer) error {
	if !d.hasLatest || t.LogIndex >= d.latest.Size {
		size := int64(0)
		if d.hasLatest {
			size = d.latest.Size
		}
		return transferProblem(t, "no signed checkpoint covers it: the latest checkpoint has size %d (inserted into the database?)", size)
	}
	want := d.b.Size()
	switch {
	case t.LogIndex > want:
		return problem("log", "", -1, "log index %d is missing (deleted?): the next transfer, %s, has log index %d", want, t.ID, t.LogIndex)
	case t.LogIndex < want:
		return transferProblem(t, "log index %d appears twice", t.LogIndex)
	}
	d.b.Add(translog.LeafBytes(t))
	d.window = append(d.window, t)
	d.replay(t)
	return d.checkpointsAt(d.b.Size())
}

// peekCheckpoint returns the next checkpoint not checked yet, leaving it
// unchecked (checkpointsAt takes it).
func (d *db) peekCheckpoint() (ingot.Checkpoint, bool, error) {
	if len(d.cps) == 0 && !d.cpDone {
		cs, err := d.st.Checkpoints(d.ctx, d.cpAfter, checkpointPage)
		if err != nil {
			return ingot.Checkpoint{}, false, fmt.Errorf("read checkpoints after size %d: %w", d.cpAfter, err)
		}
		if len(cs) < checkpointPage {
			d.cpDone = true
		}
		if len(cs) > 0 {
			d.cpAfter = cs[len(cs)-1].Size
		}
		d.cps = cs
	}
	if len(d.cps) == 0 {
		return ingot.Checkpoint{}, false, nil
	}
	return d.cps[0], true, nil
}

// checkpointsAt checks the checkpoints of size up to size, the builder's.
func (d *db) checkpointsAt(size int64) error {
	for {
		c, ok, err := d.peekCheckpoint()
		if err != nil || !ok || c.Size > size {
			return err
		}
		d.cps = d.cps[1:]
		if err := d.checkpoint(c); err != nil {
			return err
		}
	}
}

// checkpoint checks one checkpoint against its signature and the rebuilt
// tree, which has its size.
func (d *db) checkpoint(c ingot.Checkpoint) error {
	if err := d.signed(c); err != nil {
		return err
	}
	tree := tlog.Tree{N: c.Size, Hash: c.Root}
	if c.Size != d.b.Size() {
		// Only reachable for sizes the log never reaches (see log).
		return checkpointProblem(c.Size, "the log has %d transfers", d.b.Size())
	}
	rebuilt := d.b.Root()
	if rebuilt != tree.Hash {
		// Find the first stored hash that differs: if it is a leaf's, that
		// transfer is not what was logged.
		if err := d.compareHashes(); err != nil {
			return err
		}
		if m := d.badHash; m != nil && m.transfer != nil {
			t := *m.transfer
			return transferProblem(t, "it is not the transfer that was logged: its leaf hash is %s, but the log recorded %s for log index %d, and the tree rebuilt from the stored transfers has root %s at size %d where the signed checkpoint has %s (changed, swapped or replaced row)",
				b64(m.rebuilt), b64(m.stored), t.LogIndex, b64(rebuilt), c.Size, b64(tree.Hash))
		}
		return checkpointProblem(c.Size, "its signed root is %s, but the tree rebuilt from the stored transfers has root %s: a transfer with %s is not what was signed (changed together with the stored hashes?)",
			b64(tree.Hash), b64(rebuilt), indexRange(d.goodSize, c.Size))
	}
	d.goodSize = c.Size
	d.rep.Checkpoints++
	if m := d.badHash; m != nil && m.size <= c.Size {
		return d.hashProblem(m)
	}
	return nil
}

// keyChain finds the log's chain of keys from its latest checkpoint, and
// checks that a trusted key is in it.
func (d *db) keyChain() error {
	if !d.hasLatest {
		d.chain = []translog.Epoch{{Key: d.trusted[0]}}
		return nil
	}
	fetch := func(size int64) ([]byte, error) {
		cs, err := d.st.Checkpoints(d.ctx, size-1, 1)
		if err != nil {
			return nil, err
		}
		if len(cs) == 0 || cs[0].Size != size {
			return nil, errors.New("it is not in the database")
		}
		return cs[0].Note, nil
	}
	chain, _, err := translog.KeyChain(d.latest.Note, "", fetch)
	if err != nil {
		return checkpointProblem(d.latest.Size, "the log's signing keys cannot be followed back from it: %v", err)
	}
	if chain[0].Key == "" {
		// Never rotated: the key is whichever trusted key signs the latest
		// checkpoint (the first, if none does: the checkpoint is named).
		chain[0].Key = d.trusted[0]
		for _, k := range d.trusted {
			if _, _, err := translog.OpenRotating(d.latest.Note, d.origin, translog.Epoch{Key: k}); err == nil {
				chain[0].Key = k
				break
			}
		}
	} else if !slices.ContainsFunc(chain, func(e translog.Epoch) bool { return slices.Contains(d.trusted, e.Key) }) {
		keys := make([]string, len(chain))
		for i, e := range chain {
			keys[i] = e.Key
		}
		return checkpointProblem(d.latest.Size, "the log's signing keys, announced one after the other since its start, are %s: none of them is the trusted key %s", strings.Join(keys, ", "), strings.Join(d.trusted, ", "))
	}
	d.chain = chain
	d.rep.Keys = chain
	return nil
}

// signed checks a checkpoint's signature by the key of its epoch (by the
// key before it too, in the checkpoint that announces a key), and that its
// stored size and root are those of its signed note.
func (d *db) signed(c ingot.Checkpoint) error {
	i := 0
	for j, e := range d.chain {
		if e.Since <= c.Size {
			i = j
		}
	}
	in := d.chain[i]
	if i > 0 && d.chain[i].Since == c.Size {
		in = d.chain[i-1] // the announcement: signed by the key before, which it names
	}
	tree, next, err := translog.OpenRotating(c.Note, d.origin, in)
	if err != nil {
		return checkpointProblem(c.Size, "its note does not verify with the log's key of its epoch, %s (since tree size %d): %v", in.Key, in.Since, err)
	}
	if next != d.chain[i] {
		return checkpointProblem(c.Size, "it announces key %s from tree size %d, but the log's later checkpoints do not follow that key", next.Key, next.Since)
	}
	if tree.N != c.Size {
		return checkpointProblem(c.Size, "stored with size %d, but its signed note says size %d", c.Size, tree.N)
	}
	if tree.Hash != c.Root {
		return checkpointProblem(c.Size, "stored root %s differs from the root %s of its signed note", b64(c.Root), b64(tree.Hash))
	}
	return nil
}

// compareHashes compares the stored hashes of the transfers added since the
// last call with the rebuilt ones.
func (d *db) compareHashes() error {
	to := d.b.StoredHashCount()
	for from := d.compared; from < to; {
		end := min(from+int64(hashChunk), to)
		idx := make([]int64, 0, end-from)
		for x := from; x < end; x++ {
			idx = append(idx, x)
		}
		hs, err := d.st.ReadHashes(d.ctx, idx)
		if errors.Is(err, store.ErrNotFound) {
			for _, x := range idx {
				if _, err := d.st.ReadHashes(d.ctx, []int64{x}); errors.Is(err, store.ErrNotFound) {
					level, n := tlog.SplitStoredHashIndex(x)
					return problem("log hash", strconv.FormatInt(x, 10), -1, "is missing from the database (level %d, n %d; the log has %d transfers)", level, n, d.b.Size())
				}
			}
		}
		if err != nil {
			return fmt.Errorf("read stored log hashes %d to %d: %w", from, end-1, err)
		}
		d.rep.Hashes += int64(len(hs))
		for k, h := range hs {
			x := idx[k]
			rebuilt, _ := d.b.Hash(x)
			if h == rebuilt || d.badHash != nil {
				continue
			}
			level, n := tlog.SplitStoredHashIndex(x)
			m := &hashMismatch{index: x, level: level, n: int(n), stored: h, rebuilt: rebuilt, size: (n + 1) << level}
			if level == 0 && len(d.window) > 0 {
				if i := n - d.window[0].LogIndex; i >= 0 && i < int64(len(d.window)) {
					t := d.window[i]
					m.transfer = &t
				}
			}
			d.badHash = m
			if m.size <= d.goodSize {
				return d.hashProblem(m)
			}
		}
		from = end
	}
	d.compared = to
	d.window = d.window[:0]
	return nil
}

func (d *db) hashProblem(m *hashMismatch) *Problem {
	what := fmt.Sprintf("level %d, n %d", m.level, m.n)
	if m.transfer != nil {
		what = fmt.Sprintf("the leaf hash of transfer %s, log index %d", m.transfer.ID, m.transfer.LogIndex)
	}
	return problem("log hash", strconv.FormatInt(m.index, 10), -1, "(%s) is stored as %s, but the transfers give %s, and they rebuild the signed checkpoints: the stored hash was changed", what, b64(m.stored), b64(m.rebuilt))
}

// unlogged finds a stored transfer without a log index, going through
// every account's transfers (only when the counts disagree).
func (d *db) unlogged() (ingot.Transfer, bool, error) {
	for after := int64(-1 << 63); ; {
		as, err := d.st.AllAccounts(d.ctx, after, accountPage)
		if err != nil {
			return ingot.Transfer{}, false, fmt.Errorf("read accounts: %w", err)
		}
		for _, a := range as {
			for before := int64(0); ; {
				ts, err := d.st.AccountTransfers(d.ctx, a.ID, before, transferPage)
				if err != nil {
					return ingot.Transfer{}, false, fmt.Errorf("read transfers of account %d: %w", a.ID, err)
				}
				for _, t := range ts {
					if t.LogIndex < 0 || t.LogIndex >= d.b.Size() {
						return t, true, nil
					}
				}
				if len(ts) < transferPage {
					break
				}
				before = ts[len(ts)-1].Seq
			}
		}
		if len(as) < accountPage {
			return ingot.Transfer{}, false, nil
		}
		after = as[len(as)-1].ID
	}
}

// replay applies a transfer to the replayed balances and checks the
// balances it recorded. The first problem is kept for after the log checks.
func (d *db) replay(t ingot.Transfer) {
	if d.replayErr != nil {
		return
	}
	fail := func(format string, args ...any) { d.replayErr = transferProblem(t, format, args...) }
	if t.Kind.Record() {
		d.replayRecord(t, fail)
		return
	}
	if t.Amount <= 0 {
		fail("amount %d is not positive", t.Amount)
		return
	}
	if t.Debit == t.Credit {
		fail("debits and credits the same account %d", t.Debit)
		return
	}
	dr, cr := d.acct(t.Debit, t), d.acct(t.Credit, t)
	for _, a := range []struct {
		id int64
		r  *acct
	}{{t.Debit, dr}, {t.Credit, cr}} {
		if a.r.currency != t.Currency {
			fail("moves %s, but account %d moved %s before (transfer %s)", t.Currency, a.id, a.r.currency, a.r.first.ID)
			return
		}
	}
	if dr.balance < -1<<63+t.Amount || cr.balance > 1<<63-1-t.Amount {
		fail("overflows a balance")
		return
	}
	dr.balance -= t.Amount
	cr.balance += t.Amount
	noteEarmarks(t, dr, cr) // earmark.go
	noteOffline(t, dr, cr)  // offline.go
	if dr.balance != t.DebitBalance {
		fail("its debit_balance is %d, but replaying the log from zero balances gives %d for the debited account %d", t.DebitBalance, dr.balance, t.Debit)
		return
	}
	if cr.balance != t.CreditBalance {
		fail("its credit_balance is %d, but replaying the log from zero balances gives %d for the credited account %d", t.CreditBalance, cr.balance, t.Credit)
		return
	}
	if t.Kind == ingot.KindCapture {
		if t.HoldID == "" {
			fail("is a capture without a hold id")
			return
		}
		if prev, ok := d.captures[t.HoldID]; ok {
			fail("captures hold %s, which transfer %s captured already", t.HoldID, prev.ID)
			return
		}
		if r, ok := d.refusals[t.HoldID]; ok {
			fail("captures hold %s, which transfer %s (%s) ended", t.HoldID, r.ID, r.Kind)
			return
		}
		d.captures[t.HoldID] = t
	}
}

// replayRecord checks a record (ingot.TransferKind.Record): a leaf that
// moved nothing, whose balances are those of the replay so far.
func (d *db) replayRecord(t ingot.Transfer, fail func(string, ...any)) {
	if t.Amount != 0 {
		fail("is a %s record, but moves %d", t.Kind, t.Amount)
		return
	}
	if t.Debit == t.Credit {
		fail("names the same account %d twice", t.Debit)
		return
	}
	dr, cr := d.acct(t.Debit, t), d.acct(t.Credit, t)
	if dr.currency != t.Currency || cr.currency != t.Currency {
		fail("is a record in %s, but its accounts moved %s and %s", t.Currency, dr.currency, cr.currency)
		return
	}
	if dr.balance != t.DebitBalance || cr.balance != t.CreditBalance {
		fail("is a record with balances %d and %d, but replaying the log gives %d and %d", t.DebitBalance, t.CreditBalance, dr.balance, cr.balance)
		return
	}
	if t.Kind.EndsHold() {
		if t.HoldID == "" {
			fail("is a %s record without a hold id", t.Kind)
			return
		}
		if prev, ok := d.refusals[t.HoldID]; ok {
			fail("ends hold %s, which transfer %s ended already", t.HoldID, prev.ID)
			return
		}
		if c, ok := d.captures[t.HoldID]; ok {
			fail("ends hold %s, which transfer %s captured", t.HoldID, c.ID)
			return
		}
		d.refusals[t.HoldID] = t
	}
}

func (d *db) acct(id int64, t ingot.Transfer) *acct {
	a := d.accts[id]
	if a == nil {
		a = &acct{currency: t.Currency, first: t}
		d.accts[id] = a
	}
	return a
}

// books compares the replayed balances with the stored accounts and holds.
func (d *db) books() error {
	held := make(map[int64]int64)
	heldBy := make(map[int64]string) // a pending hold of each wallet
	for after := ""; ; {
		hs, err := d.st.AllHolds(d.ctx, after, accountPage)
		if err != nil {
			return fmt.Errorf("read holds: %w", err)
		}
		for _, h := range hs {
			d.rep.Holds++
			bad := func(format string, args ...any) error { return problem("hold", h.ID, -1, format, args...) }
			if h.Amount <= 0 {
				return bad("amount %d is not positive", h.Amount)
			}
			c, captured := d.captures[h.ID]
			delete(d.captures, h.ID)
			if r, refused := d.refusals[h.ID]; refused {
				delete(d.refusals, h.ID)
				if h.Status == ingot.HoldPending || h.Status == ingot.HoldCaptured {
					return bad("is %s, but transfer %s (log index %d, %s) ended it", h.Status, r.ID, r.LogIndex, r.Kind)
				}
			}
			switch h.Status {
			case ingot.HoldPending:
				held[h.Wallet] += h.Amount
				heldBy[h.Wallet] = h.ID
			case ingot.HoldCaptured:
				if !captured {
					return bad("is captured (by transfer %q), but the log has no capture of it", h.TransferID)
				}
				if c.ID != h.TransferID || c.Amount != h.Captured {
					return bad("is captured by transfer %s for %d, but the log's capture of it is transfer %s for %d", h.TransferID, h.Captured, c.ID, c.Amount)
				}
				if c.Amount > h.Amount {
					return bad("captured %d of a hold of %d", c.Amount, h.Amount)
				}
			default:
				if captured {
					return bad("is %s, but transfer %s (log index %d) captured it", h.Status, c.ID, c.LogIndex)
				}
			}
		}
		if len(hs) < accountPage {
			break
		}
		after = hs[len(hs)-1].ID
	}
	if len(d.captures) > 0 {
		var first *ingot.Transfer
		for _, t := range d.captures {
			if first == nil || t.LogIndex < first.LogIndex {
				first = &t
			}
		}
		return transferProblem(*first, "captures hold %s, which does not exist", first.HoldID)
	}
	if len(d.refusals) > 0 {
		var first *ingot.Transfer
		for _, t := range d.refusals {
			if first == nil || t.LogIndex < first.LogIndex {
				first = &t
			}
		}
		return transferProblem(*first, "ends hold %s, which does not exist", first.HoldID)
	}

	sums := make(map[string]int64)
	for after := int64(-1 << 63); ; {
		as, err := d.st.AllAccounts(d.ctx, after, accountPage)
		if err != nil {
			return fmt.Errorf("read accounts: %w", err)
		}
		for _, a := range as {
			d.rep.Accounts++
			id := strconv.FormatInt(a.ID, 10)
			bad := func(format string, args ...any) error { return problem("account", id, -1, format, args...) }
			var want int64
			if r := d.accts[a.ID]; r != nil {
				if r.currency != a.Currency {
					return bad("holds %s, but transfer %s (log index %d) moved %s in it", a.Currency, r.first.ID, r.first.LogIndex, r.currency)
				}
				want = r.balance
			}
			if a.Balance != want {
				return bad("stored balance is %d, but replaying the log's transfers from zero balances gives %d (minor units of %s)", a.Balance, want, a.Currency)
			}
			if a.Held != held[a.ID] {
				return bad("held is %d, but its pending holds sum to %d", a.Held, held[a.ID])
			}
			if r := d.accts[a.ID]; r != nil {
				if err := checkEarmark(a, r, bad); err != nil { // earmark.go
					return err
				}
				if err := checkOffline(a, r, bad); err != nil { // offline.go
					return err
				}
			}
			if a.Balance < 0 && a.Kind != ingot.AccountIssuance {
				return bad("balance %d is negative, but only the issuance account may go negative", a.Balance)
			}
			sums[a.Currency] += a.Balance
			delete(d.accts, a.ID)
			delete(held, a.ID)
		}
		if len(as) < accountPage {
			break
		}
		after = as[len(as)-1].ID
	}
	if len(d.accts) > 0 {
		var first *ingot.Transfer
		var id int64
		for k, r := range d.accts {
			if first == nil || r.first.LogIndex < first.LogIndex {
				first, id = &r.first, k
			}
		}
		return problem("account", strconv.FormatInt(id, 10), -1, "does not exist, but transfer %s (log index %d) moves money of it", first.ID, first.LogIndex)
	}
	if len(held) > 0 {
		var w int64 = 1<<63 - 1
		for k := range held {
			w = min(w, k)
		}
		return problem("hold", heldBy[w], -1, "is pending on wallet %d, which does not exist", w)
	}
	curs := make([]string, 0, len(sums))
	for c := range sums {
		curs = append(curs, c)
	}
	sort.Strings(curs)
	for _, c := range curs {
		if sums[c] != 0 {
			return problem("currency", c, -1, "balances sum to %d, not zero: money was made or lost outside the log", sums[c])
		}
	}
	d.rep.Currencies = len(curs)
	return nil
}
