package httpapi

import (
	"context"
	"encoding/json"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/pii"
)

// The JSON the API answers. Amounts are decimal strings in the currency's
// major unit, times RFC 3339 in UTC.

// Transfer is an immutable money movement. From and To are 16-digit wallet
// ids, "reserve:<operator_id>" for an operator's reserve, or "issuance" for
// the central bank's issuance account.
type Transfer struct {
	ID        string    `json:"id" doc:"Transfer id (UUIDv7)."`
	From      string    `json:"from" doc:"Payer: wallet id, reserve:<operator_id> or issuance."`
	To        string    `json:"to" doc:"Payee: wallet id, reserve:<operator_id> or issuance."`
	Amount    string    `json:"amount" example:"12.30"`
	Currency  string    `json:"currency" example:"CNY"`
	Kind      string    `json:"kind" enum:"mint,burn,topup,withdrawal,payment,capture,sweep,refund,allocation,fee,payment_refund,fee_refund,review_refusal,offline_load,offline_payment,offline_redeem,offline_advance,offline_recovery"`
	Memo      string    `json:"memo" doc:"The payer's free text (a refund's: its reason); always empty in the central bank's view."`
	HoldID    string    `json:"hold_id,omitempty" doc:"The captured hold, for captures."`
	CreatedAt time.Time `json:"created_at"`
	LogIndex  int64     `json:"log_index" doc:"The transfer's leaf index in the transparency log (0-based, in commit order). Prove it with GET /v1/transfers/{id}/proof."`
	// Merchant payments.
	Fee              string  `json:"fee,omitempty" doc:"A merchant payment's fee, paid by the merchant to its operator's fee account (a fee transfer of its own)."`
	Reference        string  `json:"reference,omitempty" doc:"The merchant's reference, absent in the central bank's view; a payment_refund's is the refunded payment's id."`
	PaymentRequestID string  `json:"payment_request_id,omitempty" doc:"The payment request it paid."`
	Refunded         *string `json:"refunded,omitempty" doc:"What has been refunded of a payment (GET /v1/transfers/{id} only)."`
}

// Holder is a wallet's owner; the phone number is masked.
type Holder struct {
	Kind     string `json:"kind,omitempty" enum:"person,business"`
	Name     string `json:"name,omitempty" example:"L* W**" doc:"Masked: the first letter of each word (in clear with ?reveal=true); absent in the central bank's view."`
	Phone    string `json:"phone,omitempty" example:"+86 138****5678" doc:"Masked E.164 (in clear with ?reveal=true); absent in the central bank's view."`
	IDNumber string `json:"id_number,omitempty" example:"110***********1234" doc:"Masked."`
}

// Wallet is a person's or merchant's account.
type Wallet struct {
	ID               string      `json:"id" example:"6214830000000009" doc:"16 digits, the last a Luhn check digit."`
	Kind             string      `json:"kind" enum:"personal,merchant"`
	Status           string      `json:"status" enum:"active,frozen,closed"`
	Currency         string      `json:"currency"`
	Balance          string      `json:"balance"`
	Held             string      `json:"held"`
	Available        string      `json:"available"`
	Holder           Holder      `json:"holder"`
	CreatedAt        time.Time   `json:"created_at"`
	Tier             int         `json:"tier" minimum:"1" maximum:"4" doc:"KYC class: 4 phone only (anonymous) ... 1 opened in person."`
	Limits           *Limits     `json:"limits,omitempty" doc:"The wallet's effective limits; null fields mean no limit."`
	Remaining        *Remaining  `json:"remaining,omitempty" doc:"What is left of the daily and yearly outflow limits; null means no limit."`
	ReverseWaterfall bool        `json:"reverse_waterfall" doc:"A payment larger than the balance pulls the shortfall from the linked bank account."`
	Parent           string      `json:"parent,omitempty" doc:"A sub-wallet's parent wallet."`
	Label            string      `json:"label,omitempty" doc:"A sub-wallet's label (\"pocket money\")."`
	Merchant         *Merchant   `json:"merchant,omitempty" doc:"A merchant wallet's profile, once set (PUT /v1/wallets/{id}/merchant)."`
	Earmarked        []Earmarked `json:"earmarked,omitempty" doc:"Earmarked money by voucher program, not part of balance (GET /v1/wallets/{id}; vouchers.go)."`
}

// Limits are a wallet's effective limits, decimal strings in its currency;
// null is no limit. balance is the tier's cap, holding the holder's own.
type Limits struct {
	Balance *string `json:"balance"`
	Single  *string `json:"single"`
	Daily   *string `json:"daily"`
	Yearly  *string `json:"yearly"`
	Holding *string `json:"holding"`
}

// Remaining is what is left today and this year of the outflow limits.
type Remaining struct {
	Daily  *string `json:"daily"`
	Yearly *string `json:"yearly"`
}

// Hold is a two-phase payment's reservation.
type Hold struct {
	ID         string    `json:"id"`
	Wallet     string    `json:"wallet"`
	Amount     string    `json:"amount"`
	Currency   string    `json:"currency"`
	Status     string    `json:"status" enum:"pending,captured,voided,expired"`
	Captured   string    `json:"captured" doc:"Amount captured (zero unless captured)."`
	ExpiresAt  time.Time `json:"expires_at"`
	CreatedAt  time.Time `json:"created_at"`
	TransferID string    `json:"transfer_id,omitempty" doc:"The capture transfer, once captured."`
}

// Operator is a tier-2 institution. APIKey is shown once, in the answer to
// its creation; an idempotent replay of the creation does not carry it.
type Operator struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Code      string    `json:"code"`
	Country   string    `json:"country" doc:"Its jurisdiction, ISO 3166-1 alpha-2: a payment between wallets of operators of two countries is cross-border."`
	CreatedAt time.Time `json:"created_at"`
	APIKey    string    `json:"api_key,omitempty" doc:"The operator's API key: shown once, never stored, absent from idempotent replays."`
}

// Auditor is a read-only key for the transparency log. APIKey is shown
// once, in the answer to its creation; an idempotent replay does not carry it.
type Auditor struct {
	ID        string    `json:"id"`
	Role      string    `json:"role" enum:"auditor"`
	CreatedAt time.Time `json:"created_at"`
	APIKey    string    `json:"api_key,omitempty" doc:"The auditor's API key: shown once, never stored, absent from idempotent replays."`
}

// Consistency proves that the tree of size To extends the tree of size From.
type Consistency struct {
	From  int64    `json:"from"`
	To    int64    `json:"to"`
	Proof []string `json:"proof" doc:"The RFC 6962 consistency proof, base64 SHA-256 hashes, as tlog.TreeProof (check with tlog.CheckTree); empty when from is 0 or equals to."`
}

// InclusionProof proves that a transfer is a leaf of a checkpointed tree.
type InclusionProof struct {
	LogIndex   int64    `json:"log_index" doc:"The transfer's leaf index."`
	TreeSize   int64    `json:"tree_size" doc:"The size of the tree the proof is for."`
	Leaf       []byte   `json:"leaf" doc:"The leaf data (see docs/transparency-log.md), base64; its hash is SHA-256(0x00 || leaf)."`
	Proof      []string `json:"proof" doc:"The RFC 6962 inclusion proof, base64 SHA-256 hashes, as tlog.RecordProof (check with tlog.CheckRecord)."`
	Checkpoint string   `json:"checkpoint" doc:"The signed checkpoint (C2SP signed note) of tree_size."`
}

// Reserve is one of an operator's reserve balances.
type Reserve struct {
	Currency string `json:"currency"`
	Balance  string `json:"balance"`
}

// Me is the calling operator with its reserves.
type Me struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Code      string    `json:"code"`
	CreatedAt time.Time `json:"created_at"`
	Reserves  []Reserve `json:"reserves"`
	// FeeAccounts receive the merchant fees the operator charges.
	FeeAccounts []Reserve `json:"fee_accounts"`
}

// Supply is the issued amount of a currency and where it is.
type Supply struct {
	Currency  string `json:"currency"`
	Issued    string `json:"issued"`
	Reserves  string `json:"reserves"`
	Wallets   string `json:"wallets"`
	Fees      string `json:"fees" doc:"What operators' fee accounts hold: issued = reserves + wallets + earmarked + offline + fees."`
	Earmarked string `json:"earmarked" doc:"Wallets' earmarked money of voucher programs (docs/vouchers.md)."`
	Offline   string `json:"offline" doc:"The money on offline devices, as the ledger has it (docs/offline-and-ussd.md)."`
}

// Entry is a statement line: the transfer, the signed amount for the wallet
// (negative when it paid) and its balance right after.
type Entry struct {
	Transfer     Transfer `json:"transfer"`
	Amount       string   `json:"amount" example:"-12.30"`
	BalanceAfter string   `json:"balance_after"`
}

// List is a page of a list; NextCursor is empty on the last page.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor" doc:"Pass as cursor for the next page; empty on the last page."`
}

// ItemError is a failed batch item's error.
type ItemError struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// BatchResult is one batch item's outcome: the transfer's fields, or error.
type BatchResult struct {
	*Transfer
	*InReview
	Error *ItemError `json:"error,omitempty"`
}

// MarshalJSON writes the one outcome a result holds: the transfer, the
// review that holds it, or the error. (Embedding both a transfer and a
// review would drop their common hold_id.)
func (r BatchResult) MarshalJSON() ([]byte, error) {
	switch {
	case r.InReview != nil:
		return json.Marshal(r.InReview)
	case r.Transfer != nil:
		return json.Marshal(r.Transfer)
	}
	return json.Marshal(struct {
		Error *ItemError `json:"error,omitempty"`
	}{r.Error})
}

// InReview is the answer for a payment a risk rule held for review
// (202 for a single payment, a result of a batch): its money is a hold
// on the payer's wallet until a reviewer releases or refuses it.
type InReview struct {
	Status   string `json:"status" enum:"in_review"`
	ReviewID string `json:"review_id" doc:"GET /v1/reviews/{id}."`
	HoldID   string `json:"hold_id" doc:"The hold on the payer's wallet."`
}

// BatchResults are the outcomes of a batch, one per item in order.
type BatchResults struct {
	Results []BatchResult `json:"results"`
}

// ---- rendering ----

func curOf(code string) ingot.Currency {
	c, err := ingot.LookupCurrency(code)
	if err != nil {
		return ingot.Currency{Code: code, Exponent: 0}
	}
	return c
}

func amt(v int64, cur string) string { return ingot.FormatAmount(v, curOf(cur)) }

// walletOut renders a wallet; its holder's data is opened and masked.
func (s *server) walletOut(ctx context.Context, acc *ingot.Account, l *ledger.WalletLimits) Wallet {
	a := *acc
	h := Holder{Name: "****", Phone: "****"}
	label := ""
	if err := s.svc.Reveal(&a); err != nil {
		s.log.ErrorContext(ctx, "holder data does not open", "wallet", ingot.FormatWalletID(a.ID), "err", err)
	} else {
		h = Holder{Kind: string(a.Holder.Kind), Name: pii.MaskName(a.Holder.Name), Phone: pii.MaskPhone(a.Holder.Phone)}
		label = a.Label
		if a.Holder.IDNumber != "" {
			h.IDNumber = pii.MaskID(a.Holder.IDNumber)
		}
	}
	w := Wallet{
		ID: ingot.FormatWalletID(a.ID), Kind: string(a.WalletKind), Status: string(a.Status), Currency: a.Currency,
		Balance: amt(a.Balance, a.Currency), Held: amt(a.Held, a.Currency), Available: amt(a.Available(), a.Currency),
		Holder:    h,
		CreatedAt: a.CreatedAt.UTC(), Tier: int(a.Tier), ReverseWaterfall: a.ReverseWaterfall,
	}
	if w.Tier == 0 {
		w.Tier = int(ingot.Tier4)
	}
	if a.ParentID != 0 {
		w.Parent, w.Label = ingot.FormatWalletID(a.ParentID), label
	}
	if l != nil {
		// limit is an amount, or null for "no limit" (0 limits, -1 remaining).
		limit := func(v int64) *string {
			if v <= 0 {
				return nil
			}
			s := amt(v, a.Currency)
			return &s
		}
		left := func(v int64) *string {
			if v < 0 {
				return nil
			}
			s := amt(v, a.Currency)
			return &s
		}
		w.Limits = &Limits{Balance: limit(l.Limits.Balance), Single: limit(l.Limits.Single), Daily: limit(l.Limits.Daily),
			Yearly: limit(l.Limits.Yearly), Holding: limit(l.Holding)}
		w.Remaining = &Remaining{Daily: left(l.Daily), Yearly: left(l.Yearly)}
	}
	return w
}

func holdOut(h *ingot.Hold) Hold {
	return Hold{
		ID: h.ID, Wallet: ingot.FormatWalletID(h.Wallet), Amount: amt(h.Amount, h.Currency), Currency: h.Currency,
		Status: string(h.Status), Captured: amt(h.Captured, h.Currency), ExpiresAt: h.ExpiresAt.UTC(),
		CreatedAt: h.CreatedAt.UTC(), TransferID: h.TransferID,
	}
}

func auditorOut(k *ledger.NewAuditor) Auditor {
	return Auditor{ID: k.ID, Role: string(ingot.RoleAuditor), CreatedAt: k.CreatedAt.UTC(), APIKey: k.APIKey}
}

func hashesOut(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.String()
	}
	return out
}

func operatorOut(o *ingot.Operator, key string) Operator {
	return Operator{ID: o.ID, Name: o.Name, Code: o.Code, Country: o.Country, CreatedAt: o.CreatedAt.UTC(), APIKey: key}
}

// transferOut renders a transfer; reserveOp is the operator whose reserve
// is one side of a mint, burn, top-up or withdrawal.
// transferOut renders a transfer; reserveOp is the operator whose reserve
// or fee account is a side of it, when known.
func transferOut(t *ingot.Transfer, reserveOp string) Transfer {
	offDebit, offCredit := t.Kind.OfflineSides()
	side := func(id int64, issuance, off bool) string {
		switch {
		case ingot.IsWalletID(id):
			return ingot.FormatWalletID(id)
		case issuance:
			return "issuance"
		case off:
			return "offline:" + ingot.FormatWalletID(id)
		case reserveOp != "" && (t.Kind == ingot.KindFee || t.Kind == ingot.KindFeeRefund):
			return "fee:" + reserveOp
		case reserveOp != "":
			return "reserve:" + reserveOp
		}
		return "account:" + ingot.FormatWalletID(id)
	}
	out := Transfer{
		ID: t.ID, From: side(t.Debit, t.Kind == ingot.KindMint, offDebit), To: side(t.Credit, t.Kind == ingot.KindBurn, offCredit),
		Amount: amt(t.Amount, t.Currency), Currency: t.Currency, Kind: string(t.Kind), Memo: t.Memo,
		HoldID: t.HoldID, CreatedAt: t.CreatedAt.UTC(), LogIndex: t.LogIndex,
		Reference: t.Reference, PaymentRequestID: t.PaymentRequestID,
	}
	if t.Fee > 0 {
		out.Fee = amt(t.Fee, t.Currency)
	}
	return out
}

func batchOut(items []ledger.ItemResult) BatchResults {
	out := BatchResults{Results: make([]BatchResult, len(items))}
	for i, it := range items {
		switch {
		case it.Err != nil:
			out.Results[i].Error = &ItemError{Code: it.Err.Code, Detail: it.Err.Detail}
		case it.Transfer != nil:
			t := transferOut(it.Transfer, "")
			out.Results[i].Transfer = &t
		case it.Review != nil:
			out.Results[i].InReview = &InReview{Status: it.Review.Status, ReviewID: it.Review.ReviewID, HoldID: it.Review.HoldID}
		default:
			out.Results[i].Error = &ItemError{Code: ingot.CodeInternal, Detail: "no outcome"}
		}
	}
	return out
}

// Schema documents a batch result as either a transfer or an error.
func (BatchResult) Schema(r huma.Registry) *huma.Schema {
	return &huma.Schema{
		Description: "The transfer, {\"status\":\"in_review\",\"review_id\",\"hold_id\"} when a risk rule held it for review, or {\"error\":{\"code\",\"detail\"}} when this item failed.",
		OneOf: []*huma.Schema{
			r.Schema(reflect.TypeFor[Transfer](), true, ""),
			r.Schema(reflect.TypeFor[InReview](), true, ""),
			{
				Type: huma.TypeObject, AdditionalProperties: false, Required: []string{"error"},
				Properties: map[string]*huma.Schema{"error": r.Schema(reflect.TypeFor[ItemError](), true, "")},
			},
		},
	}
}
