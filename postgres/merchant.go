package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Merchants (store/merchant.go): profiles, payment requests, payment codes,
// refunds and their totals, fee schedules and the fee cap, and the reads of
// statements. Profiles, schedules and the cap are upserts outside batches;
// requests and codes are created outside batches with their idempotency
// record, then locked (SELECT ... FOR UPDATE, in key order) and changed
// only by batches, whose writes are queued by queueMerchant.

// ---- profiles ----

const merchantCols = "wallet, name, city, country, mcc, short_code, updated_at"

func scanMerchant(row pgx.Row) (ingot.Merchant, error) {
	var m ingot.Merchant
	err := row.Scan(&m.Wallet, &m.Name, &m.City, &m.Country, &m.MCC, &m.ShortCode, &m.UpdatedAt)
	m.UpdatedAt = m.UpdatedAt.UTC()
	return m, err
}

// SetMerchant stores a merchant wallet's profile, replacing its previous
// one; a short code another merchant has is ErrConflict.
func (s *Store) SetMerchant(ctx context.Context, m ingot.Merchant) error {
	_, err := s.exec(ctx, "set merchant", `INSERT INTO merchants (`+merchantCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (wallet) DO UPDATE SET name = excluded.name, city = excluded.city, country = excluded.country,
			mcc = excluded.mcc, short_code = excluded.short_code, updated_at = excluded.updated_at`,
		m.Wallet, m.Name, m.City, m.Country, m.MCC, m.ShortCode, m.UpdatedAt)
	return err
}

// MerchantByShortCode reads the profile with a short code.
func (s *Store) MerchantByShortCode(ctx context.Context, code string) (ingot.Merchant, error) {
	if code == "" {
		return ingot.Merchant{}, store.ErrNotFound
	}
	return one(ctx, s.pool, "merchant by short code", scanMerchant, `SELECT `+merchantCols+` FROM merchants WHERE short_code = $1`, code)
}

func merchants(ctx context.Context, q queryer, wallets []int64) ([]ingot.Merchant, error) {
	if len(wallets) == 0 {
		return nil, nil
	}
	ms, err := collect(ctx, q, scanMerchant, `SELECT `+merchantCols+` FROM merchants WHERE wallet = ANY($1) ORDER BY wallet`, wallets)
	if err != nil {
		return nil, fmt.Errorf("postgres: merchants: %w", err)
	}
	return ms, nil
}

// Merchants reads the profiles of the wallets among ids that have one, by
// wallet.
func (s *Store) Merchants(ctx context.Context, wallets []int64) ([]ingot.Merchant, error) {
	return merchants(ctx, s.pool, wallets)
}

// Merchants reads profiles inside the batch (as committed, not locked).
func (b *batchTx) Merchants(ctx context.Context, wallets []int64) ([]ingot.Merchant, error) {
	return merchants(ctx, b.tx, wallets)
}

// ---- payment requests ----

const paymentRequestCols = "id, wallet, operator_id, amount, currency, reference, status, transfer_id, expires_at, created_at, updated_at"

func scanPaymentRequest(row pgx.Row) (ingot.PaymentRequest, error) {
	var r ingot.PaymentRequest
	var status string
	err := row.Scan(&r.ID, &r.Wallet, &r.OperatorID, &r.Amount, &r.Currency, &r.Reference, &status, &r.TransferID,
		&r.ExpiresAt, &r.CreatedAt, &r.UpdatedAt)
	r.Status = ingot.PaymentRequestStatus(status)
	r.ExpiresAt, r.CreatedAt, r.UpdatedAt = r.ExpiresAt.UTC(), r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, err
}

// CreatePaymentRequest stores a new open request with idem (as
// CreateAccount does); a taken id is ErrConflict.
func (s *Store) CreatePaymentRequest(ctx context.Context, pr ingot.PaymentRequest, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO payment_requests (`+paymentRequestCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			pr.ID, pr.Wallet, pr.OperatorID, pr.Amount, pr.Currency, pr.Reference, string(pr.Status), pr.TransferID,
			pr.ExpiresAt, pr.CreatedAt, pr.UpdatedAt)
		if isUniqueViolation(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("postgres: create payment request: %w", err)
		}
		return nil
	})
}

// PaymentRequest reads a payment request.
func (s *Store) PaymentRequest(ctx context.Context, id string) (ingot.PaymentRequest, error) {
	return one(ctx, s.pool, "payment request", scanPaymentRequest,
		`SELECT `+paymentRequestCols+` FROM payment_requests WHERE id = $1`, id)
}

// ExpiredPaymentRequests lists ids of open requests with ExpiresAt <= now,
// oldest first, at most limit (the partial index payment_requests_expiry).
func (s *Store) ExpiredPaymentRequests(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id FROM payment_requests WHERE status = 'open' AND expires_at <= $1
		ORDER BY expires_at, id LIMIT $2`, now, limit)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: expired payment requests: %w", err)
	}
	return ids, nil
}

// LockPaymentRequests locks and returns the requests among ids, in id
// order.
func (b *batchTx) LockPaymentRequests(ctx context.Context, ids []string) ([]ingot.PaymentRequest, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rs, err := collect(ctx, b.tx, scanPaymentRequest,
		`SELECT `+paymentRequestCols+` FROM payment_requests WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: lock payment requests: %w", err)
	}
	return rs, nil
}

// ---- payment codes ----

const paymentCodeCols = "hash, wallet, operator_id, holder_id, expires_at, used_at, transfer_id, created_at"

func scanPaymentCode(row pgx.Row) (ingot.PaymentCode, error) {
	var c ingot.PaymentCode
	var used *time.Time
	err := row.Scan(&c.Hash, &c.Wallet, &c.OperatorID, &c.HolderID, &c.ExpiresAt, &used, &c.TransferID, &c.CreatedAt)
	c.ExpiresAt, c.UsedAt, c.CreatedAt = c.ExpiresAt.UTC(), fromNullTime(used), c.CreatedAt.UTC()
	return c, err
}

// CreatePaymentCode stores a new code with idem (as CreateAccount does); a
// taken hash is ErrConflict.
func (s *Store) CreatePaymentCode(ctx context.Context, pc ingot.PaymentCode, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO payment_codes (`+paymentCodeCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			nonNil(pc.Hash), pc.Wallet, pc.OperatorID, pc.HolderID, pc.ExpiresAt, nullTime(pc.UsedAt), pc.TransferID, pc.CreatedAt)
		if isUniqueViolation(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("postgres: create payment code: %w", err)
		}
		return nil
	})
}

// LockPaymentCodes locks and returns the codes among hashes, in hash
// order.
func (b *batchTx) LockPaymentCodes(ctx context.Context, hashes [][]byte) ([]ingot.PaymentCode, error) {
	if len(hashes) == 0 {
		return nil, nil
	}
	cs, err := collect(ctx, b.tx, scanPaymentCode,
		`SELECT `+paymentCodeCols+` FROM payment_codes WHERE hash = ANY($1::bytea[]) ORDER BY hash FOR UPDATE`, hashes)
	if err != nil {
		return nil, fmt.Errorf("postgres: lock payment codes: %w", err)
	}
	return cs, nil
}

// ---- refunds ----

const refundCols = "id, transfer_id, payer, payee, amount, fee, currency, reason, refund_transfer_id, created_at"

func scanRefund(row pgx.Row) (ingot.Refund, error) {
	var r ingot.Refund
	err := row.Scan(&r.ID, &r.TransferID, &r.Payer, &r.Payee, &r.Amount, &r.Fee, &r.Currency, &r.Reason,
		&r.RefundTransferID, &r.CreatedAt)
	r.CreatedAt = r.CreatedAt.UTC()
	return r, err
}

// Refunds lists a payment's refunds, oldest first.
func (s *Store) Refunds(ctx context.Context, transferID string) ([]ingot.Refund, error) {
	rs, err := collect(ctx, s.pool, scanRefund,
		`SELECT `+refundCols+` FROM refunds WHERE transfer_id = $1 ORDER BY created_at, id`, transferID)
	if err != nil {
		return nil, fmt.Errorf("postgres: refunds: %w", err)
	}
	return rs, nil
}

func scanRefundTotal(row pgx.Row) (ingot.RefundTotal, error) {
	var t ingot.RefundTotal
	err := row.Scan(&t.TransferID, &t.Refunded, &t.FeeRefunded)
	return t, err
}

// RefundTotal reads what a payment has had refunded (zero when none).
func (s *Store) RefundTotal(ctx context.Context, transferID string) (ingot.RefundTotal, error) {
	t, err := one(ctx, s.pool, "refund total", scanRefundTotal,
		`SELECT transfer_id, refunded, fee_refunded FROM refund_totals WHERE transfer_id = $1`, transferID)
	if errors.Is(err, store.ErrNotFound) {
		return ingot.RefundTotal{TransferID: transferID}, nil
	}
	return t, err
}

// LockRefundTotals creates the totals among transferIDs that do not exist
// yet (at zero), then locks and returns them all, in transfer id order: one
// round trip. Both statements go in id order, so that batches creating or
// locking the same totals wait for each other instead of deadlocking.
func (b *batchTx) LockRefundTotals(ctx context.Context, transferIDs []string) ([]ingot.RefundTotal, error) {
	if len(transferIDs) == 0 {
		return nil, nil
	}
	var batch pgx.Batch
	batch.Queue(`INSERT INTO refund_totals (transfer_id)
		SELECT DISTINCT t FROM unnest($1::text[]) AS u(t) ORDER BY t
		ON CONFLICT DO NOTHING`, transferIDs)
	batch.Queue(`SELECT transfer_id, refunded, fee_refunded FROM refund_totals
		WHERE transfer_id = ANY($1::text[]) ORDER BY transfer_id FOR UPDATE`, transferIDs)
	br := b.tx.SendBatch(ctx, &batch)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, fmt.Errorf("postgres: lock refund totals: create: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("postgres: lock refund totals: %w", err)
	}
	ts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.RefundTotal, error) { return scanRefundTotal(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: lock refund totals: %w", err)
	}
	if err := br.Close(); err != nil {
		return nil, fmt.Errorf("postgres: lock refund totals: %w", err)
	}
	return ts, nil
}

// ---- fees ----

const feeScheduleCols = "operator_id, currency, account, rate_bps, min_fee, max_fee, mcc_rates, updated_at"

func scanFeeSchedule(row pgx.Row) (ingot.FeeSchedule, error) {
	var f ingot.FeeSchedule
	var rate int32
	var rates []byte
	err := row.Scan(&f.OperatorID, &f.Currency, &f.Account, &rate, &f.Min, &f.Max, &rates, &f.UpdatedAt)
	if err != nil {
		return f, err
	}
	f.RateBPS, f.UpdatedAt = int(rate), f.UpdatedAt.UTC()
	if err := json.Unmarshal(rates, &f.MCCRates); err != nil {
		return f, fmt.Errorf("mcc_rates: %w", err)
	}
	if f.MCCRates == nil {
		f.MCCRates = map[string]int{} // a map, empty when none
	}
	return f, nil
}

// SetFeeSchedule stores an operator's schedule of a currency, replacing
// its previous one.
func (s *Store) SetFeeSchedule(ctx context.Context, f ingot.FeeSchedule) error {
	rates, err := json.Marshal(f.MCCRates)
	if err != nil {
		return fmt.Errorf("postgres: set fee schedule: %w", err)
	}
	if f.MCCRates == nil {
		rates = []byte("{}")
	}
	_, err = s.exec(ctx, "set fee schedule", `INSERT INTO fee_schedules (`+feeScheduleCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
		ON CONFLICT (operator_id, currency) DO UPDATE SET account = excluded.account, rate_bps = excluded.rate_bps,
			min_fee = excluded.min_fee, max_fee = excluded.max_fee, mcc_rates = excluded.mcc_rates,
			updated_at = excluded.updated_at`,
		f.OperatorID, f.Currency, f.Account, int32(f.RateBPS), f.Min, f.Max, string(rates), f.UpdatedAt)
	return err
}

func feeSchedules(ctx context.Context, q queryer, operatorIDs []string) ([]ingot.FeeSchedule, error) {
	if len(operatorIDs) == 0 {
		return nil, nil
	}
	fs, err := collect(ctx, q, scanFeeSchedule, `SELECT `+feeScheduleCols+` FROM fee_schedules
		WHERE operator_id = ANY($1) ORDER BY operator_id, currency`, operatorIDs)
	if err != nil {
		return nil, fmt.Errorf("postgres: fee schedules: %w", err)
	}
	return fs, nil
}

// FeeSchedules reads the schedules of operators (all currencies), by
// operator and currency.
func (s *Store) FeeSchedules(ctx context.Context, operatorIDs []string) ([]ingot.FeeSchedule, error) {
	return feeSchedules(ctx, s.pool, operatorIDs)
}

// FeeSchedules reads schedules inside the batch (as committed, not locked).
func (b *batchTx) FeeSchedules(ctx context.Context, operatorIDs []string) ([]ingot.FeeSchedule, error) {
	return feeSchedules(ctx, b.tx, operatorIDs)
}

// SetFeeCap stores the central bank's cap (the table's single row).
func (s *Store) SetFeeCap(ctx context.Context, c ingot.FeeCap) error {
	_, err := s.exec(ctx, "set fee cap", `INSERT INTO fee_cap (id, max_rate_bps, updated_at) VALUES (1, $1, $2)
		ON CONFLICT (id) DO UPDATE SET max_rate_bps = excluded.max_rate_bps, updated_at = excluded.updated_at`,
		int32(c.MaxRateBPS), c.UpdatedAt)
	return err
}

// FeeCap reads the central bank's cap; ErrNotFound when none was set.
func (s *Store) FeeCap(ctx context.Context) (ingot.FeeCap, error) {
	return one(ctx, s.pool, "fee cap", func(row pgx.Row) (ingot.FeeCap, error) {
		var c ingot.FeeCap
		var rate int32
		err := row.Scan(&rate, &c.UpdatedAt)
		c.MaxRateBPS, c.UpdatedAt = int(rate), c.UpdatedAt.UTC()
		return c, err
	}, `SELECT max_rate_bps, updated_at FROM fee_cap WHERE id = 1`)
}

// ---- statements ----

// Statements' queries need no index on created_at (every transfer would
// pay for two more index entries): they walk the account's debit and
// credit indexes by seq. lastBeforeSQL finds the account's last transfer
// created before $2 by walking back from its newest, so it reads the
// account's transfers since then; a statement's transfers are those after
// that one (by seq) created in [$2, $3), read forward from it. This is
// exact as long as an account's transfers are created in seq order: a
// batch takes its time before it locks its accounts, so batches of two
// processes that lock one account within the same instant may commit out
// of their times' order, and a statement across that instant would not add
// up (whatever the query).

// lastBeforeSQL is the seq and balance after the account's ($1) last
// transfer created before $2, from whichever side it was; no row when none.
const lastBeforeSQL = `SELECT seq, balance FROM (
		(SELECT seq, debit_balance AS balance FROM transfers WHERE debit = $1 AND created_at < $2 ORDER BY seq DESC LIMIT 1)
		UNION ALL
		(SELECT seq, credit_balance FROM transfers WHERE credit = $1 AND created_at < $2 ORDER BY seq DESC LIMIT 1)
	) l ORDER BY seq DESC LIMIT 1`

// AccountTransfersBetween lists the transfers of an account created in
// [from, to), by Seq, at most limit, with Seq: two forward range scans of
// the debit and credit indexes from the account's last transfer before
// from, merged.
func (s *Store) AccountTransfersBetween(ctx context.Context, account int64, from, to time.Time, limit int) ([]ingot.Transfer, error) {
	rows, _ := s.pool.Query(ctx, `WITH last AS (SELECT coalesce((SELECT seq FROM (`+lastBeforeSQL+`) l), 0) AS seq)
		SELECT seq, `+transferCols+` FROM (
			(SELECT * FROM transfers WHERE debit = $1 AND seq > (SELECT seq FROM last)
				AND created_at >= $2 AND created_at < $3 ORDER BY seq LIMIT $4)
			UNION ALL
			(SELECT * FROM transfers WHERE credit = $1 AND debit <> $1 AND seq > (SELECT seq FROM last)
				AND created_at >= $2 AND created_at < $3 ORDER BY seq LIMIT $4)
		) t ORDER BY seq LIMIT $4`, account, from, to, limit)
	ts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.Transfer, error) { return scanTransfer(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: account transfers between: %w", err)
	}
	return ts, nil
}

// BalanceBefore is the account's balance after its last transfer created
// before at (its debit or credit balance, as it was that transfer's debit
// or credit side), or 0 when it has none.
func (s *Store) BalanceBefore(ctx context.Context, account int64, at time.Time) (int64, error) {
	var seq, bal int64
	err := s.pool.QueryRow(ctx, lastBeforeSQL, account, at).Scan(&seq, &bal)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: balance before: %w", err)
	}
	return bal, nil
}

// ---- the batch's writes ----

// queueMerchant queues a batch's changes of merchants' rows on batch, one
// unnest() statement per table, and returns what each must affect: every
// request and code written exists (locked by the batch), else ErrNotFound.
func queueMerchant(batch *pgx.Batch, m *store.MerchantWrite) []check {
	var checks []check
	if n := len(m.NewPaymentRequests); n > 0 {
		ids, ops, curs, refs, statuses, transfers := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		wallets, amounts := make([]int64, n), make([]int64, n)
		expires, created, updated := make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
		for i, r := range m.NewPaymentRequests {
			ids[i], ops[i], curs[i], refs[i], statuses[i], transfers[i] = r.ID, r.OperatorID, r.Currency, r.Reference, string(r.Status), r.TransferID
			wallets[i], amounts[i], expires[i], created[i], updated[i] = r.Wallet, r.Amount, r.ExpiresAt, r.CreatedAt, r.UpdatedAt
		}
		batch.Queue(`INSERT INTO payment_requests (`+paymentRequestCols+`)
			SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[],
				$9::timestamptz[], $10::timestamptz[], $11::timestamptz[])`,
			ids, wallets, ops, amounts, curs, refs, statuses, transfers, expires, created, updated)
		checks = append(checks, check{what: "new payment requests", want: n})
	}
	if rs := lastBy(m.PaymentRequests, func(r ingot.PaymentRequest) string { return r.ID }); len(rs) > 0 {
		n := len(rs)
		ids, statuses, transfers, updated := make([]string, n), make([]string, n), make([]string, n), make([]time.Time, n)
		for i, r := range rs {
			ids[i], statuses[i], transfers[i], updated[i] = r.ID, string(r.Status), r.TransferID, r.UpdatedAt
		}
		batch.Queue(`UPDATE payment_requests p SET status = u.status, transfer_id = u.transfer_id, updated_at = u.updated_at
			FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS u(id, status, transfer_id, updated_at)
			WHERE p.id = u.id`, ids, statuses, transfers, updated)
		checks = append(checks, check{what: "payment requests", want: n, err: store.ErrNotFound})
	}
	if cs := lastBy(m.PaymentCodes, func(c ingot.PaymentCode) string { return string(c.Hash) }); len(cs) > 0 {
		n := len(cs)
		hashes, used, transfers := make([][]byte, n), make([]pgtype.Timestamptz, n), make([]string, n)
		for i, c := range cs {
			hashes[i], transfers[i] = nonNil(c.Hash), c.TransferID
			used[i] = pgtype.Timestamptz{Time: c.UsedAt, Valid: !c.UsedAt.IsZero()}
		}
		batch.Queue(`UPDATE payment_codes c SET used_at = u.used_at, transfer_id = u.transfer_id
			FROM unnest($1::bytea[], $2::timestamptz[], $3::text[]) AS u(hash, used_at, transfer_id)
			WHERE c.hash = u.hash`, hashes, used, transfers)
		checks = append(checks, check{what: "payment codes", want: n, err: store.ErrNotFound})
	}
	if n := len(m.Refunds); n > 0 {
		ids, transfers, currencies, reasons, refunds := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		payers, payees, amounts, fees := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		created := make([]time.Time, n)
		for i, r := range m.Refunds {
			ids[i], transfers[i], currencies[i], reasons[i], refunds[i] = r.ID, r.TransferID, r.Currency, r.Reason, r.RefundTransferID
			payers[i], payees[i], amounts[i], fees[i], created[i] = r.Payer, r.Payee, r.Amount, r.Fee, r.CreatedAt
		}
		batch.Queue(`INSERT INTO refunds (`+refundCols+`)
			SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[],
				$7::text[], $8::text[], $9::text[], $10::timestamptz[])`,
			ids, transfers, payers, payees, amounts, fees, currencies, reasons, refunds, created)
		checks = append(checks, check{what: "refunds", want: n})
	}
	if ts := lastBy(m.RefundTotals, func(t ingot.RefundTotal) string { return t.TransferID }); len(ts) > 0 {
		n := len(ts)
		ids, refunded, fees := make([]string, n), make([]int64, n), make([]int64, n)
		for i, t := range ts {
			ids[i], refunded[i], fees[i] = t.TransferID, t.Refunded, t.FeeRefunded
		}
		// An upsert, so that a total the batch did not lock is written too.
		batch.Queue(`INSERT INTO refund_totals (transfer_id, refunded, fee_refunded)
			SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
			ON CONFLICT (transfer_id) DO UPDATE SET refunded = excluded.refunded, fee_refunded = excluded.fee_refunded`,
			ids, refunded, fees)
		checks = append(checks, check{what: "refund totals", want: n})
	}
	return checks
}

// lastBy is xs with only the last of each key, in the order of their
// first: one statement may not change a row twice.
func lastBy[T any, K comparable](xs []T, key func(T) K) []T {
	seen := make(map[K]int, len(xs))
	out := make([]T, 0, len(xs))
	for _, x := range xs {
		k := key(x)
		if i, ok := seen[k]; ok {
			out[i] = x
			continue
		}
		seen[k] = len(out)
		out = append(out, x)
	}
	return out
}
