package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/schedule"
	"github.com/ingot-cbdc/ingot/store"
)

// The standing orders' part of the suite (store/standing.go): an order
// written by a batch reads back the same (schedule included, times that
// are none as none), changes are written, lists filter by operator, payer,
// status and cursor, due orders are the active ones by due time, runs are
// stored per order and occurrence (a later run of an occurrence replaces
// it) and listed latest first, a locked order waits for the batch that
// locked it, and a rolled back batch leaves nothing.

var standingTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"StandingOrders", testStandingOrders},
	{"StandingOrderLock", testStandingOrderLock},
}

func newStanding(op, payeeOp string, payer, payee int64, status schedule.Status, due time.Time) schedule.Order {
	at := now().UTC().Truncate(time.Microsecond)
	start, _ := schedule.ParseDate("2026-01-31")
	o := schedule.Order{ID: newID(), OperatorID: op, PayeeOperatorID: payeeOp, Payer: payer, Payee: payee, Amount: 5000, Currency: "CNY",
		Memo: "rent", Purpose: "RENT", Schedule: schedule.Schedule{Start: start, Every: schedule.Monthly, Day: 31, Count: 12}, Status: status,
		Next: start, DueAt: due, HolderID: "holder-1", AuthorizationID: newID(), CreatedAt: at, UpdatedAt: at}
	if status.Ended() {
		o.Next, o.DueAt, o.HolderID, o.AuthorizationID = schedule.Date{}, time.Time{}, "", ""
	}
	return o
}

func testStandingOrders(t *testing.T, s store.Store) {
	ctx := context.Background()
	opA, opB := newID(), newID()
	w1, w2, w3 := ingot.NewWalletID(), ingot.NewWalletID(), ingot.NewWalletID()
	t0 := now().UTC().Truncate(time.Microsecond)
	o1 := newStanding(opA, opB, w1, w2, schedule.Active, t0.Add(-time.Minute))
	o2 := newStanding(opA, opA, w3, w2, schedule.Active, t0.Add(time.Hour))
	o3 := newStanding(opB, opB, w2, w1, schedule.Active, t0.Add(-time.Hour))
	o4 := newStanding(opA, opB, w1, w3, schedule.Paused, t0.Add(-2*time.Hour))
	o5 := newStanding(opA, opB, w1, w3, schedule.Cancelled, time.Time{})
	commit(t, s, &store.BatchWrite{Standing: store.StandingWrite{New: []schedule.Order{o1, o2, o3, o4, o5}}})

	read := func(id string) schedule.Order {
		t.Helper()
		o, err := s.StandingOrder(ctx, id)
		checkNil(t, "StandingOrder", err)
		return o
	}
	for _, o := range []schedule.Order{o1, o5} {
		if got := read(o.ID); !reflect.DeepEqual(got, o) {
			t.Errorf("StandingOrder = %+v\nwant %+v", got, o)
		}
	}
	_, err := s.StandingOrder(ctx, newID())
	checkNotFound(t, "StandingOrder(unknown)", err)

	ids := func(f store.StandingFilter) []string {
		t.Helper()
		os, err := s.StandingOrders(ctx, f)
		checkNil(t, "StandingOrders", err)
		out := []string{}
		for _, o := range os {
			out = append(out, o.ID)
		}
		return out
	}
	same(t, "StandingOrders(opA)", ids(store.StandingFilter{OperatorID: opA}), []string{o5.ID, o4.ID, o2.ID, o1.ID})
	same(t, "StandingOrders(payer w1)", ids(store.StandingFilter{Payer: w1}), []string{o5.ID, o4.ID, o1.ID})
	same(t, "StandingOrders(opA, paused)", ids(store.StandingFilter{OperatorID: opA, Status: schedule.Paused}), []string{o4.ID})
	same(t, "StandingOrders(opA, before o4)", ids(store.StandingFilter{OperatorID: opA, Before: o4.ID}), []string{o2.ID, o1.ID})
	same(t, "StandingOrders(limit 2)", ids(store.StandingFilter{Limit: 2}), []string{o5.ID, o4.ID})

	dueIDs := func(at time.Time) []string {
		t.Helper()
		os, err := s.DueStandingOrders(ctx, at, 10)
		checkNil(t, "DueStandingOrders", err)
		out := []string{}
		for _, o := range os {
			out = append(out, o.ID)
		}
		return out
	}
	same(t, "DueStandingOrders (active, by due time)", dueIDs(t0), []string{o3.ID, o1.ID})

	// A batch locks o1 and o3: o1 is paid and moves on, o3 is refused and
	// retried later.
	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	locked, err := tx.LockStandingOrders(ctx, []string{o3.ID, newID(), o1.ID})
	checkNil(t, "LockStandingOrders", err)
	if len(locked) != 2 || locked[0].ID > locked[1].ID || !reflect.DeepEqual(locked[0], map[bool]schedule.Order{true: o1, false: o3}[o1.ID < o3.ID]) {
		t.Errorf("LockStandingOrders = %+v", locked)
	}
	feb, _ := o1.Schedule.Occurrence(1)
	paid := schedule.Run{OrderID: o1.ID, Occurrence: o1.Next, Status: schedule.RunPaid, TransferID: newID(), Attempts: 1, At: t0}
	failed := schedule.Run{OrderID: o3.ID, Occurrence: o3.Next, Status: schedule.RunFailed, Code: "insufficient_funds", Attempts: 1, At: t0}
	o1.Next, o1.NextIndex, o1.DueAt, o1.UpdatedAt = feb, 1, t0.Add(24*time.Hour), t0.Add(time.Second)
	o3.Tries, o3.RetryUntil, o3.DueAt = 1, t0.Add(5*time.Hour), t0.Add(time.Hour)
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{Standing: store.StandingWrite{Updated: []schedule.Order{o1, o3}, Runs: []schedule.Run{paid, failed}}}))
	checkNil(t, "Commit", tx.Commit(ctx))
	for _, o := range []schedule.Order{o1, o3} {
		if got := read(o.ID); !reflect.DeepEqual(got, o) {
			t.Errorf("after a run = %+v\nwant %+v", got, o)
		}
	}
	same(t, "DueStandingOrders after the runs", dueIDs(t0), []string{}) // nothing due now
	same(t, "DueStandingOrders in an hour (one due time: by id)", dueIDs(t0.Add(time.Hour)), []string{o2.ID, o3.ID})

	// The retry pays o3's occurrence: its run is replaced. o3 completes.
	retried := failed
	retried.Status, retried.Code, retried.TransferID, retried.Attempts, retried.At = schedule.RunPaid, "", newID(), 2, t0.Add(time.Hour)
	o3.End(schedule.Completed)
	o3.UpdatedAt = t0.Add(time.Hour)
	commit(t, s, &store.BatchWrite{Standing: store.StandingWrite{Updated: []schedule.Order{o3}, Runs: []schedule.Run{retried}}})
	if got := read(o3.ID); !reflect.DeepEqual(got, o3) {
		t.Errorf("completed = %+v\nwant %+v", got, o3)
	}
	same(t, "StandingOrders(completed)", ids(store.StandingFilter{Status: schedule.Completed}), []string{o3.ID})

	// Runs: per order, latest occurrence first.
	missed := []schedule.Run{
		{OrderID: o2.ID, Occurrence: mustDate("2026-01-31"), Status: schedule.RunMissed, At: t0},
		{OrderID: o2.ID, Occurrence: mustDate("2026-02-28"), Status: schedule.RunMissed, At: t0},
		{OrderID: o2.ID, Occurrence: mustDate("2026-03-31"), Status: schedule.RunPending, Code: schedule.CodeInReview, ReviewID: newID(), Attempts: 1, At: t0},
	}
	commit(t, s, &store.BatchWrite{Standing: store.StandingWrite{Runs: missed}})
	runs := func(id string, before schedule.Date, limit int) []schedule.Run {
		t.Helper()
		rs, err := s.StandingRuns(ctx, id, before, limit)
		checkNil(t, "StandingRuns", err)
		return rs
	}
	same(t, "StandingRuns(o2)", runs(o2.ID, schedule.Date{}, 0), []schedule.Run{missed[2], missed[1], missed[0]})
	same(t, "StandingRuns(o2, before March, limit 1)", runs(o2.ID, missed[2].Occurrence, 1), []schedule.Run{missed[1]})
	same(t, "StandingRuns(o3)", runs(o3.ID, schedule.Date{}, 10), []schedule.Run{retried})
	same(t, "StandingRuns(o1)", runs(o1.ID, schedule.Date{}, 10), []schedule.Run{paid})
	if rs := runs(newID(), schedule.Date{}, 10); len(rs) != 0 {
		t.Errorf("StandingRuns(unknown) = %+v", rs)
	}

	// A rolled back batch leaves nothing.
	o6 := newStanding(opA, opB, w1, w2, schedule.Active, t0)
	tx, err = s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{Standing: store.StandingWrite{New: []schedule.Order{o6},
		Runs: []schedule.Run{{OrderID: o6.ID, Occurrence: o6.Next, Status: schedule.RunMissed, At: t0}}}}))
	checkNil(t, "Rollback", tx.Rollback(ctx))
	_, err = s.StandingOrder(ctx, o6.ID)
	checkNotFound(t, "StandingOrder after rollback", err)
	if rs := runs(o6.ID, schedule.Date{}, 10); len(rs) != 0 {
		t.Errorf("StandingRuns after rollback = %+v", rs)
	}
}

// testStandingOrderLock: a batch that locks an order another batch has
// locked waits for it, and then reads what it wrote.
func testStandingOrderLock(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := newID()
	o := newStanding(op, op, ingot.NewWalletID(), ingot.NewWalletID(), schedule.Active, now())
	commit(t, s, &store.BatchWrite{Standing: store.StandingWrite{New: []schedule.Order{o}}})

	tx1, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	defer tx1.Rollback(ctx)
	if _, err := tx1.LockStandingOrders(ctx, []string{o.ID}); err != nil {
		t.Fatalf("LockStandingOrders: %v", err)
	}
	got := make(chan schedule.Order, 1)
	errc := make(chan error, 1)
	go func() {
		tx2, err := s.BeginBatch(ctx)
		if err != nil {
			errc <- err
			return
		}
		defer tx2.Rollback(ctx)
		os, err := tx2.LockStandingOrders(ctx, []string{o.ID})
		if err != nil || len(os) != 1 {
			errc <- err
			return
		}
		got <- os[0]
	}()
	time.Sleep(100 * time.Millisecond)
	select {
	case o2 := <-got:
		t.Fatalf("a second batch locked the order while the first held it: %+v", o2)
	case err := <-errc:
		t.Fatalf("second batch: %v", err)
	default:
	}
	o.Status, o.UpdatedAt = schedule.Paused, now().UTC().Truncate(time.Microsecond)
	checkNil(t, "Write", tx1.Write(ctx, &store.BatchWrite{Standing: store.StandingWrite{Updated: []schedule.Order{o}}}))
	checkNil(t, "Commit", tx1.Commit(ctx))
	select {
	case o2 := <-got:
		if o2.Status != schedule.Paused {
			t.Fatalf("the second batch read %s; want the first's paused", o2.Status)
		}
	case err := <-errc:
		t.Fatalf("second batch: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("the second batch never locked the order")
	}
}

func mustDate(s string) schedule.Date {
	d, err := schedule.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}
