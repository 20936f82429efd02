package store

import (
	"context"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Merchants' storage: profiles, payment requests, customer-presented
// payment codes, refunds, fee schedules and the central bank's fee cap.
// Profiles and fee schedules are written outside the engine (like limit
// rules) and read inside batches as committed; payment requests and codes
// are created outside the engine with their idempotency record, then locked
// and changed (paid, expired, used) only by batches; refunds are written
// only by batches.

// MerchantStore is the part of Store for merchants.
type MerchantStore interface {
	// SetMerchant stores a merchant wallet's profile, replacing its
	// previous one; a short code another merchant has is ErrConflict.
	SetMerchant(ctx context.Context, m ingot.Merchant) error
	// MerchantByShortCode reads the profile with a short code.
	MerchantByShortCode(ctx context.Context, code string) (ingot.Merchant, error)
	// Merchants reads the profiles of the wallets among ids that have one.
	Merchants(ctx context.Context, wallets []int64) ([]ingot.Merchant, error)

	// CreatePaymentRequest stores a new open request outside a batch, with
	// idem as for CreateAccount. (The service makes requests in batches,
	// through MerchantWrite.NewPaymentRequests; this is for tools and tests.)
	CreatePaymentRequest(ctx context.Context, pr ingot.PaymentRequest, idem *IdemRecord) (*IdemRecord, error)
	PaymentRequest(ctx context.Context, id string) (ingot.PaymentRequest, error)
	// ExpiredPaymentRequests lists ids of open requests with ExpiresAt <=
	// now, oldest first, at most limit.
	ExpiredPaymentRequests(ctx context.Context, now time.Time, limit int) ([]string, error)

	// CreatePaymentCode stores a new code (by hash; a taken hash is
	// ErrConflict), with idem as for CreateAccount.
	CreatePaymentCode(ctx context.Context, pc ingot.PaymentCode, idem *IdemRecord) (*IdemRecord, error)

	// Refunds lists a payment's refunds, oldest first.
	Refunds(ctx context.Context, transferID string) ([]ingot.Refund, error)
	// RefundTotal reads what a payment has had refunded (zero when none).
	RefundTotal(ctx context.Context, transferID string) (ingot.RefundTotal, error)

	// SetFeeSchedule stores an operator's schedule of a currency,
	// replacing its previous one.
	SetFeeSchedule(ctx context.Context, f ingot.FeeSchedule) error
	// FeeSchedules reads the schedules of operators (all currencies).
	FeeSchedules(ctx context.Context, operatorIDs []string) ([]ingot.FeeSchedule, error)
	// SetFeeCap stores the central bank's cap; FeeCap reads it (zero
	// MaxRateBPS and ErrNotFound when none was set).
	SetFeeCap(ctx context.Context, c ingot.FeeCap) error
	FeeCap(ctx context.Context) (ingot.FeeCap, error)

	// AccountTransfersBetween lists the transfers of an account committed
	// in [from, to), oldest first (by Seq), at most limit, with Seq; and
	// BalanceBefore is the account's balance just before from (the balance
	// after its last transfer before from; 0 when none). For statements.
	AccountTransfersBetween(ctx context.Context, account int64, from, to time.Time, limit int) ([]ingot.Transfer, error)
	BalanceBefore(ctx context.Context, account int64, at time.Time) (int64, error)
}

// MerchantBatchTx is the part of BatchTx for merchants.
type MerchantBatchTx interface {
	// LockPaymentRequests returns the requests among ids, locked.
	LockPaymentRequests(ctx context.Context, ids []string) ([]ingot.PaymentRequest, error)
	// LockPaymentCodes returns the codes among hashes, locked.
	LockPaymentCodes(ctx context.Context, hashes [][]byte) ([]ingot.PaymentCode, error)
	// LockRefundTotals returns the refund totals of payments, locked; a
	// payment without a row yet gets one at zero first.
	LockRefundTotals(ctx context.Context, transferIDs []string) ([]ingot.RefundTotal, error)
	// Merchants and FeeSchedules are MerchantStore's, inside the
	// transaction (read as committed, not locked).
	Merchants(ctx context.Context, wallets []int64) ([]ingot.Merchant, error)
	FeeSchedules(ctx context.Context, operatorIDs []string) ([]ingot.FeeSchedule, error)
}

// MerchantWrite is what a batch changes of merchants' rows.
type MerchantWrite struct {
	// NewPaymentRequests are inserted.
	NewPaymentRequests []ingot.PaymentRequest
	// PaymentRequests changed: Status, TransferID and UpdatedAt are written.
	PaymentRequests []ingot.PaymentRequest
	// PaymentCodes used: UsedAt and TransferID are written.
	PaymentCodes []ingot.PaymentCode
	// Refunds are new; RefundTotals are written (upserted).
	Refunds      []ingot.Refund
	RefundTotals []ingot.RefundTotal
}
