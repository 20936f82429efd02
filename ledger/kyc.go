package ledger

import (
	"context"
	"strconv"
	"strings"

	"github.com/ingot-cbdc/ingot"
)

// UpgradeRequest asks for a wallet's tier to change. IDNumber, IDVerified
// and InPerson are evidence the operator vouches for; a linked bank account
// is evidence the ledger knows by itself.
type UpgradeRequest struct {
	Tier       int
	IDNumber   string
	IDVerified bool
	InPerson   bool
}

// Upgrade changes a wallet's tier: up when the evidence is there (else
// tier_requirements_unmet, listing what is missing), down when the balance
// fits the lower tier.
func (s *Service) Upgrade(ctx context.Context, a ingot.Actor, walletID string, r UpgradeRequest, idem *Idem) (*WalletView, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	t := ingot.Tier(r.Tier)
	if !t.Valid() {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "tier must be 1, 2, 3 or 4")
	}
	c := &upgradeCmd{wallet: w.ID, parent: w.ParentID, tier: t, evidence: ingot.Evidence{IDVerified: r.IDVerified, InPerson: r.InPerson}}
	if id := strings.TrimSpace(r.IDNumber); id != "" {
		if len(id) > 64 {
			return nil, ingot.Errorf(ingot.CodeInvalidRequest, "id_number must be at most 64 characters")
		}
		if c.idNumber, err = s.sealPII("holder_id_number", w.ID, id); err != nil {
			return nil, err
		}
	}
	return submit(ctx, s.eng, a, c, idem)
}

// Settings are the holder's own settings; nil leaves one as it is.
type Settings struct {
	HoldingLimit     *string // a decimal amount; "" or "0" removes the limit
	ReverseWaterfall *bool
}

// UpdateSettings changes a wallet's holding limit and reverse waterfall.
func (s *Service) UpdateSettings(ctx context.Context, a ingot.Actor, walletID string, st Settings, idem *Idem) (*WalletView, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	c := &settingsCmd{wallet: w.ID, reverseWaterfall: st.ReverseWaterfall}
	if st.HoldingLimit != nil {
		var v int64
		if h := *st.HoldingLimit; h != "" && h != "0" {
			if v, err = ingot.ParseAmount(h, ingot.MustCurrency(w.Currency)); err != nil {
				return nil, err
			}
		}
		c.holdingLimit = &v
	}
	if c.holdingLimit == nil && c.reverseWaterfall == nil {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "nothing to change: give holding_limit or reverse_waterfall")
	}
	return submit(ctx, s.eng, a, c, idem)
}

// LimitRequest sets the limits of a tier (decimal amounts; "" or absent is
// no limit).
type LimitRequest struct {
	Currency   string
	WalletKind string
	Tier       int
	Balance    string
	Single     string
	Daily      string
	Yearly     string
}

// SetLimits sets limits of a tier: the central bank's are the ceiling for
// every operator; an operator's apply to its own wallets and must be within
// the central bank's.
func (s *Service) SetLimits(ctx context.Context, a ingot.Actor, r LimitRequest) (ingot.LimitRule, error) {
	if a.Role != ingot.RoleCentralBank && a.Role != ingot.RoleOperator {
		return ingot.LimitRule{}, ingot.Errorf(ingot.CodeForbidden, "only the central bank and operators set limits")
	}
	cur, err := ingot.LookupCurrency(r.Currency)
	if err != nil {
		return ingot.LimitRule{}, err
	}
	kind := ingot.WalletKind(r.WalletKind)
	if kind != ingot.WalletPersonal && kind != ingot.WalletMerchant {
		return ingot.LimitRule{}, ingot.Errorf(ingot.CodeInvalidRequest, "wallet_kind must be \"personal\" or \"merchant\"")
	}
	t := ingot.Tier(r.Tier)
	if !t.Valid() {
		return ingot.LimitRule{}, ingot.Errorf(ingot.CodeInvalidRequest, "tier must be 1, 2, 3 or 4")
	}
	var l ingot.Limits
	for _, f := range []struct {
		name string
		in   string
		out  *int64
	}{{"balance", r.Balance, &l.Balance}, {"single", r.Single, &l.Single}, {"daily", r.Daily, &l.Daily}, {"yearly", r.Yearly, &l.Yearly}} {
		if f.in == "" {
			continue
		}
		v, err := ingot.ParseAmount(f.in, cur)
		if err != nil {
			return ingot.LimitRule{}, ingot.Prefix(err, f.name)
		}
		*f.out = v
	}
	if a.Role == ingot.RoleCentralBank {
		if err := s.requireIssuer(ctx, a, cur.Code, false); err != nil { // issuers.go: each issuer its currency's
			return ingot.LimitRule{}, err
		}
	}
	rule := ingot.LimitRule{Currency: cur.Code, WalletKind: kind, Tier: t, Limits: l, UpdatedAt: s.now()}
	if a.Role == ingot.RoleOperator {
		rule.OperatorID = a.OperatorID
		rules, err := s.st.LimitRules(ctx, []string{""})
		if err != nil {
			return ingot.LimitRule{}, s.unavailable(ctx, err)
		}
		ceiling := newLimitTable(rules).central(kind, t, cur)
		if !l.Within(ceiling) {
			return ingot.LimitRule{}, ingot.Errorf(ingot.CodeLimitExceeded, "an operator's limits must be within the central bank's for tier %d: balance %s, single %s, daily %s, yearly %s",
				t, limitText(ceiling.Balance, cur), limitText(ceiling.Single, cur), limitText(ceiling.Daily, cur), limitText(ceiling.Yearly, cur))
		}
	}
	if err := s.st.SetLimitRule(ctx, rule); err != nil {
		return ingot.LimitRule{}, s.unavailable(ctx, err)
	}
	return rule, nil
}

// TierLimits lists the effective limits of every tier and wallet kind of a
// currency for the caller: the central bank's, or an operator's own (its
// rules within the central bank's).
func (s *Service) TierLimits(ctx context.Context, a ingot.Actor, currency string) ([]ingot.LimitRule, error) {
	if a.Role != ingot.RoleCentralBank && a.Role != ingot.RoleOperator {
		return nil, ingot.Errorf(ingot.CodeForbidden, "only the central bank and operators read limits")
	}
	cur, err := ingot.LookupCurrency(currency)
	if err != nil {
		return nil, err
	}
	rules, err := s.st.LimitRules(ctx, []string{"", a.OperatorID})
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	lt := newLimitTable(rules)
	var out []ingot.LimitRule
	for _, kind := range []ingot.WalletKind{ingot.WalletPersonal, ingot.WalletMerchant} {
		for t := ingot.Tier1; t <= ingot.Tier4; t++ {
			out = append(out, ingot.LimitRule{OperatorID: a.OperatorID, Currency: cur.Code, WalletKind: kind, Tier: t,
				Limits: lt.tierLimits(a.OperatorID, kind, t, cur)})
		}
	}
	return out, nil
}

func limitText(v int64, cur ingot.Currency) string {
	if v == 0 {
		return "none"
	}
	return ingot.FormatAmount(v, cur)
}

// sealPII encrypts a holder's personal data for storage, bound to its column
// and record.
func (s *Service) sealPII(column string, id int64, v string) (string, error) {
	if s.pii == nil {
		return "", ingot.Errorf(ingot.CodeInternal, "no data key: personal data cannot be stored")
	}
	sealed, err := s.pii.Seal(v, column+":"+strconv.FormatInt(id, 10))
	if err != nil {
		return "", err
	}
	return sealed, nil
}
