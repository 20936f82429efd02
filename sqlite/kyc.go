package sqlite

import (
	"context"
	"fmt"

	"github.com/ingot-cbdc/ingot"
)

// KYC: wallets by phone lookup hash, sub-wallets, tier limit rules.

// AccountsByPhone lists an operator's wallets with a holder phone hash.
func (s *Store) AccountsByPhone(ctx context.Context, operatorID string, h []byte) ([]ingot.Account, error) {
	return queryAccounts(ctx, s.r, "accounts by phone", `SELECT `+accountCols+` FROM accounts
		WHERE operator_id = ? AND holder_phone_hash = ? AND kind = 'wallet' ORDER BY id`, operatorID, h)
}

// SubWallets lists the wallets whose parent is the given wallet.
func (s *Store) SubWallets(ctx context.Context, parent int64) ([]ingot.Account, error) {
	return queryAccounts(ctx, s.r, "sub-wallets", `SELECT `+accountCols+` FROM accounts WHERE parent_id = ? AND parent_id <> 0 AND kind = 'wallet' ORDER BY id`, parent)
}

const upsertLimitRuleSQL = `INSERT INTO tier_limits (operator_id, currency, wallet_kind, tier, balance, single, daily, yearly, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (operator_id, currency, wallet_kind, tier) DO UPDATE SET balance = excluded.balance,
		single = excluded.single, daily = excluded.daily, yearly = excluded.yearly, updated_at = excluded.updated_at`

func limitRuleArgs(r ingot.LimitRule) []any {
	return []any{r.OperatorID, r.Currency, string(r.WalletKind), int(r.Tier), r.Limits.Balance, r.Limits.Single, r.Limits.Daily, r.Limits.Yearly, micros(r.UpdatedAt)}
}

// SetLimitRule stores a limit rule, replacing the one with its key.
func (s *Store) SetLimitRule(ctx context.Context, r ingot.LimitRule) error {
	_, err := s.w.ExecContext(ctx, upsertLimitRuleSQL, limitRuleArgs(r)...)
	if err != nil {
		return fmt.Errorf("sqlite: set limit rule: %w", err)
	}
	return nil
}

func limitRules(ctx context.Context, q querier, operatorIDs []string) ([]ingot.LimitRule, error) {
	if len(operatorIDs) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(operatorIDs)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT operator_id, currency, wallet_kind, tier, balance, single, daily, yearly, updated_at
		FROM tier_limits WHERE operator_id IN (SELECT value FROM json_each(?))
		ORDER BY operator_id, currency, wallet_kind, tier`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: limit rules: %w", err)
	}
	defer rows.Close()
	var out []ingot.LimitRule
	for rows.Next() {
		var r ingot.LimitRule
		var wk string
		var tier int
		var updated int64
		if err := rows.Scan(&r.OperatorID, &r.Currency, &wk, &tier, &r.Limits.Balance, &r.Limits.Single, &r.Limits.Daily, &r.Limits.Yearly, &updated); err != nil {
			return nil, fmt.Errorf("sqlite: limit rules: %w", err)
		}
		r.WalletKind, r.Tier, r.UpdatedAt = ingot.WalletKind(wk), ingot.Tier(tier), fromMicros(updated)
		out = append(out, r)
	}
	return out, rows.Err()
}

// LimitRules lists the limit rules of the given operators.
func (s *Store) LimitRules(ctx context.Context, operatorIDs []string) ([]ingot.LimitRule, error) {
	return limitRules(ctx, s.r, operatorIDs)
}

// LimitRules lists the limit rules of the given operators in the batch.
func (b *batchTx) LimitRules(ctx context.Context, operatorIDs []string) ([]ingot.LimitRule, error) {
	return limitRules(ctx, b.tx, operatorIDs)
}
