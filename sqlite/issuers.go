package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Issuers (store.IssuerStore).

// CreateIssuer stores an issuer, its currencies and its first key.
func (s *Store) CreateIssuer(ctx context.Context, iss ingot.Issuer, key ingot.APIKey, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "create issuer", idem, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO issuers (id, name, country, admin, created_at) VALUES (?, ?, ?, ?, ?)`,
			iss.ID, iss.Name, iss.Country, iss.Admin, micros(iss.CreatedAt)); err != nil {
			return fmt.Errorf("sqlite: create issuer: %w", err)
		}
		for _, c := range iss.Currencies {
			if _, err := tx.ExecContext(ctx, `INSERT INTO issuer_currencies (currency, issuer_id) VALUES (?, ?)`, c, iss.ID); err != nil {
				if isUnique(err) {
					return store.ErrConflict
				}
				return fmt.Errorf("sqlite: create issuer: %w", err)
			}
		}
		if err := insertAPIKey(ctx, tx, key); err != nil {
			if isUnique(err) {
				return store.ErrConflict
			}
			return fmt.Errorf("sqlite: create issuer key: %w", err)
		}
		return nil
	})
}

func scanIssuer(sc scanner) (ingot.Issuer, error) {
	var iss ingot.Issuer
	var created int64
	err := sc.Scan(&iss.ID, &iss.Name, &iss.Country, &iss.Admin, &created)
	iss.CreatedAt = fromMicros(created)
	return iss, err
}

// Issuer reads an issuer with its currencies.
func (s *Store) Issuer(ctx context.Context, id string) (ingot.Issuer, error) {
	iss, err := scanIssuer(s.r.QueryRowContext(ctx, `SELECT id, name, country, admin, created_at FROM issuers WHERE id = ?`, id))
	if err != nil {
		return ingot.Issuer{}, notFound(err, "issuer")
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
	out, err := collect(ctx, s.r, scanIssuer, `SELECT id, name, country, admin, created_at FROM issuers ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: issuers: %w", err)
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
	rows, err := s.r.QueryContext(ctx, `SELECT issuer_id, currency FROM issuer_currencies ORDER BY currency`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: issuer currencies: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var id, c string
		if err := rows.Scan(&id, &c); err != nil {
			return nil, fmt.Errorf("sqlite: issuer currencies: %w", err)
		}
		out[id] = append(out[id], c)
	}
	return out, rows.Err()
}

// CurrencyIssuer is the id of a currency's issuer.
func (s *Store) CurrencyIssuer(ctx context.Context, currency string) (string, error) {
	var id string
	err := s.r.QueryRowContext(ctx, `SELECT issuer_id FROM issuer_currencies WHERE currency = ?`, currency).Scan(&id)
	if err != nil {
		return "", notFound(err, "currency issuer")
	}
	return id, nil
}

// ClaimCurrency makes an issuer the currency's unless it has one.
func (s *Store) ClaimCurrency(ctx context.Context, currency, issuerID string) (string, error) {
	if _, err := s.exec(ctx, "claim currency", `INSERT INTO issuer_currencies (currency, issuer_id) VALUES (?, ?) ON CONFLICT (currency) DO NOTHING`,
		currency, issuerID); err != nil {
		return "", err
	}
	var id string
	if err := s.w.QueryRowContext(ctx, `SELECT issuer_id FROM issuer_currencies WHERE currency = ?`, currency).Scan(&id); err != nil {
		return "", fmt.Errorf("sqlite: claim currency: %w", err)
	}
	return id, nil
}

// AdmitOperator admits an operator to an issuer's currencies.
func (s *Store) AdmitOperator(ctx context.Context, issuerID, operatorID string, at time.Time) error {
	_, err := s.exec(ctx, "admit operator", `INSERT INTO issuer_operators (issuer_id, operator_id, admitted_at) VALUES (?, ?, ?)
		ON CONFLICT (issuer_id, operator_id) DO NOTHING`, issuerID, operatorID, micros(at))
	return err
}

// Admitted reports whether an issuer admitted an operator.
func (s *Store) Admitted(ctx context.Context, issuerID, operatorID string) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM issuer_operators WHERE issuer_id = ? AND operator_id = ?`, issuerID, operatorID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlite: admitted: %w", err)
	}
	return true, nil
}
