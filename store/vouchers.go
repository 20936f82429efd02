package store

import (
	"context"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// VoucherStore reads voucher programs and earmarked money (ingot's
// voucher.go); the engine's batches write them (BatchWrite.Vouchers).
type VoucherStore interface {
	// VoucherProgram reads a program's definition, or ErrNotFound.
	VoucherProgram(ctx context.Context, program string) (ingot.VoucherProgram, error)
	// VoucherTotals sums a program's transfers by kind and its earmark
	// accounts' balances.
	VoucherTotals(ctx context.Context, program string) (VoucherTotals, error)
	// WalletEarmarks lists a wallet's earmarked money by program, those
	// expiring first first (then by program).
	WalletEarmarks(ctx context.Context, wallet int64) ([]EarmarkBalance, error)
	// DueEarmarks lists earmarks not yet expired whose program's ExpiresAt
	// is not after now, by account, at most limit.
	DueEarmarks(ctx context.Context, now time.Time, limit int) ([]DueEarmark, error)
}

// VoucherTotals are a program's sums: Issued (voucher transfers), Used
// (voucher_use), Refunded (voucher_refund), Returned (voucher_return) and
// Outstanding (its earmark accounts' balances). In balanced books
// Issued - Used + Refunded - Returned == Outstanding.
type VoucherTotals struct {
	Issued, Used, Refunded, Returned, Outstanding int64
	Wallets                                       int // earmark accounts
}

// EarmarkBalance is a wallet's earmarked money of one program.
type EarmarkBalance struct {
	ingot.Earmark
	Balance   int64
	Currency  string
	ExpiresAt time.Time
}

// DueEarmark is an earmark account to expire and its program's issuer
// account, where its money returns.
type DueEarmark struct {
	Account int64
	Issuer  int64
}

// VoucherBatchTx is the vouchers' part of a batch.
type VoucherBatchTx interface {
	// VoucherPrograms reads the programs among names (definitions never
	// change: not locked). Unknown names are left out.
	VoucherPrograms(ctx context.Context, names []string) ([]ingot.VoucherProgram, error)
	// Earmarks reads the earmarks of the given earmark accounts, which the
	// batch has locked. Unknown accounts are left out.
	Earmarks(ctx context.Context, accounts []int64) ([]ingot.Earmark, error)
	// VoucherUses reads the voucher shares of the given payments (by
	// transfer id), whose refund totals the batch has locked.
	VoucherUses(ctx context.Context, payments []string) ([]ingot.VoucherUse, error)
}

// VoucherWrite is what a batch writes of vouchers: Programs and Earmarks
// and Uses are new; Expired are earmark accounts whose earmark is now
// expired.
type VoucherWrite struct {
	Programs []ingot.VoucherProgram
	Earmarks []ingot.Earmark
	Uses     []ingot.VoucherUse
	Expired  []int64
}
