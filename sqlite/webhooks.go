package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/webhook"
)

// Webhooks (webhook.Store): endpoints and their subscriptions, the outbox
// of events a batch writes, and deliveries. Every write goes through the
// writer's single connection, so a lease is taken by one UPDATE that no
// other writer can interleave with, and a batch (BEGIN IMMEDIATE) sees the
// endpoints as they are while it holds the write lock.

var _ webhook.Store = (*Store)(nil)

// ---- the outbox, in the batch ----

// writeEvents stores the events that at least one enabled endpoint of
// their operator subscribes to, and one pending delivery, due at the
// event's time, per such endpoint, in event order (so seq follows it) and
// then endpoint id order. It first reads the enabled subscriptions of the
// batch's operators, with one query: when none of them has an endpoint
// (the common case) nothing else is done, not even encoding the events.
// The batch holds the write lock, so the endpoints read are those the
// inserts see.
func (b *batchTx) writeEvents(ctx context.Context, es []ingot.Event) error {
	if len(es) == 0 {
		return nil
	}
	var ops []string
	for _, e := range es {
		if !slices.Contains(ops, e.OperatorID) {
			ops = append(ops, e.OperatorID)
		}
	}
	arg, err := jsonArray(ops)
	if err != nil {
		return fmt.Errorf("sqlite: write events: %w", err)
	}
	type sub struct{ operator, typ string }
	subs := map[sub][]string{} // endpoint ids, by id
	rows, err := b.tx.QueryContext(ctx, `SELECT s.operator_id, s.event_type, s.endpoint_id
		FROM webhook_subscriptions s JOIN webhook_endpoints e ON e.id = s.endpoint_id
		WHERE s.operator_id IN (SELECT value FROM json_each(?)) AND e.status = 'enabled'
		ORDER BY s.endpoint_id`, arg)
	if err != nil {
		return fmt.Errorf("sqlite: write events: subscriptions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k sub
		var endpoint string
		if err := rows.Scan(&k.operator, &k.typ, &endpoint); err != nil {
			return fmt.Errorf("sqlite: write events: subscriptions: %w", err)
		}
		subs[k] = append(subs[k], endpoint)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: write events: subscriptions: %w", err)
	}
	if len(subs) == 0 {
		return nil
	}

	var insEvent, insDelivery *sql.Stmt
	for i := range es {
		e := &es[i]
		endpoints := subs[sub{e.OperatorID, e.Type}]
		if len(endpoints) == 0 {
			continue
		}
		if insEvent == nil {
			if insEvent, err = b.tx.PrepareContext(ctx, `INSERT INTO webhook_events (id, type, operator_id, body, created_at)
				VALUES (?, ?, ?, ?, ?)`); err != nil {
				return fmt.Errorf("sqlite: write events: %w", err)
			}
			defer insEvent.Close()
			if insDelivery, err = b.tx.PrepareContext(ctx, `INSERT INTO webhook_deliveries
				(id, endpoint_id, event_id, status, next_at, created_at) VALUES (?, ?, ?, 'pending', ?, ?)`); err != nil {
				return fmt.Errorf("sqlite: write events: %w", err)
			}
			defer insDelivery.Close()
		}
		if err := e.Encode(); err != nil {
			return fmt.Errorf("sqlite: write event %s: %w", e.Type, err)
		}
		body, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("sqlite: write event %s: %w", e.ID, err)
		}
		at := micros(e.CreatedAt)
		if _, err := insEvent.ExecContext(ctx, e.ID, e.Type, e.OperatorID, body, at); err != nil {
			return fmt.Errorf("sqlite: write event %s: %w", e.ID, err)
		}
		for _, endpoint := range endpoints {
			id, err := uuid.NewV7()
			if err != nil {
				return fmt.Errorf("sqlite: write event %s: %w", e.ID, err)
			}
			if _, err := insDelivery.ExecContext(ctx, id.String(), endpoint, e.ID, at, at); err != nil {
				return fmt.Errorf("sqlite: write event %s delivery: %w", e.ID, err)
			}
		}
	}
	return nil
}

// ---- endpoints ----

// endpointCols reads an endpoint of webhook_endpoints (not aliased): its
// event types come as a JSON array.
const endpointCols = `id, operator_id, url, description, secret, status, disabled_reason, created_at, updated_at,
	(SELECT json_group_array(event_type) FROM webhook_subscriptions s WHERE s.endpoint_id = webhook_endpoints.id)`

func scanEndpoint(sc scanner) (webhook.Endpoint, error) {
	var e webhook.Endpoint
	var status, events string
	var created, updated int64
	if err := sc.Scan(&e.ID, &e.OperatorID, &e.URL, &e.Description, &e.Secret, &status, &e.DisabledReason,
		&created, &updated, &events); err != nil {
		return e, err
	}
	e.Status, e.CreatedAt, e.UpdatedAt = webhook.Status(status), fromMicros(created), fromMicros(updated)
	if err := json.Unmarshal([]byte(events), &e.Events); err != nil {
		return e, err
	}
	e.Events = eventTypes(e.Events)
	return e, nil
}

// eventTypes is types sorted and distinct; nil when empty.
func eventTypes(types []string) []string {
	if len(types) == 0 {
		return nil
	}
	out := slices.Clone(types)
	slices.Sort(out)
	return slices.Compact(out)
}

// setSubscriptions makes the subscriptions of endpoint e (of operator op)
// types.
func setSubscriptions(ctx context.Context, tx *sql.Tx, e, op string, types []string) error {
	arg, err := jsonArray(append([]string{}, eventTypes(types)...))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_subscriptions
		WHERE endpoint_id = ? AND event_type NOT IN (SELECT value FROM json_each(?))`, e, arg); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO webhook_subscriptions (endpoint_id, operator_id, event_type)
		SELECT ?, ?, value FROM json_each(?) WHERE true ON CONFLICT DO NOTHING`, e, op, arg)
	return err
}

// CreateEndpoint stores a new endpoint and its subscriptions in one
// transaction; a taken id is ErrConflict.
func (s *Store) CreateEndpoint(ctx context.Context, e webhook.Endpoint, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "create endpoint", idem, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_endpoints (id, operator_id, url, description, secret, status,
			disabled_reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, e.OperatorID, e.URL, e.Description, e.Secret, string(e.Status), e.DisabledReason,
			micros(e.CreatedAt), micros(e.UpdatedAt)); err != nil {
			if isUnique(err) {
				return store.ErrConflict
			}
			return fmt.Errorf("sqlite: create endpoint: %w", err)
		}
		if err := setSubscriptions(ctx, tx, e.ID, e.OperatorID, e.Events); err != nil {
			return fmt.Errorf("sqlite: create endpoint: subscriptions: %w", err)
		}
		return nil
	})
}

// Endpoint reads an endpoint.
func (s *Store) Endpoint(ctx context.Context, id string) (webhook.Endpoint, error) {
	e, err := scanEndpoint(s.r.QueryRowContext(ctx, `SELECT `+endpointCols+` FROM webhook_endpoints WHERE id = ?`, id))
	if err != nil {
		return webhook.Endpoint{}, notFound(err, "endpoint")
	}
	return e, nil
}

// Endpoints lists an operator's endpoints by id.
func (s *Store) Endpoints(ctx context.Context, operatorID string) ([]webhook.Endpoint, error) {
	es, err := collect(ctx, s.r, scanEndpoint, `SELECT `+endpointCols+` FROM webhook_endpoints
		WHERE operator_id = ? ORDER BY id`, operatorID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: endpoints: %w", err)
	}
	return es, nil
}

// UpdateEndpoint replaces an endpoint's URL, Events (its subscriptions),
// Description, Status, DisabledReason and UpdatedAt in one transaction.
func (s *Store) UpdateEndpoint(ctx context.Context, e webhook.Endpoint) error {
	tx, err := s.w.BeginTx(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: update endpoint: %w", err)
	}
	defer tx.Rollback()
	var op string
	if err := tx.QueryRowContext(ctx, `UPDATE webhook_endpoints SET url = ?, description = ?, status = ?,
		disabled_reason = ?, updated_at = ? WHERE id = ? RETURNING operator_id`,
		e.URL, e.Description, string(e.Status), e.DisabledReason, micros(e.UpdatedAt), e.ID).Scan(&op); err != nil {
		return notFound(err, "update endpoint")
	}
	if err := setSubscriptions(ctx, tx.Tx, e.ID, op, e.Events); err != nil {
		return fmt.Errorf("sqlite: update endpoint: subscriptions: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: update endpoint: %w", err)
	}
	return nil
}

// DeleteEndpoint deletes an endpoint, its subscriptions and its
// deliveries, and the events that no other endpoint has a delivery of, in
// one transaction.
func (s *Store) DeleteEndpoint(ctx context.Context, id string) error {
	tx, err := s.w.BeginTx(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: delete endpoint: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_events
		WHERE id IN (SELECT event_id FROM webhook_deliveries WHERE endpoint_id = ?1)
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries x WHERE x.event_id = webhook_events.id AND x.endpoint_id <> ?1)`,
		id); err != nil {
		return fmt.Errorf("sqlite: delete endpoint: events: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE endpoint_id = ?`, id); err != nil {
		return fmt.Errorf("sqlite: delete endpoint: deliveries: %w", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id) // subscriptions: by cascade
	if err != nil {
		return fmt.Errorf("sqlite: delete endpoint: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: delete endpoint: %w", err)
	} else if n == 0 {
		return store.ErrNotFound
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: delete endpoint: %w", err)
	}
	return nil
}

// ---- deliveries ----

// deliveryCols reads a delivery d joined with its event v.
const deliveryCols = `d.id, d.seq, d.endpoint_id, d.event_id, v.type, v.body, d.status, d.attempts, d.next_at, d.last_at,
	d.last_code, d.last_error, d.created_at, d.done_at`

const deliveryFrom = ` FROM webhook_deliveries d JOIN webhook_events v ON v.id = d.event_id`

func scanDelivery(sc scanner) (webhook.Delivery, error) {
	var d webhook.Delivery
	var status string
	var next, last, done sql.NullInt64
	var created int64
	err := sc.Scan(&d.ID, &d.Seq, &d.EndpointID, &d.EventID, &d.EventType, &d.Event, &status, &d.Attempts,
		&next, &last, &d.LastCode, &d.LastError, &created, &done)
	d.Status = webhook.DeliveryStatus(status)
	d.NextAt, d.LastAt, d.CreatedAt, d.DoneAt = fromNullMicros(next), fromNullMicros(last), fromMicros(created), fromNullMicros(done)
	return d, err
}

// Deliveries lists an endpoint's deliveries, newest first, those with
// Seq < before when before > 0, at most limit (limit <= 0: all).
func (s *Store) Deliveries(ctx context.Context, endpointID string, before int64, limit int) ([]webhook.Delivery, error) {
	q := `SELECT ` + deliveryCols + deliveryFrom + ` WHERE d.endpoint_id = ?`
	args := []any{endpointID}
	if before > 0 {
		q += ` AND d.seq < ?`
		args = append(args, before)
	}
	q += ` ORDER BY d.seq DESC LIMIT ?`
	ds, err := collect(ctx, s.r, scanDelivery, q, append(args, limitArg(limit))...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: deliveries: %w", err)
	}
	return ds, nil
}

// Delivery reads a delivery.
func (s *Store) Delivery(ctx context.Context, id string) (webhook.Delivery, error) {
	d, err := scanDelivery(s.r.QueryRowContext(ctx, `SELECT `+deliveryCols+deliveryFrom+` WHERE d.id = ?`, id))
	if err != nil {
		return webhook.Delivery{}, notFound(err, "delivery")
	}
	return d, nil
}

// ClaimEndpoint leases one enabled endpoint, not leased at now, whose
// oldest pending delivery is due at now (a pending delivery without NextAt
// is due), with one UPDATE on the writer: of the candidates it takes the
// one due longest, then the lowest id. The lease is owner's until
// now+lease.
func (s *Store) ClaimEndpoint(ctx context.Context, owner string, now time.Time, lease time.Duration) (webhook.Endpoint, error) {
	e, err := scanEndpoint(s.w.QueryRowContext(ctx, `UPDATE webhook_endpoints SET lease_owner = ?1, lease_until = ?2
		WHERE id = (SELECT id FROM (
				SELECT e.id, (SELECT coalesce(d.next_at, 0) FROM webhook_deliveries d
					WHERE d.endpoint_id = e.id AND d.status = 'pending' ORDER BY d.seq LIMIT 1) AS due
				FROM webhook_endpoints e
				WHERE e.status = 'enabled' AND (e.lease_until IS NULL OR e.lease_until <= ?3))
			WHERE due <= ?3 ORDER BY due, id LIMIT 1)
		RETURNING `+endpointCols, owner, micros(now.Add(lease)), micros(now)))
	if err != nil {
		return webhook.Endpoint{}, notFound(err, "claim endpoint")
	}
	return e, nil
}

// PendingDeliveries lists an endpoint's pending deliveries by Seq, at most
// limit (limit <= 0: all).
func (s *Store) PendingDeliveries(ctx context.Context, endpointID string, limit int) ([]webhook.Delivery, error) {
	ds, err := collect(ctx, s.r, scanDelivery, `SELECT `+deliveryCols+deliveryFrom+`
		WHERE d.endpoint_id = ? AND d.status = 'pending' ORDER BY d.seq LIMIT ?`, endpointID, limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: pending deliveries: %w", err)
	}
	return ds, nil
}

// RecordAttempt stores d's Status, Attempts, NextAt, LastAt, LastCode,
// LastError and DoneAt when owner is the lease owner of d's endpoint (the
// lease's end is not checked: a lease that ran out still lets its owner
// record what it did until another deliverer claims the endpoint).
// Otherwise it is ErrConflict (ErrNotFound for an unknown delivery).
func (s *Store) RecordAttempt(ctx context.Context, owner string, d webhook.Delivery) error {
	return s.conditional(ctx, "record attempt", "webhook_deliveries", d.ID, `UPDATE webhook_deliveries
		SET status = ?, attempts = ?, next_at = ?, last_at = ?, last_code = ?, last_error = ?, done_at = ?
		WHERE id = ? AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE lease_owner = ? AND lease_owner <> '')`,
		string(d.Status), d.Attempts, nullMicros(d.NextAt), nullMicros(d.LastAt), d.LastCode, d.LastError,
		nullMicros(d.DoneAt), d.ID, owner)
}

// ReleaseEndpoint ends owner's lease of an endpoint; nothing happens when
// owner does not hold it (ErrNotFound for an unknown endpoint).
func (s *Store) ReleaseEndpoint(ctx context.Context, endpointID, owner string) error {
	err := s.conditional(ctx, "release endpoint", "webhook_endpoints", endpointID, `UPDATE webhook_endpoints
		SET lease_owner = '', lease_until = NULL WHERE id = ? AND lease_owner = ?`, endpointID, owner)
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}

// RetryDelivery makes a delivery pending again, due at now, and not done;
// its attempts and last outcome stay.
func (s *Store) RetryDelivery(ctx context.Context, id string, now time.Time) error {
	return s.update(ctx, "retry delivery", `UPDATE webhook_deliveries SET status = 'pending', next_at = ?, done_at = NULL
		WHERE id = ?`, micros(now), id)
}
