package iso20022

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
)

func sample() *Pacs008 {
	day := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	return &Pacs008{MsgID: "MSG-1", Created: time.Date(2026, 11, 29, 9, 30, 0, 123e6, time.UTC), Txs: []CreditTransfer{
		{InstrID: "I1", EndToEndID: "E2E-1", UETR: UETR("t1"), Amount: 12345, Currency: "CNY", SettlementDate: day,
			DebtorName: "L* W*", DebtorAccount: "6222020000000012", DebtorAgent: "ICBC",
			CreditorName: "Z*** S**", CreditorAccount: "6222030000000035", CreditorAgent: "HSBCHK", Remittance: "invoice 42", Purpose: "GDDS"},
		{EndToEndID: "E2E-2", Amount: 100, Currency: "JPY", SettlementDate: day, DebtorAccount: "1", CreditorAccount: "2"},
	}}
}

func TestPacs008RoundTrip(t *testing.T) {
	var b bytes.Buffer
	if err := WritePacs008(&b, sample()); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	for _, want := range []string{`xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"`, "<NbOfTxs>2</NbOfTxs>", "<SttlmMtd>CLRG</SttlmMtd>",
		`<IntrBkSttlmAmt Ccy="CNY">123.45</IntrBkSttlmAmt>`, `<IntrBkSttlmAmt Ccy="JPY">100</IntrBkSttlmAmt>`, "<ChrgBr>SLEV</ChrgBr>",
		"<IntrBkSttlmDt>2026-11-29</IntrBkSttlmDt>", "<MmbId>ICBC</MmbId>", "<Cd>GDDS</Cd>", "<Ustrd>invoice 42</Ustrd>",
		"<CreDtTm>2026-11-29T09:30:00.123Z</CreDtTm>"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the document lacks %s:\n%s", want, doc)
		}
	}
	got, err := ReadPacs008(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := sample()
	if got.MsgID != want.MsgID || !got.Created.Equal(want.Created) || len(got.Txs) != 2 || got.Txs[0] != want.Txs[0] || got.Txs[1] != want.Txs[1] {
		t.Fatalf("read back %+v\nwant %+v", got, want)
	}
}

func TestReadPacs008Refuses(t *testing.T) {
	var b bytes.Buffer
	if err := WritePacs008(&b, sample()); err != nil {
		t.Fatal(err)
	}
	good := b.String()
	for name, doc := range map[string]string{
		"another namespace": strings.Replace(good, "pacs.008.001.08", "pacs.008.001.02", 1),
		"NbOfTxs":           strings.Replace(good, "<NbOfTxs>2<", "<NbOfTxs>3<", 1),
		"decimals":          strings.Replace(good, ">123.45<", ">123.456<", 1),
		"currency":          strings.Replace(good, `Ccy="CNY"`, `Ccy="XXX"`, 1),
		"EndToEndId":        strings.Replace(good, "<EndToEndId>E2E-1</EndToEndId>", "", 1),
		"long id":           strings.Replace(good, "<MsgId>MSG-1<", "<MsgId>"+strings.Repeat("M", 36)+"<", 1),
		"repeated e2e":      strings.Replace(good, "E2E-2", "E2E-1", 1),
		"no account":        strings.Replace(good, "<Id>6222030000000035</Id>", "<Id></Id>", 1),
		"settlement method": strings.Replace(good, "CLRG", "INDA", 1),
		"not XML":           "{}",
		"empty":             "",
	} {
		if _, err := ReadPacs008(strings.NewReader(doc)); ingot.ErrorCode(err) != ingot.CodeInvalidRequest {
			t.Errorf("%s: %v; want invalid_request", name, err)
		}
	}
}

func TestPacs002RoundTrip(t *testing.T) {
	r := &Pacs002{MsgID: "RPT-1", Created: time.Date(2026, 11, 29, 9, 31, 0, 0, time.UTC), OrgnlMsgID: "MSG-1", GroupStatus: Partial, Txs: []TxStatus{
		{OrgnlEndToEndID: "E2E-1", OrgnlInstrID: "I1", Status: Accepted, TransferID: "01a224c1-3015-70a8-84a7-53751df7d972"},
		{OrgnlEndToEndID: "E2E-2", Status: Rejected, Reason: Reason(ingot.CodeInsufficientFunds), Info: "insufficient funds"},
	}}
	var b bytes.Buffer
	if err := WritePacs002(&b, r); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	for _, want := range []string{`xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10"`, "<OrgnlMsgNmId>pacs.008.001.08</OrgnlMsgNmId>",
		"<GrpSts>PART</GrpSts>", "<TxSts>RJCT</TxSts>", "<Cd>AM04</Cd>", "<AcctSvcrRef>01a224c1301570a884a753751df7d972</AcctSvcrRef>"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the report lacks %s:\n%s", want, doc)
		}
	}
	got, err := ReadPacs002(strings.NewReader(doc))
	if err != nil || got.OrgnlMsgID != "MSG-1" || len(got.Txs) != 2 || got.Txs[1].Reason != "AM04" || got.Txs[0].Status != Accepted {
		t.Fatalf("read back %+v, %v", got, err)
	}
}

func TestUETRAndReasons(t *testing.T) {
	u := UETR("01a224c1-3015-70a8-84a7-53751df7d972")
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(u) {
		t.Fatalf("UETR %q is not a UUIDv4", u)
	}
	if UETR("01a224c1-3015-70a8-84a7-53751df7d972") != u || UETR("other") == u {
		t.Fatal("a UETR is fixed per transfer and differs between transfers")
	}
	for code, want := range map[string]string{ingot.CodeInsufficientFunds: "AM04", ingot.CodeWalletClosed: "AC04", ingot.CodeForbidden: "AG01", "something_new": "NARR"} {
		if Reason(code) != want {
			t.Errorf("Reason(%s) = %s, want %s", code, Reason(code), want)
		}
	}
}

// FuzzReadPacs008: no panic; a message read is written again and reads
// back the same.
func FuzzReadPacs008(f *testing.F) {
	var b bytes.Buffer
	_ = WritePacs008(&b, sample())
	f.Add(b.Bytes())
	f.Add([]byte(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><FIToFICstmrCdtTrf></FIToFICstmrCdtTrf></Document>`))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := ReadPacs008(bytes.NewReader(in))
		if err != nil {
			if ingot.ErrorCode(err) != ingot.CodeInvalidRequest {
				t.Fatalf("error without the code: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := WritePacs008(&out, m); err != nil {
			t.Fatalf("write back: %v", err)
		}
		again, err := ReadPacs008(&out)
		if err != nil || len(again.Txs) != len(m.Txs) {
			t.Fatalf("read back: %v (%d of %d)", err, len(again.Txs), len(m.Txs))
		}
		for i := range m.Txs {
			if again.Txs[i].Amount != m.Txs[i].Amount || again.Txs[i].Currency != m.Txs[i].Currency {
				t.Fatalf("transaction %d changed: %+v -> %+v", i, m.Txs[i], again.Txs[i])
			}
		}
	})
}
