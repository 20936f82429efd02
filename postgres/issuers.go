package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/jackc/pgx/v5"
)

// Issuers (store.IssuerStore).

// CreateIssuer stores an issuer, its currencies and its first key.
func (s *Store) CreateIssuer(ctx context.Context, iss ingot.Issuer, key ingot.APIKey, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO issuers (id, name, country, admin, created_at) VALUES ($1, $2, $3, $4, $5)`,
			iss.ID, iss.Name, iss.Country, iss.Admin, iss.CreatedAt); err != nil {
			return fmt.Errorf("postgres: create issuer: %w", err)
		}
		for _, c := range iss.Currencies {
			_, err := tx.Exec(ctx, `INSERT INTO issuer_currencies (currency, issuer_id) VALUES ($1, $2)`, c, iss.ID)
			if isUniqueViolation(err) {
				return store.ErrConflict
			}
			if err != nil {
				return fmt.Errorf("postgres: create issuer: %w", err)
			}
		}
		if err := insertKey(ctx, tx, key); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return err
			}
			return fmt.Errorf("postgres: create issuer key: %w", err)
		}
		return nil
	})
}

const issuerCols = "id, name, country, admin, created_at"

func scanIssuer(row pgx.Row) (ingot.Issuer, error) {
	var iss ingot.Issuer
	err := row.Scan(&iss.ID, &iss.Name, &iss.Country, &iss.Admin, &iss.CreatedAt)
	iss.CreatedAt = iss.CreatedAt.UTC()
	return iss, err
}

// Issuer reads an issuer with its currencies.
func (s *Store) Issuer(ctx context.Context, id string) (ingot.Issuer, error) {
	iss, err := one(ctx, s.pool, "issuer", scanIssuer, `SELECT `+issuerCols+` FROM issuers WHERE id = $1`, id)
	if err != nil {
		return ingot.Issuer{}, err
	}
	cur, err := s.issuerCurrencies(ctx)
	if err != nil {
		return ingot.Issuer{}, err
	}
	iss.Currencies = cur[iss.ID]
	return iss, nil
}

// Issuers lists every issuer by creation.
func (s *Store) Issuers(ctx context.Context) ([]ingot.Issuer, error) {
	out, err := collect(ctx, s.pool, scanIssuer, `SELECT `+issuerCols+` FROM issuers ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: issuers: %w", err)
	}
	cur, err := s.issuerCurrencies(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Currencies = cur[out[i].ID]
	}
	return out, nil
}

// issuerCurrencies maps each issuer to its currencies, in order.
func (s *Store) issuerCurrencies(ctx context.Context) (map[string][]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT issuer_id, currency FROM issuer_currencies ORDER BY currency`)
	if err != nil {
		return nil, fmt.Errorf("postgres: issuer currencies: %w", err)
	}
	out := map[string][]string{}
	var id, c string
	_, err = pgx.ForEachRow(rows, []any{&id, &c}, func() error {
		out[id] = append(out[id], c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: issuer currencies: %w", err)
	}
	return out, nil
}

// CurrencyIssuer is the id of a currency's issuer.
func (s *Store) CurrencyIssuer(ctx context.Context, currency string) (string, error) {
	var id string
	err := s.pool.QueryRow(ctx, `SELECT issuer_id FROM issuer_currencies WHERE currency = $1`, currency).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", store.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("postgres: currency issuer: %w", err)
	}
	return id, nil
}

// ClaimCurrency makes an issuer the currency's unless it has one.
func (s *Store) ClaimCurrency(ctx context.Context, currency, issuerID string) (string, error) {
	var id string
	err := s.pool.QueryRow(ctx, `WITH ins AS (
			INSERT INTO issuer_currencies (currency, issuer_id) VALUES ($1, $2)
			ON CONFLICT (currency) DO NOTHING RETURNING issuer_id)
		SELECT issuer_id FROM ins UNION ALL SELECT issuer_id FROM issuer_currencies WHERE currency = $1 LIMIT 1`,
		currency, issuerID).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("postgres: claim currency: %w", err)
	}
	return id, nil
}

// AdmitOperator admits an operator to an issuer's currencies.
func (s *Store) AdmitOperator(ctx context.Context, issuerID, operatorID string, at time.Time) error {
	_, err := s.exec(ctx, "admit operator", `INSERT INTO issuer_operators (issuer_id, operator_id, admitted_at) VALUES ($1, $2, $3)
		ON CONFLICT (issuer_id, operator_id) DO NOTHING`, issuerID, operatorID, at)
	return err
}

// Admitted reports whether an issuer admitted an operator.
func (s *Store) Admitted(ctx context.Context, issuerID, operatorID string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM issuer_operators WHERE issuer_id = $1 AND operator_id = $2)`,
		issuerID, operatorID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("postgres: admitted: %w", err)
	}
	return ok, nil
}
