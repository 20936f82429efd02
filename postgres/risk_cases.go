package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// Reviews, cases and reveals (store/risk.go; migration 00013).

const reviewCols = `id, operator_id, payee_operator_id, payer, payee, amount, currency, memo, purpose, channel, hold_id,
	rule_id, rule_version, alert_id, status, transfer_id, decided_by, created_at, decided_at`

func scanReview(row pgx.Row) (risk.Review, error) {
	var r risk.Review
	var status string
	var decided *time.Time
	if err := row.Scan(&r.ID, &r.OperatorID, &r.PayeeOperatorID, &r.Payer, &r.Payee, &r.Amount, &r.Currency, &r.Memo, &r.Purpose,
		&r.Channel, &r.HoldID, &r.RuleID, &r.RuleVersion, &r.AlertID, &status, &r.TransferID, &r.DecidedBy,
		&r.CreatedAt, &decided); err != nil {
		return risk.Review{}, err
	}
	r.Status, r.CreatedAt = risk.ReviewStatus(status), r.CreatedAt.UTC()
	if decided != nil {
		r.DecidedAt = decided.UTC()
	}
	return r, nil
}

// nullTimeOf is t, or NULL for the zero time.
func nullTimeOf(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Review reads one review.
func (s *Store) Review(ctx context.Context, id string) (risk.Review, error) {
	return one(ctx, s.pool, "review", scanReview, `SELECT `+reviewCols+` FROM reviews WHERE id = $1`, id)
}

// Reviews lists reviews newest first.
func (s *Store) Reviews(ctx context.Context, f store.ReviewFilter) ([]risk.Review, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 1 << 30
	}
	out, err := collect(ctx, s.pool, scanReview, `SELECT `+reviewCols+` FROM reviews
		WHERE ($1 = '' OR operator_id = $1) AND ($2::bigint = 0 OR payer = $2) AND ($3 = '' OR status = $3) AND ($4 = '' OR id < $4)
			AND ($6::text[] IS NULL OR currency = ANY($6))
		ORDER BY id DESC LIMIT $5`, f.OperatorID, f.Wallet, string(f.Status), f.Before, limit, f.Currencies)
	if err != nil {
		return nil, fmt.Errorf("postgres: reviews: %w", err)
	}
	return out, nil
}

// LockReviews locks the batch's reviews, by id.
func (b *batchTx) LockReviews(ctx context.Context, ids []string) ([]risk.Review, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := collect(ctx, b.tx, scanReview, `SELECT `+reviewCols+` FROM reviews WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: lock reviews: %w", err)
	}
	return out, nil
}

// queueReviews queues a batch's new and decided reviews.
func queueReviews(batch *pgx.Batch, w *store.RiskWrite) []check {
	var checks []check
	for _, r := range w.NewReviews {
		batch.Queue(`INSERT INTO reviews (`+reviewCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
			r.ID, r.OperatorID, r.PayeeOperatorID, r.Payer, r.Payee, r.Amount, r.Currency, r.Memo, r.Purpose, r.Channel, r.HoldID,
			r.RuleID, r.RuleVersion, r.AlertID, string(r.Status), r.TransferID, r.DecidedBy, r.CreatedAt, nullTimeOf(r.DecidedAt))
		checks = append(checks, check{what: "review", want: 1})
	}
	for _, r := range w.UpdatedReviews {
		batch.Queue(`UPDATE reviews SET status = $1, transfer_id = $2, decided_by = $3, decided_at = $4 WHERE id = $5`,
			string(r.Status), r.TransferID, r.DecidedBy, nullTimeOf(r.DecidedAt), r.ID)
		checks = append(checks, check{what: "review " + r.ID, want: 1})
	}
	return checks
}

const caseCols = `id, operator_id, alert_ids, note, decision, status, created_by, created_at, decided_at, issuer_id`

func scanCase(row pgx.Row) (risk.Case, error) {
	var c risk.Case
	var decision, status string
	var decided *time.Time
	if err := row.Scan(&c.ID, &c.OperatorID, &c.AlertIDs, &c.Note, &decision, &status, &c.CreatedBy, &c.CreatedAt, &decided, &c.IssuerID); err != nil {
		return risk.Case{}, err
	}
	c.Decision, c.Status, c.CreatedAt = risk.CaseDecision(decision), risk.CaseStatus(status), c.CreatedAt.UTC()
	if decided != nil {
		c.DecidedAt = decided.UTC()
	}
	return c, nil
}

// CreateCase stores a new case.
func (s *Store) CreateCase(ctx context.Context, c risk.Case, rec *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, rec, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO cases (`+caseCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			c.ID, c.OperatorID, c.AlertIDs, c.Note, string(c.Decision), string(c.Status), c.CreatedBy, c.CreatedAt, nullTimeOf(c.DecidedAt), c.IssuerID)
		if isUniqueViolation(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("postgres: create case: %w", err)
		}
		return nil
	})
}

// Case reads one case.
func (s *Store) Case(ctx context.Context, id string) (risk.Case, error) {
	return one(ctx, s.pool, "case", scanCase, `SELECT `+caseCols+` FROM cases WHERE id = $1`, id)
}

// Cases lists cases newest first.
func (s *Store) Cases(ctx context.Context, operatorID, issuerID string, all bool, before string, limit int) ([]risk.Case, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	out, err := collect(ctx, s.pool, scanCase, `SELECT `+caseCols+` FROM cases
		WHERE ($1 OR (operator_id = $2 AND issuer_id = $5)) AND ($3 = '' OR id < $3) ORDER BY id DESC LIMIT $4`, all, operatorID, before, limit, issuerID)
	if err != nil {
		return nil, fmt.Errorf("postgres: cases: %w", err)
	}
	return out, nil
}

// DecideCase decides an open case once.
func (s *Store) DecideCase(ctx context.Context, id string, d risk.CaseDecision, note string, at time.Time, rec *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, rec, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE cases SET decision = $1, status = 'decided', decided_at = $2,
			note = CASE WHEN $3 = '' THEN note WHEN note = '' THEN $3 ELSE note || E'\n' || $3 END
			WHERE id = $4 AND status = 'open'`, string(d), at, note, id)
		return onlyIfOne(ctx, tx, tag, err, `SELECT 1 FROM cases WHERE id = $1`, id)
	})
}

// onlyIfOne turns a conditional update that changed no row into
// ErrNotFound (no such row) or ErrConflict (the row is not in the state
// the update needs).
func onlyIfOne(ctx context.Context, tx pgx.Tx, tag pgconn.CommandTag, err error, exists string, args ...any) error {
	if err != nil {
		return fmt.Errorf("postgres: conditional update: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var n int
	if err := tx.QueryRow(ctx, exists, args...).Scan(&n); err != nil {
		return notFound(err, "row")
	}
	return store.ErrConflict
}

const revealCols = `id, case_id, reason, requested_by, status, approved_by, created_at, approved_at`

func scanReveal(row pgx.Row) (risk.Reveal, error) {
	var r risk.Reveal
	var status string
	var approved *time.Time
	if err := row.Scan(&r.ID, &r.CaseID, &r.Reason, &r.RequestedBy, &status, &r.ApprovedBy, &r.CreatedAt, &approved); err != nil {
		return risk.Reveal{}, err
	}
	r.Status, r.CreatedAt = risk.RevealStatus(status), r.CreatedAt.UTC()
	if approved != nil {
		r.ApprovedAt = approved.UTC()
	}
	return r, nil
}

// CreateReveal stores a pending reveal.
func (s *Store) CreateReveal(ctx context.Context, r risk.Reveal, rec *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, rec, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO reveals (`+revealCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			r.ID, r.CaseID, r.Reason, r.RequestedBy, string(r.Status), r.ApprovedBy, r.CreatedAt, nullTimeOf(r.ApprovedAt))
		if isUniqueViolation(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("postgres: create reveal: %w", err)
		}
		return nil
	})
}

// Reveal reads one reveal.
func (s *Store) Reveal(ctx context.Context, id string) (risk.Reveal, error) {
	return one(ctx, s.pool, "reveal", scanReveal, `SELECT `+revealCols+` FROM reveals WHERE id = $1`, id)
}

// ApproveReveal approves a pending reveal once.
func (s *Store) ApproveReveal(ctx context.Context, id, by string, at time.Time, rec *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, rec, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE reveals SET status = 'approved', approved_by = $1, approved_at = $2
			WHERE id = $3 AND status = 'pending'`, by, at, id)
		return onlyIfOne(ctx, tx, tag, err, `SELECT 1 FROM reveals WHERE id = $1`, id)
	})
}
