package risk

import "github.com/ingot-cbdc/ingot"

// Thresholds are the built-in AML rules' parameters for one currency, in
// its minor units (configurable per currency; DefaultThresholds).
type Thresholds struct {
	// Large-value reports: a person's payments of LargeValue or more in a
	// day, single or cumulative, sent or received; a business's
	// LargeValueBusiness; a cross-border payment of LargeValueCrossBorder
	// or more, on its own. (PBoC 2016 No. 3 for CNY: 500,000 and
	// 2,000,000; cross-border 200,000.)
	LargeValue, LargeValueBusiness, LargeValueCrossBorder int64
	// Structuring: StructuringCount or more payments sent within 24 h, each
	// at 90–100 % (below 100 %) of the payer's large-value threshold.
	StructuringCount int64
	// Pass-through: a payment of PassThroughMin or more that takes 80 % or
	// more of the payer's balance, when the payer received 80 % or more of
	// it in the last hour.
	PassThroughMin int64
	// Fan-out and fan-in: a wallet that pays FanOut distinct wallets, or is
	// paid by FanIn distinct wallets (merchants excepted), within 24 h.
	FanOut, FanIn int64
	// Dormant: a wallet without payments for DormantDays that sends or
	// receives DormantMin or more.
	DormantDays, DormantMin int64
}

// DefaultThresholds are the built-in thresholds for a currency: PBoC's
// figures in major units of the currency (500,000.00; 2,000,000.00;
// 200,000.00), pass-through and dormancy from 50,000.00, 20
// counterparties, 90 days.
func DefaultThresholds(c ingot.Currency) Thresholds {
	unit := int64(1)
	for range c.Exponent {
		unit *= 10
	}
	return Thresholds{
		LargeValue: 500_000 * unit, LargeValueBusiness: 2_000_000 * unit, LargeValueCrossBorder: 200_000 * unit,
		StructuringCount: 3, PassThroughMin: 50_000 * unit, FanOut: 20, FanIn: 20,
		DormantDays: 90, DormantMin: 50_000 * unit,
	}
}

// The built-in patterns.
const (
	PatternStructuring = "structuring"
	PatternPassThrough = "pass_through"
	PatternFanOut      = "fan_out"
	PatternFanIn       = "fan_in"
	PatternDormant     = "dormant"
	PatternScreening   = "screening"
	// PatternOfflineDoubleSpend: an offline device reused a counter,
	// forked its chain of payments, spent more than it had, or paid after
	// its revocation (docs/offline-and-ussd.md).
	PatternOfflineDoubleSpend = "offline_double_spend"
)

// Finding is a pattern a payment matched: an alert on Wallet ("payer" or
// "payee" side) with its evidence.
type Finding struct {
	Pattern  string
	Severity Severity
	Payee    bool // the alert is on the payee's wallet, not the payer's
	Evidence map[string]int64
}

// LargeValueThreshold is the reporting threshold of a wallet.
func (t *Thresholds) LargeValueThreshold(business bool) int64 {
	if business {
		return t.LargeValueBusiness
	}
	return t.LargeValue
}

// Near reports whether a payment of amount sits at 90–100 % (below 100 %)
// of the payer's reporting threshold.
func (t *Thresholds) Near(amount int64, business bool) bool {
	th := t.LargeValueThreshold(business)
	return th > 0 && amount < th && amount*10 >= th*9
}

// Patterns checks a payment against the built-in patterns, with the facts
// as they were before it. newPayer says that the payer had not paid the
// payee in the last day; newPayee the same seen from the payer (both
// mean a counterparty more in the window).
func (t *Thresholds) Patterns(f *Facts, newInWindow bool) []Finding {
	var out []Finding
	p, q := &f.Payer, &f.Payee
	if t.StructuringCount > 0 && t.Near(f.Amount, p.Business) && p.Near24h+1 >= t.StructuringCount {
		out = append(out, Finding{Pattern: PatternStructuring, Severity: SeverityHigh,
			Evidence: map[string]int64{"amount": f.Amount, "threshold": t.LargeValueThreshold(p.Business), "near_payments_24h": p.Near24h + 1}})
	}
	if t.PassThroughMin > 0 && f.Amount >= t.PassThroughMin && f.Amount*10 >= p.Balance*8 && p.Received1h*10 >= f.Amount*8 {
		out = append(out, Finding{Pattern: PatternPassThrough, Severity: SeverityHigh,
			Evidence: map[string]int64{"amount": f.Amount, "balance": p.Balance, "received_1h": p.Received1h}})
	}
	if newInWindow && t.FanOut > 0 && p.Payees24h+1 == t.FanOut {
		out = append(out, Finding{Pattern: PatternFanOut, Severity: SeverityMedium,
			Evidence: map[string]int64{"payees_24h": p.Payees24h + 1}})
	}
	if newInWindow && t.FanIn > 0 && q.Kind != string(ingot.WalletMerchant) && q.Senders24h+1 == t.FanIn {
		out = append(out, Finding{Pattern: PatternFanIn, Severity: SeverityMedium, Payee: true,
			Evidence: map[string]int64{"senders_24h": q.Senders24h + 1}})
	}
	if t.DormantDays > 0 && f.Amount >= t.DormantMin {
		if p.IdleDays >= t.DormantDays {
			out = append(out, Finding{Pattern: PatternDormant, Severity: SeverityMedium,
				Evidence: map[string]int64{"amount": f.Amount, "idle_days": p.IdleDays}})
		}
		if q.IdleDays >= t.DormantDays && q.Wallet != "" {
			out = append(out, Finding{Pattern: PatternDormant, Severity: SeverityMedium, Payee: true,
				Evidence: map[string]int64{"amount": f.Amount, "idle_days": q.IdleDays}})
		}
	}
	return out
}
