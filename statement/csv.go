package statement

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/ingot-cbdc/ingot"
)

// CSVHeader is the header row of a CSV statement: its columns, in order.
const CSVHeader = "at,transfer_id,type,amount,fee,counterparty,reference"

// WriteCSV writes the statement's entries as CSV (RFC 4180: comma-separated,
// CRLF line ends, fields quoted where they need it, UTF-8 without a byte
// order mark): the header row [CSVHeader], then one row per entry.
//
// at is the entry's time, RFC 3339 in UTC. amount is signed as in the
// statement (credits positive, debits negative) and fee is the payment's
// fee ("0.00" when none), both decimal strings in the currency's major
// unit. The opening and closing balances are not in the file: they are in
// the JSON and camt.053 statements.
//
// Text fields (transfer_id, type, counterparty, reference) are protected
// against formula injection: a value that starts with =, +, -, @, a tab or
// a carriage return, which a spreadsheet could run as a formula, is written
// with a leading single quote ("=HYPERLINK(...)" becomes "'=HYPERLINK(...)").
// amount and fee are numbers, not text, and keep their minus sign. A line
// break in a text field (a memo's) is written as CRLF inside the quoted
// field, whichever of CRLF, CR or LF it was.
//
// WriteCSV writes nothing and returns [Statement.Check]'s error for a
// statement that does not add up.
func WriteCSV(w io.Writer, s *Statement) error {
	if err := s.check(); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	header := strings.Split(CSVHeader, ",")
	if err := cw.Write(header); err != nil {
		return err
	}
	row := make([]string, len(header))
	for _, e := range s.Entries {
		row[0] = stamp(e.At)
		row[1] = text(e.TransferID)
		row[2] = text(e.Type)
		row[3] = ingot.FormatAmount(e.Amount, s.Currency)
		row[4] = ingot.FormatAmount(e.Fee, s.Currency)
		row[5] = text(e.Counterparty)
		row[6] = text(e.Reference)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// text protects a text field of a CSV row from formula injection (OWASP,
// "CSV Injection"): a leading single quote before a value a spreadsheet
// would read as a formula. It also writes every line break in the value
// (CRLF, CR or LF) as LF, which the CSV writer then writes as CRLF: the
// writer would drop a lone CR.
func text(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
		v = "'" + v
	}
	if strings.Contains(v, "\r") {
		v = strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n")
	}
	return v
}
