package ingot

import (
	"fmt"
	"slices"
	"time"
)

// CrossBorderRules are a currency's cross-border rules (docs/cross-border.md).
// A payment between wallets of two jurisdictions (their operators'
// countries) is cross-border. The issuer of the payer's currency decides,
// per currency:
//
//   - which KYC tiers may not send one at all (BlockedTiers; by default
//     tier 4, the anonymous phone-only wallet): cross_border_not_allowed;
//   - whether one must carry an ISO 20022 purpose code (PurposeRequired):
//     purpose_required;
//   - how much one holder may send through a corridor, a pair of
//     jurisdictions, in a day (Corridors): corridor_limit_exceeded. A holder
//     is a wallet with its sub-wallets, as for the daily tier limits, and
//     the day is the engine's (Options.Zone).
type CrossBorderRules struct {
	Currency        string
	BlockedTiers    []Tier
	PurposeRequired bool
	Corridors       []Corridor
	UpdatedAt       time.Time // zero: the defaults, never set
}

// Corridor is a daily limit per holder on the payments of one currency from
// one jurisdiction to another.
type Corridor struct {
	From, To   string // ISO 3166-1 alpha-2
	DailyLimit int64  // minor units, > 0
}

// DefaultCrossBorderRules are a currency's rules until its issuer sets
// them: tier 4 may not pay across borders; purpose codes optional; no
// corridor limits.
func DefaultCrossBorderRules(currency string) CrossBorderRules {
	return CrossBorderRules{Currency: currency, BlockedTiers: []Tier{Tier4}}
}

// Blocks reports whether a wallet of tier t may not pay across borders. A
// wallet without a tier yet (0) is treated as tier 4.
func (r CrossBorderRules) Blocks(t Tier) bool {
	if t == 0 {
		t = Tier4
	}
	return slices.Contains(r.BlockedTiers, t)
}

// Corridor is the limit from one jurisdiction to another, if any.
func (r CrossBorderRules) Corridor(from, to string) (Corridor, bool) {
	for _, c := range r.Corridors {
		if c.From == from && c.To == to {
			return c, true
		}
	}
	return Corridor{}, false
}

// LimitsFrom reports whether any corridor starts in a jurisdiction.
func (r CrossBorderRules) LimitsFrom(country string) bool {
	return slices.ContainsFunc(r.Corridors, func(c Corridor) bool { return c.From == country })
}

// Validate checks rules as an issuer sets them (countries are checked by
// the caller, which knows ISO 3166).
func (r CrossBorderRules) Validate() error {
	seen := map[Tier]bool{}
	for _, t := range r.BlockedTiers {
		if t < Tier1 || t > Tier4 {
			return Errorf(CodeInvalidRequest, "blocked_tiers: %d is not a tier (1 to 4)", t)
		}
		if seen[t] {
			return Errorf(CodeInvalidRequest, "blocked_tiers: tier %d is named twice", t)
		}
		seen[t] = true
	}
	pairs := map[[2]string]bool{}
	for _, c := range r.Corridors {
		if c.From == c.To {
			return Errorf(CodeInvalidRequest, "corridors: %s to %s is not across a border", c.From, c.To)
		}
		if c.DailyLimit <= 0 || c.DailyLimit > MaxAmount {
			return Errorf(CodeInvalidRequest, "corridors: the daily limit of %s to %s must be positive", c.From, c.To)
		}
		k := [2]string{c.From, c.To}
		if pairs[k] {
			return Errorf(CodeInvalidRequest, "corridors: %s to %s is named twice", c.From, c.To)
		}
		pairs[k] = true
	}
	return nil
}

// CorridorCounter is what a holder (a root wallet and its sub-wallets) sent
// through a corridor on one day: Total counts on Day only.
type CorridorCounter struct {
	WalletID int64  // the holder's root wallet
	To       string // the destination jurisdiction (the origin is the wallet's)
	Day      int32  // ingot.Period's day
	Total    int64
}

// Used is the counter's total on day.
func (c CorridorCounter) Used(day int32) int64 {
	if c.Day != day {
		return 0
	}
	return c.Total
}

// CheckCorridor is the corridor rule: sending amount through c after used
// today. cur formats the detail.
func CheckCorridor(c Corridor, used, amount int64, cur Currency) error {
	if used+amount > c.DailyLimit {
		return Errorf(CodeCorridorLimitExceeded, "payments from %s to %s: %s %s today with this one, above the corridor's daily limit of %s per holder",
			c.From, c.To, FormatAmount(used+amount, cur), cur.Code, FormatAmount(c.DailyLimit, cur))
	}
	return nil
}

// String names rules in logs and errors.
func (r CrossBorderRules) String() string {
	return fmt.Sprintf("cross-border rules of %s", r.Currency)
}
