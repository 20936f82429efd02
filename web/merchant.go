package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot/client"
)

// The merchant's till, for a holder whose wallets include a merchant
// wallet: a payment request shown as a large QR code that turns paid by
// itself (static/app.js polls its status), a refund of the payment, and
// the day's statement to download.

type merchantData struct {
	Wallets []client.Wallet
	Request *client.PaymentRequest
	Idem    string
	Today   string
}

func (w *Web) merchantRoutes() {
	w.handle("GET /merchant", func(q *req) { q.merchant(http.StatusOK, "", "", nil) })
	w.handle("POST /merchant/requests", func(q *req) {
		if !q.holder() {
			return
		}
		body := client.PaymentRequestRequest{MerchantWallet: q.r.PostFormValue("wallet"), Reference: strings.TrimSpace(q.r.PostFormValue("reference")),
			Amount: strings.TrimSpace(q.r.PostFormValue("amount"))}
		pr, err := q.client().CreatePaymentRequest(q.r.Context(), body, client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		if err != nil {
			q.merchant(http.StatusUnprocessableEntity, "", q.problem(err), nil)
			return
		}
		q.redirect("/merchant/requests/" + url.PathEscape(pr.ID))
	})
	w.handle("GET /merchant/requests/{id}", func(q *req) {
		if !q.holder() {
			return
		}
		pr, err := q.client().GetPaymentRequest(q.r.Context(), q.r.PathValue("id"))
		if err != nil {
			q.merchant(http.StatusNotFound, "", q.problem(err), nil)
			return
		}
		q.merchant(http.StatusOK, "", "", pr)
	})
	// The request's status, for the page's script.
	w.handle("GET /merchant/requests/{id}/status", func(q *req) {
		if q.s.Kind != kindHolder {
			http.Error(q.rw, `{"status":"unknown"}`, http.StatusNotFound)
			return
		}
		pr, err := q.client().GetPaymentRequest(q.r.Context(), q.r.PathValue("id"))
		if err != nil {
			http.Error(q.rw, `{"status":"unknown"}`, http.StatusNotFound)
			return
		}
		q.save() // a till watching a request keeps its session alive
		q.rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(q.rw).Encode(map[string]string{"status": pr.Status, "label": q.t("status." + pr.Status)})
	})
	// The QR image, through the visitor's credential (an <img> sends none).
	w.handle("GET /merchant/requests/{id}/qr.png", func(q *req) {
		if q.s.Kind != kindHolder {
			http.NotFound(q.rw, q.r)
			return
		}
		png, err := q.client().GetPaymentRequestQR(q.r.Context(), q.r.PathValue("id"))
		if err != nil {
			http.NotFound(q.rw, q.r)
			return
		}
		q.rw.Header().Set("Content-Type", "image/png")
		_, _ = q.rw.Write(png)
	})
	w.handle("POST /merchant/refunds", func(q *req) {
		if !q.holder() {
			return
		}
		_, err := q.client().CreateRefund(q.r.Context(), q.r.PostFormValue("transfer_id"),
			client.RefundRequest{Amount: strings.TrimSpace(q.r.PostFormValue("amount")), Reason: q.r.PostFormValue("reason")},
			client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		if err != nil {
			q.merchant(http.StatusUnprocessableEntity, "", q.problem(err), nil)
			return
		}
		q.merchant(http.StatusOK, q.t("done"), "", nil)
	})
	w.handle("GET /merchant/statement", func(q *req) {
		if !q.holder() {
			return
		}
		v := q.r.URL.Query()
		format := v.Get("format")
		if format != "csv" && format != "camt053" {
			format = "csv"
		}
		doc, err := q.client().GetStatementRaw(q.r.Context(), v.Get("wallet"), &client.GetStatementParams{Format: format, Date: v.Get("date")})
		if err != nil {
			q.merchant(http.StatusUnprocessableEntity, "", q.problem(err), nil)
			return
		}
		ext, ctype := "csv", "text/csv; charset=utf-8"
		if format == "camt053" {
			ext, ctype = "xml", "application/xml"
		}
		q.rw.Header().Set("Content-Type", ctype)
		q.rw.Header().Set("Content-Disposition", `attachment; filename="statement-`+safeName(v.Get("wallet"))+"-"+safeName(v.Get("date"))+"."+ext+`"`)
		_, _ = q.rw.Write(doc)
	})
}

// safeName keeps the digits and hyphens of a file name's part.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, s)
}

// merchant renders the till: the holder's merchant wallets, a new
// request's form, and the request shown.
func (q *req) merchant(status int, flash, errText string, pr *client.PaymentRequest) {
	if !q.holder() {
		return
	}
	me, ok := q.me()
	if !ok {
		return
	}
	ws := slices.DeleteFunc(me.Wallets, func(w client.Wallet) bool { return w.Kind != "merchant" })
	q.render(status, "merchant", flash, errText, merchantData{Wallets: ws, Request: pr, Idem: idemKey(),
		Today: q.w.now().In(q.w.zone).Format(time.DateOnly)})
}
