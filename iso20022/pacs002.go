package iso20022

import (
	"encoding/xml"
	"io"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Transaction and group statuses (ExternalPaymentTransactionStatus1Code and
// ExternalPaymentGroupStatus1Code).
const (
	Accepted = "ACCP" // accepted: settled in Ingot
	Rejected = "RJCT"
	Partial  = "PART" // a group some of whose transactions were rejected
)

// Pacs002 is a payment status report answering a pacs.008.
type Pacs002 struct {
	MsgID       string
	Created     time.Time
	OrgnlMsgID  string
	GroupStatus string // ACCP, RJCT or PART
	Txs         []TxStatus
}

// TxStatus is one transaction's status: Reason an ExternalStatusReason1Code
// when rejected, with Ingot's detail as AddtlInf.
type TxStatus struct {
	OrgnlInstrID    string
	OrgnlEndToEndID string
	OrgnlUETR       string
	Status          string // ACCP or RJCT
	Reason          string
	Info            string
	TransferID      string // Ingot's transfer (AcctSvcrRef), when accepted
}

type pacs002Doc struct {
	XMLName xml.Name        `xml:"urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10 Document"`
	Report  fiToFIPmtStsRpt `xml:"FIToFIPmtStsRpt"`
}

type fiToFIPmtStsRpt struct {
	GrpHdr struct {
		MsgID   string `xml:"MsgId"`
		CreDtTm string `xml:"CreDtTm"`
	} `xml:"GrpHdr"`
	OrgnlGrpInfAndSts struct {
		OrgnlMsgID   string `xml:"OrgnlMsgId"`
		OrgnlMsgNmID string `xml:"OrgnlMsgNmId"`
		GrpSts       string `xml:"GrpSts,omitempty"`
	} `xml:"OrgnlGrpInfAndSts"`
	TxInfAndSts []txInfAndSts `xml:"TxInfAndSts"`
}

type txInfAndSts struct {
	OrgnlInstrID    string     `xml:"OrgnlInstrId,omitempty"`
	OrgnlEndToEndID string     `xml:"OrgnlEndToEndId"`
	OrgnlUETR       string     `xml:"OrgnlUETR,omitempty"`
	TxSts           string     `xml:"TxSts"`
	StsRsnInf       *stsRsnInf `xml:"StsRsnInf,omitempty"`
	AcctSvcrRef     string     `xml:"AcctSvcrRef,omitempty"`
}

type stsRsnInf struct {
	Rsn struct {
		Cd string `xml:"Cd"`
	} `xml:"Rsn"`
	AddtlInf string `xml:"AddtlInf,omitempty"`
}

// WritePacs002 writes r as a pacs.002.001.10 document.
func WritePacs002(w io.Writer, r *Pacs002) error {
	var doc pacs002Doc
	rep := &doc.Report
	rep.GrpHdr.MsgID, rep.GrpHdr.CreDtTm = fit(r.MsgID, 35), stamp(r.Created)
	rep.OrgnlGrpInfAndSts.OrgnlMsgID, rep.OrgnlGrpInfAndSts.OrgnlMsgNmID = fit(r.OrgnlMsgID, 35), Pacs008Name
	rep.OrgnlGrpInfAndSts.GrpSts = r.GroupStatus
	for _, t := range r.Txs {
		x := txInfAndSts{OrgnlInstrID: t.OrgnlInstrID, OrgnlEndToEndID: orNotProvided(t.OrgnlEndToEndID), OrgnlUETR: t.OrgnlUETR,
			TxSts: t.Status, AcctSvcrRef: fit(hexID(t.TransferID), 35)}
		if t.Status == Rejected {
			x.StsRsnInf = &stsRsnInf{AddtlInf: fit(t.Info, 105)}
			x.StsRsnInf.Rsn.Cd = t.Reason
		}
		rep.TxInfAndSts = append(rep.TxInfAndSts, x)
	}
	return writeDoc(w, doc)
}

// ReadPacs002 reads a pacs.002.001.10 document (for tests and clients).
func ReadPacs002(rd io.Reader) (*Pacs002, error) {
	var doc pacs002Doc
	dec := xml.NewDecoder(io.LimitReader(rd, MaxMessageBytes+1))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		return nil, invalid("not a pacs.002.001.10 document: %v", err)
	}
	rep := doc.Report
	created, _ := time.Parse(time.RFC3339Nano, rep.GrpHdr.CreDtTm)
	out := &Pacs002{MsgID: rep.GrpHdr.MsgID, Created: created, OrgnlMsgID: rep.OrgnlGrpInfAndSts.OrgnlMsgID,
		GroupStatus: rep.OrgnlGrpInfAndSts.GrpSts}
	for _, x := range rep.TxInfAndSts {
		t := TxStatus{OrgnlInstrID: x.OrgnlInstrID, OrgnlEndToEndID: x.OrgnlEndToEndID, OrgnlUETR: x.OrgnlUETR, Status: x.TxSts, TransferID: x.AcctSvcrRef}
		if x.StsRsnInf != nil {
			t.Reason, t.Info = x.StsRsnInf.Rsn.Cd, x.StsRsnInf.AddtlInf
		}
		out.Txs = append(out.Txs, t)
	}
	return out, nil
}

// hexID writes a UUID (36 characters) as its 32 hex digits, to fit
// Max35Text; other ids are kept.
func hexID(id string) string {
	if len(id) == 36 && id[8] == '-' && id[13] == '-' && id[18] == '-' && id[23] == '-' {
		return id[:8] + id[9:13] + id[14:18] + id[19:23] + id[24:]
	}
	return id
}

// reasons maps Ingot's error codes to ExternalStatusReason1Code.
var reasons = map[string]string{
	ingot.CodeInsufficientFunds: "AM04", // insufficient funds
	ingot.CodeWalletClosed:      "AC04", // closed account number
	ingot.CodeWalletFrozen:      "AC06", // blocked account
	ingot.CodeNotFound:          "AC01", // incorrect account number
	ingot.CodeInvalidWalletID:   "AC01",
	ingot.CodeForbidden:         "AG01", // transaction forbidden
	ingot.CodeRiskDenied:        "AG01",
	ingot.CodeSCARequired:       "AG01",
	ingot.CodeLimitExceeded:     "AM02", // not allowed amount
	ingot.CodeInvalidAmount:     "AM12", // invalid amount
	ingot.CodeBalanceOverflow:   "AM02",
	ingot.CodeCurrencyMismatch:  "AM11", // invalid transaction currency
	ingot.CodeInvalidCurrency:   "AM11",
	ingot.CodeSameAccount:       "AC01",
	// Cross-border rules (crossborder.go).
	ingot.CodeCrossBorderNotAllowed: "AG01",
	ingot.CodeCorridorLimitExceeded: "AM02",
	ingot.CodePurposeRequired:       "RR04", // regulatory reason
}

// Reason is the ExternalStatusReason1Code for an Ingot error code: NARR
// (narrative: see AddtlInf) for a code without a closer one.
func Reason(code string) string {
	if r, ok := reasons[code]; ok {
		return r
	}
	return "NARR"
}
