package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
)

// Merchants' end-of-day settlement settings (store/settlement.go). Each
// day's sweep is made exactly once by its idempotency record; last_date
// only keeps settled wallets out of DueSettlements.

const settlementCols = "wallet, operator_id, bank_account, sweep, keep, last_date, updated_at"

func scanSettlement(row pgx.Row) (ingot.Settlement, error) {
	var x ingot.Settlement
	var sweep string
	err := row.Scan(&x.Wallet, &x.OperatorID, &x.BankAccount, &sweep, &x.Keep, &x.LastDate, &x.UpdatedAt)
	x.Sweep, x.UpdatedAt = ingot.SettlementSweep(sweep), x.UpdatedAt.UTC()
	return x, err
}

// SetSettlement stores a wallet's settlement, replacing its previous one
// (all fields).
func (s *Store) SetSettlement(ctx context.Context, x ingot.Settlement) error {
	_, err := s.exec(ctx, "set settlement", `INSERT INTO settlements (`+settlementCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (wallet) DO UPDATE SET operator_id = excluded.operator_id, bank_account = excluded.bank_account,
			sweep = excluded.sweep, keep = excluded.keep, last_date = excluded.last_date, updated_at = excluded.updated_at`,
		x.Wallet, x.OperatorID, x.BankAccount, string(x.Sweep), x.Keep, x.LastDate, x.UpdatedAt)
	return err
}

// Settlement reads a wallet's settlement, or ErrNotFound.
func (s *Store) Settlement(ctx context.Context, wallet int64) (ingot.Settlement, error) {
	return one(ctx, s.pool, "settlement", scanSettlement, `SELECT `+settlementCols+` FROM settlements WHERE wallet = $1`, wallet)
}

// DueSettlements lists the daily settlements whose LastDate is before date
// (YYYY-MM-DD; "" is before any), by wallet, at most limit: a range of the
// partial index settlements_due, which holds only the daily ones (the
// literal 'daily' lets generic plans use it).
func (s *Store) DueSettlements(ctx context.Context, date string, limit int) ([]ingot.Settlement, error) {
	xs, err := collect(ctx, s.pool, scanSettlement, `SELECT `+settlementCols+` FROM settlements
		WHERE sweep = 'daily' AND last_date < $1 ORDER BY wallet LIMIT $2`, date, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: due settlements: %w", err)
	}
	return xs, nil
}

// SettlementDone records that a wallet's day is settled: its LastDate
// becomes date unless it is later already. A wallet without a settlement
// is ErrNotFound.
func (s *Store) SettlementDone(ctx context.Context, wallet int64, date string) error {
	return s.update(ctx, "settlement done",
		`UPDATE settlements SET last_date = greatest(last_date, $2) WHERE wallet = $1`, wallet, date)
}
