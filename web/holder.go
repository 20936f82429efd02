package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/ingot-cbdc/ingot/httpapi"
)

// The holder's wallet: sign-in (phone and PIN, then an SMS or
// authenticator code), the wallets with their limits, paying a wallet id
// or a merchant's QR payload (with the approval a payment above the
// exemption needs, bound to its amount and payee), and recent payments.

type signinData struct {
	Step    string // "pin" or "code"
	Methods []string
	Phone   string
}

type walletData struct {
	Phone   string
	Wallets []httpapi.Wallet
	History []httpapi.Entry
	Idem    string
	// Approval: a payment waiting for the holder's approval.
	Approval *approval
}

type approval struct {
	ID, Amount, Currency, Payee string
	From, To, QR, Memo, Idem    string
}

func (w *Web) holderRoutes() {
	w.handle("GET /signin", func(q *req) {
		step := "pin"
		if q.s.LoginID != "" {
			step = "code"
		}
		q.render(http.StatusOK, "signin", "", "", signinData{Step: step, Methods: strings.Fields(q.s.Methods)})
	})
	w.handle("POST /signin", func(q *req) {
		var l struct {
			LoginID string   `json:"login_id"`
			Methods []string `json:"methods"`
		}
		err := q.w.call(q.r.Context(), q.r, "", "POST", "/v1/auth/login",
			map[string]string{"phone": q.r.PostFormValue("phone"), "pin": q.r.PostFormValue("pin")}, &l)
		if err != nil {
			q.render(http.StatusUnprocessableEntity, "signin", "", q.problem(err), signinData{Step: "pin", Phone: q.r.PostFormValue("phone")})
			return
		}
		methods := slices.DeleteFunc(l.Methods, func(m string) bool { return m == "webauthn" }) // passkeys: to come
		q.s = &session{CSRF: newToken(), Lang: q.s.Lang, LoginID: l.LoginID, Methods: strings.Join(methods, " ")}
		flash := ""
		if err := q.w.call(q.r.Context(), q.r, "", "POST", "/v1/auth/login/"+l.LoginID+"/sms", nil, nil); err == nil {
			flash = q.t("signin.sent")
		}
		q.render(http.StatusOK, "signin", flash, "", signinData{Step: "code", Methods: methods})
	})
	w.handle("POST /signin/verify", func(q *req) {
		if q.s.LoginID == "" {
			q.redirect("/signin")
			return
		}
		method := fold(q.r.PostFormValue("method"))
		var tok tokens
		err := q.w.call(q.r.Context(), q.r, "", "POST", "/v1/auth/login/"+q.s.LoginID+"/verify",
			map[string]string{"method": method, "code": strings.TrimSpace(q.r.PostFormValue("code"))}, &tok)
		if err != nil {
			q.render(http.StatusUnprocessableEntity, "signin", "", q.problem(err), signinData{Step: "code", Methods: strings.Fields(q.s.Methods)})
			return
		}
		q.s = &session{Kind: kindHolder, CSRF: newToken(), Lang: q.s.Lang, Access: tok.Access, Refresh: tok.Refresh}
		q.redirect("/wallet")
	})
	w.handle("GET /wallet", func(q *req) { q.wallet(http.StatusOK, "", "", nil) })
	w.handle("POST /wallet/pay", func(q *req) {
		if !q.holder() {
			return
		}
		f := q.r.PostForm
		a := &approval{From: f.Get("from"), To: strings.TrimSpace(f.Get("to")), Memo: f.Get("memo"), Idem: f.Get("idem"), Amount: strings.TrimSpace(f.Get("amount"))}
		q.pay(a, f.Get("authorization"))
	})
	w.handle("POST /wallet/approve/sms", func(q *req) {
		if !q.holder() {
			return
		}
		id := q.r.PostFormValue("authorization")
		a := approvalFromForm(q.r)
		if err := q.api("POST", "/v1/authorizations/"+id+"/sms", nil, nil); err != nil {
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
		err := q.api("POST", "/v1/authorizations/"+a.ID+"/verify", map[string]string{"method": "sms", "code": strings.TrimSpace(q.r.PostFormValue("code"))}, nil)
		if err != nil {
			q.wallet(http.StatusUnprocessableEntity, "", q.problem(err), a)
			return
		}
		q.pay(a, a.ID)
	})
}

func approvalFromForm(r *http.Request) *approval {
	f := r.PostForm
	return &approval{ID: f.Get("authorization"), Amount: f.Get("amount"), Currency: f.Get("currency"), Payee: f.Get("payee"),
		From: f.Get("from"), To: f.Get("to"), Memo: f.Get("memo"), Idem: f.Get("idem")}
}

// pay sends a payment: to a wallet id, or to a merchant's QR payload (a
// "to" that is not 16 digits). A payment that needs approval shows the
// approval, bound to its amount and payee.
func (q *req) pay(a *approval, authorization string) {
	var t httpapi.Transfer
	var err error
	idem := a.Idem
	if authorization != "" {
		idem += "-approved" // the first attempt's answer (403) is not the payment's
	}
	if isWalletID(a.To) {
		err = q.api("POST", "/v1/transfers", map[string]string{"from": a.From, "to": a.To, "amount": a.Amount, "currency": "CNY", "memo": a.Memo}, &t,
			"Idempotency-Key", idem, "Ingot-Authorization", authorization)
	} else {
		body := map[string]string{"from": a.From, "qr": a.To, "memo": a.Memo}
		if a.Amount != "" {
			body["amount"] = a.Amount
		}
		err = q.api("POST", "/v1/qr-payments", body, &t, "Idempotency-Key", idem, "Ingot-Authorization", authorization)
	}
	var e *apiError
	if errors.As(err, &e) && e.Code == "sca_required" && e.Authorization != nil {
		a.ID, _ = e.Authorization["id"].(string)
		a.Amount, _ = e.Authorization["amount"].(string)
		a.Currency, _ = e.Authorization["currency"].(string)
		a.Payee, _ = e.Authorization["to"].(string)
		q.wallet(http.StatusOK, "", "", a)
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

// wallet renders the wallet page: the holder's wallets and the first one's
// recent payments.
func (q *req) wallet(status int, flash, errText string, a *approval) {
	if !q.holder() {
		return
	}
	var me httpapi.SignedIn
	if err := q.api("GET", "/v1/me", nil, &me); err != nil {
		var e *apiError
		if errors.As(err, &e) && e.Status == http.StatusUnauthorized {
			q.s = &session{CSRF: newToken(), Lang: q.s.Lang}
			q.render(http.StatusUnauthorized, "signin", "", q.t("error.session"), signinData{Step: "pin"})
			return
		}
		q.render(http.StatusBadGateway, "start", "", q.problem(err), nil)
		return
	}
	d := walletData{Phone: me.Phone, Wallets: me.Wallets, Idem: idemKey(), Approval: a}
	if len(me.Wallets) > 0 {
		var h httpapi.List[httpapi.Entry]
		if err := q.api("GET", "/v1/wallets/"+me.Wallets[0].ID+"/transactions?limit=10", nil, &h); err == nil {
			d.History = h.Items
		}
	}
	q.render(status, "wallet", flash, errText, d)
}
