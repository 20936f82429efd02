package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/store"
)

// Holders' sign-in, sessions, factors, approvals, keys, security events and
// the sandbox's text messages (auth.Store). Every write goes through the
// writer's single connection, so each statement (and each transaction)
// runs alone: a counter incremented by one statement counts every caller,
// and of two conditional updates of one row the second sees the first's.

var _ auth.Store = (*Store)(nil)

// exec runs a write on the writer and returns the rows it affected.
func (s *Store) exec(ctx context.Context, what, query string, args ...any) (int64, error) {
	res, err := s.w.ExecContext(ctx, query, args...)
	if err != nil {
		if isUnique(err) {
			return 0, store.ErrConflict
		}
		return 0, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return n, nil
}

// update runs an update of one row by id: no row is ErrNotFound.
func (s *Store) update(ctx context.Context, what, query string, args ...any) error {
	n, err := s.exec(ctx, what, query, args...)
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

// conditional runs a conditional update of the row of table with id: when
// it changes nothing, the row is ErrConflict if it exists (its condition
// did not hold), else ErrNotFound.
func (s *Store) conditional(ctx context.Context, what, table, id, query string, args ...any) error {
	n, err := s.exec(ctx, what, query, args...)
	if err != nil || n > 0 {
		return err
	}
	var one int
	err = s.r.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE id = ?`, id).Scan(&one)
	if err == nil {
		return store.ErrConflict
	}
	return notFound(err, what)
}

// collect runs a query and scans every row with scan.
func collect[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ---- holders ----

const holderCols = `id, phone_hash, pin_hash, language, language_session, created_at, updated_at`

func scanHolder(sc scanner) (auth.Holder, error) {
	var h auth.Holder
	var created, updated int64
	err := sc.Scan(&h.ID, &h.PhoneHash, &h.PINHash, &h.Language, &h.LanguageSession, &created, &updated)
	h.CreatedAt, h.UpdatedAt = fromMicros(created), fromMicros(updated)
	return h, err
}

// CreateHolder stores a new holder; a phone that has one is ErrConflict.
func (s *Store) CreateHolder(ctx context.Context, h auth.Holder) error {
	_, err := s.exec(ctx, "create holder", `INSERT INTO holders (`+holderCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		h.ID, h.PhoneHash, h.PINHash, h.Language, h.LanguageSession, micros(h.CreatedAt), micros(h.UpdatedAt))
	return err
}

// HolderByPhone finds the holder of a phone lookup hash.
func (s *Store) HolderByPhone(ctx context.Context, phoneHash []byte) (auth.Holder, error) {
	h, err := scanHolder(s.r.QueryRowContext(ctx, `SELECT `+holderCols+` FROM holders WHERE phone_hash = ?`, phoneHash))
	if err != nil {
		return auth.Holder{}, notFound(err, "holder by phone")
	}
	return h, nil
}

// Holder reads a holder.
func (s *Store) Holder(ctx context.Context, id string) (auth.Holder, error) {
	h, err := scanHolder(s.r.QueryRowContext(ctx, `SELECT `+holderCols+` FROM holders WHERE id = ?`, id))
	if err != nil {
		return auth.Holder{}, notFound(err, "holder")
	}
	return h, nil
}

// SetPIN replaces a holder's PIN hash.
func (s *Store) SetPIN(ctx context.Context, holderID, pinHash string, now time.Time) error {
	return s.update(ctx, "set pin", `UPDATE holders SET pin_hash = ?, updated_at = ? WHERE id = ?`,
		pinHash, micros(now), holderID)
}

// SetLanguage sets a holder's menu language and the USSD session it was
// chosen in.
func (s *Store) SetLanguage(ctx context.Context, holderID, language, session string, now time.Time) error {
	return s.update(ctx, "set language", `UPDATE holders SET language = ?, language_session = ?, updated_at = ? WHERE id = ?`,
		language, session, micros(now), holderID)
}

// HolderWallets lists the wallets, at every operator, of a phone lookup
// hash, by id.
func (s *Store) HolderWallets(ctx context.Context, phoneHash []byte) ([]ingot.Account, error) {
	if len(phoneHash) == 0 {
		return nil, nil
	}
	return queryAccounts(ctx, s.r, "holder wallets", `SELECT `+accountCols+` FROM accounts
		WHERE holder_phone_hash = ? AND kind = 'wallet' AND holder_phone_hash <> x'' ORDER BY id`, phoneHash)
}

// ---- lock-out ----

func scanAttempts(sc scanner) (auth.Attempts, error) {
	var a auth.Attempts
	var locked sql.NullInt64
	err := sc.Scan(&a.PhoneHash, &a.Failures, &locked)
	a.LockedUntil = fromNullMicros(locked)
	return a, err
}

// Attempts reads a phone's failures: zero (with PhoneHash set) when it has
// none.
func (s *Store) Attempts(ctx context.Context, phoneHash []byte) (auth.Attempts, error) {
	a, err := scanAttempts(s.r.QueryRowContext(ctx,
		`SELECT phone_hash, failures, locked_until FROM signin_attempts WHERE phone_hash = ?`, phoneHash))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Attempts{PhoneHash: phoneHash}, nil
	}
	if err != nil {
		return auth.Attempts{}, fmt.Errorf("sqlite: attempts: %w", err)
	}
	return a, nil
}

// RecordFailure counts a failure in one statement (an upsert): at max the
// phone is locked until now+lock and its count starts again from zero.
func (s *Store) RecordFailure(ctx context.Context, phoneHash []byte, now time.Time, max int, lock time.Duration) (auth.Attempts, error) {
	until := micros(now.Add(lock))
	a, err := scanAttempts(s.w.QueryRowContext(ctx, `INSERT INTO signin_attempts (phone_hash, failures, locked_until)
		VALUES (?1, CASE WHEN 1 >= ?2 THEN 0 ELSE 1 END, CASE WHEN 1 >= ?2 THEN ?3 END)
		ON CONFLICT (phone_hash) DO UPDATE SET
			failures = CASE WHEN failures + 1 >= ?2 THEN 0 ELSE failures + 1 END,
			locked_until = CASE WHEN failures + 1 >= ?2 THEN ?3 ELSE locked_until END
		RETURNING phone_hash, failures, locked_until`, phoneHash, max, until))
	if err != nil {
		return auth.Attempts{}, fmt.Errorf("sqlite: record failure: %w", err)
	}
	return a, nil
}

// ResetFailures sets a phone's count of failures to zero (a lock it has
// stays until it ends).
func (s *Store) ResetFailures(ctx context.Context, phoneHash []byte) error {
	_, err := s.exec(ctx, "reset failures", `UPDATE signin_attempts SET failures = 0 WHERE phone_hash = ?`, phoneHash)
	return err
}

// ---- challenges ----

const challengeCols = `id, kind, phone_hash, holder_id, code_hash, tries, webauthn, expires_at, used_at, created_at`

func scanChallenge(sc scanner) (auth.Challenge, error) {
	var c auth.Challenge
	var kind string
	var expires, created int64
	var used sql.NullInt64
	err := sc.Scan(&c.ID, &kind, &c.PhoneHash, &c.HolderID, &c.CodeHash, &c.Tries, &c.WebAuthn, &expires, &used, &created)
	c.Kind = auth.ChallengeKind(kind)
	c.CodeHash, c.WebAuthn = emptyNil(c.CodeHash), emptyNil(c.WebAuthn)
	c.ExpiresAt, c.UsedAt, c.CreatedAt = fromMicros(expires), fromNullMicros(used), fromMicros(created)
	return c, err
}

// CreateChallenge stores a new challenge.
func (s *Store) CreateChallenge(ctx context.Context, c auth.Challenge) error {
	_, err := s.exec(ctx, "create challenge", `INSERT INTO challenges (`+challengeCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, string(c.Kind), c.PhoneHash, c.HolderID, nullBytes(c.CodeHash), c.Tries, nullBytes(c.WebAuthn),
		micros(c.ExpiresAt), nullMicros(c.UsedAt), micros(c.CreatedAt))
	return err
}

// Challenge reads a challenge.
func (s *Store) Challenge(ctx context.Context, id string) (auth.Challenge, error) {
	c, err := scanChallenge(s.r.QueryRowContext(ctx, `SELECT `+challengeCols+` FROM challenges WHERE id = ?`, id))
	if err != nil {
		return auth.Challenge{}, notFound(err, "challenge")
	}
	return c, nil
}

// SetChallengeCode stores the hash of a new code (tries start again from
// zero) and, when not nil, the WebAuthn session.
func (s *Store) SetChallengeCode(ctx context.Context, id string, codeHash, webauthn []byte) error {
	return s.update(ctx, "set challenge code",
		`UPDATE challenges SET code_hash = ?, tries = 0, webauthn = coalesce(?, webauthn) WHERE id = ?`,
		nullBytes(codeHash), nullBytes(webauthn), id)
}

// ChallengeTry counts a wrong code and returns the challenge after.
func (s *Store) ChallengeTry(ctx context.Context, id string) (auth.Challenge, error) {
	c, err := scanChallenge(s.w.QueryRowContext(ctx,
		`UPDATE challenges SET tries = tries + 1 WHERE id = ? RETURNING `+challengeCols, id))
	if err != nil {
		return auth.Challenge{}, notFound(err, "challenge try")
	}
	return c, nil
}

// UseChallenge marks a challenge used when it is neither used nor expired
// at now; otherwise ErrConflict.
func (s *Store) UseChallenge(ctx context.Context, id string, now time.Time) error {
	return s.conditional(ctx, "use challenge", "challenges", id,
		`UPDATE challenges SET used_at = ?1 WHERE id = ?2 AND used_at IS NULL AND expires_at > ?1`, micros(now), id)
}

// ---- sessions ----

const sessionCols = `id, holder_id, access_hash, access_expires_at, refresh_hash, last_seen_at, created_at, ended_at`

func scanSession(sc scanner, extra ...any) (auth.Session, error) {
	var x auth.Session
	var expires, seen, created int64
	var ended sql.NullInt64
	dest := append([]any{&x.ID, &x.HolderID, &x.AccessHash, &expires, &x.RefreshHash, &seen, &created, &ended}, extra...)
	err := sc.Scan(dest...)
	x.AccessExpiresAt, x.LastSeenAt, x.CreatedAt, x.EndedAt = fromMicros(expires), fromMicros(seen), fromMicros(created), fromNullMicros(ended)
	return x, err
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, x auth.Session) error {
	_, err := s.exec(ctx, "create session", `INSERT INTO sessions (`+sessionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		x.ID, x.HolderID, x.AccessHash, micros(x.AccessExpiresAt), x.RefreshHash, micros(x.LastSeenAt),
		micros(x.CreatedAt), nullMicros(x.EndedAt))
	return err
}

// SessionByAccess finds a session by its access token's hash.
func (s *Store) SessionByAccess(ctx context.Context, accessHash []byte) (auth.Session, error) {
	x, err := scanSession(s.r.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE access_hash = ?`, accessHash))
	if err != nil {
		return auth.Session{}, notFound(err, "session by access")
	}
	return x, nil
}

// SessionByRefresh finds a session by its current refresh token's hash
// (spent false) or one it had before (spent true).
func (s *Store) SessionByRefresh(ctx context.Context, refreshHash []byte) (auth.Session, bool, error) {
	var spent bool
	x, err := scanSession(s.r.QueryRowContext(ctx, `SELECT `+sessionCols+`, 0 FROM sessions WHERE refresh_hash = ?1
		UNION ALL
		SELECT `+prefixed("s.", sessionCols)+`, 1 FROM spent_refresh_tokens t JOIN sessions s ON s.id = t.session_id
		WHERE t.hash = ?1
		LIMIT 1`, refreshHash), &spent)
	if err != nil {
		return auth.Session{}, false, notFound(err, "session by refresh")
	}
	return x, spent, nil
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
// current refresh token, and keeps oldRefresh as spent, in one transaction;
// otherwise ErrConflict.
func (s *Store) RotateSession(ctx context.Context, id string, oldRefresh, access []byte, accessExpires time.Time, refresh []byte, now time.Time) error {
	tx, err := s.w.BeginTx(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: rotate session: begin: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE sessions SET access_hash = ?, access_expires_at = ?, refresh_hash = ?, last_seen_at = ?
		WHERE id = ? AND refresh_hash = ? AND ended_at IS NULL`,
		access, micros(accessExpires), refresh, micros(now), id, oldRefresh)
	if err != nil {
		if isUnique(err) {
			return store.ErrConflict
		}
		return fmt.Errorf("sqlite: rotate session: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: rotate session: %w", err)
	} else if n == 0 {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM sessions WHERE id = ?`, id).Scan(&one)
		if err == nil {
			return store.ErrConflict
		}
		return notFound(err, "rotate session")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO spent_refresh_tokens (hash, session_id, spent_at) VALUES (?, ?, ?)`,
		oldRefresh, id, micros(now)); err != nil {
		if isUnique(err) {
			return store.ErrConflict
		}
		return fmt.Errorf("sqlite: rotate session: spend: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: rotate session: commit: %w", err)
	}
	return nil
}

// TouchSession sets a session's LastSeenAt.
func (s *Store) TouchSession(ctx context.Context, id string, now time.Time) error {
	return s.update(ctx, "touch session", `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, micros(now), id)
}

// EndSession ends a session; ending an ended one keeps its first end.
func (s *Store) EndSession(ctx context.Context, id string, now time.Time) error {
	err := s.conditional(ctx, "end session", "sessions", id,
		`UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL`, micros(now), id)
	if errors.Is(err, store.ErrConflict) {
		return nil // ended already
	}
	return err
}

// ---- factors ----

const factorCols = `id, holder_id, kind, name, secret, last_step, credential_id, credential, confirmed, created_at`

func scanFactor(sc scanner) (auth.Factor, error) {
	var f auth.Factor
	var kind string
	var created int64
	err := sc.Scan(&f.ID, &f.HolderID, &kind, &f.Name, &f.Secret, &f.LastStep, &f.CredentialID, &f.Credential,
		&f.Confirmed, &created)
	f.Kind = auth.FactorKind(kind)
	f.CredentialID, f.Credential = emptyNil(f.CredentialID), emptyNil(f.Credential)
	f.CreatedAt = fromMicros(created)
	return f, err
}

// AddFactor stores a factor; a registered WebAuthn credential id is
// ErrConflict.
func (s *Store) AddFactor(ctx context.Context, f auth.Factor) error {
	_, err := s.exec(ctx, "add factor", `INSERT INTO factors (`+factorCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.HolderID, string(f.Kind), f.Name, f.Secret, f.LastStep, nullBytes(f.CredentialID), nullBytes(f.Credential),
		f.Confirmed, micros(f.CreatedAt))
	return err
}

// Factor reads a factor.
func (s *Store) Factor(ctx context.Context, id string) (auth.Factor, error) {
	f, err := scanFactor(s.r.QueryRowContext(ctx, `SELECT `+factorCols+` FROM factors WHERE id = ?`, id))
	if err != nil {
		return auth.Factor{}, notFound(err, "factor")
	}
	return f, nil
}

// Factors lists a holder's factors, oldest first.
func (s *Store) Factors(ctx context.Context, holderID string) ([]auth.Factor, error) {
	fs, err := collect(ctx, s.r, scanFactor,
		`SELECT `+factorCols+` FROM factors WHERE holder_id = ? ORDER BY created_at, id`, holderID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: factors: %w", err)
	}
	return fs, nil
}

// ConfirmFactor marks a factor confirmed.
func (s *Store) ConfirmFactor(ctx context.Context, id string) error {
	return s.update(ctx, "confirm factor", `UPDATE factors SET confirmed = 1 WHERE id = ?`, id)
}

// DeleteFactor removes a factor; an unknown one is ErrNotFound.
func (s *Store) DeleteFactor(ctx context.Context, id string) error {
	return s.update(ctx, "delete factor", `DELETE FROM factors WHERE id = ?`, id)
}

// UseTOTPStep records the time step of an accepted TOTP code when it is
// after the last one; otherwise ErrConflict.
func (s *Store) UseTOTPStep(ctx context.Context, id string, step int64) error {
	return s.conditional(ctx, "use totp step", "factors", id,
		`UPDATE factors SET last_step = ?1 WHERE id = ?2 AND last_step < ?1`, step, id)
}

// SetCredential replaces a passkey's stored credential.
func (s *Store) SetCredential(ctx context.Context, id string, credential []byte) error {
	return s.update(ctx, "set credential", `UPDATE factors SET credential = ? WHERE id = ?`, nullBytes(credential), id)
}

// ---- approvals ----

const authorizationCols = `id, holder_id, payer, payee, amount, currency, status, code_hash, tries, webauthn, used_by,
	expires_at, created_at, updated_at`

func scanAuthorization(sc scanner) (ingot.Authorization, error) {
	var a ingot.Authorization
	var status string
	var expires, created, updated int64
	err := sc.Scan(&a.ID, &a.HolderID, &a.Payer, &a.Payee, &a.Amount, &a.Currency, &status, &a.CodeHash, &a.Tries,
		&a.WebAuthn, &a.UsedBy, &expires, &created, &updated)
	a.Status = ingot.AuthorizationStatus(status)
	a.CodeHash, a.WebAuthn = emptyNil(a.CodeHash), emptyNil(a.WebAuthn)
	a.ExpiresAt, a.CreatedAt, a.UpdatedAt = fromMicros(expires), fromMicros(created), fromMicros(updated)
	return a, err
}

// CreateAuthorization stores a new approval.
func (s *Store) CreateAuthorization(ctx context.Context, a ingot.Authorization) error {
	_, err := s.exec(ctx, "create authorization", `INSERT INTO authorizations (`+authorizationCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.HolderID, a.Payer, a.Payee, a.Amount, a.Currency, string(a.Status), nullBytes(a.CodeHash), a.Tries,
		nullBytes(a.WebAuthn), a.UsedBy, micros(a.ExpiresAt), micros(a.CreatedAt), micros(a.UpdatedAt))
	return err
}

// Authorization reads an approval.
func (s *Store) Authorization(ctx context.Context, id string) (ingot.Authorization, error) {
	a, err := scanAuthorization(s.r.QueryRowContext(ctx, `SELECT `+authorizationCols+` FROM authorizations WHERE id = ?`, id))
	if err != nil {
		return ingot.Authorization{}, notFound(err, "authorization")
	}
	return a, nil
}

// SetAuthorizationCode stores the hash of a new code for an approval (tries
// start again from zero) and, when not nil, its WebAuthn session.
func (s *Store) SetAuthorizationCode(ctx context.Context, id string, codeHash, webauthn []byte, now time.Time) error {
	return s.update(ctx, "set authorization code", `UPDATE authorizations
		SET code_hash = ?, tries = 0, webauthn = coalesce(?, webauthn), updated_at = ? WHERE id = ?`,
		nullBytes(codeHash), nullBytes(webauthn), micros(now), id)
}

// AuthorizationTry counts a wrong code in one statement; at max tries a
// pending approval becomes denied. It returns the approval after.
func (s *Store) AuthorizationTry(ctx context.Context, id string, max int, now time.Time) (ingot.Authorization, error) {
	a, err := scanAuthorization(s.w.QueryRowContext(ctx, `UPDATE authorizations SET tries = tries + 1,
			status = CASE WHEN status = 'pending' AND tries + 1 >= ?1 THEN 'denied' ELSE status END,
			updated_at = ?2
		WHERE id = ?3 RETURNING `+authorizationCols, max, micros(now), id))
	if err != nil {
		return ingot.Authorization{}, notFound(err, "authorization try")
	}
	return a, nil
}

// ApproveAuthorization makes a pending approval that has not expired at
// now approved; otherwise ErrConflict.
func (s *Store) ApproveAuthorization(ctx context.Context, id string, now time.Time) error {
	return s.conditional(ctx, "approve authorization", "authorizations", id, `UPDATE authorizations
		SET status = 'approved', updated_at = ?1 WHERE id = ?2 AND status = 'pending' AND expires_at > ?1`, micros(now), id)
}

// ---- API keys ----

// APIKeys lists the keys of a role and operator, revoked ones too, by
// creation.
func (s *Store) APIKeys(ctx context.Context, role ingot.Role, operatorID string) ([]ingot.APIKey, error) {
	ks, err := collect(ctx, s.r, scanKey, `SELECT `+keyCols+` FROM api_keys WHERE role = ? AND operator_id = ?
		ORDER BY created_at, id`, string(role), operatorID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: api keys: %w", err)
	}
	return ks, nil
}

// APIKey reads a key.
func (s *Store) APIKey(ctx context.Context, id string) (ingot.APIKey, error) {
	k, err := scanKey(s.r.QueryRowContext(ctx, `SELECT `+keyCols+` FROM api_keys WHERE id = ?`, id))
	if err != nil {
		return ingot.APIKey{}, notFound(err, "api key")
	}
	return k, nil
}

// RevokeAPIKey revokes a key; a revoked one is ErrConflict.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, now time.Time) error {
	return s.conditional(ctx, "revoke api key", "api_keys", id,
		`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, micros(now), id)
}

// TouchAPIKey sets a key's LastUsedAt.
func (s *Store) TouchAPIKey(ctx context.Context, id string, now time.Time) error {
	return s.update(ctx, "touch api key", `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, micros(now), id)
}

// ---- security events ----

const eventCols = `id, type, operators, holder_id, key_id, subject, detail, address, created_at`

func scanEvent(sc scanner) (auth.SecurityEvent, error) {
	var e auth.SecurityEvent
	var ops string
	var created int64
	if err := sc.Scan(&e.ID, &e.Type, &ops, &e.HolderID, &e.KeyID, &e.Subject, &e.Detail, &e.Address, &created); err != nil {
		return auth.SecurityEvent{}, err
	}
	if err := json.Unmarshal([]byte(ops), &e.Operators); err != nil {
		return auth.SecurityEvent{}, fmt.Errorf("event %s operators: %w", e.ID, err)
	}
	if len(e.Operators) == 0 {
		e.Operators = nil
	}
	e.CreatedAt = fromMicros(created)
	return e, nil
}

// distinct is ids without repetitions, in their first order.
func distinct(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// AddSecurityEvent stores an event and the operators it concerns, in one
// transaction.
func (s *Store) AddSecurityEvent(ctx context.Context, e auth.SecurityEvent) error {
	ops := distinct(e.Operators)
	opsJSON, err := jsonArray(append([]string{}, ops...))
	if err != nil {
		return fmt.Errorf("sqlite: add security event: %w", err)
	}
	tx, err := s.w.BeginTx(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: add security event: begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO security_events (`+eventCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.Type, opsJSON, e.HolderID, e.KeyID, e.Subject, e.Detail, e.Address, micros(e.CreatedAt)); err != nil {
		if isUnique(err) {
			return store.ErrConflict
		}
		return fmt.Errorf("sqlite: add security event: %w", err)
	}
	if len(ops) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO security_event_operators (operator_id, event_id)
			SELECT value, ? FROM json_each(?)`, e.ID, opsJSON); err != nil {
			return fmt.Errorf("sqlite: add security event operators: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: add security event: commit: %w", err)
	}
	return nil
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
	var id string // the column the cursor and the order are on
	if f.OperatorID != "" {
		q.WriteString(`SELECT ` + prefixed("e.", eventCols) + ` FROM security_event_operators o
			JOIN security_events e ON e.id = o.event_id`)
		where = append(where, "o.operator_id = ?")
		args = append(args, f.OperatorID)
		id = "o.event_id"
	} else {
		q.WriteString(`SELECT ` + prefixed("e.", eventCols) + ` FROM security_events e`)
		id = "e.id"
	}
	if f.Type != "" {
		where = append(where, "e.type = ?")
		args = append(args, f.Type)
	}
	if f.Before != "" {
		where = append(where, id+" < ?")
		args = append(args, f.Before)
	}
	if !f.After.IsZero() {
		where = append(where, "e.created_at > ?")
		args = append(args, micros(f.After))
	}
	if len(where) > 0 {
		q.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	q.WriteString(" ORDER BY " + id + " DESC LIMIT ?")
	args = append(args, limitArg(f.Limit))
	es, err := collect(ctx, s.r, scanEvent, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: security events: %w", err)
	}
	return es, nil
}

// limitArg is a LIMIT's value: SQLite reads a negative one as no limit.
func limitArg(limit int) int {
	if limit <= 0 {
		return -1
	}
	return limit
}

// ---- the sandbox's text messages ----

// AddSMS stores a text message.
func (s *Store) AddSMS(ctx context.Context, m auth.SMS) error {
	_, err := s.exec(ctx, "add sms", `INSERT INTO sandbox_sms (id, phone_hash, phone, text, sent_at) VALUES (?, ?, ?, ?, ?)`,
		m.ID, m.PhoneHash, m.Phone, m.Text, micros(m.SentAt))
	return err
}

// SMSTo lists the messages to a phone, newest first, at most limit (<= 0:
// all).
func (s *Store) SMSTo(ctx context.Context, phoneHash []byte, limit int) ([]auth.SMS, error) {
	ms, err := collect(ctx, s.r, scanSMS, `SELECT id, phone_hash, phone, text, sent_at FROM sandbox_sms
		WHERE phone_hash = ? ORDER BY sent_at DESC, id DESC LIMIT ?`, phoneHash, limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: sms: %w", err)
	}
	return ms, nil
}

func scanSMS(sc scanner) (auth.SMS, error) {
	var m auth.SMS
	var sent int64
	err := sc.Scan(&m.ID, &m.PhoneHash, &m.Phone, &m.Text, &sent)
	m.SentAt = fromMicros(sent)
	return m, err
}

// UseAuthorization makes an approved approval used by usedBy; otherwise
// ErrConflict.
func (s *Store) UseAuthorization(ctx context.Context, id, usedBy string, now time.Time) error {
	return s.conditional(ctx, "use authorization", "authorizations", id, `UPDATE authorizations
		SET status = 'used', used_by = ?, updated_at = ? WHERE id = ? AND status = 'approved'`, usedBy, micros(now), id)
}

// KeyAddressSeen records a key's client address; first reports a new one.
func (s *Store) KeyAddressSeen(ctx context.Context, keyID, address string, now time.Time) (bool, error) {
	n, err := s.exec(ctx, "key address", `INSERT INTO api_key_addresses (key_id, address, first_at) VALUES (?, ?, ?)
		ON CONFLICT (key_id, address) DO NOTHING`, keyID, address, micros(now))
	return n == 1, err
}
