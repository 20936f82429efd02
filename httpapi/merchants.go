package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
)

// Merchants get paid (docs/merchants.md): their profile, payment requests
// and their QR codes, QR payments, customer-presented payment codes and
// their charge, refunds, and the fees operators charge within the central
// bank's cap.

// Merchant is a merchant wallet's profile: what its QR codes show.
type Merchant struct {
	Name      string    `json:"name" example:"Lao Wang Noodles"`
	City      string    `json:"city" example:"Beijing"`
	Country   string    `json:"country" example:"CN"`
	MCC       string    `json:"mcc" example:"5812" doc:"ISO 18245 merchant category code."`
	ShortCode string    `json:"short_code,omitempty" example:"8801" doc:"What holders type to pay the merchant by USSD (docs/offline-and-ussd.md)."`
	UpdatedAt time.Time `json:"updated_at"`
}

func merchantOut(m ingot.Merchant) *Merchant {
	return &Merchant{Name: m.Name, City: m.City, Country: m.Country, MCC: m.MCC, ShortCode: m.ShortCode, UpdatedAt: m.UpdatedAt.UTC()}
}

// PaymentRequest is a merchant's request to be paid, shown as a dynamic QR
// code.
type PaymentRequest struct {
	ID             string    `json:"id"`
	Status         string    `json:"status" enum:"open,paid,expired"`
	MerchantWallet string    `json:"merchant_wallet"`
	Amount         *string   `json:"amount" doc:"Null for an open request: the payer enters the amount."`
	Currency       string    `json:"currency"`
	Reference      string    `json:"reference,omitempty" doc:"The merchant's reference (an order or bill number)."`
	ExpiresAt      time.Time `json:"expires_at"`
	CreatedAt      time.Time `json:"created_at"`
	TransferID     string    `json:"transfer_id,omitempty" doc:"The payment, once paid."`
	QR             string    `json:"qr" doc:"The EMVCo merchant-presented QR payload (dynamic, tag 01 = 12)."`
	QRPNGURL       string    `json:"qr_png_url" doc:"The QR code as a PNG image."`
}

// StaticQR is a merchant's static QR code: any payer, any amount.
type StaticQR struct {
	Wallet   string `json:"wallet"`
	QR       string `json:"qr" doc:"The EMVCo merchant-presented QR payload (static, tag 01 = 11)."`
	QRPNGURL string `json:"qr_png_url"`
}

// PaymentCode is a customer-presented code: the payer shows it, the
// merchant scans and charges it.
type PaymentCode struct {
	Code      string    `json:"code,omitempty" example:"284019375518204736" doc:"18 digits; shown once, absent from idempotent replays."`
	Wallet    string    `json:"wallet"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Refund is (part of) a payment paid back from its payee to its payer.
type Refund struct {
	ID               string    `json:"id"`
	TransferID       string    `json:"transfer_id" doc:"The payment refunded."`
	Amount           string    `json:"amount"`
	Fee              string    `json:"fee" doc:"The part of the payment's fee returned to the merchant."`
	Currency         string    `json:"currency"`
	Reason           string    `json:"reason,omitempty" doc:"The merchant's free text; absent in the central bank's view."`
	RefundTransferID string    `json:"refund_transfer_id" doc:"The payment_refund transfer, payee to payer."`
	CreatedAt        time.Time `json:"created_at"`
}

func refundOut(r *ingot.Refund) Refund {
	return Refund{ID: r.ID, TransferID: r.TransferID, Amount: amt(r.Amount, r.Currency), Fee: amt(r.Fee, r.Currency),
		Currency: r.Currency, Reason: r.Reason, RefundTransferID: r.RefundTransferID, CreatedAt: r.CreatedAt.UTC()}
}

// Refunds are a payment's refunds and what they add up to.
type Refunds struct {
	Refunded string   `json:"refunded"`
	Items    []Refund `json:"items"`
}

// FeeSchedule is an operator's merchant fees in a currency.
type FeeSchedule struct {
	Currency        string         `json:"currency"`
	MerchantRateBPS int            `json:"merchant_rate_bps" doc:"Basis points of each payment a merchant receives."`
	Min             *string        `json:"min" doc:"The smallest fee; null none."`
	Max             *string        `json:"max" doc:"The largest fee; null none."`
	MCCOverrides    map[string]int `json:"mcc_overrides" doc:"Rates by merchant category code."`
	FeeAccount      string         `json:"fee_account" doc:"The operator's fee account, which receives the fees."`
	UpdatedAt       time.Time      `json:"updated_at"`
}

func feesOut(f ingot.FeeSchedule) FeeSchedule {
	opt := func(v int64) *string {
		if v <= 0 {
			return nil
		}
		s := amt(v, f.Currency)
		return &s
	}
	return FeeSchedule{Currency: f.Currency, MerchantRateBPS: f.RateBPS, Min: opt(f.Min), Max: opt(f.Max),
		MCCOverrides: f.MCCRates, FeeAccount: "fee:" + f.OperatorID, UpdatedAt: f.UpdatedAt.UTC()}
}

// FeeCap is the central bank's cap on merchant fee rates.
type FeeCap struct {
	MaxRateBPS int       `json:"max_rate_bps"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
}

// ---- inputs ----

type setMerchantIn struct {
	ID   string `path:"id" doc:"16-digit wallet id."`
	Body struct {
		Name    string `json:"name" maxLength:"100" doc:"At most 25 characters (the QR format's)."`
		City    string `json:"city" maxLength:"100" doc:"At most 15 characters."`
		Country string `json:"country" maxLength:"8" example:"CN"`
		MCC     string `json:"mcc" maxLength:"8" example:"5812"`
		// ShortCode pays the merchant from a feature phone.
		ShortCode string `json:"short_code,omitempty" maxLength:"16" doc:"4 to 8 digits, unique across operators: what holders type to pay the merchant by USSD. Omitted: none."`
	}
}

type paymentRequestIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		MerchantWallet string    `json:"merchant_wallet" maxLength:"32"`
		Amount         string    `json:"amount,omitempty" maxLength:"40" example:"38.00" doc:"Absent: an open request, the payer enters the amount."`
		Currency       string    `json:"currency,omitempty" maxLength:"8" example:"CNY" doc:"Default the wallet's."`
		Reference      string    `json:"reference,omitempty" maxLength:"100" doc:"At most 25 characters."`
		ExpiresAt      time.Time `json:"expires_at,omitzero" doc:"Default in 15 minutes; at most 24 hours ahead."`
	}
}

type qrPaymentIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Authorization  string `header:"Ingot-Authorization" maxLength:"64" doc:"A holder's payment that needs approval: the id of the approved authorization (POST /v1/authorizations/{id}/verify)."`
	Body           struct {
		From    string `json:"from" maxLength:"32" doc:"The payer's wallet."`
		QR      string `json:"qr" maxLength:"512" doc:"The scanned EMVCo payload."`
		Amount  string `json:"amount,omitempty" maxLength:"40" doc:"Only for a static code or an open request."`
		Memo    string `json:"memo,omitempty" maxLength:"512"`
		Purpose string `json:"purpose,omitempty" maxLength:"4" doc:"An ISO 20022 purpose code (Purp/Cd), e.g. SALA or GDDS; required when the payment crosses a border and the currency's issuer says so." example:"GDDS"`
	}
}

type paymentCodeIn struct {
	ID             string `path:"id" doc:"16-digit wallet id: the payer's."`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
}

type chargeIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Authorization  string `header:"Ingot-Authorization" maxLength:"64" doc:"After a 403 sca_required: the id of the authorization the payer approved."`
	Body           struct {
		Code           string `json:"code" maxLength:"32" doc:"The customer's 18-digit code."`
		MerchantWallet string `json:"merchant_wallet" maxLength:"32"`
		Amount         string `json:"amount" maxLength:"40" example:"38.00"`
		Reference      string `json:"reference,omitempty" maxLength:"100" doc:"At most 25 characters."`
		Purpose        string `json:"purpose,omitempty" maxLength:"4" doc:"An ISO 20022 purpose code (Purp/Cd), e.g. GDDS; required when the payment crosses a border and the currency's issuer says so." example:"GDDS"`
	}
}

type refundIn struct {
	ID             string `path:"id" doc:"The payment's transfer id."`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Authorization  string `header:"Ingot-Authorization" maxLength:"64" doc:"A holder's refund that needs approval: the id of the approved authorization."`
	Body           struct {
		Amount string `json:"amount" maxLength:"40" example:"10.00"`
		Reason string `json:"reason,omitempty" maxLength:"800" doc:"At most 200 characters."`
	}
}

type feesIn struct {
	Body struct {
		Currency        string         `json:"currency,omitempty" maxLength:"8" doc:"Default CNY."`
		MerchantRateBPS int            `json:"merchant_rate_bps" doc:"Basis points, within the central bank's cap."`
		Min             string         `json:"min,omitempty" maxLength:"40" doc:"The smallest fee of a payment (never above the payment)."`
		Max             string         `json:"max,omitempty" maxLength:"40" doc:"The largest fee of a payment."`
		MCCOverrides    map[string]int `json:"mcc_overrides,omitempty" doc:"Rates by merchant category code."`
	}
}

type feeCapIn struct {
	Body struct {
		MaxRateBPS int `json:"max_rate_bps" doc:"Basis points; operators' higher rates are lowered to it."`
	}
}

// PNG is an image answer.
type PNG struct {
	ContentType  string `header:"Content-Type"`
	CacheControl string `header:"Cache-Control"`
	Body         []byte
}

// ---- routes ----

func put[I, O any](s *server, id, path, summary, tag string, h func(context.Context, *I) (*O, error)) {
	register(s, http.MethodPut, id, path, summary, http.StatusOK, tag, h)
}

func (s *server) merchantRoutes() {
	const tag = "Merchants"
	put(s, "setMerchant", "/v1/wallets/{id}/merchant", "Set a merchant wallet's profile (what its QR codes show)", tag, s.setMerchant)
	get(s, "getStaticQR", "/v1/wallets/{id}/qr", "A merchant's static QR code", tag, s.staticQR)
	s.png("getStaticQRImage", "/v1/wallets/{id}/qr.png", "A merchant's static QR code as a PNG image", s.staticQRPNG)
	post(s, "createPaymentRequest", "/v1/payment-requests", "Ask to be paid: a dynamic QR code for one payment", http.StatusCreated, tag, s.createPaymentRequest)
	get(s, "getPaymentRequest", "/v1/payment-requests/{id}", "Read a payment request", tag, s.getPaymentRequest)
	s.png("getPaymentRequestQR", "/v1/payment-requests/{id}/qr.png", "A payment request's QR code as a PNG image", s.paymentRequestPNG)
	post(s, "payQR", "/v1/qr-payments", "Pay a scanned merchant QR code", http.StatusCreated, "Transfers", s.payQR)
	post(s, "createPaymentCode", "/v1/wallets/{id}/payment-codes", "A customer-presented payment code (single use, 60 seconds)", http.StatusCreated, tag, s.createPaymentCode)
	post(s, "chargePaymentCode", "/v1/payment-codes/charge", "Charge a customer's payment code", http.StatusCreated, tag, s.charge)
	post(s, "createRefund", "/v1/transfers/{id}/refunds", "Refund (part of) a payment, payee to payer", http.StatusCreated, "Transfers", s.refund)
	get(s, "listRefunds", "/v1/transfers/{id}/refunds", "A payment's refunds", "Transfers", s.refunds)
	put(s, "setFees", "/v1/fees", "Set the operator's merchant fees in a currency", "Fees", s.setFees)
	get(s, "listFees", "/v1/fees", "The operator's merchant fees", "Fees", s.fees)
	put(s, "setFeeCap", "/v1/fee-caps", "Cap operators' merchant fee rates (central bank)", "Fees", s.setFeeCap)
	get(s, "getFeeCap", "/v1/fee-caps", "The central bank's cap on merchant fee rates", "Fees", s.getFeeCap)
}

func (s *server) png(id, path, summary string, h func(context.Context, *idIn) (*PNG, error)) {
	huma.Register(s.api, huma.Operation{
		OperationID: id, Method: http.MethodGet, Path: path, Summary: summary, Tags: []string{"Merchants"},
		Security: bearer,
		Responses: map[string]*huma.Response{"200": {Description: "The QR code", Content: map[string]*huma.MediaType{
			"image/png": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}},
	}, h)
}

// ---- handlers ----

func (s *server) setMerchant(ctx context.Context, in *setMerchantIn) (*Body[Wallet], error) {
	w, m, err := s.svc.SetMerchant(ctx, actor(ctx), in.ID, ledger.MerchantRequest{Name: in.Body.Name, City: in.Body.City, Country: in.Body.Country, MCC: in.Body.MCC,
		ShortCode: in.Body.ShortCode})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	l, err := s.svc.Limits(ctx, []ingot.Account{w})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := s.walletOut(ctx, &w, &l[0])
	out.Merchant = merchantOut(m)
	return &Body[Wallet]{Body: out}, nil
}

// withMerchants adds their profiles to rendered merchant wallets.
func (s *server) withMerchants(ctx context.Context, ws []ingot.Account, out []Wallet) error {
	ms, err := s.svc.Merchants(ctx, ws)
	if err != nil {
		return err
	}
	for i := range ws {
		if m, ok := ms[ws[i].ID]; ok {
			out[i].Merchant = merchantOut(m)
		}
	}
	return nil
}

func (s *server) staticQR(ctx context.Context, in *walletIn) (*Body[StaticQR], error) {
	qr, err := s.svc.StaticQR(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[StaticQR]{Body: StaticQR{Wallet: in.ID, QR: qr, QRPNGURL: "/v1/wallets/" + in.ID + "/qr.png"}}, nil
}

func (s *server) staticQRPNG(ctx context.Context, in *idIn) (*PNG, error) {
	qr, err := s.svc.StaticQR(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return s.qrImage(ctx, qr, "private, max-age=3600")
}

func (s *server) qrImage(ctx context.Context, payload, cache string) (*PNG, error) {
	img, err := ledger.QRImage(payload)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &PNG{ContentType: "image/png", CacheControl: cache, Body: img}, nil
}

func (s *server) paymentRequestOut(ctx context.Context, pr *ingot.PaymentRequest) (PaymentRequest, error) {
	qr, err := s.svc.RequestQR(ctx, pr)
	if err != nil {
		return PaymentRequest{}, err
	}
	out := PaymentRequest{ID: pr.ID, Status: string(pr.Status), MerchantWallet: ingot.FormatWalletID(pr.Wallet), Currency: pr.Currency,
		Reference: pr.Reference, ExpiresAt: pr.ExpiresAt.UTC(), CreatedAt: pr.CreatedAt.UTC(), TransferID: pr.TransferID,
		QR: qr, QRPNGURL: "/v1/payment-requests/" + pr.ID + "/qr.png"}
	if pr.Amount > 0 {
		v := amt(pr.Amount, pr.Currency)
		out.Amount = &v
	}
	return out, nil
}

func (s *server) createPaymentRequest(ctx context.Context, in *paymentRequestIn) (*Out[PaymentRequest], error) {
	var renderErr error
	out, err := exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ingot.PaymentRequest, error) {
			b := in.Body
			return s.svc.CreatePaymentRequest(ctx, actor(ctx), ledger.PaymentRequestIn{MerchantWallet: b.MerchantWallet, Amount: b.Amount,
				Currency: b.Currency, Reference: b.Reference, ExpiresAt: b.ExpiresAt}, idem)
		},
		func(pr *ingot.PaymentRequest) PaymentRequest {
			out, err := s.paymentRequestOut(ctx, pr)
			renderErr = err
			return out
		})
	if err == nil && renderErr != nil {
		return nil, s.problem(ctx, renderErr)
	}
	return out, err
}

func (s *server) getPaymentRequest(ctx context.Context, in *idIn) (*Body[PaymentRequest], error) {
	pr, err := s.svc.PaymentRequest(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out, err := s.paymentRequestOut(ctx, &pr)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[PaymentRequest]{Body: out}, nil
}

func (s *server) paymentRequestPNG(ctx context.Context, in *idIn) (*PNG, error) {
	pr, err := s.svc.PaymentRequest(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	qr, err := s.svc.RequestQR(ctx, &pr)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return s.qrImage(ctx, qr, "private, max-age=86400, immutable")
}

func (s *server) payQR(ctx context.Context, in *qrPaymentIn) (*Out[Transfer], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ingot.Transfer, error) {
			b := in.Body
			return s.svc.PayQR(ctx, actor(ctx), ledger.QRPayment{From: b.From, QR: b.QR, Amount: b.Amount, Memo: b.Memo,
				Purpose: b.Purpose, Authorization: in.Authorization}, idem)
		},
		func(t *ingot.Transfer) Transfer { return transferOut(t, "") })
}

func (s *server) createPaymentCode(ctx context.Context, in *paymentCodeIn) (*Out[PaymentCode], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, nil,
		func(idem *ledger.Idem) (*ledger.NewPaymentCode, error) {
			return s.svc.CreatePaymentCode(ctx, actor(ctx), in.ID, idem)
		},
		func(c *ledger.NewPaymentCode) PaymentCode {
			return PaymentCode{Code: c.Code, Wallet: ingot.FormatWalletID(c.Wallet), ExpiresAt: c.ExpiresAt.UTC()}
		})
}

func (s *server) charge(ctx context.Context, in *chargeIn) (*Out[Transfer], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ingot.Transfer, error) {
			b := in.Body
			return s.svc.Charge(ctx, actor(ctx), ledger.ChargeRequest{Code: b.Code, MerchantWallet: b.MerchantWallet, Amount: b.Amount,
				Reference: b.Reference, Purpose: b.Purpose, Authorization: in.Authorization}, idem)
		},
		func(t *ingot.Transfer) Transfer { return transferOut(t, "") })
}

func (s *server) refund(ctx context.Context, in *refundIn) (*Out[Refund], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ingot.Refund, error) {
			return s.svc.Refund(ctx, actor(ctx), in.ID, in.Body.Amount, in.Body.Reason, in.Authorization, idem)
		}, refundOut)
}

func (s *server) refunds(ctx context.Context, in *idIn) (*Body[Refunds], error) {
	rs, total, err := s.svc.Refunds(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	cur := ""
	if len(rs) > 0 {
		cur = rs[0].Currency
	} else if t, err := s.svc.Transfer(ctx, actor(ctx), in.ID); err == nil {
		cur = t.Currency
	}
	out := Refunds{Refunded: amt(total.Refunded, cur), Items: make([]Refund, len(rs))}
	for i := range rs {
		out.Items[i] = refundOut(&rs[i])
		if pseudonymous(ctx) {
			out.Items[i].Reason = "" // free text, as a transfer's memo (anonymity.go)
		}
	}
	return &Body[Refunds]{Body: out}, nil
}

func (s *server) setFees(ctx context.Context, in *feesIn) (*Body[FeeSchedule], error) {
	b := in.Body
	f, err := s.svc.SetFees(ctx, actor(ctx), ledger.FeeRequest{Currency: b.Currency, RateBPS: b.MerchantRateBPS, Min: b.Min, Max: b.Max, MCCRates: b.MCCOverrides})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[FeeSchedule]{Body: feesOut(f)}, nil
}

func (s *server) fees(ctx context.Context, _ *struct{}) (*Body[List[FeeSchedule]], error) {
	fs, err := s.svc.Fees(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[FeeSchedule]{Items: make([]FeeSchedule, len(fs))}
	for i, f := range fs {
		out.Items[i] = feesOut(f)
	}
	return &Body[List[FeeSchedule]]{Body: out}, nil
}

func (s *server) setFeeCap(ctx context.Context, in *feeCapIn) (*Body[FeeCap], error) {
	c, err := s.svc.SetFeeCap(ctx, actor(ctx), in.Body.MaxRateBPS)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[FeeCap]{Body: FeeCap{MaxRateBPS: c.MaxRateBPS, UpdatedAt: c.UpdatedAt.UTC()}}, nil
}

func (s *server) getFeeCap(ctx context.Context, _ *struct{}) (*Body[FeeCap], error) {
	c, err := s.svc.FeeCap(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[FeeCap]{Body: FeeCap{MaxRateBPS: c.MaxRateBPS, UpdatedAt: c.UpdatedAt.UTC()}}, nil
}
