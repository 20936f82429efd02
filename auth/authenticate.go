package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
	"sync"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Authentication of every request's bearer credential: an organisation's
// API key, or a holder's access token.

var errUnauthorized = ingot.Errorf(ingot.CodeUnauthorized, "a valid API key or access token is required: Authorization: Bearer <key>")

// keyCache caches API keys by hash for keyCacheTTL, so that a revoked key
// stops working within that time on every process, and remembers when a
// key's LastUsedAt and addresses were written.
type keyCache struct {
	m       sync.Map // string(hash) -> cachedKey
	touched sync.Map // key id -> time.Time of the last LastUsedAt write
	seen    sync.Map // key id + "\x00" + address -> struct{}{}
}

type cachedKey struct {
	key   ingot.APIKey
	until time.Time
}

// Authenticate returns the actor of a bearer credential sent by client c.
func (s *Service) Authenticate(ctx context.Context, bearer string, c Client) (ingot.Actor, error) {
	if bearer == "" || len(bearer) > 256 {
		return ingot.Actor{}, errUnauthorized
	}
	if strings.HasPrefix(bearer, accessPrefix) {
		return s.holderActor(ctx, bearer)
	}
	return s.keyActor(ctx, bearer, c)
}

// keyActor authenticates an API key: known, not revoked, not expired, and
// presented with its client certificate when bound to one.
func (s *Service) keyActor(ctx context.Context, secret string, c Client) (ingot.Actor, error) {
	sum := sha256.Sum256([]byte(secret))
	now := s.now()
	var k ingot.APIKey
	if v, ok := s.keys.m.Load(string(sum[:])); ok && now.Before(v.(cachedKey).until) {
		k = v.(cachedKey).key
	} else {
		var err error
		k, err = s.st.APIKeyByHash(ctx, sum[:])
		if isNotFound(err) {
			return ingot.Actor{}, errUnauthorized
		}
		if err != nil {
			return ingot.Actor{}, s.unavailable(ctx, err)
		}
		s.keys.m.Store(string(sum[:]), cachedKey{key: k, until: now.Add(keyCacheTTL)})
	}
	if !k.RevokedAt.IsZero() || (!k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt)) {
		return ingot.Actor{}, errUnauthorized
	}
	if k.ClientCert != nil && subtle.ConstantTimeCompare(k.ClientCert, c.CertSHA256) != 1 {
		return ingot.Actor{}, ingot.Errorf(ingot.CodeUnauthorized, "this API key is bound to a TLS client certificate, which the request did not present")
	}
	s.noteKeyUse(ctx, k, c, now)
	return ingot.Actor{KeyID: k.ID, Role: k.Role, OperatorID: k.OperatorID, IssuerID: k.IssuerID, Scopes: k.Scopes}, nil
}

// noteKeyUse writes a key's LastUsedAt (at most once a minute per process)
// and records api_key.new_address the first time a key is used from an
// address (once per key and address across processes).
func (s *Service) noteKeyUse(ctx context.Context, k ingot.APIKey, c Client, now time.Time) {
	v, touched := s.keys.touched.Load(k.ID)
	usedBefore := touched || !k.LastUsedAt.IsZero()
	if !touched || now.Sub(v.(time.Time)) >= keyTouchTime {
		s.keys.touched.Store(k.ID, now)
		if err := s.st.TouchAPIKey(ctx, k.ID, now.Truncate(time.Minute)); err != nil {
			s.log.WarnContext(ctx, "auth: recording a key's last use failed", "key", k.ID, "err", err)
		}
	}
	if c.Address == "" {
		return
	}
	sk := k.ID + "\x00" + c.Address
	if _, ok := s.keys.seen.Load(sk); ok {
		return
	}
	first, err := s.st.KeyAddressSeen(ctx, k.ID, c.Address, now)
	if err != nil {
		s.log.WarnContext(ctx, "auth: recording a key's address failed", "key", k.ID, "err", err)
		return
	}
	s.keys.seen.Store(sk, struct{}{})
	if first && usedBefore {
		// A key used before, now from an address it never came from.
		var ops []string
		if k.OperatorID != "" {
			ops = []string{k.OperatorID}
		}
		s.Record(ctx, SecurityEvent{Type: EventKeyNewAddress, Operators: ops, KeyID: k.ID, Subject: k.Name, Address: c.Address})
	}
}

// holderActor authenticates a holder's access token: its session is live
// (not ended, not idle more than IdleTimeout, not older than SessionMax)
// and the token not expired.
func (s *Service) holderActor(ctx context.Context, token string) (ingot.Actor, error) {
	ss, err := s.st.SessionByAccess(ctx, TokenHash(token))
	if isNotFound(err) {
		return ingot.Actor{}, errInvalidToken
	}
	if err != nil {
		return ingot.Actor{}, s.unavailable(ctx, err)
	}
	now := s.now()
	if !alive(ss, now) {
		if ss.EndedAt.IsZero() {
			_ = s.st.EndSession(ctx, ss.ID, now)
		}
		return ingot.Actor{}, errInvalidToken
	}
	if !now.Before(ss.AccessExpiresAt) {
		return ingot.Actor{}, errInvalidToken
	}
	h, err := s.st.Holder(ctx, ss.HolderID)
	if err != nil {
		return ingot.Actor{}, s.unavailable(ctx, err)
	}
	if now.Sub(ss.LastSeenAt) >= touchEvery {
		if err := s.st.TouchSession(ctx, ss.ID, now); err != nil {
			return ingot.Actor{}, s.unavailable(ctx, err)
		}
	}
	return ingot.Actor{KeyID: "holder:" + h.ID, Role: ingot.RoleHolder, HolderID: h.ID, PhoneHash: h.PhoneHash, SessionID: ss.ID}, nil
}

// Me is a signed-in holder: its masked phone and its wallets (at every
// operator).
type Me struct {
	Holder  Holder
	Phone   string // E.164, for masking
	Wallets []ingot.Account
}

// Me reads the signed-in holder.
func (s *Service) Me(ctx context.Context, a ingot.Actor) (*Me, error) {
	h, err := s.holderOf(ctx, a)
	if err != nil {
		return nil, err
	}
	phone, ws, err := s.holderPhone(ctx, h)
	if err != nil && len(ws) > 0 {
		return nil, err
	}
	return &Me{Holder: h, Phone: phone, Wallets: ws}, nil
}
