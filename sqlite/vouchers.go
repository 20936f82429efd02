package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Vouchers (store/vouchers.go; migration 00018).

const voucherProgramCols = `program, operator_id, issuer, currency, mccs, merchants, expires_at, created_at`

func scanVoucherProgram(sc scanner) (ingot.VoucherProgram, error) {
	var p ingot.VoucherProgram
	var mccs, merchants string
	var expires, created int64
	if err := sc.Scan(&p.Program, &p.OperatorID, &p.Issuer, &p.Currency, &mccs, &merchants, &expires, &created); err != nil {
		return ingot.VoucherProgram{}, err
	}
	if err := json.Unmarshal([]byte(mccs), &p.MCCs); err != nil {
		return ingot.VoucherProgram{}, fmt.Errorf("voucher program %s: mccs: %w", p.Program, err)
	}
	if err := json.Unmarshal([]byte(merchants), &p.Merchants); err != nil {
		return ingot.VoucherProgram{}, fmt.Errorf("voucher program %s: merchants: %w", p.Program, err)
	}
	p.ExpiresAt, p.CreatedAt = fromMicros(expires), fromMicros(created)
	return p, nil
}

func scanEarmark(sc scanner) (ingot.Earmark, error) {
	var e ingot.Earmark
	err := sc.Scan(&e.Account, &e.Wallet, &e.Program, &e.Expired)
	return e, err
}

// VoucherProgram reads a program's definition.
func (s *Store) VoucherProgram(ctx context.Context, program string) (ingot.VoucherProgram, error) {
	p, err := scanVoucherProgram(s.r.QueryRowContext(ctx, `SELECT `+voucherProgramCols+` FROM voucher_programs WHERE program = ?`, program))
	if err != nil {
		return ingot.VoucherProgram{}, notFound(err, "voucher program")
	}
	return p, nil
}

// VoucherTotals sums a program's transfers by kind (through the indexes
// of transfers by debit and by credit) and its earmark accounts' balances.
func (s *Store) VoucherTotals(ctx context.Context, program string) (store.VoucherTotals, error) {
	var t store.VoucherTotals
	rows, err := s.r.QueryContext(ctx, `
		SELECT t.kind, sum(t.amount) FROM earmarks e JOIN transfers t ON t.credit = e.account
			WHERE e.program = ? AND t.kind IN ('voucher', 'voucher_refund') GROUP BY t.kind
		UNION ALL
		SELECT t.kind, sum(t.amount) FROM earmarks e JOIN transfers t ON t.debit = e.account
			WHERE e.program = ? AND t.kind IN ('voucher_use', 'voucher_return') GROUP BY t.kind`, program, program)
	if err != nil {
		return t, fmt.Errorf("sqlite: voucher totals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var sum int64
		if err := rows.Scan(&kind, &sum); err != nil {
			return t, fmt.Errorf("sqlite: voucher totals: %w", err)
		}
		addVoucherTotal(&t, ingot.TransferKind(kind), sum)
	}
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("sqlite: voucher totals: %w", err)
	}
	if err := s.r.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(a.balance), 0) FROM earmarks e JOIN accounts a ON a.id = e.account
		WHERE e.program = ?`, program).Scan(&t.Wallets, &t.Outstanding); err != nil {
		return t, fmt.Errorf("sqlite: voucher totals: %w", err)
	}
	return t, nil
}

func addVoucherTotal(t *store.VoucherTotals, kind ingot.TransferKind, sum int64) {
	switch kind {
	case ingot.KindVoucher:
		t.Issued += sum
	case ingot.KindVoucherUse:
		t.Used += sum
	case ingot.KindVoucherRefund:
		t.Refunded += sum
	case ingot.KindVoucherReturn:
		t.Returned += sum
	}
}

// WalletEarmarks lists a wallet's earmarked money by program.
func (s *Store) WalletEarmarks(ctx context.Context, wallet int64) ([]store.EarmarkBalance, error) {
	out, err := collect(ctx, s.r, func(sc scanner) (store.EarmarkBalance, error) {
		var b store.EarmarkBalance
		var expires int64
		err := sc.Scan(&b.Account, &b.Wallet, &b.Program, &b.Expired, &b.Balance, &b.Currency, &expires)
		b.ExpiresAt = fromMicros(expires)
		return b, err
	}, `SELECT e.account, e.wallet, e.program, e.expired, a.balance, a.currency, p.expires_at
		FROM earmarks e JOIN accounts a ON a.id = e.account JOIN voucher_programs p ON p.program = e.program
		WHERE e.wallet = ? ORDER BY p.expires_at, e.program`, wallet)
	if err != nil {
		return nil, fmt.Errorf("sqlite: wallet earmarks: %w", err)
	}
	return out, nil
}

// DueEarmarks lists the earmarks to expire at now.
func (s *Store) DueEarmarks(ctx context.Context, now time.Time, limit int) ([]store.DueEarmark, error) {
	out, err := collect(ctx, s.r, func(sc scanner) (store.DueEarmark, error) {
		var d store.DueEarmark
		err := sc.Scan(&d.Account, &d.Issuer)
		return d, err
	}, `SELECT e.account, p.issuer FROM voucher_programs p JOIN earmarks e ON e.program = p.program
		WHERE p.expires_at <= ? AND e.expired = 0 ORDER BY e.account LIMIT ?`, micros(now), limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: due earmarks: %w", err)
	}
	return out, nil
}

// VoucherPrograms reads the batch's programs.
func (b *batchTx) VoucherPrograms(ctx context.Context, names []string) ([]ingot.VoucherProgram, error) {
	if len(names) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(names)
	if err != nil {
		return nil, fmt.Errorf("sqlite: voucher programs: %w", err)
	}
	out, err := collect(ctx, b.tx, scanVoucherProgram, `SELECT `+voucherProgramCols+` FROM voucher_programs
		WHERE program IN (SELECT value FROM json_each(?)) ORDER BY program`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: voucher programs: %w", err)
	}
	return out, nil
}

// Earmarks reads the earmarks of the batch's earmark accounts.
func (b *batchTx) Earmarks(ctx context.Context, accounts []int64) ([]ingot.Earmark, error) {
	if len(accounts) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(accounts)
	if err != nil {
		return nil, fmt.Errorf("sqlite: earmarks: %w", err)
	}
	out, err := collect(ctx, b.tx, scanEarmark, `SELECT account, wallet, program, expired FROM earmarks
		WHERE account IN (SELECT value FROM json_each(?)) ORDER BY account`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: earmarks: %w", err)
	}
	return out, nil
}

// VoucherUses reads the voucher shares of the batch's refunded payments.
func (b *batchTx) VoucherUses(ctx context.Context, payments []string) ([]ingot.VoucherUse, error) {
	if len(payments) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(payments)
	if err != nil {
		return nil, fmt.Errorf("sqlite: voucher uses: %w", err)
	}
	out, err := collect(ctx, b.tx, func(sc scanner) (ingot.VoucherUse, error) {
		var u ingot.VoucherUse
		err := sc.Scan(&u.Payment, &u.Account, &u.Amount)
		return u, err
	}, `SELECT payment, account, amount FROM voucher_uses WHERE payment IN (SELECT value FROM json_each(?)) ORDER BY payment, account`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: voucher uses: %w", err)
	}
	return out, nil
}

// writeVouchers inserts a batch's programs, earmarks and uses and marks
// its expired earmarks.
func (b *batchTx) writeVouchers(ctx context.Context, w *store.VoucherWrite) error {
	for i := range w.Programs {
		p := &w.Programs[i]
		mccs, err := json.Marshal(emptyIfNil(p.MCCs))
		if err != nil {
			return fmt.Errorf("sqlite: write voucher program %s: %w", p.Program, err)
		}
		merchants, err := json.Marshal(emptyIfNil(p.Merchants))
		if err != nil {
			return fmt.Errorf("sqlite: write voucher program %s: %w", p.Program, err)
		}
		if _, err := b.tx.ExecContext(ctx, `INSERT INTO voucher_programs (`+voucherProgramCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Program, p.OperatorID, p.Issuer, p.Currency, string(mccs), string(merchants), micros(p.ExpiresAt), micros(p.CreatedAt)); err != nil {
			return fmt.Errorf("sqlite: write voucher program %s: %w", p.Program, err)
		}
	}
	for _, e := range w.Earmarks {
		if _, err := b.tx.ExecContext(ctx, `INSERT INTO earmarks (account, wallet, program, expired) VALUES (?, ?, ?, ?)`,
			e.Account, e.Wallet, e.Program, e.Expired); err != nil {
			return fmt.Errorf("sqlite: write earmark %d: %w", e.Account, err)
		}
	}
	for _, u := range w.Uses {
		if _, err := b.tx.ExecContext(ctx, `INSERT INTO voucher_uses (payment, account, amount) VALUES (?, ?, ?)`,
			u.Payment, u.Account, u.Amount); err != nil {
			return fmt.Errorf("sqlite: write voucher use %s: %w", u.Payment, err)
		}
	}
	for _, id := range w.Expired {
		if _, err := b.tx.ExecContext(ctx, `UPDATE earmarks SET expired = 1 WHERE account = ?`, id); err != nil {
			return fmt.Errorf("sqlite: expire earmark %d: %w", id, err)
		}
	}
	return nil
}

// emptyIfNil is s, or an empty slice for nil (a JSON array, never null).
func emptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
