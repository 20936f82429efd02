// Package iso20022 writes and reads the ISO 20022 interbank messages Ingot
// speaks (docs/cross-border.md): pacs.008.001.08 FIToFICustomerCreditTransfer
// (a transfer out, payments in) and pacs.002.001.10 FIToFIPaymentStatusReport
// (the answer to payments in). It does no I/O beyond the reader and writer
// it is given, and knows nothing of the ledger: the API maps transfers to
// [CreditTransfer] and back.
//
// Only the elements Ingot fills are modelled; a message in may carry others
// (encoding/xml skips them), but what Ingot reads is checked: the
// namespace, one group header, NbOfTxs equal to the transactions, amounts
// with at most the currency's decimals, identifiers of at most 35
// characters.
package iso20022

import (
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ingot-cbdc/ingot"
)

// Namespaces of the messages.
const (
	Pacs008Namespace = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"
	Pacs002Namespace = "urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10"
	Pacs008Name      = "pacs.008.001.08" // OrgnlMsgNmId in a pacs.002
)

// Limits of what ReadPacs008 accepts.
const (
	MaxTransactions = 1000    // CdtTrfTxInf per message
	MaxMessageBytes = 4 << 20 // the document
)

// Pacs008 is a credit transfer message: a group header and its
// transactions.
type Pacs008 struct {
	MsgID   string
	Created time.Time
	Txs     []CreditTransfer
}

// CreditTransfer is one CdtTrfTxInf. Accounts are wallet ids (Othr/Id),
// agents operators' codes (ClrSysMmbId/MmbId).
type CreditTransfer struct {
	InstrID, EndToEndID, UETR string
	Amount                    int64 // minor units of Currency
	Currency                  string
	SettlementDate            time.Time // a day, UTC
	DebtorName                string    // masked, or empty
	DebtorAccount             string
	DebtorAgent               string
	CreditorName              string
	CreditorAccount           string
	CreditorAgent             string
	Remittance                string // RmtInf/Ustrd, at most 140 characters
	Purpose                   string // Purp/Cd, ExternalPurpose1Code (4 characters), or empty
}

// UETR is the unique end-to-end transaction reference of an Ingot transfer:
// a UUID version 4 made from the SHA-256 of its id, so that it stays the
// same every time the transfer is written.
func UETR(transferID string) string {
	h := sha256.Sum256([]byte("ingot uetr\x00" + transferID))
	h[6] = h[6]&0x0f | 0x40 // version 4
	h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
	const hexd = "0123456789abcdef"
	var b strings.Builder
	for i, c := range h[:16] {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b.WriteByte('-')
		}
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}

// ---- the XML shapes ----

type pacs008Doc struct {
	XMLName xml.Name      `xml:"urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08 Document"`
	Msg     fiToFICstmrCT `xml:"FIToFICstmrCdtTrf"`
}

type fiToFICstmrCT struct {
	GrpHdr groupHeader93 `xml:"GrpHdr"`
	Txs    []cdtTrfTxInf `xml:"CdtTrfTxInf"`
}

type groupHeader93 struct {
	MsgID    string   `xml:"MsgId"`
	CreDtTm  string   `xml:"CreDtTm"`
	NbOfTxs  string   `xml:"NbOfTxs"`
	SttlmInf sttlmInf `xml:"SttlmInf"`
}

type sttlmInf struct {
	SttlmMtd string `xml:"SttlmMtd"`
}

type amount struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

type cdtTrfTxInf struct {
	PmtID          pmtID    `xml:"PmtId"`
	IntrBkSttlmAmt amount   `xml:"IntrBkSttlmAmt"`
	IntrBkSttlmDt  string   `xml:"IntrBkSttlmDt"`
	ChrgBr         string   `xml:"ChrgBr"`
	Dbtr           party    `xml:"Dbtr"`
	DbtrAcct       account  `xml:"DbtrAcct"`
	DbtrAgt        agent    `xml:"DbtrAgt"`
	CdtrAgt        agent    `xml:"CdtrAgt"`
	Cdtr           party    `xml:"Cdtr"`
	CdtrAcct       account  `xml:"CdtrAcct"`
	Purp           *purpose `xml:"Purp,omitempty"`
	RmtInf         *rmtInf  `xml:"RmtInf,omitempty"`
}

type pmtID struct {
	InstrID    string `xml:"InstrId,omitempty"`
	EndToEndID string `xml:"EndToEndId"`
	UETR       string `xml:"UETR,omitempty"`
}

type party struct {
	Nm string `xml:"Nm,omitempty"`
}

type account struct {
	ID struct {
		Othr struct {
			ID string `xml:"Id"`
		} `xml:"Othr"`
	} `xml:"Id"`
}

type agent struct {
	FinInstnID struct {
		ClrSysMmbID struct {
			MmbID string `xml:"MmbId"`
		} `xml:"ClrSysMmbId"`
	} `xml:"FinInstnId"`
}

type purpose struct {
	Cd string `xml:"Cd"`
}

type rmtInf struct {
	Ustrd string `xml:"Ustrd"`
}

func accountOf(id string) account {
	var a account
	a.ID.Othr.ID = id
	return a
}

func agentOf(code string) agent {
	var a agent
	a.FinInstnID.ClrSysMmbID.MmbID = code
	return a
}

// WritePacs008 writes m as a pacs.008.001.08 document, settlement method
// CLRG (Ingot is the clearing system), charges SLEV.
func WritePacs008(w io.Writer, m *Pacs008) error {
	doc := pacs008Doc{Msg: fiToFICstmrCT{GrpHdr: groupHeader93{MsgID: fit(m.MsgID, 35), CreDtTm: stamp(m.Created),
		NbOfTxs: strconv.Itoa(len(m.Txs)), SttlmInf: sttlmInf{SttlmMtd: "CLRG"}}}}
	for _, t := range m.Txs {
		cur, err := ingot.LookupCurrency(t.Currency)
		if err != nil {
			return err
		}
		tx := cdtTrfTxInf{
			PmtID:          pmtID{InstrID: fit(t.InstrID, 35), EndToEndID: fit(orNotProvided(t.EndToEndID), 35), UETR: t.UETR},
			IntrBkSttlmAmt: amount{Ccy: t.Currency, Value: ingot.FormatAmount(t.Amount, cur)},
			IntrBkSttlmDt:  t.SettlementDate.UTC().Format(time.DateOnly),
			ChrgBr:         "SLEV",
			Dbtr:           party{Nm: fit(t.DebtorName, 140)}, DbtrAcct: accountOf(t.DebtorAccount), DbtrAgt: agentOf(fit(t.DebtorAgent, 35)),
			CdtrAgt: agentOf(fit(t.CreditorAgent, 35)), Cdtr: party{Nm: fit(t.CreditorName, 140)}, CdtrAcct: accountOf(t.CreditorAccount),
		}
		if t.Purpose != "" {
			tx.Purp = &purpose{Cd: t.Purpose}
		}
		if t.Remittance != "" {
			tx.RmtInf = &rmtInf{Ustrd: fit(t.Remittance, 140)}
		}
		doc.Msg.Txs = append(doc.Msg.Txs, tx)
	}
	return writeDoc(w, doc)
}

// ReadPacs008 reads and checks a pacs.008.001.08 document of at most
// MaxTransactions transactions. Errors are *ingot.Error invalid_request
// naming what is wrong.
func ReadPacs008(r io.Reader) (*Pacs008, error) {
	var doc pacs008Doc
	dec := xml.NewDecoder(io.LimitReader(r, MaxMessageBytes+1))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		return nil, invalid("not a pacs.008.001.08 document (namespace %s): %v", Pacs008Namespace, err)
	}
	h := doc.Msg.GrpHdr
	m := &Pacs008{MsgID: h.MsgID}
	if err := checkID("GrpHdr/MsgId", h.MsgID, true); err != nil {
		return nil, err
	}
	created, err := time.Parse(time.RFC3339Nano, h.CreDtTm)
	if err != nil {
		return nil, invalid("GrpHdr/CreDtTm %q is not an ISO date-time with its offset", h.CreDtTm)
	}
	m.Created = created
	n := len(doc.Msg.Txs)
	if n == 0 || n > MaxTransactions {
		return nil, invalid("the message has %d CdtTrfTxInf; it needs 1 to %d", n, MaxTransactions)
	}
	if h.NbOfTxs != strconv.Itoa(n) {
		return nil, invalid("GrpHdr/NbOfTxs is %q, but the message has %d CdtTrfTxInf", h.NbOfTxs, n)
	}
	if h.SttlmInf.SttlmMtd != "" && h.SttlmInf.SttlmMtd != "CLRG" {
		return nil, invalid("GrpHdr/SttlmInf/SttlmMtd %q: Ingot settles CLRG only", h.SttlmInf.SttlmMtd)
	}
	seen := map[string]bool{}
	for i, x := range doc.Msg.Txs {
		at := fmt.Sprintf("CdtTrfTxInf[%d]", i)
		t := CreditTransfer{InstrID: x.PmtID.InstrID, EndToEndID: x.PmtID.EndToEndID, UETR: x.PmtID.UETR,
			Currency: x.IntrBkSttlmAmt.Ccy, DebtorName: x.Dbtr.Nm, DebtorAccount: x.DbtrAcct.ID.Othr.ID,
			DebtorAgent: x.DbtrAgt.FinInstnID.ClrSysMmbID.MmbID, CreditorName: x.Cdtr.Nm, CreditorAccount: x.CdtrAcct.ID.Othr.ID,
			CreditorAgent: x.CdtrAgt.FinInstnID.ClrSysMmbID.MmbID}
		if err := checkID(at+"/PmtId/EndToEndId", t.EndToEndID, true); err != nil {
			return nil, err
		}
		if err := checkID(at+"/PmtId/InstrId", t.InstrID, false); err != nil {
			return nil, err
		}
		if seen[t.EndToEndID] && t.EndToEndID != "NOTPROVIDED" {
			return nil, invalid("%s/PmtId/EndToEndId %q repeats an earlier transaction's", at, t.EndToEndID)
		}
		seen[t.EndToEndID] = true
		cur, err := ingot.LookupCurrency(t.Currency)
		if err != nil {
			return nil, invalid("%s/IntrBkSttlmAmt/@Ccy: %v", at, ingot.AsError(err).Detail)
		}
		if t.Amount, err = ingot.ParseAmount(strings.TrimSpace(x.IntrBkSttlmAmt.Value), cur); err != nil {
			return nil, invalid("%s/IntrBkSttlmAmt: %v", at, ingot.AsError(err).Detail)
		}
		if x.IntrBkSttlmDt != "" {
			if t.SettlementDate, err = time.Parse(time.DateOnly, x.IntrBkSttlmDt); err != nil {
				return nil, invalid("%s/IntrBkSttlmDt %q is not a date", at, x.IntrBkSttlmDt)
			}
		}
		if t.DebtorAccount == "" || t.CreditorAccount == "" {
			return nil, invalid("%s needs DbtrAcct/Id/Othr/Id and CdtrAcct/Id/Othr/Id (wallet ids)", at)
		}
		if x.Purp != nil {
			t.Purpose = x.Purp.Cd
			if len(t.Purpose) < 1 || len(t.Purpose) > 4 {
				return nil, invalid("%s/Purp/Cd %q is not an ExternalPurpose1Code (1 to 4 characters)", at, t.Purpose)
			}
		}
		if x.RmtInf != nil {
			t.Remittance = x.RmtInf.Ustrd
			if utf8.RuneCountInString(t.Remittance) > 140 {
				return nil, invalid("%s/RmtInf/Ustrd is longer than 140 characters", at)
			}
		}
		m.Txs = append(m.Txs, t)
	}
	return m, nil
}

func invalid(format string, args ...any) error {
	return ingot.Errorf(ingot.CodeInvalidRequest, format, args...)
}

// checkID checks a Max35Text identifier.
func checkID(at, v string, required bool) error {
	switch {
	case v == "" && required:
		return invalid("%s is missing", at)
	case utf8.RuneCountInString(v) > 35:
		return invalid("%s is longer than 35 characters", at)
	case strings.TrimSpace(v) != v:
		return invalid("%s has leading or trailing spaces", at)
	}
	return nil
}

func orNotProvided(s string) string {
	if s == "" {
		return "NOTPROVIDED"
	}
	return s
}

// fit cuts s to at most n characters (at a character boundary).
func fit(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

func writeDoc(w io.Writer, doc any) error {
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
