package httpapi

import (
	"context"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
)

// Cross-border rules (issue 15; docs/cross-border.md): each issuer sets,
// for its currencies, which tiers may not pay across borders, whether such
// payments need a purpose code, and corridors' daily limits per holder.

// CrossBorderRules are a currency's cross-border rules.
type CrossBorderRules struct {
	Currency        string     `json:"currency" example:"CNY"`
	BlockedTiers    []int      `json:"blocked_tiers" doc:"KYC tiers whose wallets may not pay another jurisdiction (cross_border_not_allowed). Default [4]." example:"[4]"`
	PurposeRequired bool       `json:"purpose_required" doc:"Cross-border payments must carry an ISO 20022 purpose code (purpose_required). Default false."`
	Corridors       []Corridor `json:"corridors" doc:"Daily limits per holder (a wallet and its sub-wallets) on payments from one jurisdiction to another (corridor_limit_exceeded). Default none."`
	UpdatedAt       *time.Time `json:"updated_at,omitempty" doc:"When the issuer last set them; absent: the defaults."`
}

// Corridor is a daily limit per holder from one jurisdiction to another.
type Corridor struct {
	From       string `json:"from" maxLength:"2" doc:"The payer's jurisdiction, ISO 3166-1 alpha-2." example:"CN"`
	To         string `json:"to" maxLength:"2" doc:"The payee's jurisdiction." example:"HK"`
	DailyLimit string `json:"daily_limit" maxLength:"24" doc:"The most one holder sends this way in a day, in the currency." example:"50000.00"`
}

func crossBorderOut(r ingot.CrossBorderRules) CrossBorderRules {
	cur := ingot.MustCurrency(r.Currency)
	out := CrossBorderRules{Currency: r.Currency, BlockedTiers: []int{}, PurposeRequired: r.PurposeRequired, Corridors: []Corridor{}}
	for _, t := range r.BlockedTiers {
		out.BlockedTiers = append(out.BlockedTiers, int(t))
	}
	for _, c := range r.Corridors {
		out.Corridors = append(out.Corridors, Corridor{From: c.From, To: c.To, DailyLimit: ingot.FormatAmount(c.DailyLimit, cur)})
	}
	if !r.UpdatedAt.IsZero() {
		t := r.UpdatedAt.UTC()
		out.UpdatedAt = &t
	}
	return out
}

type crossBorderIn struct {
	Currency string `query:"currency" required:"true" doc:"ISO 4217 code." example:"CNY"`
}

type setCrossBorderIn struct {
	Body struct {
		Currency        string     `json:"currency" doc:"One of your currencies (you are its issuer)." example:"CNY"`
		BlockedTiers    []int      `json:"blocked_tiers" maxItems:"4" doc:"Tiers (1 to 4) that may not pay across borders; [] lets every tier." example:"[4]"`
		PurposeRequired bool       `json:"purpose_required,omitempty" doc:"Require an ISO 20022 purpose code on cross-border payments."`
		Corridors       []Corridor `json:"corridors,omitempty" maxItems:"300" doc:"Daily limits per holder, one per pair of jurisdictions."`
	}
}

func (s *server) crossBorderRoutes() {
	get(s, "getCrossBorderRules", "/v1/cross-border/rules", "A currency's cross-border rules (the defaults until its issuer sets them)", "Cross-border", s.crossBorderRules)
	put(s, "setCrossBorderRules", "/v1/cross-border/rules", "Set a currency's cross-border rules (its issuer): barred tiers, purpose codes, corridors", "Cross-border", s.setCrossBorderRules)
}

func (s *server) crossBorderRules(ctx context.Context, in *crossBorderIn) (*Body[CrossBorderRules], error) {
	r, err := s.svc.CrossBorderRules(ctx, actor(ctx), in.Currency)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[CrossBorderRules]{Body: crossBorderOut(r)}, nil
}

func (s *server) setCrossBorderRules(ctx context.Context, in *setCrossBorderIn) (*Body[CrossBorderRules], error) {
	b := in.Body
	req := ledger.CrossBorderRequest{Currency: b.Currency, BlockedTiers: b.BlockedTiers, PurposeRequired: b.PurposeRequired}
	for _, c := range b.Corridors {
		req.Corridors = append(req.Corridors, ledger.CorridorRequest{From: c.From, To: c.To, DailyLimit: c.DailyLimit})
	}
	r, err := s.svc.SetCrossBorderRules(ctx, actor(ctx), req)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[CrossBorderRules]{Body: crossBorderOut(r)}, nil
}
