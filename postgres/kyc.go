package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
)

// KYC: wallets by phone lookup hash, sub-wallets, tier limit rules.

// AccountsByPhone lists an operator's wallets with a holder phone hash.
func (s *Store) AccountsByPhone(ctx context.Context, operatorID string, h []byte) ([]ingot.Account, error) {
	as, err := collectAccounts(s.pool.Query(ctx, `SELECT `+accountCols+` FROM accounts
		WHERE operator_id = $1 AND holder_phone_hash = $2 AND kind = 'wallet' ORDER BY id`, operatorID, h))
	if err != nil {
		return nil, fmt.Errorf("postgres: accounts by phone: %w", err)
	}
	return as, nil
}

// SubWallets lists the wallets whose parent is the given wallet.
func (s *Store) SubWallets(ctx context.Context, parent int64) ([]ingot.Account, error) {
	as, err := collectAccounts(s.pool.Query(ctx, `SELECT `+accountCols+` FROM accounts WHERE parent_id = $1 AND parent_id <> 0 AND kind = 'wallet' ORDER BY id`, parent))
	if err != nil {
		return nil, fmt.Errorf("postgres: sub-wallets: %w", err)
	}
	return as, nil
}

const upsertLimitRuleSQL = `INSERT INTO tier_limits (operator_id, currency, wallet_kind, tier, balance, single, daily, yearly, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
	ON CONFLICT (operator_id, currency, wallet_kind, tier) DO UPDATE SET balance = excluded.balance,
		single = excluded.single, daily = excluded.daily, yearly = excluded.yearly, updated_at = excluded.updated_at`

func limitRuleArgs(r ingot.LimitRule) []any {
	return []any{r.OperatorID, r.Currency, string(r.WalletKind), int32(r.Tier), r.Limits.Balance, r.Limits.Single, r.Limits.Daily, r.Limits.Yearly, r.UpdatedAt}
}

// SetLimitRule stores a limit rule, replacing the one with its key.
func (s *Store) SetLimitRule(ctx context.Context, r ingot.LimitRule) error {
	_, err := s.pool.Exec(ctx, upsertLimitRuleSQL, limitRuleArgs(r)...)
	if err != nil {
		return fmt.Errorf("postgres: set limit rule: %w", err)
	}
	return nil
}

func limitRules(ctx context.Context, q queryer, operatorIDs []string) ([]ingot.LimitRule, error) {
	if len(operatorIDs) == 0 {
		return nil, nil
	}
	rows, _ := q.Query(ctx, `SELECT operator_id, currency, wallet_kind, tier, balance, single, daily, yearly, updated_at
		FROM tier_limits WHERE operator_id = ANY($1) ORDER BY operator_id, currency, wallet_kind, tier`, operatorIDs)
	rs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.LimitRule, error) {
		var r ingot.LimitRule
		var wk string
		var tier int32
		err := row.Scan(&r.OperatorID, &r.Currency, &wk, &tier, &r.Limits.Balance, &r.Limits.Single, &r.Limits.Daily, &r.Limits.Yearly, &r.UpdatedAt)
		r.WalletKind, r.Tier, r.UpdatedAt = ingot.WalletKind(wk), ingot.Tier(tier), r.UpdatedAt.UTC()
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: limit rules: %w", err)
	}
	return rs, nil
}

// LimitRules lists the limit rules of the given operators.
func (s *Store) LimitRules(ctx context.Context, operatorIDs []string) ([]ingot.LimitRule, error) {
	return limitRules(ctx, s.pool, operatorIDs)
}

// LimitRules lists the limit rules of the given operators in the batch.
func (b *batchTx) LimitRules(ctx context.Context, operatorIDs []string) ([]ingot.LimitRule, error) {
	return limitRules(ctx, b.tx, operatorIDs)
}
