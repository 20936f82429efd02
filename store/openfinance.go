package store

import (
	"context"
	"errors"
	"time"

	"github.com/ingot-cbdc/ingot/openfinance"
)

// OpenFinanceStore keeps open finance's providers, consents and tokens
// (package openfinance). The engine's batches lock consents and write
// their revocation and mandate counters (BatchWrite.Consents); everything
// else is written here. Every check of a token reads its consent from the
// database, so a revocation is seen by every process at once.
type OpenFinanceStore interface {
	// CreateProvider stores a provider, with idem as for CreateOperator.
	// A taken client id is ErrConflict.
	CreateProvider(ctx context.Context, p openfinance.Provider, idem *IdemRecord) (*IdemRecord, error)
	// ProviderByClientID reads a provider by its client id, or ErrNotFound.
	ProviderByClientID(ctx context.Context, clientID string) (openfinance.Provider, error)
	// CreateConsent stores a new consent with its code's hash, with idem
	// as for CreateOperator. With use, it marks that holder's approval
	// used in the same transaction, or, when it is no longer approved,
	// writes nothing and answers ErrApprovalUsed.
	CreateConsent(ctx context.Context, c openfinance.Consent, use *ApprovalUse, idem *IdemRecord) (*IdemRecord, error)
	// Consent reads a consent, or ErrNotFound.
	Consent(ctx context.Context, id string) (openfinance.Consent, error)
	// ConsentByCode reads the consent of an authorization code's hash, or
	// ErrNotFound.
	ConsentByCode(ctx context.Context, codeHash []byte) (openfinance.Consent, error)
	// Consents lists the consents f selects, newest first.
	Consents(ctx context.Context, f ConsentFilter) ([]openfinance.Consent, error)
	// ExchangeCode marks a consent's code used and stores the tokens it is
	// exchanged for, in one transaction. A code used already (also by a
	// concurrent caller) is ErrConflict, and nothing is stored.
	ExchangeCode(ctx context.Context, consentID string, now time.Time, tokens []openfinance.Token) error
	// Token reads a token by its hash together with its consent, or
	// ErrNotFound.
	Token(ctx context.Context, hash []byte) (openfinance.Token, openfinance.Consent, error)
	// RotateRefresh spends an unspent refresh token and stores the tokens
	// that replace it, in one transaction. A token spent already (also
	// concurrently) is ErrConflict, and nothing is stored.
	RotateRefresh(ctx context.Context, hash []byte, now time.Time, tokens []openfinance.Token) error
	// DeleteTokens deletes a consent's tokens (a code or a refresh token
	// used twice: whoever holds them may be an attacker).
	DeleteTokens(ctx context.Context, consentID string) error
}

// ConsentFilter selects consents. Empty fields select all.
type ConsentFilter struct {
	HolderID   string
	ProviderID string
	Before     string // an id: those before it (the cursor)
	Limit      int
}

// OpenFinanceBatchTx is open finance's part of a batch.
type OpenFinanceBatchTx interface {
	// LockConsents returns the consents among ids, locked, by id. Unknown
	// ids are left out.
	LockConsents(ctx context.Context, ids []string) ([]openfinance.Consent, error)
}

// ApprovalUse is a holder's payment approval (ingot.Authorization) used up
// by what is written with it: its status becomes used, by UsedBy, at At.
type ApprovalUse struct {
	ID, UsedBy string
	At         time.Time
}

// ErrApprovalUsed is CreateConsent's answer when the approval named by an
// ApprovalUse is not (or no longer) approved; nothing was written.
var ErrApprovalUsed = errors.New("store: the approval is not approved (used, denied or unknown)")
