package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
)

// ---- inputs ----

// MaxIdempotencyKey is the longest Idempotency-Key.
const MaxIdempotencyKey = 255

type createOperatorIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		Name    string `json:"name" doc:"The operator's name." example:"Industrial and Commercial Bank of China"`
		Code    string `json:"code" doc:"Unique short code, upper case." example:"ICBC"`
		Country string `json:"country,omitempty" maxLength:"2" doc:"Its jurisdiction (its wallets'), ISO 3166-1 alpha-2; default the server's --country (CN)." example:"CN"`
	}
}

type listIn struct {
	Cursor string `query:"cursor" doc:"Opaque cursor from next_cursor."`
	Limit  int    `query:"limit" minimum:"0" maximum:"500" doc:"Page size, default 50, at most 500."`
}

type listWalletsIn struct {
	Cursor string `query:"cursor" doc:"Opaque cursor from next_cursor."`
	Limit  int    `query:"limit" minimum:"0" maximum:"500" doc:"Page size, default 50, at most 500."`
	Phone  string `query:"phone" maxLength:"64" doc:"Only the wallets whose holder has this phone number (any spelling of it; E.164 or a number of region CN). Matched through a keyed hash: numbers are never stored in clear."`
}

type issueIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		OperatorID string `json:"operator_id"`
		Amount     string `json:"amount" example:"1000000.00"`
		Currency   string `json:"currency" example:"CNY"`
	}
}

type supplyIn struct {
	Currency string `query:"currency" required:"true" example:"CNY"`
}

type createWalletIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		Holder struct {
			Name  string `json:"name" example:"Zhang San"`
			Phone string `json:"phone" example:"13812345678"`
			Kind  string `json:"kind,omitempty" enum:"person,business" doc:"Default person."`
		} `json:"holder"`
		Currency string `json:"currency" example:"CNY"`
		Kind     string `json:"kind,omitempty" enum:"personal,merchant" doc:"Default personal."`
	}
}

type walletIn struct {
	ID string `path:"id" doc:"16-digit wallet id."`
}

type walletActionIn struct {
	ID             string `path:"id" doc:"16-digit wallet id."`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
}

type fundIn struct {
	ID             string `path:"id" doc:"16-digit wallet id."`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Authorization  string `header:"Ingot-Authorization" maxLength:"64" doc:"A holder's payment that needs approval: the id of the approved authorization (POST /v1/authorizations/{id}/verify)."`
	Body           struct {
		Amount        string `json:"amount" example:"100.00"`
		BankAccountID string `json:"bank_account_id,omitempty" doc:"Through this linked bank account (bank.go): the answer is then the bank operation."`
	}
}

type historyIn struct {
	ID     string `path:"id" doc:"16-digit wallet id."`
	Cursor string `query:"cursor" doc:"Opaque cursor from next_cursor."`
	Limit  int    `query:"limit" minimum:"0" maximum:"500" doc:"Page size, default 50, at most 500."`
}

// PayBody is one payment.
type PayBody struct {
	From     string `json:"from" doc:"Payer wallet id, at the calling operator."`
	To       string `json:"to" doc:"Payee wallet id, at any operator."`
	Amount   string `json:"amount" example:"12.30"`
	Currency string `json:"currency" example:"CNY"`
	Memo     string `json:"memo,omitempty" maxLength:"512"`
	Purpose  string `json:"purpose,omitempty" maxLength:"4" doc:"An ISO 20022 purpose code (Purp/Cd), e.g. SALA or GDDS; expected on cross-border payments, kept with the payment." example:"GDDS"`
}

type transferIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Authorization  string `header:"Ingot-Authorization" maxLength:"64" doc:"A holder's payment that needs approval: the id of the approved authorization (POST /v1/authorizations/{id}/verify)."`
	Body           PayBody
}

type batchIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		Transfers []PayBody `json:"transfers" minItems:"1" maxItems:"8000"`
		Atomic    bool      `json:"atomic,omitempty" doc:"All succeed or none does."`
	}
}

type idIn struct {
	ID string `path:"id"`
}

type holdIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		Wallet    string    `json:"wallet"`
		Amount    string    `json:"amount" example:"50.00"`
		ExpiresAt time.Time `json:"expires_at"`
	}
}

type captureIn struct {
	ID             string `path:"id"`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Authorization  string `header:"Ingot-Authorization" maxLength:"64" doc:"A holder's payment that needs approval: the id of the approved authorization (POST /v1/authorizations/{id}/verify)."`
	Body           struct {
		To      string `json:"to" doc:"Payee wallet id."`
		Amount  string `json:"amount,omitempty" doc:"At most the held amount; absent: the whole hold. The rest is released."`
		Purpose string `json:"purpose,omitempty" maxLength:"4" doc:"An ISO 20022 purpose code (Purp/Cd), e.g. SALA or GDDS; required when the payment crosses a border and the currency's issuer says so." example:"GDDS"`
	}
}

type voidIn struct {
	ID             string `path:"id"`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
}

// ---- outputs ----

// Out is a response with a status (201, or a replay's stored status) and
// the replay header.
type Out[T any] struct {
	Status   int
	Replayed string `header:"Idempotent-Replayed" doc:"true when this is the stored answer to an earlier request with the same Idempotency-Key."`
	Body     T
}

// Body is a plain 200 response.
type Body[T any] struct {
	Body T
}

// ---- idempotency ----

func checkIdemKey(k string) error {
	if len(k) > MaxIdempotencyKey {
		return ingot.Errorf(ingot.CodeMalformedRequest, "Idempotency-Key must be at most %d characters", MaxIdempotencyKey)
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return ingot.Errorf(ingot.CodeMalformedRequest, "Idempotency-Key must be printable ASCII")
		}
	}
	return nil
}

// exec runs a write: it builds the Idem for key (when not empty) from the
// method, path and canonical JSON of body, calls do, and renders its
// result, fresh or replayed (Idempotent-Replayed: true) alike.
func exec[R, T any](s *server, ctx context.Context, key string, status int, body any,
	do func(*ledger.Idem) (R, error), render func(R) T) (*Out[T], error) {
	var idem *ledger.Idem
	if key != "" {
		if err := checkIdemKey(key); err != nil {
			return nil, s.problem(ctx, err)
		}
		ri := info(ctx)
		canon := []byte("null")
		if body != nil {
			var err error
			if canon, err = json.Marshal(body); err != nil {
				return nil, s.problem(ctx, err)
			}
		}
		h := sha256.New()
		h.Write([]byte(ri.method + " " + ri.path + "\n"))
		h.Write(canon)
		idem = &ledger.Idem{IdemKey: ingot.IdemKey{Scope: ri.actor.KeyID, Key: key}, Hash: h.Sum(nil)}
	}
	res, err := do(idem)
	var stored *ledger.StoredAnswer
	if errors.As(err, &stored) {
		if stored.Status == http.StatusAccepted { // a payment held for review, replayed
			var held ledger.InReview
			if err := json.Unmarshal(stored.Body, &held); err != nil {
				return nil, s.problem(ctx, err)
			}
			return nil, inReviewAnswer(&held, true)
		}
		return storedAnswer[T](s, ctx, stored)
	}
	var held *ledger.InReview
	if errors.As(err, &held) {
		return nil, inReviewAnswer(held, false)
	}
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &Out[T]{Status: status, Body: render(res)}
	if idem != nil && idem.Replayed {
		out.Replayed = "true"
	}
	return out, nil
}

// storedAnswer replays an answer stored as HTTP status and body by an
// Ingot version before idempotency records held outcomes.
func storedAnswer[T any](s *server, ctx context.Context, a *ledger.StoredAnswer) (*Out[T], error) {
	var b T
	if err := json.Unmarshal(a.Body, &b); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Out[T]{Status: a.Status, Replayed: "true", Body: b}, nil
}

// ---- operators ----

func (s *server) createOperator(ctx context.Context, in *createOperatorIn) (*Out[Operator], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ledger.NewOperator, error) {
			return s.svc.CreateOperatorIn(ctx, actor(ctx), in.Body.Name, in.Body.Code, in.Body.Country, idem)
		},
		func(r *ledger.NewOperator) Operator { return operatorOut(&r.Operator, r.APIKey) })
}

func (s *server) listOperators(ctx context.Context, in *listIn) (*Body[List[Operator]], error) {
	ops, next, err := s.svc.Operators(ctx, actor(ctx), in.Cursor, in.Limit)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[Operator]{Items: make([]Operator, len(ops)), NextCursor: next}
	for i := range ops {
		out.Items[i] = operatorOut(&ops[i], "")
	}
	return &Body[List[Operator]]{Body: out}, nil
}

func (s *server) me(ctx context.Context, _ *struct{}) (*Body[Me], error) {
	op, res, fees, err := s.svc.Me(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := Me{ID: op.ID, Name: op.Name, Code: op.Code, CreatedAt: op.CreatedAt.UTC(), Reserves: make([]Reserve, len(res)), FeeAccounts: make([]Reserve, len(fees))}
	for i, a := range res {
		out.Reserves[i] = Reserve{Currency: a.Currency, Balance: amt(a.Balance, a.Currency)}
	}
	for i, a := range fees {
		out.FeeAccounts[i] = Reserve{Currency: a.Currency, Balance: amt(a.Balance, a.Currency)}
	}
	return &Body[Me]{Body: out}, nil
}

// ---- issuance ----

func (s *server) issue(burn bool) func(context.Context, *issueIn) (*Out[Transfer], error) {
	return func(ctx context.Context, in *issueIn) (*Out[Transfer], error) {
		return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
			func(idem *ledger.Idem) (*ingot.Transfer, error) {
				return s.svc.Issue(ctx, actor(ctx), burn, in.Body.OperatorID, in.Body.Amount, in.Body.Currency, idem)
			},
			func(t *ingot.Transfer) Transfer { return transferOut(t, in.Body.OperatorID) })
	}
}

func (s *server) supply(ctx context.Context, in *supplyIn) (*Body[Supply], error) {
	sp, err := s.svc.Supply(ctx, actor(ctx), in.Currency)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[Supply]{Body: supplyOut(&sp)}, nil
}

// ---- wallets ----

// renderWallet renders a wallet as a command left it.
func (s *server) renderWallet(ctx context.Context) func(*ledger.WalletView) Wallet {
	return func(r *ledger.WalletView) Wallet { return s.walletOut(ctx, &r.Account, &r.Limits) }
}

func (s *server) createWallet(ctx context.Context, in *createWalletIn) (*Out[Wallet], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ledger.WalletView, error) {
			h := ingot.Holder{Name: in.Body.Holder.Name, Phone: in.Body.Holder.Phone, Kind: ingot.HolderKind(in.Body.Holder.Kind)}
			return s.svc.CreateWallet(ctx, actor(ctx), h, in.Body.Currency, ingot.WalletKind(in.Body.Kind), idem)
		}, s.renderWallet(ctx))
}

type getWalletIn struct {
	ID     string `path:"id" doc:"16-digit wallet id."`
	Reveal bool   `query:"reveal" doc:"An operator's key with the kyc:reveal scope: the holder's name, phone and id number in clear. The reveal is stored as a pii.revealed security event before the answer; when it cannot be, the answer is 503 unavailable and nothing is revealed."`
}

func (s *server) getWallet(ctx context.Context, in *getWalletIn) (*Body[Wallet], error) {
	a := actor(ctx)
	if in.Reveal {
		if a.Role != ingot.RoleOperator {
			return nil, s.problem(ctx, ingot.Errorf(ingot.CodeForbidden, "only an operator reveals its holders' identities; the central bank through a case (POST /v1/cases/{id}/reveal)"))
		}
		if !a.HasScope(ingot.ScopeKYCReveal) {
			return nil, s.problem(ctx, ingot.Errorf(ingot.CodeInsufficientScope, "reveal=true needs the %s scope", ingot.ScopeKYCReveal))
		}
	}
	w, err := s.svc.WalletToRead(ctx, a, in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	l, err := s.svc.Limits(ctx, []ingot.Account{w})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := []Wallet{s.walletOut(ctx, &w, &l[0])}
	if err := s.withMerchants(ctx, []ingot.Account{w}, out); err != nil {
		return nil, s.problem(ctx, err)
	}
	if err := s.withEarmarked(ctx, &out[0], w.ID); err != nil { // vouchers.go
		return nil, s.problem(ctx, err)
	}
	switch {
	case a.Role == ingot.RoleCentralBank: // pseudonymous: no name, phone, id number or label
		out[0].Holder, out[0].Label = Holder{Kind: out[0].Holder.Kind}, ""
	case in.Reveal:
		clear := w
		if err := s.svc.Reveal(&clear); err != nil {
			return nil, s.problem(ctx, err)
		}
		// Recorded first: a reveal that leaves no security event shows
		// nothing (503).
		if err := s.svc.RecordReveal(ctx, a, w.ID, info(ctx).client.Address); err != nil {
			return nil, s.problem(ctx, err)
		}
		out[0].Holder.Name, out[0].Holder.Phone, out[0].Holder.IDNumber = clear.Holder.Name, clear.Holder.Phone, clear.Holder.IDNumber
		s.log.InfoContext(ctx, "holder identity revealed", "key", a.KeyID, "wallet", ingot.FormatWalletID(w.ID))
	}
	return &Body[Wallet]{Body: out[0]}, nil
}

func (s *server) listWallets(ctx context.Context, in *listWalletsIn) (*Body[List[Wallet]], error) {
	var ws []ingot.Account
	var next string
	var err error
	if in.Phone != "" {
		ws, err = s.svc.WalletsByPhone(ctx, actor(ctx), in.Phone)
	} else {
		ws, next, err = s.svc.Wallets(ctx, actor(ctx), in.Cursor, in.Limit)
	}
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	l, err := s.svc.Limits(ctx, ws)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[Wallet]{Items: make([]Wallet, len(ws)), NextCursor: next}
	for i := range ws {
		out.Items[i] = s.walletOut(ctx, &ws[i], &l[i])
	}
	if err := s.withMerchants(ctx, ws, out.Items); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[List[Wallet]]{Body: out}, nil
}

func (s *server) walletStatus(to ingot.Status) func(context.Context, *walletActionIn) (*Out[Wallet], error) {
	return func(ctx context.Context, in *walletActionIn) (*Out[Wallet], error) {
		return exec(s, ctx, in.IdempotencyKey, http.StatusOK, nil,
			func(idem *ledger.Idem) (*ledger.WalletView, error) {
				return s.svc.SetWalletStatus(ctx, actor(ctx), in.ID, to, idem)
			}, s.renderWallet(ctx))
	}
}

func (s *server) fund(withdraw bool) func(context.Context, *fundIn) (*Out[Transfer], error) {
	return func(ctx context.Context, in *fundIn) (*Out[Transfer], error) {
		a := actor(ctx)
		return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
			func(idem *ledger.Idem) (*ingot.Transfer, error) {
				return s.svc.Fund(ctx, a, in.ID, in.Body.Amount, withdraw, idem)
			},
			func(t *ingot.Transfer) Transfer { return transferOut(t, a.OperatorID) })
	}
}

func (s *server) history(ctx context.Context, in *historyIn) (*Body[List[Entry]], error) {
	a := actor(ctx)
	es, next, err := s.svc.History(ctx, a, in.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[Entry]{Items: make([]Entry, len(es)), NextCursor: next}
	for i := range es {
		e := &es[i]
		// The wallet is the caller's, so a reserve on the other side is
		// too; the central bank reads any operator's wallet.
		op := a.OperatorID
		if pseudonymous(ctx) {
			op = s.svc.ReserveOperator(ctx, &e.Transfer)
		}
		out.Items[i] = Entry{
			Transfer: transferOut(&e.Transfer, op),
			Amount:   amt(e.Amount, e.Transfer.Currency), BalanceAfter: amt(e.BalanceAfter, e.Transfer.Currency),
		}
		withoutFreeText(ctx, &out.Items[i].Transfer)
	}
	return &Body[List[Entry]]{Body: out}, nil
}

// ---- transfers ----

func pay(b PayBody) ledger.PayRequest {
	return ledger.PayRequest{From: b.From, To: b.To, Amount: b.Amount, Currency: b.Currency, Memo: b.Memo, Purpose: b.Purpose}
}

func (s *server) createTransfer(ctx context.Context, in *transferIn) (*Out[Transfer], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ingot.Transfer, error) {
			p := pay(in.Body)
			p.Authorization = in.Authorization
			return s.svc.Pay(ctx, actor(ctx), p, idem)
		},
		func(t *ingot.Transfer) Transfer { return transferOut(t, "") })
}

func (s *server) batch(ctx context.Context, in *batchIn) (*Out[BatchResults], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, in.Body,
		func(idem *ledger.Idem) ([]ledger.ItemResult, error) {
			ps := make([]ledger.PayRequest, len(in.Body.Transfers))
			for i, b := range in.Body.Transfers {
				ps[i] = pay(b)
			}
			return s.svc.PayBatch(ctx, actor(ctx), ps, in.Body.Atomic, idem)
		}, batchOut)
}

func (s *server) getTransfer(ctx context.Context, in *idIn) (*Body[Transfer], error) {
	t, err := s.svc.Transfer(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := transferOut(&t, s.svc.ReserveOperator(ctx, &t))
	withoutFreeText(ctx, &out) // anonymity.go
	if t.Kind == ingot.KindPayment || t.Kind == ingot.KindCapture {
		r, err := s.svc.Refunded(ctx, t.ID)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		v := amt(r.Refunded, t.Currency)
		out.Refunded = &v
	}
	return &Body[Transfer]{Body: out}, nil
}

// ---- holds ----

func renderHold(h *ingot.Hold) Hold { return holdOut(h) }

func (s *server) createHold(ctx context.Context, in *holdIn) (*Out[Hold], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ingot.Hold, error) {
			return s.svc.PlaceHold(ctx, actor(ctx), in.Body.Wallet, in.Body.Amount, in.Body.ExpiresAt, idem)
		}, renderHold)
}

func (s *server) getHold(ctx context.Context, in *idIn) (*Body[Hold], error) {
	h, err := s.svc.Hold(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[Hold]{Body: holdOut(&h)}, nil
}

func (s *server) captureHold(ctx context.Context, in *captureIn) (*Out[Hold], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, in.Body,
		func(idem *ledger.Idem) (*ledger.Capture, error) {
			return s.svc.CaptureHold(ctx, actor(ctx), in.ID, ledger.CaptureRequest{To: in.Body.To, Amount: in.Body.Amount, Purpose: in.Body.Purpose, Authorization: in.Authorization}, idem)
		}, func(c *ledger.Capture) Hold { return holdOut(c.Hold) })
}

func (s *server) voidHold(ctx context.Context, in *voidIn) (*Out[Hold], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, nil,
		func(idem *ledger.Idem) (*ingot.Hold, error) {
			return s.svc.VoidHold(ctx, actor(ctx), in.ID, idem)
		}, renderHold)
}
