package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/ingot-cbdc/ingot/client"
)

// The holder's wallet: sign-in (phone and PIN, then an SMS or
// authenticator code, or a passkey), the wallets with their limits, paying
// a wallet id or a merchant's QR payload, pasted or read from a picture of
// the code (with the approval a payment above the exemption needs, bound
// to its amount and payee), receiving, bank top-ups and withdrawals, the
// second factors (holder_factors.go, holder_bank.go, holder_receive.go),
// and the history (holder_history.go).

type signinData struct {
	Step    string // "pin" or "code"
	Methods []string
	Phone   string
	// Passkey is the login's WebAuthn assertion options (JSON) when the
	// holder has a passkey: the page's script (static/passkey.js) hands
	// them to navigator.credentials.get. Only the answer to the PIN
	// carries them (the API gives them once), so a reloaded page offers
	// the codes only.
	Passkey string
}

type walletData struct {
	Phone   string
	Wallets []client.Wallet
	History []client.Entry
	Idem    string
	// Approval: a payment, withdrawal or change waiting for the holder's
	// approval.
	Approval *approval
	// Bank: the linked bank accounts, the top-up and withdrawal form's
	// idempotency key, and the operation just started or looked up.
	Accounts []bankChoice
	BankIdem string
	BankOp   *client.BankOperation
	// Factors are the holder's second factors; TOTP an authenticator app
	// being set up.
	Factors []factorRow
	TOTP    *totpSetup
	// Receive: a QR code for each wallet.
	Receive []receiveCode
	// Held is a payment just sent that a risk rule held for review.
	Held *heldPayment
	// Quote is an exchange's quote waiting for the holder's confirmation.
	Quote *exchangeQuote
}

// heldPayment is a payment the API answered 202 in_review: not made, its
// amount held on the payer's wallet until the operator decides. Amount is
// what the form said ("" for a QR code with its own amount), To the payee
// as typed (a wallet id, or a QR payload).
type heldPayment struct {
	client.InReview
	Amount, To string
}

// Payee is the held payment's payee as the page names it: a wallet id,
// or nothing for a QR code (its payload means nothing to a reader).
func (h *heldPayment) Payee() string {
	if isWalletID(h.To) {
		return h.To
	}
	return ""
}

// approval is a request the API answered sca_required: what it approves
// (as the API bound it, shown to the holder), how it may be approved, and
// the request to send again once approved.
type approval struct {
	// ID is the authorization's id; Amount, Currency and Payee what it
	// approves; Methods the factors that may approve it; Options the
	// passkey's assertion options (JSON), when one may.
	ID, Amount, Currency, Payee string
	Methods                     []string
	Options                     string
	// Purpose is what to do once approved: "pay" (From pays To Sum, with
	// Memo), "withdraw" (From to the bank account To, Sum) or "remove"
	// (the factor To) or "exchange" (the quote Quote, From to To). Idem
	// is the original form's idempotency key; Code a payment's ISO 20022
	// purpose code ("" none).
	Purpose, From, To, Sum, Memo, Idem, Code, Quote string
}

// purposeCodes are the ISO 20022 purpose codes (ExternalPurpose1Code) the
// pay form offers: a payment abroad may need one (its currency's issuer
// says so, docs/cross-border.md); each is named by "purpose.<code>".
var purposeCodes = []string{"GDDS", "SCVE", "SALA", "SUPP", "RENT", "EDUC"}

// PurposeCodes are the purpose codes of the pay form.
func (walletData) PurposeCodes() []string { return purposeCodes }

// Payee as the holder reads it: a wallet id, a bank account, a factor.
func (a *approval) What(t func(string) string) string {
	switch {
	case strings.HasPrefix(a.Payee, "bank:"):
		return t("bank.account")
	case strings.HasPrefix(a.Payee, "factor:"):
		return t("factor.remove")
	}
	return a.Payee
}

// Codes are the approval's factors that take a typed code (SMS first).
func (a *approval) Codes() []string {
	if m := codeMethods(a.Methods); len(m) > 0 {
		return m
	}
	return []string{"sms"}
}

// MethodList is Methods as a form's hidden field carries them.
func (a *approval) MethodList() string { return strings.Join(a.Methods, " ") }

func (w *Web) holderRoutes() {
	w.handle("GET /signin", func(q *req) {
		step := "pin"
		if q.s.LoginID != "" {
			step = "code"
		}
		q.render(http.StatusOK, "signin", "", "", signinData{Step: step, Methods: codeMethods(strings.Fields(q.s.Methods))})
	})
	w.handle("POST /signin", func(q *req) {
		l, err := q.client().Login(q.r.Context(), client.LoginRequest{Phone: q.r.PostFormValue("phone"), PIN: q.r.PostFormValue("pin")})
		if err != nil {
			q.render(http.StatusUnprocessableEntity, "signin", "", q.problem(err), signinData{Step: "pin", Phone: q.r.PostFormValue("phone")})
			return
		}
		q.s = &session{CSRF: newToken(), Lang: q.s.Lang, LoginID: l.LoginID, Methods: strings.Join(l.Methods, " "), OAuth: q.s.OAuth}
		flash := ""
		if err := q.client().SendLoginSMS(q.r.Context(), l.LoginID); err == nil {
			flash = q.t("signin.sent")
		}
		d := signinData{Step: "code", Methods: codeMethods(l.Methods)}
		if slices.Contains(l.Methods, "webauthn") && len(l.WebAuthn) > 0 {
			d.Passkey = string(l.WebAuthn)
		}
		q.render(http.StatusOK, "signin", flash, "", d)
	})
	w.handle("POST /signin/verify", func(q *req) {
		if q.s.LoginID == "" {
			q.redirect("/signin")
			return
		}
		p, ok := proofFromForm(q)
		var tok *client.Tokens
		var err error
		if ok {
			tok, err = q.client().VerifyLogin(q.r.Context(), q.s.LoginID, p)
		}
		if !ok || err != nil {
			msg := q.t("passkey.failed")
			if err != nil {
				msg = q.problem(err)
			}
			q.render(http.StatusUnprocessableEntity, "signin", "", msg, signinData{Step: "code", Methods: codeMethods(strings.Fields(q.s.Methods))})
			return
		}
		next := "/wallet"
		if q.s.OAuth != "" { // a provider's consent screen asked for sign-in (holder_consent.go)
			next = "/oauth/authorize?" + q.s.OAuth
		}
		q.s = &session{Kind: kindHolder, CSRF: newToken(), Lang: q.s.Lang, Access: tok.AccessToken, Refresh: tok.RefreshToken}
		q.redirect(next)
	})
	w.handle("GET /wallet", func(q *req) { q.wallet(http.StatusOK, "", "", nil) })
	w.handle("POST /wallet/pay", func(q *req) {
		if !q.holder() {
			return
		}
		f := q.r.PostForm
		a := &approval{Purpose: "pay", From: f.Get("from"), To: strings.TrimSpace(f.Get("to")), Memo: f.Get("memo"), Idem: f.Get("idem"),
			Sum: strings.TrimSpace(f.Get("amount")), Code: f.Get("purpose_code")}
		// A picture of the code, when one is sent, says whom to pay.
		if payload, sent, err := q.pictureQR("picture"); err != nil {
			q.wallet(http.StatusUnprocessableEntity, "", err.Error(), nil)
			return
		} else if sent {
			a.To = payload
		}
		if a.To == "" {
			q.wallet(http.StatusUnprocessableEntity, "", q.t("pay.nopayee"), nil)
			return
		}
		q.pay(a, "")
	})
	w.handle("POST /wallet/approve/sms", func(q *req) {
		if !q.holder() {
			return
		}
		a := approvalFromForm(q.r)
		if err := q.client().SendAuthorizationSMS(q.r.Context(), a.ID); err != nil {
			q.wallet(http.StatusUnprocessableEntity, "", q.problem(err), a)
			return
		}
		q.wallet(http.StatusOK, q.t("signin.sent"), "", a)
	})
	w.handle("POST /wallet/approve", func(q *req) {
		if !q.holder() {
			return
		}
		a := approvalFromForm(q.r)
		p, ok := proofFromForm(q)
		if !ok {
			q.wallet(http.StatusUnprocessableEntity, "", q.t("passkey.failed"), a)
			return
		}
		if _, err := q.client().VerifyAuthorization(q.r.Context(), a.ID, p); err != nil {
			q.wallet(http.StatusUnprocessableEntity, "", q.problem(err), a)
			return
		}
		switch a.Purpose {
		case "withdraw":
			q.fund(a, true, a.ID)
		case "remove":
			q.removeFactor(a, a.ID)
		case "exchange":
			q.exchange(a, a.ID)
		default:
			q.pay(a, a.ID)
		}
	})
	w.bankRoutes()     // holder_bank.go
	w.factorRoutes()   // holder_factors.go
	w.receiveRoutes()  // holder_receive.go
	w.historyRoutes()  // holder_history.go
	w.exchangeRoutes() // holder_fx.go
}

// codeMethods are the login's methods that take a typed code (a passkey
// has a button of its own).
func codeMethods(ms []string) []string {
	return slices.DeleteFunc(slices.Clone(ms), func(m string) bool { return m == "webauthn" })
}

// proofFromForm is a second factor's proof from a sign-in or approval
// form: method sms or totp with a code, or webauthn with the passkey's
// answer (credential, JSON, put there by static/passkey.js). ok is false
// for a passkey form without a usable answer.
func proofFromForm(q *req) (client.ProofBody, bool) {
	method := fold(q.r.PostFormValue("method"))
	if method == "webauthn" {
		cred := strings.TrimSpace(q.r.PostFormValue("credential"))
		if cred == "" || !json.Valid([]byte(cred)) {
			return client.ProofBody{}, false
		}
		return client.ProofBody{Method: method, Credential: json.RawMessage(cred)}, true
	}
	if method == "" {
		method = "sms"
	}
	return client.ProofBody{Method: method, Code: strings.TrimSpace(q.r.PostFormValue("code"))}, true
}

func approvalFromForm(r *http.Request) *approval {
	f := r.PostForm
	return &approval{ID: f.Get("authorization"), Amount: f.Get("amount"), Currency: f.Get("currency"), Payee: f.Get("payee"),
		Methods: strings.Fields(f.Get("methods")), Options: f.Get("webauthn"), Purpose: f.Get("purpose"),
		From: f.Get("from"), To: f.Get("to"), Sum: f.Get("sum"), Memo: f.Get("memo"), Idem: f.Get("idem"), Code: f.Get("purpose_code"),
		Quote: f.Get("quote")}
}

// needsApproval fills a from the API's sca_required answer and reports
// whether err is one.
func needsApproval(err error, a *approval) bool {
	var e *client.Error
	if !errors.As(err, &e) || e.Code != "sca_required" || e.Authorization == nil {
		return false
	}
	z := e.Authorization
	a.ID, a.Amount, a.Currency, a.Payee, a.Methods = z.ID, z.Amount, z.Currency, z.To, z.Methods
	if len(z.WebAuthn) > 0 && slices.Contains(z.Methods, "webauthn") {
		a.Options = string(z.WebAuthn)
	}
	return true
}

// retryKey is the idempotency key of a request sent again once approved:
// the first attempt's answer (403) is not the request's.
func retryKey(idem, authorization string) string {
	if authorization != "" {
		return idem + "-approved"
	}
	return idem
}

// pay sends a payment: to a wallet id, or to a merchant's QR payload (a
// "to" that is not 16 digits). A payment that needs approval shows the
// approval, bound to its amount and payee.
func (q *req) pay(a *approval, authorization string) {
	var t *client.Transfer
	var err error
	opts := []client.CallOption{client.WithIdempotencyKey(retryKey(a.Idem, authorization))}
	if authorization != "" {
		opts = append(opts, client.WithAuthorization(authorization))
	}
	if isWalletID(a.To) {
		currency := "CNY" // the paying wallet's, when it can be read (else the API says what is wrong)
		if w, err := q.client().GetWallet(q.r.Context(), a.From, nil); err == nil {
			currency = w.Currency
		}
		t, err = q.client().CreateTransfer(q.r.Context(), client.PayBody{From: a.From, To: a.To, Amount: a.Sum, Currency: currency, Memo: a.Memo, Purpose: a.Code}, opts...)
	} else {
		t, err = q.client().PayQR(q.r.Context(), client.QrPaymentRequest{From: a.From, QR: a.To, Amount: a.Sum, Memo: a.Memo, Purpose: a.Code}, opts...)
	}
	if needsApproval(err, a) {
		a.Purpose = "pay"
		q.wallet(http.StatusOK, "", "", a)
		return
	}
	// Held for review by a risk rule: not paid (yet), and no transfer.
	var held *client.InReview
	if errors.As(err, &held) {
		q.walletWith(http.StatusAccepted, "", "", nil, func(d *walletData) { d.Held = &heldPayment{InReview: *held, Amount: a.Sum, To: a.To} })
		return
	}
	if err != nil {
		q.wallet(http.StatusUnprocessableEntity, "", q.problem(err), nil)
		return
	}
	q.wallet(http.StatusOK, fmt.Sprintf("%s: %s → %s", q.t("wallet.paid"), money(q.lang, t.Amount, t.Currency), t.To), "", nil)
}

func isWalletID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// wallet renders the wallet page: the holder's wallets, paying, the
// approval waiting, receiving, the bank, the second factors and the first
// wallet's recent payments.
func (q *req) wallet(status int, flash, errText string, a *approval) {
	q.walletWith(status, flash, errText, a, func(*walletData) {})
}

// me is the signed-in holder and their wallets; when the API cannot say,
// it answers the page (a session that ended: the sign-in page) and is
// false.
func (q *req) me() (*client.SignedIn, bool) {
	me, err := q.client().GetHolder(q.r.Context())
	if err != nil {
		if unauthorized(err) {
			q.s = &session{CSRF: newToken(), Lang: q.s.Lang}
			q.render(http.StatusUnauthorized, "signin", "", q.t("error.session"), signinData{Step: "pin"})
			return nil, false
		}
		q.render(http.StatusBadGateway, "start", "", q.problem(err), nil)
		return nil, false
	}
	return me, true
}

// walletWith renders the wallet page with more (a bank operation, a
// factor being set up) set by more.
func (q *req) walletWith(status int, flash, errText string, a *approval, more func(*walletData)) {
	if !q.holder() {
		return
	}
	ctx := q.r.Context()
	c := q.client()
	me, ok := q.me()
	if !ok {
		return
	}
	d := walletData{Phone: me.Phone, Wallets: me.Wallets, Idem: idemKey(), Approval: a, BankIdem: idemKey()}
	if len(me.Wallets) > 0 {
		if h, err := c.ListTransactions(ctx, me.Wallets[0].ID, &client.ListTransactionsParams{Limit: 10}); err == nil {
			d.History = h.Items
		}
	}
	d.Accounts = q.bankChoices(me.Wallets)
	if fs, err := c.ListFactors(ctx); err == nil {
		d.Factors = factorRows(fs.Items)
	}
	d.Receive = receiveCodes(me.Wallets)
	more(&d)
	q.render(status, "wallet", flash, errText, d)
}
