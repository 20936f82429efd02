package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Merchants: profiles, payment requests, payment codes, refunds and refund
// totals, fee schedules and the fee cap (store/merchant.go). The batch's
// Lock* need no row locks: the batch's transaction holds the database's
// write lock from its start. The statement queries are in transfers.go.

// ---- profiles ----

const merchantCols = `wallet, name, city, country, mcc, short_code, updated_at`

func scanMerchant(sc scanner) (ingot.Merchant, error) {
	var m ingot.Merchant
	var updated int64
	err := sc.Scan(&m.Wallet, &m.Name, &m.City, &m.Country, &m.MCC, &m.ShortCode, &updated)
	m.UpdatedAt = fromMicros(updated)
	return m, err
}

// SetMerchant stores a merchant wallet's profile, replacing its previous
// one; a short code another merchant has is ErrConflict.
func (s *Store) SetMerchant(ctx context.Context, m ingot.Merchant) error {
	_, err := s.exec(ctx, "set merchant", `INSERT INTO merchants (`+merchantCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (wallet) DO UPDATE SET name = excluded.name, city = excluded.city, country = excluded.country,
		mcc = excluded.mcc, short_code = excluded.short_code, updated_at = excluded.updated_at`,
		m.Wallet, m.Name, m.City, m.Country, m.MCC, m.ShortCode, micros(m.UpdatedAt))
	return err
}

// MerchantByShortCode reads the profile with a short code.
func (s *Store) MerchantByShortCode(ctx context.Context, code string) (ingot.Merchant, error) {
	if code == "" {
		return ingot.Merchant{}, store.ErrNotFound
	}
	m, err := scanMerchant(s.r.QueryRowContext(ctx, `SELECT `+merchantCols+` FROM merchants WHERE short_code = ?`, code))
	if err != nil {
		return ingot.Merchant{}, notFound(err, "merchant by short code")
	}
	return m, nil
}

// Merchants reads the profiles of the wallets among ids that have one, by
// wallet.
func (s *Store) Merchants(ctx context.Context, wallets []int64) ([]ingot.Merchant, error) {
	return merchants(ctx, s.r, wallets)
}

// Merchants is Store.Merchants inside the batch.
func (b *batchTx) Merchants(ctx context.Context, wallets []int64) ([]ingot.Merchant, error) {
	return merchants(ctx, b.tx, wallets)
}

func merchants(ctx context.Context, q querier, wallets []int64) ([]ingot.Merchant, error) {
	if len(wallets) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(wallets)
	if err != nil {
		return nil, fmt.Errorf("sqlite: merchants: %w", err)
	}
	out, err := collect(ctx, q, scanMerchant, `SELECT `+merchantCols+` FROM merchants
		WHERE wallet IN (SELECT value FROM json_each(?)) ORDER BY wallet`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: merchants: %w", err)
	}
	return out, nil
}

// ---- payment requests ----

const paymentRequestCols = `id, wallet, operator_id, amount, currency, reference, status, transfer_id, expires_at, created_at, updated_at`

func scanPaymentRequest(sc scanner) (ingot.PaymentRequest, error) {
	var pr ingot.PaymentRequest
	var status string
	var exp, created, updated int64
	err := sc.Scan(&pr.ID, &pr.Wallet, &pr.OperatorID, &pr.Amount, &pr.Currency, &pr.Reference, &status,
		&pr.TransferID, &exp, &created, &updated)
	pr.Status = ingot.PaymentRequestStatus(status)
	pr.ExpiresAt, pr.CreatedAt, pr.UpdatedAt = fromMicros(exp), fromMicros(created), fromMicros(updated)
	return pr, err
}

// CreatePaymentRequest stores a new request with idem, as CreateAccount
// does. A taken id is ErrConflict.
func (s *Store) CreatePaymentRequest(ctx context.Context, pr ingot.PaymentRequest, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "create payment request", idem, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO payment_requests (`+paymentRequestCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			pr.ID, pr.Wallet, pr.OperatorID, pr.Amount, pr.Currency, pr.Reference, string(pr.Status), pr.TransferID,
			micros(pr.ExpiresAt), micros(pr.CreatedAt), micros(pr.UpdatedAt))
		if isUnique(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("sqlite: create payment request: %w", err)
		}
		return nil
	})
}

// PaymentRequest reads a payment request.
func (s *Store) PaymentRequest(ctx context.Context, id string) (ingot.PaymentRequest, error) {
	pr, err := scanPaymentRequest(s.r.QueryRowContext(ctx, `SELECT `+paymentRequestCols+` FROM payment_requests WHERE id = ?`, id))
	if err != nil {
		return ingot.PaymentRequest{}, notFound(err, "payment request")
	}
	return pr, nil
}

// ExpiredPaymentRequests lists ids of open requests with ExpiresAt <= now,
// soonest expired first, through the partial index of open requests.
func (s *Store) ExpiredPaymentRequests(ctx context.Context, now time.Time, limit int) ([]string, error) {
	out, err := collect(ctx, s.r, scanString, `SELECT id FROM payment_requests
		WHERE status = 'open' AND expires_at <= ? ORDER BY expires_at, id LIMIT ?`, micros(now), limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: expired payment requests: %w", err)
	}
	return out, nil
}

func scanString(sc scanner) (string, error) {
	var v string
	err := sc.Scan(&v)
	return v, err
}

// LockPaymentRequests returns the requests among ids, by id.
func (b *batchTx) LockPaymentRequests(ctx context.Context, ids []string) ([]ingot.PaymentRequest, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock payment requests: %w", err)
	}
	out, err := collect(ctx, b.tx, scanPaymentRequest, `SELECT `+paymentRequestCols+` FROM payment_requests
		WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock payment requests: %w", err)
	}
	return out, nil
}

// ---- payment codes ----

const paymentCodeCols = `hash, wallet, operator_id, holder_id, expires_at, used_at, transfer_id, created_at`

func scanPaymentCode(sc scanner) (ingot.PaymentCode, error) {
	var pc ingot.PaymentCode
	var exp, created int64
	var used sql.NullInt64
	err := sc.Scan(&pc.Hash, &pc.Wallet, &pc.OperatorID, &pc.HolderID, &exp, &used, &pc.TransferID, &created)
	pc.ExpiresAt, pc.UsedAt, pc.CreatedAt = fromMicros(exp), fromNullMicros(used), fromMicros(created)
	return pc, err
}

// CreatePaymentCode stores a new code with idem, as CreateAccount does. A
// taken hash is ErrConflict.
func (s *Store) CreatePaymentCode(ctx context.Context, pc ingot.PaymentCode, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "create payment code", idem, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO payment_codes (`+paymentCodeCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			pc.Hash, pc.Wallet, pc.OperatorID, pc.HolderID, micros(pc.ExpiresAt), nullMicros(pc.UsedAt), pc.TransferID,
			micros(pc.CreatedAt))
		if isUnique(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("sqlite: create payment code: %w", err)
		}
		return nil
	})
}

// LockPaymentCodes returns the codes among hashes, by hash.
func (b *batchTx) LockPaymentCodes(ctx context.Context, hashes [][]byte) ([]ingot.PaymentCode, error) {
	if len(hashes) == 0 {
		return nil, nil
	}
	hexes := make([]string, len(hashes))
	for i, h := range hashes {
		hexes[i] = hex.EncodeToString(h)
	}
	arg, err := jsonArray(hexes)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock payment codes: %w", err)
	}
	out, err := collect(ctx, b.tx, scanPaymentCode, `SELECT `+paymentCodeCols+` FROM payment_codes
		WHERE hash IN (SELECT unhex(value) FROM json_each(?)) ORDER BY hash`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock payment codes: %w", err)
	}
	return out, nil
}

// ---- refunds ----

const refundCols = `id, transfer_id, payer, payee, amount, fee, currency, reason, refund_transfer_id, created_at`

func scanRefund(sc scanner) (ingot.Refund, error) {
	var r ingot.Refund
	var created int64
	err := sc.Scan(&r.ID, &r.TransferID, &r.Payer, &r.Payee, &r.Amount, &r.Fee, &r.Currency, &r.Reason,
		&r.RefundTransferID, &created)
	r.CreatedAt = fromMicros(created)
	return r, err
}

// Refunds lists a payment's refunds, oldest first.
func (s *Store) Refunds(ctx context.Context, transferID string) ([]ingot.Refund, error) {
	out, err := collect(ctx, s.r, scanRefund, `SELECT `+refundCols+` FROM refunds WHERE transfer_id = ?
		ORDER BY created_at, id`, transferID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: refunds: %w", err)
	}
	return out, nil
}

func scanRefundTotal(sc scanner) (ingot.RefundTotal, error) {
	var t ingot.RefundTotal
	err := sc.Scan(&t.TransferID, &t.Refunded, &t.FeeRefunded)
	return t, err
}

// RefundTotal reads what a payment has had refunded, zero when none.
func (s *Store) RefundTotal(ctx context.Context, transferID string) (ingot.RefundTotal, error) {
	t, err := scanRefundTotal(s.r.QueryRowContext(ctx,
		`SELECT transfer_id, refunded, fee_refunded FROM refund_totals WHERE transfer_id = ?`, transferID))
	if errors.Is(err, sql.ErrNoRows) {
		return ingot.RefundTotal{TransferID: transferID}, nil
	}
	if err != nil {
		return ingot.RefundTotal{}, fmt.Errorf("sqlite: refund total: %w", err)
	}
	return t, nil
}

// LockRefundTotals creates the refund totals among transferIDs that do not
// exist yet (at zero) and returns them all, by payment.
func (b *batchTx) LockRefundTotals(ctx context.Context, transferIDs []string) ([]ingot.RefundTotal, error) {
	if len(transferIDs) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(transferIDs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock refund totals: %w", err)
	}
	// WHERE true: SQLite's parser needs it between a SELECT and ON CONFLICT.
	if _, err := b.tx.ExecContext(ctx, `INSERT INTO refund_totals (transfer_id, refunded, fee_refunded)
		SELECT value, 0, 0 FROM json_each(?) WHERE true ON CONFLICT DO NOTHING`, arg); err != nil {
		return nil, fmt.Errorf("sqlite: lock refund totals: create: %w", err)
	}
	out, err := collect(ctx, b.tx, scanRefundTotal, `SELECT transfer_id, refunded, fee_refunded FROM refund_totals
		WHERE transfer_id IN (SELECT value FROM json_each(?)) ORDER BY transfer_id`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock refund totals: %w", err)
	}
	return out, nil
}

// ---- fees ----

const feeScheduleCols = `operator_id, currency, account, rate_bps, min_fee, max_fee, mcc_rates, updated_at`

func scanFeeSchedule(sc scanner) (ingot.FeeSchedule, error) {
	var f ingot.FeeSchedule
	var rates string
	var updated int64
	if err := sc.Scan(&f.OperatorID, &f.Currency, &f.Account, &f.RateBPS, &f.Min, &f.Max, &rates, &updated); err != nil {
		return ingot.FeeSchedule{}, err
	}
	f.MCCRates = map[string]int{}
	if err := json.Unmarshal([]byte(rates), &f.MCCRates); err != nil {
		return ingot.FeeSchedule{}, fmt.Errorf("mcc rates of %s %s: %w", f.OperatorID, f.Currency, err)
	}
	if f.MCCRates == nil { // a stored null
		f.MCCRates = map[string]int{}
	}
	f.UpdatedAt = fromMicros(updated)
	return f, nil
}

// SetFeeSchedule stores an operator's schedule of a currency, replacing
// its previous one; its MCC rates are stored as a JSON object ({} none).
func (s *Store) SetFeeSchedule(ctx context.Context, f ingot.FeeSchedule) error {
	rates := f.MCCRates
	if rates == nil {
		rates = map[string]int{}
	}
	arg, err := json.Marshal(rates)
	if err != nil {
		return fmt.Errorf("sqlite: set fee schedule: %w", err)
	}
	_, err = s.exec(ctx, "set fee schedule", `INSERT INTO fee_schedules (`+feeScheduleCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (operator_id, currency) DO UPDATE SET account = excluded.account, rate_bps = excluded.rate_bps,
		min_fee = excluded.min_fee, max_fee = excluded.max_fee, mcc_rates = excluded.mcc_rates, updated_at = excluded.updated_at`,
		f.OperatorID, f.Currency, f.Account, f.RateBPS, f.Min, f.Max, string(arg), micros(f.UpdatedAt))
	return err
}

// FeeSchedules reads the schedules of operators, by operator and currency.
func (s *Store) FeeSchedules(ctx context.Context, operatorIDs []string) ([]ingot.FeeSchedule, error) {
	return feeSchedules(ctx, s.r, operatorIDs)
}

// FeeSchedules is Store.FeeSchedules inside the batch.
func (b *batchTx) FeeSchedules(ctx context.Context, operatorIDs []string) ([]ingot.FeeSchedule, error) {
	return feeSchedules(ctx, b.tx, operatorIDs)
}

func feeSchedules(ctx context.Context, q querier, operatorIDs []string) ([]ingot.FeeSchedule, error) {
	if len(operatorIDs) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(operatorIDs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: fee schedules: %w", err)
	}
	out, err := collect(ctx, q, scanFeeSchedule, `SELECT `+feeScheduleCols+` FROM fee_schedules
		WHERE operator_id IN (SELECT value FROM json_each(?)) ORDER BY operator_id, currency`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: fee schedules: %w", err)
	}
	return out, nil
}

// SetFeeCap stores the central bank's fee cap, replacing the previous one.
func (s *Store) SetFeeCap(ctx context.Context, c ingot.FeeCap) error {
	_, err := s.exec(ctx, "set fee cap", `INSERT INTO fee_cap (id, max_rate_bps, updated_at) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET max_rate_bps = excluded.max_rate_bps, updated_at = excluded.updated_at`,
		c.MaxRateBPS, micros(c.UpdatedAt))
	return err
}

// FeeCap reads the central bank's fee cap, or ErrNotFound.
func (s *Store) FeeCap(ctx context.Context) (ingot.FeeCap, error) {
	var c ingot.FeeCap
	var updated int64
	if err := s.r.QueryRowContext(ctx, `SELECT max_rate_bps, updated_at FROM fee_cap WHERE id = 1`).Scan(&c.MaxRateBPS, &updated); err != nil {
		return ingot.FeeCap{}, notFound(err, "fee cap")
	}
	c.UpdatedAt = fromMicros(updated)
	return c, nil
}

// ---- the batch's writes ----

// writeMerchant writes a batch's merchant rows, each table through one
// prepared statement: requests and codes changed (one that does not exist
// is ErrNotFound), new refunds, refund totals upserted.
func (b *batchTx) writeMerchant(ctx context.Context, m *store.MerchantWrite) error {
	if len(m.NewPaymentRequests) > 0 {
		st, err := b.tx.PrepareContext(ctx, `INSERT INTO payment_requests (`+paymentRequestCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("sqlite: write new payment requests: %w", err)
		}
		defer st.Close()
		for _, pr := range m.NewPaymentRequests {
			if _, err := st.ExecContext(ctx, pr.ID, pr.Wallet, pr.OperatorID, pr.Amount, pr.Currency, pr.Reference, string(pr.Status),
				pr.TransferID, micros(pr.ExpiresAt), micros(pr.CreatedAt), micros(pr.UpdatedAt)); err != nil {
				if isUnique(err) {
					err = store.ErrConflict
				}
				return fmt.Errorf("sqlite: write new payment request %s: %w", pr.ID, err)
			}
		}
	}
	if len(m.PaymentRequests) > 0 {
		st, err := b.tx.PrepareContext(ctx, `UPDATE payment_requests SET status = ?, transfer_id = ?, updated_at = ? WHERE id = ?`)
		if err != nil {
			return fmt.Errorf("sqlite: write payment requests: %w", err)
		}
		defer st.Close()
		for _, pr := range m.PaymentRequests {
			if err := updatedOne(st.ExecContext(ctx, string(pr.Status), pr.TransferID, micros(pr.UpdatedAt), pr.ID)); err != nil {
				return fmt.Errorf("sqlite: write payment request %s: %w", pr.ID, err)
			}
		}
	}
	if len(m.PaymentCodes) > 0 {
		st, err := b.tx.PrepareContext(ctx, `UPDATE payment_codes SET used_at = ?, transfer_id = ? WHERE hash = ?`)
		if err != nil {
			return fmt.Errorf("sqlite: write payment codes: %w", err)
		}
		defer st.Close()
		for _, pc := range m.PaymentCodes {
			if err := updatedOne(st.ExecContext(ctx, nullMicros(pc.UsedAt), pc.TransferID, pc.Hash)); err != nil {
				return fmt.Errorf("sqlite: write payment code: %w", err)
			}
		}
	}
	if len(m.Refunds) > 0 {
		st, err := b.tx.PrepareContext(ctx, `INSERT INTO refunds (`+refundCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("sqlite: write refunds: %w", err)
		}
		defer st.Close()
		for _, r := range m.Refunds {
			if _, err := st.ExecContext(ctx, r.ID, r.TransferID, r.Payer, r.Payee, r.Amount, r.Fee, r.Currency, r.Reason,
				r.RefundTransferID, micros(r.CreatedAt)); err != nil {
				return fmt.Errorf("sqlite: write refund %s: %w", r.ID, err)
			}
		}
	}
	if len(m.RefundTotals) > 0 {
		st, err := b.tx.PrepareContext(ctx, `INSERT INTO refund_totals (transfer_id, refunded, fee_refunded) VALUES (?, ?, ?)
			ON CONFLICT (transfer_id) DO UPDATE SET refunded = excluded.refunded, fee_refunded = excluded.fee_refunded`)
		if err != nil {
			return fmt.Errorf("sqlite: write refund totals: %w", err)
		}
		defer st.Close()
		for _, t := range m.RefundTotals {
			if _, err := st.ExecContext(ctx, t.TransferID, t.Refunded, t.FeeRefunded); err != nil {
				return fmt.Errorf("sqlite: write refund total %s: %w", t.TransferID, err)
			}
		}
	}
	return nil
}

// updatedOne checks that an update changed a row: none is ErrNotFound.
func updatedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}
