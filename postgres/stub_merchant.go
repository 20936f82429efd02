package postgres

// TEMPORARY (issue 10 WIP): stubs of the merchant and settlement store,
// replaced by merchant.go and settlement.go. This file is deleted then.

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

var errStub = errors.New("postgres: merchant store not written yet")

func queueMerchant(batch *pgx.Batch, m *store.MerchantWrite) []check { return nil }

func (s *Store) SetMerchant(ctx context.Context, m ingot.Merchant) error { return errStub }
func (s *Store) Merchants(ctx context.Context, wallets []int64) ([]ingot.Merchant, error) {
	return nil, nil
}
func (s *Store) CreatePaymentRequest(ctx context.Context, pr ingot.PaymentRequest, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return nil, errStub
}
func (s *Store) PaymentRequest(ctx context.Context, id string) (ingot.PaymentRequest, error) {
	return ingot.PaymentRequest{}, store.ErrNotFound
}
func (s *Store) ExpiredPaymentRequests(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return nil, nil
}
func (s *Store) CreatePaymentCode(ctx context.Context, pc ingot.PaymentCode, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return nil, errStub
}
func (s *Store) Refunds(ctx context.Context, transferID string) ([]ingot.Refund, error) {
	return nil, nil
}
func (s *Store) RefundTotal(ctx context.Context, transferID string) (ingot.RefundTotal, error) {
	return ingot.RefundTotal{}, nil
}
func (s *Store) SetFeeSchedule(ctx context.Context, f ingot.FeeSchedule) error { return errStub }
func (s *Store) FeeSchedules(ctx context.Context, operatorIDs []string) ([]ingot.FeeSchedule, error) {
	return nil, nil
}
func (s *Store) SetFeeCap(ctx context.Context, c ingot.FeeCap) error { return errStub }
func (s *Store) FeeCap(ctx context.Context) (ingot.FeeCap, error) {
	return ingot.FeeCap{}, store.ErrNotFound
}
func (s *Store) AccountTransfersBetween(ctx context.Context, account int64, from, to time.Time, limit int) ([]ingot.Transfer, error) {
	return nil, errStub
}
func (s *Store) BalanceBefore(ctx context.Context, account int64, at time.Time) (int64, error) {
	return 0, errStub
}
func (s *Store) SetSettlement(ctx context.Context, x ingot.Settlement) error { return errStub }
func (s *Store) Settlement(ctx context.Context, wallet int64) (ingot.Settlement, error) {
	return ingot.Settlement{}, store.ErrNotFound
}
func (s *Store) DueSettlements(ctx context.Context, date string, limit int) ([]ingot.Settlement, error) {
	return nil, nil
}
func (s *Store) SettlementDone(ctx context.Context, wallet int64, date string) error { return errStub }

func (b *batchTx) LockPaymentRequests(ctx context.Context, ids []string) ([]ingot.PaymentRequest, error) {
	return nil, nil
}
func (b *batchTx) LockPaymentCodes(ctx context.Context, hashes [][]byte) ([]ingot.PaymentCode, error) {
	return nil, nil
}
func (b *batchTx) LockRefundTotals(ctx context.Context, transferIDs []string) ([]ingot.RefundTotal, error) {
	return nil, errStub
}
func (b *batchTx) Merchants(ctx context.Context, wallets []int64) ([]ingot.Merchant, error) {
	return nil, nil
}
func (b *batchTx) FeeSchedules(ctx context.Context, operatorIDs []string) ([]ingot.FeeSchedule, error) {
	return nil, nil
}
