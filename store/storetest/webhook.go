package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/webhook"
)

// The webhook.Store part of the suite: endpoints, the outbox a batch
// writes (deliveries only for the enabled endpoints of the event's
// operator that subscribe to its type, in event order, in the batch's
// transaction), per-endpoint leases (one holder at a time, also under
// concurrent claims) and the deliveries' lifecycle.

// webhookTests are the webhook.Store tests Run runs.
var webhookTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"WebhookEndpoints", testWebhookEndpoints},
	{"WebhookOutbox", testWebhookOutbox},
	{"WebhookOutboxRollback", testWebhookOutboxRollback},
	{"WebhookClaim", testWebhookClaim},
	{"WebhookClaimConcurrent", testWebhookClaimConcurrent},
	{"WebhookRetry", testWebhookRetry},
	{"WebhookDeliveriesPaging", testWebhookPaging},
	{"WebhookDeleteEndpoint", testWebhookDelete},
	{"WebhookDeleteDuringBatch", testWebhookDeleteDuringBatch},
}

func webhookStore(t *testing.T, s store.Store) webhook.Store {
	t.Helper()
	ws, ok := s.(webhook.Store)
	if !ok {
		t.Fatalf("%T does not implement webhook.Store", s)
	}
	return ws
}

func newEndpoint(operatorID string, events ...string) webhook.Endpoint {
	id := newID()
	return webhook.Endpoint{ID: id, OperatorID: operatorID, URL: "https://example.com/hooks/" + id, Events: events,
		Secret: "v1:k1:sealed-" + id, Description: "till " + id[len(id)-4:], Status: webhook.StatusEnabled,
		CreatedAt: now(), UpdatedAt: now()}
}

func mustCreateEndpoint(t *testing.T, ws webhook.Store, operatorID string, events ...string) webhook.Endpoint {
	t.Helper()
	e := newEndpoint(operatorID, events...)
	_, err := ws.CreateEndpoint(context.Background(), e, nil)
	checkNil(t, "CreateEndpoint", err)
	return e
}

func newEvent(operatorID, typ string, at time.Time) ingot.Event {
	id := newID()
	obj, _ := json.Marshal(map[string]any{"id": id, "amount": "12.30", "currency": "CNY"})
	return ingot.Event{ID: id, Type: typ, OperatorID: operatorID, Object: obj, CreatedAt: at}
}

// wantDelivery is the new delivery of ev to endpoint, as stored (ID and
// Seq left to the caller).
func wantDelivery(t *testing.T, endpoint string, ev ingot.Event) webhook.Delivery {
	t.Helper()
	body, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return webhook.Delivery{EndpointID: endpoint, EventID: ev.ID, EventType: ev.Type, Event: body,
		Status: webhook.DeliveryPending, NextAt: ev.CreatedAt, CreatedAt: ev.CreatedAt}
}

// checkPending checks an endpoint's pending deliveries: those of evs, in
// that order, with increasing Seq and distinct UUIDv7 ids; it returns them.
func checkPending(t *testing.T, ws webhook.Store, endpoint string, evs ...ingot.Event) []webhook.Delivery {
	t.Helper()
	ctx := context.Background()
	got, err := ws.PendingDeliveries(ctx, endpoint, 100)
	checkNil(t, "PendingDeliveries", err)
	if len(got) != len(evs) {
		t.Fatalf("PendingDeliveries(%s) = %d deliveries, want %d: %+v", endpoint, len(got), len(evs), got)
	}
	for i, d := range got {
		if u, err := uuid.Parse(d.ID); err != nil || u.Version() != 7 {
			t.Errorf("delivery id %q is not a UUIDv7 (%v)", d.ID, err)
		}
		if i > 0 && d.Seq <= got[i-1].Seq {
			t.Errorf("delivery %d Seq %d after %d: not increasing", i, d.Seq, got[i-1].Seq)
		}
		if i > 0 && d.ID == got[i-1].ID {
			t.Errorf("two deliveries with id %s", d.ID)
		}
		want := wantDelivery(t, endpoint, evs[i])
		want.ID, want.Seq = d.ID, d.Seq
		same(t, fmt.Sprintf("PendingDeliveries(%s)[%d]", endpoint, i), d, want)
		one, err := ws.Delivery(ctx, d.ID)
		checkNil(t, "Delivery", err)
		same(t, "Delivery", one, d)
	}
	return got
}

// ---- endpoints ----

func testWebhookEndpoints(t *testing.T, s store.Store) {
	ctx := context.Background()
	ws := webhookStore(t, s)
	opA, opB := newID(), newID()
	a1 := mustCreateEndpoint(t, ws, opA, ingot.EventTransferReceived, ingot.EventTransferSent)
	a2 := mustCreateEndpoint(t, ws, opA, ingot.EventRefundCreated)
	b1 := mustCreateEndpoint(t, ws, opB, ingot.EventPaymentRequestPaid)

	got, err := ws.Endpoint(ctx, a1.ID)
	checkNil(t, "Endpoint", err)
	same(t, "Endpoint", got, a1)
	list, err := ws.Endpoints(ctx, opA)
	checkNil(t, "Endpoints", err)
	if len(list) != 2 {
		t.Fatalf("Endpoints(A) = %d endpoints, want 2", len(list))
	}
	same(t, "Endpoints(A)[0]", list[0], a1) // UUIDv7: a1 < a2
	same(t, "Endpoints(A)[1]", list[1], a2)
	list, err = ws.Endpoints(ctx, opB)
	checkNil(t, "Endpoints", err)
	if len(list) != 1 {
		t.Fatalf("Endpoints(B) = %d endpoints, want 1", len(list))
	}
	same(t, "Endpoints(B)[0]", list[0], b1)
	if list, err := ws.Endpoints(ctx, newID()); err != nil || len(list) != 0 {
		t.Errorf("Endpoints(unknown) = %v, %v; want none", list, err)
	}
	_, err = ws.CreateEndpoint(ctx, a1, nil)
	checkConflict(t, "CreateEndpoint with a taken id", err)

	// Update replaces URL, events, description, status, reason and
	// UpdatedAt; the rest stays as created.
	upd := a1
	upd.URL, upd.Description = "https://example.org/new", "new"
	upd.Events = []string{ingot.EventHoldExpired, ingot.EventTransferSent, ingot.EventWalletFrozen}
	upd.Status, upd.DisabledReason, upd.UpdatedAt = webhook.StatusDisabled, "disabled by the operator", now().Add(time.Minute)
	ignored := upd
	ignored.Secret, ignored.OperatorID, ignored.CreatedAt = "other", opB, now().Add(time.Hour)
	checkNil(t, "UpdateEndpoint", ws.UpdateEndpoint(ctx, ignored))
	got, err = ws.Endpoint(ctx, a1.ID)
	checkNil(t, "Endpoint", err)
	same(t, "Endpoint after UpdateEndpoint", got, upd)
	list, _ = ws.Endpoints(ctx, opB)
	if len(list) != 1 {
		t.Errorf("UpdateEndpoint moved an endpoint to another operator: %d endpoints of B", len(list))
	}
	// No event type at all, then some again.
	upd.Events, upd.UpdatedAt = nil, now()
	checkNil(t, "UpdateEndpoint", ws.UpdateEndpoint(ctx, upd))
	got, _ = ws.Endpoint(ctx, a1.ID)
	same(t, "Endpoint without events", got, upd)
	upd.Events = []string{ingot.EventTransferReceived}
	checkNil(t, "UpdateEndpoint", ws.UpdateEndpoint(ctx, upd))
	got, _ = ws.Endpoint(ctx, a1.ID)
	same(t, "Endpoint with events again", got, upd)

	missing := newEndpoint(opA, ingot.EventTransferSent)
	checkNotFound(t, "UpdateEndpoint(unknown)", ws.UpdateEndpoint(ctx, missing))
	_, err = ws.Endpoint(ctx, missing.ID)
	checkNotFound(t, "Endpoint(unknown)", err)

	checkNil(t, "DeleteEndpoint", ws.DeleteEndpoint(ctx, a2.ID))
	_, err = ws.Endpoint(ctx, a2.ID)
	checkNotFound(t, "Endpoint(deleted)", err)
	checkNotFound(t, "DeleteEndpoint(deleted)", ws.DeleteEndpoint(ctx, a2.ID))
	list, _ = ws.Endpoints(ctx, opA)
	if len(list) != 1 || list[0].ID != a1.ID {
		t.Errorf("Endpoints(A) after DeleteEndpoint = %+v", list)
	}
	// Its id may be used again.
	a2.CreatedAt, a2.UpdatedAt = now(), now()
	_, err = ws.CreateEndpoint(ctx, a2, nil)
	checkNil(t, "CreateEndpoint with a deleted endpoint's id", err)
	got, _ = ws.Endpoint(ctx, a2.ID)
	same(t, "Endpoint re-created", got, a2)
}

// ---- the outbox ----

// testWebhookOutbox: a batch's events become deliveries for exactly the
// enabled endpoints of the event's operator that subscribe to its type,
// in event order; other operators' endpoints and disabled ones get none.
func testWebhookOutbox(t *testing.T, s store.Store) {
	ctx := context.Background()
	ws := webhookStore(t, s)
	opA, opB, opC := newID(), newID(), newID()
	all := mustCreateEndpoint(t, ws, opA, ingot.EventTransferReceived, ingot.EventTransferSent)
	recv := mustCreateEndpoint(t, ws, opA, ingot.EventTransferReceived)
	off := newEndpoint(opA, ingot.EventTransferReceived, ingot.EventTransferSent)
	off.Status, off.DisabledReason = webhook.StatusDisabled, "failing since yesterday"
	_, err := ws.CreateEndpoint(ctx, off, nil)
	checkNil(t, "CreateEndpoint(disabled)", err)
	other := mustCreateEndpoint(t, ws, opB, ingot.EventTransferReceived, ingot.EventTransferSent)
	none := mustCreateEndpoint(t, ws, opA) // subscribes to nothing

	t0 := now()
	ev := []ingot.Event{
		newEvent(opA, ingot.EventTransferReceived, t0),
		newEvent(opA, ingot.EventTransferSent, t0.Add(time.Microsecond)),
		newEvent(opB, ingot.EventTransferReceived, t0.Add(2*time.Microsecond)),
		newEvent(opA, ingot.EventPaymentRequestPaid, t0.Add(3*time.Microsecond)), // nobody subscribes
		newEvent(opC, ingot.EventTransferReceived, t0.Add(4*time.Microsecond)),   // an operator without endpoints
		newEvent(opA, ingot.EventTransferReceived, t0.Add(5*time.Microsecond)),
	}
	// The events come with the rest of a batch.
	iss := mustEnsure(t, s, ingot.AccountIssuance, "", "CNY")
	res := mustEnsure(t, s, ingot.AccountReserve, "op", "CNY")
	iss.Balance, res.Balance = -500, 500
	tr := newTransfer(ingot.KindMint, iss.ID, res.ID, 500, "CNY")
	commit(t, s, &store.BatchWrite{Accounts: []ingot.Account{iss, res}, Transfers: []ingot.Transfer{tr}, Events: ev})

	first := checkPending(t, ws, all.ID, ev[0], ev[1], ev[5])
	checkPending(t, ws, recv.ID, ev[0], ev[5])
	checkPending(t, ws, off.ID)
	checkPending(t, ws, other.ID, ev[2])
	checkPending(t, ws, none.ID)
	if got, err := s.Transfer(ctx, tr.ID); err != nil || got.Amount != 500 {
		t.Fatalf("the batch's transfer: %+v, %v", got, err)
	}

	// A later batch: its deliveries come after the first's. The disabled
	// endpoint, enabled now, gets the new events only; the one disabled
	// now gets none.
	off.Status, off.DisabledReason, off.UpdatedAt = webhook.StatusEnabled, "", now()
	checkNil(t, "UpdateEndpoint(enable)", ws.UpdateEndpoint(ctx, off))
	recv.Status, recv.UpdatedAt = webhook.StatusDisabled, now()
	checkNil(t, "UpdateEndpoint(disable)", ws.UpdateEndpoint(ctx, recv))
	none.Events, none.UpdatedAt = []string{ingot.EventPaymentRequestPaid}, now()
	checkNil(t, "UpdateEndpoint(subscribe)", ws.UpdateEndpoint(ctx, none))
	ev2 := []ingot.Event{
		newEvent(opA, ingot.EventTransferSent, t0.Add(time.Second)),
		newEvent(opA, ingot.EventPaymentRequestPaid, t0.Add(time.Second)),
	}
	commit(t, s, &store.BatchWrite{Events: ev2})
	second := checkPending(t, ws, all.ID, ev[0], ev[1], ev[5], ev2[0])
	if second[3].Seq <= first[2].Seq {
		t.Errorf("a later batch's delivery has Seq %d <= %d", second[3].Seq, first[2].Seq)
	}
	checkPending(t, ws, recv.ID, ev[0], ev[5])
	checkPending(t, ws, off.ID, ev2[0])
	checkPending(t, ws, other.ID, ev[2])
	checkPending(t, ws, none.ID, ev2[1])

	// A batch without events, or whose events nobody wants, adds nothing.
	commit(t, s, &store.BatchWrite{})
	commit(t, s, &store.BatchWrite{Events: []ingot.Event{newEvent(opC, ingot.EventTransferSent, now())}})
	checkPending(t, ws, all.ID, ev[0], ev[1], ev[5], ev2[0])

	_, err = ws.Delivery(ctx, newID())
	checkNotFound(t, "Delivery(unknown)", err)
}

// testWebhookOutboxRollback: a batch rolled back leaves no delivery.
func testWebhookOutboxRollback(t *testing.T, s store.Store) {
	ctx := context.Background()
	ws := webhookStore(t, s)
	op := newID()
	e := mustCreateEndpoint(t, ws, op, ingot.EventTransferReceived)
	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{Events: []ingot.Event{newEvent(op, ingot.EventTransferReceived, now())}}))
	checkNil(t, "Rollback", tx.Rollback(ctx))
	checkPending(t, ws, e.ID)
	if ds, err := ws.Deliveries(ctx, e.ID, 0, 10); err != nil || len(ds) != 0 {
		t.Fatalf("Deliveries after a rolled back batch = %v, %v", ds, err)
	}
	if _, err := ws.ClaimEndpoint(ctx, "w1", now().Add(time.Hour), time.Minute); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ClaimEndpoint after a rolled back batch: %v, want ErrNotFound", err)
	}
	// The same event committed afterwards is delivered once.
	ev := newEvent(op, ingot.EventTransferReceived, now())
	commit(t, s, &store.BatchWrite{Events: []ingot.Event{ev}})
	checkPending(t, ws, e.ID, ev)
}

// ---- leases ----

func testWebhookClaim(t *testing.T, s store.Store) {
	ctx := context.Background()
	ws := webhookStore(t, s)
	op := newID()
	e := mustCreateEndpoint(t, ws, op, ingot.EventTransferReceived)
	const lease = 30 * time.Second

	t0 := now()
	_, err := ws.ClaimEndpoint(ctx, "w1", t0, lease)
	checkNotFound(t, "ClaimEndpoint without deliveries", err)

	ev1, ev2 := newEvent(op, ingot.EventTransferReceived, t0), newEvent(op, ingot.EventTransferReceived, t0.Add(time.Millisecond))
	commit(t, s, &store.BatchWrite{Events: []ingot.Event{ev1, ev2}})
	ds := checkPending(t, ws, e.ID, ev1, ev2)

	_, err = ws.ClaimEndpoint(ctx, "w1", t0.Add(-time.Second), lease)
	checkNotFound(t, "ClaimEndpoint before the delivery is due", err)
	got, err := ws.ClaimEndpoint(ctx, "w1", t0, lease)
	checkNil(t, "ClaimEndpoint when due", err)
	same(t, "ClaimEndpoint", got, e)
	_, err = ws.ClaimEndpoint(ctx, "w2", t0.Add(time.Second), lease)
	checkNotFound(t, "ClaimEndpoint of a leased endpoint", err)
	_, err = ws.ClaimEndpoint(ctx, "w1", t0.Add(time.Second), lease)
	checkNotFound(t, "ClaimEndpoint by the holder itself", err)

	// Only the lease's owner records attempts.
	fail := ds[0]
	fail.Attempts, fail.LastAt, fail.LastCode, fail.LastError = 1, t0.Add(time.Second), 503, "503 Service Unavailable"
	fail.NextAt = t0.Add(5 * time.Minute)
	checkConflict(t, "RecordAttempt by another owner", ws.RecordAttempt(ctx, "w2", fail))
	checkConflict(t, "RecordAttempt without owner", ws.RecordAttempt(ctx, "", fail))
	checkNil(t, "RecordAttempt by the owner", ws.RecordAttempt(ctx, "w1", fail))
	unknown := fail
	unknown.ID = newID()
	checkNotFound(t, "RecordAttempt(unknown)", ws.RecordAttempt(ctx, "w1", unknown))
	d, err := ws.Delivery(ctx, fail.ID)
	checkNil(t, "Delivery", err)
	same(t, "Delivery after a failed attempt", d, fail)

	// The lease runs out: another deliverer claims the endpoint (its oldest
	// delivery... is not due before NextAt: nothing to claim until then).
	_, err = ws.ClaimEndpoint(ctx, "w2", t0.Add(lease), lease)
	checkNotFound(t, "ClaimEndpoint while the oldest pending delivery waits for its retry", err)
	later := t0.Add(5 * time.Minute)
	got, err = ws.ClaimEndpoint(ctx, "w2", later, lease)
	checkNil(t, "ClaimEndpoint after the lease ran out", err)
	same(t, "ClaimEndpoint", got, e)
	checkConflict(t, "RecordAttempt by the former owner", ws.RecordAttempt(ctx, "w1", fail))

	// w2 delivers both; a release by another owner changes nothing.
	ok1 := fail
	ok1.Status, ok1.Attempts, ok1.LastAt, ok1.LastCode, ok1.LastError = webhook.DeliverySucceeded, 2, later, 200, ""
	ok1.NextAt, ok1.DoneAt = time.Time{}, later
	checkNil(t, "RecordAttempt", ws.RecordAttempt(ctx, "w2", ok1))
	d, _ = ws.Delivery(ctx, ok1.ID)
	same(t, "Delivery after success", d, ok1)
	checkPending(t, ws, e.ID, ev2)
	checkNil(t, "ReleaseEndpoint by another owner", ws.ReleaseEndpoint(ctx, e.ID, "w1"))
	_, err = ws.ClaimEndpoint(ctx, "w3", later, lease)
	checkNotFound(t, "ClaimEndpoint after another owner's release", err)
	checkNil(t, "ReleaseEndpoint", ws.ReleaseEndpoint(ctx, e.ID, "w2"))
	checkNotFound(t, "ReleaseEndpoint(unknown)", ws.ReleaseEndpoint(ctx, newID(), "w2"))
	checkConflict(t, "RecordAttempt after the release", ws.RecordAttempt(ctx, "w2", ok1))

	// Released: claimable at once; the second delivery is due.
	got, err = ws.ClaimEndpoint(ctx, "w3", later, lease)
	checkNil(t, "ClaimEndpoint after release", err)
	same(t, "ClaimEndpoint", got, e)
	ok2 := checkPending(t, ws, e.ID, ev2)[0]
	ok2.Status, ok2.Attempts, ok2.LastAt, ok2.LastCode, ok2.DoneAt = webhook.DeliverySucceeded, 1, later, 204, later
	checkNil(t, "RecordAttempt", ws.RecordAttempt(ctx, "w3", ok2))
	checkNil(t, "ReleaseEndpoint", ws.ReleaseEndpoint(ctx, e.ID, "w3"))
	checkPending(t, ws, e.ID)
	_, err = ws.ClaimEndpoint(ctx, "w3", later.Add(time.Hour), lease)
	checkNotFound(t, "ClaimEndpoint with nothing pending", err)

	// A disabled endpoint is not claimed, however due its deliveries.
	ev3 := newEvent(op, ingot.EventTransferReceived, later)
	commit(t, s, &store.BatchWrite{Events: []ingot.Event{ev3}})
	e.Status, e.DisabledReason, e.UpdatedAt = webhook.StatusDisabled, "failing since then", now()
	checkNil(t, "UpdateEndpoint", ws.UpdateEndpoint(ctx, e))
	_, err = ws.ClaimEndpoint(ctx, "w4", later.Add(time.Hour), lease)
	checkNotFound(t, "ClaimEndpoint of a disabled endpoint", err)
	e.Status, e.DisabledReason = webhook.StatusEnabled, ""
	checkNil(t, "UpdateEndpoint", ws.UpdateEndpoint(ctx, e))
	if got, err := ws.ClaimEndpoint(ctx, "w4", later.Add(time.Hour), lease); err != nil || got.ID != e.ID {
		t.Fatalf("ClaimEndpoint after enabling = %+v, %v", got, err)
	}
}

// testWebhookClaimConcurrent: of concurrent claimers, one gets each due
// endpoint and the others ErrNotFound; endpoints are taken oldest due
// first.
func testWebhookClaimConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	ws := webhookStore(t, s)
	op := newID()
	t0 := now()
	var eps []string
	var evs []ingot.Event
	for i := range 3 {
		e := mustCreateEndpoint(t, ws, op, fmt.Sprintf("test.%d", i))
		eps = append(eps, e.ID)
		evs = append(evs, newEvent(op, fmt.Sprintf("test.%d", i), t0.Add(time.Duration(-i)*time.Second)))
	}
	commit(t, s, &store.BatchWrite{Events: evs})
	// The endpoint due longest (the last) first.
	e, err := ws.ClaimEndpoint(ctx, "first", t0, time.Minute)
	checkNil(t, "ClaimEndpoint", err)
	if e.ID != eps[2] {
		t.Errorf("ClaimEndpoint took %s, want the one due longest, %s", e.ID, eps[2])
	}
	checkNil(t, "ReleaseEndpoint", ws.ReleaseEndpoint(ctx, e.ID, "first"))

	for round := range 3 {
		var mu sync.Mutex
		won := map[string]string{} // endpoint: owner
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprintf("r%d-w%d", round, i)
				e, err := ws.ClaimEndpoint(ctx, owner, t0, time.Minute)
				if errors.Is(err, store.ErrNotFound) {
					return
				}
				if err != nil {
					t.Errorf("ClaimEndpoint: %v", err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if prev, ok := won[e.ID]; ok {
					t.Errorf("endpoint %s leased by %s and %s at once", e.ID, prev, owner)
				}
				won[e.ID] = owner
			}()
		}
		wg.Wait()
		if len(won) != len(eps) {
			t.Fatalf("round %d: %d of %d endpoints claimed", round, len(won), len(eps))
		}
		// Each owner, and only it, records; then releases.
		for id, owner := range won {
			ps, err := ws.PendingDeliveries(ctx, id, 10)
			if err != nil || len(ps) != 1 || ps[0].EventID != evs[slices.Index(eps, id)].ID {
				t.Fatalf("PendingDeliveries = %+v, %v", ps, err)
			}
			d := ps[0]
			d.Attempts, d.LastAt, d.LastCode, d.NextAt = round+1, t0, 500, t0
			for _, other := range won {
				if other != owner {
					checkConflict(t, "RecordAttempt by another claimer", ws.RecordAttempt(ctx, other, d))
				}
			}
			checkNil(t, "RecordAttempt", ws.RecordAttempt(ctx, owner, d))
			checkNil(t, "ReleaseEndpoint", ws.ReleaseEndpoint(ctx, id, owner))
		}
	}
}

// ---- deliveries ----

func testWebhookRetry(t *testing.T, s store.Store) {
	ctx := context.Background()
	ws := webhookStore(t, s)
	op := newID()
	e := mustCreateEndpoint(t, ws, op, ingot.EventBankOperationFailed)
	t0 := now()
	ev := newEvent(op, ingot.EventBankOperationFailed, t0)
	commit(t, s, &store.BatchWrite{Events: []ingot.Event{ev}})
	_, err := ws.ClaimEndpoint(ctx, "w1", t0, time.Minute)
	checkNil(t, "ClaimEndpoint", err)
	d := checkPending(t, ws, e.ID, ev)[0]
	gaveUp := t0.Add(72 * time.Hour)
	d.Status, d.Attempts, d.LastAt, d.LastCode, d.LastError = webhook.DeliveryFailed, 12, gaveUp, 0, "dial tcp: connection refused"
	d.NextAt, d.DoneAt = time.Time{}, gaveUp
	checkNil(t, "RecordAttempt", ws.RecordAttempt(ctx, "w1", d))
	checkNil(t, "ReleaseEndpoint", ws.ReleaseEndpoint(ctx, e.ID, "w1"))
	checkPending(t, ws, e.ID)
	got, _ := ws.Delivery(ctx, d.ID)
	same(t, "Delivery given up", got, d)
	_, err = ws.ClaimEndpoint(ctx, "w1", gaveUp.Add(time.Hour), time.Minute)
	checkNotFound(t, "ClaimEndpoint with only a failed delivery", err)

	// A manual retry: pending again, due at the given time, not done; the
	// last outcome stays.
	retry := gaveUp.Add(time.Hour)
	checkNil(t, "RetryDelivery", ws.RetryDelivery(ctx, d.ID, retry))
	want := d
	want.Status, want.NextAt, want.DoneAt = webhook.DeliveryPending, retry, time.Time{}
	got, _ = ws.Delivery(ctx, d.ID)
	same(t, "Delivery after RetryDelivery", got, want)
	if ps, _ := ws.PendingDeliveries(ctx, e.ID, 10); len(ps) != 1 || ps[0].ID != d.ID {
		t.Fatalf("PendingDeliveries after RetryDelivery = %+v", ps)
	}
	_, err = ws.ClaimEndpoint(ctx, "w2", retry.Add(-time.Second), time.Minute)
	checkNotFound(t, "ClaimEndpoint before the retry is due", err)
	if c, err := ws.ClaimEndpoint(ctx, "w2", retry, time.Minute); err != nil || c.ID != e.ID {
		t.Fatalf("ClaimEndpoint for the retry = %+v, %v", c, err)
	}
	// A succeeded delivery may be retried too.
	ok := want
	ok.Status, ok.Attempts, ok.LastAt, ok.LastCode, ok.LastError, ok.NextAt, ok.DoneAt = webhook.DeliverySucceeded, 13, retry, 200, "", time.Time{}, retry
	checkNil(t, "RecordAttempt", ws.RecordAttempt(ctx, "w2", ok))
	checkNil(t, "RetryDelivery of a succeeded delivery", ws.RetryDelivery(ctx, d.ID, retry.Add(time.Minute)))
	got, _ = ws.Delivery(ctx, d.ID)
	if got.Status != webhook.DeliveryPending || got.Attempts != 13 || !got.DoneAt.IsZero() || !eqTime(got.NextAt, norm(retry.Add(time.Minute))) {
		t.Errorf("succeeded delivery after RetryDelivery = %+v", got)
	}
	checkNotFound(t, "RetryDelivery(unknown)", ws.RetryDelivery(ctx, newID(), retry))
}

func testWebhookPaging(t *testing.T, s store.Store) {
	ctx := context.Background()
	ws := webhookStore(t, s)
	op := newID()
	e := mustCreateEndpoint(t, ws, op, ingot.EventTransferSent)
	other := mustCreateEndpoint(t, ws, op, ingot.EventTransferSent)
	var evs []ingot.Event
	for i := range 5 {
		evs = append(evs, newEvent(op, ingot.EventTransferSent, now().Add(time.Duration(i)*time.Millisecond)))
	}
	commit(t, s, &store.BatchWrite{Events: evs[:2]})
	commit(t, s, &store.BatchWrite{Events: evs[2:]})
	all := checkPending(t, ws, e.ID, evs...)
	checkPending(t, ws, other.ID, evs...)
	slices.Reverse(all) // newest first

	var paged []webhook.Delivery
	var before int64
	for {
		page, err := ws.Deliveries(ctx, e.ID, before, 2)
		checkNil(t, "Deliveries", err)
		if len(page) > 2 {
			t.Fatalf("Deliveries(limit 2) = %d deliveries", len(page))
		}
		paged = append(paged, page...)
		if len(page) < 2 {
			break
		}
		before = page[len(page)-1].Seq
	}
	if len(paged) != len(all) {
		t.Fatalf("Deliveries in pages = %d deliveries, want %d", len(paged), len(all))
	}
	for i := range all {
		same(t, fmt.Sprintf("Deliveries[%d]", i), paged[i], all[i])
	}
	if ds, err := ws.Deliveries(ctx, e.ID, all[len(all)-1].Seq, 10); err != nil || len(ds) != 0 {
		t.Errorf("Deliveries before the oldest = %d, %v", len(ds), err)
	}
	if ds, err := ws.Deliveries(ctx, newID(), 0, 10); err != nil || len(ds) != 0 {
		t.Errorf("Deliveries(unknown endpoint) = %d, %v", len(ds), err)
	}
	if ps, err := ws.PendingDeliveries(ctx, e.ID, 2); err != nil || len(ps) != 2 || ps[0].ID != all[4].ID || ps[1].ID != all[3].ID {
		t.Errorf("PendingDeliveries(limit 2) = %+v, %v; want the two oldest", ps, err)
	}
}

// testWebhookDelete: deleting an endpoint deletes its deliveries, not
// those of another endpoint of the same events.
func testWebhookDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	ws := webhookStore(t, s)
	op := newID()
	gone := mustCreateEndpoint(t, ws, op, ingot.EventTransferSent, ingot.EventTransferReceived)
	kept := mustCreateEndpoint(t, ws, op, ingot.EventTransferSent)
	evs := []ingot.Event{newEvent(op, ingot.EventTransferSent, now()), newEvent(op, ingot.EventTransferReceived, now())}
	commit(t, s, &store.BatchWrite{Events: evs})
	goneDs := checkPending(t, ws, gone.ID, evs...)
	checkPending(t, ws, kept.ID, evs[0])
	_, err := ws.ClaimEndpoint(ctx, "w1", now(), time.Minute)
	checkNil(t, "ClaimEndpoint", err)

	checkNil(t, "DeleteEndpoint", ws.DeleteEndpoint(ctx, gone.ID))
	for _, d := range goneDs {
		_, err := ws.Delivery(ctx, d.ID)
		checkNotFound(t, "Delivery of a deleted endpoint", err)
	}
	if ds, err := ws.Deliveries(ctx, gone.ID, 0, 10); err != nil || len(ds) != 0 {
		t.Errorf("Deliveries of a deleted endpoint = %d, %v", len(ds), err)
	}
	checkPending(t, ws, kept.ID, evs[0]) // its event is still there
	// Later batches know nothing of it.
	ev := newEvent(op, ingot.EventTransferSent, now())
	commit(t, s, &store.BatchWrite{Events: []ingot.Event{ev, newEvent(op, ingot.EventTransferReceived, now())}})
	checkPending(t, ws, kept.ID, evs[0], ev)
	later := now().Add(time.Hour)
	if c, err := ws.ClaimEndpoint(ctx, "w2", later, time.Minute); err != nil || c.ID != kept.ID {
		t.Fatalf("ClaimEndpoint = %+v, %v; want %s", c, err, kept.ID)
	}
	_, err = ws.ClaimEndpoint(ctx, "w3", later, time.Minute)
	checkNotFound(t, "ClaimEndpoint with the deleted endpoint's deliveries due", err)
	checkNil(t, "DeleteEndpoint", ws.DeleteEndpoint(ctx, kept.ID))
	_, err = ws.Endpoint(ctx, kept.ID)
	checkNotFound(t, "Endpoint(deleted)", err)
}

// testWebhookDeleteDuringBatch: an endpoint deleted while a batch writing
// deliveries for it is open is deleted after the batch committed, with
// those deliveries.
func testWebhookDeleteDuringBatch(t *testing.T, s store.Store) {
	ctx := context.Background()
	ws := webhookStore(t, s)
	op := newID()
	e := mustCreateEndpoint(t, ws, op, ingot.EventWalletFrozen)
	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	defer tx.Rollback(ctx)
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{Events: []ingot.Event{newEvent(op, ingot.EventWalletFrozen, now())}}))
	done := make(chan error, 1)
	go func() { done <- ws.DeleteEndpoint(ctx, e.ID) }()
	select {
	case err := <-done:
		t.Fatalf("DeleteEndpoint = %v while a batch writing its deliveries is open", err)
	case <-time.After(200 * time.Millisecond):
	}
	checkNil(t, "Commit", tx.Commit(ctx))
	checkNil(t, "DeleteEndpoint", <-done)
	if ds, err := ws.Deliveries(ctx, e.ID, 0, 10); err != nil || len(ds) != 0 {
		t.Errorf("Deliveries of the deleted endpoint = %d, %v", len(ds), err)
	}
	_, err = ws.ClaimEndpoint(ctx, "w1", now().Add(time.Hour), time.Minute)
	checkNotFound(t, "ClaimEndpoint after the delete", err)
}
