package ledger

import (
	"context"

	"github.com/ingot-cbdc/ingot"
)

// BankOperations lists a wallet's bank operations (top-ups, withdrawals,
// sweeps, pulls), newest first, for whoever reads the wallet: its
// operator, or its holder.
func (s *Service) BankOperations(ctx context.Context, a ingot.Actor, walletID, cursor string, limit int) ([]ingot.BankOperation, string, error) {
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, "", err
	}
	before, err := decodeCursor(cursor, "bop")
	if err != nil {
		return nil, "", err
	}
	limit = clampLimit(limit)
	ops, err := s.st.WalletBankOperations(ctx, w.ID, before, limit+1)
	if err != nil {
		return nil, "", s.unavailable(ctx, err)
	}
	next := ""
	if len(ops) > limit {
		ops = ops[:limit]
		next = encodeCursor("bop", ops[limit-1].ID)
	}
	return ops, next, nil
}
