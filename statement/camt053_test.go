package statement

import (
	"bytes"
	"encoding/xml"
	"slices"
	"strings"
	"testing"
)

// node is a generic XML element, to check the document's shape without the
// writer's own types.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []node     `xml:",any"`
}

func (n *node) kid(name string) *node {
	for i := range n.Kids {
		if n.Kids[i].XMLName.Local == name {
			return &n.Kids[i]
		}
	}
	return nil
}

func (n *node) path(names ...string) *node {
	for _, name := range names {
		if n = n.kid(name); n == nil {
			return nil
		}
	}
	return n
}

func (n *node) text(names ...string) string {
	if k := n.path(names...); k != nil {
		return strings.TrimSpace(k.Text)
	}
	return ""
}

func (n *node) order() []string {
	var out []string
	for _, k := range n.Kids {
		if len(out) == 0 || out[len(out)-1] != k.XMLName.Local {
			out = append(out, k.XMLName.Local)
		}
	}
	return out
}

// inSchemaOrder reports whether got's elements appear in the order of the
// schema's sequence seq (optional ones may be missing, none may be extra).
func inSchemaOrder(got, seq []string) bool {
	i := 0
	for _, g := range got {
		for i < len(seq) && seq[i] != g {
			i++
		}
		if i == len(seq) {
			return false
		}
		i++
	}
	return true
}

// TestWriteCAMT053 parses the sample's document back: namespace, the
// statement's and each entry's elements in the order of the schema's
// sequences, both balances, one Ntry per entry with its amount, sign,
// reference, counterparty and fee, and a summary that adds up.
func TestWriteCAMT053(t *testing.T) {
	t.Parallel()
	s := sample()
	var buf bytes.Buffer
	if err := WriteCAMT053(&buf, s); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte(xml.Header)) {
		t.Fatalf("no XML declaration: %.80s", buf.String())
	}
	var doc node
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if doc.XMLName.Local != "Document" || doc.XMLName.Space != CAMT053Namespace {
		t.Fatalf("root %v, want Document in %s", doc.XMLName, CAMT053Namespace)
	}
	root := doc.kid("BkToCstmrStmt")
	if root == nil || !slices.Equal(root.order(), []string{"GrpHdr", "Stmt"}) {
		t.Fatalf("BkToCstmrStmt children %v", root)
	}
	if id := root.text("GrpHdr", "MsgId"); id != "STMT-8127995007240072-2026-11-28" {
		t.Fatalf("MsgId %q", id)
	}
	if ts := root.text("GrpHdr", "CreDtTm"); ts != "2026-11-28T16:05:00Z" {
		t.Fatalf("CreDtTm %q", ts)
	}
	st := root.kid("Stmt")
	stmtSeq := []string{"Id", "StmtPgntn", "ElctrncSeqNb", "RptgSeq", "LglSeqNb", "CreDtTm", "FrToDt", "CpyDplctInd",
		"RptgSrc", "Acct", "RltdAcct", "Intrst", "Bal", "TxsSummry", "Ntry", "AddtlStmtInf"}
	if got := st.order(); !inSchemaOrder(got, stmtSeq) {
		t.Fatalf("Stmt children %v are not in the schema's order", got)
	}
	if st.text("Acct", "Id", "Othr", "Id") != merchant || st.text("Acct", "Ccy") != "CNY" ||
		st.text("Acct", "Ownr", "Nm") != "W** Wei" || st.text("Acct", "Svcr", "FinInstnId", "Nm") != "Bank of Ingot" {
		t.Fatalf("Acct %+v", st.kid("Acct"))
	}
	if st.text("FrToDt", "FrDtTm") != "2026-11-27T16:00:00Z" || st.text("FrToDt", "ToDtTm") != "2026-11-28T16:00:00Z" {
		t.Fatalf("FrToDt %+v", st.kid("FrToDt"))
	}

	// Balances: OPBD 100.00 and CLBD 77.83, credits, on the day.
	var bals []string
	for _, k := range st.Kids {
		if k.XMLName.Local != "Bal" {
			continue
		}
		if got := k.order(); !inSchemaOrder(got, []string{"Tp", "CdtLine", "Amt", "CdtDbtInd", "Dt", "Avlbty"}) {
			t.Fatalf("Bal children %v are not in the schema's order", got)
		}
		amt := k.kid("Amt")
		if amt == nil || len(amt.Attrs) != 1 || amt.Attrs[0].Name.Local != "Ccy" || amt.Attrs[0].Value != "CNY" {
			t.Fatalf("Bal/Amt without Ccy: %+v", amt)
		}
		bals = append(bals, k.text("Tp", "CdOrPrtry", "Cd")+" "+k.text("Amt")+" "+k.text("CdtDbtInd")+" "+k.text("Dt", "Dt"))
	}
	if want := []string{"OPBD 100.00 CRDT 2026-11-28", "CLBD 77.83 CRDT 2026-11-28"}; !slices.Equal(bals, want) {
		t.Fatalf("balances %q, want %q", bals, want)
	}

	// The summary: 5 entries; credits 38.06 in 2, debits 60.23 in 3; net
	// 22.17 debit, so that opening - net = closing.
	sum := st.kid("TxsSummry")
	if sum == nil || sum.text("TtlNtries", "NbOfNtries") != "5" || sum.text("TtlNtries", "Sum") != "98.29" ||
		sum.text("TtlNtries", "TtlNetNtry", "Amt") != "22.17" || sum.text("TtlNtries", "TtlNetNtry", "CdtDbtInd") != "DBIT" ||
		sum.text("TtlCdtNtries", "NbOfNtries") != "2" || sum.text("TtlCdtNtries", "Sum") != "38.06" ||
		sum.text("TtlDbtNtries", "NbOfNtries") != "3" || sum.text("TtlDbtNtries", "Sum") != "60.23" {
		t.Fatalf("TxsSummry %+v", sum)
	}

	// One Ntry per entry, in order.
	var ntries []node
	for _, k := range st.Kids {
		if k.XMLName.Local == "Ntry" {
			ntries = append(ntries, k)
		}
	}
	if len(ntries) != len(s.Entries) {
		t.Fatalf("%d Ntry for %d entries", len(ntries), len(s.Entries))
	}
	ntrySeq := []string{"NtryRef", "Amt", "CdtDbtInd", "RvslInd", "Sts", "BookgDt", "ValDt", "AcctSvcrRef", "Avlbty",
		"BkTxCd", "ComssnWvrInd", "AddtlInfInd", "AmtDtls", "Chrgs", "TechInptChanl", "Intrst", "CardTx", "NtryDtls", "AddtlNtryInf"}
	txSeq := []string{"Refs", "Amt", "CdtDbtInd", "AmtDtls", "Avlbty", "BkTxCd", "Chrgs", "Intrst", "RltdPties", "RltdAgts",
		"LclInstrm", "Purp", "RltdRmtInf", "RmtInf", "RltdDts", "RltdPric", "RltdQties", "FinInstrmId", "Tax", "RtrInf",
		"CorpActn", "SfkpgAcct", "CshDpst", "CardTx", "AddtlTxInf", "SplmtryData"}
	want := []struct{ amt, ind, typ, ref, end, cdtr, dbtr, fee string }{
		{"38.00", "CRDT", "payment", "01a21aa02a877ccb9e8a6a2f16e99016", "Order 17, table 4", "", customer, "0.23"},
		{"0.23", "DBIT", "fee", "01a21aa02a877ccb9e8a6a2f16e99017", "Order 17, table 4", operator, "", ""},
		{"10.00", "DBIT", "payment_refund", "01a21aa100007000800000000000000", "", customer, "", ""},
		{"0.06", "CRDT", "fee_refund", "01a21aa100007000800000000000000", "+6 back", "", operator, ""},
		{"50.00", "DBIT", "withdrawal", "01a21aa200007000800000000000000", "NOTPROVIDED", operator, "", ""},
	}
	opHex := strings.ReplaceAll(operator, "-", "") // a UUID is written as its 32 hex digits
	for i, n := range ntries {
		w := want[i]
		if w.cdtr == operator {
			w.cdtr = opHex
		}
		if w.dbtr == operator {
			w.dbtr = opHex
		}
		if got := n.order(); !inSchemaOrder(got, ntrySeq) {
			t.Fatalf("Ntry %d children %v are not in the schema's order", i, got)
		}
		tx := n.path("NtryDtls", "TxDtls")
		if tx == nil {
			t.Fatalf("Ntry %d has no TxDtls", i)
		}
		if got := tx.order(); !inSchemaOrder(got, txSeq) {
			t.Fatalf("Ntry %d TxDtls children %v are not in the schema's order", i, got)
		}
		if n.text("Amt") != w.amt || n.text("CdtDbtInd") != w.ind || n.text("Sts", "Cd") != "BOOK" ||
			n.text("BkTxCd", "Prtry", "Cd") != w.typ || !strings.HasPrefix(n.text("NtryRef"), w.ref) {
			t.Errorf("Ntry %d: amount %s %s, type %s, ref %s; want %+v", i, n.text("Amt"), n.text("CdtDbtInd"),
				n.text("BkTxCd", "Prtry", "Cd"), n.text("NtryRef"), w)
		}
		if len(n.text("NtryRef")) > 35 || len(tx.text("Refs", "EndToEndId")) > 35 {
			t.Errorf("Ntry %d: an identifier longer than 35 characters", i)
		}
		if w.end != "" && tx.text("Refs", "EndToEndId") != w.end {
			t.Errorf("Ntry %d: EndToEndId %q, want %q", i, tx.text("Refs", "EndToEndId"), w.end)
		}
		if got := tx.text("RltdPties", "CdtrAcct", "Id", "Othr", "Id"); w.cdtr != "" && got != w.cdtr {
			t.Errorf("Ntry %d: creditor account %q, want %q", i, got, w.cdtr)
		}
		if got := tx.text("RltdPties", "DbtrAcct", "Id", "Othr", "Id"); w.dbtr != "" && got != w.dbtr {
			t.Errorf("Ntry %d: debtor account %q, want %q", i, got, w.dbtr)
		}
		if got := tx.text("Chrgs", "Rcrd", "Amt"); got != w.fee {
			t.Errorf("Ntry %d: charge %q, want %q", i, got, w.fee)
		}
	}
	// The reference that looks like a spreadsheet formula is kept as text
	// here (XML is not a spreadsheet), escaped by the encoder.
	if !strings.Contains(buf.String(), "=HYPERLINK(&#34;http://evil.example&#34;,&#34;refund&#34;)") {
		t.Errorf("the refund's reference is not in the document as escaped text")
	}
}
