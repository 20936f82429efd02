package storetest

import (
	"context"
	"testing"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// testKYC stores wallets with every KYC field, updates the mutable ones in
// a batch, finds wallets by phone hash and parent, and keeps limit rules.
func testKYC(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := mustCreateOperator(t, s, "KYC")
	other := mustCreateOperator(t, s, "KYC2")
	parent := newWallet(op.ID, "CNY")
	parent.Tier = ingot.Tier3
	parent.Evidence = ingot.Evidence{PhoneVerified: true, IDVerified: true}
	parent.Holder = ingot.Holder{Kind: ingot.HolderPerson, Name: "v1:sealed-name", Phone: "v1:sealed-phone", IDNumber: "v1:sealed-id", PhoneHash: []byte{1, 2, 3}}
	parent.HoldingLimit = 50_000
	parent.ReverseWaterfall = true
	parent.SweepAccount = "bank-1"
	parent.Outflow = ingot.Outflow{Day: 20261127, DayTotal: 700, Year: 2026, YearTotal: 9000}
	child := newWallet(op.ID, "CNY")
	child.ParentID = parent.ID
	child.Tier = ingot.Tier4
	child.Holder.PhoneHash = []byte{1, 2, 3}
	stranger := newWallet(other.ID, "CNY")
	stranger.Holder.PhoneHash = []byte{1, 2, 3}
	for _, a := range []ingot.Account{parent, child, stranger} {
		if _, err := s.CreateAccount(ctx, a, nil); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
	}
	got, err := s.Account(ctx, parent.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkAccount(t, got, parent)

	// Every mutable field is written by a batch.
	upd := got
	upd.Tier = ingot.Tier2
	upd.Evidence = ingot.Evidence{PhoneVerified: true, IDVerified: true, BankLinked: true, InPerson: true}
	upd.HoldingLimit, upd.ReverseWaterfall, upd.SweepAccount = 0, false, "bank-2"
	upd.Outflow = ingot.Outflow{Day: 20261128, DayTotal: 1, Year: 2026, YearTotal: 9001}
	upd.Holder.IDNumber = "v1:other-id"
	upd.Status = ingot.StatusFrozen
	commit(t, s, &store.BatchWrite{Accounts: []ingot.Account{upd}})
	got, err = s.Account(ctx, parent.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkAccount(t, got, upd)

	// Lookups by phone hash stay within the operator; sub-wallets by parent.
	byPhone, err := s.AccountsByPhone(ctx, op.ID, []byte{1, 2, 3})
	if err != nil || len(byPhone) != 2 {
		t.Fatalf("AccountsByPhone = %d accounts, %v; want the operator's 2", len(byPhone), err)
	}
	if none, _ := s.AccountsByPhone(ctx, op.ID, []byte{9}); len(none) != 0 {
		t.Fatalf("AccountsByPhone of another hash = %d", len(none))
	}
	subs, err := s.SubWallets(ctx, parent.ID)
	if err != nil || len(subs) != 1 || subs[0].ID != child.ID || subs[0].ParentID != parent.ID {
		t.Fatalf("SubWallets = %+v, %v", subs, err)
	}
	if subs, _ := s.SubWallets(ctx, 0); len(subs) != 0 {
		t.Fatalf("SubWallets(0) = %d wallets; main wallets are not sub-wallets", len(subs))
	}

	// Limit rules: set, replace, list by operator, also inside a batch.
	cb := ingot.LimitRule{Currency: "CNY", WalletKind: ingot.WalletPersonal, Tier: ingot.Tier4, Limits: ingot.Limits{Balance: 1000, Single: 200, Daily: 500, Yearly: 5000}, UpdatedAt: now()}
	mine := cb
	mine.OperatorID, mine.Limits = op.ID, ingot.Limits{Balance: 800, Single: 100, Daily: 300, Yearly: 4000}
	for _, r := range []ingot.LimitRule{cb, mine} {
		if err := s.SetLimitRule(ctx, r); err != nil {
			t.Fatalf("SetLimitRule: %v", err)
		}
	}
	mine.Limits.Daily = 250
	if err := s.SetLimitRule(ctx, mine); err != nil {
		t.Fatal(err)
	}
	rules, err := s.LimitRules(ctx, []string{"", op.ID, other.ID})
	if err != nil || len(rules) != 2 {
		t.Fatalf("LimitRules = %+v, %v", rules, err)
	}
	for _, r := range rules {
		want := cb
		if r.OperatorID == op.ID {
			want = mine
		}
		if r.Limits != want.Limits || r.Tier != want.Tier || r.WalletKind != want.WalletKind || r.Currency != "CNY" || r.UpdatedAt.Location().String() != "UTC" {
			t.Errorf("rule %+v; want %+v", r, want)
		}
	}
	tx, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	inTx, err := tx.LimitRules(ctx, []string{op.ID})
	if err != nil || len(inTx) != 1 || inTx[0].Limits.Daily != 250 {
		t.Fatalf("BatchTx.LimitRules = %+v, %v", inTx, err)
	}
}
