package schedule

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin and America/Santiago on machines without zoneinfo

	"github.com/ingot-cbdc/ingot"
)

func date(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Schedule // zero: invalid_schedule
	}{
		{`{"start":"2026-11-30","every":"day"}`, Schedule{Start: date("2026-11-30"), Every: Daily}},
		{`{"start":"2026-11-30","every":"day","count":3}`, Schedule{Start: date("2026-11-30"), Every: Daily, Count: 3}},
		{`{"start":"2026-11-30","every":"week"}`, Schedule{Start: date("2026-11-30"), Every: Weekly, Day: 1}}, // a Monday
		{`{"start":"2026-11-30","every":"week","day":7,"until":"2027-01-31"}`, Schedule{Start: date("2026-11-30"), Every: Weekly, Day: 7, Until: date("2027-01-31")}},
		{`{"start":"2026-01-31","every":"month"}`, Schedule{Start: date("2026-01-31"), Every: Monthly, Day: 31}},
		{`{"start":"2026-01-31","every":"month","day":15,"count":12}`, Schedule{Start: date("2026-01-31"), Every: Monthly, Day: 15, Count: 12}},
		{`{"start":"2026-11-30","every":"day","until":"2026-11-30"}`, Schedule{Start: date("2026-11-30"), Every: Daily, Until: date("2026-11-30")}},

		{`{"start":"2026-11-30"}`, Schedule{}},
		{`{"every":"day"}`, Schedule{}},
		{`{"start":"2026-11-31","every":"day"}`, Schedule{}},
		{`{"start":"2026-1-3","every":"day"}`, Schedule{}},
		{`{"start":"1999-12-31","every":"day"}`, Schedule{}},
		{`{"start":"2026-11-30","every":"year"}`, Schedule{}},
		{`{"start":"2026-11-30","every":"day","day":1}`, Schedule{}},
		{`{"start":"2026-11-30","every":"week","day":0}`, Schedule{}},
		{`{"start":"2026-11-30","every":"week","day":8}`, Schedule{}},
		{`{"start":"2026-11-30","every":"month","day":32}`, Schedule{}},
		{`{"start":"2026-11-30","every":"month","day":1.5}`, Schedule{}},
		{`{"start":"2026-11-30","every":"day","count":0}`, Schedule{}},
		{`{"start":"2026-11-30","every":"day","count":10001}`, Schedule{}},
		{`{"start":"2026-11-30","every":"day","count":2,"until":"2026-12-31"}`, Schedule{}},
		{`{"start":"2026-11-30","every":"day","until":"2026-11-29"}`, Schedule{}},
		{`{"start":"2026-11-30","every":"week","day":7,"until":"2026-12-05"}`, Schedule{}}, // no Sunday before until
		{`{"start":"2026-11-30","every":"day","at":"08:00"}`, Schedule{}},
		{`{"start":"2026-11-30","every":"day"} {}`, Schedule{}},
		{`[]`, Schedule{}},
		{`null`, Schedule{}},
	} {
		got, err := Parse([]byte(tc.in))
		if tc.want == (Schedule{}) {
			if ingot.ErrorCode(err) != ingot.CodeInvalidSchedule {
				t.Errorf("Parse(%s) = %+v, %v; want invalid_schedule", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%s) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestOccurrences(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		s    Schedule
		want []string // every occurrence when the schedule ends, else the first ones
	}{
		{"daily with a count", Schedule{Start: date("2026-12-30"), Every: Daily, Count: 4},
			[]string{"2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"}},
		{"daily until, over February of a leap year", Schedule{Start: date("2028-02-27"), Every: Daily, Until: date("2028-03-01")},
			[]string{"2028-02-27", "2028-02-28", "2028-02-29", "2028-03-01"}},
		{"weekly on the start's day", Schedule{Start: date("2026-11-30"), Every: Weekly, Day: 1, Count: 3},
			[]string{"2026-11-30", "2026-12-07", "2026-12-14"}},
		{"weekly on a later day of the start's week", Schedule{Start: date("2026-11-30"), Every: Weekly, Day: 5, Count: 2},
			[]string{"2026-12-04", "2026-12-11"}},
		{"weekly on an earlier day: the next week", Schedule{Start: date("2026-12-04"), Every: Weekly, Day: 1, Count: 2},
			[]string{"2026-12-07", "2026-12-14"}},
		{"weekly on Sunday until", Schedule{Start: date("2026-11-30"), Every: Weekly, Day: 7, Until: date("2026-12-20")},
			[]string{"2026-12-06", "2026-12-13", "2026-12-20"}},
		{"monthly on the 31st: months' last days", Schedule{Start: date("2026-01-31"), Every: Monthly, Day: 31, Count: 6},
			[]string{"2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30"}},
		{"monthly on the 29th over a leap February", Schedule{Start: date("2028-01-29"), Every: Monthly, Day: 29, Count: 3},
			[]string{"2028-01-29", "2028-02-29", "2028-03-29"}},
		{"monthly on the 30th from mid-February", Schedule{Start: date("2027-02-15"), Every: Monthly, Day: 30, Count: 3},
			[]string{"2027-02-28", "2027-03-30", "2027-04-30"}},
		{"monthly on a day already past in the start's month", Schedule{Start: date("2026-01-20"), Every: Monthly, Day: 15, Count: 2},
			[]string{"2026-02-15", "2026-03-15"}},
		{"monthly on the last day, started on the 30th of a 30-day month", Schedule{Start: date("2026-04-30"), Every: Monthly, Day: 31, Count: 2},
			[]string{"2026-04-30", "2026-05-31"}},
		{"monthly over the year's end", Schedule{Start: date("2026-11-30"), Every: Monthly, Day: 30, Until: date("2027-02-27")},
			[]string{"2026-11-30", "2026-12-30", "2027-01-30"}},
		{"monthly without an end", Schedule{Start: date("2026-12-01"), Every: Monthly, Day: 1},
			[]string{"2026-12-01", "2027-01-01", "2027-02-01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.s.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
			ends := tc.s.Count > 0 || !tc.s.Until.IsZero()
			var got []string
			for i := 0; i < len(tc.want)+1; i++ {
				d, ok := tc.s.Occurrence(i)
				if !ok {
					break
				}
				got = append(got, d.String())
			}
			if !ends {
				got = got[:len(tc.want)]
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("occurrences %v; want %v", got, tc.want)
			}
			// Index finds each occurrence, and the next one from the day
			// after it.
			for i, w := range tc.want {
				if n := tc.s.Index(date(w)); n != i {
					t.Errorf("Index(%s) = %d; want %d", w, n, i)
				}
				if n := tc.s.Index(date(w).AddDays(1)); n != i+1 {
					t.Errorf("Index(%s + 1 day) = %d; want %d", w, n, i+1)
				}
			}
		})
	}
}

// TestDueTimesDST: occurrences are due at the start of their day in the
// zone, whatever the length of the days between them: 23 and 25 hours
// around Europe/Berlin's changes, and a day whose midnight does not exist
// (America/Santiago moves from 24:00 to 01:00) starts at 01:00.
func TestDueTimesDST(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	daily := Schedule{Start: date("2026-03-28"), Every: Daily}
	for _, tc := range []struct {
		from string
		gap  time.Duration
	}{
		{"2026-03-28", 24 * time.Hour},
		{"2026-03-29", 23 * time.Hour}, // 02:00 -> 03:00
		{"2026-10-25", 25 * time.Hour}, // 03:00 -> 02:00
		{"2026-10-26", 24 * time.Hour},
	} {
		d := date(tc.from)
		i := daily.Index(d)
		a, _ := daily.Occurrence(i)
		b, _ := daily.Occurrence(i + 1)
		ta, tb := a.Start(berlin), b.Start(berlin)
		if ta.Hour() != 0 || ta.Minute() != 0 || tb.Hour() != 0 || DateOf(ta, berlin) != a || DateOf(tb, berlin) != b {
			t.Errorf("%s starts at %s, %s at %s", a, ta, b, tb)
		}
		if got := tb.Sub(ta); got != tc.gap {
			t.Errorf("from %s to %s: %s; want %s", a, b, got, tc.gap)
		}
		if a.End(berlin) != tb {
			t.Errorf("%s ends at %s; want %s", a, a.End(berlin), tb)
		}
	}
	// A monthly order on the 29th is due at midnight in winter and summer
	// time alike.
	monthly := Schedule{Start: date("2026-02-01"), Every: Monthly, Day: 29, Count: 3}
	for i, want := range []string{"2026-02-28T00:00:00+01:00", "2026-03-29T00:00:00+01:00", "2026-04-29T00:00:00+02:00"} {
		d, _ := monthly.Occurrence(i)
		if got := d.Start(berlin).Format(time.RFC3339); got != want {
			t.Errorf("occurrence %d (%s) due %s; want %s", i, d, got, want)
		}
	}

	santiago, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Fatal(err)
	}
	d := date("2026-09-06")
	if s := d.Start(santiago); DateOf(s, santiago) != d || s.Hour() != 1 || DateOf(s.Add(-time.Nanosecond), santiago) != d.AddDays(-1) {
		t.Errorf("%s in Santiago starts at %s", d, s)
	}
	if s := d.AddDays(1).Start(santiago); s.Hour() != 0 {
		t.Errorf("the next day starts at %s", s)
	}
}

func TestDate(t *testing.T) {
	t.Parallel()
	d := date("2026-12-31")
	if d.AddDays(1).String() != "2027-01-01" || d.AddDays(-365).String() != "2025-12-31" {
		t.Fatalf("AddDays: %s %s", d.AddDays(1), d.AddDays(-365))
	}
	if n := date("2027-03-01").DaysSince(date("2027-02-01")); n != 28 {
		t.Fatalf("DaysSince = %d", n)
	}
	if d.ISOWeekday() != 4 || date("2026-11-29").ISOWeekday() != 7 {
		t.Fatalf("ISOWeekday: %d %d", d.ISOWeekday(), date("2026-11-29").ISOWeekday())
	}
	b, err := json.Marshal(struct {
		D Date `json:"d"`
		Z Date `json:"z,omitzero"`
	}{D: d})
	if err != nil || string(b) != `{"d":"2026-12-31"}` {
		t.Fatalf("JSON %s %v", b, err)
	}
	var back struct{ D Date }
	if err := json.Unmarshal([]byte(`{"D":"2026-12-31"}`), &back); err != nil || back.D != d {
		t.Fatalf("from JSON: %+v %v", back, err)
	}
	for _, bad := range []string{"2026-02-29", "26-12-31", "2026-12-31T00:00:00Z", " 2026-12-31", ""} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
}

func TestOrderMoves(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	o := Order{Schedule: Schedule{Start: date("2026-03-28"), Every: Daily, Count: 2}, Status: Active}
	o.MoveTo(0, berlin)
	if o.Next != date("2026-03-28") || o.DueAt != date("2026-03-28").Start(berlin) {
		t.Fatalf("first: %+v", o)
	}
	o.Tries, o.RetryUntil = 2, o.DueAt.Add(24*time.Hour)
	o.Advance(berlin)
	if o.Next != date("2026-03-29") || o.NextIndex != 1 || o.Tries != 0 || !o.RetryUntil.IsZero() || o.Status != Active {
		t.Fatalf("second: %+v", o)
	}
	o.Advance(berlin)
	if o.Status != Completed || !o.Next.IsZero() || !o.DueAt.IsZero() {
		t.Fatalf("after the last: %+v", o)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"start":"2026-11-30","every":"day"}`, `{"start":"2026-01-31","every":"month","day":31,"count":12}`,
		`{"start":"2026-11-30","every":"week","day":7,"until":"2027-01-31"}`, `{"start":"9999-12-31","every":"month"}`,
		`{"start":"2026-11-30","every":"day","count":1}`, `null`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			if ingot.ErrorCode(err) != ingot.CodeInvalidSchedule {
				t.Fatalf("error without the code: %v", err)
			}
			return
		}
		if err := s.Check(); err != nil {
			t.Fatalf("Parse accepted what Check refuses: %+v: %v", s, err)
		}
		// The stored form parses back to the same schedule.
		j, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := Parse(j); err != nil || back != s {
			t.Fatalf("%s parses back as %+v, %v; want %+v", j, back, err, s)
		}
		// Occurrences are increasing, on or after the start, within until,
		// on the schedule's day, and Index finds them.
		prev := Date{}
		for i := range 40 {
			d, ok := s.Occurrence(i)
			if !ok {
				if i == 0 {
					t.Fatalf("%+v has no occurrence", s)
				}
				break
			}
			if d.Before(s.Start) || (!s.Until.IsZero() && d.After(s.Until)) || !d.After(prev) {
				t.Fatalf("%+v: occurrence %d is %s after %s", s, i, d, prev)
			}
			switch s.Every {
			case Weekly:
				if d.ISOWeekday() != s.Day {
					t.Fatalf("%+v: occurrence %d %s is not on day %d", s, i, d, s.Day)
				}
			case Monthly:
				if d.Day != min(s.Day, daysIn(d.Year, d.Month)) {
					t.Fatalf("%+v: occurrence %d %s is not on day %d", s, i, d, s.Day)
				}
			}
			if n := s.Index(d); n != i {
				t.Fatalf("%+v: Index(%s) = %d; want %d", s, d, n, i)
			}
			prev = d
		}
	})
}
