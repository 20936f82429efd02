package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/translog"
)

func migrations(t *testing.T, s *Store) *goose.Provider {
	t.Helper()
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.w.db, sub)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// latest is the version of the last embedded migration.
func latest(t *testing.T, p *goose.Provider) int64 {
	t.Helper()
	srcs := p.ListSources()
	if len(srcs) == 0 {
		t.Fatal("no migrations")
	}
	return srcs[len(srcs)-1].Version
}

// TestMigrateFrom5: a database that a build without 00006 migrated (and
// wrote to) migrates to the latest version with its data intact, and goes
// down to 5 and up again.
func TestMigrateFrom5(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ingot.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrations(t, s).UpTo(ctx, 5); err != nil {
		t.Fatalf("migrate to 5: %v", err)
	}
	// The issuance account and a reserve, as EnsureAccount made them.
	iss := ingot.Account{ID: 1_000_001, Kind: ingot.AccountIssuance, Currency: "CNY", Status: ingot.StatusActive,
		CreatedAt: time.Now()}
	res := ingot.Account{ID: 1_000_002, Kind: ingot.AccountReserve, OperatorID: "op", Currency: "CNY",
		Status: ingot.StatusActive, CreatedAt: time.Now()}
	insertOldAccount(t, s.w, iss)
	insertOldAccount(t, s.w, res)
	tr := ingot.Transfer{ID: "t1", Kind: ingot.KindMint, Debit: iss.ID, Credit: res.ID, Amount: 100, Currency: "CNY",
		DebitBalance: -100, CreditBalance: 100, CreatedAt: time.Now(), LogIndex: 0}
	leaf := tlog.RecordHash([]byte("t1"))
	cp := ingot.Checkpoint{Size: 1, Root: leaf, Note: []byte("note"), CreatedAt: time.Now()}
	iss.Balance, res.Balance = -100, 100
	insertOldTransfer(t, s, tr)
	tx, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	writeOldBalances(t, tx, iss, res)
	if err := tx.Write(ctx, &store.BatchWrite{
		LogHashes: []translog.StoredHash{{Index: 0, Hash: leaf}}, Checkpoint: &cp}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate from 5: %v", err)
	}
	p := migrations(t, s)
	if v, err := p.GetDBVersion(ctx); err != nil || v != latest(t, p) {
		t.Fatalf("version after Migrate = %d, %v; want %d", v, err, latest(t, p))
	}
	check := func(when string) {
		t.Helper()
		if b, _ := oldAccount(t, s, res.ID); b != 100 {
			t.Fatalf("%s: reserve balance = %d, want 100", when, b)
		}
		if hs, err := s.ReadHashes(ctx, []int64{0}); err != nil || hs[0] != leaf {
			t.Fatalf("%s: ReadHashes = %v, %v", when, hs, err)
		}
		if c, err := s.LatestCheckpoint(ctx); err != nil || c.Size != 1 || c.Root != leaf {
			t.Fatalf("%s: LatestCheckpoint = %+v, %v", when, c, err)
		}
		// This build reads transfers with the columns of the latest
		// migration; below it, the row is read as any version has it.
		if v, err := p.GetDBVersion(ctx); err != nil || v < latest(t, p) {
			if amount := oldTransferAmount(t, s, "t1"); amount != 100 {
				t.Fatalf("%s: transfer t1 amount = %d, want 100", when, amount)
			}
			return
		}
		if ts, err := s.LogTransfers(ctx, 0, 10); err != nil || len(ts) != 1 || ts[0].ID != "t1" {
			t.Fatalf("%s: LogTransfers = %v, %v", when, ts, err)
		}
		if a, err := s.Account(ctx, res.ID); err != nil || a.Balance != 100 || a.Risk != nil {
			t.Fatalf("%s: Account = %+v, %v; want balance 100, no risk", when, a, err)
		}
	}
	check("after Migrate")
	if _, err := p.DownTo(ctx, 5); err != nil {
		t.Fatalf("down to 5: %v", err)
	}
	check("after down to 5")
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	check("after up again")
}

// oldAccountCols are the accounts' columns that builds before 00012 wrote
// and read: those of accountCols before risk (and spending_rule, 00016).
// Every version from 5 has them.
var oldAccountCols = strings.TrimSuffix(accountCols, ", risk, spending_rule")

// insertOldAccount inserts an account as a build before 00012 did (at 5 or
// later), through q (the writer or a transaction).
func insertOldAccount(t *testing.T, q interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}, a ingot.Account) {
	t.Helper()
	if oldAccountCols == accountCols {
		t.Fatal("accountCols does not end with risk, spending_rule")
	}
	args := accountArgs(&a)[:accountParams-2]
	if _, err := q.ExecContext(context.Background(), `INSERT INTO accounts (`+oldAccountCols+`) VALUES (?`+
		strings.Repeat(", ?", len(args)-1)+`)`, args...); err != nil {
		t.Fatalf("insert account %d: %v", a.ID, err)
	}
}

// writeOldBalances writes accounts' balances in a batch, as a build before
// 00012 did (without risk).
func writeOldBalances(t *testing.T, tx store.BatchTx, accounts ...ingot.Account) {
	t.Helper()
	for _, a := range accounts {
		if _, err := tx.(*batchTx).tx.ExecContext(context.Background(), `UPDATE accounts SET balance = ?, held = ? WHERE id = ?`,
			a.Balance, a.Held, a.ID); err != nil {
			t.Fatalf("write account %d: %v", a.ID, err)
		}
	}
}

// oldAccount reads an account's balance and phone hash with a query that
// every version of the schema answers.
func oldAccount(t *testing.T, s *Store, id int64) (balance int64, phoneHash []byte) {
	t.Helper()
	if err := s.r.QueryRowContext(context.Background(), `SELECT balance, holder_phone_hash FROM accounts WHERE id = ?`, id).
		Scan(&balance, &phoneHash); err != nil {
		t.Fatalf("read account %d: %v", id, err)
	}
	return balance, phoneHash
}

// insertOldTransfer inserts a transfer as a build before 00008 wrote it
// (without the merchant columns, which this build's batches write).
func insertOldTransfer(t *testing.T, s *Store, tr ingot.Transfer) {
	t.Helper()
	if _, err := s.w.ExecContext(context.Background(), `INSERT INTO transfers (id, kind, debit, credit, amount, currency,
		memo, hold_id, debit_balance, credit_balance, created_at, log_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tr.ID, string(tr.Kind), tr.Debit, tr.Credit, tr.Amount, tr.Currency, tr.Memo, tr.HoldID,
		tr.DebitBalance, tr.CreditBalance, micros(tr.CreatedAt), tr.LogIndex); err != nil {
		t.Fatalf("insert transfer %s: %v", tr.ID, err)
	}
}

// oldTransferAmount reads a transfer's amount with a query that every
// version of the schema answers.
func oldTransferAmount(t *testing.T, s *Store, id string) int64 {
	t.Helper()
	var amount int64
	if err := s.r.QueryRowContext(context.Background(), `SELECT amount FROM transfers WHERE id = ?`, id).Scan(&amount); err != nil {
		t.Fatalf("read transfer %s: %v", id, err)
	}
	return amount
}

// TestMigrationNumbering: SQLite's migrations have the same numbers and
// names as PostgreSQL's, so that one number means one step in both stores.
func TestMigrationNumbering(t *testing.T) {
	names := func(dir fs.FS) []string {
		t.Helper()
		m, err := fs.Glob(dir, "*.sql")
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(m)
		return m
	}
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	lite, pg := names(sub), names(os.DirFS(filepath.Join("..", "postgres", "migrations")))
	if len(pg) == 0 || !slices.Equal(lite, pg) {
		t.Fatalf("sqlite migrations %v, postgres migrations %v; want the same", lite, pg)
	}
}
