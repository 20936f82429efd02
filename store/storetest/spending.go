package storetest

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// The spending rules part of the suite (store/spending.go): a wallet's
// rule through every account read, set, replaced and removed by a batch's
// SpendingWrite, left alone by the batch's account writes and by new
// accounts, and undone by a rollback.

// spendingTests are the spending rule tests Run runs.
var spendingTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"AccountSpendingRule", testAccountSpendingRule},
	{"SpendingRuleRollback", testSpendingRuleRollback},
}

// spendingRule is a rule with the text a real one has (quotes, non-ASCII,
// a newline) and a time with nanoseconds in a non-UTC zone: it reads back
// in UTC, to the microsecond.
func spendingRule(amount string, otherwise ingot.SpendingOtherwise, by ingot.Role) *ingot.SpendingRule {
	return &ingot.SpendingRule{Allow: "payee.mcc in ['5411', \"5812\"] &&\n payer.sent_24h + amount <= " + amount + " // 零用钱",
		Otherwise: otherwise, SetBy: by, CreatedAt: now()}
}

// wantRule normalizes a rule as the store returns it.
func wantRule(r *ingot.SpendingRule) *ingot.SpendingRule {
	if r == nil {
		return nil
	}
	c := *r
	c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Microsecond)
	return &c
}

// checkSpending checks a wallet's rule through every account read.
func checkSpending(t *testing.T, s store.Store, when string, want map[int64]*ingot.SpendingRule) {
	t.Helper()
	ctx := context.Background()
	check := func(what string, a ingot.Account) {
		t.Helper()
		if w, ok := want[a.ID]; ok && !reflect.DeepEqual(a.Spending, wantRule(w)) {
			t.Errorf("%s: %s of %d: Spending = %+v, want %+v", when, what, a.ID, a.Spending, wantRule(w))
		}
	}
	ids := make([]int64, 0, len(want))
	var op string
	for id := range want {
		a, err := s.Account(ctx, id)
		checkNil(t, "Account", err)
		check("Account", a)
		ids, op = append(ids, id), a.OperatorID
	}
	as, err := s.Accounts(ctx, op, ingot.AccountWallet, 0, 500)
	checkNil(t, "Accounts", err)
	for _, a := range as {
		check("Accounts", a)
	}
	as, err = s.AllAccounts(ctx, 0, 500)
	checkNil(t, "AllAccounts", err)
	for _, a := range as {
		check("AllAccounts", a)
	}
	inBatch(t, s, func(tx store.BatchTx) {
		as, err := tx.LockAccounts(ctx, ids)
		checkNil(t, "LockAccounts", err)
		if len(as) != len(ids) {
			t.Errorf("%s: LockAccounts found %d of %d", when, len(as), len(ids))
		}
		for _, a := range as {
			check("LockAccounts", a)
		}
	})
}

func testAccountSpendingRule(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 3)
	w1, w2, w3 := b.wallets[0], b.wallets[1], b.wallets[2]
	checkSpending(t, s, "new wallets", map[int64]*ingot.SpendingRule{w1.ID: nil, w2.ID: nil, w3.ID: nil})

	// Set on two wallets in one batch.
	r1, r2 := spendingRule("5000", ingot.OtherwiseDeny, ingot.RoleOperator), spendingRule("9000", ingot.OtherwiseApprove, ingot.RoleHolder)
	commit(t, s, &store.BatchWrite{Spending: []store.SpendingWrite{{Wallet: w1.ID, Rule: r1}, {Wallet: w2.ID, Rule: r2}}})
	checkSpending(t, s, "after set", map[int64]*ingot.SpendingRule{w1.ID: r1, w2.ID: r2, w3.ID: nil})

	// A batch's account writes (balances, risk bytes) keep the rule, even
	// from an account value read before it was set.
	w1.Balance, w1.Risk = 700, []byte{1, 2}
	w2.Spending = nil
	commit(t, s, &store.BatchWrite{Accounts: []ingot.Account{w1, w2}})
	checkSpending(t, s, "after writing the accounts", map[int64]*ingot.SpendingRule{w1.ID: r1, w2.ID: r2})
	if a, err := s.Account(ctx, w1.ID); err != nil || a.Balance != 700 {
		t.Fatalf("Account = %+v, %v; want balance 700", a, err)
	}

	// Replaced, and removed; written twice in one batch, the last wins.
	r3 := spendingRule("100", ingot.OtherwiseApprove, ingot.RoleOperator)
	commit(t, s, &store.BatchWrite{Spending: []store.SpendingWrite{{Wallet: w1.ID, Rule: r3}, {Wallet: w2.ID, Rule: nil},
		{Wallet: w3.ID, Rule: r1}, {Wallet: w3.ID, Rule: r2}}})
	checkSpending(t, s, "after replacing and removing", map[int64]*ingot.SpendingRule{w1.ID: r3, w2.ID: nil, w3.ID: r2})

	// A long expression (the API's limit is 2,000 bytes) round-trips.
	long := spendingRule(strings.Repeat("1", 18), ingot.OtherwiseDeny, ingot.RoleOperator)
	long.Allow = strings.Repeat("amount > 0 && ", 140) + long.Allow
	commit(t, s, &store.BatchWrite{Spending: []store.SpendingWrite{{Wallet: w2.ID, Rule: long}}})
	checkSpending(t, s, "a long rule", map[int64]*ingot.SpendingRule{w2.ID: long})

	// New accounts keep the rule they are created with: one at a time, in
	// bulk and in a batch (a sub-wallet).
	one := newWallet(b.op.ID, "CNY")
	one.Spending = r1
	_, err := s.CreateAccount(ctx, one, nil)
	checkNil(t, "CreateAccount", err)
	bulk := []ingot.Account{newWallet(b.op.ID, "CNY"), newWallet(b.op.ID, "CNY")}
	bulk[0].Spending = r2
	_, err = s.CreateAccounts(ctx, bulk, nil)
	checkNil(t, "CreateAccounts", err)
	sub := newWallet(b.op.ID, "CNY")
	sub.ParentID, sub.Spending = one.ID, r3
	commit(t, s, &store.BatchWrite{NewAccounts: []ingot.Account{sub}})
	checkSpending(t, s, "new accounts", map[int64]*ingot.SpendingRule{one.ID: r1, bulk[0].ID: r2, bulk[1].ID: nil, sub.ID: r3})
	subs, err := s.SubWallets(ctx, one.ID)
	if err != nil || len(subs) != 1 || !reflect.DeepEqual(subs[0].Spending, wantRule(r3)) {
		t.Fatalf("SubWallets = %+v, %v; want the sub-wallet with its rule", subs, err)
	}

	// A rule of a wallet that does not exist, or of an account that is
	// not a wallet, fails the batch.
	for _, id := range []int64{ingot.NewWalletID(), b.res.ID} {
		tx, err := s.BeginBatch(ctx)
		checkNil(t, "BeginBatch", err)
		if err := tx.Write(ctx, &store.BatchWrite{Spending: []store.SpendingWrite{{Wallet: id, Rule: r1}}}); err == nil {
			t.Errorf("Write of the spending rule of account %d, which is not a wallet: no error", id)
		}
		checkNil(t, "Rollback", tx.Rollback(ctx))
	}
}

func testSpendingRuleRollback(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 1)
	w := b.wallets[0]
	r := spendingRule("5000", ingot.OtherwiseDeny, ingot.RoleOperator)
	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{Spending: []store.SpendingWrite{{Wallet: w.ID, Rule: r}}}))
	checkNil(t, "Rollback", tx.Rollback(ctx))
	checkSpending(t, s, "after a rollback", map[int64]*ingot.SpendingRule{w.ID: nil})
}
