package ledger

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Merchants get paid: their profile, payment requests (dynamic QR codes,
// qr.go), customer-presented payment codes, refunds, and the fees their
// operators charge them. The rules that move money are the commands'
// (cmd_qrpay.go, cmd_charge.go, cmd_refund.go, merchant_state.go); here the
// service authorizes, validates and resolves.

// MerchantRequest is a merchant wallet's profile as the API takes it.
// ShortCode ("" none) pays the merchant by USSD (phones.go).
type MerchantRequest struct {
	Name, City, Country, MCC string
	ShortCode                string
}

var (
	countryRe = regexp.MustCompile(`^[A-Z]{2}$`)
	mccRe     = regexp.MustCompile(`^[0-9]{4}$`)
)

// SetMerchant sets one of the operator's merchant wallets' profile: what
// its QR codes show (EMVCo: name at most 25 characters, city at most 15).
func (s *Service) SetMerchant(ctx context.Context, a ingot.Actor, walletID string, r MerchantRequest) (ingot.Account, ingot.Merchant, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return ingot.Account{}, ingot.Merchant{}, err
	}
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return ingot.Account{}, ingot.Merchant{}, err
	}
	if w.WalletKind != ingot.WalletMerchant {
		return ingot.Account{}, ingot.Merchant{}, ingot.Errorf(ingot.CodeInvalidRequest, "wallet %s is not a merchant's (kind personal)", walletID)
	}
	m := ingot.Merchant{Wallet: w.ID, Name: strings.TrimSpace(r.Name), City: strings.TrimSpace(r.City), Country: r.Country, MCC: r.MCC,
		ShortCode: r.ShortCode, UpdatedAt: s.now()}
	if err := checkName("name", m.Name, 25); err != nil {
		return ingot.Account{}, ingot.Merchant{}, err
	}
	if err := checkName("city", m.City, 15); err != nil {
		return ingot.Account{}, ingot.Merchant{}, err
	}
	if !countryRe.MatchString(m.Country) {
		return ingot.Account{}, ingot.Merchant{}, ingot.Errorf(ingot.CodeInvalidRequest, "country must be an ISO 3166-1 alpha-2 code in capitals, like \"CN\"")
	}
	if !mccRe.MatchString(m.MCC) {
		return ingot.Account{}, ingot.Merchant{}, ingot.Errorf(ingot.CodeInvalidRequest, "mcc must be an ISO 18245 merchant category code: four digits, like \"5812\"")
	}
	if m.ShortCode != "" && !shortCodeRe.MatchString(m.ShortCode) {
		return ingot.Account{}, ingot.Merchant{}, ingot.Errorf(ingot.CodeInvalidRequest, "short_code must be 4 to 8 digits")
	}
	if err := s.st.SetMerchant(ctx, m); isConflict(err) {
		return ingot.Account{}, ingot.Merchant{}, ingot.Errorf(ingot.CodeConflict, "short code %s is another merchant's", m.ShortCode)
	} else if err != nil {
		return ingot.Account{}, ingot.Merchant{}, s.unavailable(ctx, err)
	}
	return w, m, nil
}

// Merchants are the profiles of the merchant wallets among ws, by wallet.
func (s *Service) Merchants(ctx context.Context, ws []ingot.Account) (map[int64]ingot.Merchant, error) {
	var ids []int64
	for _, w := range ws {
		if w.WalletKind == ingot.WalletMerchant {
			ids = append(ids, w.ID)
		}
	}
	out := map[int64]ingot.Merchant{}
	if len(ids) == 0 {
		return out, nil
	}
	ms, err := s.st.Merchants(ctx, ids)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	for _, m := range ms {
		out[m.Wallet] = m
	}
	return out, nil
}

// merchantWallet reads a merchant wallet the caller owns (its operator's
// key, or its holder's token), with its profile.
func (s *Service) merchantWallet(ctx context.Context, a ingot.Actor, walletID string) (ingot.Account, ingot.Merchant, error) {
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return ingot.Account{}, ingot.Merchant{}, err
	}
	if w.WalletKind != ingot.WalletMerchant {
		return ingot.Account{}, ingot.Merchant{}, ingot.Errorf(ingot.CodeInvalidRequest, "wallet %s is not a merchant's", walletID)
	}
	ms, err := s.st.Merchants(ctx, []int64{w.ID})
	if err != nil {
		return ingot.Account{}, ingot.Merchant{}, s.unavailable(ctx, err)
	}
	if len(ms) == 0 {
		return ingot.Account{}, ingot.Merchant{}, ingot.Errorf(ingot.CodeInvalidRequest, "wallet %s has no merchant profile: PUT /v1/wallets/%s/merchant first", walletID, walletID)
	}
	return w, ms[0], nil
}

// ---- payment requests ----

// PaymentRequestIn is a payment request as the API takes it; Amount ""
// makes an open request (the payer enters the amount).
type PaymentRequestIn struct {
	MerchantWallet, Amount, Currency, Reference string
	ExpiresAt                                   time.Time // zero: in 15 minutes
}

// Payment requests live at most a day, 15 minutes by default.
const (
	DefaultRequestTTL = 15 * time.Minute
	MaxRequestTTL     = 24 * time.Hour
)

// CreatePaymentRequest makes a merchant's payment request.
func (s *Service) CreatePaymentRequest(ctx context.Context, a ingot.Actor, r PaymentRequestIn, idem *Idem) (*ingot.PaymentRequest, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return nil, err
	}
	w, _, err := s.merchantWallet(ctx, a, r.MerchantWallet)
	if err != nil {
		return nil, err
	}
	cur := ingot.MustCurrency(w.Currency)
	if r.Currency != "" && r.Currency != cur.Code {
		return nil, ingot.Errorf(ingot.CodeCurrencyMismatch, "the merchant's wallet is in %s", cur.Code)
	}
	var amount int64
	if r.Amount != "" {
		if amount, err = ingot.ParseAmount(r.Amount, cur); err != nil {
			return nil, err
		}
	}
	if err := checkText("reference", r.Reference, 25); err != nil {
		return nil, err
	}
	now := s.now()
	exp := r.ExpiresAt.UTC().Truncate(time.Microsecond)
	switch {
	case r.ExpiresAt.IsZero():
		exp = now.Add(DefaultRequestTTL)
	case !exp.After(now):
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "expires_at must be in the future")
	case exp.After(now.Add(MaxRequestTTL)):
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "expires_at must be within 24 hours")
	}
	pr := &ingot.PaymentRequest{ID: newID(), Wallet: w.ID, OperatorID: w.OperatorID, Amount: amount, Currency: cur.Code,
		Reference: r.Reference, Status: ingot.PaymentRequestOpen, ExpiresAt: exp, CreatedAt: now, UpdatedAt: now}
	return submit(ctx, s.eng, a, command[*ingot.PaymentRequest](&requestCmd{*pr}), idem)
}

// PaymentRequest reads a payment request of the caller's merchant wallet.
func (s *Service) PaymentRequest(ctx context.Context, a ingot.Actor, id string) (ingot.PaymentRequest, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return ingot.PaymentRequest{}, err
	}
	if uuid.Validate(id) != nil {
		return ingot.PaymentRequest{}, notFound("payment request " + strconv.Quote(id))
	}
	pr, err := s.st.PaymentRequest(ctx, id)
	if err == nil && !s.ownsWallet(ctx, a, pr.OperatorID, pr.Wallet) {
		err = store.ErrNotFound
	}
	if isNotFound(err) {
		return ingot.PaymentRequest{}, notFound("payment request " + id)
	}
	if err != nil {
		return ingot.PaymentRequest{}, s.unavailable(ctx, err)
	}
	if pr.Status == ingot.PaymentRequestOpen && !pr.ExpiresAt.After(s.now()) {
		pr.Status = ingot.PaymentRequestExpired // the expiry loop will write it
	}
	return pr, nil
}

// ExpirePaymentRequests marks open requests past their expiry expired, up
// to expiryBatch; it returns how many it looked at (RunExpiry runs it).
func (s *Service) ExpirePaymentRequests(ctx context.Context) (int, error) {
	ids, err := s.st.ExpiredPaymentRequests(ctx, s.now(), expiryBatch)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	_, err = submit(ctx, s.eng, ingot.Actor{}, &expireRequestsCmd{requests: ids}, nil)
	return len(ids), err
}

// ---- customer-presented payment codes ----

// NewPaymentCode is a customer-presented code: 18 digits shown once (a
// replay of the request does not carry it), valid a minute.
type NewPaymentCode struct {
	Code      string `json:"-"`
	Wallet    int64
	ExpiresAt time.Time
}

// PaymentCodeTTL is how long a payment code may be charged.
const PaymentCodeTTL = time.Minute

// CreatePaymentCode makes a payment code for a wallet the caller owns (a
// holder, or its operator for it).
func (s *Service) CreatePaymentCode(ctx context.Context, a ingot.Actor, walletID string, idem *Idem) (*NewPaymentCode, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return nil, err
	}
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	if err := canSend(&w); err != nil {
		return nil, err
	}
	code, err := paymentCode()
	if err != nil {
		return nil, err
	}
	now := s.now()
	pc := ingot.PaymentCode{Hash: s.codeHash(code), Wallet: w.ID, OperatorID: w.OperatorID, HolderID: a.HolderID,
		ExpiresAt: now.Add(PaymentCodeTTL), CreatedAt: now}
	res := &NewPaymentCode{Wallet: w.ID, ExpiresAt: pc.ExpiresAt}
	rec, err := s.outcomeRecord(idem, res)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreatePaymentCode(ctx, pc, rec)
	if res, err = created(ctx, s, res, existing, err, idem); err != nil || existing != nil {
		return res, err
	}
	res.Code = code
	return res, nil
}

// paymentCode is 18 random digits.
func paymentCode() (string, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%018d", n), nil
}

// codeHash is the stored form of a payment code: a keyed hash (the code
// space, 10^18, is too small for a plain one).
func (s *Service) codeHash(code string) []byte {
	return s.pii.LookupHash("payment_code", code)
}

var paymentCodeRe = regexp.MustCompile(`^[0-9]{18}$`)

// ChargeRequest is a merchant's charge of a customer's payment code.
type ChargeRequest struct {
	Code, MerchantWallet, Amount, Reference string
	// Purpose is the payment's ISO 20022 purpose code, "" none.
	Purpose string
	// Authorization is the payer's approval, when the charge needed one.
	Authorization string
}

// Charge charges a customer-presented payment code to one of the caller's
// merchant wallets (its operator's key or its holder's token).
func (s *Service) Charge(ctx context.Context, a ingot.Actor, r ChargeRequest, idem *Idem) (*ingot.Transfer, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return nil, err
	}
	w, err := s.Wallet(ctx, a, r.MerchantWallet)
	if err != nil {
		return nil, err
	}
	if w.WalletKind != ingot.WalletMerchant {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "wallet %s is not a merchant's", r.MerchantWallet)
	}
	if !paymentCodeRe.MatchString(r.Code) {
		return nil, errCodeInvalid
	}
	v, err := ingot.ParseAmount(r.Amount, ingot.MustCurrency(w.Currency))
	if err != nil {
		return nil, err
	}
	if err := checkPurpose(r.Purpose); err != nil {
		return nil, err
	}
	if err := checkText("reference", r.Reference, 25); err != nil {
		return nil, err
	}
	t, err := submit(ctx, s.eng, a, &chargeCmd{hash: s.codeHash(r.Code), merchant: w.ID, amount: v, reference: r.Reference, purpose: r.Purpose,
		authorization: r.Authorization, limits: s.scaLimitsOf}, idem)
	return askApproval(ctx, s, t, err)
}

// ---- refunds ----

// Refund pays (part of) a payment back from its payee to its payer: the
// payee's operator, or the payee's holder (whose refund is a payment that
// needs approval above the exemption; approval names it, "" none).
func (s *Service) Refund(ctx context.Context, a ingot.Actor, transferID, amount, reason, approval string, idem *Idem) (*ingot.Refund, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return nil, err
	}
	if uuid.Validate(transferID) != nil {
		return nil, notFound("transfer " + strconv.Quote(transferID))
	}
	p, err := s.st.Transfer(ctx, transferID)
	if isNotFound(err) {
		return nil, notFound("transfer " + transferID)
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	payee, err := s.st.Account(ctx, p.Credit)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	if !a.Owns(&payee) {
		return nil, notFound("transfer " + transferID)
	}
	if p.Kind != ingot.KindPayment && p.Kind != ingot.KindCapture {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "transfer %s is a %s: only payments and captures are refunded", p.ID, p.Kind)
	}
	v, err := ingot.ParseAmount(amount, ingot.MustCurrency(p.Currency))
	if err != nil {
		return nil, err
	}
	if err := checkText("reason", reason, 200); err != nil {
		return nil, err
	}
	c := &refundCmd{payment: p, amount: v, reason: reason}
	if p.Fee > 0 {
		if c.feeAccount, err = s.account(ctx, ingot.AccountFee, payee.OperatorID, p.Currency); err != nil {
			return nil, err
		}
	}
	g := scaGate{payer: p.Credit, payee: ingot.FormatWalletID(p.Debit), payeeWallet: p.Debit, amount: v, currency: p.Currency, authorization: approval}
	return submitGated(ctx, s, a, command[*ingot.Refund](c), g, idem)
}

// Refunds lists a payment's refunds and what it has had refunded, for
// whoever may read the payment.
func (s *Service) Refunds(ctx context.Context, a ingot.Actor, transferID string) ([]ingot.Refund, ingot.RefundTotal, error) {
	if _, err := s.Transfer(ctx, a, transferID); err != nil {
		return nil, ingot.RefundTotal{}, err
	}
	rs, err := s.st.Refunds(ctx, transferID)
	if err != nil {
		return nil, ingot.RefundTotal{}, s.unavailable(ctx, err)
	}
	t, err := s.st.RefundTotal(ctx, transferID)
	if err != nil {
		return nil, ingot.RefundTotal{}, s.unavailable(ctx, err)
	}
	return rs, t, nil
}

// Refunded is what a payment has had refunded; the caller has read the
// payment (Transfer).
func (s *Service) Refunded(ctx context.Context, transferID string) (ingot.RefundTotal, error) {
	t, err := s.st.RefundTotal(ctx, transferID)
	if err != nil {
		return ingot.RefundTotal{}, s.unavailable(ctx, err)
	}
	return t, nil
}

// ---- fees ----

// FeeRequest is an operator's fee schedule as the API takes it: Min and
// Max are amounts ("" none), MCCRates per merchant category.
type FeeRequest struct {
	Currency string // "" is CNY
	RateBPS  int
	Min, Max string
	MCCRates map[string]int
}

// MaxRateBPS bounds every rate: 100 %.
const MaxRateBPS = 10_000

// SetFees sets the calling operator's merchant fees in a currency, within
// the central bank's cap.
func (s *Service) SetFees(ctx context.Context, a ingot.Actor, r FeeRequest) (ingot.FeeSchedule, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return ingot.FeeSchedule{}, err
	}
	code := r.Currency
	if code == "" {
		code = "CNY"
	}
	cur, err := ingot.LookupCurrency(code)
	if err != nil {
		return ingot.FeeSchedule{}, err
	}
	f := ingot.FeeSchedule{OperatorID: a.OperatorID, Currency: cur.Code, RateBPS: r.RateBPS, MCCRates: map[string]int{}, UpdatedAt: s.now()}
	capBPS, err := s.feeCap(ctx)
	if err != nil {
		return ingot.FeeSchedule{}, err
	}
	check := func(field string, bps int) error {
		if bps < 0 || bps > MaxRateBPS {
			return ingot.Errorf(ingot.CodeInvalidRequest, "%s must be 0 to %d basis points", field, MaxRateBPS)
		}
		if bps > capBPS {
			return ingot.Errorf(ingot.CodeInvalidRequest, "%s of %d basis points is above the central bank's cap of %d", field, bps, capBPS)
		}
		return nil
	}
	if err := check("merchant_rate_bps", r.RateBPS); err != nil {
		return ingot.FeeSchedule{}, err
	}
	for mcc, bps := range r.MCCRates {
		if !mccRe.MatchString(mcc) {
			return ingot.FeeSchedule{}, ingot.Errorf(ingot.CodeInvalidRequest, "mcc_overrides: %q is not a four-digit merchant category code", mcc)
		}
		if err := check("mcc_overrides["+mcc+"]", bps); err != nil {
			return ingot.FeeSchedule{}, err
		}
		f.MCCRates[mcc] = bps
	}
	for _, x := range []struct {
		name string
		in   string
		out  *int64
	}{{"min", r.Min, &f.Min}, {"max", r.Max, &f.Max}} {
		if x.in == "" {
			continue
		}
		if *x.out, err = ingot.ParseAmount(x.in, cur); err != nil {
			return ingot.FeeSchedule{}, ingot.Prefix(err, x.name)
		}
	}
	if f.Min > 0 && f.Max > 0 && f.Min > f.Max {
		return ingot.FeeSchedule{}, ingot.Errorf(ingot.CodeInvalidRequest, "min must not be above max")
	}
	if f.Account, err = s.account(ctx, ingot.AccountFee, a.OperatorID, cur.Code); err != nil {
		return ingot.FeeSchedule{}, err
	}
	if err := s.st.SetFeeSchedule(ctx, f); err != nil {
		return ingot.FeeSchedule{}, s.unavailable(ctx, err)
	}
	return f, nil
}

// Fees lists the calling operator's fee schedules.
func (s *Service) Fees(ctx context.Context, a ingot.Actor) ([]ingot.FeeSchedule, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	fs, err := s.st.FeeSchedules(ctx, []string{a.OperatorID})
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return fs, nil
}

// feeCap is the central bank's cap on fee rates (MaxRateBPS when none).
func (s *Service) feeCap(ctx context.Context) (int, error) {
	c, err := s.st.FeeCap(ctx)
	if isNotFound(err) {
		return MaxRateBPS, nil
	}
	if err != nil {
		return 0, s.unavailable(ctx, err)
	}
	return c.MaxRateBPS, nil
}

// FeeCap reads the central bank's cap on merchant fee rates (MaxRateBPS,
// never set, when none).
func (s *Service) FeeCap(ctx context.Context, a ingot.Actor) (ingot.FeeCap, error) {
	if err := requireRole(a, ingot.RoleCentralBank, ingot.RoleOperator); err != nil {
		return ingot.FeeCap{}, err
	}
	c, err := s.st.FeeCap(ctx)
	if isNotFound(err) {
		return ingot.FeeCap{MaxRateBPS: MaxRateBPS}, nil
	}
	if err != nil {
		return ingot.FeeCap{}, s.unavailable(ctx, err)
	}
	return c, nil
}

// SetFeeCap sets the central bank's cap on merchant fee rates: operators'
// rates above it are refused from then on, and the schedules above it now
// are lowered to it.
func (s *Service) SetFeeCap(ctx context.Context, a ingot.Actor, maxBPS int) (ingot.FeeCap, error) {
	if err := requireRole(a, ingot.RoleCentralBank); err != nil {
		return ingot.FeeCap{}, err
	}
	if maxBPS < 0 || maxBPS > MaxRateBPS {
		return ingot.FeeCap{}, ingot.Errorf(ingot.CodeInvalidRequest, "max_rate_bps must be 0 to %d", MaxRateBPS)
	}
	c := ingot.FeeCap{MaxRateBPS: maxBPS, UpdatedAt: s.now()}
	if err := s.st.SetFeeCap(ctx, c); err != nil {
		return ingot.FeeCap{}, s.unavailable(ctx, err)
	}
	for after := ""; ; {
		ops, err := s.st.Operators(ctx, after, MaxLimit)
		if err != nil {
			return ingot.FeeCap{}, s.unavailable(ctx, err)
		}
		if len(ops) == 0 {
			return c, nil
		}
		after = ops[len(ops)-1].ID
		ids := make([]string, len(ops))
		for i, o := range ops {
			ids[i] = o.ID
		}
		fs, err := s.st.FeeSchedules(ctx, ids)
		if err != nil {
			return ingot.FeeCap{}, s.unavailable(ctx, err)
		}
		for _, f := range fs {
			lowered := false
			if f.RateBPS > maxBPS {
				f.RateBPS, lowered = maxBPS, true
			}
			for mcc, bps := range f.MCCRates {
				if bps > maxBPS {
					f.MCCRates[mcc], lowered = maxBPS, true
				}
			}
			if lowered {
				f.UpdatedAt = c.UpdatedAt
				if err := s.st.SetFeeSchedule(ctx, f); err != nil {
					return ingot.FeeCap{}, s.unavailable(ctx, err)
				}
			}
		}
	}
}

// checkText checks an optional printable text of at most maxLen
// characters.
func checkText(field, v string, maxLen int) error {
	if v == "" {
		return nil
	}
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxLen {
		return ingot.Errorf(ingot.CodeInvalidRequest, "%s must be valid text of at most %d characters", field, maxLen)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return ingot.Errorf(ingot.CodeInvalidRequest, "%s has control characters", field)
		}
	}
	return nil
}
