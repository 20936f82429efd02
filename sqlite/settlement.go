package sqlite

import (
	"context"
	"fmt"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Merchants' end-of-day settlements (store/settlement.go). Last dates are
// YYYY-MM-DD text ("" none), which compares as the days do.

const settlementCols = `wallet, operator_id, bank_account, sweep, keep, last_date, updated_at`

func scanSettlement(sc scanner) (ingot.Settlement, error) {
	var x ingot.Settlement
	var sweep string
	var updated int64
	err := sc.Scan(&x.Wallet, &x.OperatorID, &x.BankAccount, &sweep, &x.Keep, &x.LastDate, &updated)
	x.Sweep = ingot.SettlementSweep(sweep)
	x.UpdatedAt = fromMicros(updated)
	return x, err
}

// SetSettlement stores a wallet's settlement, replacing its previous one
// (all fields).
func (s *Store) SetSettlement(ctx context.Context, x ingot.Settlement) error {
	_, err := s.exec(ctx, "set settlement", `INSERT INTO settlements (`+settlementCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (wallet) DO UPDATE SET operator_id = excluded.operator_id, bank_account = excluded.bank_account,
		sweep = excluded.sweep, keep = excluded.keep, last_date = excluded.last_date, updated_at = excluded.updated_at`,
		x.Wallet, x.OperatorID, x.BankAccount, string(x.Sweep), x.Keep, x.LastDate, micros(x.UpdatedAt))
	return err
}

// Settlement reads a wallet's settlement.
func (s *Store) Settlement(ctx context.Context, wallet int64) (ingot.Settlement, error) {
	x, err := scanSettlement(s.r.QueryRowContext(ctx, `SELECT `+settlementCols+` FROM settlements WHERE wallet = ?`, wallet))
	if err != nil {
		return ingot.Settlement{}, notFound(err, "settlement")
	}
	return x, nil
}

// DueSettlements lists the daily settlements whose last date is before
// date, by wallet, through the partial index of daily settlements.
func (s *Store) DueSettlements(ctx context.Context, date string, limit int) ([]ingot.Settlement, error) {
	out, err := collect(ctx, s.r, scanSettlement, `SELECT `+settlementCols+` FROM settlements
		WHERE sweep = 'daily' AND last_date < ? ORDER BY wallet LIMIT ?`, date, limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: due settlements: %w", err)
	}
	return out, nil
}

// SettlementDone sets a wallet's last settled date to date unless it is
// later already. A wallet without a settlement is ErrNotFound.
func (s *Store) SettlementDone(ctx context.Context, wallet int64, date string) error {
	n, err := s.exec(ctx, "settlement done", `UPDATE settlements SET last_date = max(last_date, ?) WHERE wallet = ?`, date, wallet)
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}
