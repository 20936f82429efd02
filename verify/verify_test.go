package verify_test

import (
	"context"
	"crypto/rand"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/translog"
	"github.com/ingot-cbdc/ingot/verify"
	"github.com/ingot-cbdc/ingot/verify/verifytest"
)

func run(e *verifytest.Env) (verify.Report, error) {
	return verify.Database(context.Background(), e.St, e.Signer.VerifierKey(), verifytest.Origin)
}

func checkpoints(t *testing.T, st store.Store) []ingot.Checkpoint {
	t.Helper()
	cs, err := st.Checkpoints(context.Background(), -1, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestVerifyClean(t *testing.T) {
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := verifytest.Build(t, kind)
			rep, err := run(e)
			if err != nil {
				t.Fatalf("verify a clean database: %v", err)
			}
			cs := checkpoints(t, e.St)
			latest := cs[len(cs)-1]
			n := int64(len(e.IDs))
			if rep.Transfers != n || rep.TreeSize != n || latest.Size != n || rep.Root != latest.Root {
				t.Errorf("report %+v; %d transfers, latest checkpoint %d %s", rep, n, latest.Size, latest.Root)
			}
			if rep.Checkpoints != int64(len(cs)) || rep.Hashes != tlog.StoredHashCount(n) || rep.Accounts < 7 || rep.Holds != 4 || rep.Currencies != 2 {
				t.Errorf("report %+v; %d checkpoints", rep, len(cs))
			}
			if n < 15 || len(cs) < 10 {
				t.Errorf("the fixture has %d transfers and %d checkpoints; want a longer history", n, len(cs))
			}
			// The origin defaults to the key's name.
			if _, err := verify.Database(context.Background(), e.St, e.Signer.VerifierKey(), ""); err != nil {
				t.Errorf("empty origin: %v", err)
			}
			// Another key, or another origin, is not the log's.
			other := verifytest.NewSigner(verifytest.Origin)
			if _, err := verify.Database(context.Background(), e.St, other.VerifierKey(), ""); err == nil || !strings.Contains(err.Error(), "does not verify") {
				t.Errorf("another key: %v", err)
			}
			if _, err := verify.Database(context.Background(), e.St, e.Signer.VerifierKey(), "other.test/log"); err == nil {
				t.Error("another origin: no error")
			}
			if _, err := verify.Database(context.Background(), e.St, "not a key", ""); err == nil {
				t.Error("a malformed key: no error")
			}
		})
	}
}

func TestVerifySmallPages(t *testing.T) {
	restore := verify.SetPages(3, 2, 2, 5)
	defer restore()
	e := verifytest.Build(t, "sqlite")
	if _, err := run(e); err != nil {
		t.Fatalf("verify with small pages: %v", err)
	}
	// A change is still found, and named.
	id := e.IDs[9]
	e.Exec("UPDATE transfers SET amount = amount + 1 WHERE id = ?", "", id)
	_, err := run(e)
	var p *verify.Problem
	if !errors.As(err, &p) || p.Kind != "transfer" || p.ID != id || p.LogIndex != 9 {
		t.Fatalf("changed amount with small pages: %v", err)
	}
}

func TestVerifyEmpty(t *testing.T) {
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			st := testdb.Open(t, kind)
			rep, err := verify.Database(context.Background(), st, verifytest.Signer().VerifierKey(), "")
			if err != nil || rep.Transfers != 0 || rep.Checkpoints != 0 {
				t.Fatalf("empty database: %+v %v", rep, err)
			}
		})
	}
}

// want is the problem a tampering must produce.
type want struct {
	kind     string
	id       string // "" : any
	logIndex int64  // checked for transfers
	reason   string // a substring of the reason
}

// tamperCase edits the database of a fresh fixture and returns the problem
// verify must report.
type tamperCase struct {
	name   string
	tamper func(t *testing.T, e *verifytest.Env) want
}

const target = 5 // log index of the transfer tampered with: a payment

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func randomHash() []byte {
	var h [32]byte
	_, _ = rand.Read(h[:])
	return h[:]
}

// middle is a checkpoint in the middle of the log.
func middle(t *testing.T, e *verifytest.Env) ingot.Checkpoint {
	cs := checkpoints(t, e.St)
	return cs[len(cs)/2]
}

const insertCopy = `INSERT INTO transfers (id, kind, debit, credit, amount, currency, memo, hold_id, debit_balance, credit_balance, created_at, log_index)
SELECT ?, kind, debit, credit, amount, currency, memo, hold_id, debit_balance, credit_balance, created_at, ? FROM transfers WHERE log_index = ?`

const insertCopyPG = `INSERT INTO transfers (id, kind, debit, credit, amount, currency, memo, hold_id, debit_balance, credit_balance, created_at, log_index)
SELECT $1, kind, debit, credit, amount, currency, memo, hold_id, debit_balance, credit_balance, created_at, $2 FROM transfers WHERE log_index = $3`

var tamperCases = []tamperCase{
	{"amount", func(t *testing.T, e *verifytest.Env) want {
		e.Exec("UPDATE transfers SET amount = amount + 1 WHERE id = ?", "UPDATE transfers SET amount = amount + 1 WHERE id = $1", e.IDs[target])
		return want{"transfer", e.IDs[target], target, "not the transfer that was logged"}
	}},
	{"debit account", func(t *testing.T, e *verifytest.Env) want {
		e.Exec("UPDATE transfers SET debit = ? WHERE id = ?", "UPDATE transfers SET debit = $1 WHERE id = $2", e.Wallets[3], e.IDs[target])
		return want{"transfer", e.IDs[target], target, "not the transfer that was logged"}
	}},
	{"credit account", func(t *testing.T, e *verifytest.Env) want {
		e.Exec("UPDATE transfers SET credit = ? WHERE id = ?", "UPDATE transfers SET credit = $1 WHERE id = $2", e.Wallets[3], e.IDs[target])
		return want{"transfer", e.IDs[target], target, "not the transfer that was logged"}
	}},
	{"created_at", func(t *testing.T, e *verifytest.Env) want {
		e.Exec("UPDATE transfers SET created_at = created_at + 1000000 WHERE id = ?",
			"UPDATE transfers SET created_at = created_at + interval '1 second' WHERE id = $1", e.IDs[target])
		return want{"transfer", e.IDs[target], target, "not the transfer that was logged"}
	}},
	{"memo", func(t *testing.T, e *verifytest.Env) want {
		e.Exec("UPDATE transfers SET memo = 'rent' WHERE id = ?", "UPDATE transfers SET memo = 'rent' WHERE id = $1", e.IDs[target])
		return want{"transfer", e.IDs[target], target, "not the transfer that was logged"}
	}},
	{"refused review's hold captured", func(t *testing.T, e *verifytest.Env) want {
		e.Exec("UPDATE holds SET status = 'captured' WHERE id = ?", "UPDATE holds SET status = 'captured' WHERE id = $1", e.RefusalHold)
		return want{"hold", e.RefusalHold, -1, "review_refusal) ended it"}
	}},
	{"refused review's hold pending", func(t *testing.T, e *verifytest.Env) want {
		e.Exec("UPDATE holds SET status = 'pending' WHERE id = ?", "UPDATE holds SET status = 'pending' WHERE id = $1", e.RefusalHold)
		return want{"hold", e.RefusalHold, -1, "review_refusal) ended it"}
	}},
	{"refusal record moving money", func(t *testing.T, e *verifytest.Env) want {
		n := len(e.IDs) - 1
		e.Exec("UPDATE transfers SET amount = 444 WHERE id = ?", "UPDATE transfers SET amount = 444 WHERE id = $1", e.IDs[n])
		return want{"transfer", e.IDs[n], int64(n), "not the transfer that was logged"}
	}},
	{"delete", func(t *testing.T, e *verifytest.Env) want {
		e.Exec("DELETE FROM transfers WHERE id = ?", "DELETE FROM transfers WHERE id = $1", e.IDs[target])
		return want{"log", "", -1, "log index 5 is missing"}
	}},
	{"delete the last", func(t *testing.T, e *verifytest.Env) want {
		n := len(e.IDs)
		e.Exec("DELETE FROM transfers WHERE id = ?", "DELETE FROM transfers WHERE id = $1", e.IDs[n-1])
		return want{"checkpoint", strconv.Itoa(n), -1, "missing"}
	}},
	{"insert without log index", func(t *testing.T, e *verifytest.Env) want {
		id := newID()
		e.Exec(insertCopy, insertCopyPG, id, -1, target)
		return want{"transfer", id, -1, "has no log index"}
	}},
	{"insert with the next log index", func(t *testing.T, e *verifytest.Env) want {
		id, n := newID(), int64(len(e.IDs))
		e.Exec(insertCopy, insertCopyPG, id, n, target)
		return want{"transfer", id, n, "no signed checkpoint covers it"}
	}},
	{"insert with a far log index", func(t *testing.T, e *verifytest.Env) want {
		id, n := newID(), int64(len(e.IDs))+10
		e.Exec(insertCopy, insertCopyPG, id, n, target)
		return want{"transfer", id, n, "no signed checkpoint covers it"}
	}},
	{"swap", func(t *testing.T, e *verifytest.Env) want {
		// The unique index covers log_index >= 0 only: park one at -2.
		e.Exec("UPDATE transfers SET log_index = -2 WHERE log_index = ?", "UPDATE transfers SET log_index = -2 WHERE log_index = $1", target)
		e.Exec("UPDATE transfers SET log_index = ? WHERE log_index = ?", "UPDATE transfers SET log_index = $1 WHERE log_index = $2", target, 12)
		e.Exec("UPDATE transfers SET log_index = ? WHERE log_index = -2", "UPDATE transfers SET log_index = $1 WHERE log_index = -2", 12)
		return want{"transfer", e.IDs[12], target, "not the transfer that was logged"}
	}},
	{"balance after", func(t *testing.T, e *verifytest.Env) want {
		e.Exec("UPDATE transfers SET debit_balance = debit_balance + 1 WHERE id = ?", "UPDATE transfers SET debit_balance = debit_balance + 1 WHERE id = $1", e.IDs[target])
		return want{"transfer", e.IDs[target], target, "debit_balance"}
	}},
	{"balance", func(t *testing.T, e *verifytest.Env) want {
		w := e.Wallets[1]
		e.Exec("UPDATE accounts SET balance = balance + 100 WHERE id = ?", "UPDATE accounts SET balance = balance + 100 WHERE id = $1", w)
		return want{"account", strconv.FormatInt(w, 10), -1, "stored balance"}
	}},
	{"balanced edit of two balances", func(t *testing.T, e *verifytest.Env) want {
		// Money moved without a transfer: the books still sum to zero.
		from, to := e.Wallets[0], e.Wallets[3]
		e.Exec("UPDATE accounts SET balance = balance - 100 WHERE id = ?", "UPDATE accounts SET balance = balance - 100 WHERE id = $1", from)
		e.Exec("UPDATE accounts SET balance = balance + 100 WHERE id = ?", "UPDATE accounts SET balance = balance + 100 WHERE id = $1", to)
		return want{"account", strconv.FormatInt(min(from, to), 10), -1, "stored balance"}
	}},
	{"reserve balance", func(t *testing.T, e *verifytest.Env) want {
		e.Exec("UPDATE accounts SET balance = balance - 1 WHERE id = ?", "UPDATE accounts SET balance = balance - 1 WHERE id = $1", e.Reserve)
		return want{"account", strconv.FormatInt(e.Reserve, 10), -1, "stored balance"}
	}},
	{"held", func(t *testing.T, e *verifytest.Env) want {
		w := e.Wallets[2]
		e.Exec("UPDATE accounts SET held = held + 5 WHERE id = ?", "UPDATE accounts SET held = held + 5 WHERE id = $1", w)
		return want{"account", strconv.FormatInt(w, 10), -1, "held"}
	}},
	{"checkpoint signed by another key", func(t *testing.T, e *verifytest.Env) want {
		c := middle(t, e)
		other := verifytest.NewSigner(verifytest.Origin)
		msg, err := translog.SignCheckpoint(other, verifytest.Origin, tlog.Tree{N: c.Size, Hash: c.Root})
		if err != nil {
			t.Fatal(err)
		}
		e.Exec("UPDATE checkpoints SET note = ? WHERE size = ?", "UPDATE checkpoints SET note = $1 WHERE size = $2", msg, c.Size)
		return want{"checkpoint", strconv.FormatInt(c.Size, 10), -1, "does not verify with the log's key"}
	}},
	{"checkpoint root", func(t *testing.T, e *verifytest.Env) want {
		c := middle(t, e)
		e.Exec("UPDATE checkpoints SET root = ? WHERE size = ?", "UPDATE checkpoints SET root = $1 WHERE size = $2", randomHash(), c.Size)
		return want{"checkpoint", strconv.FormatInt(c.Size, 10), -1, "stored root"}
	}},
	{"checkpoint size", func(t *testing.T, e *verifytest.Env) want {
		c := middle(t, e)
		e.Exec("UPDATE checkpoints SET size = size + 100000 WHERE size = ?", "UPDATE checkpoints SET size = size + 100000 WHERE size = $1", c.Size)
		return want{"checkpoint", strconv.FormatInt(c.Size+100000, 10), -1, "signed note says size " + strconv.FormatInt(c.Size, 10)}
	}},
	{"latest checkpoint size", func(t *testing.T, e *verifytest.Env) want {
		n := int64(len(e.IDs))
		e.Exec("UPDATE checkpoints SET size = size + 1 WHERE size = ?", "UPDATE checkpoints SET size = size + 1 WHERE size = $1", n)
		return want{"checkpoint", strconv.FormatInt(n+1, 10), -1, "signed note says size " + strconv.FormatInt(n, 10)}
	}},
	{"checkpoint signed with the log's key over another root", func(t *testing.T, e *verifytest.Env) want {
		// A stolen key: the note verifies, but not against the transfers.
		c := middle(t, e)
		forged := tlog.Tree{N: c.Size, Hash: tlog.Hash(randomHash())}
		msg, err := translog.SignCheckpoint(e.Signer, verifytest.Origin, forged)
		if err != nil {
			t.Fatal(err)
		}
		e.Exec("UPDATE checkpoints SET note = ?, root = ? WHERE size = ?", "UPDATE checkpoints SET note = $1, root = $2 WHERE size = $3", msg, forged.Hash[:], c.Size)
		return want{"checkpoint", strconv.FormatInt(c.Size, 10), -1, "rebuilt from the stored transfers"}
	}},
	{"leaf hash", func(t *testing.T, e *verifytest.Env) want {
		idx := tlog.StoredHashIndex(0, target)
		e.Exec("UPDATE log_hashes SET hash = ? WHERE idx = ?", pgSetHash, randomHash(), idx)
		return want{"log hash", strconv.FormatInt(idx, 10), -1, "the stored hash was changed"}
	}},
	{"interior hash", func(t *testing.T, e *verifytest.Env) want {
		idx := tlog.StoredHashIndex(2, 1) // leaves 4 to 7
		e.Exec("UPDATE log_hashes SET hash = ? WHERE idx = ?", pgSetHash, randomHash(), idx)
		return want{"log hash", strconv.FormatInt(idx, 10), -1, "the stored hash was changed"}
	}},
	{"deleted hash", func(t *testing.T, e *verifytest.Env) want {
		idx := tlog.StoredHashIndex(1, 3)
		e.Exec("DELETE FROM log_hashes WHERE idx = ?", pgCutHash, idx)
		return want{"log hash", strconv.FormatInt(idx, 10), -1, "missing"}
	}},
	{"transfer and its hashes rewritten", func(t *testing.T, e *verifytest.Env) want {
		// Whoever rewrites the stored hashes too still fails the signed
		// checkpoints.
		e.Exec("UPDATE transfers SET amount = amount + 1 WHERE id = ?", "UPDATE transfers SET amount = amount + 1 WHERE id = $1", e.IDs[target])
		var b translog.Builder
		for i := range e.IDs {
			b.Add(translog.LeafBytes(e.Transfer(int64(i))))
		}
		for x := int64(0); x < b.StoredHashCount(); x++ {
			h, _ := b.Hash(x)
			e.Exec("UPDATE log_hashes SET hash = ? WHERE idx = ?", pgSetHash, h[:], x)
		}
		c := checkpoints(t, e.St)
		var first int64
		for _, cp := range c {
			if cp.Size > target {
				first = cp.Size
				break
			}
		}
		return want{"checkpoint", strconv.FormatInt(first, 10), -1, "rebuilt from the stored transfers"}
	}},
	{"captured hold", func(t *testing.T, e *verifytest.Env) want {
		var id string
		hs, err := e.St.AllHolds(context.Background(), "", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			if h.Status == "captured" {
				id = h.ID
			}
		}
		e.Exec("UPDATE holds SET captured = captured + 1 WHERE id = ?", "UPDATE holds SET captured = captured + 1 WHERE id = $1", id)
		return want{"hold", id, -1, "captured by transfer"}
	}},
}

func TestVerifyTampering(t *testing.T) {
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) {
			for _, tc := range tamperCases {
				t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
					t.Parallel()
					e := verifytest.Build(t, kind)
					if _, err := run(e); err != nil {
						t.Fatalf("before tampering: %v", err)
					}
					w := tc.tamper(t, e)
					rep, err := run(e)
					var p *verify.Problem
					if !errors.As(err, &p) {
						t.Fatalf("after tampering: report %+v, error %v; want a problem of a %s", rep, err, w.kind)
					}
					t.Logf("%s: %v", kind, err)
					if p.Kind != w.kind || (w.id != "" && p.ID != w.id) || (w.kind == "transfer" && p.LogIndex != w.logIndex) || !strings.Contains(p.Reason, w.reason) {
						t.Fatalf("got %v (kind %q, id %q, log index %d)\nwant a %s %q (log index %d) because %q", err, p.Kind, p.ID, p.LogIndex, w.kind, w.id, w.logIndex, w.reason)
					}
					if !strings.Contains(err.Error(), p.ID) {
						t.Errorf("the message %q does not name %q", err, p.ID)
					}
				})
			}
		})
	}
}

// PostgreSQL keeps the log's stored hashes in blocks (one row per batch):
// these edit the hash at an index ($2, resp. $1) in its block.
const (
	pgSetHash = `UPDATE log_hash_blocks SET hashes = overlay(hashes placing $1 from (($2 - start) * 32 + 1)::int for 32)
		WHERE start = (SELECT max(start) FROM log_hash_blocks WHERE start <= $2)`
	// pgCutHash removes the hash at $1 (and the rest of its block).
	pgCutHash = `UPDATE log_hash_blocks SET hashes = substring(hashes from 1 for (($1 - start) * 32)::int)
		WHERE start = (SELECT max(start) FROM log_hash_blocks WHERE start <= $1)`
)
