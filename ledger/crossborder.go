package ledger

import (
	"context"
	"fmt"
	"slices"

	"github.com/ingot-cbdc/ingot"
)

// Cross-border rules (crossborder.go in package ingot; the engine's side is
// in jurisdiction.go): each issuer sets them for its own currencies.

// CrossBorderRequest is the body of PUT /v1/cross-border/rules.
type CrossBorderRequest struct {
	Currency        string
	BlockedTiers    []int
	PurposeRequired bool
	Corridors       []CorridorRequest
}

// CorridorRequest is a corridor as the API writes it.
type CorridorRequest struct {
	From, To   string
	DailyLimit string // a decimal amount in the currency
}

// SetCrossBorderRules replaces a currency's cross-border rules: its issuer
// only. They apply to the next batch on every process (the engine reads them
// in each batch whose wallets span jurisdictions).
func (s *Service) SetCrossBorderRules(ctx context.Context, a ingot.Actor, r CrossBorderRequest) (ingot.CrossBorderRules, error) {
	cur, err := ingot.LookupCurrency(r.Currency)
	if err != nil {
		return ingot.CrossBorderRules{}, ingot.Prefix(err, "currency")
	}
	if err := s.requireIssuer(ctx, a, cur.Code, false); err != nil { // issuers.go
		return ingot.CrossBorderRules{}, err
	}
	rules := ingot.CrossBorderRules{Currency: cur.Code, PurposeRequired: r.PurposeRequired, UpdatedAt: s.now(),
		BlockedTiers: []ingot.Tier{}, Corridors: []ingot.Corridor{}}
	for _, t := range r.BlockedTiers {
		rules.BlockedTiers = append(rules.BlockedTiers, ingot.Tier(t))
	}
	slices.Sort(rules.BlockedTiers)
	for i, c := range r.Corridors {
		from, err := ParseCountry(c.From)
		if err != nil {
			return ingot.CrossBorderRules{}, ingot.Prefix(err, fmt.Sprintf("corridors[%d].from", i))
		}
		to, err := ParseCountry(c.To)
		if err != nil {
			return ingot.CrossBorderRules{}, ingot.Prefix(err, fmt.Sprintf("corridors[%d].to", i))
		}
		v, err := ingot.ParseAmount(c.DailyLimit, cur)
		if err != nil {
			return ingot.CrossBorderRules{}, ingot.Prefix(err, fmt.Sprintf("corridors[%d].daily_limit", i))
		}
		rules.Corridors = append(rules.Corridors, ingot.Corridor{From: from, To: to, DailyLimit: v})
	}
	if err := rules.Validate(); err != nil {
		return ingot.CrossBorderRules{}, err
	}
	if err := s.st.SetCrossBorderRules(ctx, rules); err != nil {
		return ingot.CrossBorderRules{}, s.unavailable(ctx, err)
	}
	return rules, nil
}

// CrossBorderRules reads a currency's rules (the defaults until its issuer
// sets them), for any central bank or operator: operators need to know
// them.
func (s *Service) CrossBorderRules(ctx context.Context, a ingot.Actor, currency string) (ingot.CrossBorderRules, error) {
	if err := requireRole(a, ingot.RoleCentralBank, ingot.RoleOperator); err != nil {
		return ingot.CrossBorderRules{}, err
	}
	cur, err := ingot.LookupCurrency(currency)
	if err != nil {
		return ingot.CrossBorderRules{}, ingot.Prefix(err, "currency")
	}
	r, err := s.st.CrossBorderRules(ctx, cur.Code)
	if isNotFound(err) {
		return ingot.DefaultCrossBorderRules(cur.Code), nil
	}
	if err != nil {
		return ingot.CrossBorderRules{}, s.unavailable(ctx, err)
	}
	return r, nil
}
