package ledger

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// API keys: 256-bit random secrets shown once; only their SHA-256 is
// stored, and found by it.

// NewSecret returns a new random API key secret: 256 bits, base64url.
func NewSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return "ik_" + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashSecret is the stored form of an API key secret.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

type cachedKey struct {
	actor Actor
	until time.Time
}

// keyCacheTTL is how long a key's role is cached.
const keyCacheTTL = 30 * time.Second

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
		secret = NewSecret()
		shown = secret
	}
	key := ingot.APIKey{ID: newID(), Role: ingot.RoleCentralBank, Hash: HashSecret(secret), CreatedAt: s.now()}
	if _, err := s.st.CreateAPIKey(ctx, key, nil); err != nil {
		return "", err
	}
	return shown, nil
}

var errUnauthorized = ingot.Errorf(ingot.CodeUnauthorized, "a valid API key is required: Authorization: Bearer <key>")

// Authenticate returns the actor of an API key secret.
func (s *Service) Authenticate(ctx context.Context, secret string) (Actor, error) {
	if secret == "" || len(secret) > 256 {
		return Actor{}, errUnauthorized
	}
	h := HashSecret(secret)
	ck := string(h)
	now := s.now()
	if v, ok := s.keys.Load(ck); ok {
		c := v.(cachedKey)
		if now.Before(c.until) {
			return c.actor, nil
		}
	}
	k, err := s.st.APIKeyByHash(ctx, h)
	if isNotFound(err) {
		return Actor{}, errUnauthorized
	}
	if err != nil {
		return Actor{}, s.unavailable(ctx, err)
	}
	a := Actor{KeyID: k.ID, Role: k.Role, OperatorID: k.OperatorID}
	s.keys.Store(ck, cachedKey{actor: a, until: now.Add(keyCacheTTL)})
	return a, nil
}

func requireRole(a Actor, r ingot.Role) error {
	if a.Role == r {
		return nil
	}
	if r == ingot.RoleCentralBank {
		return ingot.Errorf(ingot.CodeForbidden, "only the central bank may do this")
	}
	return ingot.Errorf(ingot.CodeForbidden, "only an operator may do this")
}
