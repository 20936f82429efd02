package webhook

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
)

// Options configure the Service and the Deliverer.
type Options struct {
	// Now is the clock; nil is time.Now. Give the ledger's (ledger.Options.Now).
	Now func() time.Time
	// AllowPrivate lets endpoints be at any address, loopback and private
	// ones included (--sandbox, --webhook-allow-private).
	AllowPrivate bool
	// Resolver resolves endpoints' host names at creation; nil is
	// net.DefaultResolver.
	Resolver *net.Resolver
	// Logger; nil is slog.Default().
	Logger *slog.Logger

	// The deliverer's (deliver.go).

	// Render renders an event's object as the API renders it, for the
	// "data" of a delivery (httpapi.EventRenderer); nil sends the object
	// as the ledger keeps it.
	Render func(ingot.Event) (json.RawMessage, error)
	// Record receives the security event of an endpoint disabled after
	// failing for GiveUp (auth.Service.Record); nil records nothing.
	Record func(context.Context, auth.SecurityEvent)
	// Poll is how often the deliverer looks for due deliveries besides
	// when woken; 0 is 500 ms.
	Poll time.Duration
	// Lease is how long a deliverer holds an endpoint it sends to; 0 is a
	// minute. It stops sending early enough for its last attempt to end
	// within the lease.
	Lease time.Duration
	// Timeout bounds one attempt (connection, request and answer); 0 is
	// 10 s.
	Timeout time.Duration
	// Backoff is the delay before each retry: the first after the first
	// failed attempt, the last repeated; nil is DefaultBackoff.
	Backoff []time.Duration
	// GiveUp is how long after its creation a delivery is retried; a
	// failure after that fails it for good and disables its endpoint; 0 is
	// 3 days.
	GiveUp time.Duration
	// Workers is how many endpoints a deliverer sends to at once; 0 is 4.
	Workers int
}

// Defaults of Options.
const (
	DefaultPoll    = 500 * time.Millisecond
	DefaultLease   = time.Minute
	DefaultTimeout = 10 * time.Second
	DefaultGiveUp  = 72 * time.Hour
	DefaultWorkers = 4
)

// DefaultBackoff is the retry schedule (the Standard Webhooks example's
// start): 5 s, 5 min, 30 min, 2 h, 5 h, then every 10 h, until GiveUp.
var DefaultBackoff = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if len(o.Backoff) == 0 {
		o.Backoff = DefaultBackoff
	}
	if o.GiveUp <= 0 {
		o.GiveUp = DefaultGiveUp
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	return o
}

// Limits of endpoints.
const (
	MaxEndpoints      = 20  // per operator
	MaxDescriptionLen = 200 // characters
)

// Service manages operators' webhook endpoints: what the API calls. Each
// operator manages only its own endpoints (another's are not found); the
// central bank and holders have none.
type Service struct {
	st    Store
	keys  *pii.Keys
	guard Guard
	opt   Options
	wake  func()
}

// NewService returns the endpoint service over a store. Secrets are sealed
// with keys (pii.Keys).
func NewService(st Store, keys *pii.Keys, opt Options) *Service {
	opt = opt.withDefaults()
	return &Service{st: st, keys: keys, guard: Guard{AllowPrivate: opt.AllowPrivate, Resolver: opt.Resolver}, opt: opt}
}

// WithWake gives the service the deliverer's Wake, called after a manual
// retry so that it is sent at once.
func (s *Service) WithWake(wake func()) *Service {
	s.wake = wake
	return s
}

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

// EndpointIn is an endpoint as the API creates it.
type EndpointIn struct {
	URL         string
	Events      []string
	Description string
}

// EndpointPatch is a change of an endpoint; nil fields stay as they are.
type EndpointPatch struct {
	URL         *string
	Events      []string // nil: unchanged
	Description *string
	// Status enabled re-enables an endpoint (clearing its DisabledReason);
	// disabled stops its deliveries, which wait until it is enabled again.
	Status *Status
}

// NewEndpoint is a created endpoint with its secret, shown once: the
// secret is not part of an idempotent replay (json:"-"), as an API key's is
// not.
type NewEndpoint struct {
	Endpoint
	Secret string `json:"-"`
}

// Create makes an endpoint of the caller's operator, with a new secret.
func (s *Service) Create(ctx context.Context, a ingot.Actor, in EndpointIn, idem *ledger.Idem) (*NewEndpoint, error) {
	if err := requireOperator(a); err != nil {
		return nil, err
	}
	u, err := s.guard.CheckURL(ctx, in.URL)
	if err != nil {
		return nil, err
	}
	events, err := checkEvents(in.Events)
	if err != nil {
		return nil, err
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	if s.keys == nil {
		return nil, ingot.Errorf(ingot.CodeUnavailable, "no data key is configured to seal webhook secrets")
	}
	have, err := s.st.Endpoints(ctx, a.OperatorID)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	if len(have) >= MaxEndpoints {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "an operator has at most %d webhook endpoints; delete one first", MaxEndpoints)
	}
	now := s.now()
	id := uuid.Must(uuid.NewV7()).String()
	secret := NewSecret()
	sealed, err := s.keys.Seal(secret, SecretContext(id))
	if err != nil {
		return nil, fmt.Errorf("webhook: sealing a secret: %w", err)
	}
	e := Endpoint{ID: id, OperatorID: a.OperatorID, URL: u, Events: events, Secret: sealed, Description: in.Description,
		Status: StatusEnabled, CreatedAt: now, UpdatedAt: now}
	res := &NewEndpoint{Endpoint: e}
	res.Endpoint.Secret = ""
	// The stored outcome has no secret: a replay answers the endpoint
	// without it (it is shown once).
	var rec *store.IdemRecord
	if idem != nil {
		body, err := json.Marshal(res)
		if err != nil {
			return nil, fmt.Errorf("webhook: encoding an outcome: %w", err)
		}
		rec = &store.IdemRecord{IdemKey: idem.IdemKey, Hash: idem.Hash, Body: body, CreatedAt: now}
	}
	existing, err := s.st.CreateEndpoint(ctx, e, rec)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	if existing != nil {
		return replayed(existing, idem)
	}
	res.Secret = secret
	return res, nil
}

// replayed decodes the stored outcome of an earlier creation with idem's
// key, or answers idempotency_conflict when it was another request.
func replayed(rec *store.IdemRecord, idem *ledger.Idem) (*NewEndpoint, error) {
	if !bytes.Equal(rec.Hash, idem.Hash) {
		return nil, ingot.Errorf(ingot.CodeIdempotencyConflict, "this Idempotency-Key was used with a different request")
	}
	idem.Replayed = true
	var v NewEndpoint
	if err := json.Unmarshal(rec.Body, &v); err != nil {
		return nil, fmt.Errorf("webhook: a stored outcome does not decode: %w", err)
	}
	return &v, nil
}

// SecretContext is what an endpoint's secret is sealed under.
func SecretContext(endpointID string) string { return "webhook_secret:" + endpointID }

// Endpoints lists the caller's operator's endpoints, by id (oldest first).
func (s *Service) Endpoints(ctx context.Context, a ingot.Actor) ([]Endpoint, error) {
	if err := requireOperator(a); err != nil {
		return nil, err
	}
	es, err := s.st.Endpoints(ctx, a.OperatorID)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	for i := range es {
		es[i].Secret = ""
	}
	return es, nil
}

// Endpoint reads one of the caller's operator's endpoints.
func (s *Service) Endpoint(ctx context.Context, a ingot.Actor, id string) (Endpoint, error) {
	e, err := s.own(ctx, a, id)
	e.Secret = ""
	return e, err
}

// own reads an endpoint of the caller's operator, Secret (sealed)
// included; any other is not found.
func (s *Service) own(ctx context.Context, a ingot.Actor, id string) (Endpoint, error) {
	if err := requireOperator(a); err != nil {
		return Endpoint{}, err
	}
	if uuid.Validate(id) != nil {
		return Endpoint{}, notFound("webhook endpoint " + strconv.Quote(id))
	}
	e, err := s.st.Endpoint(ctx, id)
	if err == nil && e.OperatorID != a.OperatorID {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		return Endpoint{}, notFound("webhook endpoint " + id)
	}
	if err != nil {
		return Endpoint{}, s.unavailable(ctx, err)
	}
	return e, nil
}

// Update changes an endpoint of the caller's operator.
func (s *Service) Update(ctx context.Context, a ingot.Actor, id string, p EndpointPatch) (Endpoint, error) {
	e, err := s.own(ctx, a, id)
	if err != nil {
		return Endpoint{}, err
	}
	if p.URL != nil {
		if e.URL, err = s.guard.CheckURL(ctx, *p.URL); err != nil {
			return Endpoint{}, err
		}
	}
	if p.Events != nil {
		if e.Events, err = checkEvents(p.Events); err != nil {
			return Endpoint{}, err
		}
	}
	if p.Description != nil {
		if err := checkDescription(*p.Description); err != nil {
			return Endpoint{}, err
		}
		e.Description = *p.Description
	}
	if p.Status != nil {
		switch *p.Status {
		case StatusEnabled:
			e.Status, e.DisabledReason = StatusEnabled, ""
		case StatusDisabled:
			if e.Status != StatusDisabled {
				e.Status, e.DisabledReason = StatusDisabled, "disabled by the operator"
			}
		default:
			return Endpoint{}, ingot.Errorf(ingot.CodeInvalidRequest, "status must be enabled or disabled")
		}
	}
	e.UpdatedAt = s.now()
	if err := s.st.UpdateEndpoint(ctx, e); errors.Is(err, store.ErrNotFound) {
		return Endpoint{}, notFound("webhook endpoint " + id)
	} else if err != nil {
		return Endpoint{}, s.unavailable(ctx, err)
	}
	if e.Status == StatusEnabled && s.wake != nil {
		s.wake()
	}
	e.Secret = ""
	return e, nil
}

// Delete deletes an endpoint of the caller's operator and its deliveries.
func (s *Service) Delete(ctx context.Context, a ingot.Actor, id string) error {
	if _, err := s.own(ctx, a, id); err != nil {
		return err
	}
	if err := s.st.DeleteEndpoint(ctx, id); errors.Is(err, store.ErrNotFound) {
		return notFound("webhook endpoint " + id)
	} else if err != nil {
		return s.unavailable(ctx, err)
	}
	return nil
}

// Deliveries lists an endpoint's deliveries, newest first, a page of at
// most limit after cursor; next is the cursor of the next page ("" at the
// end).
func (s *Service) Deliveries(ctx context.Context, a ingot.Actor, id, cursor string, limit int) (ds []Delivery, next string, err error) {
	if _, err := s.own(ctx, a, id); err != nil {
		return nil, "", err
	}
	var before int64
	if cursor != "" {
		v, err := decodeCursor(cursor, "delivery")
		if err != nil {
			return nil, "", err
		}
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before <= 0 {
			return nil, "", errBadCursor
		}
	}
	limit = clampLimit(limit)
	ds, err = s.st.Deliveries(ctx, id, before, limit+1)
	if err != nil {
		return nil, "", s.unavailable(ctx, err)
	}
	if len(ds) > limit {
		ds = ds[:limit]
		next = encodeCursor("delivery", strconv.FormatInt(ds[limit-1].Seq, 10))
	}
	return ds, next, nil
}

// Retry makes one of an endpoint's deliveries pending again, due now (also
// one that succeeded or gave up), and returns it. It is sent in its turn:
// after the endpoint's pending deliveries before it, and only while the
// endpoint is enabled.
func (s *Service) Retry(ctx context.Context, a ingot.Actor, id, deliveryID string) (Delivery, error) {
	if _, err := s.own(ctx, a, id); err != nil {
		return Delivery{}, err
	}
	missing := notFound("delivery " + strconv.Quote(deliveryID) + " of webhook endpoint " + id)
	if uuid.Validate(deliveryID) != nil {
		return Delivery{}, missing
	}
	d, err := s.st.Delivery(ctx, deliveryID)
	if errors.Is(err, store.ErrNotFound) || err == nil && d.EndpointID != id {
		return Delivery{}, missing
	}
	if err != nil {
		return Delivery{}, s.unavailable(ctx, err)
	}
	if err := s.st.RetryDelivery(ctx, deliveryID, s.now()); errors.Is(err, store.ErrNotFound) {
		return Delivery{}, missing
	} else if err != nil {
		return Delivery{}, s.unavailable(ctx, err)
	}
	if d, err = s.st.Delivery(ctx, deliveryID); err != nil {
		return Delivery{}, s.unavailable(ctx, err)
	}
	if s.wake != nil {
		s.wake()
	}
	return d, nil
}

// Secret opens an endpoint's signing secret ("whsec_...").
func Secret(keys *pii.Keys, e Endpoint) (string, error) {
	if keys == nil {
		return "", errors.New("webhook: no data key to open secrets")
	}
	return keys.Open(e.Secret, SecretContext(e.ID))
}

// ---- checks ----

func requireOperator(a ingot.Actor) error {
	if a.Role != ingot.RoleOperator || a.OperatorID == "" {
		return ingot.Errorf(ingot.CodeForbidden, "only an operator may manage webhook endpoints")
	}
	return nil
}

func notFound(what string) error { return ingot.Errorf(ingot.CodeNotFound, "%s not found", what) }

// checkEvents checks event types (at least one, each of ingot.EventTypes)
// and returns them sorted and distinct.
func checkEvents(events []string) ([]string, error) {
	if len(events) == 0 {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "events must name at least one event type (%s)", strings.Join(ingot.EventTypes, ", "))
	}
	out := make([]string, 0, len(events))
	for _, ev := range events {
		if !slices.Contains(ingot.EventTypes, ev) {
			return nil, ingot.Errorf(ingot.CodeInvalidRequest, "events: %q is not an event type (%s)", ev, strings.Join(ingot.EventTypes, ", "))
		}
		out = append(out, ev)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func checkDescription(d string) error {
	if !utf8.ValidString(d) || utf8.RuneCountInString(d) > MaxDescriptionLen {
		return ingot.Errorf(ingot.CodeInvalidRequest, "description must be valid text of at most %d characters", MaxDescriptionLen)
	}
	for _, r := range d {
		if r < 0x20 || r == 0x7f {
			return ingot.Errorf(ingot.CodeInvalidRequest, "description has control characters")
		}
	}
	return nil
}

// unavailable turns a storage failure into a retryable error, logging it;
// an *ingot.Error passes as it is.
func (s *Service) unavailable(ctx context.Context, err error) error {
	if ingot.AsError(err) != nil {
		return err
	}
	s.opt.Logger.ErrorContext(ctx, "webhook: storage failure", "err", err)
	return ingot.Errorf(ingot.CodeUnavailable, "storage is unavailable; retry")
}

// ---- cursors (as the ledger's: base64url of "<kind>:<position>") ----

var errBadCursor = ingot.Errorf(ingot.CodeInvalidCursor, "cursor is not one this API issued")

func encodeCursor(kind, v string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + v))
}

func decodeCursor(c, kind string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", errBadCursor
	}
	k, v, ok := strings.Cut(string(b), ":")
	if !ok || k != kind || v == "" {
		return "", errBadCursor
	}
	return v, nil
}

func clampLimit(n int) int {
	if n <= 0 {
		return ledger.DefaultLimit
	}
	return min(n, ledger.MaxLimit)
}
