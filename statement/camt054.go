package statement

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// CAMT054Namespace is the XML namespace of the documents WriteCAMT054
// writes: ISO 20022 BankToCustomerDebitCreditNotificationV08.
const CAMT054Namespace = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"

// Notification is one credit to a wallet, as a camt.054 notifies it.
type Notification struct {
	Wallet   string         // 16-digit wallet id
	Owner    string         // the holder's masked name (may be "")
	Servicer string         // the operator's name (may be "")
	Currency ingot.Currency // the wallet's currency
	Entry    Entry          // the credit: Amount > 0
	Created  time.Time      // when the notification was made
}

// WriteCAMT054 writes an ISO 20022 camt.054.001.08 BkToCstmrDbtCdtNtfctn
// document: a group header and one notification (Ntfctn) of the wallet's
// account with the one booked credit entry (Ntry), written as camt.053
// writes its entries (WriteCAMT053).
//
//   - GrpHdr/MsgId and Ntfctn/Id: "NTF<transfer id as 32 hex digits>" (35 characters), so
//     that the same credit is always the same notification; CreDtTm:
//     Created.
//   - Acct as in camt.053: the wallet id, Ccy, Ownr/Nm and Svcr/FinInstnId/Nm
//     when not empty.
//
// It writes nothing for a notification that is not of a credit in the
// wallet's currency.
func WriteCAMT054(w io.Writer, n *Notification) error {
	if n.Entry.Amount <= 0 {
		return fmt.Errorf("statement: a camt.054 notifies a credit; the amount is %d", n.Entry.Amount)
	}
	if n.Currency.Code == "" || n.Wallet == "" || n.Entry.TransferID == "" {
		return fmt.Errorf("statement: a camt.054 needs the wallet, its currency and the transfer")
	}
	id := fit("NTF"+fit(n.Entry.TransferID, 32), max35)
	return writeXML(w, camt054Document{Notification: camt054BkToCstmrDbtCdtNtfctn{
		GrpHdr: camtGroupHeader{MsgID: id, CreDtTm: stamp(n.Created)},
		Ntfctn: camt054Notification{
			ID:      id,
			CreDtTm: stamp(n.Created),
			Acct:    camtAccountOf(n.Wallet, n.Currency, n.Owner, n.Servicer),
			Ntry:    []camtEntry{camtEntryOf(n.Entry, n.Currency)},
		},
	}})
}

// camt054Document is camt.054's Document.
type camt054Document struct {
	XMLName      xml.Name                     `xml:"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08 Document"`
	Notification camt054BkToCstmrDbtCdtNtfctn `xml:"BkToCstmrDbtCdtNtfctn"`
}

// camt054BkToCstmrDbtCdtNtfctn is BankToCustomerDebitCreditNotificationV08.
type camt054BkToCstmrDbtCdtNtfctn struct {
	GrpHdr camtGroupHeader     `xml:"GrpHdr"`
	Ntfctn camt054Notification `xml:"Ntfctn"`
}

// camt054Notification is AccountNotification17: the elements Ingot writes,
// in the schema's order (Id, CreDtTm, Acct, Ntry).
type camt054Notification struct {
	ID      string      `xml:"Id"`
	CreDtTm string      `xml:"CreDtTm"`
	Acct    camtAccount `xml:"Acct"`
	Ntry    []camtEntry `xml:"Ntry"`
}
