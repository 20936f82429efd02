package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"
	"time"
)

// merchantWallet opens a merchant wallet at an operator and sets its
// profile.
func (e *env) merchantWallet(key string) string {
	e.t.Helper()
	w := e.must(e.req("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Wang Wei", "phone": "13912345678", "kind": "business"},
		"currency": "CNY", "kind": "merchant"}), 201).str("id")
	r := e.must(e.req("PUT", "/v1/wallets/"+w+"/merchant", key, map[string]any{"name": "Lao Wang Noodles", "city": "Beijing", "country": "CN", "mcc": "5812"}), 200)
	m, _ := r.body["merchant"].(map[string]any)
	if m == nil || m["name"] != "Lao Wang Noodles" || m["mcc"] != "5812" || r.str("kind") != "merchant" {
		e.t.Fatalf("merchant profile answer: %s", r.raw)
	}
	return w
}

// TestMerchantTill is a till's day over HTTP: profile, fees, a payment
// request paid by a holder scanning its QR code, a refund, a customer's
// payment code charged with the payer's approval, the statement in three
// formats, and the end-of-day settlement to the bank.
func TestMerchantTill(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, mKey := e.funded("ICBC")
		m := e.merchantWallet(mKey)
		e.problem(e.req("PUT", "/v1/wallets/"+m+"/merchant", mKey, map[string]any{"name": strings.Repeat("N", 26), "city": "Beijing", "country": "CN", "mcc": "5812"}), 422, "invalid_request")
		e.problem(e.req("PUT", "/v1/wallets/"+e.wallet(mKey, "")+"/merchant", mKey, map[string]any{"name": "Shop", "city": "Beijing", "country": "CN", "mcc": "5812"}), 422, "invalid_request")
		if g := e.must(e.req("GET", "/v1/wallets/"+m, mKey, nil), 200); g.body["merchant"] == nil {
			t.Fatalf("wallet without its merchant profile: %s", g.raw)
		}

		// Fees within the central bank's cap.
		e.must(e.req("PUT", "/v1/fee-caps", adminKey, map[string]any{"max_rate_bps": 100}), 200)
		e.problem(e.req("PUT", "/v1/fees", mKey, map[string]any{"merchant_rate_bps": 101}), 422, "invalid_request")
		f := e.must(e.req("PUT", "/v1/fees", mKey, map[string]any{"merchant_rate_bps": 60, "min": "0.01", "mcc_overrides": map[string]int{"5411": 20}}), 200)
		if f.body["merchant_rate_bps"] != float64(60) || f.str("min") != "0.01" || f.body["max"] != nil || f.str("currency") != "CNY" {
			t.Fatalf("fees: %s", f.raw)
		}
		e.problem(e.req("PUT", "/v1/fee-caps", mKey, map[string]any{"max_rate_bps": 10}), 403, "forbidden")

		// A payment request, its QR code and its image.
		h := e.newHolder("BOC", "13800138101", "1000.00")
		h.enroll()
		pr := e.must(e.req("POST", "/v1/payment-requests", mKey, map[string]any{"merchant_wallet": m, "amount": "38.00", "currency": "CNY", "reference": "TABLE-12"},
			"Idempotency-Key", "req-1"), 201)
		id, qr := pr.str("id"), pr.str("qr")
		if pr.str("status") != "open" || pr.str("amount") != "38.00" || pr.str("reference") != "TABLE-12" || pr.str("qr_png_url") != "/v1/payment-requests/"+id+"/qr.png" ||
			!strings.HasPrefix(qr, "000201010212") || !regexp.MustCompile(`6304[0-9A-F]{4}$`).MatchString(qr) || !strings.Contains(qr, id) {
			t.Fatalf("payment request: %s", pr.raw)
		}
		if again := e.must(e.req("POST", "/v1/payment-requests", mKey, map[string]any{"merchant_wallet": m, "amount": "38.00", "currency": "CNY", "reference": "TABLE-12"},
			"Idempotency-Key", "req-1"), 201); again.str("id") != id || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replayed request: %s", again.raw)
		}
		img := e.must(e.req("GET", pr.str("qr_png_url"), mKey, nil), 200)
		if img.header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(img.raw, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatalf("QR image: %s, %d bytes", img.header.Get("Content-Type"), len(img.raw))
		}
		e.problem(e.req("GET", "/v1/payment-requests/"+id, h.opKey, nil), 404, "not_found")

		// The holder scans and pays, once.
		e.problem(e.req("POST", "/v1/qr-payments", h.access, map[string]any{"from": h.wallets[0], "qr": qr[:len(qr)-1] + "X"}), 422, "invalid_qr")
		tr := e.must(e.req("POST", "/v1/qr-payments", h.access, map[string]any{"from": h.wallets[0], "qr": qr}), 201)
		if tr.str("payment_request_id") != id || tr.str("amount") != "38.00" || tr.str("fee") != "0.23" || tr.str("to") != m || tr.str("reference") != "TABLE-12" {
			t.Fatalf("QR payment: %s", tr.raw)
		}
		e.problem(e.req("POST", "/v1/qr-payments", h.access, map[string]any{"from": h.wallets[0], "qr": qr}), 409, "payment_request_closed")
		if g := e.must(e.req("GET", "/v1/payment-requests/"+id, mKey, nil), 200); g.str("status") != "paid" || g.str("transfer_id") != tr.str("id") {
			t.Fatalf("paid request: %s", g.raw)
		}
		if got := e.balance(mKey, m); got != "37.77" {
			t.Fatalf("merchant balance %s; want 37.77 (38.00 less its 0.23 fee)", got)
		}

		// A refund, within the payment, also under a replay.
		ref := e.must(e.req("POST", "/v1/transfers/"+tr.str("id")+"/refunds", mKey, map[string]any{"amount": "10.00", "reason": "cold noodles"}, "Idempotency-Key", "rf-1"), 201)
		if ref.str("transfer_id") != tr.str("id") || ref.str("amount") != "10.00" || ref.str("fee") != "0.06" || ref.str("id") == "" {
			t.Fatalf("refund: %s", ref.raw)
		}
		e.must(e.req("POST", "/v1/transfers/"+tr.str("id")+"/refunds", mKey, map[string]any{"amount": "10.00", "reason": "cold noodles"}, "Idempotency-Key", "rf-1"), 201)
		e.problem(e.req("POST", "/v1/transfers/"+tr.str("id")+"/refunds", mKey, map[string]any{"amount": "28.01"}), 422, "refund_exceeds_payment")
		e.problem(e.req("POST", "/v1/transfers/"+tr.str("id")+"/refunds", h.opKey, map[string]any{"amount": "1.00"}), 404, "not_found")
		if g := e.must(e.req("GET", "/v1/transfers/"+tr.str("id"), mKey, nil), 200); g.str("refunded") != "10.00" || g.str("fee") != "0.23" {
			t.Fatalf("refunded payment: %s", g.raw)
		}
		if l := e.must(e.req("GET", "/v1/transfers/"+tr.str("id")+"/refunds", mKey, nil), 200); len(l.items()) != 1 || l.str("refunded") != "10.00" {
			t.Fatalf("refunds: %s", l.raw)
		}

		// A customer-presented code, charged above the exemption: the payer
		// approves on its side.
		c := e.must(e.req("POST", "/v1/wallets/"+h.wallets[0]+"/payment-codes", h.access, nil, "Idempotency-Key", "pc-1"), 201)
		code := c.str("code")
		if !regexp.MustCompile(`^[0-9]{18}$`).MatchString(code) {
			t.Fatalf("payment code: %s", c.raw)
		}
		if r := e.must(e.req("POST", "/v1/wallets/"+h.wallets[0]+"/payment-codes", h.access, nil, "Idempotency-Key", "pc-1"), 201); r.str("code") != "" {
			t.Fatalf("a replay shows the code again: %s", r.raw)
		}
		charge := func(amount string, hdr ...string) *resp {
			return e.req("POST", "/v1/payment-codes/charge", mKey, map[string]any{"code": code, "merchant_wallet": m, "amount": amount, "reference": "R-7"}, hdr...)
		}
		a := h.scaRequired(charge("300.00"))
		if a["amount"] != "300.00" || a["to"] != m {
			t.Fatalf("charge's authorization: %v", a)
		}
		h.approve(a["id"].(string))
		paid := e.must(charge("300.00", "Ingot-Authorization", a["id"].(string)), 201)
		if paid.str("from") != h.wallets[0] || paid.str("to") != m || paid.str("fee") != "1.80" {
			t.Fatalf("charge: %s", paid.raw)
		}
		e.problem(charge("1.00"), 404, "payment_code_invalid")
		e.problem(e.req("POST", "/v1/payment-codes/charge", mKey, map[string]any{"code": "000000000000000000", "merchant_wallet": m, "amount": "1.00"}), 404, "payment_code_invalid")

		// The day's statement adds up, in three formats.
		date := e.clock.Now().In(shanghai(t)).Format(time.DateOnly)
		st := e.must(e.req("GET", "/v1/wallets/"+m+"/statements?date="+date, mKey, nil), 200)
		entries, _ := st.body["entries"].([]any)
		if st.str("opening_balance") != "0.00" || st.str("closing_balance") != e.balance(mKey, m) || len(entries) != 6 {
			t.Fatalf("statement: %s", st.raw)
		}
		tot, _ := st.body["totals"].(map[string]any)
		if tot["credits"] != "338.06" || tot["debits"] != "12.03" || tot["fees"] != "1.97" {
			t.Fatalf("statement totals: %v", tot)
		}
		cs := e.must(e.req("GET", "/v1/wallets/"+m+"/statements?date="+date+"&format=csv", mKey, nil), 200)
		rows, err := csv.NewReader(bytes.NewReader(cs.raw)).ReadAll()
		if err != nil || len(rows) != 7 || strings.Join(rows[0], ",") != "at,transfer_id,type,amount,fee,counterparty,reference" {
			t.Fatalf("CSV statement %v: %s", err, cs.raw)
		}
		x := e.must(e.req("GET", "/v1/wallets/"+m+"/statements?date="+date+"&format=camt053", mKey, nil), 200)
		var doc struct {
			XMLName xml.Name
			Ntry    []struct{} `xml:"BkToCstmrStmt>Stmt>Ntry"`
		}
		if err := xml.Unmarshal(x.raw, &doc); err != nil || doc.XMLName.Space != "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08" || len(doc.Ntry) != 6 {
			t.Fatalf("camt.053 statement %v: %s", err, x.raw)
		}
		e.problem(e.req("GET", "/v1/wallets/"+m+"/statements?date=2026-13-01", mKey, nil), 422, "invalid_request")
		e.must(e.req("GET", "/v1/wallets/"+h.wallets[0]+"/statements", h.access, nil), 200)

		// Settlement: the balance goes to the bank at midnight, once.
		e.must(e.req("POST", "/v1/sandbox/bank/accounts", mKey, map[string]any{"bank_code": "ICBC", "account_number": "6222021234569999",
			"holder_name": "Wang Wei", "currency": "CNY", "balance": "0.00"}), 201)
		e.must(e.req("POST", "/v1/wallets/"+m+"/bank-accounts", mKey, map[string]any{"bank_code": "ICBC", "account_number": "6222021234569999", "holder_name": "Wang Wei"}), 201)
		s := e.must(e.req("PUT", "/v1/wallets/"+m+"/settlement", mKey, map[string]any{"sweep": "daily", "keep": "5.00"}), 200)
		if s.str("sweep") != "daily" || s.str("keep") != "5.00" || s.str("next_run_at") == "" || s.str("bank_account_id") == "" {
			t.Fatalf("settlement: %s", s.raw)
		}
		e.problem(e.req("PUT", "/v1/wallets/"+m+"/settlement", mKey, map[string]any{"sweep": "hourly"}), 422, "invalid_request")
		before := e.balance(mKey, m)
		if n, err := e.svc.RunSettlements(context.Background()); err != nil || n != 0 {
			t.Fatalf("settled %d before midnight: %v", n, err)
		}
		e.clock.advance(24 * time.Hour)
		if n, err := e.svc.RunSettlements(context.Background()); err != nil || n != 1 {
			t.Fatalf("settled %d at midnight: %v", n, err)
		}
		if n, err := e.svc.RunSettlements(context.Background()); err != nil || n != 0 {
			t.Fatalf("settled %d again: %v", n, err)
		}
		if got := e.balance(mKey, m); got != "5.00" {
			t.Fatalf("merchant balance %s after settlement (was %s); want 5.00", got, before)
		}
	})
}

func shanghai(t *testing.T) *time.Location {
	z, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return z
}
