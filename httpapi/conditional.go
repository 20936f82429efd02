package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/conditional"
	"github.com/ingot-cbdc/ingot/ledger"
)

// Conditional payments (docs/programmable.md): held on the payer until a
// condition holds, then paid; each step a leaf of the log.

// ConditionalPayment is a conditional payment as the API shows it.
type ConditionalPayment struct {
	ID        string          `json:"id"`
	Status    string          `json:"status" enum:"pending,released,cancelled,expired"`
	From      string          `json:"from"`
	To        string          `json:"to"`
	Amount    string          `json:"amount" example:"100.00"`
	Currency  string          `json:"currency" example:"CNY"`
	Memo      string          `json:"memo,omitempty"`
	Purpose   string          `json:"purpose,omitempty" doc:"The ISO 20022 purpose code of the release, when it was given one."`
	Condition json.RawMessage `json:"condition" doc:"The condition, as given (hash locks lower-case, times in UTC)."`
	Met       ConditionMet    `json:"met"`
	HoldID    string          `json:"hold_id" doc:"The hold on the payer's wallet (the payment's id); the holds API cannot capture or void it."`
	ExpiresAt time.Time       `json:"expires_at"`
	// The last leaf of this request (or the final one).
	TransferID string             `json:"transfer_id,omitempty" doc:"The final leaf once it ended: the capture when released, the cancellation's or expiry's record otherwise."`
	LogIndex   *int64             `json:"log_index,omitempty" doc:"The log index of the leaf this request added (in the answer to a request that added one)."`
	History    []ConditionalEvent `json:"history"`
	Transfer   *Transfer          `json:"transfer,omitempty" doc:"The leaf this request added: a record (amount 0) or the capture."`
	CreatedAt  time.Time          `json:"created_at"`
	UpdatedAt  time.Time          `json:"updated_at"`
	Approvers  []ConditionalParty `json:"approvers,omitempty" doc:"The condition's approvers."`
}

// ConditionMet is what the parties did towards the condition.
type ConditionMet struct {
	Preimages     map[string]string `json:"preimages,omitempty" doc:"Hash lock -> the preimage (hex) that opened it: how the other ledger of an atomic swap learns it."`
	Approvals     []string          `json:"approvals,omitempty" doc:"The approvers that released it: wallet:<id> or operator:<id>."`
	PayeeAccepted bool              `json:"payee_accepted"`
}

// ConditionalParty is an approver.
type ConditionalParty struct {
	Wallet   string `json:"wallet,omitempty"`
	Operator string `json:"operator,omitempty"`
}

// ConditionalEvent is a step of a conditional payment.
type ConditionalEvent struct {
	At         time.Time `json:"at"`
	Type       string    `json:"type" enum:"created,approved,accepted,unlocked,released,release_failed,cancelled,expired"`
	By         string    `json:"by,omitempty" doc:"payer, payee, wallet:<id>, operator:<id>, engine or anyone (a preimage)."`
	TransferID string    `json:"transfer_id,omitempty" doc:"The step's leaf in the log."`
	Code       string    `json:"code,omitempty" doc:"Why a release the condition allowed was refused (it is tried again an hour later)."`
}

func conditionalOut(p *conditional.Payment, t *ingot.Transfer) ConditionalPayment {
	cond, _ := json.Marshal(p.Condition)
	out := ConditionalPayment{ID: p.ID, Status: string(p.Status), From: ingot.FormatWalletID(p.Payer), To: ingot.FormatWalletID(p.Payee),
		Amount: amt(p.Amount, p.Currency), Currency: p.Currency, Memo: p.Memo, Purpose: p.Purpose, Condition: cond,
		Met:    ConditionMet{Preimages: p.Met.Preimages, Approvals: p.Met.Approvals, PayeeAccepted: p.Met.PayeeAccepted},
		HoldID: p.HoldID, ExpiresAt: p.ExpiresAt.UTC(), TransferID: p.TransferID, History: make([]ConditionalEvent, len(p.History)),
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
	for i, e := range p.History {
		out.History[i] = ConditionalEvent{At: e.At.UTC(), Type: e.Type, By: e.By, TransferID: e.TransferID, Code: e.Code}
	}
	for _, ap := range p.Condition.Approvers() {
		out.Approvers = append(out.Approvers, ConditionalParty{Wallet: ap.Wallet, Operator: ap.Operator})
	}
	if t != nil {
		tr := transferOut(t, "")
		out.Transfer = &tr
		if t.LogIndex >= 0 {
			li := t.LogIndex
			out.LogIndex = &li
		}
	}
	return out
}

func conditionalOutcomeOut(o *ledger.ConditionalOutcome) ConditionalPayment {
	return conditionalOut(&o.Payment, o.Transfer)
}

type conditionalIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Authorization  string `header:"Ingot-Authorization" maxLength:"64" doc:"A holder's: the id of the approved authorization of this payment (its payee and amount)."`
	Body           struct {
		From      string          `json:"from" doc:"Payer wallet id: the amount is held on it."`
		To        string          `json:"to" doc:"Payee wallet id, at any operator."`
		Amount    string          `json:"amount" example:"100.00"`
		Currency  string          `json:"currency" example:"CNY"`
		Memo      string          `json:"memo,omitempty" maxLength:"512"`
		Purpose   string          `json:"purpose,omitempty" maxLength:"4" doc:"An ISO 20022 purpose code (Purp/Cd), e.g. SALA or GDDS; the release's, required when it crosses a border and the currency's issuer says so." example:"GDDS"`
		Condition json.RawMessage `json:"condition" doc:"One of {\"after\":\"<RFC 3339 time>\"}, {\"hashlock\":\"<SHA-256 hex>\"}, {\"approver\":{\"wallet\":\"<id>\"}|{\"operator\":\"<id>\"}}, {\"payee_accepts\":true}, {\"all\":[...]}, {\"any\":[...]}; at most 4 levels and 16 leaves."`
		ExpiresAt *time.Time      `json:"expires_at,omitempty" doc:"When a pending payment returns to the payer by itself; default in 30 days, at most 366 days ahead."`
	}
}

type conditionalActionIn struct {
	ID             string `path:"id" maxLength:"64"`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
}

type releaseConditionalIn struct {
	ID             string `path:"id" maxLength:"64"`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           *struct {
		Preimage string `json:"preimage,omitempty" maxLength:"2048" doc:"Hex-encoded bytes whose SHA-256 is one of the condition's hash locks; anyone who has it may present it."`
	}
}

type conditionalListIn struct {
	Wallet string `query:"wallet" maxLength:"16" doc:"Payments this wallet pays or receives (a holder must give one of its wallets)."`
	Status string `query:"status" enum:"pending,released,cancelled,expired"`
	Cursor string `query:"cursor" maxLength:"64" doc:"Opaque cursor from next_cursor."`
	Limit  int    `query:"limit" minimum:"0" maximum:"500" doc:"Page size, default 50, at most 500."`
}

func (s *server) conditionalRoutes() {
	const tag = "Programmable payments"
	post(s, "createConditionalPayment", "/v1/conditional-payments", "Hold an amount on the payer until a condition holds, then pay it", http.StatusCreated, tag, s.createConditional)
	get(s, "listConditionalPayments", "/v1/conditional-payments", "Conditional payments of the caller's wallets (the central bank: all), newest first", tag, s.listConditional)
	get(s, "getConditionalPayment", "/v1/conditional-payments/{id}", "A conditional payment, with its history", tag, s.getConditional)
	post(s, "releaseConditionalPayment", "/v1/conditional-payments/{id}/release", "A party's release (an approver, the payee's acceptance) or a preimage; pays when the condition then holds", http.StatusOK, tag, s.releaseConditional)
	post(s, "cancelConditionalPayment", "/v1/conditional-payments/{id}/cancel", "Return the money to the payer: the payee at any time, the payer before the condition could hold", http.StatusOK, tag, s.cancelConditional)
}

func (s *server) createConditional(ctx context.Context, in *conditionalIn) (*Out[ConditionalPayment], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ledger.ConditionalOutcome, error) {
			b := in.Body
			return s.svc.CreateConditionalPayment(ctx, actor(ctx), ledger.ConditionalIn{
				PayRequest: ledger.PayRequest{From: b.From, To: b.To, Amount: b.Amount, Currency: b.Currency, Memo: b.Memo, Purpose: b.Purpose, Authorization: in.Authorization},
				Condition:  b.Condition, ExpiresAt: b.ExpiresAt}, idem)
		}, conditionalOutcomeOut)
}

func (s *server) releaseConditional(ctx context.Context, in *releaseConditionalIn) (*Out[ConditionalPayment], error) {
	pre := ""
	if in.Body != nil {
		pre = in.Body.Preimage
	}
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, in.Body,
		func(idem *ledger.Idem) (*ledger.ConditionalOutcome, error) {
			return s.svc.ReleaseConditionalPayment(ctx, actor(ctx), in.ID, pre, idem)
		}, conditionalOutcomeOut)
}

func (s *server) cancelConditional(ctx context.Context, in *conditionalActionIn) (*Out[ConditionalPayment], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, nil,
		func(idem *ledger.Idem) (*ledger.ConditionalOutcome, error) {
			return s.svc.CancelConditionalPayment(ctx, actor(ctx), in.ID, idem)
		}, conditionalOutcomeOut)
}

func (s *server) getConditional(ctx context.Context, in *idIn) (*Body[ConditionalPayment], error) {
	p, err := s.svc.ConditionalPayment(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[ConditionalPayment]{Body: s.conditionalView(ctx, conditionalOut(p, nil))}, nil
}

func (s *server) listConditional(ctx context.Context, in *conditionalListIn) (*Body[List[ConditionalPayment]], error) {
	ps, next, err := s.svc.ConditionalPayments(ctx, actor(ctx), ledger.ConditionalQuery{Wallet: in.Wallet, Status: in.Status, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[ConditionalPayment]{Items: make([]ConditionalPayment, len(ps)), NextCursor: next}
	for i := range ps {
		out.Items[i] = s.conditionalView(ctx, conditionalOut(&ps[i], nil))
	}
	return &Body[List[ConditionalPayment]]{Body: out}, nil
}

// conditionalView hides a payer's words from the central bank, as in its
// view of transfers.
func (s *server) conditionalView(ctx context.Context, p ConditionalPayment) ConditionalPayment {
	if actor(ctx).Role == ingot.RoleCentralBank {
		p.Memo = ""
	}
	return p
}
