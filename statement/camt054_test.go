package statement

import (
	"bytes"
	"encoding/xml"
	"slices"
	"strings"
	"testing"
)

// TestWriteCAMT054: one credit as a camt.054.001.08 notification: the
// namespace, the elements in the schema's order, the account, and the entry
// as camt.053 writes it; the same credit is the same notification; a debit
// is refused.
func TestWriteCAMT054(t *testing.T) {
	t.Parallel()
	s := sample()
	n := &Notification{Wallet: s.Wallet, Owner: s.Owner, Servicer: s.Servicer, Currency: s.Currency, Entry: s.Entries[0], Created: s.Created}
	var buf bytes.Buffer
	if err := WriteCAMT054(&buf, n); err != nil {
		t.Fatal(err)
	}
	var doc node
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if doc.XMLName.Local != "Document" || doc.XMLName.Space != CAMT054Namespace {
		t.Fatalf("root %v, want Document in %s", doc.XMLName, CAMT054Namespace)
	}
	root := doc.kid("BkToCstmrDbtCdtNtfctn")
	if root == nil || !slices.Equal(root.order(), []string{"GrpHdr", "Ntfctn"}) {
		t.Fatalf("BkToCstmrDbtCdtNtfctn children %v", root)
	}
	id := "NTF" + strings.ReplaceAll(paymentID, "-", "")
	if root.text("GrpHdr", "MsgId") != id || root.text("GrpHdr", "CreDtTm") != "2026-11-28T16:05:00Z" {
		t.Fatalf("GrpHdr %+v", root.kid("GrpHdr"))
	}
	nt := root.kid("Ntfctn")
	seq := []string{"Id", "NtfctnPgntn", "ElctrncSeqNb", "RptgSeq", "LglSeqNb", "CreDtTm", "FrToDt", "CpyDplctInd",
		"RptgSrc", "Acct", "RltdAcct", "Intrst", "TxsSummry", "Ntry", "AddtlNtfctnInf"}
	if got := nt.order(); !inSchemaOrder(got, seq) || nt.text("Id") != id {
		t.Fatalf("Ntfctn children %v (Id %q)", got, nt.text("Id"))
	}
	if nt.text("Acct", "Id", "Othr", "Id") != merchant || nt.text("Acct", "Ccy") != "CNY" || nt.text("Acct", "Ownr", "Nm") != "W** Wei" {
		t.Fatalf("Acct %+v", nt.kid("Acct"))
	}
	e := nt.kid("Ntry")
	if e == nil || e.text("Amt") != "38.00" || e.text("CdtDbtInd") != "CRDT" || e.text("Sts", "Cd") != "BOOK" ||
		e.text("BkTxCd", "Prtry", "Cd") != "payment" ||
		e.text("NtryDtls", "TxDtls", "RltdPties", "DbtrAcct", "Id", "Othr", "Id") != customer ||
		e.text("NtryDtls", "TxDtls", "RmtInf", "Ustrd") != "Order 17, table 4" ||
		e.text("NtryDtls", "TxDtls", "Chrgs", "Rcrd", "Amt") != "0.23" {
		t.Fatalf("Ntry %+v", e)
	}
	var again bytes.Buffer
	if err := WriteCAMT054(&again, n); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Fatalf("the same credit written twice differs (%v)", err)
	}
	debit := *n
	debit.Entry = s.Entries[1]
	var none bytes.Buffer
	if err := WriteCAMT054(&none, &debit); err == nil || none.Len() != 0 {
		t.Fatalf("a debit: %v, wrote %d bytes", err, none.Len())
	}
}
