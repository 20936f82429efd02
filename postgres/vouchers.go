package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Vouchers (store/vouchers.go; migration 00018).

const voucherProgramCols = `program, operator_id, issuer, currency, mccs, merchants, expires_at, created_at`

func scanVoucherProgram(row pgx.Row) (ingot.VoucherProgram, error) {
	var p ingot.VoucherProgram
	var mccs, merchants []byte
	if err := row.Scan(&p.Program, &p.OperatorID, &p.Issuer, &p.Currency, &mccs, &merchants, &p.ExpiresAt, &p.CreatedAt); err != nil {
		return ingot.VoucherProgram{}, err
	}
	if err := json.Unmarshal(mccs, &p.MCCs); err != nil {
		return ingot.VoucherProgram{}, fmt.Errorf("voucher program %s: mccs: %w", p.Program, err)
	}
	if err := json.Unmarshal(merchants, &p.Merchants); err != nil {
		return ingot.VoucherProgram{}, fmt.Errorf("voucher program %s: merchants: %w", p.Program, err)
	}
	if len(p.MCCs) == 0 {
		p.MCCs = nil
	}
	if len(p.Merchants) == 0 {
		p.Merchants = nil
	}
	p.ExpiresAt, p.CreatedAt = p.ExpiresAt.UTC(), p.CreatedAt.UTC()
	return p, nil
}

func scanEarmark(row pgx.Row) (ingot.Earmark, error) {
	var e ingot.Earmark
	err := row.Scan(&e.Account, &e.Wallet, &e.Program, &e.Expired)
	return e, err
}

// VoucherProgram reads a program's definition.
func (s *Store) VoucherProgram(ctx context.Context, program string) (ingot.VoucherProgram, error) {
	return one(ctx, s.pool, "voucher program", scanVoucherProgram, `SELECT `+voucherProgramCols+` FROM voucher_programs WHERE program = $1`, program)
}

// VoucherTotals sums a program's transfers by kind (through the indexes
// of transfers by debit and by credit) and its earmark accounts' balances.
func (s *Store) VoucherTotals(ctx context.Context, program string) (store.VoucherTotals, error) {
	var t store.VoucherTotals
	rows, _ := s.pool.Query(ctx, `
		SELECT t.kind, sum(t.amount)::bigint FROM earmarks e JOIN transfers t ON t.credit = e.account
			WHERE e.program = $1 AND t.kind IN ('voucher', 'voucher_refund') GROUP BY t.kind
		UNION ALL
		SELECT t.kind, sum(t.amount)::bigint FROM earmarks e JOIN transfers t ON t.debit = e.account
			WHERE e.program = $1 AND t.kind IN ('voucher_use', 'voucher_return') GROUP BY t.kind`, program)
	var kind string
	var sum int64
	if _, err := pgx.ForEachRow(rows, []any{&kind, &sum}, func() error {
		addVoucherTotal(&t, ingot.TransferKind(kind), sum)
		return nil
	}); err != nil {
		return t, fmt.Errorf("postgres: voucher totals: %w", err)
	}
	if err := s.pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(a.balance), 0)::bigint FROM earmarks e JOIN accounts a ON a.id = e.account
		WHERE e.program = $1`, program).Scan(&t.Wallets, &t.Outstanding); err != nil {
		return t, fmt.Errorf("postgres: voucher totals: %w", err)
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
	out, err := collect(ctx, s.pool, func(row pgx.Row) (store.EarmarkBalance, error) {
		var b store.EarmarkBalance
		err := row.Scan(&b.Account, &b.Wallet, &b.Program, &b.Expired, &b.Balance, &b.Currency, &b.ExpiresAt)
		b.ExpiresAt = b.ExpiresAt.UTC()
		return b, err
	}, `SELECT e.account, e.wallet, e.program, e.expired, a.balance, a.currency, p.expires_at
		FROM earmarks e JOIN accounts a ON a.id = e.account JOIN voucher_programs p ON p.program = e.program
		WHERE e.wallet = $1 ORDER BY p.expires_at, e.program`, wallet)
	if err != nil {
		return nil, fmt.Errorf("postgres: wallet earmarks: %w", err)
	}
	return out, nil
}

// DueEarmarks lists the earmarks to expire at now.
func (s *Store) DueEarmarks(ctx context.Context, now time.Time, limit int) ([]store.DueEarmark, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	out, err := collect(ctx, s.pool, func(row pgx.Row) (store.DueEarmark, error) {
		var d store.DueEarmark
		err := row.Scan(&d.Account, &d.Issuer)
		return d, err
	}, `SELECT e.account, p.issuer FROM voucher_programs p JOIN earmarks e ON e.program = p.program
		WHERE p.expires_at <= $1 AND NOT e.expired ORDER BY e.account LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: due earmarks: %w", err)
	}
	return out, nil
}

// VoucherPrograms reads the batch's programs (never changed: not locked).
func (b *batchTx) VoucherPrograms(ctx context.Context, names []string) ([]ingot.VoucherProgram, error) {
	if len(names) == 0 {
		return nil, nil
	}
	out, err := collect(ctx, b.tx, scanVoucherProgram, `SELECT `+voucherProgramCols+` FROM voucher_programs
		WHERE program = ANY($1) ORDER BY program`, names)
	if err != nil {
		return nil, fmt.Errorf("postgres: voucher programs: %w", err)
	}
	return out, nil
}

// Earmarks reads the earmarks of the batch's earmark accounts (locked
// with the accounts).
func (b *batchTx) Earmarks(ctx context.Context, accounts []int64) ([]ingot.Earmark, error) {
	if len(accounts) == 0 {
		return nil, nil
	}
	out, err := collect(ctx, b.tx, scanEarmark, `SELECT account, wallet, program, expired FROM earmarks
		WHERE account = ANY($1) ORDER BY account`, accounts)
	if err != nil {
		return nil, fmt.Errorf("postgres: earmarks: %w", err)
	}
	return out, nil
}

// VoucherUses reads the voucher shares of the batch's refunded payments
// (their refund totals are locked).
func (b *batchTx) VoucherUses(ctx context.Context, payments []string) ([]ingot.VoucherUse, error) {
	if len(payments) == 0 {
		return nil, nil
	}
	out, err := collect(ctx, b.tx, func(row pgx.Row) (ingot.VoucherUse, error) {
		var u ingot.VoucherUse
		err := row.Scan(&u.Payment, &u.Account, &u.Amount)
		return u, err
	}, `SELECT payment, account, amount FROM voucher_uses WHERE payment = ANY($1) ORDER BY payment, account`, payments)
	if err != nil {
		return nil, fmt.Errorf("postgres: voucher uses: %w", err)
	}
	return out, nil
}

// queueVouchers queues a batch's new programs, earmarks and uses and its
// expired earmarks.
func queueVouchers(batch *pgx.Batch, w *store.VoucherWrite) ([]check, error) {
	var checks []check
	for i := range w.Programs {
		p := &w.Programs[i]
		mccs, err := json.Marshal(emptyIfNil(p.MCCs))
		if err != nil {
			return nil, fmt.Errorf("postgres: voucher program %s: %w", p.Program, err)
		}
		merchants, err := json.Marshal(emptyIfNil(p.Merchants))
		if err != nil {
			return nil, fmt.Errorf("postgres: voucher program %s: %w", p.Program, err)
		}
		batch.Queue(`INSERT INTO voucher_programs (`+voucherProgramCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			p.Program, p.OperatorID, p.Issuer, p.Currency, mccs, merchants, p.ExpiresAt, p.CreatedAt)
		checks = append(checks, check{what: "voucher program " + p.Program, want: 1})
	}
	for _, e := range w.Earmarks {
		batch.Queue(`INSERT INTO earmarks (account, wallet, program, expired) VALUES ($1, $2, $3, $4)`, e.Account, e.Wallet, e.Program, e.Expired)
		checks = append(checks, check{what: "earmark", want: 1})
	}
	for _, u := range w.Uses {
		batch.Queue(`INSERT INTO voucher_uses (payment, account, amount) VALUES ($1, $2, $3)`, u.Payment, u.Account, u.Amount)
		checks = append(checks, check{what: "voucher use", want: 1})
	}
	if len(w.Expired) > 0 {
		batch.Queue(`UPDATE earmarks SET expired = true WHERE account = ANY($1)`, w.Expired)
		checks = append(checks, check{what: "expired earmarks", want: len(w.Expired)})
	}
	return checks, nil
}

// emptyIfNil is s, or an empty slice for nil (a JSON array, never null).
func emptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
