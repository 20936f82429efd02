package webhook

import (
	"context"
	"time"

	"github.com/ingot-cbdc/ingot/store"
)

// Endpoint is an operator's webhook endpoint: a URL that receives the
// operator's events of the types it subscribes to.
type Endpoint struct {
	ID         string // UUIDv7
	OperatorID string
	URL        string
	Events     []string // event types (ingot.EventTypes), sorted, distinct; read back nil when none
	// Secret is the signing secret sealed with the PII keyring (context
	// "webhook_secret:<id>"; `ingot rekey` re-seals it, as a column of
	// store.SealedColumns); the API shows "whsec_"+base64(key) once.
	Secret      string
	Description string
	Status      Status
	// DisabledReason says why an endpoint was disabled ("failing since
	// ..." or "disabled by the operator").
	DisabledReason string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Status of an endpoint.
type Status string

const (
	StatusEnabled  Status = "enabled"
	StatusDisabled Status = "disabled"
)

// Delivery is one event to one endpoint: created in the transaction that
// wrote the event (for every enabled endpoint of the event's operator that
// subscribes to its type), then sent by a deliverer until it succeeds or
// gives up.
type Delivery struct {
	ID         string // UUIDv7, made by the store
	Seq        int64  // the endpoint's order: deliveries are sent by Seq
	EndpointID string
	EventID    string
	EventType  string
	// Event is the event's body as stored: the JSON of an ingot.Event.
	Event     []byte
	Status    DeliveryStatus
	Attempts  int
	NextAt    time.Time // when the next attempt is due (pending)
	LastAt    time.Time // zero before the first attempt
	LastCode  int       // HTTP status of the last attempt; 0 when none came
	LastError string    // what went wrong with the last attempt
	CreatedAt time.Time
	DoneAt    time.Time // when it succeeded or failed for good
}

// DeliveryStatus of a delivery.
type DeliveryStatus string

const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliverySucceeded DeliveryStatus = "succeeded"
	DeliveryFailed    DeliveryStatus = "failed" // gave up
)

// Store is what webhooks keep in the database. Both stores implement it
// and pass the conformance suite (store/storetest). A missing row answers
// store.ErrNotFound.
//
// Deliveries are created by the stores' batch Write from
// store.BatchWrite.Events (an outbox), in the batch's own transaction and
// with a constant number of statements per batch, never one per event
// (SQLite: prepared statements executed per row): an event is stored, as
// the JSON of the whole ingot.Event, only when an enabled endpoint of its
// operator subscribes to its type, with one delivery per such endpoint,
// pending and due at the event's CreatedAt; deliveries' Seq follows the
// batch's event order. A batch whose operators have no such endpoint costs
// one small query.
// Sending is claimed per endpoint with a lease, so that across processes
// one deliverer at a time sends an endpoint's deliveries, in Seq order.
type Store interface {
	// CreateEndpoint stores a new endpoint and its subscriptions, with
	// idem as store.Store's CreateAccount: in one transaction with the
	// idempotency record; when a record with idem's key exists already,
	// nothing is written and it is returned. A taken id is ErrConflict.
	CreateEndpoint(ctx context.Context, e Endpoint, idem *store.IdemRecord) (*store.IdemRecord, error)
	Endpoint(ctx context.Context, id string) (Endpoint, error)
	// Endpoints lists an operator's endpoints by id.
	Endpoints(ctx context.Context, operatorID string) ([]Endpoint, error)
	// UpdateEndpoint replaces an endpoint's URL, Events, Description,
	// Status, DisabledReason and UpdatedAt (its other fields are ignored).
	UpdateEndpoint(ctx context.Context, e Endpoint) error
	// DeleteEndpoint deletes an endpoint, its subscriptions and its
	// deliveries, and the stored events that no other endpoint has a
	// delivery of. A batch writing deliveries for the endpoint meanwhile is
	// waited for (its deliveries are deleted too).
	DeleteEndpoint(ctx context.Context, id string) error

	// Deliveries lists an endpoint's deliveries, newest first, those with
	// Seq < before when before > 0, at most limit (limit <= 0: all).
	Deliveries(ctx context.Context, endpointID string, before int64, limit int) ([]Delivery, error)
	Delivery(ctx context.Context, id string) (Delivery, error)

	// ClaimEndpoint leases, until now+lease, one enabled endpoint whose
	// oldest pending delivery (lowest Seq) is due at now (NextAt <= now; a
	// zero NextAt is due) and whose lease (if any) has run out (its end <=
	// now), for owner; ErrNotFound when none. Of several, the one due
	// longest is taken, then the lowest id. A lease is taken by one
	// statement (or a row lock) so that two processes never hold one
	// endpoint's lease at once. Times are the caller's (now), not the
	// database's clock.
	ClaimEndpoint(ctx context.Context, owner string, now time.Time, lease time.Duration) (Endpoint, error)
	// PendingDeliveries lists an endpoint's pending deliveries by Seq, at
	// most limit (limit <= 0: all; the deliverer sends them in order and
	// stops at the first failure).
	PendingDeliveries(ctx context.Context, endpointID string, limit int) ([]Delivery, error)
	// RecordAttempt stores the outcome of an attempt at a delivery: its
	// Status, Attempts, NextAt, LastAt, LastCode, LastError and DoneAt,
	// only while owner holds the endpoint's lease, else ErrConflict
	// (ErrNotFound for an unknown delivery). Holding is being the lease's
	// owner as stored: the lease's end is not checked, so an owner whose
	// lease ran out may still record until another owner claims the
	// endpoint (or it released it); from then on it gets ErrConflict.
	RecordAttempt(ctx context.Context, owner string, d Delivery) error
	// ReleaseEndpoint ends owner's lease of an endpoint (claimable again at
	// once); nothing happens when owner does not hold it. ErrNotFound for
	// an unknown endpoint.
	ReleaseEndpoint(ctx context.Context, endpointID, owner string) error
	// RetryDelivery makes a delivery pending again, due at now, with a zero
	// DoneAt (a manual retry; also of one that succeeded or failed); its
	// Attempts and last outcome stay.
	RetryDelivery(ctx context.Context, id string, now time.Time) error
}
