package ingot

import (
	"encoding/json"
	"time"
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
	Object    json.RawMessage
	CreatedAt time.Time
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
)

// EventTypes lists every event type, for endpoints' subscriptions.
var EventTypes = []string{EventTransferReceived, EventTransferSent, EventPaymentRequestPaid, EventPaymentRequestExpired,
	EventRefundCreated, EventBankOperationDone, EventBankOperationFailed, EventWalletFrozen, EventHoldExpired}
