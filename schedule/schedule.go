// Package schedule holds the calendar of standing orders
// (docs/standing-orders.md): a schedule says on which days a payment is
// due (every day, a day of every week, a day of every month), from a
// start, for a count of occurrences or until a date. It also holds the
// standing order and its runs as the ledger keeps them. It does no I/O:
// dates are days of the calendar, and the ledger says in which zone they
// start.
package schedule

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Every is a schedule's period.
type Every string

// Periods.
const (
	Daily   Every = "day"
	Weekly  Every = "week"
	Monthly Every = "month"
)

// Limits of a schedule.
const (
	MaxCount = 10000 // occurrences of a schedule with a count
	MaxBytes = 1 << 10
	// MinYear and MaxYear bound the dates of a schedule.
	MinYear = 2000
	MaxYear = 9999
)

// Schedule is when a standing order pays: the occurrences are Start and
// then every day; or the given day of every week (Day 1 Monday to 7
// Sunday, ISO 8601) or of every month (Day 1 to 31; a month without that
// day pays on its last day), the first on or after Start. Count ends it
// after that many occurrences, Until after the last on or before that date
// (at most one of them; neither: until cancelled).
type Schedule struct {
	Start Date  `json:"start"`
	Every Every `json:"every"`
	Day   int   `json:"day,omitempty"`
	Count int   `json:"count,omitempty"`
	Until Date  `json:"until,omitzero"`
}

// input is the JSON form the API takes.
type input struct {
	Start *string `json:"start"`
	Every *string `json:"every"`
	Day   *int    `json:"day"`
	Count *int    `json:"count"`
	Until *string `json:"until"`
}

// Parse decodes and checks a schedule as the API receives it: start is a
// date YYYY-MM-DD; every is day, week or month; day is given only for
// week (1-7) and month (1-31), and defaults to the start's; count (1 to
// MaxCount) and until (on or after start) are optional, and not both; the
// schedule has at least one occurrence. The day is filled in. Errors are
// invalid_schedule.
func Parse(b []byte) (Schedule, error) {
	var s Schedule
	if len(b) > MaxBytes {
		return s, invalid("the schedule is longer than %d bytes", MaxBytes)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	var in input
	if err := d.Decode(&in); err != nil {
		return s, invalid("the schedule is not valid JSON of the schedule's form: %v", err)
	}
	if d.More() {
		return s, invalid("the schedule is followed by more data")
	}
	if in.Start == nil {
		return s, invalid("schedule.start is required (YYYY-MM-DD)")
	}
	start, err := ParseDate(*in.Start)
	if err != nil {
		return s, invalid("schedule.start: %v", err)
	}
	s.Start = start
	if in.Every == nil {
		return s, invalid("schedule.every is required: day, week or month")
	}
	s.Every = Every(*in.Every)
	if in.Day != nil {
		s.Day = *in.Day
	}
	if in.Count != nil {
		s.Count = *in.Count
		if s.Count < 1 || s.Count > MaxCount {
			return s, invalid("schedule.count must be 1 to %d", MaxCount)
		}
	}
	if in.Until != nil {
		if in.Count != nil {
			return s, invalid("schedule has count and until: give at most one")
		}
		if s.Until, err = ParseDate(*in.Until); err != nil {
			return s, invalid("schedule.until: %v", err)
		}
	}
	switch s.Every {
	case Daily:
		if in.Day != nil {
			return s, invalid("schedule.day is for week and month; a daily schedule has none")
		}
	case Weekly:
		if in.Day == nil {
			s.Day = s.Start.ISOWeekday()
		}
		if s.Day < 1 || s.Day > 7 {
			return s, invalid("schedule.day of a weekly schedule is the day of the week, 1 (Monday) to 7 (Sunday)")
		}
	case Monthly:
		if in.Day == nil {
			s.Day = s.Start.Day
		}
		if s.Day < 1 || s.Day > 31 {
			return s, invalid("schedule.day of a monthly schedule is the day of the month, 1 to 31")
		}
	default:
		return s, invalid("schedule.every must be day, week or month")
	}
	if err := s.Check(); err != nil {
		return s, err
	}
	return s, nil
}

func invalid(format string, args ...any) error {
	return ingot.Errorf(ingot.CodeInvalidSchedule, format, args...)
}

// Check checks a schedule built in code as Parse checks one it read.
func (s Schedule) Check() error {
	if s.Start.Year < MinYear || s.Start.Year > MaxYear {
		return invalid("schedule.start must be in the years %d to %d", MinYear, MaxYear)
	}
	if !s.Until.IsZero() && s.Until.Before(s.Start) {
		return invalid("schedule.until %s is before start %s", s.Until, s.Start)
	}
	if s.Count != 0 && !s.Until.IsZero() {
		return invalid("schedule has count and until: give at most one")
	}
	if s.Count < 0 || s.Count > MaxCount {
		return invalid("schedule.count must be 1 to %d", MaxCount)
	}
	switch s.Every {
	case Daily:
		if s.Day != 0 {
			return invalid("schedule.day is for week and month; a daily schedule has none")
		}
	case Weekly:
		if s.Day < 1 || s.Day > 7 {
			return invalid("schedule.day of a weekly schedule is the day of the week, 1 (Monday) to 7 (Sunday)")
		}
	case Monthly:
		if s.Day < 1 || s.Day > 31 {
			return invalid("schedule.day of a monthly schedule is the day of the month, 1 to 31")
		}
	default:
		return invalid("schedule.every must be day, week or month")
	}
	if _, ok := s.Occurrence(0); !ok {
		return invalid("the schedule has no occurrence: its first day would be after until %s", s.Until)
	}
	return nil
}

// Occurrence is the date of occurrence i (from 0), and false when the
// schedule has ended before it (Count, Until, or past MaxYear).
func (s Schedule) Occurrence(i int) (Date, bool) {
	if i < 0 || (s.Count > 0 && i >= s.Count) {
		return Date{}, false
	}
	var d Date
	switch s.Every {
	case Daily:
		if i > 366*(MaxYear+1) {
			return Date{}, false
		}
		d = s.Start.AddDays(i)
	case Weekly:
		if i > 53*(MaxYear+1) {
			return Date{}, false
		}
		d = s.Start.AddDays((s.Day-s.Start.ISOWeekday()+7)%7 + 7*i)
	case Monthly:
		if i > 12*(MaxYear+1) {
			return Date{}, false
		}
		y, m := s.firstMonth()
		t := time.Date(y, m+time.Month(i), 1, 12, 0, 0, 0, time.UTC)
		d = Date{t.Year(), t.Month(), min(s.Day, daysIn(t.Year(), t.Month()))}
	default:
		return Date{}, false
	}
	if d.Year > MaxYear || (!s.Until.IsZero() && d.After(s.Until)) {
		return Date{}, false
	}
	return d, true
}

// firstMonth is the month of a monthly schedule's first occurrence: the
// start's when its day there is not before the start, else the next.
func (s Schedule) firstMonth() (int, time.Month) {
	y, m := s.Start.Year, s.Start.Month
	if min(s.Day, daysIn(y, m)) < s.Start.Day {
		t := time.Date(y, m+1, 1, 12, 0, 0, 0, time.UTC)
		return t.Year(), t.Month()
	}
	return y, m
}

// Index is the index of the first occurrence on or after d (which may be
// past the schedule's end: Occurrence then answers false).
func (s Schedule) Index(d Date) int {
	first, ok := s.Occurrence(0)
	if !ok || !d.After(first) {
		return 0
	}
	// An estimate at most one period short, then forward.
	var i int
	switch s.Every {
	case Daily:
		i = d.DaysSince(first)
	case Weekly:
		i = d.DaysSince(first) / 7
	case Monthly:
		i = (d.Year-first.Year)*12 + int(d.Month) - int(first.Month) - 1
	}
	i = max(i, 0)
	for {
		o, ok := s.Occurrence(i)
		if !ok || !o.Before(d) {
			return i
		}
		i++
	}
}
