package schedule

import (
	"fmt"
	"time"
)

// Date is a day of the calendar, without a time or a zone: an
// occurrence of a schedule. Its zero value is no date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate is the date of a year, month and day, normalized as time.Date
// normalizes (January 32 is February 1).
func NewDate(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 12, 0, 0, 0, time.UTC), time.UTC)
}

// DateOf is the day t falls on in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate reads a date as YYYY-MM-DD (a day that exists).
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || len(s) != len(time.DateOnly) {
		return Date{}, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
	}
	return DateOf(t, time.UTC), nil
}

// IsZero reports whether d is no date.
func (d Date) IsZero() bool { return d == Date{} }

// String is YYYY-MM-DD, or "" for no date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText writes YYYY-MM-DD ("" for no date).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD ("" is no date).
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// noon is d at noon UTC, for arithmetic that never meets a zone's
// transitions.
func (d Date) noon() time.Time { return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC) }

// AddDays is the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date { return NewDate(d.Year, d.Month, d.Day+n) }

// DaysSince is the number of days from e to d (negative when d is before e).
func (d Date) DaysSince(e Date) int { return int(d.noon().Sub(e.noon()).Hours() / 24) }

// Compare is -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	}
	return cmpInt(d.Day, e.Day)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// ISOWeekday is the day of the week, Monday 1 to Sunday 7 (ISO 8601).
func (d Date) ISOWeekday() int {
	wd := int(d.noon().Weekday())
	if wd == 0 {
		return 7
	}
	return wd
}

// Start is the first instant of the day in loc: midnight, or the first
// time that exists when a transition skips midnight.
func (d Date) Start(loc *time.Location) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
	if y, m, dd := t.Date(); y != d.Year || m != d.Month || dd != d.Day {
		// Midnight did not exist and time.Date went back into the day
		// before: the day starts at the transition, an hour or so later.
		for DateOf(t, loc) != d {
			t = t.Add(15 * time.Minute)
		}
		t = t.Truncate(15 * time.Minute)
	}
	return t
}

// End is the first instant of the next day in loc: the end of d.
func (d Date) End(loc *time.Location) time.Time { return d.AddDays(1).Start(loc) }

// daysIn is the number of days of a month.
func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 12, 0, 0, 0, time.UTC).Day()
}
