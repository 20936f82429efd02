package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/webhook"
)

// Webhooks (webhook.Store): endpoints and their subscriptions, the outbox
// of events a batch writes, and deliveries. What must hold across
// processes is taken by row locks: ClaimEndpoint locks the endpoint it
// leases (FOR NO KEY UPDATE SKIP LOCKED, so that concurrent claimers take
// other endpoints), RecordAttempt reads the lease under FOR SHARE (a claim
// in progress makes it wait, then fail), a batch holds FOR KEY SHARE on the
// endpoints it writes deliveries for (so that DeleteEndpoint, which locks
// the endpoint FOR UPDATE first, waits for it, and the batch then skips a
// deleted endpoint), and the lease columns change by a non-key update,
// which a batch's lock does not block.

var _ webhook.Store = (*Store)(nil)

// ---- the outbox, in the batch ----

// queueEvents queues on batch the statement that stores the events that at
// least one enabled endpoint of their operator subscribes to, with one
// pending delivery, due at the event's time, per such endpoint, in event
// order (so seq follows it) and then endpoint id order.
//
// It first reads the enabled endpoints that the batch's operators have
// subscribed to its event types: one small query, so that in the common
// case, where there are none, nothing else is done, not even encoding or
// sending the events (their bodies would be most of the batch's bytes).
// The deliveries, with their UUIDv7 ids, are then made here and sent with
// the events to one statement (unnest), which writes those of the
// endpoints that are still enabled when it runs and the events that have
// one: an endpoint disabled meanwhile gets nothing, and one being deleted
// (locked FOR UPDATE by DeleteEndpoint) is waited for and then skipped,
// since the statement takes FOR KEY SHARE on the endpoints it writes
// deliveries for.
func (b *batchTx) queueEvents(ctx context.Context, batch *pgx.Batch, es []ingot.Event) ([]check, error) {
	if len(es) == 0 {
		return nil, nil
	}
	var ops []string
	for _, e := range es {
		if !slices.Contains(ops, e.OperatorID) {
			ops = append(ops, e.OperatorID)
		}
	}
	type sub struct{ operator, typ string }
	subs := map[sub][]string{} // endpoint ids, by id
	rows, _ := b.tx.Query(ctx, `SELECT s.operator_id, s.event_type, s.endpoint_id
		FROM webhook_subscriptions s JOIN webhook_endpoints e ON e.id = s.endpoint_id
		WHERE s.operator_id = ANY($1) AND e.status = 'enabled'
		ORDER BY s.endpoint_id`, ops)
	var k sub
	var endpoint string
	if _, err := pgx.ForEachRow(rows, []any{&k.operator, &k.typ, &endpoint}, func() error {
		subs[k] = append(subs[k], endpoint)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("postgres: write events: subscriptions: %w", err)
	}
	if len(subs) == 0 {
		return nil, nil
	}

	var ids, types, operators []string
	var bodies [][]byte
	var times []time.Time
	var dIDs, dEndpoints, dEvents []string
	for i := range es {
		e := &es[i]
		endpoints := subs[sub{e.OperatorID, e.Type}]
		if len(endpoints) == 0 {
			continue
		}
		if err := e.Encode(); err != nil {
			return nil, fmt.Errorf("postgres: write event %s: %w", e.Type, err)
		}
		body, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("postgres: write event %s: %w", e.ID, err)
		}
		ids, types, operators = append(ids, e.ID), append(types, e.Type), append(operators, e.OperatorID)
		bodies, times = append(bodies, body), append(times, e.CreatedAt)
		for _, endpoint := range endpoints {
			id, err := uuid.NewV7()
			if err != nil {
				return nil, fmt.Errorf("postgres: write event %s: %w", e.ID, err)
			}
			dIDs, dEndpoints, dEvents = append(dIDs, id.String()), append(dEndpoints, endpoint), append(dEvents, e.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	batch.Queue(`WITH ev AS (
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::timestamptz[])
				AS e(id, type, operator_id, body, created_at)
		), d AS (
			SELECT d.id, d.endpoint_id, d.event_id, d.ord
			FROM unnest($6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS d(id, endpoint_id, event_id, ord)
				JOIN webhook_endpoints w ON w.id = d.endpoint_id
			WHERE w.status = 'enabled'
			FOR KEY SHARE OF w
		), ins AS (
			INSERT INTO webhook_events (id, type, operator_id, body, created_at)
			SELECT id, type, operator_id, body, created_at FROM ev WHERE id IN (SELECT event_id FROM d)
		)
		INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, next_at, created_at)
		SELECT d.id, d.endpoint_id, d.event_id, 'pending', ev.created_at, ev.created_at
		FROM d JOIN ev ON ev.id = d.event_id ORDER BY d.ord`,
		ids, types, operators, bodies, times, dIDs, dEndpoints, dEvents)
	return []check{{what: "events", want: 0}}, nil
}

// ---- endpoints ----

// endpointCols reads an endpoint of webhook_endpoints (not aliased), with
// its event types, sorted.
const endpointCols = `id, operator_id, url, description, secret, status, disabled_reason, created_at, updated_at,
	array(SELECT event_type FROM webhook_subscriptions s WHERE s.endpoint_id = webhook_endpoints.id ORDER BY event_type)`

func scanEndpoint(row pgx.Row) (webhook.Endpoint, error) {
	var e webhook.Endpoint
	var status string
	err := row.Scan(&e.ID, &e.OperatorID, &e.URL, &e.Description, &e.Secret, &status, &e.DisabledReason,
		&e.CreatedAt, &e.UpdatedAt, &e.Events)
	e.Status, e.CreatedAt, e.UpdatedAt = webhook.Status(status), e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	if len(e.Events) == 0 {
		e.Events = nil
	}
	return e, err
}

// eventTypes is types sorted and distinct, never nil (an array argument).
func eventTypes(types []string) []string {
	out := slices.Clone(types)
	slices.Sort(out)
	return append([]string{}, slices.Compact(out)...)
}

// setSubscriptions makes the subscriptions of endpoint e (of operator op)
// types.
func setSubscriptions(ctx context.Context, tx pgx.Tx, e, op string, types []string) error {
	ts := eventTypes(types)
	if _, err := tx.Exec(ctx, `DELETE FROM webhook_subscriptions WHERE endpoint_id = $1 AND NOT (event_type = ANY($2))`,
		e, ts); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO webhook_subscriptions (endpoint_id, operator_id, event_type)
		SELECT $1, $2, t FROM unnest($3::text[]) AS t ON CONFLICT DO NOTHING`, e, op, ts)
	return err
}

// CreateEndpoint stores a new endpoint and its subscriptions in one
// transaction; a taken id is ErrConflict.
func (s *Store) CreateEndpoint(ctx context.Context, e webhook.Endpoint, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_endpoints (id, operator_id, url, description, secret, status,
			disabled_reason, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			e.ID, e.OperatorID, e.URL, e.Description, e.Secret, string(e.Status), e.DisabledReason,
			e.CreatedAt, e.UpdatedAt); err != nil {
			if isUniqueViolation(err) {
				return store.ErrConflict
			}
			return fmt.Errorf("postgres: create endpoint: %w", err)
		}
		if err := setSubscriptions(ctx, tx, e.ID, e.OperatorID, e.Events); err != nil {
			return fmt.Errorf("postgres: create endpoint: subscriptions: %w", err)
		}
		return nil
	})
}

// Endpoint reads an endpoint.
func (s *Store) Endpoint(ctx context.Context, id string) (webhook.Endpoint, error) {
	return one(ctx, s.pool, "endpoint", scanEndpoint, `SELECT `+endpointCols+` FROM webhook_endpoints WHERE id = $1`, id)
}

// Endpoints lists an operator's endpoints by id.
func (s *Store) Endpoints(ctx context.Context, operatorID string) ([]webhook.Endpoint, error) {
	es, err := collect(ctx, s.pool, scanEndpoint, `SELECT `+endpointCols+` FROM webhook_endpoints
		WHERE operator_id = $1 ORDER BY id`, operatorID)
	if err != nil {
		return nil, fmt.Errorf("postgres: endpoints: %w", err)
	}
	return es, nil
}

// UpdateEndpoint replaces an endpoint's URL, Events (its subscriptions),
// Description, Status, DisabledReason and UpdatedAt in one transaction.
func (s *Store) UpdateEndpoint(ctx context.Context, e webhook.Endpoint) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var op string
		if err := tx.QueryRow(ctx, `UPDATE webhook_endpoints SET url = $1, description = $2, status = $3,
			disabled_reason = $4, updated_at = $5 WHERE id = $6 RETURNING operator_id`,
			e.URL, e.Description, string(e.Status), e.DisabledReason, e.UpdatedAt, e.ID).Scan(&op); err != nil {
			return notFound(err, "update endpoint")
		}
		if err := setSubscriptions(ctx, tx, e.ID, op, e.Events); err != nil {
			return fmt.Errorf("postgres: update endpoint: subscriptions: %w", err)
		}
		return nil
	})
}

// DeleteEndpoint deletes an endpoint, its subscriptions and its
// deliveries, and the events that no other endpoint has a delivery of, in
// one transaction. The endpoint is locked first, so that a batch writing
// deliveries for it is waited for (and those are deleted too), and later
// batches skip it.
func (s *Store) DeleteEndpoint(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var locked int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM webhook_endpoints WHERE id = $1 FOR UPDATE`, id).Scan(&locked); err != nil {
			return notFound(err, "delete endpoint")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM webhook_events v
			WHERE id IN (SELECT event_id FROM webhook_deliveries WHERE endpoint_id = $1)
				AND NOT EXISTS (SELECT 1 FROM webhook_deliveries x WHERE x.event_id = v.id AND x.endpoint_id <> $1)`,
			id); err != nil {
			return fmt.Errorf("postgres: delete endpoint: events: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM webhook_deliveries WHERE endpoint_id = $1`, id); err != nil {
			return fmt.Errorf("postgres: delete endpoint: deliveries: %w", err)
		}
		// The subscriptions go by the foreign key's cascade.
		if _, err := tx.Exec(ctx, `DELETE FROM webhook_endpoints WHERE id = $1`, id); err != nil {
			return fmt.Errorf("postgres: delete endpoint: %w", err)
		}
		return nil
	})
}

// ---- deliveries ----

// deliveryCols reads a delivery d joined with its event v.
const deliveryCols = `d.id, d.seq, d.endpoint_id, d.event_id, v.type, v.body, d.status, d.attempts, d.next_at, d.last_at,
	d.last_code, d.last_error, d.created_at, d.done_at`

const deliveryFrom = ` FROM webhook_deliveries d JOIN webhook_events v ON v.id = d.event_id`

func scanDelivery(row pgx.Row) (webhook.Delivery, error) {
	var d webhook.Delivery
	var status string
	var attempts, code int32
	var next, last, done *time.Time
	err := row.Scan(&d.ID, &d.Seq, &d.EndpointID, &d.EventID, &d.EventType, &d.Event, &status, &attempts,
		&next, &last, &code, &d.LastError, &d.CreatedAt, &done)
	d.Status, d.Attempts, d.LastCode = webhook.DeliveryStatus(status), int(attempts), int(code)
	d.NextAt, d.LastAt, d.CreatedAt, d.DoneAt = fromNullTime(next), fromNullTime(last), d.CreatedAt.UTC(), fromNullTime(done)
	return d, err
}

// Deliveries lists an endpoint's deliveries, newest first, those with
// Seq < before when before > 0, at most limit (limit <= 0: all).
func (s *Store) Deliveries(ctx context.Context, endpointID string, before int64, limit int) ([]webhook.Delivery, error) {
	q := `SELECT ` + deliveryCols + deliveryFrom + ` WHERE d.endpoint_id = $1`
	args := []any{endpointID, limitArg(limit)}
	if before > 0 {
		q += ` AND d.seq < $3`
		args = append(args, before)
	}
	q += ` ORDER BY d.seq DESC LIMIT $2::bigint`
	ds, err := collect(ctx, s.pool, scanDelivery, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: deliveries: %w", err)
	}
	return ds, nil
}

// Delivery reads a delivery.
func (s *Store) Delivery(ctx context.Context, id string) (webhook.Delivery, error) {
	return one(ctx, s.pool, "delivery", scanDelivery, `SELECT `+deliveryCols+deliveryFrom+` WHERE d.id = $1`, id)
}

// ClaimEndpoint leases one enabled endpoint, not leased at now, whose
// oldest pending delivery is due at now (a pending delivery without NextAt
// is due), with one UPDATE: of the candidates it takes the one due
// longest, then the lowest id, skipping those another claimer has locked.
// The lease is owner's until now+lease.
func (s *Store) ClaimEndpoint(ctx context.Context, owner string, now time.Time, lease time.Duration) (webhook.Endpoint, error) {
	return one(ctx, s.pool, "claim endpoint", scanEndpoint, `UPDATE webhook_endpoints SET lease_owner = $1, lease_until = $2
		WHERE id = (
			SELECT e.id FROM webhook_endpoints e
			CROSS JOIN LATERAL (SELECT coalesce(d.next_at, '-infinity') AS due FROM webhook_deliveries d
				WHERE d.endpoint_id = e.id AND d.status = 'pending' ORDER BY d.seq LIMIT 1) h
			WHERE e.status = 'enabled' AND (e.lease_until IS NULL OR e.lease_until <= $3) AND h.due <= $3
			ORDER BY h.due, e.id LIMIT 1
			FOR NO KEY UPDATE OF e SKIP LOCKED)
		AND status = 'enabled' AND (lease_until IS NULL OR lease_until <= $3)
		RETURNING `+endpointCols, owner, now.Add(lease), now)
}

// PendingDeliveries lists an endpoint's pending deliveries by Seq, at most
// limit (limit <= 0: all).
func (s *Store) PendingDeliveries(ctx context.Context, endpointID string, limit int) ([]webhook.Delivery, error) {
	ds, err := collect(ctx, s.pool, scanDelivery, `SELECT `+deliveryCols+deliveryFrom+`
		WHERE d.endpoint_id = $1 AND d.status = 'pending' ORDER BY d.seq LIMIT $2::bigint`, endpointID, limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("postgres: pending deliveries: %w", err)
	}
	return ds, nil
}

// RecordAttempt stores d's Status, Attempts, NextAt, LastAt, LastCode,
// LastError and DoneAt when owner is the lease owner of d's endpoint (the
// lease's end is not checked: a lease that ran out still lets its owner
// record what it did until another deliverer claims the endpoint). The
// endpoint is read FOR SHARE: a claim of it in progress is waited for, and
// then owner no longer holds it. Otherwise it is ErrConflict (ErrNotFound
// for an unknown delivery).
func (s *Store) RecordAttempt(ctx context.Context, owner string, d webhook.Delivery) error {
	return s.conditional(ctx, "record attempt", "webhook_deliveries", d.ID, `WITH e AS (
			SELECT id FROM webhook_endpoints
			WHERE id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = $1) AND lease_owner = $2 AND lease_owner <> ''
			FOR SHARE)
		UPDATE webhook_deliveries SET status = $3, attempts = $4, next_at = $5, last_at = $6, last_code = $7,
			last_error = $8, done_at = $9
		WHERE id = $1 AND endpoint_id IN (SELECT id FROM e)`,
		d.ID, owner, string(d.Status), d.Attempts, nullTime(d.NextAt), nullTime(d.LastAt), d.LastCode, d.LastError,
		nullTime(d.DoneAt))
}

// ReleaseEndpoint ends owner's lease of an endpoint; nothing happens when
// owner does not hold it (ErrNotFound for an unknown endpoint).
func (s *Store) ReleaseEndpoint(ctx context.Context, endpointID, owner string) error {
	err := s.conditional(ctx, "release endpoint", "webhook_endpoints", endpointID, `UPDATE webhook_endpoints
		SET lease_owner = '', lease_until = NULL WHERE id = $1 AND lease_owner = $2`, endpointID, owner)
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}

// RetryDelivery makes a delivery pending again, due at now, and not done;
// its attempts and last outcome stay.
func (s *Store) RetryDelivery(ctx context.Context, id string, now time.Time) error {
	return s.update(ctx, "retry delivery", `UPDATE webhook_deliveries SET status = 'pending', next_at = $1, done_at = NULL
		WHERE id = $2`, now, id)
}
