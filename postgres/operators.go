package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Operators and API keys.

// keyCols are the api_keys columns, in the order of insertKey and scanKey.
const keyCols = "id, role, operator_id, hash, created_at, name, scopes, expires_at, revoked_at, last_used_at, client_cert, issuer_id"

func scanKey(row pgx.Row) (ingot.APIKey, error) {
	var k ingot.APIKey
	var role string
	var scopes *string
	var expires, revoked, used *time.Time
	if err := row.Scan(&k.ID, &role, &k.OperatorID, &k.Hash, &k.CreatedAt, &k.Name, &scopes,
		&expires, &revoked, &used, &k.ClientCert, &k.IssuerID); err != nil {
		return ingot.APIKey{}, err
	}
	k.Role = ingot.Role(role)
	k.CreatedAt = k.CreatedAt.UTC()
	k.ExpiresAt, k.RevokedAt, k.LastUsedAt = fromNullTime(expires), fromNullTime(revoked), fromNullTime(used)
	k.ClientCert = emptyNil(k.ClientCert)
	var err error
	if k.Scopes, err = parseScopes(scopes); err != nil {
		return ingot.APIKey{}, fmt.Errorf("key %s: %w", k.ID, err)
	}
	return k, nil
}

func insertKey(ctx context.Context, db execer, key ingot.APIKey) error {
	scopes, err := scopesValue(key.Scopes)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, `INSERT INTO api_keys (`+keyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		key.ID, string(key.Role), key.OperatorID, key.Hash, key.CreatedAt, key.Name, scopes,
		nullTime(key.ExpiresAt), nullTime(key.RevokedAt), nullTime(key.LastUsedAt), nullBytes(key.ClientCert), key.IssuerID)
	if isUniqueViolation(err) {
		return store.ErrConflict
	}
	return err
}

// CreateAPIKey stores a key.
func (s *Store) CreateAPIKey(ctx context.Context, key ingot.APIKey, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		if err := insertKey(ctx, tx, key); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return err
			}
			return fmt.Errorf("postgres: create api key: %w", err)
		}
		return nil
	})
}

// CountAPIKeys counts the keys of a role.
func (s *Store) CountAPIKeys(ctx context.Context, role ingot.Role) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM api_keys WHERE role = $1`, string(role)).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count api keys: %w", err)
	}
	return n, nil
}

// APIKeyByHash finds a key by the SHA-256 of its secret.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (ingot.APIKey, error) {
	k, err := scanKey(s.pool.QueryRow(ctx, `SELECT `+keyCols+` FROM api_keys WHERE hash = $1`, hash))
	if err != nil {
		return ingot.APIKey{}, notFound(err, "api key")
	}
	return k, nil
}

// CreateOperator stores an operator and its first API key, with idem.
func (s *Store) CreateOperator(ctx context.Context, op ingot.Operator, key ingot.APIKey, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO operators (id, name, code, country, issuer_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			op.ID, op.Name, op.Code, op.Country, op.IssuerID, op.CreatedAt)
		if isUniqueViolation(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("postgres: create operator: %w", err)
		}
		if err := insertKey(ctx, tx, key); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return err
			}
			return fmt.Errorf("postgres: create operator key: %w", err)
		}
		return nil
	})
}

const operatorCols = "id, name, code, country, issuer_id, created_at"

func scanOperators(rows pgx.Rows) ([]ingot.Operator, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.Operator, error) {
		var op ingot.Operator
		err := row.Scan(&op.ID, &op.Name, &op.Code, &op.Country, &op.IssuerID, &op.CreatedAt)
		op.CreatedAt = op.CreatedAt.UTC()
		return op, err
	})
}

// Operator reads an operator.
func (s *Store) Operator(ctx context.Context, id string) (ingot.Operator, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+operatorCols+` FROM operators WHERE id = $1`, id)
	ops, err := scanOperators(rows)
	if err != nil {
		return ingot.Operator{}, fmt.Errorf("postgres: operator: %w", err)
	}
	if len(ops) == 0 {
		return ingot.Operator{}, store.ErrNotFound
	}
	return ops[0], nil
}

// Operators lists operators by id, those with id > after, at most limit.
func (s *Store) Operators(ctx context.Context, after string, limit int) ([]ingot.Operator, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+operatorCols+` FROM operators WHERE id > $1 ORDER BY id LIMIT $2`,
		after, limit)
	ops, err := scanOperators(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: operators: %w", err)
	}
	return ops, nil
}

// OperatorCountries reads operators' countries inside the batch.
func (b *batchTx) OperatorCountries(ctx context.Context, ids []string) (map[string]string, error) {
	rows, err := b.tx.Query(ctx, `SELECT id, country FROM operators WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: operator countries: %w", err)
	}
	defer rows.Close()
	out := make(map[string]string, len(ids))
	for rows.Next() {
		var id, c string
		if err := rows.Scan(&id, &c); err != nil {
			return nil, fmt.Errorf("postgres: operator countries: %w", err)
		}
		out[id] = c
	}
	return out, rows.Err()
}
