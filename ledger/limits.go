package ledger

import (
	"context"
	"strings"

	"github.com/ingot-cbdc/ingot"
)

// limitTable resolves a wallet's effective limits from the limit rules:
// the central bank's rule for the wallet's currency, kind and tier (or
// ingot.DefaultLimits when it set none), tightened by the operator's own
// rule when there is one. The engine loads the rules of a batch's operators
// inside the batch's transaction, so that every process enforces the rules
// as committed.
type limitTable struct {
	rules map[ruleKey]ingot.Limits
	// wallets are a sub-wallet's own limits (rules keyed WalletRuleKey),
	// whatever their tier: they only ever tighten the tier's.
	wallets map[string]ingot.Limits
}

// WalletRuleKey is the OperatorID of the limit rule that holds a
// sub-wallet's own limits: "wallet:" and its 16-digit id.
func WalletRuleKey(id int64) string { return walletRulePrefix + ingot.FormatWalletID(id) }

const walletRulePrefix = "wallet:"

// ruleOwners are the rule keys that bear on wallets: the central bank's
// (""), their operators' and, for sub-wallets, their own.
func ruleOwners(ws []*ingot.Account) []string {
	owners := map[string]struct{}{"": {}}
	for _, a := range ws {
		if a.Kind != ingot.AccountWallet {
			continue
		}
		owners[a.OperatorID] = struct{}{}
		if a.ParentID != 0 {
			owners[WalletRuleKey(a.ID)] = struct{}{}
		}
	}
	return sortedKeys(owners)
}

type ruleKey struct {
	operator, currency string
	kind               ingot.WalletKind
	tier               ingot.Tier
}

func newLimitTable(rules []ingot.LimitRule) *limitTable {
	lt := &limitTable{rules: make(map[ruleKey]ingot.Limits, len(rules)), wallets: map[string]ingot.Limits{}}
	for _, r := range rules {
		if strings.HasPrefix(r.OperatorID, walletRulePrefix) {
			lt.wallets[r.OperatorID] = r.Limits
			continue
		}
		lt.rules[ruleKey{r.OperatorID, r.Currency, r.WalletKind, r.Tier}] = r.Limits
	}
	return lt
}

// walletTier is a wallet's tier; wallets stored before tiers existed count
// as tier 4, the most limited.
func walletTier(a *ingot.Account) ingot.Tier {
	if a.Tier.Valid() {
		return a.Tier
	}
	return ingot.Tier4
}

// central is the central bank's limits of a tier.
func (lt *limitTable) central(kind ingot.WalletKind, t ingot.Tier, cur ingot.Currency) ingot.Limits {
	if l, ok := lt.rules[ruleKey{"", cur.Code, kind, t}]; ok {
		return l
	}
	return ingot.DefaultLimits(kind, t, cur)
}

// tierLimits are the limits of a tier for an operator's wallets of a kind.
func (lt *limitTable) tierLimits(operatorID string, kind ingot.WalletKind, t ingot.Tier, cur ingot.Currency) ingot.Limits {
	c := lt.central(kind, t, cur)
	if own, ok := lt.rules[ruleKey{operatorID, cur.Code, kind, t}]; ok {
		return own.Min(c)
	}
	return c
}

// For is a wallet's effective limits. A wallet with a linked bank account
// still has its balance cap, but never refuses a credit for it: the excess
// is swept to the bank (the waterfall), which is how a merchant receives
// without limit. A sub-wallet's own
// limits tighten its tier's.
func (lt *limitTable) For(a *ingot.Account) ingot.Limits {
	cur, err := ingot.LookupCurrency(a.Currency)
	if err != nil {
		return ingot.Limits{}
	}
	kind := a.WalletKind
	if kind == "" {
		kind = ingot.WalletPersonal
	}
	l := lt.tierLimits(a.OperatorID, kind, walletTier(a), cur)
	if a.ParentID != 0 {
		if own, ok := lt.wallets[WalletRuleKey(a.ID)]; ok {
			l = own.Min(l)
		}
	}
	return l
}

// balanceCap is the most a wallet may hold: the tier's cap and the holder's
// own holding limit, whichever is lower (0: no cap), and which of the two
// it is.
func (lt *limitTable) balanceCap(a *ingot.Account) (int64, string) {
	c := lt.For(a).Balance
	if a.HoldingLimit > 0 && (c == 0 || a.HoldingLimit < c) {
		return a.HoldingLimit, "holding limit"
	}
	return c, "balance limit"
}

// WalletLimits are a wallet's effective limits and what is left of them
// today and this year.
type WalletLimits struct {
	Limits  ingot.Limits
	Holding int64 // the holder's own holding limit; 0: none
	Daily   int64 // remaining today; -1: no daily limit
	Yearly  int64 // remaining this year; -1: no yearly limit
}

func (lt *limitTable) view(a *ingot.Account, day, year int32) *WalletLimits {
	l := lt.For(a)
	d, y := ingot.Remaining(l, a.Outflow, day, year)
	return &WalletLimits{Limits: l, Holding: a.HoldingLimit, Daily: d, Yearly: y}
}

// Limits are the effective limits of wallets, as the rules stand now.
func (s *Service) Limits(ctx context.Context, ws []ingot.Account) ([]WalletLimits, error) {
	ps := make([]*ingot.Account, len(ws))
	for i := range ws {
		ps[i] = &ws[i]
	}
	rules, err := s.st.LimitRules(ctx, ruleOwners(ps))
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	lt := newLimitTable(rules)
	day, year := ingot.Period(s.now(), s.zone())
	out := make([]WalletLimits, len(ws))
	for i := range ws {
		out[i] = *lt.view(&ws[i], day, year)
	}
	return out, nil
}
