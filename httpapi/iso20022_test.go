package httpapi_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/iso20022"
)

func TestISO20022OverHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("ISOA")
		_, other := e.funded("ISOB")
		from, to := e.wallet(key, "100.00"), e.wallet(other, "")

		// Out: a payment as pacs.008.
		p := e.must(e.req("POST", "/v1/transfers", key, map[string]any{"from": from, "to": to, "amount": "12.30", "currency": "CNY", "memo": "rent"}), 201)
		r := e.must(e.req("GET", "/v1/transfers/"+p.str("id")+"/pacs008", key, nil), 200)
		m, err := iso20022.ReadPacs008(bytes.NewReader(r.raw))
		if err != nil || !strings.HasPrefix(r.header.Get("Content-Type"), "application/xml") {
			t.Fatalf("pacs.008 out: %v\n%s", err, r.raw)
		}
		tx := m.Txs[0]
		if tx.Amount != 1230 || tx.Currency != "CNY" || tx.DebtorAccount != from || tx.CreditorAccount != to || tx.DebtorAgent != "ISOA" ||
			tx.CreditorAgent != "ISOB" || tx.Remittance != "rent" || tx.UETR != iso20022.UETR(p.str("id")) || tx.DebtorName == "" || tx.CreditorName != "" {
			t.Fatalf("pacs.008 out: %+v", tx)
		}
		if strings.Contains(string(r.raw), "Li Wei") {
			t.Fatalf("a name in clear: %s", r.raw)
		}
		cb := e.must(e.req("GET", "/v1/transfers/"+p.str("id")+"/pacs008", adminKey, nil), 200)
		if strings.Contains(string(cb.raw), "<Nm>") || strings.Contains(string(cb.raw), "rent") {
			t.Fatalf("the central bank's pacs.008 names people or carries the memo: %s", cb.raw)
		}

		// In: two payments, atomic, the second too large: both rejected.
		msg := func(id string, amounts ...string) []byte {
			m := &iso20022.Pacs008{MsgID: id, Created: time.Now()}
			for i, a := range amounts {
				v := map[string]int64{"1.00": 100, "2.00": 200, "500.00": 50000}[a]
				m.Txs = append(m.Txs, iso20022.CreditTransfer{EndToEndID: id + "-" + string(rune('a'+i)), Amount: v, Currency: "CNY",
					SettlementDate: time.Now(), DebtorAccount: from, CreditorAccount: to, DebtorAgent: "ISOA", CreditorAgent: "ISOB"})
			}
			var b bytes.Buffer
			if err := iso20022.WritePacs008(&b, m); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		}
		post := func(body []byte, query string) *iso20022.Pacs002 {
			t.Helper()
			r := e.must(e.req("POST", "/v1/iso20022/pacs008"+query, key, body, "Content-Type", "application/xml"), 200)
			rep, err := iso20022.ReadPacs002(bytes.NewReader(r.raw))
			if err != nil {
				t.Fatalf("pacs.002: %v\n%s", err, r.raw)
			}
			return rep
		}
		rep := post(msg("M-1", "1.00", "500.00"), "")
		if rep.GroupStatus != "RJCT" || rep.Txs[0].Status != "RJCT" || rep.Txs[1].Reason != "AM04" || rep.OrgnlMsgID != "M-1" {
			t.Fatalf("atomic with a failing transaction: %+v", rep)
		}
		if b := e.balance(other, to); b != "12.30" {
			t.Fatalf("an atomic rejection moved money: %s", b)
		}
		// Not atomic: the first settles, the second is rejected.
		m2 := msg("M-2", "1.00", "500.00")
		rep = post(m2, "?atomic=false")
		if rep.GroupStatus != "PART" || rep.Txs[0].Status != "ACCP" || rep.Txs[0].TransferID == "" || rep.Txs[1].Reason != "AM04" {
			t.Fatalf("partial: %+v", rep)
		}
		// The same MsgId again: the same report, nothing paid twice; another
		// message under it: idempotency_conflict.
		again := post(m2, "?atomic=false")
		if again.Txs[0].TransferID != rep.Txs[0].TransferID || !again.Created.Equal(rep.Created) {
			t.Fatalf("replay: %+v\nfirst: %+v", again, rep)
		}
		e.problem(e.req("POST", "/v1/iso20022/pacs008?atomic=false", key, msg("M-2", "2.00"), "Content-Type", "application/xml"), 422, "idempotency_conflict")
		if b := e.balance(other, to); b != "13.30" {
			t.Fatalf("payee after the messages: %s", b)
		}
		// Malformed: a problem, not a report.
		e.problem(e.req("POST", "/v1/iso20022/pacs008", key, []byte("<Document/>"), "Content-Type", "application/xml"), 422, "invalid_request")
	})
}

// TestPurposeCodes: a payment's purpose code is kept, shown, and written
// to its pacs.008; a pacs.008 paid in keeps its Purp/Cd; a malformed one
// is refused.
func TestPurposeCodes(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("PURA")
		_, other := e.funded("PURB")
		from, to := e.wallet(key, "100.00"), e.wallet(other, "")
		p := e.must(e.req("POST", "/v1/transfers", key, map[string]any{"from": from, "to": to, "amount": "1.00", "currency": "CNY", "purpose": "GDDS"}), 201)
		if p.str("purpose") != "GDDS" {
			t.Fatalf("payment: %s", p.raw)
		}
		if g := e.must(e.req("GET", "/v1/transfers/"+p.str("id"), key, nil), 200); g.str("purpose") != "GDDS" {
			t.Fatalf("read back: %s", g.raw)
		}
		r := e.must(e.req("GET", "/v1/transfers/"+p.str("id")+"/pacs008", key, nil), 200)
		m, err := iso20022.ReadPacs008(bytes.NewReader(r.raw))
		if err != nil || m.Txs[0].Purpose != "GDDS" {
			t.Fatalf("pacs.008 out: %v %s", err, r.raw)
		}
		e.problem(e.req("POST", "/v1/transfers", key, map[string]any{"from": from, "to": to, "amount": "1.00", "currency": "CNY", "purpose": "gd s"}), 422, "invalid_request")

		in := &iso20022.Pacs008{MsgID: "purpose-1", Created: time.Now(), Txs: []iso20022.CreditTransfer{{EndToEndID: "e2e-1", Amount: 200, Currency: "CNY",
			SettlementDate: time.Now(), DebtorAccount: from, CreditorAccount: to, DebtorAgent: "PURA", CreditorAgent: "PURB", Purpose: "SALA"}}}
		var b bytes.Buffer
		if err := iso20022.WritePacs008(&b, in); err != nil {
			t.Fatal(err)
		}
		rep := e.must(e.req("POST", "/v1/iso20022/pacs008", key, b.Bytes(), "Content-Type", "application/xml"), 200)
		st, err := iso20022.ReadPacs002(bytes.NewReader(rep.raw))
		if err != nil || len(st.Txs) != 1 || st.Txs[0].Status != "ACCP" {
			t.Fatalf("pacs.002: %v %s", err, rep.raw)
		}
		h := e.must(e.req("GET", "/v1/wallets/"+to+"/transactions?limit=1", other, nil), 200)
		if items := h.items(); len(items) != 1 || items[0].(map[string]any)["transfer"].(map[string]any)["purpose"] != "SALA" {
			t.Fatalf("the pacs.008 payment's purpose: %s", h.raw)
		}
	})
}

// TestCamt054OverHTTP: a credit to a wallet as a camt.054, for the
// payee's operator (with the masked name and the memo) and the central bank
// (neither); the payer's operator does not get the payee's notification.
func TestCamt054OverHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, payer := e.funded("C54A")
		_, payee := e.funded("C54B")
		from, to := e.wallet(payer, "100.00"), e.wallet(payee, "")
		p := e.must(e.req("POST", "/v1/transfers", payer, map[string]any{"from": from, "to": to, "amount": "12.30", "currency": "CNY", "memo": "rent"}), 201)
		r := e.must(e.req("GET", "/v1/transfers/"+p.str("id")+"/camt054", payee, nil), 200)
		if !strings.HasPrefix(r.header.Get("Content-Type"), "application/xml") {
			t.Fatalf("Content-Type %q", r.header.Get("Content-Type"))
		}
		for _, want := range []string{"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08", "<BkToCstmrDbtCdtNtfctn>", "<Id>" + to + "</Id>",
			`<Amt Ccy="CNY">12.30</Amt>`, "<CdtDbtInd>CRDT</CdtDbtInd>", "<Id>" + from + "</Id>", "<Ustrd>rent</Ustrd>", "<Nm>Z**** S**</Nm>"} {
			if !strings.Contains(string(r.raw), want) {
				t.Errorf("camt.054 without %s:\n%s", want, r.raw)
			}
		}
		cb := e.must(e.req("GET", "/v1/transfers/"+p.str("id")+"/camt054", adminKey, nil), 200)
		if strings.Contains(string(cb.raw), "rent") || strings.Contains(string(cb.raw), "<Ownr>") {
			t.Fatalf("the central bank's camt.054 names the holder or carries the memo: %s", cb.raw)
		}
		e.problem(e.req("GET", "/v1/transfers/"+p.str("id")+"/camt054", payer, nil), 404, "not_found")
		top := e.must(e.req("GET", "/v1/wallets/"+from+"/transactions?limit=10", payer, nil), 200)
		var topup string
		for _, it := range top.items() {
			if tr := it.(map[string]any)["transfer"].(map[string]any); tr["kind"] == "topup" {
				topup, _ = tr["id"].(string)
			}
		}
		if r := e.must(e.req("GET", "/v1/transfers/"+topup+"/camt054", payer, nil), 200); !strings.Contains(string(r.raw), "<Cd>topup</Cd>") {
			t.Fatalf("a top-up's notification: %s", r.raw)
		}
	})
}
