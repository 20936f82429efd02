package ledger

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
)

// API keys: 256-bit random secrets shown once, with a recognisable prefix
// (ingot_live_, or ingot_test_ under --sandbox) so that secret scanners
// find leaked ones; only their SHA-256 is stored, and found by it. They
// are checked on every request by auth.Service.Authenticate.

// Key prefixes.
const (
	LiveKeyPrefix = "ingot_live_"
	TestKeyPrefix = "ingot_test_"
)

// WithKeyPrefix sets the prefix of new API keys' secrets (LiveKeyPrefix
// by default).
func (s *Service) WithKeyPrefix(p string) *Service {
	s.keyPrefix = p
	return s
}

// WithEvents gives the service where to record security events (key
// creation and revocation).
func (s *Service) WithEvents(record func(context.Context, auth.SecurityEvent)) *Service {
	s.record = record
	return s
}

// newSecret returns a new random API key secret with the service's prefix.
func (s *Service) newSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	p := s.keyPrefix
	if p == "" {
		p = LiveKeyPrefix
	}
	return p + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashSecret is the stored form of an API key secret.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Bootstrap makes the central bank's key on the first start of an empty
// database: adminKey when it is not empty, else a random key, which it
// returns so that it can be shown once. It returns "" when a central bank
// key exists already or adminKey was used.
func (s *Service) Bootstrap(ctx context.Context, adminKey string) (string, error) {
	n, err := s.st.CountAPIKeys(ctx, ingot.RoleCentralBank)
	if err != nil {
		return "", err
	}
	if n > 0 {
		return "", nil
	}
	secret, shown := adminKey, ""
	if secret == "" {
		secret = s.newSecret()
		shown = secret
	}
	key := ingot.APIKey{ID: newID(), Role: ingot.RoleCentralBank, IssuerID: ingot.AdminIssuerID, Name: "central bank (first key)", Hash: HashSecret(secret), CreatedAt: s.now()}
	if _, err := s.st.CreateAPIKey(ctx, key, nil); err != nil {
		return "", err
	}
	return shown, nil
}

// requireRole refuses an actor of none of the roles.
func requireRole(a ingot.Actor, roles ...ingot.Role) error {
	if slices.Contains(roles, a.Role) {
		return nil
	}
	switch {
	case len(roles) == 1 && roles[0] == ingot.RoleCentralBank:
		return ingot.Errorf(ingot.CodeForbidden, "only the central bank may do this")
	case len(roles) == 1 && roles[0] == ingot.RoleOperator:
		return ingot.Errorf(ingot.CodeForbidden, "only an operator may do this")
	}
	return ingot.Errorf(ingot.CodeForbidden, "only an operator or the wallet's holder may do this")
}

// walletRoles may act on wallets they own: operators on theirs, holders
// on their own.
var walletRoles = []ingot.Role{ingot.RoleOperator, ingot.RoleHolder}

// KeyRequest is an API key to make for the caller's organisation.
type KeyRequest struct {
	Name      string
	Scopes    []string
	ExpiresAt time.Time // zero: never
	// ClientCertSHA256 binds the key to a TLS client certificate: the hex
	// SHA-256 of its DER; "" any client.
	ClientCertSHA256 string
}

// NewAPIKey is a new key: its record (no hash) and its secret, shown once:
// never stored, so absent from a replay.
type NewAPIKey struct {
	Key    ingot.APIKey
	Secret string `json:"-"`
}

// CreateAPIKey makes an API key for the caller's organisation (an
// operator's, or the central bank's), with some of its role's scopes.
// Rotation is: create, deploy, revoke the old one.
func (s *Service) CreateAPIKey(ctx context.Context, a ingot.Actor, r KeyRequest, address string, idem *Idem) (*NewAPIKey, error) {
	if err := requireRole(a, ingot.RoleOperator, ingot.RoleCentralBank); err != nil {
		return nil, err
	}
	if err := checkName("name", r.Name, 100); err != nil {
		return nil, err
	}
	if len(r.Scopes) == 0 {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "scopes must name at least one of %s", strings.Join(ingot.RoleScopes(a.Role), ", "))
	}
	for i, sc := range r.Scopes {
		if !ingot.ValidScope(a.Role, sc) {
			return nil, ingot.Errorf(ingot.CodeInvalidRequest, "scopes[%d]: %q is not a scope of a %s's key (%s)", i, sc, a.Role, strings.Join(ingot.RoleScopes(a.Role), ", "))
		}
		if !a.HasScope(sc) {
			return nil, ingot.Errorf(ingot.CodeInsufficientScope, "scopes[%d]: a key cannot give a scope it does not have (%s)", i, sc)
		}
		if slices.Contains(r.Scopes[:i], sc) {
			return nil, ingot.Errorf(ingot.CodeInvalidRequest, "scopes[%d]: %s is listed twice", i, sc)
		}
	}
	now := s.now()
	if !r.ExpiresAt.IsZero() && !r.ExpiresAt.After(now) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "expires_at must be in the future")
	}
	var cert []byte
	if r.ClientCertSHA256 != "" {
		c, err := hex.DecodeString(r.ClientCertSHA256)
		if err != nil || len(c) != sha256.Size {
			return nil, ingot.Errorf(ingot.CodeInvalidRequest, "client_cert_sha256 must be the hex SHA-256 of the certificate (64 hex digits)")
		}
		cert = c
	}
	secret := s.newSecret()
	key := ingot.APIKey{ID: newID(), Role: a.Role, OperatorID: a.OperatorID, Hash: HashSecret(secret), CreatedAt: now,
		Name: strings.TrimSpace(r.Name), Scopes: slices.Clone(r.Scopes), ClientCert: cert}
	if a.Role == ingot.RoleCentralBank {
		key.IssuerID = issuerOfActor(a)
	}
	if !r.ExpiresAt.IsZero() {
		key.ExpiresAt = r.ExpiresAt.UTC().Truncate(time.Microsecond)
	}
	shown := key
	shown.Hash = nil
	res := &NewAPIKey{Key: shown}
	rec, err := s.outcomeRecord(idem, res)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateAPIKey(ctx, key, rec)
	if res, err = created(ctx, s, res, existing, err, idem); err != nil || existing != nil {
		return res, err
	}
	res.Secret = secret
	s.keyEvent(ctx, auth.EventKeyCreated, key, address)
	return res, nil
}

func (s *Service) keyEvent(ctx context.Context, typ string, k ingot.APIKey, address string) {
	if s.record == nil {
		return
	}
	var ops []string
	if k.OperatorID != "" {
		ops = []string{k.OperatorID}
	}
	s.record(ctx, auth.SecurityEvent{Type: typ, Operators: ops, KeyID: k.ID, Subject: k.Name, Address: address})
}

// APIKeys lists the caller's organisation's keys (no secrets, no hashes),
// revoked ones too.
func (s *Service) APIKeys(ctx context.Context, a ingot.Actor) ([]ingot.APIKey, error) {
	if err := requireRole(a, ingot.RoleOperator, ingot.RoleCentralBank); err != nil {
		return nil, err
	}
	all, err := s.st.APIKeys(ctx, a.Role, a.OperatorID)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	ks := all[:0]
	for _, k := range all {
		if sameOrganisation(a, k) {
			k.Hash = nil
			ks = append(ks, k)
		}
	}
	return ks, nil
}

// RevokeAPIKey revokes one of the organisation's keys: the next request
// with it, on any process, is refused within a second. Revoking a revoked
// key does nothing.
func (s *Service) RevokeAPIKey(ctx context.Context, a ingot.Actor, id, address string) error {
	if err := requireRole(a, ingot.RoleOperator, ingot.RoleCentralBank); err != nil {
		return err
	}
	k, err := s.st.APIKey(ctx, id)
	if isNotFound(err) || (err == nil && !sameOrganisation(a, k)) {
		return notFound("API key " + id)
	}
	if err != nil {
		return s.unavailable(ctx, err)
	}
	if err := s.st.RevokeAPIKey(ctx, k.ID, s.now()); err != nil && !isConflict(err) {
		return s.unavailable(ctx, err)
	} else if err == nil {
		s.keyEvent(ctx, auth.EventKeyRevoked, k, address)
	}
	return nil
}

// sameOrganisation reports whether a key is one of the caller's
// organisation's: its operator's, or its issuer's (central banks).
func sameOrganisation(a ingot.Actor, k ingot.APIKey) bool {
	if k.Role != a.Role || k.OperatorID != a.OperatorID {
		return false
	}
	return a.Role != ingot.RoleCentralBank || issuerOfActor(a) == orAdmin(k.IssuerID)
}
