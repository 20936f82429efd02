package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/schedule"
)

// today is the server's day (the ledger's default zone) and n days from it.
func (e *env) today(n int) string {
	z, err := time.LoadLocation(ledger.DefaultZone)
	if err != nil {
		e.t.Fatal(err)
	}
	return schedule.DateOf(e.clock.Now(), z).AddDays(n).String()
}

// runStates is the runs' "occurrence status" list, latest first.
func runStates(r *resp) []string {
	var out []string
	for _, it := range r.items() {
		m := it.(map[string]any)
		out = append(out, m["occurrence"].(string)+" "+m["status"].(string))
	}
	return out
}

func sameStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s = %v; want %v", what, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s = %v; want %v", what, got, want)
		}
	}
}

func TestStandingOrdersOverHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("SOHTTP")
		_, other := e.funded("SOOTHER")
		from, to := e.wallet(key, "500.00"), e.wallet(other, "")
		body := map[string]any{"from": from, "to": to, "amount": "25.00", "currency": "CNY", "memo": "rent",
			"schedule": map[string]any{"start": e.today(-1), "every": "day", "count": 5}}

		bad := map[string]any{"from": from, "to": to, "amount": "1.00", "currency": "CNY", "schedule": map[string]any{"start": e.today(0), "every": "hour"}}
		e.problem(e.req("POST", "/v1/standing-orders", key, bad), 422, "invalid_schedule")
		bad["schedule"] = map[string]any{"start": e.today(-40), "every": "day"}
		e.problem(e.req("POST", "/v1/standing-orders", key, bad), 422, "invalid_schedule")
		bad["schedule"] = map[string]any{"start": e.today(0), "every": "week", "day": 8}
		e.problem(e.req("POST", "/v1/standing-orders", key, bad), 422, "invalid_schedule")

		// Yesterday's and today's occurrences are paid at once.
		o := e.must(e.req("POST", "/v1/standing-orders", key, body, "Idempotency-Key", "so-1"), 201)
		id := o.str("id")
		sched := o.body["schedule"].(map[string]any)
		if o.str("status") != "active" || o.str("next_occurrence") != e.today(1) || o.str("created_by") != "operator" ||
			o.body["next_run_at"] == nil || sched["count"] != float64(5) || sched["start"] != e.today(-1) || sched["every"] != "day" {
			t.Fatalf("created: %s", o.raw)
		}
		again := e.must(e.req("POST", "/v1/standing-orders", key, body, "Idempotency-Key", "so-1"), 201)
		if again.str("id") != id || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %s", again.raw)
		}
		body["amount"] = "26.00"
		e.problem(e.req("POST", "/v1/standing-orders", key, body, "Idempotency-Key", "so-1"), 422, "idempotency_conflict")
		if b := e.balance(key, from); b != "450.00" {
			t.Fatalf("payer %s", b)
		}
		runs := e.must(e.req("GET", "/v1/standing-orders/"+id+"/runs", key, nil), 200)
		sameStrings(t, "runs", runStates(runs), []string{e.today(1) + " pending", e.today(0) + " paid", e.today(-1) + " paid"})
		paid := runs.items()[1].(map[string]any)
		if paid["attempts"] != float64(1) || paid["at"] == nil {
			t.Fatalf("a paid run: %v", paid)
		}
		tr := e.must(e.req("GET", "/v1/transfers/"+paid["transfer_id"].(string), other, nil), 200)
		if tr.str("amount") != "25.00" || tr.str("to") != to {
			t.Fatalf("the run's transfer: %s", tr.raw)
		}
		page := e.must(e.req("GET", "/v1/standing-orders/"+id+"/runs?limit=2", key, nil), 200)
		if len(page.items()) != 2 || page.str("next_cursor") != e.today(0) {
			t.Fatalf("a page of runs: %s", page.raw)
		}
		rest := e.must(e.req("GET", "/v1/standing-orders/"+id+"/runs?limit=2&cursor="+page.str("next_cursor"), key, nil), 200)
		sameStrings(t, "the next page", runStates(rest), []string{e.today(-1) + " paid"})
		e.problem(e.req("GET", "/v1/standing-orders/"+id+"/runs?cursor=nope", key, nil), 400, "invalid_cursor")

		// Only the payer's side sees it; the central bank sees it without
		// the memo.
		e.problem(e.req("GET", "/v1/standing-orders/"+id, other, nil), 404, "not_found")
		e.problem(e.req("POST", "/v1/standing-orders/"+id+"/pause", other, nil), 404, "not_found")
		e.problem(e.req("GET", "/v1/standing-orders/"+id+"/runs", other, nil), 404, "not_found")
		if cb := e.must(e.req("GET", "/v1/standing-orders/"+id, adminKey, nil), 200); cb.str("memo") != "" || cb.str("id") != id {
			t.Fatalf("the central bank's view: %s", cb.raw)
		}
		if l := e.must(e.req("GET", "/v1/standing-orders?status=active", key, nil), 200); len(l.items()) != 1 {
			t.Fatalf("list: %s", l.raw)
		}
		if l := e.must(e.req("GET", "/v1/standing-orders", other, nil), 200); len(l.items()) != 0 {
			t.Fatalf("the payee's operator's list: %s", l.raw)
		}

		// Paused over tomorrow's start, resumed tomorrow: paid then.
		p := e.must(e.req("POST", "/v1/standing-orders/"+id+"/pause", key, nil, "Idempotency-Key", "pause-1"), 200)
		if p.str("status") != "paused" || p.body["next_run_at"] != nil {
			t.Fatalf("paused: %s", p.raw)
		}
		e.clock.advance(24 * time.Hour)
		if n, err := e.svc.RunStandingOrders(context.Background()); err != nil || n != 0 {
			t.Fatalf("a round while paused: %d %v", n, err)
		}
		r := e.must(e.req("POST", "/v1/standing-orders/"+id+"/resume", key, nil), 200)
		if r.str("status") != "active" || r.str("next_occurrence") != e.today(1) {
			t.Fatalf("resumed: %s", r.raw)
		}
		if b := e.balance(key, from); b != "425.00" {
			t.Fatalf("payer after resuming %s", b)
		}
		c := e.must(e.req("POST", "/v1/standing-orders/"+id+"/cancel", key, nil), 200)
		if c.str("status") != "cancelled" || c.body["next_occurrence"] != nil {
			t.Fatalf("cancelled: %s", c.raw)
		}
		e.problem(e.req("POST", "/v1/standing-orders/"+id+"/resume", key, nil), 409, "standing_order_closed")
		sameStrings(t, "runs at the end", runStates(e.must(e.req("GET", "/v1/standing-orders/"+id+"/runs", key, nil), 200)),
			[]string{e.today(0) + " paid", e.today(-1) + " paid", e.today(-2) + " paid"})
		// A replayed pause answers what it answered.
		if p := e.must(e.req("POST", "/v1/standing-orders/"+id+"/pause", key, nil, "Idempotency-Key", "pause-1"), 200); p.str("status") != "paused" {
			t.Fatalf("replayed pause: %s", p.raw)
		}
	})
}

// TestStandingOrderByHolder: a holder's standing order needs the holder's
// approval of one payment of its amount to its payee, once, when it is
// made (even an amount the low-value exemption would let pass); its runs
// need none.
func TestStandingOrderByHolder(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		h := e.newHolder("SOHOLDER", "13800138099", "3000.00")
		h.enroll()
		payee := e.wallet(h.opKey, "")
		body := map[string]any{"from": h.wallets[0], "to": payee, "amount": "10.00", "currency": "CNY",
			"schedule": map[string]any{"start": e.today(0), "every": "month", "count": 12}}
		a := h.scaRequired(e.req("POST", "/v1/standing-orders", h.access, body))
		if a["amount"] != "10.00" || a["to"] != payee {
			t.Fatalf("authorization %v", a)
		}
		h.approve(a["id"].(string))
		body["amount"] = "11.00"
		e.problem(e.req("POST", "/v1/standing-orders", h.access, body, "Ingot-Authorization", a["id"].(string)), 403, "authorization_mismatch")
		body["amount"] = "10.00"
		o := e.must(e.req("POST", "/v1/standing-orders", h.access, body, "Ingot-Authorization", a["id"].(string)), 201)
		if o.str("created_by") != "holder" || o.str("authorization_id") != a["id"] || o.str("status") != "active" {
			t.Fatalf("created: %s", o.raw)
		}
		if b := e.balance(h.opKey, payee); b != "10.00" {
			t.Fatalf("today's occurrence: payee %s", b)
		}
		e.problem(e.req("POST", "/v1/standing-orders", h.access, body, "Ingot-Authorization", a["id"].(string)), 403, "authorization_used")

		// The holder reads, lists (naming its wallet) and pauses its order;
		// its operator sees it too.
		id := o.str("id")
		e.must(e.req("GET", "/v1/standing-orders/"+id, h.access, nil), 200)
		e.problem(e.req("GET", "/v1/standing-orders", h.access, nil), 422, "invalid_request")
		if l := e.must(e.req("GET", "/v1/standing-orders?wallet="+h.wallets[0], h.access, nil), 200); len(l.items()) != 1 {
			t.Fatalf("the holder's list: %s", l.raw)
		}
		if p := e.must(e.req("POST", "/v1/standing-orders/"+id+"/pause", h.access, nil), 200); p.str("status") != "paused" {
			t.Fatalf("paused: %s", p.raw)
		}
		if g := e.must(e.req("GET", "/v1/standing-orders/"+id, h.opKey, nil), 200); g.str("status") != "paused" {
			t.Fatalf("the operator's view: %s", g.raw)
		}
		// Another holder does not see it.
		h2 := e.newHolder("SOHOLDER2", "13800138098", "")
		h2.enroll()
		e.problem(e.req("GET", "/v1/standing-orders/"+id, h2.access, nil), 404, "not_found")
		e.problem(e.req("POST", "/v1/standing-orders/"+id+"/cancel", h2.access, nil), 404, "not_found")
	})
}

// TestStandingOrderWebhook: every paid or refused run is a
// standing_order.run event to the payer's operator, rendered with the
// order and the run.
func TestStandingOrderWebhook(t *testing.T) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newHookEnv(t, open, true)
			_, key := e.funded("SOHOOK")
			from, to := e.wallet(key, "5.00"), e.wallet(key, "")
			rcv := e.receiver(0)
			_, secret := e.createEndpoint(key, rcv.URL, "standing_order.run")
			id := e.must(e.req("POST", "/v1/standing-orders", key, map[string]any{"from": from, "to": to, "amount": "3.00", "currency": "CNY",
				"schedule": map[string]any{"start": e.today(0), "every": "day"}}), 201).str("id")
			e.clock.advance(24 * time.Hour)
			if _, err := e.svc.RunStandingOrders(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := e.run(); n != 2 {
				t.Fatalf("%d attempts, want 2", n)
			}
			for i, want := range []string{"paid", "failed"} {
				b := e.checkSigned(secret, rcv.requests()[i])
				data := b["data"].(map[string]any)
				order, run := data["order"].(map[string]any), data["run"].(map[string]any)
				if b["type"] != "standing_order.run" || order["id"] != id || run["status"] != want {
					t.Fatalf("event %d: %s", i, rcv.requests()[i].body)
				}
				if want == "failed" && (run["code"] != "insufficient_funds" || order["attempts"] != float64(1)) {
					t.Fatalf("the refused run's event: %s", rcv.requests()[i].body)
				}
			}
		})
	}
}
