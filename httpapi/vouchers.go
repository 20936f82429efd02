package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
)

// Vouchers: purpose-bound money (docs/vouchers.md).

// VoucherEligible is what a program's money may pay: merchants of these
// categories and these merchant wallets; both empty, any merchant.
type VoucherEligible struct {
	MCC       []string `json:"mcc,omitempty" maxItems:"1000" doc:"ISO 18245 merchant category codes."`
	Merchants []string `json:"merchants,omitempty" maxItems:"1000" doc:"Merchant wallet ids."`
}

// VoucherFunding is the answer to POST /v1/vouchers.
type VoucherFunding struct {
	Program   string              `json:"program"`
	Amount    string              `json:"amount" doc:"What each wallet got."`
	Currency  string              `json:"currency"`
	Eligible  VoucherEligible     `json:"eligible"`
	ExpiresAt time.Time           `json:"expires_at"`
	Items     []VoucherFundedItem `json:"items" doc:"One per wallet, in the request's order."`
}

// VoucherFundedItem is one wallet's funding: its transfer (kind voucher).
type VoucherFundedItem struct {
	Wallet     string `json:"wallet"`
	TransferID string `json:"transfer_id"`
	LogIndex   int64  `json:"log_index"`
}

// VoucherProgram is a program's totals: issued = spent + returned +
// outstanding.
type VoucherProgram struct {
	Program     string          `json:"program"`
	Issuer      string          `json:"issuer" doc:"central_bank, or operator:<id>."`
	Currency    string          `json:"currency"`
	Eligible    VoucherEligible `json:"eligible"`
	ExpiresAt   time.Time       `json:"expires_at"`
	Wallets     int             `json:"wallets" doc:"Wallets funded."`
	Issued      string          `json:"issued"`
	Spent       string          `json:"spent" doc:"Paid to merchants, less refunds."`
	Returned    string          `json:"returned" doc:"Returned to the issuer at expiry (and refunds after it)."`
	Outstanding string          `json:"outstanding" doc:"Still earmarked in wallets."`
}

// Earmarked is a wallet's earmarked money of one program.
type Earmarked struct {
	Program   string    `json:"program"`
	Amount    string    `json:"amount"`
	ExpiresAt time.Time `json:"expires_at"`
}

type voucherIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		Program   string          `json:"program" maxLength:"100" example:"spring-2026" doc:"The program's name, unique: letters, digits, '.', '_', ':' and '-'. A later request with the same name funds more wallets on the same terms."`
		Wallets   []string        `json:"wallets" maxItems:"1000" doc:"Wallet ids to fund (main wallets, the operator's own for an operator); all or none."`
		Amount    string          `json:"amount" example:"50.00" doc:"What each wallet gets."`
		Currency  string          `json:"currency" example:"CNY"`
		Eligible  VoucherEligible `json:"eligible,omitempty"`
		ExpiresAt time.Time       `json:"expires_at" doc:"When what is left returns to the issuer; at most 5 years ahead."`
	}
}

type voucherGetIn struct {
	Program string `path:"program" maxLength:"100"`
}

func (s *server) voucherRoutes() {
	const tag = "Programmable payments"
	post(s, "issueVouchers", "/v1/vouchers", "Fund wallets with earmarked money of a program (central bank: new money; operator: from its reserve, for its own wallets)", http.StatusCreated, tag, s.issueVouchers)
	get(s, "getVoucherProgram", "/v1/vouchers/{program}", "A voucher program's totals: issued, spent, returned, outstanding (its issuer and the central bank)", tag, s.getVoucherProgram)
}

func (s *server) issueVouchers(ctx context.Context, in *voucherIn) (*Out[VoucherFunding], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ledger.VoucherFunding, error) {
			b := in.Body
			return s.svc.IssueVouchers(ctx, actor(ctx), ledger.VoucherRequest{Program: b.Program, Wallets: b.Wallets, Amount: b.Amount,
				Currency: b.Currency, MCCs: b.Eligible.MCC, Merchants: b.Eligible.Merchants, ExpiresAt: b.ExpiresAt}, idem)
		}, voucherFundingOut)
}

func eligibleOut(p *ingot.VoucherProgram) VoucherEligible {
	e := VoucherEligible{MCC: p.MCCs}
	for _, m := range p.Merchants {
		e.Merchants = append(e.Merchants, ingot.FormatWalletID(m))
	}
	return e
}

func voucherFundingOut(f *ledger.VoucherFunding) VoucherFunding {
	p := &f.Program
	out := VoucherFunding{Program: p.Program, Amount: amt(f.Amount, p.Currency), Currency: p.Currency, Eligible: eligibleOut(p),
		ExpiresAt: p.ExpiresAt.UTC(), Items: make([]VoucherFundedItem, len(f.Items))}
	for i, it := range f.Items {
		out.Items[i] = VoucherFundedItem{Wallet: ingot.FormatWalletID(it.Wallet), TransferID: it.Transfer.ID, LogIndex: it.Transfer.LogIndex}
	}
	return out
}

func (s *server) getVoucherProgram(ctx context.Context, in *voucherGetIn) (*Body[VoucherProgram], error) {
	st, err := s.svc.VoucherProgram(ctx, actor(ctx), in.Program)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	p := &st.Program
	issuer := "central_bank"
	if p.OperatorID != "" {
		issuer = "operator:" + p.OperatorID
	}
	return &Body[VoucherProgram]{Body: VoucherProgram{Program: p.Program, Issuer: issuer, Currency: p.Currency, Eligible: eligibleOut(p),
		ExpiresAt: p.ExpiresAt.UTC(), Wallets: st.Wallets, Issued: amt(st.Issued, p.Currency), Spent: amt(st.Spent, p.Currency),
		Returned: amt(st.Returned, p.Currency), Outstanding: amt(st.Outstanding, p.Currency)}}, nil
}

// withEarmarked adds a wallet's earmarked money to its view.
func (s *server) withEarmarked(ctx context.Context, w *Wallet, id int64) error {
	es, err := s.svc.WalletEarmarked(ctx, id)
	if err != nil {
		return err
	}
	for _, e := range es {
		w.Earmarked = append(w.Earmarked, Earmarked{Program: e.Program, Amount: amt(e.Amount, e.Currency), ExpiresAt: e.ExpiresAt.UTC()})
	}
	return nil
}
