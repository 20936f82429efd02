package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
)

// Spending rules on a wallet (docs/spending-rules.md, ledger/spending.go):
// one rule per wallet, set (or replaced), read and removed at
// /v1/wallets/{id}/spending-rules.

// SpendingRule is a wallet's spending rule.
type SpendingRule struct {
	Wallet    string    `json:"wallet"`
	Allow     string    `json:"allow" example:"payee.mcc in ['5411', '5812'] && payer.sent_24h + amount <= 5000" doc:"A CEL expression over the payment, true for the payments the wallet may make (docs/spending-rules.md). Amounts are integers in minor units."`
	Otherwise string    `json:"otherwise" enum:"deny,approve" doc:"A payment the rule does not allow is refused (deny: 403 spending_rule_denied) or needs the holder's approval (approve)."`
	SetBy     string    `json:"set_by" enum:"operator,holder" doc:"Who set it: the wallet's operator, or the holder (on a sub-wallet). Only the operator changes or removes an operator's rule."`
	CreatedAt time.Time `json:"created_at" doc:"When it was set."`
}

func spendingRuleOut(r *ledger.WalletSpendingRule) SpendingRule {
	return SpendingRule{Wallet: ingot.FormatWalletID(r.Wallet), Allow: r.Rule.Allow, Otherwise: string(r.Rule.Otherwise),
		SetBy: string(r.Rule.SetBy), CreatedAt: r.Rule.CreatedAt.UTC()}
}

type setSpendingRuleIn struct {
	ID             string `path:"id" doc:"16-digit wallet id."`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		Allow     string `json:"allow" maxLength:"2000" example:"payee.mcc in ['5411', '5812'] && payer.sent_24h + amount <= 5000" doc:"A CEL expression over the payment, as risk rules see it (amount in minor units, currency, channel, new_payee, payer.*, payee.*, now), true for what the wallet may pay."`
		Otherwise string `json:"otherwise,omitempty" enum:"deny,approve" doc:"What happens to a payment the rule does not allow: deny (the default) refuses it, approve asks the holder's approval."`
	}
}

func (s *server) spendingRoutes() {
	const tag = "Wallets"
	const path = "/v1/wallets/{id}/spending-rules"
	post(s, "setSpendingRule", path, "Set a wallet's spending rule (one per wallet; replaces the previous one): what it may pay", http.StatusCreated, tag, s.setSpendingRule)
	get(s, "getSpendingRule", path, "Read a wallet's spending rule", tag, s.getSpendingRule)
	register(s, http.MethodDelete, "removeSpendingRule", path, "Remove a wallet's spending rule (answers the rule removed)", http.StatusOK, tag, s.removeSpendingRule)
}

func (s *server) setSpendingRule(ctx context.Context, in *setSpendingRuleIn) (*Out[SpendingRule], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ledger.WalletSpendingRule, error) {
			return s.svc.SetSpendingRule(ctx, actor(ctx), in.ID, ledger.SpendingRuleIn{Allow: in.Body.Allow, Otherwise: in.Body.Otherwise}, idem)
		}, spendingRuleOut)
}

func (s *server) getSpendingRule(ctx context.Context, in *walletIn) (*Body[SpendingRule], error) {
	r, err := s.svc.SpendingRule(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[SpendingRule]{Body: spendingRuleOut(r)}, nil
}

func (s *server) removeSpendingRule(ctx context.Context, in *walletActionIn) (*Out[SpendingRule], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, nil,
		func(idem *ledger.Idem) (*ledger.WalletSpendingRule, error) {
			return s.svc.RemoveSpendingRule(ctx, actor(ctx), in.ID, idem)
		}, spendingRuleOut)
}
