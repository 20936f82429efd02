package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/bank"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
)

// Linked bank accounts, bank operations (top-ups and withdrawals through a
// bank, sweeps, pulls) and the sandbox bank.

// BankAccount is a linked bank account; number and name are masked.
type BankAccount struct {
	ID            string    `json:"id"`
	Wallet        string    `json:"wallet"`
	BankCode      string    `json:"bank_code" example:"ICBC"`
	AccountNumber string    `json:"account_number" example:"****6789" doc:"Masked: the last 4 digits."`
	HolderName    string    `json:"holder_name" example:"L* W**" doc:"Masked."`
	Currency      string    `json:"currency"`
	CreatedAt     time.Time `json:"created_at"`
}

// BankOperation is a movement between a wallet and its bank account.
type BankOperation struct {
	ID               string    `json:"id" doc:"Also the reference of the bank call."`
	Kind             string    `json:"kind" enum:"topup,withdrawal,sweep,pull"`
	Status           string    `json:"status" enum:"pending,completed,failed" doc:"pending: the bank's answer is not known yet; the server retries until it is."`
	Amount           string    `json:"amount"`
	Currency         string    `json:"currency"`
	Wallet           string    `json:"wallet"`
	BankAccountID    string    `json:"bank_account_id"`
	TransferID       string    `json:"transfer_id,omitempty" doc:"The ledger transfer: the top-up, withdrawal or sweep."`
	RefundTransferID string    `json:"refund_transfer_id,omitempty" doc:"A refused withdrawal's or sweep's refund to the wallet."`
	Attempts         int       `json:"attempts"`
	LastError        string    `json:"last_error,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

type linkIn struct {
	ID             string `path:"id" doc:"16-digit wallet id."`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		BankCode      string `json:"bank_code" maxLength:"16" example:"ICBC"`
		AccountNumber string `json:"account_number" maxLength:"64" example:"6222021234566789" doc:"Stored encrypted, shown masked."`
		HolderName    string `json:"holder_name" maxLength:"200" doc:"Must match the bank's; stored encrypted, shown masked."`
	}
}

type unlinkIn struct {
	ID             string `path:"id" doc:"16-digit wallet id."`
	BankAccountID  string `path:"bank_account_id"`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
}

func (s *server) bankRoutes() {
	post(s, "linkBankAccount", "/v1/wallets/{id}/bank-accounts", "Link a bank account (verified with the bank)", http.StatusCreated, "Bank", s.linkBank)
	get(s, "listBankAccounts", "/v1/wallets/{id}/bank-accounts", "A wallet's linked bank accounts", "Bank", s.listBank)
	register(s, http.MethodDelete, "unlinkBankAccount", "/v1/wallets/{id}/bank-accounts/{bank_account_id}",
		"Unlink a bank account (not a tier 2 or 1 wallet's last one)", http.StatusOK, "Bank", s.unlinkBank)
	get(s, "getBankOperation", "/v1/bank-operations/{id}", "A bank operation (top-up, withdrawal, sweep, pull) and its state", "Bank", s.getBankOp)
	if s.sandbox != nil {
		s.sandboxRoutes()
	}
}

func (s *server) bankAccountOut(ctx context.Context, b *ingot.BankAccount) BankAccount {
	x := *b
	out := BankAccount{ID: x.ID, Wallet: ingot.FormatWalletID(x.Wallet), BankCode: x.BankCode, AccountNumber: "****", HolderName: "****",
		Currency: x.Currency, CreatedAt: x.CreatedAt.UTC()}
	if err := s.svc.RevealBankAccount(&x); err != nil {
		s.log.ErrorContext(ctx, "bank account data does not open", "bank_account", x.ID, "err", err)
		return out
	}
	out.AccountNumber, out.HolderName = pii.MaskAccountNumber(x.AccountNumber), pii.MaskName(x.HolderName)
	return out
}

func bankOpOut(o *ingot.BankOperation) BankOperation {
	return BankOperation{ID: o.ID, Kind: string(o.Kind), Status: string(o.Status), Amount: amt(o.Amount, o.Currency), Currency: o.Currency,
		Wallet: ingot.FormatWalletID(o.Wallet), BankAccountID: o.BankAccount, TransferID: o.TransferID, RefundTransferID: o.RefundTransferID,
		Attempts: o.Attempts, LastError: o.LastError, CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC()}
}

func (s *server) linkBank(ctx context.Context, in *linkIn) (*Out[BankAccount], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ingot.BankAccount, error) {
			return s.svc.LinkBankAccount(ctx, actor(ctx), in.ID, ledger.LinkRequest{BankCode: in.Body.BankCode,
				AccountNumber: in.Body.AccountNumber, HolderName: in.Body.HolderName}, idem)
		}, func(b *ingot.BankAccount) BankAccount { return s.bankAccountOut(ctx, b) })
}

func (s *server) unlinkBank(ctx context.Context, in *unlinkIn) (*Out[BankAccount], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, nil,
		func(idem *ledger.Idem) (*ingot.BankAccount, error) {
			return s.svc.UnlinkBankAccount(ctx, actor(ctx), in.ID, in.BankAccountID, idem)
		}, func(b *ingot.BankAccount) BankAccount { return s.bankAccountOut(ctx, b) })
}

func (s *server) listBank(ctx context.Context, in *walletIn) (*Body[List[BankAccount]], error) {
	bas, err := s.svc.BankAccounts(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[BankAccount]{Items: make([]BankAccount, len(bas))}
	for i := range bas {
		out.Items[i] = s.bankAccountOut(ctx, &bas[i])
	}
	return &Body[List[BankAccount]]{Body: out}, nil
}

func (s *server) getBankOp(ctx context.Context, in *idIn) (*Body[BankOperation], error) {
	op, err := s.svc.BankOperation(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[BankOperation]{Body: bankOpOut(&op)}, nil
}

// fundAny is POST /v1/wallets/{id}/topups and /withdrawals: from or to the
// operator's reserve (a transfer), or, with bank_account_id, through the
// holder's bank (an operation).
func (s *server) fundAny(withdraw bool) func(context.Context, *fundIn) (*Out[Funding], error) {
	plain := s.fund(withdraw)
	return func(ctx context.Context, in *fundIn) (*Out[Funding], error) {
		if in.Body.BankAccountID == "" {
			out, err := plain(ctx, in)
			if err != nil {
				return nil, err
			}
			return &Out[Funding]{Status: out.Status, Replayed: out.Replayed, Body: Funding{out.Body}}, nil
		}
		a := actor(ctx)
		return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
			func(idem *ledger.Idem) (*ingot.BankOperation, error) {
				return s.svc.BankFund(ctx, a, in.ID, in.Body.Amount, in.Body.BankAccountID, withdraw, in.Authorization, idem)
			}, func(op *ingot.BankOperation) Funding { return Funding{bankOpOut(op)} })
	}
}

// Funding is the answer to a top-up or withdrawal: a transfer (from or to
// the operator's reserve) or, with bank_account_id, a bank operation.
type Funding struct{ v any }

// MarshalJSON writes the transfer or the operation.
func (f Funding) MarshalJSON() ([]byte, error) { return json.Marshal(f.v) }

// UnmarshalJSON keeps a stored answer as it is (idempotent replays).
func (f *Funding) UnmarshalJSON(b []byte) error {
	f.v = json.RawMessage(slices.Clone(b))
	return nil
}

// Schema documents the answer as either a transfer or a bank operation.
func (Funding) Schema(r huma.Registry) *huma.Schema {
	return &huma.Schema{
		Description: "A transfer (from or to the operator's reserve), or with bank_account_id the bank operation.",
		OneOf: []*huma.Schema{
			r.Schema(reflect.TypeFor[Transfer](), true, ""),
			r.Schema(reflect.TypeFor[BankOperation](), true, ""),
		},
	}
}

// ---- the sandbox bank ----

// SandboxAccount is a deposit account at the sandbox bank.
type SandboxAccount struct {
	BankCode      string `json:"bank_code"`
	AccountNumber string `json:"account_number" doc:"Masked."`
	HolderName    string `json:"holder_name" doc:"Masked."`
	Currency      string `json:"currency"`
	Balance       string `json:"balance"`
}

type sandboxOpenIn struct {
	Body struct {
		BankCode      string `json:"bank_code" maxLength:"16" example:"ICBC"`
		AccountNumber string `json:"account_number" maxLength:"64" example:"6222021234566789"`
		HolderName    string `json:"holder_name" maxLength:"200"`
		Currency      string `json:"currency" example:"CNY"`
		Balance       string `json:"balance" example:"10000.00"`
	}
}

type sandboxGetIn struct {
	BankCode      string `path:"bank_code"`
	AccountNumber string `path:"account_number"`
}

// SandboxFault makes the sandbox bank's next calls misbehave.
type SandboxFault struct {
	Mode  string `json:"mode" enum:"fail,timeout,slow,none" doc:"fail: refuse; timeout: apply, then answer with a timeout (the outcome is not learned); slow: answer late but right."`
	Count int    `json:"count" minimum:"0" maximum:"1000000" doc:"How many of the next calls."`
}

type sandboxFaultIn struct {
	Body SandboxFault
}

func (s *server) sandboxRoutes() {
	post(s, "sandboxOpenAccount", "/v1/sandbox/bank/accounts", "Open a deposit account at the sandbox bank", http.StatusCreated, "Sandbox", s.sandboxOpen)
	get(s, "sandboxGetAccount", "/v1/sandbox/bank/accounts/{bank_code}/{account_number}", "A sandbox deposit account and its balance", "Sandbox", s.sandboxGet)
	post(s, "sandboxFaults", "/v1/sandbox/bank/faults", "Make the sandbox bank's next calls fail, time out or answer late", http.StatusOK, "Sandbox", s.sandboxFault)
}

func sandboxAllowed(a ingot.Actor) error {
	if a.Role != ingot.RoleOperator && a.Role != ingot.RoleCentralBank {
		return ingot.Errorf(ingot.CodeForbidden, "only operators and the central bank use the sandbox bank")
	}
	return nil
}

func sandboxAccountOut(acct bank.Account, d bank.SandboxAccount) SandboxAccount {
	return SandboxAccount{BankCode: acct.BankCode, AccountNumber: pii.MaskAccountNumber(acct.Number), HolderName: pii.MaskName(d.HolderName),
		Currency: d.Currency, Balance: amt(d.Balance, d.Currency)}
}

func (s *server) sandboxOpen(ctx context.Context, in *sandboxOpenIn) (*Out[SandboxAccount], error) {
	if err := sandboxAllowed(actor(ctx)); err != nil {
		return nil, s.problem(ctx, err)
	}
	b := in.Body
	cur, err := ingot.LookupCurrency(b.Currency)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	var bal int64
	if b.Balance != "" && strings.Trim(b.Balance, "0.") != "" { // "0", "0.00": an empty account
		if bal, err = ingot.ParseAmount(b.Balance, cur); err != nil {
			return nil, s.problem(ctx, err)
		}
	}
	if b.BankCode == "" || b.AccountNumber == "" || b.HolderName == "" {
		return nil, s.problem(ctx, ingot.Errorf(ingot.CodeInvalidRequest, "bank_code, account_number and holder_name are required"))
	}
	acct := ledger.NormalizeBankAccount(b.BankCode, b.AccountNumber)
	if err := s.sandbox.Open(ctx, acct, b.HolderName, cur.Code, bal, time.Now()); errors.Is(err, store.ErrConflict) {
		return nil, s.problem(ctx, ingot.Errorf(ingot.CodeConflict, "the sandbox bank has this account already"))
	} else if err != nil {
		return nil, s.problem(ctx, err)
	}
	d, err := s.sandbox.Lookup(ctx, acct)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Out[SandboxAccount]{Status: http.StatusCreated, Body: sandboxAccountOut(acct, d)}, nil
}

func (s *server) sandboxGet(ctx context.Context, in *sandboxGetIn) (*Body[SandboxAccount], error) {
	if err := sandboxAllowed(actor(ctx)); err != nil {
		return nil, s.problem(ctx, err)
	}
	acct := ledger.NormalizeBankAccount(in.BankCode, in.AccountNumber)
	d, err := s.sandbox.Lookup(ctx, acct)
	if errors.Is(err, store.ErrNotFound) {
		return nil, s.problem(ctx, ingot.Errorf(ingot.CodeNotFound, "no such sandbox account"))
	}
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[SandboxAccount]{Body: sandboxAccountOut(acct, d)}, nil
}

func (s *server) sandboxFault(ctx context.Context, in *sandboxFaultIn) (*Body[SandboxFault], error) {
	if err := sandboxAllowed(actor(ctx)); err != nil {
		return nil, s.problem(ctx, err)
	}
	if err := s.sandbox.SetFault(in.Body.Mode, in.Body.Count); err != nil {
		return nil, s.problem(ctx, ingot.Errorf(ingot.CodeInvalidRequest, "%s", err.Error()))
	}
	return &Body[SandboxFault]{Body: in.Body}, nil
}
