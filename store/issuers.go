package store

import (
	"context"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// IssuerStore keeps the platform's issuers (ingot.Issuer), which currency
// each issues and which operators each admitted.
type IssuerStore interface {
	// CreateIssuer stores an issuer with its currencies and its first API
	// key, with idem as for CreateOperator. A currency issued already is
	// ErrConflict, and nothing is written.
	CreateIssuer(ctx context.Context, iss ingot.Issuer, key ingot.APIKey, idem *IdemRecord) (*IdemRecord, error)
	// Issuer reads one with its currencies, or ErrNotFound.
	Issuer(ctx context.Context, id string) (ingot.Issuer, error)
	// Issuers lists them all by creation (there are few).
	Issuers(ctx context.Context) ([]ingot.Issuer, error)
	// CurrencyIssuer is the id of a currency's issuer, or ErrNotFound when
	// no issuer issues it yet.
	CurrencyIssuer(ctx context.Context, currency string) (string, error)
	// ClaimCurrency makes issuerID the currency's issuer unless one is
	// already, and returns the issuer it has then.
	ClaimCurrency(ctx context.Context, currency, issuerID string) (string, error)
	// AdmitOperator admits an operator to an issuer's currencies; admitting
	// it again does nothing.
	AdmitOperator(ctx context.Context, issuerID, operatorID string, at time.Time) error
	// Admitted reports whether an issuer admitted an operator (not counting
	// the issuer that registered it: ingot.Operator.IssuerID).
	Admitted(ctx context.Context, issuerID, operatorID string) (bool, error)
}
