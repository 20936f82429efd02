package ledger

import (
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Webhook events are emitted by the commands into the batch's state, undone
// with a refused command like everything else, and written with the batch
// (the outbox): an event exists if and only if what it reports was
// committed. Their objects are encoded once the batch is final (after the
// log gave its transfers their indexes).

type pendingEvent struct {
	typ      string
	operator string
	object   any // *ingot.Transfer, *ingot.Hold, *ingot.BankOperation, *ingot.Account, ...
}

// emit adds an event for an operator's endpoints.
func (s *state) emit(typ, operator string, object any) {
	if operator == "" {
		return
	}
	s.events = append(s.events, pendingEvent{typ: typ, operator: operator, object: object})
}

// emitTransfer reports a payment between wallets to both operators:
// transfer.sent to the payer's, transfer.received to the payee's.
func (s *state) emitTransfer(t *ingot.Transfer, debit, credit *ingot.Account) {
	if debit.Kind != ingot.AccountWallet || credit.Kind != ingot.AccountWallet {
		return
	}
	s.emit(ingot.EventTransferSent, debit.OperatorID, t)
	s.emit(ingot.EventTransferReceived, credit.OperatorID, t)
}

// writeEvents hands the batch's events to w, not encoded: the store encodes
// (ingot.Event.Encode) those an endpoint subscribes to.
func (s *state) writeEvents(w *store.BatchWrite) error {
	w.Events = make([]ingot.Event, len(s.events))
	for i, e := range s.events {
		w.Events[i] = ingot.Event{Type: e.typ, OperatorID: e.operator, Value: e.object, CreatedAt: s.now}
	}
	return nil
}
