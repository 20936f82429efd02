package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// Reviews, cases and reveals (store/risk.go; migration 00013).

const reviewCols = `id, operator_id, payee_operator_id, payer, payee, amount, currency, memo, purpose, channel, hold_id,
	rule_id, rule_version, alert_id, status, transfer_id, decided_by, created_at, decided_at`

func scanReview(sc scanner) (risk.Review, error) {
	var r risk.Review
	var status string
	var created, decided int64
	if err := sc.Scan(&r.ID, &r.OperatorID, &r.PayeeOperatorID, &r.Payer, &r.Payee, &r.Amount, &r.Currency, &r.Memo, &r.Purpose,
		&r.Channel, &r.HoldID, &r.RuleID, &r.RuleVersion, &r.AlertID, &status, &r.TransferID, &r.DecidedBy,
		&created, &decided); err != nil {
		return risk.Review{}, err
	}
	r.Status, r.CreatedAt = risk.ReviewStatus(status), fromMicros(created)
	if decided != 0 {
		r.DecidedAt = fromMicros(decided)
	}
	return r, nil
}

// zeroMicros is t in microseconds, 0 for the zero time.
func zeroMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

// Review reads one review.
func (s *Store) Review(ctx context.Context, id string) (risk.Review, error) {
	r, err := scanReview(s.r.QueryRowContext(ctx, `SELECT `+reviewCols+` FROM reviews WHERE id = ?`, id))
	if err != nil {
		return risk.Review{}, notFound(err, "review")
	}
	return r, nil
}

// Reviews lists reviews newest first.
func (s *Store) Reviews(ctx context.Context, f store.ReviewFilter) ([]risk.Review, error) {
	q := `SELECT ` + reviewCols + ` FROM reviews WHERE 1 = 1`
	var args []any
	if f.OperatorID != "" {
		q += ` AND operator_id = ?`
		args = append(args, f.OperatorID)
	}
	if f.Wallet != 0 {
		q += ` AND payer = ?`
		args = append(args, f.Wallet)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	if f.Currencies != nil {
		cs, _ := json.Marshal(f.Currencies)
		q += ` AND currency IN (SELECT value FROM json_each(?))`
		args = append(args, string(cs))
	}
	if f.Before != "" {
		q += ` AND id < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limitArg(f.Limit))
	out, err := collect(ctx, s.r, scanReview, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reviews: %w", err)
	}
	return out, nil
}

// LockReviews reads the batch's reviews (the batch holds the write lock).
func (b *batchTx) LockReviews(ctx context.Context, ids []string) ([]risk.Review, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock reviews: %w", err)
	}
	out, err := collect(ctx, b.tx, scanReview, `SELECT `+reviewCols+` FROM reviews WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock reviews: %w", err)
	}
	return out, nil
}

// writeReviews inserts a batch's new reviews and updates its decided ones.
func (b *batchTx) writeReviews(ctx context.Context, w *store.RiskWrite) error {
	for _, r := range w.NewReviews {
		if _, err := b.tx.ExecContext(ctx, `INSERT INTO reviews (`+reviewCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.OperatorID, r.PayeeOperatorID, r.Payer, r.Payee, r.Amount, r.Currency, r.Memo, r.Purpose, r.Channel, r.HoldID,
			r.RuleID, r.RuleVersion, r.AlertID, string(r.Status), r.TransferID, r.DecidedBy, micros(r.CreatedAt), zeroMicros(r.DecidedAt)); err != nil {
			return fmt.Errorf("sqlite: write review %s: %w", r.ID, err)
		}
	}
	for _, r := range w.UpdatedReviews {
		res, err := b.tx.ExecContext(ctx, `UPDATE reviews SET status = ?, transfer_id = ?, decided_by = ?, decided_at = ? WHERE id = ?`,
			string(r.Status), r.TransferID, r.DecidedBy, zeroMicros(r.DecidedAt), r.ID)
		if err != nil {
			return fmt.Errorf("sqlite: write review %s: %w", r.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("sqlite: write review %s: %d rows, %v", r.ID, n, err)
		}
	}
	return nil
}

const caseCols = `id, operator_id, alert_ids, note, decision, status, created_by, created_at, decided_at, issuer_id`

func scanCase(sc scanner) (risk.Case, error) {
	var c risk.Case
	var alerts, decision, status string
	var created, decided int64
	if err := sc.Scan(&c.ID, &c.OperatorID, &alerts, &c.Note, &decision, &status, &c.CreatedBy, &created, &decided, &c.IssuerID); err != nil {
		return risk.Case{}, err
	}
	if err := json.Unmarshal([]byte(alerts), &c.AlertIDs); err != nil {
		return risk.Case{}, fmt.Errorf("case %s: alert ids: %w", c.ID, err)
	}
	c.Decision, c.Status, c.CreatedAt = risk.CaseDecision(decision), risk.CaseStatus(status), fromMicros(created)
	if decided != 0 {
		c.DecidedAt = fromMicros(decided)
	}
	return c, nil
}

// CreateCase stores a new case.
func (s *Store) CreateCase(ctx context.Context, c risk.Case, rec *store.IdemRecord) (*store.IdemRecord, error) {
	alerts, err := jsonArray(c.AlertIDs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: create case: %w", err)
	}
	return s.createWithIdem(ctx, "create case", rec, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO cases (`+caseCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.OperatorID, alerts, c.Note, string(c.Decision), string(c.Status), c.CreatedBy, micros(c.CreatedAt), zeroMicros(c.DecidedAt), c.IssuerID)
		if isUnique(err) {
			return store.ErrConflict
		}
		return err
	})
}

// Case reads one case.
func (s *Store) Case(ctx context.Context, id string) (risk.Case, error) {
	c, err := scanCase(s.r.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases WHERE id = ?`, id))
	if err != nil {
		return risk.Case{}, notFound(err, "case")
	}
	return c, nil
}

// Cases lists cases newest first.
func (s *Store) Cases(ctx context.Context, operatorID, issuerID string, all bool, before string, limit int) ([]risk.Case, error) {
	q := `SELECT ` + caseCols + ` FROM cases WHERE (? OR (operator_id = ? AND issuer_id = ?))`
	args := []any{all, operatorID, issuerID}
	if before != "" {
		q += ` AND id < ?`
		args = append(args, before)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limitArg(limit))
	out, err := collect(ctx, s.r, scanCase, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: cases: %w", err)
	}
	return out, nil
}

// DecideCase decides an open case once.
func (s *Store) DecideCase(ctx context.Context, id string, d risk.CaseDecision, note string, at time.Time, rec *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "decide case", rec, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE cases SET decision = ?, status = 'decided', decided_at = ?,
			note = CASE WHEN ? = '' THEN note WHEN note = '' THEN ? ELSE note || char(10) || ? END
			WHERE id = ? AND status = 'open'`, string(d), micros(at), note, note, note, id)
		if err != nil {
			return err
		}
		return onlyIfOne(ctx, tx, res, `SELECT 1 FROM cases WHERE id = ?`, id)
	})
}

// onlyIfOne turns a conditional update that changed no row into
// ErrNotFound (no such row) or ErrConflict (the row is not in the state
// the update needs).
func onlyIfOne(ctx context.Context, tx *sql.Tx, res sql.Result, exists string, args ...any) error {
	n, err := res.RowsAffected()
	if err != nil || n == 1 {
		return err
	}
	var one int
	if err := tx.QueryRowContext(ctx, exists, args...).Scan(&one); err != nil {
		return notFound(err, "row")
	}
	return store.ErrConflict
}

const revealCols = `id, case_id, reason, requested_by, status, approved_by, created_at, approved_at`

func scanReveal(sc scanner) (risk.Reveal, error) {
	var r risk.Reveal
	var status string
	var created, approved int64
	if err := sc.Scan(&r.ID, &r.CaseID, &r.Reason, &r.RequestedBy, &status, &r.ApprovedBy, &created, &approved); err != nil {
		return risk.Reveal{}, err
	}
	r.Status, r.CreatedAt = risk.RevealStatus(status), fromMicros(created)
	if approved != 0 {
		r.ApprovedAt = fromMicros(approved)
	}
	return r, nil
}

// CreateReveal stores a pending reveal.
func (s *Store) CreateReveal(ctx context.Context, r risk.Reveal, rec *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "create reveal", rec, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO reveals (`+revealCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.CaseID, r.Reason, r.RequestedBy, string(r.Status), r.ApprovedBy, micros(r.CreatedAt), zeroMicros(r.ApprovedAt))
		if isUnique(err) {
			return store.ErrConflict
		}
		return err
	})
}

// Reveal reads one reveal.
func (s *Store) Reveal(ctx context.Context, id string) (risk.Reveal, error) {
	r, err := scanReveal(s.r.QueryRowContext(ctx, `SELECT `+revealCols+` FROM reveals WHERE id = ?`, id))
	if err != nil {
		return risk.Reveal{}, notFound(err, "reveal")
	}
	return r, nil
}

// ApproveReveal approves a pending reveal once.
func (s *Store) ApproveReveal(ctx context.Context, id, by string, at time.Time, rec *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "approve reveal", rec, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE reveals SET status = 'approved', approved_by = ?, approved_at = ?
			WHERE id = ? AND status = 'pending'`, by, micros(at), id)
		if err != nil {
			return err
		}
		return onlyIfOne(ctx, tx, res, `SELECT 1 FROM reveals WHERE id = ?`, id)
	})
}
