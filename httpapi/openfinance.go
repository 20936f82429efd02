package httpapi

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/openfinance"
)

// Open finance (docs/open-finance.md, ledger/openfinance.go): providers
// registered by the central bank or an operator, holders' consents
// (POST /v1/me/consents, or the consent page GET /oauth/authorize), the
// token endpoint POST /oauth/token (form-encoded, RFC 6749 error bodies),
// and providers' calls with their access tokens on the routes scopes.go
// opens to them.

// Provider is a third-party provider.
type Provider struct {
	ID           string    `json:"id"`
	ClientID     string    `json:"client_id" doc:"The provider's public OAuth client id."`
	ClientSecret string    `json:"client_secret,omitempty" doc:"The client secret: shown once, at registration (not in a replay); only its hash is stored."`
	Name         string    `json:"name"`
	RedirectURIs []string  `json:"redirect_uris"`
	Roles        []string  `json:"roles" doc:"ais (account information: accounts:read) and/or pis (payment initiation: payments:write)."`
	CreatedAt    time.Time `json:"created_at"`
}

func providerOut(p *ledger.NewProvider) Provider {
	return Provider{ID: p.Provider.ID, ClientID: p.Provider.ClientID, ClientSecret: p.ClientSecret, Name: p.Provider.Name,
		RedirectURIs: p.Provider.RedirectURIs, Roles: p.Provider.Roles, CreatedAt: p.Provider.CreatedAt.UTC()}
}

type createProviderIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		Name         string   `json:"name" maxLength:"100" example:"Acme Lending" doc:"The name holders see on the consent screen."`
		RedirectURIs []string `json:"redirect_uris" maxItems:"10" example:"[\"https://lender.example/callback\"]" doc:"Where codes may be sent: absolute https URLs (http only to localhost), compared exactly."`
		Roles        []string `json:"roles" maxItems:"2" example:"[\"ais\",\"pis\"]" doc:"ais and/or pis."`
	}
}

// MandateBody is a variable recurring payment mandate.
type MandateBody struct {
	Payee         *string `json:"payee,omitempty" nullable:"true" example:"6200000000000012" doc:"The only wallet the provider may pay; null or absent: any wallet."`
	MaxPerPayment string  `json:"max_per_payment" example:"150.00" doc:"The most one payment may be, in the wallets' currency."`
	MaxPerPeriod  string  `json:"max_per_period" example:"150.00" doc:"The most the payments of one period may add up to."`
	Period        string  `json:"period" enum:"day,week,month" doc:"Periods start at midnight of the day, of Monday, or of the first of the month, in the server's time zone."`
	ValidUntil    string  `json:"valid_until" example:"2027-05-01T00:00:00Z" doc:"RFC 3339; no payment from then on. At most the consent's end (180 days)."`
}

// Mandate is a consent's mandate as it stands.
type Mandate struct {
	Payee         *string   `json:"payee"`
	MaxPerPayment string    `json:"max_per_payment"`
	MaxPerPeriod  string    `json:"max_per_period"`
	Currency      string    `json:"currency"`
	Period        string    `json:"period"`
	ValidUntil    time.Time `json:"valid_until"`
	PeriodUsed    string    `json:"period_used" doc:"What the provider has paid in the current period."`
}

// Consent is a holder's consent to a provider.
type Consent struct {
	ID        string     `json:"id"`
	ClientID  string     `json:"client_id"`
	Provider  string     `json:"provider" doc:"The provider's name."`
	Scope     string     `json:"scope" example:"accounts:read payments:write"`
	Wallets   []string   `json:"wallets"`
	Mandate   *Mandate   `json:"mandate" doc:"With payments:write; else null."`
	ExpiresAt time.Time  `json:"expires_at"`
	Status    string     `json:"status" enum:"active,revoked,expired"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

func (s *server) consentOut(c *openfinance.Consent) Consent {
	out := Consent{ID: c.ID, ClientID: c.ClientID, Provider: c.ProviderName, Scope: openfinance.FormatScope(c.Scopes),
		Wallets: make([]string, len(c.Wallets)), ExpiresAt: c.ExpiresAt.UTC(), Status: string(c.Status), CreatedAt: c.CreatedAt.UTC()}
	for i, w := range c.Wallets {
		out.Wallets[i] = ingot.FormatWalletID(w)
	}
	if !c.RevokedAt.IsZero() {
		t := c.RevokedAt.UTC()
		out.RevokedAt = &t
	}
	if m := c.Mandate; m != nil {
		mo := &Mandate{MaxPerPayment: amt(m.MaxPerPayment, m.Currency), MaxPerPeriod: amt(m.MaxPerPeriod, m.Currency), Currency: m.Currency,
			Period: string(m.Period), ValidUntil: m.ValidUntil.UTC(),
			PeriodUsed: amt(m.Used(c.PeriodStart, c.PeriodTotal, s.svc.Now(), s.svc.Zone()), m.Currency)}
		if m.Payee != 0 {
			p := ingot.FormatWalletID(m.Payee)
			mo.Payee = &p
		}
		out.Mandate = mo
	}
	return out
}

type createConsentIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters). A replay answers no code."`
	Authorization  string `header:"Ingot-Authorization" maxLength:"64" doc:"With payments:write: the id of the approved authorization of the mandate (asked for by 403 sca_required)."`
	Body           struct {
		ClientID            string       `json:"client_id" maxLength:"100"`
		RedirectURI         string       `json:"redirect_uri" maxLength:"512" doc:"One the provider registered (else 400 invalid_redirect_uri)."`
		Scope               string       `json:"scope" maxLength:"256" example:"accounts:read payments:write"`
		State               string       `json:"state,omitempty" maxLength:"512" doc:"The provider's state, given back with the code."`
		CodeChallenge       string       `json:"code_challenge" maxLength:"43" doc:"PKCE: BASE64URL(SHA-256(code_verifier))."`
		CodeChallengeMethod string       `json:"code_challenge_method,omitempty" enum:"S256" doc:"S256 (the only method)."`
		Wallets             []string     `json:"wallets" maxItems:"10" doc:"Your wallets the provider may see (and pay from, with payments:write)."`
		Mandate             *MandateBody `json:"mandate,omitempty" doc:"Required with payments:write."`
	}
}

// NewConsentOut is a consent given: the code to hand to the provider.
type NewConsentOut struct {
	ConsentID   string `json:"consent_id"`
	Code        string `json:"code,omitempty" doc:"The authorization code: single use, within 60 seconds, at POST /oauth/token with the PKCE verifier."`
	State       string `json:"state,omitempty"`
	RedirectURI string `json:"redirect_uri,omitempty" doc:"Where to send the holder's browser: the provider's redirect_uri with code and state."`
}

type consentIDIn struct {
	ID string `path:"id" maxLength:"64"`
}

var clientBasic = []map[string][]string{{"clientBasic": {}}, {"bearer": {}}}

func (s *server) openFinanceRoutes() {
	const tag = "Open finance"
	post(s, "createProvider", "/v1/providers", "Register a third-party provider (central bank, or an operator for its own holders); its client secret is shown once", http.StatusCreated, tag, s.createProvider)
	post(s, "createConsent", "/v1/me/consents", "Consent to a provider's authorization request (OAuth 2.0 with PKCE): answers the code for its token request", http.StatusCreated, tag, s.createConsent)
	get(s, "listConsents", "/v1/me/consents", "The holder's consents, newest first", tag, s.listConsents)
	get(s, "describeConsentRequest", "/v1/me/consent-requests", "What a provider's authorization request asks, for the consent screen (refused before anything is shown: invalid_redirect_uri)", tag, s.describeConsentRequest)
	huma.Register(s.api, huma.Operation{OperationID: "revokeConsent", Method: http.MethodDelete, Path: "/v1/me/consents/{id}",
		Summary: "Revoke a consent: the provider's next call answers 401, on every server", Tags: []string{tag}, DefaultStatus: http.StatusNoContent, Security: bearer}, s.revokeConsent)
	huma.Register(s.api, huma.Operation{OperationID: "listProviderConsents", Method: http.MethodGet, Path: "/v1/provider/consents",
		Summary: "A provider's consents, newest first (client credentials, or a provider's access token)", Tags: []string{tag},
		DefaultStatus: http.StatusOK, Security: clientBasic}, s.providerConsents)
	s.mux.HandleFunc("POST /oauth/token", s.oauthToken)
	s.documentTokenEndpoint(tag)
}

// documentTokenEndpoint puts POST /oauth/token, which is served outside
// huma (a form-encoded body, RFC 6749 error bodies rather than problems),
// in the OpenAPI document, so that the Go client and the reference show it.
func (s *server) documentTokenEndpoint(tag string) {
	reg := s.api.OpenAPI().Components.Schemas
	str := func(doc string) *huma.Schema { return &huma.Schema{Type: huma.TypeString, Description: doc} }
	form := &huma.Schema{Type: huma.TypeObject, Required: []string{"grant_type"}, Properties: map[string]*huma.Schema{
		"grant_type":    {Type: huma.TypeString, Enum: []any{"authorization_code", "refresh_token"}},
		"code":          str("authorization_code: the code the consent answered (single use, 60 s)."),
		"redirect_uri":  str("authorization_code: the redirect URI of the authorization request."),
		"code_verifier": str("authorization_code: the PKCE verifier whose S256 is the request's code_challenge."),
		"refresh_token": str("refresh_token: the refresh token to rotate."),
		"client_id":     str("The provider's client id, unless it authenticates with HTTP Basic."),
		"client_secret": str("The provider's client secret, unless it authenticates with HTTP Basic."),
	}}
	s.api.OpenAPI().AddOperation(&huma.Operation{
		OperationID: "oauthToken", Method: http.MethodPost, Path: "/oauth/token", Tags: []string{tag},
		Summary: "Exchange an authorization code (with its PKCE verifier) or a refresh token for tokens (RFC 6749 and 7636)",
		Description: "The body is form-encoded. The provider authenticates with HTTP Basic (client_id:client_secret) or with " +
			"client_id and client_secret in the form, not both. Errors are RFC 6749 bodies ({\"error\",\"error_description\"}): " +
			"400 invalid_request, invalid_grant or unsupported_grant_type; 401 invalid_client. Answers are never cached.",
		Security:    clientBasic,
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{"application/x-www-form-urlencoded": {Schema: form}}},
		Responses: map[string]*huma.Response{
			"200": {Description: "The tokens", Content: map[string]*huma.MediaType{"application/json": {Schema: reg.Schema(reflect.TypeFor[TokenOut](), true, "TokenOut")}}},
		},
	})
}

func (s *server) createProvider(ctx context.Context, in *createProviderIn) (*Out[Provider], error) {
	ri := info(ctx)
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ledger.NewProvider, error) {
			return s.svc.CreateProvider(ctx, ri.actor, ledger.ProviderInput{Name: in.Body.Name, RedirectURIs: in.Body.RedirectURIs, Roles: in.Body.Roles},
				ri.client.Address, idem)
		}, providerOut)
}

func (s *server) createConsent(ctx context.Context, in *createConsentIn) (*Out[NewConsentOut], error) {
	ri := info(ctx)
	b := in.Body
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ledger.NewConsent, error) {
			ci := consentInput(b.ClientID, b.RedirectURI, b.Scope, b.State, b.CodeChallenge, b.CodeChallengeMethod, b.Wallets, b.Mandate)
			ci.Authorization = in.Authorization
			return s.svc.CreateConsent(ctx, ri.actor, ci, ri.client.Address, idem)
		}, func(c *ledger.NewConsent) NewConsentOut {
			out := NewConsentOut{ConsentID: c.ConsentID, Code: c.Code, State: c.State}
			if c.Code != "" {
				out.RedirectURI = codeRedirect(b.RedirectURI, c.Code, c.State)
			}
			return out
		})
}

type consentRequestIn struct {
	ClientID    string `query:"client_id" maxLength:"100"`
	RedirectURI string `query:"redirect_uri" maxLength:"512"`
	Scope       string `query:"scope" maxLength:"256"`
}

// ConsentRequestOut is a provider's authorization request as a consent
// screen shows it.
type ConsentRequestOut struct {
	ClientID    string `json:"client_id"`
	Provider    string `json:"provider" doc:"The provider's name."`
	RedirectURI string `json:"redirect_uri"`
	Scope       string `json:"scope"`
}

func (s *server) describeConsentRequest(ctx context.Context, in *consentRequestIn) (*Body[ConsentRequestOut], error) {
	r, err := s.svc.DescribeConsentRequest(ctx, actor(ctx), in.ClientID, in.RedirectURI, in.Scope)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[ConsentRequestOut]{Body: ConsentRequestOut{ClientID: r.ClientID, Provider: r.Provider, RedirectURI: r.RedirectURI,
		Scope: openfinance.FormatScope(r.Scopes)}}, nil
}

func consentInput(clientID, redirectURI, scope, state, challenge, method string, wallets []string, m *MandateBody) ledger.ConsentInput {
	in := ledger.ConsentInput{ClientID: clientID, RedirectURI: redirectURI, Scope: scope, State: state, CodeChallenge: challenge,
		CodeChallengeMethod: method, Wallets: wallets}
	if m != nil && *m != (MandateBody{}) { // a generated client sends an empty object for none
		in.Mandate = &openfinance.MandateInput{Payee: m.Payee, MaxPerPayment: m.MaxPerPayment, MaxPerPeriod: m.MaxPerPeriod, Period: m.Period, ValidUntil: m.ValidUntil}
	}
	return in
}

// codeRedirect is the provider's redirect URI with the code and state
// added to its query (RFC 6749 §4.1.2).
func codeRedirect(redirectURI, code, state string) string {
	u, err := url.Parse(redirectURI)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("code", code)
	if state != "" {
		q.Set("state", state)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (s *server) listConsents(ctx context.Context, in *listIn) (*Body[List[Consent]], error) {
	cs, next, err := s.svc.Consents(ctx, actor(ctx), ledger.ConsentQuery{Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return s.consentList(cs, next), nil
}

func (s *server) consentList(cs []openfinance.Consent, next string) *Body[List[Consent]] {
	out := List[Consent]{Items: make([]Consent, len(cs)), NextCursor: next}
	for i := range cs {
		out.Items[i] = s.consentOut(&cs[i])
	}
	return &Body[List[Consent]]{Body: out}
}

func (s *server) revokeConsent(ctx context.Context, in *consentIDIn) (*noContent, error) {
	ri := info(ctx)
	if err := s.svc.RevokeConsent(ctx, ri.actor, in.ID, ri.client.Address); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &noContent{Status: http.StatusNoContent}, nil
}

func (s *server) providerConsents(ctx context.Context, in *listIn) (*Body[List[Consent]], error) {
	q := ledger.ConsentQuery{Cursor: in.Cursor, Limit: in.Limit}
	if a := actor(ctx); a.Role == ingot.RoleProvider { // a Bearer token (authenticate)
		cs, next, err := s.svc.Consents(ctx, a, q)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return s.consentList(cs, next), nil
	}
	id, secret, ok := basicAuth(info(ctx).basic)
	if !ok {
		return nil, s.problem(ctx, ingot.Errorf(ingot.CodeUnauthorized, "client credentials are required: Authorization: Basic base64(client_id:client_secret)"))
	}
	cs, next, err := s.svc.ProviderConsents(ctx, id, secret, q)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return s.consentList(cs, next), nil
}

// basicAuth reads HTTP Basic client credentials, each form-urlencoded
// first (RFC 6749 §2.3.1).
func basicAuth(h string) (id, secret string, ok bool) {
	r := http.Request{Header: http.Header{"Authorization": {h}}}
	id, secret, ok = r.BasicAuth()
	if !ok {
		return "", "", false
	}
	var err1, err2 error
	id, err1 = url.QueryUnescape(id)
	secret, err2 = url.QueryUnescape(secret)
	return id, secret, err1 == nil && err2 == nil
}

// isBasic reports whether an Authorization header is HTTP Basic.
func isBasic(h string) bool { return len(h) > 6 && equalFold(h[:6], "basic ") }

// ---- the token endpoint ----

// TokenOut is the token endpoint's answer (RFC 6749 §5.1).
type TokenOut struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// maxTokenForm bounds a token request's body.
const maxTokenForm = 16 << 10

// oauthToken is POST /oauth/token: a form-encoded request, the client
// authenticated by HTTP Basic or by client_id and client_secret in the
// form (not both), answered with JSON and never cached; errors are RFC
// 6749 bodies ({"error","error_description"}), not problems.
func (s *server) oauthToken(w http.ResponseWriter, r *http.Request) {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "application/x-www-form-urlencoded" {
		writeOAuth(w, http.StatusBadRequest, &openfinance.Error{Code: openfinance.ErrInvalidRequest, Description: "the body must be application/x-www-form-urlencoded"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenForm)
	if err := r.ParseForm(); err != nil {
		writeOAuth(w, http.StatusBadRequest, &openfinance.Error{Code: openfinance.ErrInvalidRequest, Description: "the form does not parse"})
		return
	}
	req, oerr := openfinance.ParseTokenForm(r.PostForm)
	if oerr != nil {
		writeOAuth(w, oerr.Status, oerr)
		return
	}
	if h := r.Header.Get("Authorization"); h != "" {
		id, secret, ok := basicAuth(h)
		switch {
		case !ok:
			writeOAuth(w, http.StatusUnauthorized, openfinance.InvalidClient())
			return
		case req.ClientSecret != "" || (req.ClientID != "" && req.ClientID != id):
			writeOAuth(w, http.StatusBadRequest, &openfinance.Error{Code: openfinance.ErrInvalidRequest, Description: "authenticate the client one way: HTTP Basic or client_id and client_secret in the form"})
			return
		}
		req.ClientID, req.ClientSecret = id, secret
	}
	ans, oerr := s.svc.Token(r.Context(), req)
	if oerr != nil {
		writeOAuth(w, oerr.Status, oerr)
		return
	}
	writeOAuthJSON(w, http.StatusOK, TokenOut{AccessToken: ans.AccessToken, TokenType: "Bearer", ExpiresIn: ans.ExpiresIn,
		RefreshToken: ans.RefreshToken, Scope: ans.Scope})
}

func writeOAuth(w http.ResponseWriter, status int, e *openfinance.Error) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="ingot"`)
	}
	writeOAuthJSON(w, status, e)
}

func writeOAuthJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// providerToken reports whether a bearer credential is a provider's
// access token.
func providerToken(bearer string) bool { return strings.HasPrefix(bearer, openfinance.AccessPrefix) }

// MandatePaymentEvent is the object of a mandate.payment webhook: a
// provider's payment by mandate and its consent's period total after it.
type MandatePaymentEvent struct {
	ConsentID   string    `json:"consent_id"`
	ProviderID  string    `json:"provider_id"`
	Transfer    Transfer  `json:"transfer"`
	PeriodStart time.Time `json:"period_start" doc:"The start of the mandate's current period."`
	PeriodTotal string    `json:"period_total" doc:"What the provider has paid in it, this payment included."`
}
