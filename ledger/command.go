package ledger

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// command is one operation of the engine: a small type per operation
// (payCmd, mintCmd, captureCmd, ...), each in its own file cmd_*.go. R is
// what the operation answers.
//
// The engine knows this interface, not the operations: it asks every
// command of a batch what to lock, locks it all in one order, then applies
// the commands one by one. Adding an operation is a new type, a Service
// method that submits it, a route and tests (docs/architecture.md, "Adding
// an operation").
type command[R any] interface {
	// locks adds to ls every account, hold and bank operation the command
	// reads or changes. apply finds in the state only what was locked.
	locks(ls *lockSet)
	// apply checks the command's rules against the locked state and makes
	// its changes through the state (move, save, ...), on behalf of a. On
	// an error, the engine undoes whatever the command changed. A result
	// that names a transfer holds the state's *ingot.Transfer, whose
	// LogIndex is set when the batch is appended to the log.
	apply(s *state, a ingot.Actor) (R, error)
}

// op is a command with its result type erased, as the engine's queue
// holds them.
type op interface {
	locks(*lockSet)
	run(s *state, a ingot.Actor) (any, error)
	// record reports whether an applied command's outcome is stored under
	// its Idempotency-Key.
	record(result any) bool
	// weight is how many transfers the command may make, to size batches.
	weight() int
	// pairs names the (payer, payee) wallets of the payments the command
	// may make, once the batch's rows are read (risk.go); channel how it
	// reached the ledger.
	pairs(s *state, add func(payer, payee int64))
	channel() string
}

// typed adapts a command[R] to op.
type typed[R any] struct{ c command[R] }

func (t typed[R]) locks(ls *lockSet) { t.c.locks(ls) }

func (t typed[R]) run(s *state, a ingot.Actor) (any, error) { return t.c.apply(s, a) }

// Optional methods of a command.
type (
	// weigher is a command that may make many transfers (a batch).
	weigher interface{ weight() int }
	// partial is a command whose outcome may be that nothing happened (a
	// batch none of whose items applied); it is then not recorded, like a
	// rejected command, so that it can be retried once its cause is fixed.
	partial[R any] interface{ applied(R) bool }
)

func (t typed[R]) pairs(s *state, add func(payer, payee int64)) {
	if p, ok := t.c.(pairer); ok {
		p.pairs(s, add)
	}
}

func (t typed[R]) channel() string {
	if c, ok := t.c.(channeler); ok {
		return c.channel()
	}
	return risk.ChannelOperator
}

func (t typed[R]) weight() int {
	if w, ok := t.c.(weigher); ok {
		return max(1, w.weight())
	}
	return 1
}

func (t typed[R]) record(res any) bool {
	if p, ok := t.c.(partial[R]); ok {
		return p.applied(res.(R))
	}
	return true
}

// Idem makes a write idempotent. IdemKey is the client's Idempotency-Key
// scoped to its credential and Hash the fingerprint of its request. The
// outcome of the first request with a key is stored in the same
// transaction as its effects; a later request with the same key and hash
// gets that outcome back, with Replayed set, instead of running again, and
// one with another hash is idempotency_conflict.
type Idem struct {
	ingot.IdemKey
	Hash []byte
	// Replayed is set by the call that answers with a stored outcome.
	Replayed bool
}

// submit runs c in the engine on behalf of a and returns its result, or
// the stored result of an earlier request with idem's key.
func submit[R any](ctx context.Context, e *Engine, a ingot.Actor, c command[R], idem *Idem) (R, error) {
	var zero R
	r, err := e.do(ctx, &request{actor: a, cmd: typed[R]{c}, idem: idem})
	if err != nil {
		return zero, err
	}
	if r.replay != nil {
		return replayed[R](r.replay, idem)
	}
	return r.res.(R), nil
}

// Outcomes: what an idempotency record stores is the JSON of the result
// of the command (or of a write outside the engine), rendered by the
// ledger, never by the HTTP layer; a replay decodes it into the same
// result type and the API renders it like a fresh one. Result types are
// therefore plain data: exported fields, no secrets (a secret shown once is
// tagged json:"-" and so absent from replays).

// encodeOutcome is the stored form of a result.
func encodeOutcome(res any) ([]byte, error) {
	b, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("ledger: encoding an outcome: %w", err)
	}
	return b, nil
}

// StoredAnswer is a replay of an idempotency record that an Ingot version
// before stored outcomes kept as the HTTP answer itself: its status and
// body, to be sent as they are. It is returned as an error, so that only
// the HTTP layer, which wrote such records, handles it.
type StoredAnswer struct {
	Status int
	Body   []byte
}

func (a *StoredAnswer) Error() string {
	return fmt.Sprintf("an HTTP answer stored by an earlier version (status %d)", a.Status)
}

// replayed decodes a stored outcome for idem, or answers
// idempotency_conflict when the record is of another request.
func replayed[R any](rec *store.IdemRecord, idem *Idem) (R, error) {
	var v R
	if string(rec.Hash) != string(idem.Hash) {
		return v, errIdemConflict
	}
	idem.Replayed = true
	if rec.Status != 0 {
		return v, &StoredAnswer{Status: rec.Status, Body: rec.Body}
	}
	if err := json.Unmarshal(rec.Body, &v); err != nil {
		return v, fmt.Errorf("ledger: a stored outcome does not decode as %T: %w", v, err)
	}
	return v, nil
}

var errIdemConflict = ingot.Errorf(ingot.CodeIdempotencyConflict, "this Idempotency-Key was used with a different request")

// lockSet is what a batch reads under lock: every command adds what it
// needs, and the engine locks all of it once, in one global order (holds,
// then accounts, each by id; then bank operations), so that batches of
// several processes never deadlock.
type lockSet struct {
	accounts map[int64]struct{}
	holds    map[string]struct{}
	// credited are accounts that may receive money: a wallet among them
	// that sweeps its excess to the bank (the waterfall) needs its
	// operator's reserve, which the engine locks too.
	credited map[int64]struct{}
	bankOps  map[string]struct{}
	// linked are wallets whose linked bank accounts the batch reads.
	linked map[int64]struct{}
	// Holders' payments (sca.go): exemption counters and approvals.
	exemptions     map[store.ExemptionKey]struct{}
	authorizations map[string]struct{}
	// Merchants (merchant_state.go): payment requests, payment codes (by
	// string(hash)) and payments' refund totals, locked before the
	// accounts.
	requests, codes, totals map[string]struct{}
	// Reviews (reviews.go), locked first: they name their holds and
	// wallets.
	reviews map[string]struct{}
	// Conditional payments (conditional.go), locked with the reviews.
	conds map[string]struct{}
	// Voucher programs named (voucher_state.go), read after the accounts.
	programs map[string]struct{}
	// Standing orders (standing.go), locked after conditional payments.
	standing map[string]struct{}
	// FX quotes (fx.go), locked after standing orders.
	quotes map[string]struct{}
	// Offline devices (offline_state.go), locked after standing orders,
	// and the offline payments read under their locks.
	devices map[string]struct{}
	offPays map[store.OfflinePaymentKey]struct{}
	// Open finance's consents (consent_state.go), locked after standing
	// orders.
	consents map[string]struct{}
}

func newLockSet() *lockSet {
	return &lockSet{accounts: map[int64]struct{}{}, holds: map[string]struct{}{}, credited: map[int64]struct{}{},
		bankOps: map[string]struct{}{}, linked: map[int64]struct{}{},
		exemptions: map[store.ExemptionKey]struct{}{}, authorizations: map[string]struct{}{},
		requests: map[string]struct{}{}, codes: map[string]struct{}{}, totals: map[string]struct{}{}, reviews: map[string]struct{}{}}
}

// account locks accounts (0 is no account).
func (l *lockSet) account(ids ...int64) {
	for _, id := range ids {
		if id != 0 {
			l.accounts[id] = struct{}{}
		}
	}
}

// credit locks an account that may receive money.
func (l *lockSet) credit(id int64) {
	l.account(id)
	if id != 0 {
		l.credited[id] = struct{}{}
	}
}

// hold locks a hold, and with it its wallet.
func (l *lockSet) hold(id string) { l.holds[id] = struct{}{} }

// review locks a review, and with it its hold and wallets.
func (l *lockSet) review(id string) { l.reviews[id] = struct{}{} }

// bankOp locks a bank operation.
func (l *lockSet) bankOp(id string) { l.bankOps[id] = struct{}{} }

// linkedAccounts reads a (locked) wallet's linked bank accounts.
func (l *lockSet) linkedAccounts(wallet int64) {
	l.account(wallet)
	l.linked[wallet] = struct{}{}
}

// exemption locks a holder's SCA exemption counter of a currency.
func (l *lockSet) exemption(k store.ExemptionKey) { l.exemptions[k] = struct{}{} }

// authorization locks a payment approval.
func (l *lockSet) authorization(id string) { l.authorizations[id] = struct{}{} }

// paymentRequest locks a payment request, and with it its wallet.
func (l *lockSet) paymentRequest(id string) { l.requests[id] = struct{}{} }

// paymentCode locks a payment code, and with it its wallet.
func (l *lockSet) paymentCode(hash []byte) { l.codes[string(hash)] = struct{}{} }

// program reads a voucher program (voucher_state.go).
func (l *lockSet) program(name string) {
	if l.programs == nil {
		l.programs = map[string]struct{}{}
	}
	l.programs[name] = struct{}{}
}

// refundTotal locks what a payment has had refunded.
func (l *lockSet) refundTotal(transferID string) { l.totals[transferID] = struct{}{} }
