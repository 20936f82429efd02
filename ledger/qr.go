package ledger

import (
	"context"
	"errors"
	"sync"
	"unicode/utf8"

	"github.com/bojanz/currency"
	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/emvqr"
)

// Merchant-presented QR codes (EMVCo QR Code Specification for Payment
// Systems, merchant-presented mode): a payment request's dynamic code, a
// merchant's static code, and the payment of a scanned one. The payload's
// format is package emvqr's; here are what Ingot puts in it and how a
// scanned one is paid.

// DefaultQRScheme is the globally unique identifier of Ingot's merchant
// account template (tag 26, sub-tag 00) when none is configured.
const DefaultQRScheme = emvqr.DefaultGUID

// WithQRScheme sets the globally unique identifier this deployment writes
// in its QR codes and accepts in scanned ones ("" is DefaultQRScheme).
func (s *Service) WithQRScheme(guid string) *Service {
	s.qrScheme = guid
	return s
}

func (s *Service) scheme() string {
	if s.qrScheme == "" {
		return DefaultQRScheme
	}
	return s.qrScheme
}

// QRImageSize is the side of QR code images, in pixels.
const QRImageSize = 384

// QRImage renders a QR payload as a PNG image.
func QRImage(payload string) ([]byte, error) {
	return emvqr.PNG(payload, QRImageSize)
}

// payload is a merchant's QR payload: dynamic for a request (its id, its
// amount when fixed, its reference), static for the wallet (its id).
func (s *Service) payload(m ingot.Merchant, cur string, pr *ingot.PaymentRequest) (string, error) {
	num, ok := currency.GetNumericCode(cur)
	if !ok {
		return "", ingot.Errorf(ingot.CodeInvalidRequest, "currency %s has no ISO 4217 numeric code", cur)
	}
	p := emvqr.Payload{GUID: s.scheme(), MCC: m.MCC, Currency: num, Country: m.Country, Name: m.Name, City: m.City}
	if pr == nil {
		p.Reference = ingot.FormatWalletID(m.Wallet)
	} else {
		p.Dynamic, p.Reference, p.BillRef = true, pr.ID, pr.Reference
		if pr.Amount > 0 {
			p.Amount = ingot.FormatAmount(pr.Amount, ingot.MustCurrency(cur))
		}
	}
	return emvqr.Encode(p)
}

// RequestQR is a payment request's dynamic QR payload.
func (s *Service) RequestQR(ctx context.Context, pr *ingot.PaymentRequest) (string, error) {
	ms, err := s.st.Merchants(ctx, []int64{pr.Wallet})
	if err != nil {
		return "", s.unavailable(ctx, err)
	}
	if len(ms) == 0 {
		return "", ingot.Errorf(ingot.CodeInvalidRequest, "wallet %s has no merchant profile", ingot.FormatWalletID(pr.Wallet))
	}
	return s.payload(ms[0], pr.Currency, pr)
}

// StaticQR is the static QR payload of a merchant wallet the caller owns:
// any payer pays it any amount.
func (s *Service) StaticQR(ctx context.Context, a ingot.Actor, walletID string) (string, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return "", err
	}
	w, m, err := s.merchantWallet(ctx, a, walletID)
	if err != nil {
		return "", err
	}
	return s.payload(m, w.Currency, nil)
}

// QRPayment is the payment of a scanned QR code as the API takes it:
// Amount only for a static code or an open request.
type QRPayment struct {
	From, QR, Amount, Memo string
	Purpose                string // ISO 20022 purpose code, "" none
	Authorization          string
}

// PayQR pays a scanned merchant-presented QR code from one of the caller's
// wallets: a dynamic one pays its payment request exactly once
// (cmd_qrpay.go), a static one is a payment to the merchant's wallet.
func (s *Service) PayQR(ctx context.Context, a ingot.Actor, p QRPayment, idem *Idem) (*ingot.Transfer, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return nil, err
	}
	from, err := ingot.ParseWalletID(p.From)
	if err != nil {
		return nil, ingot.Prefix(err, "from")
	}
	if len(p.Memo) > MaxMemo || !utf8.ValidString(p.Memo) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "memo must be valid UTF-8 of at most %d bytes", MaxMemo)
	}
	if err := checkPurpose(p.Purpose); err != nil {
		return nil, err
	}
	q, err := s.scan(p.QR)
	if err != nil {
		return nil, err
	}
	var amount int64
	if p.Amount != "" {
		if amount, err = ingot.ParseAmount(p.Amount, ingot.MustCurrency(q.currency)); err != nil {
			return nil, err
		}
	}
	if !q.Dynamic {
		to, err := ingot.ParseWalletID(q.Reference)
		if err != nil {
			return nil, ingot.Errorf(ingot.CodeInvalidQR, "the QR code's merchant account is not a wallet id")
		}
		if q.amount > 0 {
			if amount > 0 && amount != q.amount {
				return nil, ingot.Errorf(ingot.CodeInvalidAmount, "this QR code is for a fixed amount")
			}
			amount = q.amount
		}
		if amount == 0 {
			return nil, ingot.Errorf(ingot.CodeInvalidAmount, "a static QR code needs the amount")
		}
		it := Item{From: from, To: to, Amount: amount, Currency: q.currency, Memo: p.Memo, Purpose: p.Purpose}
		return submitGated(ctx, s, a, &payCmd{it}, payGate(it, p.Authorization), idem)
	}
	if uuid.Validate(q.Reference) != nil {
		return nil, ingot.Errorf(ingot.CodeInvalidQR, "the QR code's merchant account is not a payment request id")
	}
	pr, err := s.st.PaymentRequest(ctx, q.Reference)
	if isNotFound(err) {
		return nil, notFound("payment request " + q.Reference)
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	// The payload must say what the request says: a code edited after it
	// was made (another amount) is refused, not paid as the request.
	if pr.Currency != q.currency || pr.Amount != q.amount {
		return nil, ingot.Errorf(ingot.CodeInvalidQR, "the QR code does not match its payment request")
	}
	gateAmount := pr.Amount
	if gateAmount == 0 {
		gateAmount = amount
	}
	if gateAmount == 0 {
		return nil, ingot.Errorf(ingot.CodeInvalidAmount, "this payment request is open: give the amount")
	}
	c := &qrPayCmd{request: pr.ID, from: from, amount: amount, memo: p.Memo, purpose: p.Purpose}
	g := scaGate{payer: from, payee: ingot.FormatWalletID(pr.Wallet), payeeWallet: pr.Wallet, amount: gateAmount,
		currency: pr.Currency, authorization: p.Authorization}
	return submitGated(ctx, s, a, command[*ingot.Transfer](c), g, idem)
}

// scanned is a checked QR payload of this scheme.
type scanned struct {
	emvqr.Payload
	currency string // ISO 4217 alphabetic
	amount   int64  // 0: none in the code
}

// scan decodes and checks a scanned payload: well formed, its CRC right,
// of this scheme, in a currency Ingot knows.
func (s *Service) scan(qr string) (*scanned, error) {
	p, err := emvqr.Decode(qr, s.scheme())
	if err != nil {
		var e *emvqr.Error
		if errors.As(err, &e) {
			return nil, ingot.Errorf(ingot.CodeInvalidQR, "%s", e.Error())
		}
		return nil, ingot.Errorf(ingot.CodeInvalidQR, "not an EMVCo QR payload")
	}
	code, ok := alphaOf(p.Currency)
	if !ok {
		return nil, ingot.Errorf(ingot.CodeInvalidQR, "the QR code's currency %q is not an ISO 4217 currency Ingot knows", p.Currency)
	}
	q := &scanned{Payload: p, currency: code}
	if p.Amount != "" {
		v, err := ingot.ParseAmount(p.Amount, ingot.MustCurrency(code))
		if err != nil {
			return nil, ingot.Errorf(ingot.CodeInvalidQR, "the QR code's amount is not one")
		}
		q.amount = v
	}
	return q, nil
}

// numericCodes maps ISO 4217 numeric codes to the alphabetic codes Ingot
// knows.
var numericCodes = sync.OnceValue(func() map[string]string {
	out := map[string]string{}
	for _, code := range currency.GetCurrencyCodes() {
		if _, err := ingot.LookupCurrency(code); err != nil {
			continue
		}
		if n, ok := currency.GetNumericCode(code); ok && n != "000" {
			out[n] = code
		}
	}
	return out
})

func alphaOf(numeric string) (string, bool) {
	c, ok := numericCodes()[numeric]
	return c, ok
}
