// Package statement is a wallet's daily account statement and its
// encodings.
//
// A [Statement] is one wallet's account of one day in the operator's time
// zone: the balance when the day began (Opening), every transfer of the day
// as the wallet saw it (an [Entry], credits positive, debits negative, in
// time order) and the balance when the day ended (Closing), so that Opening
// plus the entries' amounts is Closing. [Statement.Check] refuses a
// statement that does not add up: such a statement is a defect to report,
// never a document to send. [Statement.Totals] adds up the day's credits,
// debits and fees.
//
// A statement is rendered in three formats, all from the same Statement and
// with the same amounts (decimal strings in the currency's major unit, from
// [ingot.FormatAmount]; never floats) and times (RFC 3339 in UTC, to the
// nanosecond the clock gave, trailing zeros dropped):
//
//   - JSON, by the HTTP layer from Statement and Totals;
//   - CSV, one row per entry, for spreadsheets ([WriteCSV]);
//   - ISO 20022 camt.053.001.08, the bank-to-customer statement that
//     accounting software and banks read ([WriteCAMT053]).
//
// The package does no I/O of its own: the writers write to the io.Writer
// they are given, and both refuse a statement that [Statement.Check] refuses.
package statement

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Statement is one wallet's statement for one day in the operator's time zone.
type Statement struct {
	Wallet   string         // 16-digit wallet id
	Owner    string         // the holder's masked name, for camt.053 Acct/Ownr (may be "")
	Servicer string         // the operator's name, for camt.053 Acct/Svcr (may be "")
	Date     string         // YYYY-MM-DD
	From, To time.Time      // the day's bounds [From, To), in the zone
	Currency ingot.Currency // the wallet's currency
	Opening  int64          // the balance at From, in minor units
	Closing  int64          // the balance at To, in minor units
	Entries  []Entry        // the day's transfers, in time order
	Created  time.Time      // when the statement was made
}

// Entry is one transfer of the day, as the wallet sees it.
type Entry struct {
	At         time.Time
	TransferID string
	// Type is the transfer's kind: payment, capture, fee, payment_refund,
	// fee_refund, topup, withdrawal, ...
	Type string
	// Amount is signed for the wallet: credits positive, debits negative.
	Amount int64
	// Fee is a merchant payment's fee, for information: the fee itself is
	// an entry of its own, of type "fee".
	Fee int64
	// Counterparty is the other side: a 16-digit wallet id,
	// "reserve:<operator id>", "fee:<operator id>" or "issuance".
	Counterparty string
	// Reference is the merchant's reference, or the memo.
	Reference string
}

// Totals add up a statement's entries. Credits is the sum of the positive
// amounts, Debits the sum of the absolute values of the negative ones, so
// that Opening + Credits - Debits = Closing. Fees is what the wallet paid in
// fees net of refunded fees: the entries of type "fee" minus those of type
// "fee_refund", positive when the wallet paid.
type Totals struct{ Credits, Debits, Fees int64 }

// Totals adds up the statement's entries. Its sums are exact for any
// statement that [Statement.Check] accepts.
func (s *Statement) Totals() Totals {
	var t Totals
	for _, e := range s.Entries {
		if e.Amount > 0 {
			t.Credits += e.Amount
		} else {
			t.Debits -= e.Amount
		}
		if e.Type == string(ingot.KindFee) || e.Type == string(ingot.KindFeeRefund) {
			// A fee is a debit (negative), a fee refund a credit.
			t.Fees -= e.Amount
		}
	}
	return t
}

// Check reports an error when the statement does not add up: when Opening
// plus the entries' amounts is not Closing, when the entries are not in
// time order (entries at the same instant are in order), when an entry lies
// outside the day [From, To), or when its sums (the balance, the credits,
// the debits, the credits and debits together) overflow. A statement that
// does not add up is never sent.
func (s *Statement) Check() error {
	if !s.To.After(s.From) {
		return fmt.Errorf("statement of wallet %s on %s: the day ends (%s) before it begins (%s)",
			s.Wallet, s.Date, stamp(s.To), stamp(s.From))
	}
	bal, credits, debits := s.Opening, int64(0), int64(0)
	for i, e := range s.Entries {
		if e.At.Before(s.From) || !e.At.Before(s.To) {
			return fmt.Errorf("statement of wallet %s on %s: entry %d (transfer %s) at %s is outside the day [%s, %s)",
				s.Wallet, s.Date, i, e.TransferID, stamp(e.At), stamp(s.From), stamp(s.To))
		}
		if i > 0 && e.At.Before(s.Entries[i-1].At) {
			return fmt.Errorf("statement of wallet %s on %s: entry %d (transfer %s) at %s is before the entry before it, at %s",
				s.Wallet, s.Date, i, e.TransferID, stamp(e.At), stamp(s.Entries[i-1].At))
		}
		var ok1, ok2 bool
		bal, ok1 = add(bal, e.Amount)
		if e.Amount > 0 {
			credits, ok2 = add(credits, e.Amount)
		} else {
			debits, ok2 = add(debits, -e.Amount)
		}
		if !ok1 || !ok2 || e.Amount == math.MinInt64 {
			return fmt.Errorf("statement of wallet %s on %s: the amounts overflow at entry %d (transfer %s)",
				s.Wallet, s.Date, i, e.TransferID)
		}
	}
	if _, ok := add(credits, debits); !ok {
		return fmt.Errorf("statement of wallet %s on %s: the credits and debits overflow together", s.Wallet, s.Date)
	}
	if bal != s.Closing {
		return fmt.Errorf("statement of wallet %s on %s: opening %s plus the entries is %s, not the closing %s",
			s.Wallet, s.Date, ingot.FormatAmount(s.Opening, s.Currency), ingot.FormatAmount(bal, s.Currency),
			ingot.FormatAmount(s.Closing, s.Currency))
	}
	return nil
}

// errNil is the writers' answer to a nil statement.
var errNil = errors.New("statement: no statement")

// check is the writers' guard: a statement that is nil or does not add up
// is not encoded.
func (s *Statement) check() error {
	if s == nil {
		return errNil
	}
	return s.Check()
}

// add returns a+b and whether it did not overflow.
func add(a, b int64) (int64, bool) {
	c := a + b
	return c, (c > a) == (b > 0)
}

// stamp is how every time of a statement is written: RFC 3339 in UTC, with
// the fraction of a second the time has (none when it has none).
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
