package sqlite

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// TestMigrateFrom11: a database that a build without 00012 migrated and
// wrote to migrates to the latest version: its accounts read back intact
// with no risk bytes, which batches then write; the risk tables work
// (rules and their version, pairs, alerts, report lines). 00012 goes down
// to 11 with the accounts intact and the risk tables gone, and up again
// empty.
func TestMigrateFrom11(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "ingot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	p := migrations(t, s)
	if _, err := p.UpTo(ctx, 11); err != nil {
		t.Fatalf("migrate to 11: %v", err)
	}
	created := time.Date(2026, 5, 1, 8, 30, 0, 123456000, time.UTC)
	phone := bytes.Repeat([]byte{3}, 32)
	w := ingot.Account{ID: ingot.NewWalletID(), Kind: ingot.AccountWallet, OperatorID: "op-1", Currency: "CNY",
		Status: ingot.StatusActive, Balance: 100, WalletKind: ingot.WalletPersonal, CreatedAt: created,
		Holder: ingot.Holder{Kind: ingot.HolderPerson, Name: "v1:n", Phone: "v1:p", PhoneHash: phone}}
	insertOldAccount(t, s.w, w) // migrate_test.go

	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate from 11: %v", err)
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != latest(t, p) {
		t.Fatalf("version after Migrate = %d, %v; want %d", v, err, latest(t, p))
	}
	got, err := s.Account(ctx, w.ID)
	if err != nil || got.Balance != 100 || !bytes.Equal(got.Holder.PhoneHash, phone) || got.Risk != nil {
		t.Fatalf("after Migrate: Account = %+v, %v; want balance 100, no risk", got, err)
	}

	// The new column and tables work on the migrated database.
	rule := risk.Rule{ID: "r1", Version: 1, OperatorID: "op-1", Name: "large", Expression: "payment.amount > 100",
		Action: risk.ActionAlert, Severity: risk.SeverityHigh, Active: true, CreatedAt: created}
	if _, err := s.AddRiskRule(ctx, rule, nil); err != nil {
		t.Fatalf("AddRiskRule: %v", err)
	}
	alert := risk.Alert{ID: "a1", OperatorID: "op-1", RuleID: "r1", RuleVersion: 1, Severity: risk.SeverityHigh,
		Wallet: w.ID, Evidence: json.RawMessage(`{"amount":"1.00"}`), Status: risk.AlertOpen, CreatedAt: created}
	w.Risk = []byte{1, 2, 3}
	tx, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := tx.RiskRulesVersion(ctx); err != nil || v != 1 {
		t.Fatalf("RiskRulesVersion = %d, %v; want 1", v, err)
	}
	if err := tx.Write(ctx, &store.BatchWrite{Accounts: []ingot.Account{w}, Risk: store.RiskWrite{
		Pairs:       []store.PairWrite{{Pair: store.Pair{Payer: w.ID, Payee: 1}, Last: created, Count: 1}},
		Alerts:      []risk.Alert{alert},
		LargeValues: []risk.LargeValue{{Wallet: w.ID, Day: 20260501, OperatorID: "op-1", Currency: "CNY", UpdatedAt: created}},
	}}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Account(ctx, w.ID); err != nil || !bytes.Equal(got.Risk, w.Risk) {
		t.Fatalf("Account after Write = %+v, %v; want risk %x", got, err, w.Risk)
	}
	if a, err := s.Alert(ctx, "a1"); err != nil || string(a.Evidence) != `{"amount":"1.00"}` {
		t.Fatalf("Alert = %+v, %v", a, err)
	}

	if _, err := p.DownTo(ctx, 11); err != nil {
		t.Fatalf("down to 11: %v", err)
	}
	if b, h := oldAccount(t, s, w.ID); b != 100 || !bytes.Equal(h, phone) { // migrate_test.go
		t.Fatalf("at 11 again: wallet balance, phone hash = %d, %x", b, h)
	}
	var tables int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name IN
		('risk_rules', 'risk_state', 'risk_pairs', 'alerts', 'large_value_reports')`).Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("at 11 again: %d risk tables left, %v", tables, err)
	}

	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	if got, err := s.Account(ctx, w.ID); err != nil || got.Balance != 100 || got.Risk != nil {
		t.Fatalf("after up again: Account = %+v, %v; want balance 100, no risk", got, err)
	}
	if rs, err := s.RiskRules(ctx, "", true); err != nil || len(rs) != 0 {
		t.Fatalf("after up again: RiskRules = %v, %v; want none", rs, err)
	}
	tx, err = s.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if v, err := tx.RiskRulesVersion(ctx); err != nil || v != 0 {
		t.Fatalf("after up again: RiskRulesVersion = %d, %v; want 0", v, err)
	}
}
