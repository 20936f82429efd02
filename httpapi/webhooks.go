package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/conditional"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/openfinance"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/schedule"
	"github.com/ingot-cbdc/ingot/webhook"
)

// Webhooks (docs/webhooks.md): an operator's endpoints, which receive its
// events signed by the Standard Webhooks scheme, and their deliveries.

// WebhookEndpoint is an operator's webhook endpoint.
type WebhookEndpoint struct {
	ID             string    `json:"id"`
	URL            string    `json:"url" example:"https://till.example.com/ingot/webhooks"`
	Events         []string  `json:"events" example:"[\"transfer.received\",\"refund.created\"]"`
	Description    string    `json:"description"`
	Status         string    `json:"status" enum:"enabled,disabled"`
	DisabledReason string    `json:"disabled_reason" doc:"Why a disabled endpoint was disabled: by the operator, or failing for 3 days. Empty when enabled."`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Secret         string    `json:"secret,omitempty" example:"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwN5Fv+uXpcSo=" doc:"The signing secret: in the answer to the creation only (not in an idempotent replay). Verify each delivery's webhook-signature with it."`
}

func endpointOut(e *webhook.Endpoint, secret string) WebhookEndpoint {
	events := e.Events
	if events == nil {
		events = []string{}
	}
	return WebhookEndpoint{ID: e.ID, URL: e.URL, Events: events, Description: e.Description, Status: string(e.Status),
		DisabledReason: e.DisabledReason, CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC(), Secret: secret}
}

// WebhookDelivery is one event sent (or to be sent) to one endpoint.
type WebhookDelivery struct {
	ID             string    `json:"id"`
	EventID        string    `json:"event_id" doc:"The event's id, sent as webhook-id (the same on every attempt: receivers dedupe by it)."`
	EventType      string    `json:"event_type" example:"transfer.received"`
	Status         string    `json:"status" enum:"pending,succeeded,failed" doc:"failed: retried for 3 days without success (the endpoint was then disabled)."`
	Attempts       int       `json:"attempts"`
	NextAttemptAt  time.Time `json:"next_attempt_at,omitzero" doc:"When a pending delivery is due (after the endpoint's earlier pending ones)."`
	LastAttemptAt  time.Time `json:"last_attempt_at,omitzero"`
	LastStatusCode int       `json:"last_status_code,omitempty" doc:"The HTTP status of the last attempt's answer; absent when none came."`
	LastError      string    `json:"last_error,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	CompletedAt    time.Time `json:"completed_at,omitzero" doc:"When it succeeded or failed for good."`
}

func deliveryOut(d *webhook.Delivery) WebhookDelivery {
	out := WebhookDelivery{ID: d.ID, EventID: d.EventID, EventType: d.EventType, Status: string(d.Status), Attempts: d.Attempts,
		LastAttemptAt: d.LastAt.UTC(), LastStatusCode: d.LastCode, LastError: d.LastError, CreatedAt: d.CreatedAt.UTC(), CompletedAt: d.DoneAt.UTC()}
	if d.Status == webhook.DeliveryPending {
		out.NextAttemptAt = d.NextAt.UTC()
	}
	return out
}

// ---- inputs ----

type createEndpointIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		URL         string   `json:"url" maxLength:"2048" doc:"An absolute http:// or https:// URL of a public address: loopback, private and link-local addresses (also behind a name) are refused, except under --sandbox or --webhook-allow-private."`
		Events      []string `json:"events" maxItems:"50" doc:"Event types to receive, at least one: transfer.received, transfer.sent, payment_request.paid, payment_request.expired, refund.created, bank_operation.completed, bank_operation.failed, wallet.frozen, hold.expired."`
		Description string   `json:"description,omitempty" maxLength:"800" doc:"At most 200 characters."`
	}
}

type endpointIn struct {
	ID string `path:"id"`
}

type updateEndpointIn struct {
	ID   string `path:"id"`
	Body struct {
		URL         *string  `json:"url,omitempty" maxLength:"2048"`
		Events      []string `json:"events,omitempty" maxItems:"50" doc:"Event types to receive (replacing the list), at least one: transfer.received, transfer.sent, payment_request.paid, payment_request.expired, refund.created, bank_operation.completed, bank_operation.failed, wallet.frozen, hold.expired."`
		Description *string  `json:"description,omitempty" maxLength:"800"`
		Status      *string  `json:"status,omitempty" enum:"enabled,disabled" doc:"disabled holds the endpoint's deliveries; enabled sends them again (and clears disabled_reason)."`
	}
}

type deliveriesIn struct {
	ID     string `path:"id"`
	Cursor string `query:"cursor" doc:"Opaque cursor from next_cursor."`
	Limit  int    `query:"limit" minimum:"0" maximum:"500" doc:"Page size, default 50, at most 500."`
}

type retryIn struct {
	ID         string `path:"id"`
	DeliveryID string `path:"delivery_id"`
}

// ---- routes ----

func (s *server) webhookRoutes() {
	const tag = "Webhooks"
	post(s, "createWebhookEndpoint", "/v1/webhook-endpoints", "Add a webhook endpoint: it receives the operator's events, signed (its secret is shown once)", http.StatusCreated, tag, s.createEndpoint)
	get(s, "listWebhookEndpoints", "/v1/webhook-endpoints", "The operator's webhook endpoints", tag, s.listEndpoints)
	get(s, "getWebhookEndpoint", "/v1/webhook-endpoints/{id}", "Read a webhook endpoint", tag, s.getEndpoint)
	register(s, http.MethodPatch, "updateWebhookEndpoint", "/v1/webhook-endpoints/{id}", "Change a webhook endpoint's URL, events, description or status", http.StatusOK, tag, s.updateEndpoint)
	huma.Register(s.api, huma.Operation{OperationID: "deleteWebhookEndpoint", Method: http.MethodDelete, Path: "/v1/webhook-endpoints/{id}",
		Summary: "Delete a webhook endpoint and its deliveries", Tags: []string{tag}, DefaultStatus: http.StatusNoContent, Security: bearer}, s.deleteEndpoint)
	get(s, "listWebhookDeliveries", "/v1/webhook-endpoints/{id}/deliveries", "A webhook endpoint's deliveries, newest first", tag, s.deliveries)
	post(s, "retryWebhookDelivery", "/v1/webhook-endpoints/{id}/deliveries/{delivery_id}/retry", "Send a delivery again (also one that succeeded or failed)", http.StatusOK, tag, s.retryDelivery)
}

// webhooks is the endpoint service, or an error when the server has none.
func (s *server) webhooks(ctx context.Context) (*webhook.Service, error) {
	if s.hooks == nil {
		return nil, s.problem(ctx, ingot.Errorf(ingot.CodeUnavailable, "webhooks are not configured on this server"))
	}
	return s.hooks, nil
}

// ---- handlers ----

func (s *server) createEndpoint(ctx context.Context, in *createEndpointIn) (*Out[WebhookEndpoint], error) {
	wh, err := s.webhooks(ctx)
	if err != nil {
		return nil, err
	}
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*webhook.NewEndpoint, error) {
			return wh.Create(ctx, actor(ctx), webhook.EndpointIn{URL: in.Body.URL, Events: in.Body.Events, Description: in.Body.Description}, idem)
		},
		func(e *webhook.NewEndpoint) WebhookEndpoint { return endpointOut(&e.Endpoint, e.Secret) })
}

func (s *server) listEndpoints(ctx context.Context, _ *struct{}) (*Body[List[WebhookEndpoint]], error) {
	wh, err := s.webhooks(ctx)
	if err != nil {
		return nil, err
	}
	es, err := wh.Endpoints(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[WebhookEndpoint]{Items: make([]WebhookEndpoint, len(es))}
	for i := range es {
		out.Items[i] = endpointOut(&es[i], "")
	}
	return &Body[List[WebhookEndpoint]]{Body: out}, nil
}

func (s *server) getEndpoint(ctx context.Context, in *endpointIn) (*Body[WebhookEndpoint], error) {
	wh, err := s.webhooks(ctx)
	if err != nil {
		return nil, err
	}
	e, err := wh.Endpoint(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[WebhookEndpoint]{Body: endpointOut(&e, "")}, nil
}

func (s *server) updateEndpoint(ctx context.Context, in *updateEndpointIn) (*Body[WebhookEndpoint], error) {
	wh, err := s.webhooks(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	p := webhook.EndpointPatch{URL: b.URL, Events: b.Events, Description: b.Description}
	if b.Status != nil {
		st := webhook.Status(*b.Status)
		p.Status = &st
	}
	e, err := wh.Update(ctx, actor(ctx), in.ID, p)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[WebhookEndpoint]{Body: endpointOut(&e, "")}, nil
}

func (s *server) deleteEndpoint(ctx context.Context, in *endpointIn) (*noContent, error) {
	wh, err := s.webhooks(ctx)
	if err != nil {
		return nil, err
	}
	if err := wh.Delete(ctx, actor(ctx), in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &noContent{Status: http.StatusNoContent}, nil
}

func (s *server) deliveries(ctx context.Context, in *deliveriesIn) (*Body[List[WebhookDelivery]], error) {
	wh, err := s.webhooks(ctx)
	if err != nil {
		return nil, err
	}
	ds, next, err := wh.Deliveries(ctx, actor(ctx), in.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[WebhookDelivery]{Items: make([]WebhookDelivery, len(ds)), NextCursor: next}
	for i := range ds {
		out.Items[i] = deliveryOut(&ds[i])
	}
	return &Body[List[WebhookDelivery]]{Body: out}, nil
}

func (s *server) retryDelivery(ctx context.Context, in *retryIn) (*Body[WebhookDelivery], error) {
	wh, err := s.webhooks(ctx)
	if err != nil {
		return nil, err
	}
	d, err := wh.Retry(ctx, actor(ctx), in.ID, in.DeliveryID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[WebhookDelivery]{Body: deliveryOut(&d)}, nil
}

// ---- events ----

// EventRenderer returns the function that renders an event's object as
// the API renders that object (a transfer as GET /v1/transfers/{id}, a
// wallet masked as GET /v1/wallets/{id}, ...): the "data" of a webhook
// delivery (webhook.Options.Render).
func EventRenderer(svc *ledger.Service, log *slog.Logger) func(ingot.Event) (json.RawMessage, error) {
	if log == nil {
		log = slog.Default()
	}
	s := &server{svc: svc, log: log}
	return s.RenderEvent
}

// RenderEvent renders an event's object (ingot.Event.Object, the JSON of
// the ledger's object as events.go emits it) as the API renders it.
func (s *server) RenderEvent(ev ingot.Event) (json.RawMessage, error) {
	ctx := context.Background()
	var out any
	switch ev.Type {
	case ingot.EventTransferReceived, ingot.EventTransferSent:
		var t ingot.Transfer
		if err := decodeObject(ev, &t); err != nil {
			return nil, err
		}
		out = transferOut(&t, "")
	case ingot.EventPaymentRequestPaid, ingot.EventPaymentRequestExpired:
		var pr ingot.PaymentRequest
		if err := decodeObject(ev, &pr); err != nil {
			return nil, err
		}
		r, err := s.paymentRequestOut(ctx, &pr)
		if err != nil {
			return nil, err
		}
		out = r
	case ingot.EventRefundCreated:
		var r ingot.Refund
		if err := decodeObject(ev, &r); err != nil {
			return nil, err
		}
		out = refundOut(&r)
	case ingot.EventBankOperationDone, ingot.EventBankOperationFailed:
		var o ingot.BankOperation
		if err := decodeObject(ev, &o); err != nil {
			return nil, err
		}
		out = bankOpOut(&o)
	case ingot.EventWalletFrozen:
		var a ingot.Account
		if err := decodeObject(ev, &a); err != nil {
			return nil, err
		}
		out = s.walletOut(ctx, &a, nil)
	case ingot.EventHoldExpired:
		var h ingot.Hold
		if err := decodeObject(ev, &h); err != nil {
			return nil, err
		}
		out = holdOut(&h)
	case ingot.EventAlertCreated:
		var a risk.Alert
		if err := decodeObject(ev, &a); err != nil {
			return nil, err
		}
		out = alertOut(&a)
	case ingot.EventReviewPending, ingot.EventReviewDecided:
		var r risk.Review
		if err := decodeObject(ev, &r); err != nil {
			return nil, err
		}
		out = reviewOut(&r)
	case ingot.EventConditionalCreated, ingot.EventConditionalEnded:
		var p conditional.Payment
		if err := decodeObject(ev, &p); err != nil {
			return nil, err
		}
		out = conditionalOut(&p, nil)
	case ingot.EventStandingOrderRun:
		var r schedule.Report
		if err := decodeObject(ev, &r); err != nil {
			return nil, err
		}
		out = StandingRunEvent{Order: standingOut(&r.Order), Run: runOut(&r.Run)}
	case ingot.EventConsentRevoked:
		var c openfinance.Consent
		if err := decodeObject(ev, &c); err != nil {
			return nil, err
		}
		out = s.consentOut(&c)
	case ingot.EventMandatePayment:
		var m ledger.MandatePayment
		if err := decodeObject(ev, &m); err != nil || m.Transfer == nil {
			return nil, fmt.Errorf("httpapi: the object of %s event %s does not decode: %v", ev.Type, ev.ID, err)
		}
		out = MandatePaymentEvent{ConsentID: m.ConsentID, ProviderID: m.ProviderID, Transfer: transferOut(m.Transfer, ""),
			PeriodStart: m.PeriodStart.UTC(), PeriodTotal: amt(m.PeriodTotal, m.Transfer.Currency)}
	default:
		return ev.Object, nil // a type this version does not know: as kept
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("httpapi: rendering a %s event: %w", ev.Type, err)
	}
	return b, nil
}

func decodeObject(ev ingot.Event, v any) error {
	if err := json.Unmarshal(ev.Object, v); err != nil {
		return fmt.Errorf("httpapi: the object of %s event %s does not decode: %w", ev.Type, ev.ID, err)
	}
	return nil
}
