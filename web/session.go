package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/ingot-cbdc/ingot/pii"
)

// The web's session lives in one cookie, sealed with the deployment's data
// key (AES-256-GCM, pii.Keys.Seal): any process of the deployment opens it,
// nothing is kept in memory, and the visitor can neither read nor change
// it. It holds the visitor's credential for the API (an organisation's API
// key, or a holder's access and refresh tokens), the CSRF token of its
// forms, and when it was last used: a session idle longer than its kind's
// limit ends (a holder's after 5 minutes, the strong customer
// authentication rule; an organisation's after 15).

const (
	cookieName  = "ingot_session"
	sealContext = "web_session"
	holderIdle  = 5 * time.Minute
	orgIdle     = 15 * time.Minute
)

// session kinds.
const (
	kindNone   = ""       // a visitor: only the CSRF token of the sign-in forms
	kindHolder = "holder" // Access and Refresh are a holder's tokens
	kindOrg    = "org"    // Key is an operator's, the central bank's or an auditor's API key
)

type session struct {
	Kind    string `json:"k,omitempty"`
	Key     string `json:"key,omitempty"`
	Role    string `json:"role,omitempty"` // of Key: operator, central_bank, auditor
	Access  string `json:"at,omitempty"`
	Refresh string `json:"rt,omitempty"`
	LoginID string `json:"login,omitempty"` // a holder's login between PIN and second factor
	Methods string `json:"methods,omitempty"`
	// OAuth is an open finance authorization request (its query) to come
	// back to once signed in (holder_consent.go).
	OAuth string `json:"oauth,omitempty"`
	CSRF  string `json:"csrf"`
	Seen  int64  `json:"seen"` // Unix seconds
	Lang  string `json:"lang,omitempty"`
}

func newToken() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// idle is how long the session may go unused.
func (s *session) idle() time.Duration {
	if s.Kind == kindHolder {
		return holderIdle
	}
	return orgIdle
}

// load opens the request's session; a missing, altered, undecodable or
// idle one is a new visitor's.
func load(keys *pii.Keys, r *http.Request, now time.Time) *session {
	if c, err := r.Cookie(cookieName); err == nil {
		if raw, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			if plain, err := keys.Open(string(raw), sealContext); err == nil {
				var s session
				if json.Unmarshal([]byte(plain), &s) == nil && s.CSRF != "" &&
					(s.Kind == kindNone || now.Sub(time.Unix(s.Seen, 0)) <= s.idle()) {
					return &s
				}
			}
		}
	}
	return &session{CSRF: newToken()}
}

// save seals the session into the answer's cookie: HttpOnly, SameSite
// Strict, Secure under TLS, for the browser's session only.
func save(keys *pii.Keys, w http.ResponseWriter, r *http.Request, s *session, now time.Time) error {
	s.Seen = now.Unix()
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	sealed, err := keys.Seal(string(b), sealContext)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: base64.RawURLEncoding.EncodeToString([]byte(sealed)), Path: "/",
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return nil
}

// validCSRF reports whether a form's csrf_token is the session's.
func (s *session) validCSRF(r *http.Request) bool {
	got := r.PostFormValue("csrf_token")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) == 1
}
