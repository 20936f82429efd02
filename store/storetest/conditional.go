package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/conditional"
	"github.com/ingot-cbdc/ingot/store"
)

// The conditional payments' part of the suite (store/conditional.go):
// a payment written by a batch reads back the same (condition, met and
// history included), changes are written, lists filter by operator (either
// side), wallet (either side), status and cursor, due payments are listed
// by due time, and a rolled back batch leaves none.

var conditionalTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"ConditionalPayments", testConditionalPayments},
}

func newConditional(opA, opB string, payer, payee int64, due time.Time) conditional.Payment {
	// The engine keeps UTC microseconds, in the JSON columns too.
	at := now().UTC().Truncate(time.Microsecond)
	after := at.Add(time.Hour)
	id := newID()
	return conditional.Payment{ID: id, OperatorID: opA, PayeeOperatorID: opB, Payer: payer, Payee: payee, Amount: 1234, Currency: "CNY",
		Memo: "escrow", Purpose: "GDDS", HoldID: id, Status: conditional.Pending, ExpiresAt: at.Add(48 * time.Hour), DueAt: due,
		Condition: conditional.Condition{All: []conditional.Condition{{After: &after}, {Hashlock: "ab" + id[:8]}, {Approver: &conditional.Party{Operator: opB}}}},
		History:   []conditional.Event{{At: at, Type: conditional.EventCreated, By: "payer", TransferID: newID()}},
		CreatedAt: at, UpdatedAt: at}
}

func testConditionalPayments(t *testing.T, s store.Store) {
	ctx := context.Background()
	opA, opB := newID(), newID()
	w1, w2, w3 := ingot.NewWalletID(), ingot.NewWalletID(), ingot.NewWalletID()
	t0 := now().UTC().Truncate(time.Microsecond)
	p1 := newConditional(opA, opB, w1, w2, t0.Add(-time.Minute))
	p2 := newConditional(opA, opA, w1, w3, t0.Add(time.Hour))
	p3 := newConditional(opB, opB, w3, w2, t0.Add(-time.Hour))
	commit(t, s, &store.BatchWrite{Conditional: store.ConditionalWrite{New: []conditional.Payment{p1, p2, p3}}})

	read := func(id string) conditional.Payment {
		t.Helper()
		p, err := s.ConditionalPayment(ctx, id)
		checkNil(t, "ConditionalPayment", err)
		return p
	}
	if got := read(p1.ID); !reflect.DeepEqual(got, p1) {
		t.Errorf("ConditionalPayment = %+v\nwant %+v", got, p1)
	}
	_, err := s.ConditionalPayment(ctx, newID())
	checkNotFound(t, "ConditionalPayment(unknown)", err)

	ids := func(f store.ConditionalFilter) []string {
		t.Helper()
		ps, err := s.ConditionalPayments(ctx, f)
		checkNil(t, "ConditionalPayments", err)
		out := []string{}
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	same(t, "ConditionalPayments(opA)", ids(store.ConditionalFilter{OperatorID: opA}), []string{p2.ID, p1.ID})
	same(t, "ConditionalPayments(opB, either side)", ids(store.ConditionalFilter{OperatorID: opB}), []string{p3.ID, p1.ID})
	same(t, "ConditionalPayments(w2, either side)", ids(store.ConditionalFilter{Wallet: w2}), []string{p3.ID, p1.ID})
	same(t, "ConditionalPayments(opA, before p2)", ids(store.ConditionalFilter{OperatorID: opA, Before: p2.ID}), []string{p1.ID})
	same(t, "ConditionalPayments(opA, limit 1)", ids(store.ConditionalFilter{OperatorID: opA, Limit: 1}), []string{p2.ID})

	due, err := s.DueConditionalPayments(ctx, t0, 10)
	checkNil(t, "DueConditionalPayments", err)
	same(t, "DueConditionalPayments", due, []string{p3.ID, p1.ID})

	// A batch locks and changes p1; p3 is released.
	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	locked, err := tx.LockConditionalPayments(ctx, []string{p3.ID, newID(), p1.ID})
	checkNil(t, "LockConditionalPayments", err)
	if len(locked) != 2 || locked[0].ID > locked[1].ID || !reflect.DeepEqual(locked[0], map[bool]conditional.Payment{true: p1, false: p3}[p1.ID < p3.ID]) {
		t.Errorf("LockConditionalPayments = %+v", locked)
	}
	p1.Met = conditional.Met{Preimages: map[string]string{"ab": "cd"}, Approvals: []string{"operator:" + opB}, PayeeAccepted: true}
	p1.DueAt, p1.UpdatedAt = t0.Add(2*time.Hour), t0.Add(time.Second)
	p1.History = append(p1.History, conditional.Event{At: t0.Add(time.Second), Type: conditional.EventApproved, By: "operator:" + opB, TransferID: newID()})
	p3.Status, p3.TransferID = conditional.Released, newID()
	p3.History = append(p3.History, conditional.Event{At: t0, Type: conditional.EventReleaseFailed, By: "engine", Code: "wallet_frozen"})
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{Conditional: store.ConditionalWrite{Updated: []conditional.Payment{p1, p3}}}))
	checkNil(t, "Commit", tx.Commit(ctx))
	if got := read(p1.ID); !reflect.DeepEqual(got, p1) {
		t.Errorf("after a change = %+v\nwant %+v", got, p1)
	}
	if got := read(p3.ID); !reflect.DeepEqual(got, p3) {
		t.Errorf("after the release = %+v\nwant %+v", got, p3)
	}
	same(t, "ConditionalPayments(released)", ids(store.ConditionalFilter{Status: conditional.Released}), []string{p3.ID})
	due, err = s.DueConditionalPayments(ctx, t0.Add(3*time.Hour), 10)
	checkNil(t, "DueConditionalPayments", err)
	same(t, "DueConditionalPayments later (p3 ended)", due, []string{p2.ID, p1.ID})

	// A rolled back batch leaves nothing.
	p4 := newConditional(opA, opB, w1, w2, t0)
	tx, err = s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{Conditional: store.ConditionalWrite{New: []conditional.Payment{p4}}}))
	checkNil(t, "Rollback", tx.Rollback(ctx))
	_, err = s.ConditionalPayment(ctx, p4.ID)
	checkNotFound(t, "ConditionalPayment after rollback", err)
}
