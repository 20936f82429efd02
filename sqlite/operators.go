package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Operators and API keys.

// CreateAPIKey stores a key.
func (s *Store) CreateAPIKey(ctx context.Context, k ingot.APIKey, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "create api key", idem, func(tx *sql.Tx) error {
		if err := insertAPIKey(ctx, tx, k); err != nil {
			if isUnique(err) {
				return store.ErrConflict
			}
			return fmt.Errorf("sqlite: create api key: %w", err)
		}
		return nil
	})
}

// keyCols are the api_keys columns, in the order of insertAPIKey and scanKey.
const keyCols = `id, role, operator_id, hash, created_at, name, scopes, expires_at, revoked_at, last_used_at, client_cert, issuer_id`

func insertAPIKey(ctx context.Context, q querier, k ingot.APIKey) error {
	scopes, err := scopesValue(k.Scopes)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx,
		`INSERT INTO api_keys (`+keyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, string(k.Role), k.OperatorID, k.Hash, micros(k.CreatedAt), k.Name, scopes,
		nullMicros(k.ExpiresAt), nullMicros(k.RevokedAt), nullMicros(k.LastUsedAt), nullBytes(k.ClientCert), k.IssuerID)
	return err
}

func scanKey(sc scanner) (ingot.APIKey, error) {
	var k ingot.APIKey
	var role string
	var created int64
	var scopes sql.NullString
	var expires, revoked, used sql.NullInt64
	if err := sc.Scan(&k.ID, &role, &k.OperatorID, &k.Hash, &created, &k.Name, &scopes,
		&expires, &revoked, &used, &k.ClientCert, &k.IssuerID); err != nil {
		return ingot.APIKey{}, err
	}
	k.Role = ingot.Role(role)
	k.CreatedAt = fromMicros(created)
	k.ExpiresAt, k.RevokedAt, k.LastUsedAt = fromNullMicros(expires), fromNullMicros(revoked), fromNullMicros(used)
	k.ClientCert = emptyNil(k.ClientCert)
	var err error
	if k.Scopes, err = parseScopes(scopes); err != nil {
		return ingot.APIKey{}, fmt.Errorf("key %s: %w", k.ID, err)
	}
	return k, nil
}

// CountAPIKeys counts the keys of a role.
func (s *Store) CountAPIKeys(ctx context.Context, role ingot.Role) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM api_keys WHERE role = ?`, string(role)).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count api keys: %w", err)
	}
	return n, nil
}

// APIKeyByHash finds a key by the SHA-256 of its secret.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (ingot.APIKey, error) {
	k, err := scanKey(s.r.QueryRowContext(ctx, `SELECT `+keyCols+` FROM api_keys WHERE hash = ?`, hash))
	if err != nil {
		return ingot.APIKey{}, notFound(err, "api key")
	}
	return k, nil
}

// CreateOperator stores an operator and its first key, with idem. It returns
// (nil, nil) when it wrote them, and the existing record (writing nothing)
// when idem's key was used already.
func (s *Store) CreateOperator(ctx context.Context, op ingot.Operator, key ingot.APIKey, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "create operator", idem, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO operators (id, name, code, country, issuer_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			op.ID, op.Name, op.Code, op.Country, op.IssuerID, micros(op.CreatedAt))
		if err != nil {
			if isUnique(err) {
				return store.ErrConflict
			}
			return fmt.Errorf("sqlite: create operator: %w", err)
		}
		if err := insertAPIKey(ctx, tx, key); err != nil {
			if isUnique(err) {
				return store.ErrConflict
			}
			return fmt.Errorf("sqlite: create operator key: %w", err)
		}
		return nil
	})
}

const operatorCols = `id, name, code, country, issuer_id, created_at`

func scanOperator(sc scanner) (ingot.Operator, error) {
	var o ingot.Operator
	var created int64
	if err := sc.Scan(&o.ID, &o.Name, &o.Code, &o.Country, &o.IssuerID, &created); err != nil {
		return ingot.Operator{}, err
	}
	o.CreatedAt = fromMicros(created)
	return o, nil
}

// Operator reads an operator.
func (s *Store) Operator(ctx context.Context, id string) (ingot.Operator, error) {
	o, err := scanOperator(s.r.QueryRowContext(ctx, `SELECT `+operatorCols+` FROM operators WHERE id = ?`, id))
	if err != nil {
		return ingot.Operator{}, notFound(err, "operator")
	}
	return o, nil
}

// Operators lists operators by id, after the given one.
func (s *Store) Operators(ctx context.Context, after string, limit int) ([]ingot.Operator, error) {
	rows, err := s.r.QueryContext(ctx,
		`SELECT `+operatorCols+` FROM operators WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: operators: %w", err)
	}
	defer rows.Close()
	var out []ingot.Operator
	for rows.Next() {
		o, err := scanOperator(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: operators: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: operators: %w", err)
	}
	return out, nil
}

// OperatorCountries reads operators' countries inside the batch.
func (b *batchTx) OperatorCountries(ctx context.Context, ids []string) (map[string]string, error) {
	arg, err := jsonArray(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: operator countries: %w", err)
	}
	rows, err := b.tx.QueryContext(ctx, `SELECT id, country FROM operators WHERE id IN (SELECT value FROM json_each(?))`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: operator countries: %w", err)
	}
	defer rows.Close()
	out := make(map[string]string, len(ids))
	for rows.Next() {
		var id, c string
		if err := rows.Scan(&id, &c); err != nil {
			return nil, fmt.Errorf("sqlite: operator countries: %w", err)
		}
		out[id] = c
	}
	return out, rows.Err()
}
