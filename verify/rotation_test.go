package verify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/translog"
	"github.com/ingot-cbdc/ingot/verify"
	"github.com/ingot-cbdc/ingot/verify/verifytest"
)

// rotated builds a log signed by key a, then rotated to key b by a
// process holding a as its previous key (one checkpoint per payment), and
// returns it with the keys and the size of the announcement.
func rotated(t *testing.T, kind string) (e *verifytest.Env, a, b *translog.Signer, skeyA string, since int64) {
	t.Helper()
	skeyA, a = verifytest.NewKey(verifytest.Origin)
	_, b = verifytest.NewKey(verifytest.Origin)
	e = verifytest.New(t, kind, a, 1)
	e.Populate()
	e.Stop()
	latest := func() ([]byte, error) {
		c, err := e.St.LatestCheckpoint(context.Background())
		return c.Note, err
	}
	rb, err := b.WithRotation(a, nil, latest)
	if err != nil {
		t.Fatal(err)
	}
	cp, _ := latest()
	if err := rb.Resume(cp); err != nil {
		t.Fatal(err)
	}
	eng := ledger.NewEngine(e.St, ledger.Options{MaxBatch: 1, Signer: rb})
	defer eng.Close()
	svc := ledger.NewService(e.St, eng, nil)
	for i := range 3 {
		if _, err := svc.Pay(e.Ctx, e.Op, ledger.PayRequest{From: ingot.FormatWalletID(e.Wallets[0]), To: ingot.FormatWalletID(e.Wallets[1]),
			Amount: "0.01", Currency: "CNY", Memo: fmt.Sprint("after ", i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	return e, a, b, skeyA, rb.Epoch().Since
}

func TestVerifyRotatedLog(t *testing.T) {
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e, a, b, skeyA, since := rotated(t, kind)
			ctx := context.Background()
			want := []translog.Epoch{{Since: 0, Key: a.VerifierKey()}, {Since: since, Key: b.VerifierKey()}}
			for _, trusted := range [][]string{{b.VerifierKey()}, {a.VerifierKey()}, {verifytest.Signer().VerifierKey(), b.VerifierKey()}} {
				rep, err := verify.DatabaseTrusting(ctx, e.St, "", trusted...)
				if err != nil || fmt.Sprint(rep.Keys) != fmt.Sprint(want) || rep.TreeSize != since+2 {
					t.Fatalf("verify trusting %d keys: %+v, %v; want keys %v", len(trusted), rep, err, want)
				}
			}
			if _, err := verify.Database(ctx, e.St, a.VerifierKey(), verifytest.Origin); err != nil {
				t.Fatalf("verify trusting the first key: %v", err)
			}
			var p *verify.Problem
			if _, err := verify.Database(ctx, e.St, verifytest.Signer().VerifierKey(), ""); !errors.As(err, &p) || !strings.Contains(p.Reason, "none of them is the trusted key") {
				t.Fatalf("verify trusting another key: %v", err)
			}

			// The old key signs a checkpoint after the rotation.
			c, err := e.St.Checkpoint(ctx, since+1)
			if err != nil {
				t.Fatal(err)
			}
			text, _, _ := strings.Cut(string(c.Note), "\n\n")
			signerA, _ := note.NewSigner(skeyA)
			forged, err := note.Sign(&note.Note{Text: text + "\n"}, signerA)
			if err != nil {
				t.Fatal(err)
			}
			e.Exec(`UPDATE checkpoints SET note = ? WHERE size = ?`, `UPDATE checkpoints SET note = $1 WHERE size = $2`, forged, since+1)
			_, err = verify.Database(ctx, e.St, b.VerifierKey(), "")
			if !errors.As(err, &p) || p.Kind != "checkpoint" || p.ID != fmt.Sprint(since+1) || !strings.Contains(p.Reason, "does not verify with the log's key of its epoch") {
				t.Fatalf("a checkpoint of the old key after the rotation: %v", err)
			}
			e.Exec(`UPDATE checkpoints SET note = ? WHERE size = ?`, `UPDATE checkpoints SET note = $1 WHERE size = $2`, c.Note, since+1)

			// The announcement is gone.
			e.Exec(`DELETE FROM checkpoints WHERE size = ?`, `DELETE FROM checkpoints WHERE size = $1`, since)
			_, err = verify.Database(ctx, e.St, b.VerifierKey(), "")
			if !errors.As(err, &p) || !strings.Contains(p.Reason, "cannot be followed back") {
				t.Fatalf("the announcement deleted: %v", err)
			}
		})
	}
}
