package statement

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ingot-cbdc/ingot"
)

// CAMT053Namespace is the XML namespace of the documents WriteCAMT053
// writes: ISO 20022 BankToCustomerStatementV08.
const CAMT053Namespace = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"

// WriteCAMT053 writes an ISO 20022 camt.053.001.08 BkToCstmrStmt document:
// a group header and one statement (Stmt) of the wallet's account, with
// its opening (OPBD) and closing (CLBD) booked balances, a summary of the
// entries and one booked entry (Ntry) per transfer, in the order of the
// schema's sequences.
//
// The mapping:
//
//   - GrpHdr/MsgId and Stmt/Id: "STMT-<wallet>-<date>"; CreDtTm: Created.
//   - Stmt/FrToDt: From and To. Acct: Id/Othr/Id the wallet id, Ccy, Ownr/Nm
//     the Owner and Svcr/FinInstnId/Nm the Servicer when they are not empty.
//   - Bal: the amount as a non-negative number with CdtDbtInd CRDT (zero or
//     more) or DBIT (less than zero), dated Date.
//   - TxsSummry: the number of entries, the sum of their absolute amounts
//     and the net movement (TtlNtries), and the number and sum of the
//     credits and of the debits.
//   - Ntry: NtryRef and AcctSvcrRef the transfer id, Amt the absolute
//     amount, CdtDbtInd by sign, Sts BOOK, BookgDt and ValDt the time,
//     BkTxCd/Prtry/Cd the type. Its one TxDtls has Refs (AcctSvcrRef the
//     transfer id, EndToEndId the reference or NOTPROVIDED), the amount
//     again, the payment's fee as a charge borne by the creditor and not
//     included in the amount (Chrgs, when Fee is not zero), the counterparty
//     as the debtor's account of a credit or the creditor's account of a
//     debit (RltdPties), and the reference as unstructured remittance
//     information (RmtInf/Ustrd, when not empty).
//
// The schema's lengths are kept: identifiers of at most 35 characters
// (34 for an account id) and Ustrd of at most 140. A transfer or operator id
// that is a UUID (36 characters) is written as its 32 hex digits without
// hyphens; a counterparty "reserve:<operator id>" or "fee:<operator id>" is
// the account Othr/Id <operator id> with SchmeNm/Prtry "reserve" or "fee".
// Longer text is cut at a character boundary. Times are RFC 3339 in UTC.
//
// WriteCAMT053 writes nothing and returns [Statement.Check]'s error for a
// statement that does not add up.
func WriteCAMT053(w io.Writer, s *Statement) error {
	if err := s.check(); err != nil {
		return err
	}
	return writeXML(w, camtDocument{Statement: camtBkToCstmrStmt{
		GrpHdr: camtGroupHeader{MsgID: s.id(), CreDtTm: stamp(s.Created)},
		Stmt:   camtStatementOf(s),
	}})
}

// writeXML writes a document with its XML header, indented.
func writeXML(w io.Writer, doc any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// id is the statement's identifier, in GrpHdr/MsgId and Stmt/Id: the same
// wallet and day give the same id.
func (s *Statement) id() string { return fit("STMT-"+s.Wallet+"-"+s.Date, 35) }

// The limits of the schema's text types used here.
const (
	max35  = 35  // Max35Text
	max34  = 34  // Max34Text, an account's Othr/Id
	max140 = 140 // Max140Text
)

func camtStatementOf(s *Statement) camtStatement {
	cur := s.Currency
	st := camtStatement{
		ID:      s.id(),
		CreDtTm: stamp(s.Created),
		FrToDt:  camtPeriod{FrDtTm: stamp(s.From), ToDtTm: stamp(s.To)},
		Acct:    camtAccountOf(s.Wallet, cur, s.Owner, s.Servicer),
		Bal: []camtBalance{
			camtBalanceOf("OPBD", s.Opening, cur, s.Date),
			camtBalanceOf("CLBD", s.Closing, cur, s.Date),
		},
	}

	var nCdt, nDbt int
	tot := s.Totals()
	for _, e := range s.Entries {
		if e.Amount < 0 {
			nDbt++
		} else {
			nCdt++
		}
	}
	sum := func(v int64) string { return ingot.FormatAmount(v, cur) }
	// Check has made sure that none of these sums overflows.
	net, netInd := camtAmountOf(tot.Credits-tot.Debits, cur)
	st.TxsSummry = &camtSummary{
		TotalNtries: camtNumberSumNet{NbOfNtries: strconv.Itoa(len(s.Entries)), Sum: sum(tot.Credits + tot.Debits),
			TotalNetNtry: camtNet{Amt: net.Value, CdtDbtInd: netInd}},
		TotalCdtNtries: camtNumberSum{NbOfNtries: strconv.Itoa(nCdt), Sum: sum(tot.Credits)},
		TotalDbtNtries: camtNumberSum{NbOfNtries: strconv.Itoa(nDbt), Sum: sum(tot.Debits)},
	}

	st.Ntry = make([]camtEntry, len(s.Entries))
	for i, e := range s.Entries {
		st.Ntry[i] = camtEntryOf(e, cur)
	}
	return st
}

// camtAccountOf is a wallet's account: its id and currency, and its owner
// and servicer when they are not empty.
func camtAccountOf(wallet string, cur ingot.Currency, owner, servicer string) camtAccount {
	a := camtAccount{ID: camtAccountID{Othr: camtGenericID{ID: fit(wallet, max34)}}, Ccy: cur.Code}
	if owner != "" {
		a.Ownr = &camtParty{Nm: fit(owner, max140)}
	}
	if servicer != "" {
		a.Svcr = &camtAgent{FinInstnID: camtFinInstn{Nm: fit(servicer, max140)}}
	}
	return a
}

// camtEntryOf is a booked entry (ReportEntry10) of one transfer, as camt.053
// and camt.054 write it.
func camtEntryOf(e Entry, cur ingot.Currency) camtEntry {
	amt, ind := camtAmountOf(e.Amount, cur)
	ref := fit(e.TransferID, max35)
	at := camtDate{DtTm: stamp(e.At)}
	tx := camtTx{
		Refs:      camtRefs{AcctSvcrRef: ref, EndToEndID: "NOTPROVIDED"},
		Amt:       amt,
		CdtDbtInd: ind,
	}
	if e.Reference != "" {
		tx.Refs.EndToEndID = fit(e.Reference, max35)
		tx.RmtInf = &camtRemittance{Ustrd: fit(e.Reference, max140)}
	}
	if e.Fee != 0 {
		fee, _ := camtAmountOf(e.Fee, cur)
		tx.Chrgs = &camtCharges{Rcrd: camtChargeRecord{Amt: fee, ChrgInclInd: false, Br: "CRED"}}
	}
	if e.Counterparty != "" {
		acct := &camtCashAccount{ID: camtAccountID{Othr: counterpartyID(e.Counterparty)}}
		if e.Amount < 0 {
			tx.RltdPties = &camtParties{CdtrAcct: acct}
		} else {
			tx.RltdPties = &camtParties{DbtrAcct: acct}
		}
	}
	return camtEntry{
		NtryRef:     ref,
		Amt:         amt,
		CdtDbtInd:   ind,
		Sts:         camtStatus{Cd: "BOOK"},
		BookgDt:     at,
		ValDt:       at,
		AcctSvcrRef: ref,
		BkTxCd:      camtBankTxCode{Prtry: camtPrtryCode{Cd: fit(e.Type, max35)}},
		NtryDtls:    camtEntryDetails{TxDtls: tx},
	}
}

// camtBalanceOf is a booked balance of the given type (OPBD, CLBD) on a day.
func camtBalanceOf(code string, v int64, cur ingot.Currency, date string) camtBalance {
	amt, ind := camtAmountOf(v, cur)
	return camtBalance{Tp: camtBalanceType{CdOrPrtry: camtCode{Cd: code}}, Amt: amt, CdtDbtInd: ind, Dt: camtDate{Dt: date}}
}

// camtAmountOf is an amount as camt.053 writes it, a non-negative number
// in the currency, and its direction: CRDT for zero or more, DBIT below.
func camtAmountOf(v int64, cur ingot.Currency) (camtAmount, string) {
	s := ingot.FormatAmount(v, cur)
	if abs, ok := strings.CutPrefix(s, "-"); ok {
		return camtAmount{Ccy: cur.Code, Value: abs}, "DBIT"
	}
	return camtAmount{Ccy: cur.Code, Value: s}, "CRDT"
}

// counterpartyID is the account id of a counterparty: a wallet id or
// "issuance" as it is, "<kind>:<operator id>" as the operator id in the
// proprietary scheme <kind>.
func counterpartyID(cp string) camtGenericID {
	if kind, id, ok := strings.Cut(cp, ":"); ok && kind != "" && id != "" {
		return camtGenericID{ID: fit(id, max34), SchmeNm: &camtScheme{Prtry: fit(kind, max35)}}
	}
	return camtGenericID{ID: fit(cp, max34)}
}

// fit returns v in at most n characters: v itself when it fits, a UUID's
// 32 hex digits without its hyphens, or else v's first n characters.
func fit(v string, n int) string {
	if utf8.RuneCountInString(v) <= n {
		return v
	}
	if isUUID(v) && n >= 32 {
		return strings.ReplaceAll(v, "-", "")
	}
	for i := range v {
		if n == 0 {
			return v[:i]
		}
		n--
	}
	return v
}

// isUUID reports whether v is a UUID in its canonical text form,
// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx in hex digits.
func isUUID(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// The document's types follow the schema's, named after them in comments;
// their fields are the elements Ingot writes, in the order of the schema's
// sequences, which encoding/xml keeps. Choices are a struct with one field
// per alternative written, the others left empty.

// camtDocument is Document.
type camtDocument struct {
	XMLName   xml.Name          `xml:"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08 Document"`
	Statement camtBkToCstmrStmt `xml:"BkToCstmrStmt"`
}

// camtBkToCstmrStmt is BankToCustomerStatementV08.
type camtBkToCstmrStmt struct {
	GrpHdr camtGroupHeader `xml:"GrpHdr"`
	Stmt   camtStatement   `xml:"Stmt"`
}

// camtGroupHeader is GroupHeader81.
type camtGroupHeader struct {
	MsgID   string `xml:"MsgId"`
	CreDtTm string `xml:"CreDtTm"`
}

// camtStatement is AccountStatement9.
type camtStatement struct {
	ID        string        `xml:"Id"`
	CreDtTm   string        `xml:"CreDtTm"`
	FrToDt    camtPeriod    `xml:"FrToDt"`
	Acct      camtAccount   `xml:"Acct"`
	Bal       []camtBalance `xml:"Bal"`
	TxsSummry *camtSummary  `xml:"TxsSummry,omitempty"`
	Ntry      []camtEntry   `xml:"Ntry"`
}

// camtPeriod is DateTimePeriod1.
type camtPeriod struct {
	FrDtTm string `xml:"FrDtTm"`
	ToDtTm string `xml:"ToDtTm"`
}

// camtAccount is CashAccount39.
type camtAccount struct {
	ID   camtAccountID `xml:"Id"`
	Ccy  string        `xml:"Ccy"`
	Ownr *camtParty    `xml:"Ownr,omitempty"`
	Svcr *camtAgent    `xml:"Svcr,omitempty"`
}

// camtAccountID is AccountIdentification4Choice, always its Othr.
type camtAccountID struct {
	Othr camtGenericID `xml:"Othr"`
}

// camtGenericID is GenericAccountIdentification1.
type camtGenericID struct {
	ID      string      `xml:"Id"`
	SchmeNm *camtScheme `xml:"SchmeNm,omitempty"`
}

// camtScheme is AccountSchemeName1Choice, always its Prtry.
type camtScheme struct {
	Prtry string `xml:"Prtry"`
}

// camtParty is PartyIdentification135.
type camtParty struct {
	Nm string `xml:"Nm"`
}

// camtAgent is BranchAndFinancialInstitutionIdentification6.
type camtAgent struct {
	FinInstnID camtFinInstn `xml:"FinInstnId"`
}

// camtFinInstn is FinancialInstitutionIdentification18.
type camtFinInstn struct {
	Nm string `xml:"Nm"`
}

// camtBalance is CashBalance8.
type camtBalance struct {
	Tp        camtBalanceType `xml:"Tp"`
	Amt       camtAmount      `xml:"Amt"`
	CdtDbtInd string          `xml:"CdtDbtInd"`
	Dt        camtDate        `xml:"Dt"`
}

// camtBalanceType is BalanceType13.
type camtBalanceType struct {
	CdOrPrtry camtCode `xml:"CdOrPrtry"`
}

// camtCode is BalanceType10Choice, always its Cd.
type camtCode struct {
	Cd string `xml:"Cd"`
}

// camtDate is DateAndDateTime2Choice.
type camtDate struct {
	Dt   string `xml:"Dt,omitempty"`
	DtTm string `xml:"DtTm,omitempty"`
}

// camtAmount is ActiveOrHistoricCurrencyAndAmount.
type camtAmount struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

// camtSummary is TotalTransactions6.
type camtSummary struct {
	TotalNtries    camtNumberSumNet `xml:"TtlNtries"`
	TotalCdtNtries camtNumberSum    `xml:"TtlCdtNtries"`
	TotalDbtNtries camtNumberSum    `xml:"TtlDbtNtries"`
}

// camtNumberSumNet is NumberAndSumOfTransactions4.
type camtNumberSumNet struct {
	NbOfNtries   string  `xml:"NbOfNtries"`
	Sum          string  `xml:"Sum"`
	TotalNetNtry camtNet `xml:"TtlNetNtry"`
}

// camtNet is AmountAndDirection35.
type camtNet struct {
	Amt       string `xml:"Amt"`
	CdtDbtInd string `xml:"CdtDbtInd"`
}

// camtNumberSum is NumberAndSumOfTransactions1.
type camtNumberSum struct {
	NbOfNtries string `xml:"NbOfNtries"`
	Sum        string `xml:"Sum"`
}

// camtEntry is ReportEntry10.
type camtEntry struct {
	NtryRef     string           `xml:"NtryRef,omitempty"`
	Amt         camtAmount       `xml:"Amt"`
	CdtDbtInd   string           `xml:"CdtDbtInd"`
	Sts         camtStatus       `xml:"Sts"`
	BookgDt     camtDate         `xml:"BookgDt"`
	ValDt       camtDate         `xml:"ValDt"`
	AcctSvcrRef string           `xml:"AcctSvcrRef,omitempty"`
	BkTxCd      camtBankTxCode   `xml:"BkTxCd"`
	NtryDtls    camtEntryDetails `xml:"NtryDtls"`
}

// camtStatus is EntryStatus1Choice, always its Cd.
type camtStatus struct {
	Cd string `xml:"Cd"`
}

// camtBankTxCode is BankTransactionCodeStructure4, always its Prtry.
type camtBankTxCode struct {
	Prtry camtPrtryCode `xml:"Prtry"`
}

// camtPrtryCode is ProprietaryBankTransactionCodeStructure1.
type camtPrtryCode struct {
	Cd string `xml:"Cd"`
}

// camtEntryDetails is EntryDetails9, with one transaction.
type camtEntryDetails struct {
	TxDtls camtTx `xml:"TxDtls"`
}

// camtTx is EntryTransaction10.
type camtTx struct {
	Refs      camtRefs        `xml:"Refs"`
	Amt       camtAmount      `xml:"Amt"`
	CdtDbtInd string          `xml:"CdtDbtInd"`
	Chrgs     *camtCharges    `xml:"Chrgs,omitempty"`
	RltdPties *camtParties    `xml:"RltdPties,omitempty"`
	RmtInf    *camtRemittance `xml:"RmtInf,omitempty"`
}

// camtRefs is TransactionReferences6.
type camtRefs struct {
	AcctSvcrRef string `xml:"AcctSvcrRef,omitempty"`
	EndToEndID  string `xml:"EndToEndId"`
}

// camtCharges is Charges6, with one record.
type camtCharges struct {
	Rcrd camtChargeRecord `xml:"Rcrd"`
}

// camtChargeRecord is ChargesRecord3.
type camtChargeRecord struct {
	Amt         camtAmount `xml:"Amt"`
	ChrgInclInd bool       `xml:"ChrgInclInd"`
	Br          string     `xml:"Br"`
}

// camtParties is TransactionParties6: the counterparty's account.
type camtParties struct {
	DbtrAcct *camtCashAccount `xml:"DbtrAcct,omitempty"`
	CdtrAcct *camtCashAccount `xml:"CdtrAcct,omitempty"`
}

// camtCashAccount is CashAccount38.
type camtCashAccount struct {
	ID camtAccountID `xml:"Id"`
}

// camtRemittance is RemittanceInformation16, with one Ustrd.
type camtRemittance struct {
	Ustrd string `xml:"Ustrd"`
}
