// Package verifytest builds real ledger data for the tests of package
// verify and of `ingot verify` and `ingot audit`: a migrated store of a kind
// (internal/testdb), an engine with a log signer and the service over them,
// a realistic history (mint, top-ups, payments, a batch, holds with a
// capture and a void, a withdrawal, a burn, a refused review's record), and direct SQL edits of the
// database for tampering.
package verifytest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/mattn/go-sqlite3" // database/sql driver "sqlite3"
	"golang.org/x/mod/sumdb/note"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/translog"
)

// Origin is the log origin of the test signers.
const Origin = "ingot.test/log"

var (
	signerOnce sync.Once
	signer     *translog.Signer
	signerKey  string
)

// Signer is one signing key named Origin, shared by the tests of a process.
func Signer() *translog.Signer {
	signerOnce.Do(func() { signerKey, signer = NewKey(Origin) })
	return signer
}

// SignerKey is the private key of Signer, in note format (what
// INGOT_SIGNING_KEY and the key file hold).
func SignerKey() string {
	Signer()
	return signerKey
}

// NewSigner makes a new signing key named origin.
func NewSigner(origin string) *translog.Signer {
	_, s := NewKey(origin)
	return s
}

// NewKey makes a new signing key named origin and returns it in note
// format and as a signer.
func NewKey(origin string) (string, *translog.Signer) {
	skey, _, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		panic(err)
	}
	s, err := translog.NewSigner(skey)
	if err != nil {
		panic(err)
	}
	return skey, s
}

// Env is a real store with a running engine and the service over them.
type Env struct {
	T      testing.TB
	Kind   string
	DSN    string // what --db takes to open the same database
	St     store.Store
	Eng    *ledger.Engine
	Svc    *ledger.Service
	Auth   *auth.Service // authenticates the API's requests (no SMS sender)
	CB     ingot.Actor   // the central bank
	Signer *translog.Signer
	Ctx    context.Context

	// Filled by Populate.
	Op       ingot.Actor
	OpID     string
	Wallets  []int64  // wallet account ids
	Reserve  int64    // the operator's CNY reserve
	Issuance int64    // the CNY issuance account
	IDs      []string // transfer ids, by log index
	// RefusalHold is the hold of a review refused, whose record is the
	// last leaf.
	RefusalHold string
	stopped     bool
}

// New opens a new database of kind and starts an engine signing with s
// (nil: Signer()). maxBatch 1 makes one checkpoint per transfer command.
func New(t testing.TB, kind string, s *translog.Signer, maxBatch int) *Env {
	t.Helper()
	if s == nil {
		s = Signer()
	}
	st, dsn := testdb.OpenURL(t, kind)
	e := &Env{T: t, Kind: kind, DSN: dsn, St: st, Signer: s, Ctx: context.Background()}
	e.Eng = ledger.NewEngine(st, ledger.Options{MaxBatch: maxBatch, Signer: s})
	t.Cleanup(e.Stop)
	dataKey, err := pii.ParseKey(pii.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	e.Svc = ledger.NewService(st, e.Eng, nil).WithPII(dataKey)
	if e.Auth, err = auth.New(st.(auth.Store), auth.Options{PII: dataKey, Sender: auth.NoSender{}}); err != nil {
		t.Fatal(err)
	}
	admin := "test-admin-key-" + t.Name()
	if _, err := e.Svc.Bootstrap(e.Ctx, admin); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	cb, err := keyActor(e.Ctx, st, admin)
	if err != nil {
		t.Fatalf("the central bank's key: %v", err)
	}
	e.CB = cb
	return e
}

// Stop closes the engine (the store stays open until the test ends).
func (e *Env) Stop() {
	if !e.stopped {
		e.stopped = true
		e.Eng.Close()
	}
}

// Build is New and Populate, with the engine stopped afterwards: a database
// ready to be verified and tampered with.
func Build(t testing.TB, kind string) *Env {
	t.Helper()
	e := New(t, kind, nil, 0)
	e.Populate()
	e.Stop()
	return e
}

func (e *Env) must(what string, err error) {
	e.T.Helper()
	if err != nil {
		e.T.Fatalf("%s: %v", what, err)
	}
}

// Populate makes a history of about 20 transfers of every kind, with
// several checkpoints, and records the transfer ids in log order.
func (e *Env) Populate() {
	e.T.Helper()
	ctx := e.Ctx
	res, err := e.Svc.CreateOperator(ctx, e.CB, "Bank of Tests", fmt.Sprintf("T%d", time.Now().UnixNano()%1e6), nil)
	e.must("create operator", err)
	e.OpID = res.Operator.ID
	e.Op, err = keyActor(ctx, e.St, res.APIKey)
	e.must("the operator's key", err)

	_, err = e.Svc.Issue(ctx, e.CB, false, e.OpID, "1000.00", "CNY", nil)
	e.must("mint", err)
	_, err = e.Svc.Issue(ctx, e.CB, false, e.OpID, "50.00", "USD", nil)
	e.must("mint USD", err)
	var ws []string
	for i, topup := range []string{"300.00", "200.00", "100.00", "0"} {
		r, err := e.Svc.CreateWallet(ctx, e.Op, ingot.Holder{Name: fmt.Sprintf("Holder %d", i), Phone: "13812345678"}, "CNY", ingot.WalletPersonal, nil)
		e.must("create wallet", err)
		id := ingot.FormatWalletID(r.Account.ID)
		e.Wallets = append(e.Wallets, r.Account.ID)
		ws = append(ws, id)
		if topup != "0" {
			_, err = e.Svc.Fund(ctx, e.Op, id, topup, false, nil)
			e.must("top up", err)
		}
	}
	for i, amt := range []string{"12.30", "7.01", "0.99"} {
		_, err = e.Svc.Pay(ctx, e.Op, ledger.PayRequest{From: ws[i%3], To: ws[(i+1)%3], Amount: amt, Currency: "CNY", Memo: fmt.Sprintf("payment %d", i)}, nil)
		e.must("pay", err)
	}
	_, err = e.Svc.PayBatch(ctx, e.Op, []ledger.PayRequest{
		{From: ws[0], To: ws[3], Amount: "1.00", Currency: "CNY", Memo: "batch 1"},
		{From: ws[1], To: ws[3], Amount: "2.00", Currency: "CNY"},
		{From: ws[2], To: ws[0], Amount: "3.00", Currency: "CNY", Memo: "batch 3"},
	}, true, nil)
	e.must("batch", err)
	h1, err := e.Svc.PlaceHold(ctx, e.Op, ws[0], "40.00", time.Now().Add(time.Hour), nil)
	e.must("hold 1", err)
	_, err = e.Svc.CaptureHold(ctx, e.Op, h1.ID, ledger.CaptureRequest{To: ws[1], Amount: "25.00"}, nil)
	e.must("capture", err)
	h2, err := e.Svc.PlaceHold(ctx, e.Op, ws[1], "10.00", time.Now().Add(time.Hour), nil)
	e.must("hold 2", err)
	_, err = e.Svc.VoidHold(ctx, e.Op, h2.ID, nil)
	e.must("void", err)
	// A pending hold stays: wallet 2 has held > 0.
	_, err = e.Svc.PlaceHold(ctx, e.Op, ws[2], "5.00", time.Now().Add(time.Hour), nil)
	e.must("hold 3", err)
	_, err = e.Svc.Fund(ctx, e.Op, ws[1], "20.00", true, nil)
	e.must("withdraw", err)
	_, err = e.Svc.Issue(ctx, e.CB, true, e.OpID, "100.00", "CNY", nil)
	e.must("burn", err)
	_, err = e.Svc.Pay(ctx, e.Op, ledger.PayRequest{From: ws[3], To: ws[0], Amount: "0.50", Currency: "CNY"}, nil)
	e.must("pay", err)
	// A payment a review rule holds, then refused: a record leaf (amount 0).
	_, err = e.Svc.CreateRiskRule(ctx, e.Op, ledger.RiskRuleIn{Name: "review 4.44", Expression: "amount == 444", Action: "review", Severity: "low"}, nil)
	e.must("review rule", err)
	_, err = e.Svc.Pay(ctx, e.Op, ledger.PayRequest{From: ws[0], To: ws[1], Amount: "4.44", Currency: "CNY"}, nil)
	var ir *ledger.InReview
	if !errors.As(err, &ir) {
		e.T.Fatalf("a payment the review rule matches: %v; want in review", err)
	}
	_, err = e.Svc.RefuseReview(ctx, e.Op, ir.ReviewID, nil)
	e.must("refuse the review", err)
	e.RefusalHold = ir.HoldID

	e.IDs = e.IDs[:0]
	for from := int64(0); ; {
		ts, err := e.St.LogTransfers(ctx, from, 1000)
		e.must("log transfers", err)
		for _, t := range ts {
			e.IDs = append(e.IDs, t.ID)
			if t.Kind == ingot.KindMint && t.Currency == "CNY" {
				e.Issuance, e.Reserve = t.Debit, t.Credit
			}
		}
		if len(ts) < 1000 {
			break
		}
		from += 1000
	}
}

// Transfer reads the transfer at a log index.
func (e *Env) Transfer(logIndex int64) ingot.Transfer {
	e.T.Helper()
	ts, err := e.St.LogTransfers(e.Ctx, logIndex, 1)
	if err != nil || len(ts) != 1 || ts[0].LogIndex != logIndex {
		e.T.Fatalf("transfer at log index %d: %v %v", logIndex, ts, err)
	}
	return ts[0]
}

// Exec runs a statement on the database directly, bypassing the store:
// sqliteQuery (with ? parameters) on a SQLite file, pgQuery (with $n) on
// PostgreSQL; pgQuery "" means the same text as sqliteQuery.
func (e *Env) Exec(sqliteQuery, pgQuery string, args ...any) {
	e.T.Helper()
	if err := Exec(e.Kind, e.DSN, sqliteQuery, pgQuery, args...); err != nil {
		e.T.Fatalf("tamper: %v", err)
	}
}

// Exec is Env.Exec on a database named by its --db value.
func Exec(kind, dsn, sqliteQuery, pgQuery string, args ...any) error {
	if pgQuery == "" {
		pgQuery = sqliteQuery
	}
	ctx := context.Background()
	switch kind {
	case "sqlite":
		db, err := sql.Open("sqlite3", "file:"+dsn+"?_busy_timeout=5000")
		if err != nil {
			return err
		}
		defer db.Close()
		res, err := db.ExecContext(ctx, sqliteQuery, args...)
		if err != nil {
			return fmt.Errorf("%s: %w", sqliteQuery, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%s: no row changed", sqliteQuery)
		}
		return nil
	case "postgres":
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		tag, err := conn.Exec(ctx, pgQuery, args...)
		if err != nil {
			return fmt.Errorf("%s: %w", pgQuery, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%s: no row changed", pgQuery)
		}
		return nil
	}
	return fmt.Errorf("unknown store kind %q", kind)
}

// keyActor is the actor of an API key secret, as auth.Service.Authenticate
// makes it.
func keyActor(ctx context.Context, st store.Store, secret string) (ingot.Actor, error) {
	k, err := st.APIKeyByHash(ctx, ledger.HashSecret(secret))
	if err != nil {
		return ingot.Actor{}, err
	}
	return ingot.Actor{KeyID: k.ID, Role: k.Role, OperatorID: k.OperatorID, Scopes: k.Scopes}, nil
}
