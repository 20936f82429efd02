package statement

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// shanghai is the operator's zone of the examples (UTC+8, no daylight
// saving time), fixed so that the tests need no time zone database.
var shanghai = time.FixedZone("CST", 8*60*60)

// The accounts of the examples.
const (
	merchant  = "8127995007240072"
	customer  = "6200000000000018"
	operator  = "01a21a9f-dda8-78ae-8bdd-8f1d7f0848f1"
	feeAcct   = "fee:" + operator
	reserve   = "reserve:" + operator
	paymentID = "01a21aa0-2a87-7ccb-9e8a-6a2f16e99016"
)

// sample is a merchant's day: a payment received (38.00, fee 0.23), its
// fee, a partial refund (10.00) and the fee's share refunded (0.06), and a
// withdrawal to the bank (50.00), from an opening balance of 100.00.
func sample() *Statement {
	from := time.Date(2026, 11, 28, 0, 0, 0, 0, shanghai)
	at := func(h, m, s, ns int) time.Time { return time.Date(2026, 11, 28, h, m, s, ns, shanghai) }
	return &Statement{
		Wallet:   merchant,
		Owner:    "W** Wei",
		Servicer: "Bank of Ingot",
		Date:     "2026-11-28",
		From:     from,
		To:       from.AddDate(0, 0, 1),
		Currency: ingot.MustCurrency("CNY"),
		Opening:  100_00,
		Closing:  77_83,
		Entries: []Entry{
			{At: at(10, 15, 30, 123456000), TransferID: paymentID, Type: "payment", Amount: 38_00, Fee: 23,
				Counterparty: customer, Reference: "Order 17, table 4"},
			{At: at(10, 15, 30, 123456000), TransferID: "01a21aa0-2a87-7ccb-9e8a-6a2f16e99017", Type: "fee", Amount: -23,
				Counterparty: feeAcct, Reference: "Order 17, table 4"},
			{At: at(14, 2, 0, 0), TransferID: "01a21aa1-0000-7000-8000-000000000001", Type: "payment_refund", Amount: -10_00,
				Counterparty: customer, Reference: "=HYPERLINK(\"http://evil.example\",\"refund\")"},
			{At: at(14, 2, 0, 0), TransferID: "01a21aa1-0000-7000-8000-000000000002", Type: "fee_refund", Amount: 6,
				Counterparty: feeAcct, Reference: "+6 back"},
			{At: at(23, 59, 59, 999999999), TransferID: "01a21aa2-0000-7000-8000-000000000003", Type: "withdrawal", Amount: -50_00,
				Counterparty: reserve},
		},
		Created: time.Date(2026, 11, 29, 0, 5, 0, 0, shanghai),
	}
}

func TestTotals(t *testing.T) {
	t.Parallel()
	s := sample()
	if got, want := s.Totals(), (Totals{Credits: 38_06, Debits: 60_23, Fees: 17}); got != want {
		t.Fatalf("Totals() = %+v; want %+v", got, want)
	}
	if tot := s.Totals(); s.Opening+tot.Credits-tot.Debits != s.Closing {
		t.Fatalf("opening %d + credits - debits %+v != closing %d", s.Opening, tot, s.Closing)
	}
	if got := (&Statement{}).Totals(); got != (Totals{}) {
		t.Fatalf("an empty day's Totals() = %+v", got)
	}
	// A fee refund alone: the wallet paid no fee, it got one back.
	s.Entries = []Entry{{Type: "fee_refund", Amount: 6}}
	if got, want := s.Totals(), (Totals{Credits: 6, Fees: -6}); got != want {
		t.Fatalf("a fee refund's Totals() = %+v; want %+v", got, want)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	if err := sample().Check(); err != nil {
		t.Fatalf("the sample: %v", err)
	}
	tests := []struct {
		name   string
		change func(s *Statement)
		want   string // in the error; "" for none
	}{
		{"empty day", func(s *Statement) { s.Entries, s.Closing = nil, s.Opening }, ""},
		{"negative opening", func(s *Statement) { s.Opening, s.Closing = -1_00, -23_17 }, ""},
		{"same instant", func(s *Statement) { s.Entries[4].At = s.Entries[3].At }, ""},
		{"first instant of the day", func(s *Statement) { s.Entries[0].At, s.Entries[1].At = s.From, s.From }, ""},
		{"closing off by a cent", func(s *Statement) { s.Closing++ }, "not the closing 77.84"},
		{"an entry's amount changed", func(s *Statement) { s.Entries[1].Amount = -24 }, "is 77.82, not the closing 77.83"},
		{"an entry missing", func(s *Statement) { s.Entries = s.Entries[1:] }, "not the closing"},
		{"empty day that moved", func(s *Statement) { s.Entries = nil }, "opening 100.00 plus the entries is 100.00, not the closing 77.83"},
		{"out of order", func(s *Statement) {
			s.Entries[2], s.Entries[3] = s.Entries[3], s.Entries[2]
			s.Entries[2].At = s.Entries[3].At.Add(time.Second)
		},
			"entry 3 (transfer 01a21aa1-0000-7000-8000-000000000001) at 2026-11-28T06:02:00Z is before"},
		{"before the day", func(s *Statement) { s.Entries[0].At = s.From.Add(-time.Nanosecond) }, "outside the day [2026-11-27T16:00:00Z, 2026-11-28T16:00:00Z)"},
		{"at the day's end", func(s *Statement) { s.Entries[4].At = s.To }, "entry 4 (transfer 01a21aa2-0000-7000-8000-000000000003) at 2026-11-28T16:00:00Z is outside the day"},
		{"no day", func(s *Statement) { s.To = s.From }, "the day ends"},
		{"overflow", func(s *Statement) {
			s.Entries = []Entry{{At: s.From, Amount: math.MaxInt64}, {At: s.From, Amount: 1}, {At: s.From, Amount: -1}}
			s.Opening, s.Closing = 0, math.MaxInt64
		}, "overflow at entry 1"},
		{"credits and debits overflow together", func(s *Statement) {
			s.Entries = []Entry{{At: s.From, Amount: math.MaxInt64}, {At: s.From, Amount: -math.MaxInt64}}
			s.Opening, s.Closing = 0, 0
		}, "overflow together"},
		{"min int64", func(s *Statement) {
			s.Entries = []Entry{{At: s.From, Amount: math.MinInt64}}
			s.Opening, s.Closing = math.MaxInt64, -1
		}, "overflow at entry 0"},
	}
	for _, tt := range tests {
		s := sample()
		tt.change(s)
		err := s.Check()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: Check() = %v; want nil", tt.name, err)
		case tt.want != "" && err == nil:
			t.Errorf("%s: Check() = nil; want an error", tt.name)
		case tt.want != "" && !strings.Contains(err.Error(), tt.want):
			t.Errorf("%s: Check() = %v; want one with %q", tt.name, err, tt.want)
		}
	}
}

// TestWritersRefuse: neither writer encodes a statement that does not add
// up, nor writes anything of it.
func TestWritersRefuse(t *testing.T) {
	t.Parallel()
	s := sample()
	s.Closing++
	for name, write := range map[string]func(*strings.Builder, *Statement) error{
		"csv":  func(b *strings.Builder, s *Statement) error { return WriteCSV(b, s) },
		"camt": func(b *strings.Builder, s *Statement) error { return WriteCAMT053(b, s) },
	} {
		var b strings.Builder
		if err := write(&b, s); err == nil || !strings.Contains(err.Error(), "not the closing") || b.Len() != 0 {
			t.Errorf("%s: a statement that does not add up: err %v, wrote %q", name, err, b.String())
		}
		if err := write(&b, nil); err == nil || b.Len() != 0 {
			t.Errorf("%s: no statement: err %v, wrote %q", name, err, b.String())
		}
	}
}
