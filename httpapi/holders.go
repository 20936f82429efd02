package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/pii"
)

// Holders sign in (enrolment, login with a second factor, refresh,
// logout), manage their factors and approve their payments; organisations
// manage their API keys and read security events. docs/security.md.

// Tokens is a signed-in session's token pair.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type" enum:"Bearer"`
	ExpiresIn    int    `json:"expires_in" doc:"Seconds until the access token expires."`
	RefreshToken string `json:"refresh_token"`
}

func tokensOut(t *auth.Tokens) Tokens {
	return Tokens{AccessToken: t.Access, TokenType: "Bearer", ExpiresIn: int(t.ExpiresIn.Seconds()), RefreshToken: t.Refresh}
}

// Authorization is an approval a holder's payment (or a change of its own
// sign-in) needs.
type Authorization struct {
	ID        string          `json:"id"`
	Amount    string          `json:"amount,omitempty"`
	Currency  string          `json:"currency,omitempty"`
	To        string          `json:"to" doc:"What it approves paying: a wallet id, bank:<bank account id>; or pin, factor:<id>."`
	Status    string          `json:"status" enum:"pending,approved,used,denied,expired"`
	Methods   []string        `json:"methods,omitempty" doc:"The second factors that may verify it: sms, totp, webauthn."`
	ExpiresAt time.Time       `json:"expires_at"`
	WebAuthn  json.RawMessage `json:"webauthn,omitempty" doc:"With a passkey: the assertion options for navigator.credentials.get, whose challenge is bound to this payment."`
}

func authorizationOut(a *ingot.Authorization, methods []string, webauthn []byte) *Authorization {
	out := &Authorization{ID: a.ID, Currency: a.Currency, To: a.Payee, Status: string(a.Status), Methods: methods, ExpiresAt: a.ExpiresAt.UTC()}
	if a.Currency != "" {
		out.Amount = amt(a.Amount, a.Currency)
	}
	if len(webauthn) > 0 {
		out.WebAuthn = webauthn
	}
	return out
}

type enrollIn struct {
	Body struct {
		Phone string `json:"phone" maxLength:"64" example:"13812345678" doc:"The phone of the holder's wallets (E.164, or a number of region CN)."`
	}
}

type enrollOut struct {
	EnrollmentID string `json:"enrollment_id"`
}

type confirmIn struct {
	ID   string `path:"enrollment_id"`
	Body struct {
		Code string `json:"code" maxLength:"16" doc:"The 6-digit code sent by SMS."`
		PIN  string `json:"pin" maxLength:"16" doc:"6 digits; not one digit repeated or a run of digits."`
	}
}

type loginIn struct {
	Body struct {
		Phone string `json:"phone" maxLength:"64"`
		PIN   string `json:"pin" maxLength:"16"`
	}
}

// LoginStep is a login after its PIN: its id and the second factors that
// finish it.
type LoginStep struct {
	LoginID  string          `json:"login_id"`
	Methods  []string        `json:"methods"`
	WebAuthn json.RawMessage `json:"webauthn,omitempty" doc:"With a passkey: the assertion options for navigator.credentials.get."`
}

type loginIDIn struct {
	ID string `path:"login_id"`
}

// ProofBody is a second factor's proof.
type ProofBody struct {
	Method     string          `json:"method" enum:"sms,totp,webauthn"`
	Code       string          `json:"code,omitempty" maxLength:"16" doc:"The SMS or TOTP code."`
	Credential json.RawMessage `json:"credential,omitempty" doc:"The passkey's assertion, as navigator.credentials.get returns it (JSON)."`
}

func (b ProofBody) proof() auth.Proof {
	return auth.Proof{Method: b.Method, Code: b.Code, Credential: b.Credential}
}

type verifyLoginIn struct {
	ID   string `path:"login_id"`
	Body ProofBody
}

type refreshIn struct {
	Body struct {
		RefreshToken string `json:"refresh_token" maxLength:"256"`
	}
}

// SignedIn is the signed-in holder: its masked phone and its wallets.
type SignedIn struct {
	Phone   string   `json:"phone" example:"+86 138****5678"`
	Wallets []Wallet `json:"wallets"`
}

// NewTOTP is an authenticator app being set up.
type NewTOTP struct {
	Secret     string `json:"secret" doc:"Base32; shown once."`
	OTPAuthURI string `json:"otpauth_uri" doc:"otpauth://totp/... for a QR code."`
}

type codeIn struct {
	Body struct {
		Code string `json:"code" maxLength:"16"`
	}
}

type passkeyIn struct {
	Body struct {
		Credential json.RawMessage `json:"credential" doc:"The passkey, as navigator.credentials.create returns it (JSON)."`
	}
}

// Factor is a holder's second factor.
type Factor struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind" enum:"sms,totp,webauthn"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

type removeFactorIn struct {
	ID            string `path:"id"`
	Authorization string `header:"Ingot-Authorization" maxLength:"64" doc:"The id of the verified approval of this change."`
}

type pinIn struct {
	Authorization string `header:"Ingot-Authorization" maxLength:"64" doc:"The id of the verified approval of this change."`
	Body          struct {
		PIN string `json:"pin" maxLength:"16"`
	}
}

type authorizationIDIn struct {
	ID string `path:"id"`
}

type verifyAuthorizationIn struct {
	ID   string `path:"id"`
	Body ProofBody
}

// Approved answers a verified approval.
type Approved struct {
	Status string `json:"status" enum:"approved"`
}

// noContent is an answer without a body.
type noContent struct {
	Status int
}

// accepted is a 202 without a body.
type accepted struct {
	Status int
}

// publicPost registers a sign-in route: no API key or token needed.
func publicPost[I, O any](s *server, id, path, summary string, status int, h func(context.Context, *I) (*O, error)) {
	huma.Register(s.api, huma.Operation{OperationID: id, Method: http.MethodPost, Path: path, Summary: summary,
		Tags: []string{"Sign-in"}, DefaultStatus: status, MaxBodyBytes: MaxBodyBytes}, h)
}

func (s *server) holderRoutes() {
	const tag = "Sign-in"
	publicPost(s, "enroll", "/v1/auth/enroll", "Start a holder's enrolment: a code by SMS to the phone of its wallets", http.StatusAccepted, s.enroll)
	publicPost(s, "confirmEnrollment", "/v1/auth/enroll/{enrollment_id}/confirm", "Finish an enrolment with the SMS code and a new PIN; signs in", http.StatusCreated, s.confirmEnroll)
	publicPost(s, "login", "/v1/auth/login", "A holder's PIN: answers the second factors that finish the login", http.StatusOK, s.login)
	publicPost(s, "sendLoginSMS", "/v1/auth/login/{login_id}/sms", "Send a login's SMS code", http.StatusAccepted, s.loginSMS)
	publicPost(s, "verifyLogin", "/v1/auth/login/{login_id}/verify", "Finish a login with its second factor; signs in", http.StatusOK, s.verifyLogin)
	publicPost(s, "refreshTokens", "/v1/auth/refresh", "Rotate a session's tokens", http.StatusOK, s.refresh)
	huma.Register(s.api, huma.Operation{OperationID: "logout", Method: http.MethodPost, Path: "/v1/auth/logout", Summary: "End this session",
		Tags: []string{tag}, DefaultStatus: http.StatusNoContent, Security: bearer}, s.logout)

	const me = "Holder"
	get(s, "getHolder", "/v1/me", "The signed-in holder: its masked phone and its wallets at every operator", me, s.getHolder)
	post(s, "addTOTP", "/v1/me/totp", "Set up an authenticator app (TOTP); active after a first code", http.StatusCreated, me, s.addTOTP)
	post(s, "confirmTOTP", "/v1/me/totp/confirm", "Activate the authenticator app with a first code", http.StatusOK, me, s.confirmTOTP)
	post(s, "passkeyOptions", "/v1/me/passkeys/options", "Begin registering a passkey: creation options for the browser", http.StatusOK, me, s.passkeyOptions)
	post(s, "addPasskey", "/v1/me/passkeys", "Register a passkey (fingerprint, face, security key)", http.StatusCreated, me, s.addPasskey)
	get(s, "listFactors", "/v1/me/factors", "The holder's second factors", me, s.listFactors)
	huma.Register(s.api, huma.Operation{OperationID: "removeFactor", Method: http.MethodDelete, Path: "/v1/me/factors/{id}",
		Summary: "Remove a factor (needs a fresh approval)", Tags: []string{me}, DefaultStatus: http.StatusNoContent, Security: bearer}, s.removeFactor)
	huma.Register(s.api, huma.Operation{OperationID: "changePIN", Method: http.MethodPut, Path: "/v1/me/pin",
		Summary: "Change the PIN (needs a fresh approval)", Tags: []string{me}, DefaultStatus: http.StatusNoContent, MaxBodyBytes: MaxBodyBytes, Security: bearer}, s.changePIN)
	get(s, "getAuthorization", "/v1/authorizations/{id}", "One of your approvals and its state", me, s.getAuthorization)
	post(s, "verifyAuthorization", "/v1/authorizations/{id}/verify", "Approve with a second factor", http.StatusOK, me, s.verifyAuthorization)
	post(s, "sendAuthorizationSMS", "/v1/authorizations/{id}/sms", "Send an approval's SMS code (it names the amount and the masked payee)", http.StatusAccepted, me, s.authorizationSMS)
}

// signinLimit counts a sign-in attempt against its phone's rate limit
// (--signin-rate-limit), when the phone is one.
func (s *server) signinLimit(ctx context.Context, raw string) error {
	p, err := pii.NormalizePhone(raw, pii.DefaultRegion)
	if err != nil {
		return nil // refused by sign-in itself
	}
	return s.limitSignin(ctx, p)
}

func (s *server) enroll(ctx context.Context, in *enrollIn) (*Body[enrollOut], error) {
	if err := s.signinLimit(ctx, in.Body.Phone); err != nil {
		return nil, err
	}
	id, err := s.auth.Enroll(ctx, in.Body.Phone)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[enrollOut]{Body: enrollOut{EnrollmentID: id}}, nil
}

func (s *server) confirmEnroll(ctx context.Context, in *confirmIn) (*Body[Tokens], error) {
	t, err := s.auth.ConfirmEnroll(ctx, in.ID, in.Body.Code, in.Body.PIN, info(ctx).client)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[Tokens]{Body: tokensOut(t)}, nil
}

func (s *server) login(ctx context.Context, in *loginIn) (*Body[LoginStep], error) {
	if err := s.signinLimit(ctx, in.Body.Phone); err != nil {
		return nil, err
	}
	l, err := s.auth.Login(ctx, in.Body.Phone, in.Body.PIN, info(ctx).client)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := LoginStep{LoginID: l.ID, Methods: l.Methods}
	if len(l.WebAuthn) > 0 {
		out.WebAuthn = l.WebAuthn
	}
	return &Body[LoginStep]{Body: out}, nil
}

func (s *server) loginSMS(ctx context.Context, in *loginIDIn) (*accepted, error) {
	if err := s.auth.LoginSMS(ctx, in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &accepted{Status: http.StatusAccepted}, nil
}

func (s *server) verifyLogin(ctx context.Context, in *verifyLoginIn) (*Body[Tokens], error) {
	t, err := s.auth.VerifyLogin(ctx, in.ID, in.Body.proof(), info(ctx).client)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[Tokens]{Body: tokensOut(t)}, nil
}

func (s *server) refresh(ctx context.Context, in *refreshIn) (*Body[Tokens], error) {
	t, err := s.auth.Refresh(ctx, in.Body.RefreshToken)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[Tokens]{Body: tokensOut(t)}, nil
}

func (s *server) logout(ctx context.Context, _ *struct{}) (*noContent, error) {
	if err := s.auth.Logout(ctx, actor(ctx)); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &noContent{Status: http.StatusNoContent}, nil
}

func (s *server) getHolder(ctx context.Context, _ *struct{}) (*Body[SignedIn], error) {
	me, err := s.auth.Me(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	l, err := s.svc.Limits(ctx, me.Wallets)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := SignedIn{Phone: pii.MaskPhone(me.Phone), Wallets: make([]Wallet, len(me.Wallets))}
	for i := range me.Wallets {
		out.Wallets[i] = s.walletOut(ctx, &me.Wallets[i], &l[i])
	}
	return &Body[SignedIn]{Body: out}, nil
}

func (s *server) addTOTP(ctx context.Context, _ *struct{}) (*Out[NewTOTP], error) {
	t, err := s.auth.AddTOTP(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Out[NewTOTP]{Status: http.StatusCreated, Body: NewTOTP{Secret: t.Secret, OTPAuthURI: t.URI}}, nil
}

func (s *server) confirmTOTP(ctx context.Context, in *codeIn) (*Body[Factor], error) {
	if err := s.auth.ConfirmTOTP(ctx, actor(ctx), in.Body.Code, info(ctx).client); err != nil {
		return nil, s.problem(ctx, err)
	}
	f, err := s.factors(ctx)
	if err != nil {
		return nil, err
	}
	for _, x := range f {
		if x.Kind == string(auth.FactorTOTP) {
			return &Body[Factor]{Body: x}, nil
		}
	}
	return nil, s.problem(ctx, ingot.Errorf(ingot.CodeInternal, "the confirmed factor is gone"))
}

func (s *server) passkeyOptions(ctx context.Context, _ *struct{}) (*Body[json.RawMessage], error) {
	o, err := s.auth.PasskeyOptions(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[json.RawMessage]{Body: o}, nil
}

func (s *server) addPasskey(ctx context.Context, in *passkeyIn) (*Out[Factor], error) {
	f, err := s.auth.AddPasskey(ctx, actor(ctx), in.Body.Credential, info(ctx).client)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Out[Factor]{Status: http.StatusCreated, Body: factorOut(f)}, nil
}

func factorOut(f *auth.Factor) Factor {
	return Factor{ID: f.ID, Kind: string(f.Kind), Name: f.Name, CreatedAt: f.CreatedAt.UTC()}
}

// factors lists the confirmed factors, SMS first.
func (s *server) factors(ctx context.Context) ([]Factor, error) {
	fs, err := s.auth.Factors(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := []Factor{{ID: "sms", Kind: "sms", Name: "Text message to your wallet's phone"}}
	for i := range fs {
		if fs[i].Confirmed {
			out = append(out, factorOut(&fs[i]))
		}
	}
	return out, nil
}

func (s *server) listFactors(ctx context.Context, _ *struct{}) (*Body[List[Factor]], error) {
	fs, err := s.factors(ctx)
	if err != nil {
		return nil, err
	}
	return &Body[List[Factor]]{Body: List[Factor]{Items: fs}}, nil
}

func (s *server) removeFactor(ctx context.Context, in *removeFactorIn) (*noContent, error) {
	if err := s.auth.RemoveFactor(ctx, actor(ctx), in.ID, in.Authorization, info(ctx).client); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &noContent{Status: http.StatusNoContent}, nil
}

func (s *server) changePIN(ctx context.Context, in *pinIn) (*noContent, error) {
	if err := s.auth.ChangePIN(ctx, actor(ctx), in.Body.PIN, in.Authorization, info(ctx).client); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &noContent{Status: http.StatusNoContent}, nil
}

func (s *server) verifyAuthorization(ctx context.Context, in *verifyAuthorizationIn) (*Body[Approved], error) {
	if err := s.auth.VerifyApproval(ctx, actor(ctx), in.ID, in.Body.proof(), info(ctx).client); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[Approved]{Body: Approved{Status: "approved"}}, nil
}

func (s *server) getAuthorization(ctx context.Context, in *authorizationIDIn) (*Body[Authorization], error) {
	a, err := s.auth.Authorization(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[Authorization]{Body: *authorizationOut(&a, nil, nil)}, nil
}

func (s *server) authorizationSMS(ctx context.Context, in *authorizationIDIn) (*accepted, error) {
	if err := s.auth.ApprovalSMS(ctx, actor(ctx), in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &accepted{Status: http.StatusAccepted}, nil
}

// ---- API keys and security events ----

// APIKey is an organisation's API key (never its secret, but once).
type APIKey struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Role             string    `json:"role" enum:"central_bank,operator,auditor"`
	Scopes           []string  `json:"scopes"`
	APIKey           string    `json:"api_key,omitempty" doc:"The secret, shown once: at creation."`
	ExpiresAt        time.Time `json:"expires_at,omitzero"`
	RevokedAt        time.Time `json:"revoked_at,omitzero"`
	LastUsedAt       time.Time `json:"last_used_at,omitzero" doc:"To the minute."`
	ClientCertSHA256 string    `json:"client_cert_sha256,omitempty" doc:"The key works only with this TLS client certificate."`
	CreatedAt        time.Time `json:"created_at"`
}

func apiKeyOut(k *ingot.APIKey, secret string) APIKey {
	out := APIKey{ID: k.ID, Name: k.Name, Role: string(k.Role), Scopes: k.Scopes, APIKey: secret, ExpiresAt: k.ExpiresAt.UTC(),
		RevokedAt: k.RevokedAt.UTC(), LastUsedAt: k.LastUsedAt.UTC(), CreatedAt: k.CreatedAt.UTC()}
	if out.Scopes == nil {
		out.Scopes = ingot.RoleScopes(k.Role) // a key made before scopes has every scope of its role
	}
	if k.ClientCert != nil {
		out.ClientCertSHA256 = hex.EncodeToString(k.ClientCert)
	}
	return out
}

type createKeyIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		Name             string    `json:"name" maxLength:"100" example:"payments backend"`
		Scopes           []string  `json:"scopes" maxItems:"20" example:"[\"wallets:read\",\"transfers:write\"]"`
		ExpiresAt        time.Time `json:"expires_at,omitzero" required:"false"`
		ClientCertSHA256 string    `json:"client_cert_sha256,omitempty" maxLength:"64" doc:"Bind the key to a TLS client certificate: the hex SHA-256 of its DER."`
	}
}

type keyIDIn struct {
	ID string `path:"id"`
}

// SecurityEvent is an entry of the security journal.
type SecurityEvent struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Subject   string    `json:"subject,omitempty" doc:"Masked: a holder's phone, a key's name. The central bank's view of a holder's event leaves it out."`
	HolderID  string    `json:"holder_id,omitempty" doc:"The holder's id, pseudonymous: in every view."`
	KeyID     string    `json:"key_id,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	Address   string    `json:"address,omitempty" doc:"The client's address. The central bank's view of a holder's event leaves it out."`
	CreatedAt time.Time `json:"created_at"`
}

type eventsIn struct {
	Type   string    `query:"type" maxLength:"64" doc:"Only events of this type."`
	After  time.Time `query:"after" doc:"Only events after this time (RFC 3339)."`
	Cursor string    `query:"cursor" doc:"Opaque cursor from next_cursor."`
	Limit  int       `query:"limit" minimum:"0" maximum:"500" doc:"Page size, default 50, at most 500."`
}

type smsIn struct {
	Phone string `query:"phone" required:"true" maxLength:"64"`
}

// SMSMessage is a text message the sandbox kept.
type SMSMessage struct {
	Phone  string    `json:"phone"`
	Text   string    `json:"text"`
	SentAt time.Time `json:"sent_at"`
}

// SMSMessages are the sandbox's messages to a phone, newest first.
type SMSMessages struct {
	Messages []SMSMessage `json:"messages"`
}

func (s *server) keyRoutes() {
	post(s, "createAPIKey", "/v1/api-keys", "Make an API key for your organisation, with some of its scopes", http.StatusCreated, "Keys", s.createKey)
	get(s, "listAPIKeys", "/v1/api-keys", "Your organisation's API keys (no secrets)", "Keys", s.listKeys)
	huma.Register(s.api, huma.Operation{OperationID: "revokeAPIKey", Method: http.MethodDelete, Path: "/v1/api-keys/{id}",
		Summary: "Revoke an API key: refused within a second on every server", Tags: []string{"Keys"}, DefaultStatus: http.StatusNoContent, Security: bearer}, s.revokeKey)
	get(s, "listSecurityEvents", "/v1/security-events", "Security events: sign-ins, lock-outs, factors, approvals, keys (central bank: all; operator: its holders' and keys')", "Keys", s.listEvents)
	if s.sandbox != nil {
		get(s, "sandboxSMS", "/v1/sandbox/sms", "The text messages the sandbox sent to a phone, newest first", "Sandbox", s.sandboxSMS)
	}
}

func (s *server) createKey(ctx context.Context, in *createKeyIn) (*Out[APIKey], error) {
	ri := info(ctx)
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ledger.NewAPIKey, error) {
			return s.svc.CreateAPIKey(ctx, ri.actor, ledger.KeyRequest{Name: in.Body.Name, Scopes: in.Body.Scopes,
				ExpiresAt: in.Body.ExpiresAt, ClientCertSHA256: in.Body.ClientCertSHA256}, ri.client.Address, idem)
		}, func(k *ledger.NewAPIKey) APIKey { return apiKeyOut(&k.Key, k.Secret) })
}

func (s *server) listKeys(ctx context.Context, _ *struct{}) (*Body[List[APIKey]], error) {
	ks, err := s.svc.APIKeys(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[APIKey]{Items: make([]APIKey, len(ks))}
	for i := range ks {
		out.Items[i] = apiKeyOut(&ks[i], "")
	}
	return &Body[List[APIKey]]{Body: out}, nil
}

func (s *server) revokeKey(ctx context.Context, in *keyIDIn) (*noContent, error) {
	ri := info(ctx)
	if err := s.svc.RevokeAPIKey(ctx, ri.actor, in.ID, ri.client.Address); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &noContent{Status: http.StatusNoContent}, nil
}

func (s *server) listEvents(ctx context.Context, in *eventsIn) (*Body[List[SecurityEvent]], error) {
	before, err := decodeEventCursor(in.Cursor)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	limit := in.Limit
	if limit <= 0 {
		limit = ledger.DefaultLimit
	}
	es, err := s.auth.Events(ctx, actor(ctx), auth.EventFilter{Type: in.Type, After: in.After, Before: before, Limit: limit + 1})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[SecurityEvent]{}
	if len(es) > limit {
		es = es[:limit]
		out.NextCursor = encodeEventCursor(es[limit-1].ID)
	}
	out.Items = make([]SecurityEvent, len(es))
	for i, e := range es {
		out.Items[i] = SecurityEvent{ID: e.ID, Type: e.Type, Subject: e.Subject, HolderID: e.HolderID, KeyID: e.KeyID,
			Detail: e.Detail, Address: e.Address, CreatedAt: e.CreatedAt.UTC()}
	}
	return &Body[List[SecurityEvent]]{Body: out}, nil
}

func (s *server) sandboxSMS(ctx context.Context, in *smsIn) (*Body[SMSMessages], error) {
	ms, err := s.auth.Messages(ctx, actor(ctx), in.Phone)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := SMSMessages{Messages: make([]SMSMessage, len(ms))}
	for i, m := range ms {
		out.Messages[i] = SMSMessage{Phone: m.Phone, Text: m.Text, SentAt: m.SentAt.UTC()}
	}
	return &Body[SMSMessages]{Body: out}, nil
}

func encodeEventCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("ev:" + id))
}

func decodeEventCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	id, ok := strings.CutPrefix(string(b), "ev:")
	if err != nil || !ok || uuid.Validate(id) != nil {
		return "", ingot.Errorf(ingot.CodeInvalidCursor, "cursor is not one this API issued")
	}
	return id, nil
}
