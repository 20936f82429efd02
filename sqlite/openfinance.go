package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ingot-cbdc/ingot/openfinance"
	"github.com/ingot-cbdc/ingot/store"
)

// Open finance: providers, consents and tokens (store/openfinance.go;
// migration 00024).

const providerCols = `id, client_id, secret_hash, name, redirect_uris, roles, operator_id, created_at`

func scanProvider(sc scanner) (openfinance.Provider, error) {
	var p openfinance.Provider
	var uris, roles string
	var created int64
	if err := sc.Scan(&p.ID, &p.ClientID, &p.SecretHash, &p.Name, &uris, &roles, &p.OperatorID, &created); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(uris), &p.RedirectURIs); err != nil {
		return p, fmt.Errorf("provider %s: redirect uris: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(roles), &p.Roles); err != nil {
		return p, fmt.Errorf("provider %s: roles: %w", p.ID, err)
	}
	p.CreatedAt = fromMicros(created)
	return p, nil
}

// CreateProvider stores a provider, with idem.
func (s *Store) CreateProvider(ctx context.Context, p openfinance.Provider, idem *store.IdemRecord) (*store.IdemRecord, error) {
	uris, err := jsonArray(p.RedirectURIs)
	if err != nil {
		return nil, err
	}
	roles, err := jsonArray(p.Roles)
	if err != nil {
		return nil, err
	}
	return s.createWithIdem(ctx, "create provider", idem, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO of_providers (`+providerCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.ClientID, nonNil(p.SecretHash), p.Name, uris, roles, p.OperatorID, micros(p.CreatedAt))
		if isUnique(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("sqlite: create provider: %w", err)
		}
		return nil
	})
}

// ProviderByClientID reads a provider by its client id.
func (s *Store) ProviderByClientID(ctx context.Context, clientID string) (openfinance.Provider, error) {
	p, err := scanProvider(s.r.QueryRowContext(ctx, `SELECT `+providerCols+` FROM of_providers WHERE client_id = ?`, clientID))
	if err != nil {
		return openfinance.Provider{}, notFound(err, "provider")
	}
	return p, nil
}

const consentCols = `c.id, c.provider_id, c.client_id, c.provider_name, c.holder_id, c.operators, c.scopes, c.wallets, c.mandate,
	c.redirect_uri, c.code_challenge, c.code_hash, c.code_expires_at, c.code_used_at, c.status, c.expires_at,
	c.period_start, c.period_total, c.created_at, c.updated_at, c.revoked_at`

func scanConsent(sc scanner, extra ...any) (openfinance.Consent, error) {
	var c openfinance.Consent
	var ops, scopes, wallets, status string
	var mandate sql.NullString
	var codeExp, expires, created, updated int64
	var used, start, revoked sql.NullInt64
	dest := append([]any{&c.ID, &c.ProviderID, &c.ClientID, &c.ProviderName, &c.HolderID, &ops, &scopes, &wallets, &mandate,
		&c.RedirectURI, &c.CodeChallenge, &c.CodeHash, &codeExp, &used, &status, &expires,
		&start, &c.PeriodTotal, &created, &updated, &revoked}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return c, err
	}
	if err := decodeConsent(&c, ops, scopes, wallets, mandate); err != nil {
		return c, err
	}
	c.Status = openfinance.Status(status)
	c.CodeExpiresAt, c.CodeUsedAt, c.ExpiresAt = fromMicros(codeExp), fromNullMicros(used), fromMicros(expires)
	c.PeriodStart, c.CreatedAt, c.UpdatedAt, c.RevokedAt = fromNullMicros(start), fromMicros(created), fromMicros(updated), fromNullMicros(revoked)
	return c, nil
}

// decodeConsent reads a consent's JSON columns.
func decodeConsent(c *openfinance.Consent, ops, scopes, wallets string, mandate sql.NullString) error {
	if err := json.Unmarshal([]byte(ops), &c.Operators); err != nil {
		return fmt.Errorf("consent %s: operators: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(scopes), &c.Scopes); err != nil {
		return fmt.Errorf("consent %s: scopes: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(wallets), &c.Wallets); err != nil {
		return fmt.Errorf("consent %s: wallets: %w", c.ID, err)
	}
	if mandate.Valid && mandate.String != "" {
		c.Mandate = new(openfinance.Mandate)
		if err := json.Unmarshal([]byte(mandate.String), c.Mandate); err != nil {
			return fmt.Errorf("consent %s: mandate: %w", c.ID, err)
		}
	}
	return nil
}

// CreateConsent stores a new consent, with idem.
func (s *Store) CreateConsent(ctx context.Context, c openfinance.Consent, use *store.ApprovalUse, idem *store.IdemRecord) (*store.IdemRecord, error) {
	ops, err := jsonArray(c.Operators)
	if err != nil {
		return nil, err
	}
	scopes, err := jsonArray(c.Scopes)
	if err != nil {
		return nil, err
	}
	wallets, err := jsonArray(c.Wallets)
	if err != nil {
		return nil, err
	}
	var mandate any
	if c.Mandate != nil {
		if mandate, err = jsonArray(c.Mandate); err != nil {
			return nil, err
		}
	}
	return s.createWithIdem(ctx, "create consent", idem, func(tx *sql.Tx) error {
		if use != nil {
			res, err := tx.ExecContext(ctx, `UPDATE authorizations SET status = 'used', used_by = ?, updated_at = ?
				WHERE id = ? AND status = 'approved'`, use.UsedBy, micros(use.At), use.ID)
			if err != nil {
				return fmt.Errorf("sqlite: create consent: use approval: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return store.ErrApprovalUsed
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO of_consents (id, provider_id, client_id, provider_name, holder_id, operators,
			scopes, wallets, mandate, redirect_uri, code_challenge, code_hash, code_expires_at, code_used_at, status, expires_at,
			period_start, period_total, created_at, updated_at, revoked_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.ProviderID, c.ClientID, c.ProviderName, c.HolderID, ops, scopes, wallets, mandate, c.RedirectURI,
			c.CodeChallenge, nonNil(c.CodeHash), micros(c.CodeExpiresAt), nullMicros(c.CodeUsedAt), string(c.Status), micros(c.ExpiresAt),
			nullMicros(c.PeriodStart), c.PeriodTotal, micros(c.CreatedAt), micros(c.UpdatedAt), nullMicros(c.RevokedAt))
		if isUnique(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("sqlite: create consent: %w", err)
		}
		return nil
	})
}

// Consent reads a consent.
func (s *Store) Consent(ctx context.Context, id string) (openfinance.Consent, error) {
	c, err := scanConsent(s.r.QueryRowContext(ctx, `SELECT `+consentCols+` FROM of_consents c WHERE c.id = ?`, id))
	if err != nil {
		return openfinance.Consent{}, notFound(err, "consent")
	}
	return c, nil
}

// ConsentByCode reads the consent of a code's hash.
func (s *Store) ConsentByCode(ctx context.Context, codeHash []byte) (openfinance.Consent, error) {
	c, err := scanConsent(s.r.QueryRowContext(ctx, `SELECT `+consentCols+` FROM of_consents c WHERE c.code_hash = ?`, nonNil(codeHash)))
	if err != nil {
		return openfinance.Consent{}, notFound(err, "consent")
	}
	return c, nil
}

// Consents lists consents newest first.
func (s *Store) Consents(ctx context.Context, f store.ConsentFilter) ([]openfinance.Consent, error) {
	q := `SELECT ` + consentCols + ` FROM of_consents c WHERE 1 = 1`
	var args []any
	if f.HolderID != "" {
		q += ` AND c.holder_id = ?`
		args = append(args, f.HolderID)
	}
	if f.ProviderID != "" {
		q += ` AND c.provider_id = ?`
		args = append(args, f.ProviderID)
	}
	if f.Before != "" {
		q += ` AND c.id < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY c.id DESC LIMIT ?`
	args = append(args, limitArg(f.Limit))
	out, err := collect(ctx, s.r, func(sc scanner) (openfinance.Consent, error) { return scanConsent(sc) }, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: consents: %w", err)
	}
	return out, nil
}

func insertTokens(ctx context.Context, tx *sql.Tx, ts []openfinance.Token) error {
	for _, t := range ts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO of_tokens (hash, consent_id, kind, expires_at, spent_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, nonNil(t.Hash), t.ConsentID, string(t.Kind), micros(t.ExpiresAt), nullMicros(t.SpentAt), micros(t.CreatedAt)); err != nil {
			return fmt.Errorf("sqlite: store token: %w", err)
		}
	}
	return nil
}

// spend runs a conditional update and the inserts of tokens in one
// transaction: no row changed is ErrConflict.
func (s *Store) spend(ctx context.Context, what, query string, args []any, tokens []openfinance.Token) error {
	tx, err := s.w.BeginTx(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: %s: begin: %w", what, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	} else if n == 0 {
		return store.ErrConflict
	}
	if err := insertTokens(ctx, tx.Tx, tokens); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: %s: commit: %w", what, err)
	}
	return nil
}

// ExchangeCode marks a consent's code used and stores its tokens.
func (s *Store) ExchangeCode(ctx context.Context, consentID string, now time.Time, tokens []openfinance.Token) error {
	return s.spend(ctx, "exchange code", `UPDATE of_consents SET code_used_at = ? WHERE id = ? AND code_used_at IS NULL`,
		[]any{micros(now), consentID}, tokens)
}

// RotateRefresh spends a refresh token and stores its successors.
func (s *Store) RotateRefresh(ctx context.Context, hash []byte, now time.Time, tokens []openfinance.Token) error {
	return s.spend(ctx, "rotate refresh token", `UPDATE of_tokens SET spent_at = ? WHERE hash = ? AND kind = 'refresh' AND spent_at IS NULL`,
		[]any{micros(now), nonNil(hash)}, tokens)
}

// Token reads a token with its consent.
func (s *Store) Token(ctx context.Context, hash []byte) (openfinance.Token, openfinance.Consent, error) {
	var t openfinance.Token
	var kind string
	var expires, created int64
	var spent sql.NullInt64
	c, err := scanConsent(s.r.QueryRowContext(ctx, `SELECT `+consentCols+`, t.hash, t.kind, t.expires_at, t.spent_at, t.created_at
		FROM of_tokens t JOIN of_consents c ON c.id = t.consent_id WHERE t.hash = ?`, nonNil(hash)),
		&t.Hash, &kind, &expires, &spent, &created)
	if err != nil {
		return t, c, notFound(err, "token")
	}
	t.ConsentID, t.Kind, t.ExpiresAt, t.SpentAt, t.CreatedAt = c.ID, openfinance.TokenKind(kind), fromMicros(expires), fromNullMicros(spent), fromMicros(created)
	return t, c, nil
}

// DeleteTokens deletes a consent's tokens.
func (s *Store) DeleteTokens(ctx context.Context, consentID string) error {
	_, err := s.exec(ctx, "delete tokens", `DELETE FROM of_tokens WHERE consent_id = ?`, consentID)
	return err
}

// LockConsents reads the batch's consents (the batch holds the write lock).
func (b *batchTx) LockConsents(ctx context.Context, ids []string) ([]openfinance.Consent, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock consents: %w", err)
	}
	out, err := collect(ctx, b.tx, func(sc scanner) (openfinance.Consent, error) { return scanConsent(sc) },
		`SELECT `+consentCols+` FROM of_consents c WHERE c.id IN (SELECT value FROM json_each(?)) ORDER BY c.id`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock consents: %w", err)
	}
	return out, nil
}

// writeConsents writes the batch's changed consents.
func (b *batchTx) writeConsents(ctx context.Context, cs []openfinance.Consent) error {
	for i := range cs {
		c := &cs[i]
		res, err := b.tx.ExecContext(ctx, `UPDATE of_consents SET status = ?, revoked_at = ?, period_start = ?, period_total = ?,
			updated_at = ? WHERE id = ?`, string(c.Status), nullMicros(c.RevokedAt), nullMicros(c.PeriodStart), c.PeriodTotal,
			micros(c.UpdatedAt), c.ID)
		if err != nil {
			return fmt.Errorf("sqlite: write consent %s: %w", c.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("sqlite: write consent %s: %d rows", c.ID, n)
		}
	}
	return nil
}
