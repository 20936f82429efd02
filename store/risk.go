package store

import (
	"context"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot/risk"
)

// RiskStore keeps the risk rules, the alerts and the large-value reports
// (package risk). Alerts and report lines are written by the engine's
// batches (BatchWrite.Risk); rules by their API, outside the engine.
type RiskStore interface {
	// AddRiskRule stores a rule version (ErrConflict if that id and
	// version exist) and advances the rules' version, which batches read
	// (BatchTx.RiskRulesVersion) to know when to load the rules again;
	// with rec, in the same transaction, the request's idempotency record,
	// unless one with its key exists: then nothing is written and that
	// record is returned.
	AddRiskRule(ctx context.Context, r risk.Rule, rec *IdemRecord) (*IdemRecord, error)
	// RiskRules lists the latest version of every rule (active or not),
	// by id. operatorID "" with all true lists everyone's; otherwise the
	// rules of that owner ("" the central bank).
	RiskRules(ctx context.Context, operatorID string, all bool) ([]risk.Rule, error)
	// RiskRuleVersions lists the versions of one rule, oldest first
	// (ErrNotFound if none).
	RiskRuleVersions(ctx context.Context, id string) ([]risk.Rule, error)

	// Alert reads one alert, or ErrNotFound.
	Alert(ctx context.Context, id string) (risk.Alert, error)
	// Alerts lists alerts newest first (by id, descending), those with an
	// id below f.Before when it is set, at most f.Limit.
	Alerts(ctx context.Context, f AlertFilter) ([]risk.Alert, error)
	// ResolveAlert sets an open alert's status to resolved with its
	// resolution, note and time; ErrNotFound if absent, ErrConflict if it
	// is resolved already (two resolutions: one wins). rec is handled as
	// by AddRiskRule.
	ResolveAlert(ctx context.Context, id string, res risk.Resolution, note string, at time.Time, rec *IdemRecord) (*IdemRecord, error)

	// LargeValues lists a day's large-value report lines, by wallet;
	// operatorID "" lists every operator's.
	LargeValues(ctx context.Context, operatorID string, day int32) ([]risk.LargeValue, error)

	// Review reads one review, or ErrNotFound; Reviews lists reviews newest
	// first (by id, descending) as AlertFilter does alerts.
	Review(ctx context.Context, id string) (risk.Review, error)
	Reviews(ctx context.Context, f ReviewFilter) ([]risk.Review, error)

	// CreateCase stores a new case (rec as by AddRiskRule); Case reads one
	// (ErrNotFound); Cases lists them newest first (operatorID "" with all:
	// everyone's); DecideCase sets an open case's decision, note (appended
	// to its note) and time, and status decided (ErrNotFound; ErrConflict
	// when decided already).
	CreateCase(ctx context.Context, c risk.Case, rec *IdemRecord) (*IdemRecord, error)
	Case(ctx context.Context, id string) (risk.Case, error)
	// Cases lists cases newest first: every one with all, else those
	// opened by the operator (operatorID) or by the issuer (operatorID
	// "", issuerID; "" the administrator).
	Cases(ctx context.Context, operatorID, issuerID string, all bool, before string, limit int) ([]risk.Case, error)
	DecideCase(ctx context.Context, id string, d risk.CaseDecision, note string, at time.Time, rec *IdemRecord) (*IdemRecord, error)

	// CreateReveal stores a pending reveal (rec as by AddRiskRule); Reveal
	// reads one (ErrNotFound); ApproveReveal sets a pending reveal's status
	// approved, by and at (ErrNotFound; ErrConflict when approved already).
	CreateReveal(ctx context.Context, r risk.Reveal, rec *IdemRecord) (*IdemRecord, error)
	Reveal(ctx context.Context, id string) (risk.Reveal, error)
	ApproveReveal(ctx context.Context, id, by string, at time.Time, rec *IdemRecord) (*IdemRecord, error)
}

// ReviewFilter selects reviews. Empty fields select all.
type ReviewFilter struct {
	OperatorID string // the payer's operator
	Wallet     int64  // the payer
	Status     risk.ReviewStatus
	// Currencies, when not nil, selects reviews of payments in these
	// currencies only (an issuer's oversight).
	Currencies []string
	Before     string
	Limit      int
}

// JoinCurrencies is how a rule's currencies are stored: comma-separated
// ISO 4217 codes, "" for nil (every currency).
func JoinCurrencies(cs []string) string { return strings.Join(cs, ",") }

// SplitCurrencies reads JoinCurrencies' text back.
func SplitCurrencies(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// AlertFilter selects alerts. Empty fields select all.
type AlertFilter struct {
	OperatorID string
	Status     risk.AlertStatus
	Severity   risk.Severity
	Wallet     int64
	// Currencies, when not nil, selects alerts of wallets in these
	// currencies only (an issuer's oversight).
	Currencies []string
	Before     string // an alert id: list those before it (the cursor)
	Limit      int
}

// RiskBatchTx is the risk part of a batch's transaction.
type RiskBatchTx interface {
	// RiskRulesVersion reads the rules' version (0 before the first rule).
	RiskRulesVersion(ctx context.Context) (int64, error)
	// ActiveRiskRules lists the latest version of every active rule.
	ActiveRiskRules(ctx context.Context) ([]risk.Rule, error)
	// RiskPairs returns, for the given (payer, payee) wallet pairs, the
	// time of the payer's last payment to the payee; pairs that never paid
	// are left out. The caller holds both wallets' locks.
	RiskPairs(ctx context.Context, pairs []Pair) (map[Pair]time.Time, error)
	// LockReviews returns the reviews among ids, locked. Unknown ids are
	// left out.
	LockReviews(ctx context.Context, ids []string) ([]risk.Review, error)
}

// Pair is a payer and a payee.
type Pair struct{ Payer, Payee int64 }

// RiskWrite is what a batch writes for risk (BatchWrite.Risk).
type RiskWrite struct {
	// Pairs are upserted: a new pair gets First = Last = its time and
	// Count 1; an existing one Last set and Count increased by the count
	// given.
	Pairs []PairWrite
	// Alerts are inserted.
	Alerts []risk.Alert
	// LargeValues are upserted by (wallet, day): all fields replaced.
	LargeValues []risk.LargeValue
	// NewReviews are inserted; UpdatedReviews have a new Status,
	// TransferID, DecidedBy and DecidedAt.
	NewReviews, UpdatedReviews []risk.Review
}

// PairWrite is one pair's payments in a batch.
type PairWrite struct {
	Pair
	Last  time.Time
	Count int64
}
