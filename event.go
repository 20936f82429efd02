package ingot

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Event is something that happened that an operator's systems want to
// know (webhooks): written in the same transaction as what it reports (an
// outbox), delivered at least once, in order per endpoint.
type Event struct {
	ID         string // UUIDv7: time-ordered
	Type       string // one of the Event* constants
	OperatorID string // the operator whose endpoints receive it
	// Object is what the event is about, as the ledger keeps it (the JSON
	// of an ingot.Transfer, ingot.Hold, ingot.BankOperation, ...); the
	// webhook deliverer renders it as the API renders that object.
	Object json.RawMessage
	// Value is the object itself while it is not encoded yet: the engine
	// hands its events to the store this way, and the store encodes (Encode)
	// only those that an endpoint subscribes to — most batches have none.
	Value     any `json:"-"`
	CreatedAt time.Time
}

// Encode fills Object from Value and gives the event an id (a UUIDv7) when
// it has none.
func (e *Event) Encode() error {
	if e.Object == nil && e.Value != nil {
		obj, err := json.Marshal(e.Value)
		if err != nil {
			return err
		}
		e.Object = obj
	}
	if e.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		e.ID = id.String()
	}
	return nil
}

// Event types.
const (
	EventTransferReceived      = "transfer.received"
	EventTransferSent          = "transfer.sent"
	EventPaymentRequestPaid    = "payment_request.paid"
	EventPaymentRequestExpired = "payment_request.expired"
	EventRefundCreated         = "refund.created"
	EventBankOperationDone     = "bank_operation.completed"
	EventBankOperationFailed   = "bank_operation.failed"
	EventWalletFrozen          = "wallet.frozen"
	EventHoldExpired           = "hold.expired"
	EventAlertCreated          = "alert.created"  // a risk rule or an AML pattern flagged a wallet
	EventReviewPending         = "review.pending" // a payment is held for review
	EventReviewDecided         = "review.decided" // a review was released or refused
	// A conditional payment was made; one ended (released, cancelled or
	// expired: its status says which). Both to the payer's and the payee's
	// operators.
	EventConditionalCreated = "conditional_payment.created"
	EventConditionalEnded   = "conditional_payment.ended"
	// A standing order's occurrence was paid or refused (the payer's
	// operator only).
	EventStandingOrderRun = "standing_order.run"
	// Open finance: a holder revoked a consent (to the operators of its
	// wallets); a provider paid within a mandate (the payer's operator).
	EventConsentRevoked = "consent.revoked"
	EventMandatePayment = "mandate.payment"
)

// EventTypes lists every event type, for endpoints' subscriptions.
var EventTypes = []string{EventTransferReceived, EventTransferSent, EventPaymentRequestPaid, EventPaymentRequestExpired,
	EventRefundCreated, EventBankOperationDone, EventBankOperationFailed, EventWalletFrozen, EventHoldExpired,
	EventAlertCreated, EventReviewPending, EventReviewDecided, EventConditionalCreated, EventConditionalEnded,
	EventStandingOrderRun, EventConsentRevoked, EventMandatePayment}
