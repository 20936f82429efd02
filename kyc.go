package ingot

import (
	"fmt"
	"time"
)

// Tier is a wallet's KYC class, modelled on e-CNY's wallet classes: the more
// is known about the holder, the more the wallet may hold and pay. Small is
// anonymous, large is traceable.
type Tier int

const (
	Tier1 Tier = 1 // opened in person: no limits by default
	Tier2 Tier = 2 // real name, ID verified, a bank account linked
	Tier3 Tier = 3 // real name, ID verified remotely
	Tier4 Tier = 4 // phone number only: anonymous
)

// Valid reports whether t is one of the four tiers.
func (t Tier) Valid() bool { return t >= Tier1 && t <= Tier4 }

// Evidence is what has been verified about a wallet's holder.
type Evidence struct {
	PhoneVerified bool // the phone number was verified (every wallet has one)
	IDVerified    bool // an identity document was verified
	BankLinked    bool // a bank account in the holder's name is linked
	InPerson      bool // the holder was identified in person at the operator
}

// Missing lists what a tier needs that the evidence lacks, in words a
// person can act on; nil when the tier may be granted.
func (e Evidence) Missing(t Tier) []string {
	var m []string
	if t <= Tier3 && !e.IDVerified {
		m = append(m, "a verified identity document (id_number with id_verified)")
	}
	if t <= Tier2 && !e.BankLinked {
		m = append(m, "a linked bank account")
	}
	if t <= Tier1 && !e.InPerson {
		m = append(m, "identification in person (in_person)")
	}
	return m
}

// Limits bound a wallet, in minor units; 0 means no limit. Daily and Yearly
// bound outflow (payments and captures) in a calendar day and year of the
// ledger's time zone. Withdrawals to the holder's own bank and sweeps are
// not outflow.
type Limits struct {
	Balance int64
	Single  int64
	Daily   int64
	Yearly  int64
}

// Min is the tighter of two limits, field by field (0 is no limit).
func (l Limits) Min(o Limits) Limits {
	f := func(a, b int64) int64 {
		switch {
		case a == 0:
			return b
		case b == 0:
			return a
		}
		return min(a, b)
	}
	return Limits{Balance: f(l.Balance, o.Balance), Single: f(l.Single, o.Single), Daily: f(l.Daily, o.Daily), Yearly: f(l.Yearly, o.Yearly)}
}

// Within reports whether every limit of l is at most the same limit of
// ceiling (no limit is only within no limit).
func (l Limits) Within(ceiling Limits) bool {
	le := func(a, c int64) bool { return c == 0 || (a != 0 && a <= c) }
	return le(l.Balance, ceiling.Balance) && le(l.Single, ceiling.Single) && le(l.Daily, ceiling.Daily) && le(l.Yearly, ceiling.Yearly)
}

// defaultLimits are the central bank's default limits per tier, in major
// units of the wallet's currency (the guide's CNY figures, applied to any
// currency until the central bank sets its own). Yearly outflow limits of
// tiers 4 and 3 are assumptions after e-CNY's published class-4 figure.
var defaultLimits = map[WalletKind]map[Tier]Limits{
	WalletPersonal: {
		Tier4: {Balance: 10_000, Single: 2_000, Daily: 5_000, Yearly: 50_000},
		Tier3: {Balance: 20_000, Single: 5_000, Daily: 10_000, Yearly: 200_000},
		Tier2: {Balance: 500_000, Single: 50_000, Daily: 100_000},
		Tier1: {},
	},
	// Merchants take payments all day: no balance cap once a bank account
	// is linked (their excess is swept), higher outflow limits.
	WalletMerchant: {
		Tier4: {Balance: 50_000, Single: 5_000, Daily: 20_000, Yearly: 200_000},
		Tier3: {Balance: 100_000, Single: 10_000, Daily: 50_000, Yearly: 1_000_000},
		Tier2: {Balance: 1_000_000, Single: 100_000, Daily: 500_000},
		Tier1: {},
	},
}

// DefaultLimits are the central bank's default limits of a tier and wallet
// kind, in minor units of cur.
func DefaultLimits(kind WalletKind, t Tier, cur Currency) Limits {
	l := defaultLimits[kind][t]
	scale := int64(1)
	for i := 0; i < cur.Exponent; i++ {
		scale *= 10
	}
	return Limits{Balance: l.Balance * scale, Single: l.Single * scale, Daily: l.Daily * scale, Yearly: l.Yearly * scale}
}

// Outflow is a wallet's outflow so far in the current day and year of the
// ledger's time zone. Day and Year identify the period (20261127, 2026);
// a counter of another period counts as zero.
type Outflow struct {
	Day       int32
	DayTotal  int64
	Year      int32
	YearTotal int64
}

// Period returns the day (yyyymmdd) and year of t in loc.
func Period(t time.Time, loc *time.Location) (day, year int32) {
	l := t.In(loc)
	return int32(l.Year()*10000 + int(l.Month())*100 + l.Day()), int32(l.Year())
}

// Used returns the outflow so far in the period of (day, year).
func (o Outflow) Used(day, year int32) (dayTotal, yearTotal int64) {
	if o.Day == day {
		dayTotal = o.DayTotal
	}
	if o.Year == year {
		yearTotal = o.YearTotal
	}
	return dayTotal, yearTotal
}

// Add records an outflow of amount in the period of (day, year).
func (o Outflow) Add(amount int64, day, year int32) Outflow {
	d, y := o.Used(day, year)
	return Outflow{Day: day, DayTotal: d + amount, Year: year, YearTotal: y + amount}
}

// CheckOutflow checks a payment of amount against the single, daily and
// yearly limits; the error names the limit (limit_exceeded).
func CheckOutflow(l Limits, o Outflow, amount int64, day, year int32, cur Currency) error {
	if l.Single > 0 && amount > l.Single {
		return Errorf(CodeLimitExceeded, "single payment limit: %s %s is above the limit of %s", FormatAmount(amount, cur), cur.Code, FormatAmount(l.Single, cur))
	}
	d, y := o.Used(day, year)
	if l.Daily > 0 && d+amount > l.Daily {
		return Errorf(CodeLimitExceeded, "daily limit: %s %s would take today's payments to %s, above the limit of %s", FormatAmount(amount, cur), cur.Code, FormatAmount(d+amount, cur), FormatAmount(l.Daily, cur))
	}
	if l.Yearly > 0 && y+amount > l.Yearly {
		return Errorf(CodeLimitExceeded, "yearly limit: %s %s would take this year's payments to %s, above the limit of %s", FormatAmount(amount, cur), cur.Code, FormatAmount(y+amount, cur), FormatAmount(l.Yearly, cur))
	}
	return nil
}

// Remaining is what is left of the daily and yearly limits (-1: no limit).
func Remaining(l Limits, o Outflow, day, year int32) (daily, yearly int64) {
	d, y := o.Used(day, year)
	daily, yearly = -1, -1
	if l.Daily > 0 {
		daily = max(0, l.Daily-d)
	}
	if l.Yearly > 0 {
		yearly = max(0, l.Yearly-y)
	}
	return daily, yearly
}

// String writes a tier as its number.
func (t Tier) String() string { return fmt.Sprintf("%d", int(t)) }

// LimitRule sets the limits of a tier for wallets of a kind and currency:
// the central bank's (OperatorID "") are the ceiling and the default, an
// operator's apply to its own wallets and must be within the central bank's.
type LimitRule struct {
	OperatorID string
	Currency   string
	WalletKind WalletKind
	Tier       Tier
	Limits     Limits
	UpdatedAt  time.Time
}
