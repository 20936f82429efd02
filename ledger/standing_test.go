package ledger_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/schedule"
)

// soClock is the fake clock of the standing orders' tests.
type soClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *soClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *soClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// shanghai is the default zone of the ledger's days.
var shanghai = func() *time.Location {
	z, err := time.LoadLocation(ledger.DefaultZone)
	if err != nil {
		panic(err)
	}
	return z
}()

// at is a time of a day in Shanghai.
func at(day string, hour int) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, day, shanghai)
	if err != nil {
		panic(err)
	}
	return d.Add(time.Duration(hour) * time.Hour)
}

func (e *env) standing(a ingot.Actor, from, to, amount, sched string) *schedule.Order {
	e.t.Helper()
	o, err := e.svc.CreateStandingOrder(e.ctx, a, ledger.StandingIn{
		PayRequest: ledger.PayRequest{From: from, To: to, Amount: amount, Currency: "CNY", Memo: "rent"}, Schedule: []byte(sched)}, nil)
	if err != nil {
		e.t.Fatalf("create standing order %s: %v", sched, err)
	}
	return o
}

// runs is an order's runs, latest first, as "date status" (with the code
// of a failed run and its attempts), read a page of two at a time.
func (e *env) runs(a ingot.Actor, id string) string {
	e.t.Helper()
	var out []string
	cursor := ""
	for {
		rs, next, err := e.svc.StandingRuns(e.ctx, a, id, cursor, 2)
		if err != nil {
			e.t.Fatalf("runs of %s: %v", id, err)
		}
		for _, r := range rs {
			s := r.Occurrence.String() + " " + string(r.Status)
			switch r.Status {
			case schedule.RunFailed:
				s += fmt.Sprintf(" %s x%d", r.Code, r.Attempts)
			case schedule.RunPaid:
				if r.TransferID == "" {
					e.t.Fatalf("paid run without a transfer: %+v", r)
				}
				if r.Attempts > 1 {
					s += fmt.Sprintf(" x%d", r.Attempts)
				}
			}
			out = append(out, s)
		}
		if next == "" {
			return strings.Join(out, ", ")
		}
		cursor = next
	}
}

func (e *env) runStanding(want int) {
	e.t.Helper()
	n, err := e.svc.RunStandingOrders(e.ctx)
	if err != nil || n != want {
		e.t.Fatalf("RunStandingOrders = %d, %v; want %d due", n, err, want)
	}
}

func (e *env) order(a ingot.Actor, id string) *schedule.Order {
	e.t.Helper()
	o, err := e.svc.StandingOrder(e.ctx, a, id)
	if err != nil {
		e.t.Fatalf("standing order %s: %v", id, err)
	}
	return o
}

func wantRuns(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("runs:\n\t%s\nwant\n\t%s", got, want)
	}
}

// TestStandingOrders: a start in the past pays the occurrences within the
// catch-up window at once and records older ones missed; each later
// occurrence is paid once, however often the engine's round runs; the
// count ends the order; a creation replays; only the payer's side sees it.
func TestStandingOrders(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		clk := &soClock{now: at("2026-11-29", 10)}
		e := newEnvWith(t, testdb.Open(t, kind), ledger.Options{Now: clk.Now})
		a, aID := e.operator("SOA")
		b, _ := e.operator("SOB")
		e.mint(aID, "10000.00", "CNY")
		payer := e.wallet(a, "CNY", "1000.00")
		payee := e.wallet(b, "CNY", "")

		o := e.standing(a, payer, payee, "10.00", `{"start":"2026-11-24","every":"day","count":10}`)
		if o.Status != schedule.Active || o.Next.String() != "2026-11-30" || o.NextIndex != 6 || !o.DueAt.Equal(at("2026-11-30", 0)) {
			t.Fatalf("created: %+v", o)
		}
		wantRuns(t, e.runs(a, o.ID), "2026-11-30 pending, 2026-11-29 paid, 2026-11-28 paid, 2026-11-27 paid, 2026-11-26 paid, 2026-11-25 missed, 2026-11-24 missed")
		if bal, _ := e.balance(b, payee); bal != 40_00 {
			t.Fatalf("payee %d after the catch-up", bal)
		}
		e.runStanding(0)

		// Tomorrow's occurrence, once.
		clk.advance(14 * time.Hour) // 2026-11-30 00:00
		e.runStanding(1)
		e.runStanding(0)
		if bal, _ := e.balance(b, payee); bal != 50_00 {
			t.Fatalf("payee %d", bal)
		}
		rs, _, err := e.svc.StandingRuns(e.ctx, a, o.ID, "", 2)
		if err != nil || len(rs) != 2 || rs[1].Status != schedule.RunPaid {
			t.Fatalf("runs: %+v %v", rs, err)
		}
		tr, err := e.st.Transfer(e.ctx, rs[1].TransferID)
		if err != nil || tr.Kind != ingot.KindPayment || tr.Amount != 10_00 || tr.Memo != "rent" || tr.LogIndex < 0 {
			t.Fatalf("the run's transfer: %+v %v", tr, err)
		}

		// Down for three days: the occurrences of those days and today's
		// are paid, and the count ends the order.
		clk.advance(3*24*time.Hour + 9*time.Hour) // 2026-12-03 09:00
		e.runStanding(1)
		got := e.order(a, o.ID)
		if got.Status != schedule.Completed || !got.Next.IsZero() {
			t.Fatalf("after the count: %+v", got)
		}
		wantRuns(t, e.runs(a, o.ID), "2026-12-03 paid, 2026-12-02 paid, 2026-12-01 paid, 2026-11-30 paid, 2026-11-29 paid, 2026-11-28 paid, 2026-11-27 paid, 2026-11-26 paid, 2026-11-25 missed, 2026-11-24 missed")
		if bal, _ := e.balance(b, payee); bal != 80_00 {
			t.Fatalf("payee %d", bal)
		}
		e.runStanding(0)
		_, err = e.svc.PauseStandingOrder(e.ctx, a, o.ID, nil)
		wantCode(t, err, ingot.CodeStandingOrderClosed)

		// A creation replays, paying nothing again.
		idem := func() *ledger.Idem {
			return &ledger.Idem{IdemKey: ingot.IdemKey{Scope: a.KeyID, Key: "so-1"}, Hash: []byte("h")}
		}
		in := ledger.StandingIn{PayRequest: ledger.PayRequest{From: payer, To: payee, Amount: "1.00", Currency: "CNY"},
			Schedule: []byte(`{"start":"2026-12-01","every":"week"}`)}
		o1, err := e.svc.CreateStandingOrder(e.ctx, a, in, idem())
		if err != nil {
			t.Fatal(err)
		}
		id := idem()
		o2, err := e.svc.CreateStandingOrder(e.ctx, a, in, id)
		if err != nil || o2.ID != o1.ID || !id.Replayed || o2.Schedule.Day != 2 || o2.Next.String() != "2026-12-08" {
			t.Fatalf("replay: %+v %v (first %+v)", o2, err, o1)
		}
		wantRuns(t, e.runs(a, o1.ID), "2026-12-08 pending, 2026-12-01 paid")

		// Who sees what.
		if _, err := e.svc.StandingOrder(e.ctx, b, o.ID); ingot.ErrorCode(err) != ingot.CodeNotFound {
			t.Fatalf("the payee's operator reads the order: %v", err)
		}
		_, err = e.svc.CancelStandingOrder(e.ctx, b, o1.ID, nil)
		wantCode(t, err, ingot.CodeNotFound)
		if _, err := e.svc.StandingOrder(e.ctx, e.cb, o.ID); err != nil {
			t.Fatalf("the central bank reads it: %v", err)
		}
		list, next, err := e.svc.StandingOrders(e.ctx, a, ledger.StandingQuery{Limit: 1})
		if err != nil || len(list) != 1 || list[0].ID != o1.ID || next == "" {
			t.Fatalf("the operator's list: %+v %q %v", list, next, err)
		}
		if list, _, err := e.svc.StandingOrders(e.ctx, a, ledger.StandingQuery{Status: "completed"}); err != nil || len(list) != 1 || list[0].ID != o.ID {
			t.Fatalf("completed: %+v %v", list, err)
		}
		if list, _, err := e.svc.StandingOrders(e.ctx, b, ledger.StandingQuery{}); err != nil || len(list) != 0 {
			t.Fatalf("the payee's operator lists %d", len(list))
		}

		// Bad orders.
		bad := func(sched, amount, code string) {
			t.Helper()
			_, err := e.svc.CreateStandingOrder(e.ctx, a, ledger.StandingIn{PayRequest: ledger.PayRequest{From: payer, To: payee, Amount: amount, Currency: "CNY"},
				Schedule: []byte(sched)}, nil)
			wantCode(t, err, code)
		}
		bad(`{"start":"2026-10-01","every":"day"}`, "1.00", ingot.CodeInvalidSchedule) // more than 31 days back
		bad(`{"start":"2026-12-03","every":"fortnight"}`, "1.00", ingot.CodeInvalidSchedule)
		bad(`{"start":"2026-12-03","every":"day"}`, "0.00", ingot.CodeInvalidAmount)
		bad(`{"start":"2026-12-03","every":"day"}`, "1000000.00", ingot.CodeLimitExceeded) // above the tier's single payment
		_, err = e.svc.CreateStandingOrder(e.ctx, a, ledger.StandingIn{PayRequest: ledger.PayRequest{From: payer, To: payer, Amount: "1.00", Currency: "CNY"},
			Schedule: []byte(`{"start":"2026-12-03","every":"day"}`)}, nil)
		wantCode(t, err, ingot.CodeSameAccount)
		_, err = e.svc.CreateStandingOrder(e.ctx, b, ledger.StandingIn{PayRequest: ledger.PayRequest{From: payer, To: payee, Amount: "1.00", Currency: "CNY"},
			Schedule: []byte(`{"start":"2026-12-03","every":"day"}`)}, nil)
		wantCode(t, err, ingot.CodeNotFound) // another operator's wallet
	})
}

// TestStandingOrdersAcrossRestart: the engine stops and a new one starts
// on the same database after a gap. Occurrences of the last three days and
// today's are paid once; older ones are recorded missed; a refused
// occurrence whose day of retries ended while nothing ran stays failed; a
// caught-up occurrence of a day gone by is tried once, today's hourly.
func TestStandingOrdersAcrossRestart(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		st := testdb.Open(t, kind)
		clk := &soClock{now: at("2026-12-01", 9)}
		opt := ledger.Options{Now: clk.Now}
		e := newEnvWith(t, st, opt)
		a, aID := e.operator("SORESTART")
		e.mint(aID, "10000.00", "CNY")
		payer := e.wallet(a, "CNY", "1000.00")
		payee := e.wallet(a, "CNY", "")
		poor := e.wallet(a, "CNY", "")
		short := e.wallet(a, "CNY", "3.00")
		daily := e.standing(a, payer, payee, "1.00", `{"start":"2026-12-01","every":"day"}`)
		refused := e.standing(a, poor, payee, "2.00", `{"start":"2026-12-01","every":"day"}`)
		wantRuns(t, e.runs(a, refused.ID), "2026-12-01 failed insufficient_funds x1")
		shortOrder := e.standing(a, short, payee, "2.00", `{"start":"2026-12-01","every":"day"}`)

		// Down from 09:00 on the 1st to 10:00 on the 5th: a gap of three
		// days and today.
		e.eng.Close()
		clk.advance(4*24*time.Hour + time.Hour)
		e = newEnvWith(t, st, opt)
		if _, err := e.svc.Fund(e.ctx, a, poor, "100.00", false, nil); err != nil {
			t.Fatal(err)
		}
		e.runStanding(3)
		e.runStanding(0)
		wantRuns(t, e.runs(a, daily.ID), "2026-12-06 pending, 2026-12-05 paid, 2026-12-04 paid, 2026-12-03 paid, 2026-12-02 paid, 2026-12-01 paid")
		wantRuns(t, e.runs(a, refused.ID), "2026-12-06 pending, 2026-12-05 paid, 2026-12-04 paid, 2026-12-03 paid, 2026-12-02 paid, 2026-12-01 failed insufficient_funds x1")
		wantRuns(t, e.runs(a, shortOrder.ID), "2026-12-05 failed insufficient_funds x1, 2026-12-04 failed insufficient_funds x1, "+
			"2026-12-03 failed insufficient_funds x1, 2026-12-02 failed insufficient_funds x1, 2026-12-01 paid")
		if got := e.order(a, shortOrder.ID); got.Next.String() != "2026-12-05" || !got.DueAt.Equal(at("2026-12-05", 11)) {
			t.Fatalf("today's refused occurrence is retried in an hour: %+v", got)
		}

		// Down for five days: the two oldest are missed.
		e.eng.Close()
		clk.advance(6 * 24 * time.Hour) // 2026-12-11 10:00
		e = newEnvWith(t, st, opt)
		e.runStanding(3)
		e.runStanding(0)
		wantRuns(t, e.runs(a, daily.ID), "2026-12-12 pending, 2026-12-11 paid, 2026-12-10 paid, 2026-12-09 paid, 2026-12-08 paid, 2026-12-07 missed, 2026-12-06 missed, "+
			"2026-12-05 paid, 2026-12-04 paid, 2026-12-03 paid, 2026-12-02 paid, 2026-12-01 paid")
		if bal, _ := e.balance(a, payee); bal != 9*1_00+8*2_00+2_00 {
			t.Fatalf("payee %d", bal)
		}
		n, err := st.CountTransfers(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		// A mint, three top-ups, 9 + 8 + 1 payments, and the orders'
		// records (made, failed and missed runs), all of which name the
		// payee.
		pid, _ := ingot.ParseWalletID(payee)
		hist, err := st.AccountTransfers(e.ctx, pid, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var paid, records int64
		for _, tr := range hist {
			switch {
			case tr.Kind == ingot.KindPayment:
				paid++
			case tr.Kind.Record() && tr.Amount == 0 && strings.HasPrefix(tr.Memo, "standing order "):
				records++
			default:
				t.Fatalf("the payee's history holds %+v", tr)
			}
		}
		if paid != 9+8+1 || records < 3+5+2 || n != 1+3+paid+records {
			t.Fatalf("%d transfers: %d payments, %d records", n, paid, records)
		}
		e.verifyDB()
	})
}

// TestStandingOrderRetries: a refused occurrence is recorded failed with
// its code and tried again every hour until the end of its day: paid once
// the payer has the money, left failed when the day ends first.
func TestStandingOrderRetries(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		clk := &soClock{now: at("2026-12-01", 8)}
		e := newEnvWith(t, testdb.Open(t, kind), ledger.Options{Now: clk.Now})
		a, aID := e.operator("SORETRY")
		e.mint(aID, "10000.00", "CNY")
		payer := e.wallet(a, "CNY", "")
		payee := e.wallet(a, "CNY", "")
		o := e.standing(a, payer, payee, "30.00", `{"start":"2026-12-01","every":"day","until":"2026-12-02"}`)
		wantRuns(t, e.runs(a, o.ID), "2026-12-01 failed insufficient_funds x1")
		if got := e.order(a, o.ID); got.Tries != 1 || !got.DueAt.Equal(at("2026-12-01", 9)) || !got.RetryUntil.Equal(at("2026-12-02", 0)) {
			t.Fatalf("after the refusal: %+v", got)
		}
		clk.advance(30 * time.Minute)
		e.runStanding(0) // not before the hour
		clk.advance(30 * time.Minute)
		e.runStanding(1)
		wantRuns(t, e.runs(a, o.ID), "2026-12-01 failed insufficient_funds x2")
		if _, err := e.svc.Fund(e.ctx, a, payer, "40.00", false, nil); err != nil {
			t.Fatal(err)
		}
		clk.advance(time.Hour)
		e.runStanding(1)
		wantRuns(t, e.runs(a, o.ID), "2026-12-02 pending, 2026-12-01 paid x3")

		// The next day the payer has 10.00: tried at 21:30, 22:30 and
		// 23:30, then left failed when the day ends; the order is done.
		clk.now = at("2026-12-02", 21).Add(30 * time.Minute)
		e.runStanding(1)
		for range 2 {
			clk.advance(time.Hour)
			e.runStanding(1)
		}
		got := e.order(a, o.ID)
		if got.Status != schedule.Completed {
			t.Fatalf("after the last day: %+v", got)
		}
		wantRuns(t, e.runs(a, o.ID), "2026-12-02 failed insufficient_funds x3, 2026-12-01 paid x3")
		clk.advance(time.Hour)
		e.runStanding(0)
		if bal, _ := e.balance(a, payer); bal != 10_00 {
			t.Fatalf("payer %d", bal)
		}

		// A frozen payee: refused with its code.
		frozen := e.wallet(a, "CNY", "")
		if _, err := e.svc.SetWalletStatus(e.ctx, a, frozen, ingot.StatusFrozen, nil); err != nil {
			t.Fatal(err)
		}
		clk.now = at("2026-12-03", 8)
		_, err := e.svc.CreateStandingOrder(e.ctx, a, ledger.StandingIn{PayRequest: ledger.PayRequest{From: payer, To: frozen, Amount: "1.00", Currency: "CNY"},
			Schedule: []byte(`{"start":"2026-12-03","every":"day"}`)}, nil)
		wantCode(t, err, ingot.CodeWalletFrozen)
		o = e.standing(a, payer, payee, "1.00", `{"start":"2026-12-03","every":"day"}`)
		if _, err := e.svc.SetWalletStatus(e.ctx, a, payee, ingot.StatusFrozen, nil); err != nil {
			t.Fatal(err)
		}
		clk.now = at("2026-12-04", 0)
		e.runStanding(1)
		wantRuns(t, e.runs(a, o.ID), "2026-12-04 failed wallet_frozen x1, 2026-12-03 paid")
	})
}

// TestStandingOrderPauseResumeCancel: a paused order pays nothing; resumed,
// the occurrences that fell due meanwhile are missed and today's is paid
// at once; a cancelled one ends for good.
func TestStandingOrderPauseResumeCancel(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		clk := &soClock{now: at("2026-12-01", 8)}
		e := newEnvWith(t, testdb.Open(t, kind), ledger.Options{Now: clk.Now})
		a, aID := e.operator("SOPAUSE")
		e.mint(aID, "10000.00", "CNY")
		payer := e.wallet(a, "CNY", "500.00")
		payee := e.wallet(a, "CNY", "")
		o := e.standing(a, payer, payee, "5.00", `{"start":"2026-12-01","every":"day"}`)
		p, err := e.svc.PauseStandingOrder(e.ctx, a, o.ID, nil)
		if err != nil || p.Status != schedule.Paused {
			t.Fatalf("pause: %+v %v", p, err)
		}
		if p, err := e.svc.PauseStandingOrder(e.ctx, a, o.ID, nil); err != nil || p.Status != schedule.Paused {
			t.Fatalf("pause again: %+v %v", p, err)
		}
		clk.advance(3*24*time.Hour + 2*time.Hour) // 2026-12-04 10:00
		e.runStanding(0)
		wantRuns(t, e.runs(a, o.ID), "2026-12-01 paid")
		r, err := e.svc.ResumeStandingOrder(e.ctx, a, o.ID, nil)
		if err != nil || r.Status != schedule.Active || r.Next.String() != "2026-12-05" {
			t.Fatalf("resume: %+v %v", r, err)
		}
		wantRuns(t, e.runs(a, o.ID), "2026-12-05 pending, 2026-12-04 paid, 2026-12-03 missed, 2026-12-02 missed, 2026-12-01 paid")

		// Cancelled: nothing more, and nothing else can be done to it.
		c, err := e.svc.CancelStandingOrder(e.ctx, a, o.ID, nil)
		if err != nil || c.Status != schedule.Cancelled || !c.Next.IsZero() {
			t.Fatalf("cancel: %+v %v", c, err)
		}
		clk.advance(24 * time.Hour)
		e.runStanding(0)
		wantRuns(t, e.runs(a, o.ID), "2026-12-04 paid, 2026-12-03 missed, 2026-12-02 missed, 2026-12-01 paid")
		for _, f := range []func() (*schedule.Order, error){
			func() (*schedule.Order, error) { return e.svc.ResumeStandingOrder(e.ctx, a, o.ID, nil) },
			func() (*schedule.Order, error) { return e.svc.CancelStandingOrder(e.ctx, a, o.ID, nil) },
		} {
			_, err := f()
			wantCode(t, err, ingot.CodeStandingOrderClosed)
		}
		if bal, _ := e.balance(a, payee); bal != 10_00 {
			t.Fatalf("payee %d", bal)
		}

		// Paused while a refused occurrence waits for its retry: resumed
		// the same day, it is tried again at once.
		poor := e.wallet(a, "CNY", "")
		clk.now = at("2026-12-10", 7)
		o = e.standing(a, poor, payee, "5.00", `{"start":"2026-12-10","every":"week"}`)
		if _, err := e.svc.PauseStandingOrder(e.ctx, a, o.ID, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Fund(e.ctx, a, poor, "5.00", false, nil); err != nil {
			t.Fatal(err)
		}
		clk.advance(10 * time.Minute)
		if _, err := e.svc.ResumeStandingOrder(e.ctx, a, o.ID, nil); err != nil {
			t.Fatal(err)
		}
		wantRuns(t, e.runs(a, o.ID), "2026-12-17 pending, 2026-12-10 paid x2")
	})
}

// TestStandingOrdersTwoProcesses: two engines on one PostgreSQL database
// run the standing orders' round at the same time, day after day: every
// occurrence is paid exactly once.
func TestStandingOrdersTwoProcesses(t *testing.T) {
	t.Parallel()
	st1, dsn := testdb.OpenURL(t, "postgres")
	st2, err := testdb.OpenDSN(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st2.Close() })
	clk := &soClock{now: at("2026-12-01", 9)}
	e1 := newEnvWith(t, st1, ledger.Options{Now: clk.Now})
	e2 := newEnvWith(t, st2, ledger.Options{Now: clk.Now})
	a, aID := e1.operator("SOTWO")
	e1.mint(aID, "100000.00", "CNY")
	payee := e1.wallet(a, "CNY", "")
	const n = 12
	var ids []string
	for i := range n {
		payer := e1.wallet(a, "CNY", "100.00")
		e := []*env{e1, e2}[i%2]
		ids = append(ids, e.standing(a, payer, payee, "1.00", `{"start":"2026-12-02","every":"day"}`).ID)
	}
	for day := range 3 {
		clk.advance(24 * time.Hour)
		var wg sync.WaitGroup
		for i := range 4 {
			e := []*env{e1, e2}[i%2]
			wg.Go(func() {
				if _, err := e.svc.RunStandingOrders(e.ctx); err != nil {
					t.Errorf("day %d: %v", day, err)
				}
			})
		}
		wg.Wait()
	}
	for _, id := range ids {
		wantRuns(t, e2.runs(a, id), "2026-12-05 pending, 2026-12-04 paid, 2026-12-03 paid, 2026-12-02 paid")
	}
	if bal, _ := e1.balance(a, payee); bal != 3*n*1_00 {
		t.Fatalf("payee %d; want %d", bal, 3*n*1_00)
	}
	var payments int
	for from := int64(0); ; from += 1000 {
		ts, err := st1.LogTransfers(e1.ctx, from, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range ts {
			if tr.Kind == ingot.KindPayment {
				payments++
			}
		}
		if len(ts) < 1000 {
			break
		}
	}
	if payments != 3*n {
		t.Fatalf("%d payments; want %d", payments, 3*n)
	}
}

// TestStandingOrderRiskRules: runs are assessed on their own channel
// (standing_order): a review rule holds a run's payment (the run pending,
// in_review, until the review pays it) and the order moves on; a deny rule
// refuses it (failed, risk_denied); so does the payer's spending rule.
func TestStandingOrderRiskRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		clk := &soClock{now: at("2026-12-01", 8)}
		e := newEnvWith(t, testdb.Open(t, kind), ledger.Options{Now: clk.Now})
		a, aID := e.operator("SORISK")
		e.mint(aID, "10000.00", "CNY")
		payer := e.wallet(a, "CNY", "1000.00")
		payee := e.wallet(a, "CNY", "")
		rule(t, e, a, "large standing orders", `channel == "standing_order" && amount > 10000`, risk.ActionReview)
		rule(t, e, a, "no 5.00 standing orders", `channel == "standing_order" && amount == 500`, risk.ActionDeny)
		if _, err := pay(e, a, payer, payee, "200.00"); err != nil {
			t.Fatalf("a payment on another channel: %v", err)
		}
		held := e.standing(a, payer, payee, "200.00", `{"start":"2026-12-01","every":"day"}`)
		rs, _, err := e.svc.StandingRuns(e.ctx, a, held.ID, "", 10)
		if err != nil || len(rs) != 2 || rs[1].Status != schedule.RunPending || rs[1].Code != schedule.CodeInReview || rs[1].ReviewID == "" {
			t.Fatalf("runs: %+v %v", rs, err)
		}
		if _, h := e.balance(a, payer); h != 200_00 {
			t.Fatalf("held %d while in review", h)
		}
		if _, err := e.svc.ReleaseReview(e.ctx, a, rs[1].ReviewID, nil); err != nil {
			t.Fatalf("release: %v", err)
		}
		if bal, _ := e.balance(a, payee); bal != 400_00 {
			t.Fatalf("payee %d", bal)
		}
		denied := e.standing(a, payer, payee, "5.00", `{"start":"2026-12-01","every":"day"}`)
		wantRuns(t, e.runs(a, denied.ID), "2026-12-01 failed risk_denied x1")

		// The payer's spending rule applies to runs too, and sees their
		// channel; one that would ask the holder refuses them.
		limited := e.wallet(a, "CNY", "100.00")
		for _, tc := range []struct{ allow, otherwise, want string }{
			{`channel != "standing_order"`, "deny", "2026-12-01 failed spending_rule_denied x1"},
			{`channel != "standing_order"`, "approve", "2026-12-01 failed spending_rule_denied x1"},
			{`channel == "standing_order"`, "deny", "2026-12-02 pending, 2026-12-01 paid"},
		} {
			if _, err := e.svc.SetSpendingRule(e.ctx, a, limited, ledger.SpendingRuleIn{Allow: tc.allow, Otherwise: tc.otherwise}, nil); err != nil {
				t.Fatal(err)
			}
			o := e.standing(a, limited, payee, "1.00", `{"start":"2026-12-01","every":"day"}`)
			wantRuns(t, e.runs(a, o.ID), tc.want)
		}
	})
}
