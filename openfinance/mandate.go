package openfinance

import (
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Period is the span a mandate's max_per_period counts over, cut in the
// deployment's time zone.
type Period string

// Periods.
const (
	PeriodDay   Period = "day"   // from midnight
	PeriodWeek  Period = "week"  // from Monday's midnight (ISO 8601 weeks)
	PeriodMonth Period = "month" // from the first of the month's midnight
)

// Mandate is a variable recurring payment mandate: what a payments:write
// consent lets its provider pay from the consented wallets without asking
// the holder again. Amounts are in minor units of Currency, the consented
// wallets' currency.
type Mandate struct {
	Payee         int64 // the only payee (a wallet id); 0: any payee
	Currency      string
	MaxPerPayment int64
	MaxPerPeriod  int64
	Period        Period
	ValidUntil    time.Time
}

// MandateInput is a mandate as the API takes it: the payee a wallet id or
// nil (any), amounts decimal strings of the wallets' currency, valid_until
// an RFC 3339 time.
type MandateInput struct {
	Payee         *string
	MaxPerPayment string
	MaxPerPeriod  string
	Period        string
	ValidUntil    string
}

// ParseMandate checks a mandate for wallets of currency cur, given at now
// for a consent that ends at end: both maxima positive amounts, the
// payment's at most the period's, a known period, valid_until after now and
// not after the consent's end. A bad one is invalid_mandate.
func ParseMandate(in MandateInput, cur ingot.Currency, now, end time.Time) (Mandate, error) {
	m := Mandate{Currency: cur.Code, Period: Period(in.Period)}
	if in.Payee != nil {
		id, err := ingot.ParseWalletID(*in.Payee)
		if err != nil {
			return Mandate{}, mandateErr("payee is not a wallet id (16 digits with a check digit), nor null for any payee")
		}
		m.Payee = id
	}
	var err error
	if m.MaxPerPayment, err = ingot.ParseAmount(in.MaxPerPayment, cur); err != nil {
		return Mandate{}, mandateErr("max_per_payment: " + ingot.AsError(err).Detail)
	}
	if m.MaxPerPeriod, err = ingot.ParseAmount(in.MaxPerPeriod, cur); err != nil {
		return Mandate{}, mandateErr("max_per_period: " + ingot.AsError(err).Detail)
	}
	if m.MaxPerPayment > m.MaxPerPeriod {
		return Mandate{}, mandateErr("max_per_payment must not exceed max_per_period")
	}
	switch m.Period {
	case PeriodDay, PeriodWeek, PeriodMonth:
	default:
		return Mandate{}, mandateErr("period must be day, week or month")
	}
	if len(in.ValidUntil) > 64 {
		return Mandate{}, mandateErr("valid_until must be an RFC 3339 time")
	}
	if m.ValidUntil, err = time.Parse(time.RFC3339, in.ValidUntil); err != nil {
		return Mandate{}, mandateErr("valid_until must be an RFC 3339 time")
	}
	m.ValidUntil = m.ValidUntil.UTC().Truncate(time.Microsecond)
	if !m.ValidUntil.After(now) {
		return Mandate{}, mandateErr("valid_until must be in the future")
	}
	if m.ValidUntil.After(end) {
		return Mandate{}, mandateErr("valid_until must not be after the consent ends (" + end.Format(time.RFC3339) + "; consents last at most 180 days)")
	}
	return m, nil
}

func mandateErr(detail string) error {
	return ingot.Errorf(ingot.CodeInvalidMandate, "mandate: %s", detail)
}

// Start is the start of the period that holds t, in zone (as UTC).
func (p Period) Start(t time.Time, zone *time.Location) time.Time {
	l := t.In(zone)
	y, mo, d := l.Date()
	switch p {
	case PeriodWeek:
		back := (int(l.Weekday()) + 6) % 7 // days since Monday
		return time.Date(y, mo, d-back, 0, 0, 0, 0, zone).UTC()
	case PeriodMonth:
		return time.Date(y, mo, 1, 0, 0, 0, 0, zone).UTC()
	}
	return time.Date(y, mo, d, 0, 0, 0, 0, zone).UTC()
}

// Used is what was paid in the period that holds now, given the consent's
// counter (the start of the period it counts and its total).
func (m *Mandate) Used(start time.Time, total int64, now time.Time, zone *time.Location) int64 {
	if !m.Period.Start(now, zone).Equal(start) {
		return 0
	}
	return total
}

// Check checks a payment of amount to payee at now against the mandate,
// given the consent's period counter, and returns the counter after it. A
// payment outside the mandate is mandate_exceeded, its detail naming the
// limit first (currency, valid_until, payee, max_per_payment or
// max_per_period).
func (m *Mandate) Check(payee, amount int64, currency string, now time.Time, zone *time.Location, start time.Time, total int64) (time.Time, int64, error) {
	cur := ingot.MustCurrency(m.Currency)
	switch {
	case currency != m.Currency:
		return start, total, exceeded("currency: the mandate pays %s only", m.Currency)
	case !now.Before(m.ValidUntil):
		return start, total, exceeded("valid_until: the mandate ended at %s", m.ValidUntil.Format(time.RFC3339))
	case m.Payee != 0 && payee != m.Payee:
		return start, total, exceeded("payee: the mandate pays wallet %s only", ingot.FormatWalletID(m.Payee))
	case amount > m.MaxPerPayment:
		return start, total, exceeded("max_per_payment: %s %s is more than the mandate's %s per payment",
			ingot.FormatAmount(amount, cur), cur.Code, ingot.FormatAmount(m.MaxPerPayment, cur))
	}
	used := m.Used(start, total, now, zone)
	if amount > m.MaxPerPeriod-used {
		return start, total, exceeded("max_per_period: %s %s would bring this %s's payments to more than the mandate's %s (%s paid so far)",
			ingot.FormatAmount(amount, cur), cur.Code, m.Period, ingot.FormatAmount(m.MaxPerPeriod, cur), ingot.FormatAmount(used, cur))
	}
	return m.Period.Start(now, zone), used + amount, nil
}

func exceeded(format string, args ...any) error {
	return ingot.Errorf(ingot.CodeMandateExceeded, format, args...)
}

// Limit is the limit a mandate_exceeded error names (its detail's first
// word), or "".
func Limit(err error) string {
	e := ingot.AsError(err)
	if e == nil || e.Code != ingot.CodeMandateExceeded {
		return ""
	}
	name, _, _ := strings.Cut(e.Detail, ":")
	return name
}
