package ingot

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai also on machines without zoneinfo, as in the ledger
)

func TestEvidenceMissing(t *testing.T) {
	t.Parallel()
	none := Evidence{PhoneVerified: true}
	if m := none.Missing(Tier4); len(m) != 0 {
		t.Errorf("tier 4 needs %v; want nothing", m)
	}
	if m := none.Missing(Tier3); len(m) != 1 || !strings.Contains(m[0], "identity") {
		t.Errorf("tier 3 from nothing: %v", m)
	}
	if m := none.Missing(Tier1); len(m) != 3 {
		t.Errorf("tier 1 from nothing: %v", m)
	}
	id := Evidence{IDVerified: true}
	if m := id.Missing(Tier2); len(m) != 1 || !strings.Contains(m[0], "bank") {
		t.Errorf("tier 2 with an ID: %v", m)
	}
	all := Evidence{IDVerified: true, BankLinked: true, InPerson: true}
	if m := all.Missing(Tier1); len(m) != 0 {
		t.Errorf("tier 1 with everything: %v", m)
	}
}

func TestLimitsMinWithin(t *testing.T) {
	t.Parallel()
	a := Limits{Balance: 100, Single: 0, Daily: 50, Yearly: 500}
	b := Limits{Balance: 80, Single: 20, Daily: 0, Yearly: 600}
	if got := a.Min(b); got != (Limits{Balance: 80, Single: 20, Daily: 50, Yearly: 500}) {
		t.Errorf("Min = %+v", got)
	}
	if !b.Min(a).Within(a) || !a.Within(Limits{}) || (Limits{}).Within(a) || b.Within(a) {
		t.Error("Within is wrong")
	}
}

func TestDefaultLimits(t *testing.T) {
	t.Parallel()
	cny, jpy := MustCurrency("CNY"), MustCurrency("JPY")
	if l := DefaultLimits(WalletPersonal, Tier4, cny); l.Balance != 1_000_000 || l.Single != 200_000 || l.Daily != 500_000 {
		t.Errorf("tier 4 CNY = %+v", l)
	}
	if l := DefaultLimits(WalletPersonal, Tier4, jpy); l.Balance != 10_000 {
		t.Errorf("tier 4 JPY = %+v", l)
	}
	if l := DefaultLimits(WalletPersonal, Tier1, cny); l != (Limits{}) {
		t.Errorf("tier 1 = %+v; want no limits", l)
	}
}

func TestPeriodRollsOverInZone(t *testing.T) {
	t.Parallel()
	sh, err := time.LoadLocation("Asia/Shanghai") // embedded by time/tzdata: never missing
	if err != nil {
		t.Fatal(err)
	}
	// 15:59:59 UTC is 23:59:59 in Shanghai; a second later it is tomorrow there.
	before := time.Date(2026, 12, 31, 15, 59, 59, 0, time.UTC)
	d1, y1 := Period(before, sh)
	d2, y2 := Period(before.Add(time.Second), sh)
	if d1 != 20261231 || y1 != 2026 || d2 != 20270101 || y2 != 2027 {
		t.Fatalf("periods %d/%d then %d/%d", d1, y1, d2, y2)
	}
	if d, _ := Period(before.Add(time.Second), time.UTC); d != 20261231 {
		t.Fatalf("in UTC it is still %d", d)
	}
}

func TestCheckOutflowBoundaries(t *testing.T) {
	t.Parallel()
	cny := MustCurrency("CNY")
	l := Limits{Single: 2000, Daily: 5000, Yearly: 8000}
	var o Outflow
	day, year := int32(20261127), int32(2026)
	if err := CheckOutflow(l, o, 2000, day, year, cny); err != nil {
		t.Fatalf("exactly the single limit: %v", err)
	}
	err := CheckOutflow(l, o, 2001, day, year, cny)
	if ErrorCode(err) != CodeLimitExceeded || !strings.Contains(err.Error(), "single") {
		t.Fatalf("single + 1: %v", err)
	}
	o = o.Add(2000, day, year).Add(2000, day, year)
	if err := CheckOutflow(l, o, 1000, day, year, cny); err != nil {
		t.Fatalf("exactly the daily limit: %v", err)
	}
	if err := CheckOutflow(l, o, 1001, day, year, cny); ErrorCode(err) != CodeLimitExceeded || !strings.Contains(err.Error(), "daily") {
		t.Fatalf("daily + 1: %v", err)
	}
	// The next day the daily counter starts again; the yearly one does not.
	o = o.Add(1000, day, year)
	next := day + 1
	if d, y := o.Used(next, year); d != 0 || y != 5000 {
		t.Fatalf("used on the next day: %d %d", d, y)
	}
	if err := CheckOutflow(l, o, 2000, next, year, cny); err != nil {
		t.Fatalf("next day: %v", err)
	}
	o = o.Add(2000, next, year).Add(1000, next, year)
	if err := CheckOutflow(l, o, 1, next, year, cny); ErrorCode(err) != CodeLimitExceeded || !strings.Contains(err.Error(), "yearly") {
		t.Fatalf("yearly + 1: %v", err)
	}
	daily, yearly := Remaining(l, o, next, year)
	if daily != 2000 || yearly != 0 {
		t.Fatalf("remaining %d %d", daily, yearly)
	}
	if d, y := Remaining(Limits{}, o, next, year); d != -1 || y != -1 {
		t.Fatalf("no limits: remaining %d %d", d, y)
	}
}
