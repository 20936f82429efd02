package statement

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestWriteCSV(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteCSV(&b, sample()); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"at,transfer_id,type,amount,fee,counterparty,reference",
		`2026-11-28T02:15:30.123456Z,01a21aa0-2a87-7ccb-9e8a-6a2f16e99016,payment,38.00,0.23,6200000000000018,"Order 17, table 4"`,
		`2026-11-28T02:15:30.123456Z,01a21aa0-2a87-7ccb-9e8a-6a2f16e99017,fee,-0.23,0.00,fee:01a21a9f-dda8-78ae-8bdd-8f1d7f0848f1,"Order 17, table 4"`,
		`2026-11-28T06:02:00Z,01a21aa1-0000-7000-8000-000000000001,payment_refund,-10.00,0.00,6200000000000018,"'=HYPERLINK(""http://evil.example"",""refund"")"`,
		`2026-11-28T06:02:00Z,01a21aa1-0000-7000-8000-000000000002,fee_refund,0.06,0.00,fee:01a21a9f-dda8-78ae-8bdd-8f1d7f0848f1,'+6 back`,
		`2026-11-28T15:59:59.999999999Z,01a21aa2-0000-7000-8000-000000000003,withdrawal,-50.00,0.00,reserve:01a21a9f-dda8-78ae-8bdd-8f1d7f0848f1,`,
		"",
	}, "\r\n")
	if got := b.String(); got != want {
		t.Fatalf("WriteCSV:\n%s\nwant:\n%s", got, want)
	}

	// Read back by a CSV reader: the header, one row per entry, the
	// reference with its comma in one field.
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 || strings.Join(rows[0], ",") != CSVHeader || rows[1][6] != "Order 17, table 4" || rows[3][3] != "-10.00" {
		t.Fatalf("read back: %q", rows)
	}
}

func TestWriteCSVEmptyDay(t *testing.T) {
	t.Parallel()
	s := sample()
	s.Entries, s.Closing = nil, s.Opening
	var b bytes.Buffer
	if err := WriteCSV(&b, s); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != CSVHeader+"\r\n" {
		t.Fatalf("an empty day: %q", got)
	}
}

// TestCSVText: every text field that a spreadsheet could take for a formula
// gets a leading quote, the others are left alone, and what a CSV reader
// reads back is the value itself (quoted where it was protected).
func TestCSVText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"R-7", "R-7"},
		{"=1+1", "'=1+1"},
		{"+86 138", "'+86 138"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\ncmd"},
		{"a\r\nb\rc\nd", "a\nb\nc\nd"},
		{" =1+1", " =1+1"}, // not at the start
		{"'=1", "'=1"},     // already a text value
		{"a,b \"c\"\nd", "a,b \"c\"\nd"},
		{"订单=1", "订单=1"},
	}
	for _, tt := range tests {
		if got := text(tt.in); got != tt.want {
			t.Errorf("text(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}

	// The same through WriteCSV, in every text column.
	s := sample()
	s.Entries = s.Entries[:1]
	s.Closing = s.Opening + s.Entries[0].Amount
	for _, tt := range tests {
		e := &s.Entries[0]
		e.TransferID, e.Type, e.Counterparty, e.Reference = tt.in, tt.in, tt.in, tt.in
		var b bytes.Buffer
		if err := WriteCSV(&b, s); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		want := tt.want
		if len(rows) != 2 || rows[1][1] != want || rows[1][2] != want || rows[1][5] != want || rows[1][6] != want {
			t.Errorf("%q: rows %q; want its text fields %q", tt.in, rows, want)
		}
		if rows[1][3] != "38.00" || rows[1][4] != "0.23" {
			t.Errorf("%q: the amounts changed: %q", tt.in, rows[1])
		}
	}
}
