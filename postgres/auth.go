package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/store"
)

// Holders' sign-in, sessions, factors, approvals, keys, security events and
// the sandbox's text messages (auth.Store). What must hold across
// processes is one statement each: counters are incremented by an UPDATE
// (or an upsert) that returns the row after, single-use rows are used by a
// conditional UPDATE; a concurrent caller waits for the row's lock and
// then re-checks the condition on the row as the first left it (READ
// COMMITTED), so it gets ErrConflict.

var _ auth.Store = (*Store)(nil)

// exec runs one statement and returns the rows it affected; a unique
// violation is ErrConflict.
func (s *Store) exec(ctx context.Context, what, sql string, args ...any) (int64, error) {
	tag, err := s.pool.Exec(ctx, sql, args...)
	if err != nil {
		if isUniqueViolation(err) {
			return 0, store.ErrConflict
		}
		return 0, fmt.Errorf("postgres: %s: %w", what, err)
	}
	return tag.RowsAffected(), nil
}

// update runs an update of one row by id: no row is ErrNotFound.
func (s *Store) update(ctx context.Context, what, sql string, args ...any) error {
	n, err := s.exec(ctx, what, sql, args...)
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

// conditional runs a conditional update of the row of table with id: when
// it changes nothing, the row is ErrConflict if it exists (its condition
// did not hold), else ErrNotFound.
func (s *Store) conditional(ctx context.Context, what, table, id, sql string, args ...any) error {
	n, err := s.exec(ctx, what, sql, args...)
	if err != nil || n > 0 {
		return err
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE id = $1)`, id).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	if exists {
		return store.ErrConflict
	}
	return store.ErrNotFound
}

// collect runs a query and scans every row with scan.
func collect[T any](ctx context.Context, q queryer, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
}

// one reads the single row of a query with scan; none is ErrNotFound.
func one[T any](ctx context.Context, q queryer, what string, scan func(pgx.Row) (T, error), sql string, args ...any) (T, error) {
	var zero T
	vs, err := collect(ctx, q, scan, sql, args...)
	if err != nil {
		return zero, fmt.Errorf("postgres: %s: %w", what, err)
	}
	if len(vs) == 0 {
		return zero, store.ErrNotFound
	}
	return vs[0], nil
}

// ---- holders ----

const holderCols = "id, phone_hash, pin_hash, language, language_session, created_at, updated_at"

func scanHolder(row pgx.Row) (auth.Holder, error) {
	var h auth.Holder
	err := row.Scan(&h.ID, &h.PhoneHash, &h.PINHash, &h.Language, &h.LanguageSession, &h.CreatedAt, &h.UpdatedAt)
	h.CreatedAt, h.UpdatedAt = h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	return h, err
}

// CreateHolder stores a new holder; a phone that has one is ErrConflict.
func (s *Store) CreateHolder(ctx context.Context, h auth.Holder) error {
	_, err := s.exec(ctx, "create holder", `INSERT INTO holders (`+holderCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		h.ID, h.PhoneHash, h.PINHash, h.Language, h.LanguageSession, h.CreatedAt, h.UpdatedAt)
	return err
}

// HolderByPhone finds the holder of a phone lookup hash.
func (s *Store) HolderByPhone(ctx context.Context, phoneHash []byte) (auth.Holder, error) {
	return one(ctx, s.pool, "holder by phone", scanHolder, `SELECT `+holderCols+` FROM holders WHERE phone_hash = $1`, phoneHash)
}

// Holder reads a holder.
func (s *Store) Holder(ctx context.Context, id string) (auth.Holder, error) {
	return one(ctx, s.pool, "holder", scanHolder, `SELECT `+holderCols+` FROM holders WHERE id = $1`, id)
}

// SetLanguage sets a holder's menu language and the USSD session it was
// chosen in.
func (s *Store) SetLanguage(ctx context.Context, holderID, language, session string, now time.Time) error {
	return s.update(ctx, "set language", `UPDATE holders SET language = $1, language_session = $2, updated_at = $3 WHERE id = $4`,
		language, session, now, holderID)
}

// SetPIN replaces a holder's PIN hash.
func (s *Store) SetPIN(ctx context.Context, holderID, pinHash string, now time.Time) error {
	return s.update(ctx, "set pin", `UPDATE holders SET pin_hash = $1, updated_at = $2 WHERE id = $3`, pinHash, now, holderID)
}

// HolderWallets lists the wallets, at every operator, of a phone lookup
// hash, by id.
func (s *Store) HolderWallets(ctx context.Context, phoneHash []byte) ([]ingot.Account, error) {
	if len(phoneHash) == 0 {
		return nil, nil
	}
	as, err := collectAccounts(s.pool.Query(ctx, `SELECT `+accountCols+` FROM accounts
		WHERE holder_phone_hash = $1 AND kind = 'wallet' AND holder_phone_hash <> ''::bytea ORDER BY id`, phoneHash))
	if err != nil {
		return nil, fmt.Errorf("postgres: holder wallets: %w", err)
	}
	return as, nil
}

// ---- lock-out ----

func scanAttempts(row pgx.Row) (auth.Attempts, error) {
	var a auth.Attempts
	var locked *time.Time
	var failures int32
	err := row.Scan(&a.PhoneHash, &failures, &locked)
	a.Failures, a.LockedUntil = int(failures), fromNullTime(locked)
	return a, err
}

// Attempts reads a phone's failures: zero (with PhoneHash set) when it has
// none.
func (s *Store) Attempts(ctx context.Context, phoneHash []byte) (auth.Attempts, error) {
	a, err := one(ctx, s.pool, "attempts", scanAttempts,
		`SELECT phone_hash, failures, locked_until FROM signin_attempts WHERE phone_hash = $1`, phoneHash)
	if errors.Is(err, store.ErrNotFound) {
		return auth.Attempts{PhoneHash: phoneHash}, nil
	}
	return a, err
}

// RecordFailure counts a failure in one statement (an upsert): at max the
// phone is locked until now+lock and its count starts again from zero.
func (s *Store) RecordFailure(ctx context.Context, phoneHash []byte, now time.Time, max int, lock time.Duration) (auth.Attempts, error) {
	return one(ctx, s.pool, "record failure", scanAttempts, `INSERT INTO signin_attempts AS a (phone_hash, failures, locked_until)
		VALUES ($1, CASE WHEN 1 >= $2::int THEN 0 ELSE 1 END, CASE WHEN 1 >= $2::int THEN $3::timestamptz END)
		ON CONFLICT (phone_hash) DO UPDATE SET
			failures = CASE WHEN a.failures + 1 >= $2::int THEN 0 ELSE a.failures + 1 END,
			locked_until = CASE WHEN a.failures + 1 >= $2::int THEN $3::timestamptz ELSE a.locked_until END
		RETURNING phone_hash, failures, locked_until`, phoneHash, max, now.Add(lock))
}

// ResetFailures sets a phone's count of failures to zero (a lock it has
// stays until it ends).
func (s *Store) ResetFailures(ctx context.Context, phoneHash []byte) error {
	_, err := s.exec(ctx, "reset failures", `UPDATE signin_attempts SET failures = 0 WHERE phone_hash = $1`, phoneHash)
	return err
}

// ---- challenges ----

const challengeCols = "id, kind, phone_hash, holder_id, code_hash, tries, webauthn, expires_at, used_at, created_at"

func scanChallenge(row pgx.Row) (auth.Challenge, error) {
	var c auth.Challenge
	var kind string
	var tries int32
	var used *time.Time
	err := row.Scan(&c.ID, &kind, &c.PhoneHash, &c.HolderID, &c.CodeHash, &tries, &c.WebAuthn, &c.ExpiresAt, &used, &c.CreatedAt)
	c.Kind, c.Tries = auth.ChallengeKind(kind), int(tries)
	c.CodeHash, c.WebAuthn = emptyNil(c.CodeHash), emptyNil(c.WebAuthn)
	c.ExpiresAt, c.UsedAt, c.CreatedAt = c.ExpiresAt.UTC(), fromNullTime(used), c.CreatedAt.UTC()
	return c, err
}

// CreateChallenge stores a new challenge.
func (s *Store) CreateChallenge(ctx context.Context, c auth.Challenge) error {
	_, err := s.exec(ctx, "create challenge", `INSERT INTO challenges (`+challengeCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.ID, string(c.Kind), c.PhoneHash, c.HolderID, nullBytes(c.CodeHash), c.Tries, nullBytes(c.WebAuthn),
		c.ExpiresAt, nullTime(c.UsedAt), c.CreatedAt)
	return err
}

// Challenge reads a challenge.
func (s *Store) Challenge(ctx context.Context, id string) (auth.Challenge, error) {
	return one(ctx, s.pool, "challenge", scanChallenge, `SELECT `+challengeCols+` FROM challenges WHERE id = $1`, id)
}

// SetChallengeCode stores the hash of a new code (tries start again from
// zero) and, when not nil, the WebAuthn session.
func (s *Store) SetChallengeCode(ctx context.Context, id string, codeHash, webauthn []byte) error {
	return s.update(ctx, "set challenge code",
		`UPDATE challenges SET code_hash = $1, tries = 0, webauthn = coalesce($2, webauthn) WHERE id = $3`,
		nullBytes(codeHash), nullBytes(webauthn), id)
}

// ChallengeTry counts a wrong code and returns the challenge after.
func (s *Store) ChallengeTry(ctx context.Context, id string) (auth.Challenge, error) {
	return one(ctx, s.pool, "challenge try", scanChallenge,
		`UPDATE challenges SET tries = tries + 1 WHERE id = $1 RETURNING `+challengeCols, id)
}

// UseChallenge marks a challenge used when it is neither used nor expired
// at now; otherwise ErrConflict.
func (s *Store) UseChallenge(ctx context.Context, id string, now time.Time) error {
	return s.conditional(ctx, "use challenge", "challenges", id,
		`UPDATE challenges SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1`, now, id)
}

// ---- sessions ----

const sessionCols = "id, holder_id, access_hash, access_expires_at, refresh_hash, last_seen_at, created_at, ended_at"

func scanSession(row pgx.Row, extra ...any) (auth.Session, error) {
	var x auth.Session
	var ended *time.Time
	dest := append([]any{&x.ID, &x.HolderID, &x.AccessHash, &x.AccessExpiresAt, &x.RefreshHash, &x.LastSeenAt,
		&x.CreatedAt, &ended}, extra...)
	err := row.Scan(dest...)
	x.AccessExpiresAt, x.LastSeenAt, x.CreatedAt = x.AccessExpiresAt.UTC(), x.LastSeenAt.UTC(), x.CreatedAt.UTC()
	x.EndedAt = fromNullTime(ended)
	return x, err
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, x auth.Session) error {
	_, err := s.exec(ctx, "create session", `INSERT INTO sessions (`+sessionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		x.ID, x.HolderID, x.AccessHash, x.AccessExpiresAt, x.RefreshHash, x.LastSeenAt, x.CreatedAt, nullTime(x.EndedAt))
	return err
}

// SessionByAccess finds a session by its access token's hash.
func (s *Store) SessionByAccess(ctx context.Context, accessHash []byte) (auth.Session, error) {
	return one(ctx, s.pool, "session by access", func(row pgx.Row) (auth.Session, error) { return scanSession(row) },
		`SELECT `+sessionCols+` FROM sessions WHERE access_hash = $1`, accessHash)
}

// SessionByRefresh finds a session by its current refresh token's hash
// (spent false) or one it had before (spent true).
func (s *Store) SessionByRefresh(ctx context.Context, refreshHash []byte) (auth.Session, bool, error) {
	type found struct {
		s     auth.Session
		spent bool
	}
	f, err := one(ctx, s.pool, "session by refresh", func(row pgx.Row) (found, error) {
		var f found
		var err error
		f.s, err = scanSession(row, &f.spent)
		return f, err
	}, `SELECT `+sessionCols+`, false FROM sessions WHERE refresh_hash = $1
		UNION ALL
		SELECT `+prefixed("s.", sessionCols)+`, true FROM spent_refresh_tokens t JOIN sessions s ON s.id = t.session_id
		WHERE t.hash = $1
		LIMIT 1`, refreshHash)
	return f.s, f.spent, err
}

// prefixed qualifies each of a list of columns with prefix.
func prefixed(prefix, cols string) string {
	fields := strings.Split(cols, ",")
	for i, f := range fields {
		fields[i] = prefix + strings.TrimSpace(f)
	}
	return strings.Join(fields, ", ")
}

// RotateSession gives a live session new tokens when oldRefresh is its
// current refresh token, and keeps oldRefresh as spent, in one statement;
// otherwise ErrConflict.
func (s *Store) RotateSession(ctx context.Context, id string, oldRefresh, access []byte, accessExpires time.Time, refresh []byte, now time.Time) error {
	return s.conditional(ctx, "rotate session", "sessions", id, `WITH rotated AS (
			UPDATE sessions SET access_hash = $1, access_expires_at = $2, refresh_hash = $3, last_seen_at = $4
			WHERE id = $5 AND refresh_hash = $6 AND ended_at IS NULL
			RETURNING id)
		INSERT INTO spent_refresh_tokens (hash, session_id, spent_at) SELECT $6, id, $4 FROM rotated`,
		access, accessExpires, refresh, now, id, oldRefresh)
}

// TouchSession sets a session's LastSeenAt.
func (s *Store) TouchSession(ctx context.Context, id string, now time.Time) error {
	return s.update(ctx, "touch session", `UPDATE sessions SET last_seen_at = $1 WHERE id = $2`, now, id)
}

// EndSession ends a session; ending an ended one keeps its first end.
func (s *Store) EndSession(ctx context.Context, id string, now time.Time) error {
	err := s.conditional(ctx, "end session", "sessions", id,
		`UPDATE sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL`, now, id)
	if errors.Is(err, store.ErrConflict) {
		return nil // ended already
	}
	return err
}

// ---- factors ----

const factorCols = "id, holder_id, kind, name, secret, last_step, credential_id, credential, confirmed, created_at"

func scanFactor(row pgx.Row) (auth.Factor, error) {
	var f auth.Factor
	var kind string
	err := row.Scan(&f.ID, &f.HolderID, &kind, &f.Name, &f.Secret, &f.LastStep, &f.CredentialID, &f.Credential,
		&f.Confirmed, &f.CreatedAt)
	f.Kind = auth.FactorKind(kind)
	f.CredentialID, f.Credential = emptyNil(f.CredentialID), emptyNil(f.Credential)
	f.CreatedAt = f.CreatedAt.UTC()
	return f, err
}

// AddFactor stores a factor; a registered WebAuthn credential id is
// ErrConflict.
func (s *Store) AddFactor(ctx context.Context, f auth.Factor) error {
	_, err := s.exec(ctx, "add factor", `INSERT INTO factors (`+factorCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		f.ID, f.HolderID, string(f.Kind), f.Name, f.Secret, f.LastStep, nullBytes(f.CredentialID), nullBytes(f.Credential),
		f.Confirmed, f.CreatedAt)
	return err
}

// Factor reads a factor.
func (s *Store) Factor(ctx context.Context, id string) (auth.Factor, error) {
	return one(ctx, s.pool, "factor", scanFactor, `SELECT `+factorCols+` FROM factors WHERE id = $1`, id)
}

// Factors lists a holder's factors, oldest first.
func (s *Store) Factors(ctx context.Context, holderID string) ([]auth.Factor, error) {
	fs, err := collect(ctx, s.pool, scanFactor,
		`SELECT `+factorCols+` FROM factors WHERE holder_id = $1 ORDER BY created_at, id`, holderID)
	if err != nil {
		return nil, fmt.Errorf("postgres: factors: %w", err)
	}
	return fs, nil
}

// ConfirmFactor marks a factor confirmed.
func (s *Store) ConfirmFactor(ctx context.Context, id string) error {
	return s.update(ctx, "confirm factor", `UPDATE factors SET confirmed = true WHERE id = $1`, id)
}

// DeleteFactor removes a factor; an unknown one is ErrNotFound.
func (s *Store) DeleteFactor(ctx context.Context, id string) error {
	return s.update(ctx, "delete factor", `DELETE FROM factors WHERE id = $1`, id)
}

// UseTOTPStep records the time step of an accepted TOTP code when it is
// after the last one; otherwise ErrConflict.
func (s *Store) UseTOTPStep(ctx context.Context, id string, step int64) error {
	return s.conditional(ctx, "use totp step", "factors", id,
		`UPDATE factors SET last_step = $1 WHERE id = $2 AND last_step < $1`, step, id)
}

// SetCredential replaces a passkey's stored credential.
func (s *Store) SetCredential(ctx context.Context, id string, credential []byte) error {
	return s.update(ctx, "set credential", `UPDATE factors SET credential = $1 WHERE id = $2`, nullBytes(credential), id)
}

// ---- approvals ----

const authorizationCols = `id, holder_id, payer, payee, amount, currency, status, code_hash, tries, webauthn, used_by,
	expires_at, created_at, updated_at`

func scanAuthorization(row pgx.Row) (ingot.Authorization, error) {
	var a ingot.Authorization
	var status string
	var tries int32
	err := row.Scan(&a.ID, &a.HolderID, &a.Payer, &a.Payee, &a.Amount, &a.Currency, &status, &a.CodeHash, &tries,
		&a.WebAuthn, &a.UsedBy, &a.ExpiresAt, &a.CreatedAt, &a.UpdatedAt)
	a.Status, a.Tries = ingot.AuthorizationStatus(status), int(tries)
	a.CodeHash, a.WebAuthn = emptyNil(a.CodeHash), emptyNil(a.WebAuthn)
	a.ExpiresAt, a.CreatedAt, a.UpdatedAt = a.ExpiresAt.UTC(), a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, err
}

// CreateAuthorization stores a new approval.
func (s *Store) CreateAuthorization(ctx context.Context, a ingot.Authorization) error {
	_, err := s.exec(ctx, "create authorization", `INSERT INTO authorizations (`+authorizationCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		a.ID, a.HolderID, a.Payer, a.Payee, a.Amount, a.Currency, string(a.Status), nullBytes(a.CodeHash), a.Tries,
		nullBytes(a.WebAuthn), a.UsedBy, a.ExpiresAt, a.CreatedAt, a.UpdatedAt)
	return err
}

// Authorization reads an approval.
func (s *Store) Authorization(ctx context.Context, id string) (ingot.Authorization, error) {
	return one(ctx, s.pool, "authorization", scanAuthorization,
		`SELECT `+authorizationCols+` FROM authorizations WHERE id = $1`, id)
}

// SetAuthorizationCode stores the hash of a new code for an approval (tries
// start again from zero) and, when not nil, its WebAuthn session.
func (s *Store) SetAuthorizationCode(ctx context.Context, id string, codeHash, webauthn []byte, now time.Time) error {
	return s.update(ctx, "set authorization code", `UPDATE authorizations
		SET code_hash = $1, tries = 0, webauthn = coalesce($2, webauthn), updated_at = $3 WHERE id = $4`,
		nullBytes(codeHash), nullBytes(webauthn), now, id)
}

// AuthorizationTry counts a wrong code in one statement; at max tries a
// pending approval becomes denied. It returns the approval after.
func (s *Store) AuthorizationTry(ctx context.Context, id string, max int, now time.Time) (ingot.Authorization, error) {
	return one(ctx, s.pool, "authorization try", scanAuthorization, `UPDATE authorizations SET tries = tries + 1,
			status = CASE WHEN status = 'pending' AND tries + 1 >= $1::int THEN 'denied' ELSE status END,
			updated_at = $2
		WHERE id = $3 RETURNING `+authorizationCols, max, now, id)
}

// ApproveAuthorization makes a pending approval that has not expired at
// now approved; otherwise ErrConflict.
func (s *Store) ApproveAuthorization(ctx context.Context, id string, now time.Time) error {
	return s.conditional(ctx, "approve authorization", "authorizations", id, `UPDATE authorizations
		SET status = 'approved', updated_at = $1 WHERE id = $2 AND status = 'pending' AND expires_at > $1`, now, id)
}

// ---- API keys ----

// APIKeys lists the keys of a role and operator, revoked ones too, by
// creation.
func (s *Store) APIKeys(ctx context.Context, role ingot.Role, operatorID string) ([]ingot.APIKey, error) {
	ks, err := collect(ctx, s.pool, scanKey, `SELECT `+keyCols+` FROM api_keys WHERE role = $1 AND operator_id = $2
		ORDER BY created_at, id`, string(role), operatorID)
	if err != nil {
		return nil, fmt.Errorf("postgres: api keys: %w", err)
	}
	return ks, nil
}

// APIKey reads a key.
func (s *Store) APIKey(ctx context.Context, id string) (ingot.APIKey, error) {
	return one(ctx, s.pool, "api key", scanKey, `SELECT `+keyCols+` FROM api_keys WHERE id = $1`, id)
}

// RevokeAPIKey revokes a key; a revoked one is ErrConflict.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, now time.Time) error {
	return s.conditional(ctx, "revoke api key", "api_keys", id,
		`UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, now, id)
}

// TouchAPIKey sets a key's LastUsedAt.
func (s *Store) TouchAPIKey(ctx context.Context, id string, now time.Time) error {
	return s.update(ctx, "touch api key", `UPDATE api_keys SET last_used_at = $1 WHERE id = $2`, now, id)
}

// ---- security events ----

const eventCols = "id, type, operators, holder_id, key_id, subject, detail, address, created_at"

func scanEvent(row pgx.Row) (auth.SecurityEvent, error) {
	var e auth.SecurityEvent
	err := row.Scan(&e.ID, &e.Type, &e.Operators, &e.HolderID, &e.KeyID, &e.Subject, &e.Detail, &e.Address, &e.CreatedAt)
	if len(e.Operators) == 0 {
		e.Operators = nil
	}
	e.CreatedAt = e.CreatedAt.UTC()
	return e, err
}

// AddSecurityEvent stores an event and the operators it concerns, in one
// statement.
func (s *Store) AddSecurityEvent(ctx context.Context, e auth.SecurityEvent) error {
	ops := []string{}
	for _, o := range e.Operators {
		if !slices.Contains(ops, o) {
			ops = append(ops, o)
		}
	}
	_, err := s.exec(ctx, "add security event", `WITH e AS (
			INSERT INTO security_events (`+eventCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id)
		INSERT INTO security_event_operators (operator_id, event_id) SELECT o, e.id FROM e, unnest($3::text[]) AS o`,
		e.ID, e.Type, ops, e.HolderID, e.KeyID, e.Subject, e.Detail, e.Address, e.CreatedAt)
	return err
}

// SecurityEvents lists the events f selects, newest (highest id) first.
// An operator's are found through security_event_operators' primary key,
// the others through the events' (or, with a type, security_events_type).
// A Limit <= 0 is no limit.
func (s *Store) SecurityEvents(ctx context.Context, f auth.EventFilter) ([]auth.SecurityEvent, error) {
	var (
		q     strings.Builder
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	var id string // the column the cursor and the order are on
	if f.OperatorID != "" {
		q.WriteString(`SELECT ` + prefixed("e.", eventCols) + ` FROM security_event_operators o
			JOIN security_events e ON e.id = o.event_id`)
		where = append(where, "o.operator_id = "+arg(f.OperatorID))
		id = "o.event_id"
	} else {
		q.WriteString(`SELECT ` + prefixed("e.", eventCols) + ` FROM security_events e`)
		id = "e.id"
	}
	if f.Type != "" {
		where = append(where, "e.type = "+arg(f.Type))
	}
	if f.Before != "" {
		where = append(where, id+" < "+arg(f.Before))
	}
	if !f.After.IsZero() {
		where = append(where, "e.created_at > "+arg(f.After))
	}
	if len(where) > 0 {
		q.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	q.WriteString(" ORDER BY " + id + " DESC LIMIT " + arg(limitArg(f.Limit)) + "::bigint")
	es, err := collect(ctx, s.pool, scanEvent, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: security events: %w", err)
	}
	return es, nil
}

// limitArg is a LIMIT's value: NULL (no limit) for limit <= 0.
func limitArg(limit int) any {
	if limit <= 0 {
		return nil
	}
	return int64(limit)
}

// ---- the sandbox's text messages ----

// AddSMS stores a text message.
func (s *Store) AddSMS(ctx context.Context, m auth.SMS) error {
	_, err := s.exec(ctx, "add sms", `INSERT INTO sandbox_sms (id, phone_hash, phone, text, sent_at) VALUES ($1, $2, $3, $4, $5)`,
		m.ID, m.PhoneHash, m.Phone, m.Text, m.SentAt)
	return err
}

// SMSTo lists the messages to a phone, newest first, at most limit (<= 0:
// all).
func (s *Store) SMSTo(ctx context.Context, phoneHash []byte, limit int) ([]auth.SMS, error) {
	ms, err := collect(ctx, s.pool, func(row pgx.Row) (auth.SMS, error) {
		var m auth.SMS
		err := row.Scan(&m.ID, &m.PhoneHash, &m.Phone, &m.Text, &m.SentAt)
		m.SentAt = m.SentAt.UTC()
		return m, err
	}, `SELECT id, phone_hash, phone, text, sent_at FROM sandbox_sms
		WHERE phone_hash = $1 ORDER BY sent_at DESC, id DESC LIMIT $2::bigint`, phoneHash, limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("postgres: sms: %w", err)
	}
	return ms, nil
}

// UseAuthorization makes an approved approval used by usedBy; otherwise
// ErrConflict.
func (s *Store) UseAuthorization(ctx context.Context, id, usedBy string, now time.Time) error {
	return s.conditional(ctx, "use authorization", "authorizations", id, `UPDATE authorizations
		SET status = 'used', used_by = $1, updated_at = $2 WHERE id = $3 AND status = 'approved'`, usedBy, now, id)
}

// KeyAddressSeen records a key's client address; first reports a new one.
func (s *Store) KeyAddressSeen(ctx context.Context, keyID, address string, now time.Time) (bool, error) {
	n, err := s.exec(ctx, "key address", `INSERT INTO api_key_addresses (key_id, address, first_at) VALUES ($1, $2, $3)
		ON CONFLICT (key_id, address) DO NOTHING`, keyID, address, now)
	return n == 1, err
}
