package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// Reviews (docs/risk.md). A payment a review rule matches is not made: its
// amount becomes a hold on the payer's wallet, a review records it and an
// alert is raised, all in the payment's batch, and the request is answered
// 202 in_review. A reviewer (the payer's operator, or the central bank)
// then releases it (the hold is captured to the payee: the payment, a log
// leaf) or refuses it (the hold is voided: the money is the payer's
// again, and a record of the refusal is a log leaf too), once. An undecided review's hold expires after ReviewTTL, which
// returns the money; the review is then refused when next decided.

// ReviewTTL is how long a review's hold waits for a decision.
const ReviewTTL = 30 * 24 * time.Hour

// InReview is the outcome of a payment held for review. It is returned as
// an error, so that the payment's result type stays what it is, but it is
// not a refusal: the engine keeps its hold and review, and records it under
// the request's Idempotency-Key as a 202 answer (a replay answers the same).
type InReview struct {
	Status   string `json:"status"` // "in_review"
	ReviewID string `json:"review_id"`
	HoldID   string `json:"hold_id"`
}

func (r *InReview) Error() string { return "in_review: the payment is held for review " + r.ReviewID }

// holdForReview holds a payment a review rule matched instead of making it.
func (s *state) holdForReview(as *assessment, debit, credit *ingot.Account, amount int64, currency, memo string) error {
	s.save(debit)
	debit.Held += amount
	h := &ingot.Hold{ID: uuid.Must(uuid.NewV7()).String(), Wallet: debit.ID, OperatorID: debit.OperatorID,
		Amount: amount, Currency: currency, Status: ingot.HoldPending,
		ExpiresAt: s.now.Add(ReviewTTL), CreatedAt: s.now, UpdatedAt: s.now}
	s.addHold(h)
	by := as.decision.By
	rv := &risk.Review{ID: uuid.Must(uuid.NewV7()).String(), OperatorID: debit.OperatorID, PayeeOperatorID: credit.OperatorID,
		Payer: debit.ID, Payee: credit.ID, Amount: amount, Currency: currency, Memo: memo, Purpose: s.xb.purpose, Channel: s.channel,
		HoldID: h.ID, RuleID: by.ID, RuleVersion: by.Version, Status: risk.ReviewPending, CreatedAt: s.now}
	ev, _ := json.Marshal(map[string]any{"amount": amount, "currency": currency, "channel": s.channel,
		"action": by.Action, "payee": ingot.FormatWalletID(credit.ID), "review_id": rv.ID})
	n := len(s.risk.alerts)
	if err := s.raise(risk.Alert{RuleID: by.ID, RuleVersion: by.Version, Severity: by.Severity, Wallet: debit.ID,
		OperatorID: debit.OperatorID, Evidence: ev}); err != nil {
		return err
	}
	rv.AlertID = s.risk.alerts[n].ID
	s.addReview(rv, true)
	s.emit(ingot.EventReviewPending, debit.OperatorID, rv)
	return &InReview{Status: "in_review", ReviewID: rv.ID, HoldID: h.ID}
}

// addReview records a review made (created) or changed in the batch.
func (s *state) addReview(rv *risk.Review, created bool) {
	r := s.risk
	if created {
		n := len(r.newReviews)
		r.newReviews = append(r.newReviews, rv)
		s.onUndo(func() { r.newReviews = r.newReviews[:n] })
		return
	}
	_, was := r.updatedReviews[rv.ID]
	old := *rv
	s.onUndo(func() {
		*rv = old
		if !was {
			delete(r.updatedReviews, rv.ID)
		}
	})
	r.updatedReviews[rv.ID] = rv
}

// reviewCmd releases or refuses a review.
type reviewCmd struct {
	id      string
	release bool
}

// ReviewOutcome is a decided review, with its transfer: the payment when
// released, the refusal's record (amount 0) when refused.
type ReviewOutcome struct {
	Review   risk.Review
	Transfer *ingot.Transfer
}

func (c *reviewCmd) locks(ls *lockSet) { ls.review(c.id) }

func (c *reviewCmd) pairs(s *state, add func(payer, payee int64)) {
	if rv := s.reviews[c.id]; rv != nil && c.release {
		add(rv.Payer, rv.Payee)
	}
}

func (c *reviewCmd) apply(s *state, a ingot.Actor) (*ReviewOutcome, error) {
	rv := s.reviews[c.id]
	if rv == nil || (a.Role == ingot.RoleOperator && rv.OperatorID != a.OperatorID) {
		return nil, notFound("review " + c.id)
	}
	if rv.Status != risk.ReviewPending {
		return nil, ingot.Errorf(ingot.CodeReviewClosed, "review %s was %s already", rv.ID, rv.Status)
	}
	h := s.holds[rv.HoldID]
	if h == nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "the hold of review %s is not locked", rv.ID)
	}
	if s.risk == nil {
		s.risk = newRiskState(nil, nil, map[store.Pair]time.Time{})
	}
	s.addReview(rv, false)
	rv.DecidedBy, rv.DecidedAt = a.KeyID, s.now
	out := &ReviewOutcome{}
	switch {
	case h.Status != ingot.HoldPending || !h.ExpiresAt.After(s.now):
		// The hold expired (or was voided): the money is the payer's again.
		if h.Status == ingot.HoldPending {
			s.release(h, ingot.HoldExpired)
		}
		if err := s.refuseReview(rv, out); err != nil {
			return nil, err
		}
	case c.release:
		s.release(h, ingot.HoldCaptured)
		to, err := s.anyWallet(rv.Payee)
		if err != nil {
			return nil, err
		}
		s.reviewed = true // a reviewer's decision: the rules are not asked again
		t, err := s.withPurpose(rv.Purpose, func() (*ingot.Transfer, error) {
			return s.move(ingot.KindCapture, s.accounts[h.Wallet], to, rv.Amount, rv.Currency, rv.Memo, h.ID)
		})
		s.reviewed = false
		if err != nil {
			return nil, err
		}
		if err := s.chargeFee(t, to); err != nil {
			return nil, err
		}
		h.Captured, h.TransferID = rv.Amount, t.ID
		rv.Status, rv.TransferID = risk.ReviewReleased, t.ID
		out.Transfer = t
	default:
		s.release(h, ingot.HoldVoided)
		if err := s.refuseReview(rv, out); err != nil {
			return nil, err
		}
	}
	s.emit(ingot.EventReviewDecided, rv.OperatorID, rv)
	out.Review = *rv
	return out, nil
}

// refuseReview records a refusal, whose hold was released already: a
// record leaf in the log (ingot.KindReviewRefusal, amount 0, payer to
// payee, the review's hold), so that an auditor can prove either decision.
func (s *state) refuseReview(rv *risk.Review, out *ReviewOutcome) error {
	from, to := s.accounts[rv.Payer], s.accounts[rv.Payee]
	if from == nil || to == nil {
		return ingot.Errorf(ingot.CodeInternal, "the wallets of review %s are not locked", rv.ID)
	}
	t := s.record(ingot.KindReviewRefusal, from, to, rv.Currency, "", rv.HoldID)
	rv.Status, rv.TransferID = risk.ReviewRefused, t.ID
	out.Transfer = t
	return nil
}

// loadReviews locks the batch's reviews, and with them their holds and
// wallets.
func loadReviews(ctx context.Context, tx store.BatchTx, ls *lockSet, st *state) error {
	if len(ls.reviews) == 0 {
		return nil
	}
	rs, err := tx.LockReviews(ctx, sortedKeys(ls.reviews))
	if err != nil {
		return err
	}
	for i := range rs {
		rv := rs[i]
		st.reviews[rv.ID] = &rv
		ls.hold(rv.HoldID)
		ls.account(rv.Payer)
		ls.credit(rv.Payee)
	}
	return nil
}

// ReleaseReview makes a held payment; RefuseReview returns its money. The
// payer's operator or the central bank decides, once: a second decision
// answers review_closed.
func (s *Service) ReleaseReview(ctx context.Context, a ingot.Actor, id string, idem *Idem) (*ReviewOutcome, error) {
	return s.decideReview(ctx, a, id, true, idem)
}

// RefuseReview refuses a held payment: its hold is voided (see
// ReleaseReview).
func (s *Service) RefuseReview(ctx context.Context, a ingot.Actor, id string, idem *Idem) (*ReviewOutcome, error) {
	return s.decideReview(ctx, a, id, false, idem)
}

func (s *Service) decideReview(ctx context.Context, a ingot.Actor, id string, release bool, idem *Idem) (*ReviewOutcome, error) {
	o, err := s.oversightOf(ctx, a) // issuers.go
	if err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, notFound(fmt.Sprintf("review %q", id))
	}
	if o.currencies != nil {
		// Another issuer decides the reviews of payments in its
		// currencies (a review's currency never changes; the engine
		// checks the rest).
		if _, err := s.Review(ctx, a, id); err != nil {
			return nil, err
		}
	}
	return submit(ctx, s.eng, a, command[*ReviewOutcome](&reviewCmd{id: id, release: release}), idem)
}

// ReviewQuery selects reviews.
type ReviewQuery struct {
	Wallet, Status, Cursor string
	Limit                  int
}

// Reviews lists the reviews of the caller's wallets (the administrator:
// all; another issuer: those of payments in its currencies), newest first.
func (s *Service) Reviews(ctx context.Context, a ingot.Actor, q ReviewQuery) ([]risk.Review, string, error) {
	o, err := s.oversightOf(ctx, a) // issuers.go
	if err != nil {
		return nil, "", err
	}
	f := store.ReviewFilter{OperatorID: o.operator, Currencies: o.currencies, Status: risk.ReviewStatus(q.Status), Before: q.Cursor}
	switch f.Status {
	case "", risk.ReviewPending, risk.ReviewReleased, risk.ReviewRefused:
	default:
		return nil, "", ingot.Errorf(ingot.CodeInvalidRequest, "status must be pending, released or refused")
	}
	if q.Wallet != "" {
		id, err := ingot.ParseWalletID(q.Wallet)
		if err != nil {
			return nil, "", err
		}
		f.Wallet = id
	}
	f.Limit = pageSize(q.Limit) + 1
	rs, err := s.st.Reviews(ctx, f)
	if err != nil {
		return nil, "", s.unavailable(ctx, err)
	}
	next := ""
	if len(rs) == f.Limit {
		rs = rs[:len(rs)-1]
		next = rs[len(rs)-1].ID
	}
	return rs, next, nil
}

// Review reads one review the caller sees (Reviews).
func (s *Service) Review(ctx context.Context, a ingot.Actor, id string) (*risk.Review, error) {
	o, err := s.oversightOf(ctx, a) // issuers.go
	if err != nil {
		return nil, err
	}
	rv, err := s.st.Review(ctx, id)
	if isNotFound(err) || (err == nil && !o.sees(rv.OperatorID, rv.Currency)) {
		return nil, notFound("review " + id)
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return &rv, nil
}

// pageSize is a list's page size: default 50, at most 500.
func pageSize(limit int) int {
	if limit <= 0 {
		return 50
	}
	return min(limit, 500)
}
