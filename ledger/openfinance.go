package ledger

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/openfinance"
	"github.com/ingot-cbdc/ingot/store"
)

// Open finance (package openfinance; docs/open-finance.md): providers
// registered by the central bank or an operator, holders' consents given
// through OAuth 2.0 authorization codes with PKCE, the token endpoint, the
// authentication of providers' tokens, and payments by mandate
// (consent_state.go).

// ProviderInput is a provider to register.
type ProviderInput struct {
	Name         string
	RedirectURIs []string
	Roles        []string
}

// NewProvider is a registered provider: its record (no hash) and its
// client secret, shown once: never stored, so absent from a replay.
type NewProvider struct {
	Provider     openfinance.Provider
	ClientSecret string `json:"-"`
}

// CreateProvider registers a third-party provider: the central bank for
// any holder, an operator for its own holders' wallets only.
func (s *Service) CreateProvider(ctx context.Context, a ingot.Actor, in ProviderInput, address string, idem *Idem) (*NewProvider, error) {
	if err := requireRole(a, ingot.RoleCentralBank, ingot.RoleOperator); err != nil {
		return nil, err
	}
	if err := checkName("name", in.Name, 100); err != nil {
		return nil, err
	}
	if len(in.RedirectURIs) == 0 || len(in.RedirectURIs) > openfinance.MaxRedirectURIs {
		return nil, ingot.Errorf(ingot.CodeInvalidRedirectURI, "redirect_uris must hold 1 to %d URIs", openfinance.MaxRedirectURIs)
	}
	for i, u := range in.RedirectURIs {
		if err := openfinance.CheckRedirectURI(u); err != nil {
			return nil, err
		}
		if slices.Contains(in.RedirectURIs[:i], u) {
			return nil, ingot.Errorf(ingot.CodeInvalidRedirectURI, "redirect_uris[%d] is listed twice", i)
		}
	}
	roles, err := openfinance.ParseRoles(in.Roles)
	if err != nil {
		return nil, err
	}
	secret := s.newSecret()
	p := openfinance.Provider{ID: newID(), ClientID: openfinance.NewClientID(), SecretHash: openfinance.Hash(secret),
		Name: strings.TrimSpace(in.Name), RedirectURIs: slices.Clone(in.RedirectURIs), Roles: roles, OperatorID: a.OperatorID, CreatedAt: s.now()}
	shown := p
	shown.SecretHash = nil
	res := &NewProvider{Provider: shown}
	rec, err := s.outcomeRecord(idem, res)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateProvider(ctx, p, rec)
	if res, err = created(ctx, s, res, existing, err, idem); err != nil || existing != nil {
		return res, err
	}
	res.ClientSecret = secret
	if s.record != nil {
		var ops []string
		if a.OperatorID != "" {
			ops = []string{a.OperatorID}
		}
		s.record(ctx, auth.SecurityEvent{Type: auth.EventProviderCreated, Operators: ops, KeyID: a.KeyID, Subject: p.Name,
			Detail: "provider " + p.ID + " (" + strings.Join(roles, ", ") + ")", Address: address})
	}
	return res, nil
}

// ConsentInput is a holder's approval of a provider's authorization
// request (GET /oauth/authorize's parameters, or POST /v1/me/consents).
type ConsentInput struct {
	ClientID            string
	RedirectURI         string
	Scope               string
	State               string
	CodeChallenge       string
	CodeChallengeMethod string // "" is S256
	Wallets             []string
	Mandate             *openfinance.MandateInput
	// Authorization is the holder's approval of the mandate (its
	// Ingot-Authorization), "" none yet.
	Authorization string
}

// NewConsent is a consent given: its id, and the authorization code
// (shown once, never stored, so absent from a replay) with the state to
// send back to the provider's redirect URI.
type NewConsent struct {
	ConsentID string
	State     string
	Code      string `json:"-"`
}

// AuthorizationRequest checks what a provider asks before the holder is
// shown anything: a known client, and a redirect URI it registered
// (invalid_redirect_uri otherwise: nothing may be sent to it).
func (s *Service) AuthorizationRequest(ctx context.Context, clientID, redirectURI string) (openfinance.Provider, error) {
	if clientID == "" || len(clientID) > 100 {
		return openfinance.Provider{}, ingot.Errorf(ingot.CodeInvalidRequest, "client_id is not a registered provider's")
	}
	p, err := s.st.ProviderByClientID(ctx, clientID)
	if isNotFound(err) {
		return openfinance.Provider{}, ingot.Errorf(ingot.CodeInvalidRequest, "client_id is not a registered provider's")
	}
	if err != nil {
		return openfinance.Provider{}, s.unavailable(ctx, err)
	}
	if !p.HasRedirect(redirectURI) {
		return openfinance.Provider{}, ingot.Errorf(ingot.CodeInvalidRedirectURI, "redirect_uri is not one the provider registered")
	}
	return p, nil
}

// ConsentRequest is what a consent screen shows of a provider's
// authorization request: the provider and the scopes it asks for.
type ConsentRequest struct {
	ClientID    string
	Provider    string
	RedirectURI string
	Scopes      []string
}

// DescribeConsentRequest checks a provider's authorization request for a
// signed-in holder's consent screen: a known client, a redirect URI it
// registered (invalid_redirect_uri: show nothing, send nothing there), and
// scopes its roles allow.
func (s *Service) DescribeConsentRequest(ctx context.Context, a ingot.Actor, clientID, redirectURI, scope string) (*ConsentRequest, error) {
	if err := requireRole(a, ingot.RoleHolder); err != nil {
		return nil, err
	}
	p, err := s.AuthorizationRequest(ctx, clientID, redirectURI)
	if err != nil {
		return nil, err
	}
	scopes, err := openfinance.ParseScope(scope)
	if err != nil {
		return nil, err
	}
	if !openfinance.Allows(p.Roles, scopes) {
		return nil, ingot.Errorf(ingot.CodeInvalidScope, "provider %s is registered for %s only", p.Name, strings.Join(p.Roles, ", "))
	}
	return &ConsentRequest{ClientID: p.ClientID, Provider: p.Name, RedirectURI: redirectURI, Scopes: scopes}, nil
}

// CreateConsent records a signed-in holder's consent to a provider and
// returns the authorization code the provider exchanges at the token
// endpoint (single use, within openfinance.CodeTTL, with the PKCE
// verifier). The consent lasts openfinance.MaxConsent; payments:write
// needs a mandate, in the wallets' one currency.
func (s *Service) CreateConsent(ctx context.Context, a ingot.Actor, in ConsentInput, address string, idem *Idem) (*NewConsent, error) {
	if err := requireRole(a, ingot.RoleHolder); err != nil {
		return nil, err
	}
	p, err := s.AuthorizationRequest(ctx, in.ClientID, in.RedirectURI)
	if err != nil {
		return nil, err
	}
	if in.CodeChallengeMethod != "" && in.CodeChallengeMethod != openfinance.MethodS256 {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "code_challenge_method must be S256")
	}
	if !openfinance.ValidChallenge(in.CodeChallenge) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "code_challenge must be the S256 challenge of a code verifier: BASE64URL(SHA-256(verifier)), 43 characters")
	}
	if len(in.State) > 512 {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "state must be at most 512 bytes")
	}
	scopes, err := openfinance.ParseScope(in.Scope)
	if err != nil {
		return nil, err
	}
	if !openfinance.Allows(p.Roles, scopes) {
		return nil, ingot.Errorf(ingot.CodeInvalidScope, "provider %s is registered for %s only", p.Name, strings.Join(p.Roles, ", "))
	}
	ws, err := s.consentWallets(ctx, a, p, in.Wallets)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c := openfinance.Consent{ID: newID(), ProviderID: p.ID, ClientID: p.ClientID, ProviderName: p.Name, HolderID: a.HolderID,
		Scopes: scopes, RedirectURI: in.RedirectURI, CodeChallenge: in.CodeChallenge, CodeExpiresAt: now.Add(openfinance.CodeTTL),
		Status: openfinance.StatusActive, ExpiresAt: now.Add(openfinance.MaxConsent), CreatedAt: now, UpdatedAt: now}
	for _, w := range ws {
		c.Wallets = append(c.Wallets, w.ID)
		if !slices.Contains(c.Operators, w.OperatorID) {
			c.Operators = append(c.Operators, w.OperatorID)
		}
	}
	slices.Sort(c.Operators)
	switch {
	case slices.Contains(scopes, openfinance.ScopePaymentsWrite):
		if in.Mandate == nil {
			return nil, ingot.Errorf(ingot.CodeInvalidMandate, "a consent to %s needs a mandate", openfinance.ScopePaymentsWrite)
		}
		cur := ws[0].Currency
		for _, w := range ws {
			if w.Currency != cur {
				return nil, ingot.Errorf(ingot.CodeInvalidMandate, "a mandate's wallets must all be of one currency")
			}
		}
		m, err := openfinance.ParseMandate(*in.Mandate, ingot.MustCurrency(cur), now, c.ExpiresAt)
		if err != nil {
			return nil, err
		}
		c.Mandate = &m
	case in.Mandate != nil:
		return nil, ingot.Errorf(ingot.CodeInvalidMandate, "a mandate goes with the scope %s only", openfinance.ScopePaymentsWrite)
	}
	var use *store.ApprovalUse
	if c.Mandate != nil {
		// A replay answers what the first request did, before the
		// approval (used by the first) is looked at again.
		if idem != nil {
			rec, err := s.st.Idempotency(ctx, idem.IdemKey)
			if err == nil {
				return replayed[*NewConsent](&rec, idem)
			} else if !isNotFound(err) {
				return nil, s.unavailable(ctx, err)
			}
		}
		if use, err = s.approveMandate(ctx, a, &c, in.Authorization); err != nil {
			return nil, err
		}
	}
	code := openfinance.NewSecret(openfinance.CodePrefix)
	c.CodeHash = openfinance.Hash(code)
	res := &NewConsent{ConsentID: c.ID, State: in.State}
	rec, err := s.outcomeRecord(idem, res)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateConsent(ctx, c, use, rec) // the approval is used with the consent, or neither
	if errors.Is(err, store.ErrApprovalUsed) {
		return nil, ingot.Errorf(ingot.CodeAuthorizationUsed, "authorization %s was used already", in.Authorization)
	}
	if res, err = created(ctx, s, res, existing, err, idem); err != nil || existing != nil {
		return res, err
	}
	res.Code = code
	s.consentEvent(ctx, auth.EventConsentGranted, &c, fmt.Sprintf("consent %s to %s (%s): %s", c.ID, p.Name, p.ID, openfinance.FormatScope(scopes)), address)
	return res, nil
}

// consentWallets resolves a consent's wallets: 1 to MaxWallets, each
// once, each the holder's (and, for an operator's provider, of that
// operator).
func (s *Service) consentWallets(ctx context.Context, a ingot.Actor, p openfinance.Provider, ids []string) ([]ingot.Account, error) {
	if len(ids) == 0 || len(ids) > openfinance.MaxWallets {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "wallets must name 1 to %d of your wallets", openfinance.MaxWallets)
	}
	out := make([]ingot.Account, 0, len(ids))
	for i, id := range ids {
		wid, err := ingot.ParseWalletID(id)
		if err != nil {
			return nil, ingot.Prefix(err, fmt.Sprintf("wallets[%d]", i))
		}
		if slices.ContainsFunc(out, func(w ingot.Account) bool { return w.ID == wid }) {
			return nil, ingot.Errorf(ingot.CodeInvalidRequest, "wallets[%d] is listed twice", i)
		}
		w, err := s.st.Account(ctx, wid)
		if isNotFound(err) || (err == nil && (!a.Owns(&w) || (p.OperatorID != "" && w.OperatorID != p.OperatorID))) {
			return nil, notFound("wallet " + id)
		}
		if err != nil {
			return nil, s.unavailable(ctx, err)
		}
		out = append(out, w)
	}
	return out, nil
}

// consentEvent records a security event of a consent, for the operators
// of its wallets.
func (s *Service) consentEvent(ctx context.Context, typ string, c *openfinance.Consent, detail, address string) {
	if s.record == nil {
		return
	}
	s.record(ctx, auth.SecurityEvent{Type: typ, Operators: c.Operators, HolderID: c.HolderID, Detail: detail, Address: address})
}

// ConsentQuery selects consents.
type ConsentQuery struct {
	Cursor string
	Limit  int
}

// Consents lists a holder's consents (or, for a provider's token, its
// provider's), newest first, with their state now.
func (s *Service) Consents(ctx context.Context, a ingot.Actor, q ConsentQuery) ([]openfinance.Consent, string, error) {
	var f store.ConsentFilter
	switch a.Role {
	case ingot.RoleHolder:
		f.HolderID = a.HolderID
	case ingot.RoleProvider:
		f.ProviderID = a.ProviderID
	default:
		return nil, "", ingot.Errorf(ingot.CodeForbidden, "only a holder or a provider lists consents")
	}
	return s.listConsents(ctx, f, q)
}

// ProviderConsents lists a provider's consents, the provider
// authenticated by its client credentials.
func (s *Service) ProviderConsents(ctx context.Context, clientID, secret string, q ConsentQuery) ([]openfinance.Consent, string, error) {
	p, oerr := s.client(ctx, clientID, secret)
	if oerr != nil {
		if oerr.Code == openfinance.ErrInvalidClient {
			return nil, "", ingot.Errorf(ingot.CodeUnauthorized, "the client credentials (HTTP Basic client_id:client_secret) are not a provider's")
		}
		return nil, "", ingot.Errorf(ingot.CodeUnavailable, "storage is unavailable; retry")
	}
	return s.listConsents(ctx, store.ConsentFilter{ProviderID: p.ID}, q)
}

func (s *Service) listConsents(ctx context.Context, f store.ConsentFilter, q ConsentQuery) ([]openfinance.Consent, string, error) {
	c, err := decodeCursor(q.Cursor, "c")
	if err != nil {
		return nil, "", err
	}
	if c != "" {
		if _, err := uuid.Parse(c); err != nil {
			return nil, "", errBadCursor
		}
	}
	limit := clampLimit(q.Limit)
	f.Before, f.Limit = c, limit+1
	cs, err := s.st.Consents(ctx, f)
	if err != nil {
		return nil, "", s.unavailable(ctx, err)
	}
	next := ""
	if len(cs) > limit {
		cs = cs[:limit]
		next = encodeCursor("c", cs[limit-1].ID)
	}
	now := s.now()
	for i := range cs {
		cs[i].Status = cs[i].StatusAt(now)
		cs[i].CodeHash = nil
	}
	return cs, next, nil
}

// RevokeConsent revokes a holder's consent, at once for every process:
// the provider's next call answers 401. Revoking it again changes nothing.
func (s *Service) RevokeConsent(ctx context.Context, a ingot.Actor, id, address string) error {
	if err := requireRole(a, ingot.RoleHolder); err != nil {
		return err
	}
	if _, err := uuid.Parse(id); err != nil {
		return notFound(fmt.Sprintf("consent %q", id))
	}
	r, err := submit(ctx, s.eng, a, command[*Revocation](&consentRevokeCmd{id: id}), nil)
	if err != nil {
		return err
	}
	if r.Revoked {
		c := &r.Consent
		s.consentEvent(ctx, auth.EventConsentRevoked, c, "consent "+c.ID+" to "+c.ProviderName+" ("+c.ProviderID+")", address)
	}
	return nil
}

// ---- the token endpoint ----

// TokenAnswer is the token endpoint's success (RFC 6749 §5.1).
type TokenAnswer struct {
	AccessToken  string
	ExpiresIn    int
	RefreshToken string
	Scope        string
}

// client authenticates a provider by its client credentials; the secret's
// hash is compared in constant time.
func (s *Service) client(ctx context.Context, clientID, secret string) (openfinance.Provider, *openfinance.Error) {
	if clientID == "" || secret == "" || len(clientID) > 100 || len(secret) > 256 {
		return openfinance.Provider{}, openfinance.InvalidClient()
	}
	p, err := s.st.ProviderByClientID(ctx, clientID)
	if isNotFound(err) {
		return openfinance.Provider{}, openfinance.InvalidClient()
	}
	if err != nil {
		s.log.ErrorContext(ctx, "storage failure", "err", err)
		return openfinance.Provider{}, &openfinance.Error{Code: openfinance.ErrUnavailable, Description: "storage is unavailable; retry", Status: 503}
	}
	if subtle.ConstantTimeCompare(openfinance.Hash(secret), p.SecretHash) != 1 {
		return openfinance.Provider{}, openfinance.InvalidClient()
	}
	return p, nil
}

// Token answers a token request: an authorization code exchanged (with
// its PKCE verifier, by the client it was issued to, for its redirect
// URI) or a refresh token rotated. A code or refresh token used a second
// time revokes the consent's tokens (RFC 6749 §4.1.2, §10.4).
func (s *Service) Token(ctx context.Context, r openfinance.TokenRequest) (*TokenAnswer, *openfinance.Error) {
	p, oerr := s.client(ctx, r.ClientID, r.ClientSecret)
	if oerr != nil {
		return nil, oerr
	}
	now := s.now()
	var c openfinance.Consent
	var spend func(tokens []openfinance.Token) error
	switch r.GrantType {
	case openfinance.GrantAuthorizationCode:
		var err error
		c, err = s.st.ConsentByCode(ctx, openfinance.Hash(r.Code))
		switch {
		case isNotFound(err) || (err == nil && c.ClientID != p.ClientID):
			return nil, openfinance.InvalidGrant("the code is unknown or was issued to another client")
		case err != nil:
			return nil, s.oauthUnavailable(ctx, err)
		case !c.CodeUsedAt.IsZero():
			s.revokeTokens(ctx, c.ID)
			return nil, openfinance.InvalidGrant("the code was used already; the tokens issued for it are revoked")
		case !now.Before(c.CodeExpiresAt):
			return nil, openfinance.InvalidGrant("the code has expired")
		case r.RedirectURI != c.RedirectURI:
			return nil, openfinance.InvalidGrant("redirect_uri is not the one the code was issued for")
		case !openfinance.VerifyS256(r.CodeVerifier, c.CodeChallenge):
			return nil, openfinance.InvalidGrant("code_verifier does not match the code_challenge")
		}
		spend = func(ts []openfinance.Token) error { return s.st.ExchangeCode(ctx, c.ID, now, ts) }
	case openfinance.GrantRefreshToken:
		t, tc, err := s.st.Token(ctx, openfinance.Hash(r.RefreshToken))
		switch {
		case isNotFound(err) || (err == nil && (t.Kind != openfinance.KindRefresh || tc.ClientID != p.ClientID)):
			return nil, openfinance.InvalidGrant("the refresh token is unknown or was issued to another client")
		case err != nil:
			return nil, s.oauthUnavailable(ctx, err)
		case !t.SpentAt.IsZero():
			s.revokeTokens(ctx, tc.ID)
			return nil, openfinance.InvalidGrant("the refresh token was used already; the consent's tokens are revoked")
		case !now.Before(t.ExpiresAt):
			return nil, openfinance.InvalidGrant("the refresh token has expired")
		}
		c = tc
		spend = func(ts []openfinance.Token) error { return s.st.RotateRefresh(ctx, t.Hash, now, ts) }
	default:
		return nil, &openfinance.Error{Code: openfinance.ErrUnsupportedGrantType, Description: "grant_type must be authorization_code or refresh_token", Status: 400}
	}
	if c.StatusAt(now) != openfinance.StatusActive {
		return nil, openfinance.InvalidGrant("the consent was revoked or has expired")
	}
	access, refresh := openfinance.NewSecret(openfinance.AccessPrefix), openfinance.NewSecret(openfinance.RefreshPrefix)
	accessUntil := now.Add(openfinance.AccessTTL)
	if c.ExpiresAt.Before(accessUntil) {
		accessUntil = c.ExpiresAt
	}
	ts := []openfinance.Token{
		{Hash: openfinance.Hash(access), ConsentID: c.ID, Kind: openfinance.KindAccess, ExpiresAt: accessUntil, CreatedAt: now},
		{Hash: openfinance.Hash(refresh), ConsentID: c.ID, Kind: openfinance.KindRefresh, ExpiresAt: c.ExpiresAt, CreatedAt: now},
	}
	if err := spend(ts); isConflict(err) {
		return nil, openfinance.InvalidGrant("the grant was used already")
	} else if err != nil {
		return nil, s.oauthUnavailable(ctx, err)
	}
	return &TokenAnswer{AccessToken: access, ExpiresIn: int(accessUntil.Sub(now) / time.Second), RefreshToken: refresh,
		Scope: openfinance.FormatScope(c.Scopes)}, nil
}

func (s *Service) revokeTokens(ctx context.Context, consentID string) {
	if err := s.st.DeleteTokens(ctx, consentID); err != nil {
		s.log.ErrorContext(ctx, "open finance: revoking a consent's tokens failed", "consent", consentID, "err", err)
	}
}

func (s *Service) oauthUnavailable(ctx context.Context, err error) *openfinance.Error {
	s.log.ErrorContext(ctx, "storage failure", "err", err)
	return &openfinance.Error{Code: openfinance.ErrUnavailable, Description: "storage is unavailable; retry", Status: 503}
}

var errProviderToken = ingot.Errorf(ingot.CodeUnauthorized, "the access token is unknown or expired, or its consent was revoked or has expired")

// ProviderActor authenticates a provider's access token. The token and its
// consent are read from the database on every call, so a consent revoked
// on any process is refused at once.
func (s *Service) ProviderActor(ctx context.Context, token string) (ingot.Actor, error) {
	t, c, err := s.st.Token(ctx, openfinance.Hash(token))
	if isNotFound(err) {
		return ingot.Actor{}, errProviderToken
	}
	if err != nil {
		return ingot.Actor{}, s.unavailable(ctx, err)
	}
	now := s.now()
	if t.Kind != openfinance.KindAccess || !now.Before(t.ExpiresAt) || c.StatusAt(now) != openfinance.StatusActive {
		return ingot.Actor{}, errProviderToken
	}
	return ingot.Actor{KeyID: "consent:" + c.ID, Role: ingot.RoleProvider, HolderID: c.HolderID, ConsentID: c.ID,
		ProviderID: c.ProviderID, Wallets: c.Wallets, Scopes: c.Scopes}, nil
}

// payByMandate is a provider's payment (POST /v1/transfers with its
// token): from a consented wallet, within the consent's mandate, checked
// on the locked consent in the payment's batch. Paid or refused, it is a
// security event.
func (s *Service) payByMandate(ctx context.Context, a ingot.Actor, p PayRequest, idem *Idem) (*ingot.Transfer, error) {
	if !a.HasScope(openfinance.ScopePaymentsWrite) {
		return nil, ingot.Errorf(ingot.CodeInsufficientScope, "this consent does not grant %s", openfinance.ScopePaymentsWrite)
	}
	it, err := parsePay(p)
	if err != nil {
		return nil, err
	}
	t, err := submit(ctx, s.eng, a, &mandatePayCmd{consent: a.ConsentID, zone: s.zone(), Item: it}, idem)
	if s.record != nil && (idem == nil || !idem.Replayed) {
		detail := fmt.Sprintf("consent %s: %s %s from %s to %s", a.ConsentID, ingot.FormatAmount(it.Amount, ingot.MustCurrency(it.Currency)), it.Currency,
			ingot.FormatWalletID(it.From), ingot.FormatWalletID(it.To))
		if err != nil {
			detail += ": refused (" + ingot.ErrorCode(err) + ")"
		} else {
			detail += ": transfer " + t.ID
		}
		s.record(ctx, auth.SecurityEvent{Type: auth.EventMandatePayment, Operators: s.operatorsOf(ctx, it.From), HolderID: a.HolderID,
			KeyID: a.KeyID, Detail: detail})
	}
	return t, err
}

// operatorsOf is the operator of a wallet, for a security event.
func (s *Service) operatorsOf(ctx context.Context, wallet int64) []string {
	if w, err := s.st.Account(ctx, wallet); err == nil && w.OperatorID != "" {
		return []string{w.OperatorID}
	}
	return nil
}

// providerWallets are the wallets a provider's consent names.
func (s *Service) providerWallets(ctx context.Context, a ingot.Actor) ([]ingot.Account, error) {
	out := make([]ingot.Account, 0, len(a.Wallets))
	for _, id := range a.Wallets {
		w, err := s.st.Account(ctx, id)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, s.unavailable(ctx, err)
		}
		out = append(out, w)
	}
	return out, nil
}

// approvalStore is the part of the store that keeps holders' approvals
// (auth.Store's; both stores implement it).
type approvalStore interface {
	Authorization(ctx context.Context, id string) (ingot.Authorization, error)
}

// MandatePayee is what the approval of a mandate names as its payee: the
// mandate's payee wallet, or "any payee (<provider>)" when it has none.
func MandatePayee(c *openfinance.Consent) string {
	if c.Mandate.Payee != 0 {
		return ingot.FormatWalletID(c.Mandate.Payee)
	}
	return "any payee (" + c.ProviderName + ")"
}

// approveMandate asks for, or uses, the holder's approval of a consent's
// mandate: with two factors, as a payment of max_per_period from the
// first consented wallet to the mandate's payee (the most one period may
// take). The low-value exemption never covers it: a mandate is for
// payments to come. Without an approval named, the answer is sca_required
// with a new one to verify. A valid approval is returned as the use that
// CreateConsent makes of it in the consent's transaction.
func (s *Service) approveMandate(ctx context.Context, a ingot.Actor, c *openfinance.Consent, id string) (*store.ApprovalUse, error) {
	payer, payee, amount, cur := c.Wallets[0], MandatePayee(c), c.Mandate.MaxPerPeriod, c.Mandate.Currency
	if s.approver == nil {
		return nil, ingot.Errorf(ingot.CodeForbidden, "a mandate needs the holder's approval; this server has no approver")
	}
	if id == "" {
		return nil, s.approver.RequestApproval(ctx, a, payer, payee, amount, cur)
	}
	st, ok := s.st.(approvalStore)
	if !ok {
		return nil, ingot.Errorf(ingot.CodeInternal, "the store keeps no approvals")
	}
	au, err := st.Authorization(ctx, id)
	if isNotFound(err) || (err == nil && au.HolderID != a.HolderID) {
		return nil, ingot.Errorf(ingot.CodeAuthorizationMismatch, "authorization %s is not one of yours", id)
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	if !au.Binds(payer, payee, amount, cur) {
		return nil, ingot.Errorf(ingot.CodeAuthorizationMismatch, "authorization %s approves something else than this mandate (payer, payee, max_per_period or currency differ)", id)
	}
	now := s.now()
	switch {
	case au.Status == ingot.AuthorizationUsed:
		return nil, ingot.Errorf(ingot.CodeAuthorizationUsed, "authorization %s was used already", id)
	case au.Status == ingot.AuthorizationPending && au.ExpiresAt.After(now):
		return nil, ingot.Errorf(ingot.CodeAuthorizationPending, "authorization %s is not verified yet", id)
	case au.Status != ingot.AuthorizationApproved || !au.ExpiresAt.After(now):
		return nil, s.approver.RequestApproval(ctx, a, payer, payee, amount, cur) // expired or denied: approve again
	}
	return &store.ApprovalUse{ID: id, UsedBy: "consent:" + c.ID, At: now}, nil
}
