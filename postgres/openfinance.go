package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot/openfinance"
	"github.com/ingot-cbdc/ingot/store"
)

// Open finance: providers, consents and tokens (store/openfinance.go;
// migration 00024).

const providerCols = `id, client_id, secret_hash, name, redirect_uris, roles, operator_id, created_at`

func scanProvider(row pgx.Row) (openfinance.Provider, error) {
	var p openfinance.Provider
	var uris, roles string
	if err := row.Scan(&p.ID, &p.ClientID, &p.SecretHash, &p.Name, &uris, &roles, &p.OperatorID, &p.CreatedAt); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(uris), &p.RedirectURIs); err != nil {
		return p, fmt.Errorf("provider %s: redirect uris: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(roles), &p.Roles); err != nil {
		return p, fmt.Errorf("provider %s: roles: %w", p.ID, err)
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return p, nil
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// CreateProvider stores a provider, with idem.
func (s *Store) CreateProvider(ctx context.Context, p openfinance.Provider, idem *store.IdemRecord) (*store.IdemRecord, error) {
	uris, err := jsonText(p.RedirectURIs)
	if err != nil {
		return nil, err
	}
	roles, err := jsonText(p.Roles)
	if err != nil {
		return nil, err
	}
	return s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO of_providers (`+providerCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			p.ID, p.ClientID, nonNil(p.SecretHash), p.Name, uris, roles, p.OperatorID, p.CreatedAt)
		if isUniqueViolation(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("postgres: create provider: %w", err)
		}
		return nil
	})
}

// ProviderByClientID reads a provider by its client id.
func (s *Store) ProviderByClientID(ctx context.Context, clientID string) (openfinance.Provider, error) {
	return one(ctx, s.pool, "provider", scanProvider, `SELECT `+providerCols+` FROM of_providers WHERE client_id = $1`, clientID)
}

const consentCols = `c.id, c.provider_id, c.client_id, c.provider_name, c.holder_id, c.operators, c.scopes, c.wallets, c.mandate,
	c.redirect_uri, c.code_challenge, c.code_hash, c.code_expires_at, c.code_used_at, c.status, c.expires_at,
	c.period_start, c.period_total, c.created_at, c.updated_at, c.revoked_at`

func scanConsent(row pgx.Row, extra ...any) (openfinance.Consent, error) {
	var c openfinance.Consent
	var ops, scopes, wallets, status string
	var mandate *string
	var used, start, revoked *time.Time
	dest := append([]any{&c.ID, &c.ProviderID, &c.ClientID, &c.ProviderName, &c.HolderID, &ops, &scopes, &wallets, &mandate,
		&c.RedirectURI, &c.CodeChallenge, &c.CodeHash, &c.CodeExpiresAt, &used, &status, &c.ExpiresAt,
		&start, &c.PeriodTotal, &c.CreatedAt, &c.UpdatedAt, &revoked}, extra...)
	if err := row.Scan(dest...); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(ops), &c.Operators); err != nil {
		return c, fmt.Errorf("consent %s: operators: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(scopes), &c.Scopes); err != nil {
		return c, fmt.Errorf("consent %s: scopes: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(wallets), &c.Wallets); err != nil {
		return c, fmt.Errorf("consent %s: wallets: %w", c.ID, err)
	}
	if mandate != nil && *mandate != "" {
		c.Mandate = new(openfinance.Mandate)
		if err := json.Unmarshal([]byte(*mandate), c.Mandate); err != nil {
			return c, fmt.Errorf("consent %s: mandate: %w", c.ID, err)
		}
	}
	c.Status = openfinance.Status(status)
	c.CodeExpiresAt, c.CodeUsedAt, c.ExpiresAt = c.CodeExpiresAt.UTC(), fromNullTime(used), c.ExpiresAt.UTC()
	c.PeriodStart, c.CreatedAt, c.UpdatedAt, c.RevokedAt = fromNullTime(start), c.CreatedAt.UTC(), c.UpdatedAt.UTC(), fromNullTime(revoked)
	return c, nil
}

// CreateConsent stores a new consent, with idem.
func (s *Store) CreateConsent(ctx context.Context, c openfinance.Consent, use *store.ApprovalUse, idem *store.IdemRecord) (*store.IdemRecord, error) {
	ops, err := jsonText(c.Operators)
	if err != nil {
		return nil, err
	}
	scopes, err := jsonText(c.Scopes)
	if err != nil {
		return nil, err
	}
	wallets, err := jsonText(c.Wallets)
	if err != nil {
		return nil, err
	}
	var mandate *string
	if c.Mandate != nil {
		m, err := jsonText(c.Mandate)
		if err != nil {
			return nil, err
		}
		mandate = &m
	}
	return s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		if use != nil {
			tag, err := tx.Exec(ctx, `UPDATE authorizations SET status = 'used', used_by = $1, updated_at = $2
				WHERE id = $3 AND status = 'approved'`, use.UsedBy, use.At, use.ID)
			if err != nil {
				return fmt.Errorf("postgres: create consent: use approval: %w", err)
			}
			if tag.RowsAffected() != 1 {
				return store.ErrApprovalUsed
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO of_consents (id, provider_id, client_id, provider_name, holder_id, operators,
			scopes, wallets, mandate, redirect_uri, code_challenge, code_hash, code_expires_at, code_used_at, status, expires_at,
			period_start, period_total, created_at, updated_at, revoked_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
			c.ID, c.ProviderID, c.ClientID, c.ProviderName, c.HolderID, ops, scopes, wallets, mandate, c.RedirectURI,
			c.CodeChallenge, nonNil(c.CodeHash), c.CodeExpiresAt, nullTime(c.CodeUsedAt), string(c.Status), c.ExpiresAt,
			nullTime(c.PeriodStart), c.PeriodTotal, c.CreatedAt, c.UpdatedAt, nullTime(c.RevokedAt))
		if isUniqueViolation(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("postgres: create consent: %w", err)
		}
		return nil
	})
}

func scanConsentRow(row pgx.Row) (openfinance.Consent, error) { return scanConsent(row) }

// Consent reads a consent.
func (s *Store) Consent(ctx context.Context, id string) (openfinance.Consent, error) {
	return one(ctx, s.pool, "consent", scanConsentRow, `SELECT `+consentCols+` FROM of_consents c WHERE c.id = $1`, id)
}

// ConsentByCode reads the consent of a code's hash.
func (s *Store) ConsentByCode(ctx context.Context, codeHash []byte) (openfinance.Consent, error) {
	return one(ctx, s.pool, "consent", scanConsentRow, `SELECT `+consentCols+` FROM of_consents c WHERE c.code_hash = $1`, nonNil(codeHash))
}

// Consents lists consents newest first.
func (s *Store) Consents(ctx context.Context, f store.ConsentFilter) ([]openfinance.Consent, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 1 << 30
	}
	out, err := collect(ctx, s.pool, scanConsentRow, `SELECT `+consentCols+` FROM of_consents c
		WHERE ($1 = '' OR c.holder_id = $1) AND ($2 = '' OR c.provider_id = $2) AND ($3 = '' OR c.id < $3)
		ORDER BY c.id DESC LIMIT $4`, f.HolderID, f.ProviderID, f.Before, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: consents: %w", err)
	}
	return out, nil
}

// spend runs a conditional update and the inserts of tokens in one
// transaction: no row changed is ErrConflict.
func (s *Store) spend(ctx context.Context, what, query string, args []any, tokens []openfinance.Token) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", what, err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrConflict
		}
		for _, t := range tokens {
			if _, err := tx.Exec(ctx, `INSERT INTO of_tokens (hash, consent_id, kind, expires_at, spent_at, created_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, nonNil(t.Hash), t.ConsentID, string(t.Kind), t.ExpiresAt, nullTime(t.SpentAt), t.CreatedAt); err != nil {
				return fmt.Errorf("postgres: %s: store token: %w", what, err)
			}
		}
		return nil
	})
}

// ExchangeCode marks a consent's code used and stores its tokens.
func (s *Store) ExchangeCode(ctx context.Context, consentID string, now time.Time, tokens []openfinance.Token) error {
	return s.spend(ctx, "exchange code", `UPDATE of_consents SET code_used_at = $1 WHERE id = $2 AND code_used_at IS NULL`,
		[]any{now, consentID}, tokens)
}

// RotateRefresh spends a refresh token and stores its successors.
func (s *Store) RotateRefresh(ctx context.Context, hash []byte, now time.Time, tokens []openfinance.Token) error {
	return s.spend(ctx, "rotate refresh token", `UPDATE of_tokens SET spent_at = $1 WHERE hash = $2 AND kind = 'refresh' AND spent_at IS NULL`,
		[]any{now, nonNil(hash)}, tokens)
}

// Token reads a token with its consent.
func (s *Store) Token(ctx context.Context, hash []byte) (openfinance.Token, openfinance.Consent, error) {
	var t openfinance.Token
	var kind string
	var spent *time.Time
	c, err := scanConsent(s.pool.QueryRow(ctx, `SELECT `+consentCols+`, t.hash, t.kind, t.expires_at, t.spent_at, t.created_at
		FROM of_tokens t JOIN of_consents c ON c.id = t.consent_id WHERE t.hash = $1`, nonNil(hash)),
		&t.Hash, &kind, &t.ExpiresAt, &spent, &t.CreatedAt)
	if err != nil {
		return t, c, notFound(err, "token")
	}
	t.ConsentID, t.Kind, t.ExpiresAt, t.SpentAt, t.CreatedAt = c.ID, openfinance.TokenKind(kind), t.ExpiresAt.UTC(), fromNullTime(spent), t.CreatedAt.UTC()
	return t, c, nil
}

// DeleteTokens deletes a consent's tokens.
func (s *Store) DeleteTokens(ctx context.Context, consentID string) error {
	_, err := s.exec(ctx, "delete tokens", `DELETE FROM of_tokens WHERE consent_id = $1`, consentID)
	return err
}

// LockConsents locks the batch's consents, by id.
func (b *batchTx) LockConsents(ctx context.Context, ids []string) ([]openfinance.Consent, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := collect(ctx, b.tx, scanConsentRow, `SELECT `+consentCols+` FROM of_consents c
		WHERE c.id = ANY($1) ORDER BY c.id FOR UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: lock consents: %w", err)
	}
	return out, nil
}

// queueConsents queues the batch's changed consents.
func queueConsents(batch *pgx.Batch, cs []openfinance.Consent) []check {
	var checks []check
	for i := range cs {
		c := &cs[i]
		batch.Queue(`UPDATE of_consents SET status = $1, revoked_at = $2, period_start = $3, period_total = $4, updated_at = $5
			WHERE id = $6`, string(c.Status), nullTime(c.RevokedAt), nullTime(c.PeriodStart), c.PeriodTotal, c.UpdatedAt, c.ID)
		checks = append(checks, check{what: "consent " + c.ID, want: 1})
	}
	return checks
}
