package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
)

// KYC tiers and limits: upgrades, the holder's settings, limit rules.

type upgradeIn struct {
	ID             string `path:"id" doc:"16-digit wallet id."`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		Tier       int    `json:"tier" minimum:"1" maximum:"4" doc:"The tier asked for: 3 needs a verified ID, 2 also a linked bank account, 1 also identification in person."`
		IDNumber   string `json:"id_number,omitempty" maxLength:"64" doc:"The identity document's number; stored encrypted, shown masked."`
		IDVerified bool   `json:"id_verified,omitempty" doc:"The operator verified the identity document."`
		InPerson   bool   `json:"in_person,omitempty" doc:"The operator identified the holder in person."`
	}
}

type settingsIn struct {
	ID             string `path:"id" doc:"16-digit wallet id."`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		HoldingLimit     *string `json:"holding_limit,omitempty" doc:"The holder's own balance cap, at most the tier's; \"0\" removes it."`
		ReverseWaterfall *bool   `json:"reverse_waterfall,omitempty" doc:"Pull a payment's shortfall from the linked bank account."`
	}
}

type limitsIn struct {
	Currency string `query:"currency" required:"true" doc:"ISO 4217 code."`
}

// LimitRule is the limits of a tier for wallets of a kind; null is no limit.
type LimitRule struct {
	Currency   string  `json:"currency"`
	WalletKind string  `json:"wallet_kind" enum:"personal,merchant"`
	Tier       int     `json:"tier" minimum:"1" maximum:"4"`
	Balance    *string `json:"balance"`
	Single     *string `json:"single"`
	Daily      *string `json:"daily"`
	Yearly     *string `json:"yearly"`
}

type setLimitsIn struct {
	Body struct {
		Currency   string `json:"currency"`
		WalletKind string `json:"wallet_kind" enum:"personal,merchant"`
		Tier       int    `json:"tier" minimum:"1" maximum:"4"`
		Balance    string `json:"balance,omitempty" doc:"Absent: no limit."`
		Single     string `json:"single,omitempty"`
		Daily      string `json:"daily,omitempty"`
		Yearly     string `json:"yearly,omitempty"`
	}
}

func (s *server) kycRoutes() {
	post(s, "upgradeWallet", "/v1/wallets/{id}/upgrade", "Change a wallet's KYC tier", http.StatusOK, "Wallets", s.upgrade)
	huma.Register(s.api, huma.Operation{
		OperationID: "updateWallet", Method: http.MethodPatch, Path: "/v1/wallets/{id}",
		Summary: "Set the holder's holding limit and reverse waterfall", Tags: []string{"Wallets"},
		MaxBodyBytes: MaxBodyBytes, Security: bearer,
	}, s.updateSettings)
	get(s, "getLimits", "/v1/limits", "The effective limits of every tier (central bank: its own; operator: its own within the central bank's)", "Limits", s.limits)
	huma.Register(s.api, huma.Operation{
		OperationID: "setLimits", Method: http.MethodPut, Path: "/v1/limits",
		Summary: "Set the limits of a tier (central bank: the ceiling; operator: its own, within it)", Tags: []string{"Limits"},
		MaxBodyBytes: MaxBodyBytes, Security: bearer,
	}, s.setLimits)
}

func (s *server) upgrade(ctx context.Context, in *upgradeIn) (*Out[Wallet], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, in.Body,
		func(idem *ledger.Idem) (*ledger.WalletView, error) {
			return s.svc.Upgrade(ctx, actor(ctx), in.ID, ledger.UpgradeRequest{Tier: in.Body.Tier, IDNumber: in.Body.IDNumber,
				IDVerified: in.Body.IDVerified, InPerson: in.Body.InPerson}, idem)
		}, s.renderWallet(ctx))
}

func (s *server) updateSettings(ctx context.Context, in *settingsIn) (*Out[Wallet], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, in.Body,
		func(idem *ledger.Idem) (*ledger.WalletView, error) {
			return s.svc.UpdateSettings(ctx, actor(ctx), in.ID, ledger.Settings{HoldingLimit: in.Body.HoldingLimit, ReverseWaterfall: in.Body.ReverseWaterfall}, idem)
		}, s.renderWallet(ctx))
}

func (s *server) limits(ctx context.Context, in *limitsIn) (*Body[List[LimitRule]], error) {
	rs, err := s.svc.TierLimits(ctx, actor(ctx), in.Currency)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[LimitRule]{Items: make([]LimitRule, len(rs))}
	for i := range rs {
		out.Items[i] = limitRuleOut(rs[i])
	}
	return &Body[List[LimitRule]]{Body: out}, nil
}

func (s *server) setLimits(ctx context.Context, in *setLimitsIn) (*Body[LimitRule], error) {
	b := in.Body
	r, err := s.svc.SetLimits(ctx, actor(ctx), ledger.LimitRequest{Currency: b.Currency, WalletKind: b.WalletKind, Tier: b.Tier,
		Balance: b.Balance, Single: b.Single, Daily: b.Daily, Yearly: b.Yearly})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[LimitRule]{Body: limitRuleOut(r)}, nil
}

func limitRuleOut(r ingot.LimitRule) LimitRule {
	cur := ingot.MustCurrency(r.Currency)
	f := func(v int64) *string {
		if v <= 0 {
			return nil
		}
		s := ingot.FormatAmount(v, cur)
		return &s
	}
	return LimitRule{Currency: r.Currency, WalletKind: string(r.WalletKind), Tier: int(r.Tier),
		Balance: f(r.Limits.Balance), Single: f(r.Limits.Single), Daily: f(r.Limits.Daily), Yearly: f(r.Limits.Yearly)}
}
