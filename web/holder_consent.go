package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/ingot-cbdc/ingot/client"
)

// The consent screen of open finance (docs/open-finance.md): a provider
// sends the holder's browser to GET /oauth/authorize with an OAuth 2.0
// authorization request (response_type=code, client_id, redirect_uri,
// scope, state, code_challenge, code_challenge_method=S256). Signed in
// (or after signing in), the holder sees the provider, what it asks, and
// chooses the wallets (and, for payments, the mandate); approving makes
// the consent through POST /v1/me/consents — a mandate with its approval,
// an SMS code on the same page — and sends the browser to the provider's
// redirect_uri with the code and the state. A redirect_uri the provider
// did not register is refused before anything is shown.

// consentData is the consent screen.
type consentData struct {
	Req      authorizeRequest
	Provider string
	Scopes   []string
	Payments bool
	Wallets  []client.Wallet
	// Approval: the mandate's approval asked for, with the form's values
	// to send again.
	Approval *approval
	Mandate  client.MandateBody
	Payee    string
	Chosen   string // the wallet chosen
}

// authorizeRequest is an OAuth authorization request's parameters.
type authorizeRequest struct {
	ClientID, RedirectURI, Scope, State, Challenge, Method, ResponseType string
}

func authorizeFrom(v url.Values) authorizeRequest {
	return authorizeRequest{ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"), Scope: v.Get("scope"), State: v.Get("state"),
		Challenge: v.Get("code_challenge"), Method: v.Get("code_challenge_method"), ResponseType: v.Get("response_type")}
}

// query is the request as the URL's query, to come back to after sign-in.
func (a authorizeRequest) query() string {
	v := url.Values{"response_type": {a.ResponseType}, "client_id": {a.ClientID}, "redirect_uri": {a.RedirectURI}, "scope": {a.Scope},
		"state": {a.State}, "code_challenge": {a.Challenge}, "code_challenge_method": {a.Method}}
	return v.Encode()
}

// back is the provider's redirect URI with the answer's parameters.
func (a authorizeRequest) back(params url.Values) string {
	u, err := url.Parse(a.RedirectURI)
	if err != nil {
		return "/wallet"
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	if a.State != "" {
		q.Set("state", a.State)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (w *Web) consentRoutes() {
	w.handle("GET /oauth/authorize", func(q *req) {
		ar := authorizeFrom(q.r.URL.Query())
		if q.s.Kind != kindHolder {
			// Sign in first, then come back here.
			q.s.OAuth = ar.query()
			q.redirect("/signin")
			return
		}
		q.s.OAuth = ""
		q.consent(ar, nil, "")
	})
	w.handle("POST /oauth/authorize", func(q *req) {
		if !q.holder() {
			return
		}
		f := q.r.PostForm
		ar := authorizeFrom(f)
		if f.Get("decision") == "deny" {
			// Only to a redirect URI the provider registered.
			if _, err := q.client().DescribeConsentRequest(q.r.Context(), &client.DescribeConsentRequestParams{ClientID: ar.ClientID, RedirectURI: ar.RedirectURI, Scope: ar.Scope}); err != nil {
				q.render(http.StatusBadRequest, "consent", "", q.problem(err), nil)
				return
			}
			q.redirectAway(ar.back(url.Values{"error": {"access_denied"}}))
			return
		}
		body := client.CreateConsentRequest{ClientID: ar.ClientID, RedirectURI: ar.RedirectURI, Scope: ar.Scope, State: ar.State,
			CodeChallenge: ar.Challenge, CodeChallengeMethod: ar.Method, Wallets: []string{f.Get("wallet")}}
		if f.Get("max_per_period") != "" {
			body.Mandate = client.MandateBody{MaxPerPayment: strings.TrimSpace(f.Get("max_per_payment")), MaxPerPeriod: strings.TrimSpace(f.Get("max_per_period")),
				Period: f.Get("period"), ValidUntil: strings.TrimSpace(f.Get("valid_until"))}
			if p := strings.TrimSpace(f.Get("payee")); p != "" {
				body.Mandate.Payee = &p
			}
		}
		var opts []client.CallOption
		if id := f.Get("authorization"); id != "" {
			// The mandate's approval: verified here with its code or the
			// passkey's answer, then named.
			p, ok := proofFromForm(q)
			if !ok {
				q.consent(ar, &body, q.t("passkey.failed"))
				return
			}
			if _, err := q.client().VerifyAuthorization(q.r.Context(), id, p); err != nil {
				q.consent(ar, &body, q.problem(err))
				return
			}
			opts = append(opts, client.WithAuthorization(id))
		}
		c, err := q.client().CreateConsent(q.r.Context(), body, opts...)
		a := &approval{}
		if needsApproval(err, a) {
			if err := q.client().SendAuthorizationSMS(q.r.Context(), a.ID); err != nil {
				q.consent(ar, &body, q.problem(err))
				return
			}
			q.consentWith(ar, &body, q.t("signin.sent"), "", a)
			return
		}
		if err != nil {
			q.consent(ar, &body, q.problem(err))
			return
		}
		q.redirectAway(ar.back(url.Values{"code": {c.Code}}))
	})
}

// consent shows the consent screen of a request (with the form's values
// when sent back with an error).
func (q *req) consent(ar authorizeRequest, sent *client.CreateConsentRequest, errText string) {
	q.consentWith(ar, sent, "", errText, nil)
}

func (q *req) consentWith(ar authorizeRequest, sent *client.CreateConsentRequest, flash, errText string, a *approval) {
	ctx := q.r.Context()
	if ar.ResponseType != "code" || ar.Method != "S256" || ar.Challenge == "" {
		q.render(http.StatusBadRequest, "consent", "", q.t("consent.bad"), nil)
		return
	}
	d, err := q.client().DescribeConsentRequest(ctx, &client.DescribeConsentRequestParams{ClientID: ar.ClientID, RedirectURI: ar.RedirectURI, Scope: ar.Scope})
	if err != nil {
		var e *client.Error
		if errors.As(err, &e) && e.Status == http.StatusUnauthorized {
			q.s = &session{CSRF: newToken(), Lang: q.s.Lang, OAuth: ar.query()}
			q.redirect("/signin")
			return
		}
		// Nothing is shown of the request, nothing sent to its redirect.
		q.render(http.StatusBadRequest, "consent", "", q.problem(err), nil)
		return
	}
	// The form's answer redirects to the provider: the page's policy
	// allows that one origin (registered, checked just above).
	if u, err := url.Parse(ar.RedirectURI); err == nil && u.Scheme != "" && u.Host != "" {
		q.rw.Header().Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' "+u.Scheme+"://"+u.Host, 1))
	}
	ws, err := q.client().ListWallets(ctx, nil)
	if err != nil {
		q.render(http.StatusBadGateway, "consent", "", q.problem(err), nil)
		return
	}
	data := &consentData{Req: ar, Provider: d.Provider, Scopes: strings.Fields(d.Scope), Payments: strings.Contains(d.Scope, "payments:write"),
		Wallets: ws.Items, Approval: a}
	if sent != nil {
		data.Mandate = sent.Mandate
		if sent.Mandate.Payee != nil {
			data.Payee = *sent.Mandate.Payee
		}
		if len(sent.Wallets) > 0 {
			data.Chosen = sent.Wallets[0]
		}
	}
	if data.Mandate.Period == "" {
		data.Mandate.Period = "month"
	}
	status := http.StatusOK
	if errText != "" {
		status = http.StatusUnprocessableEntity
	}
	q.render(status, "consent", flash, errText, data)
}

// redirectAway saves the session and sends the browser to the provider
// (303), after the checks above: never to a redirect URI the provider did
// not register.
func (q *req) redirectAway(to string) {
	q.save()
	http.Redirect(q.rw, q.r, to, http.StatusSeeOther)
}
