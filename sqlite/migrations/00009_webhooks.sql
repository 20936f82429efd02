-- +goose Up
-- Webhooks (package webhook): operators' endpoints, the event types each
-- subscribes to, the outbox of events and the delivery of each event to
-- each endpoint that subscribes to it. A batch inserts its events and their
-- deliveries in its own transaction; deliverers lease an endpoint at a
-- time (lease_owner, lease_until) and send its pending deliveries in seq
-- order. Times are Unix microseconds; NULL is "never".

-- secret is sealed (context "webhook_secret:{id}", re-sealed by rekey).
CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    operator_id     TEXT NOT NULL,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    secret          TEXT NOT NULL,
    status          TEXT NOT NULL,
    disabled_reason TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    lease_owner     TEXT NOT NULL DEFAULT '',
    lease_until     INTEGER
);
CREATE INDEX webhook_endpoints_operator ON webhook_endpoints (operator_id, id);

-- An endpoint's event types (Endpoint.Events), kept by Create and
-- UpdateEndpoint; a batch finds the endpoints of its events' operators
-- and types through webhook_subscriptions_type.
CREATE TABLE webhook_subscriptions (
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    operator_id TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    PRIMARY KEY (endpoint_id, event_type)
) WITHOUT ROWID;
CREATE INDEX webhook_subscriptions_type ON webhook_subscriptions (operator_id, event_type, endpoint_id);

-- The outbox: only events with deliveries are stored (see DeleteEndpoint).
-- body is the JSON of the whole ingot.Event, as encoding/json wrote it.
CREATE TABLE webhook_events (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    operator_id TEXT NOT NULL,
    body        BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);

-- seq is the rowid; AUTOINCREMENT: never reused after DeleteEndpoint, so
-- that it only grows.
CREATE TABLE webhook_deliveries (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id    TEXT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER,
    last_at     INTEGER,
    last_code   INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    done_at     INTEGER
);
-- An endpoint's deliveries, newest first (Deliveries).
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, seq);
-- An endpoint's pending deliveries by seq (PendingDeliveries), and the
-- due time of its oldest one (ClaimEndpoint) from the index alone.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, seq, next_at)
    WHERE status = 'pending';
-- Whether an event has deliveries left (DeleteEndpoint), and the foreign key.
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhook_subscriptions;
DROP TABLE webhook_endpoints;
