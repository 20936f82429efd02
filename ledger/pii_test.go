package ledger_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
)

// TestNoPIIAtRest opens a wallet with a distinctive name, phone and ID
// number, uses it, and then searches the whole database (SQLite's files
// byte by byte; every PostgreSQL table as text) for them in clear.
func TestNoPIIAtRest(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		st, dsn := testdb.OpenURL(t, kind)
		e := newEnvOn(t, st, 0)
		a, aID := e.operator("BANKA")
		e.mint(aID, "1000.00", "CNY")
		const name, phone, idNumber = "Zhou Xiaoming", "139 1234 8765", "110101199003077777"
		res, err := e.svc.CreateWallet(e.ctx, a, ingot.Holder{Name: name, Phone: phone}, "CNY", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		w := ingot.FormatWalletID(res.Account.ID)
		if _, err := e.svc.Upgrade(e.ctx, a, w, ledger.UpgradeRequest{Tier: 3, IDNumber: idNumber, IDVerified: true}, idem(a.KeyID, "up", "up")); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Fund(e.ctx, a, w, "10.00", false, nil); err != nil {
			t.Fatal(err)
		}
		// The service still finds it by phone, in any spelling, and opens it.
		found, err := e.svc.WalletsByPhone(e.ctx, a, "+86 139-1234-8765")
		if err != nil || len(found) != 1 || found[0].ID != res.Account.ID {
			t.Fatalf("by phone: %v %+v", err, found)
		}
		if err := e.svc.Reveal(&found[0]); err != nil || found[0].Holder.Name != name || found[0].Holder.IDNumber != idNumber || found[0].Holder.Phone != "+8613912348765" {
			t.Fatalf("revealed holder %+v, %v", found[0].Holder, err)
		}
		secrets := []string{"Zhou", "Xiaoming", "13912348765", "1234 8765", idNumber, "19900307"}
		var dump []byte
		switch kind {
		case "sqlite":
			for _, f := range []string{dsn, dsn + "-wal"} {
				b, err := os.ReadFile(f)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				dump = append(dump, b...)
			}
		case "postgres":
			dump = dumpPostgres(t, dsn)
		}
		if len(dump) < 1000 {
			t.Fatalf("dumped only %d bytes", len(dump))
		}
		// The search can fail: clear text that is stored is found.
		if !bytes.Contains(dump, []byte("Bank BANKA")) {
			t.Fatalf("the dump does not even hold the operator's name")
		}
		for _, s := range secrets {
			if bytes.Contains(dump, []byte(s)) {
				t.Errorf("%q is stored in clear", s)
			}
		}
	})
}

// dumpPostgres returns every row of every table of a database as text.
func dumpPostgres(t *testing.T, dsn string) []byte {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, tb := range tables {
		rows, err := conn.Query(ctx, `SELECT t::text FROM `+pgx.Identifier{tb}.Sanitize()+` t`)
		if err != nil {
			t.Fatal(err)
		}
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range texts {
			out = append(out, s...)
			out = append(out, '\n')
		}
	}
	return out
}
