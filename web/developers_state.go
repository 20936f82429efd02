package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// The developer sandbox keeps what it made for a developer in a cookie of
// its own, ingot_dev, sealed like the session (AES-256-GCM with the
// deployment's data key, another context): the sandbox operator and its
// API key (shown once, then used only by the page), and the test wallets,
// sandbox bank accounts and bank operations made from the page. It is
// apart from the session so that signing in and out of the wallet or a
// console does not lose the sandbox; it ends after two hours unused, or
// with the page's "forget" button.

const (
	devCookie  = "ingot_dev"
	devContext = "web_developer"
	devIdle    = 2 * time.Hour
	// What the cookie keeps at most (the oldest go first).
	devMaxWallets  = 8
	devMaxAccounts = 8
	devMaxOps      = 5
)

// devState is a developer's sandbox.
type devState struct {
	OperatorID string       `json:"op,omitempty"`
	Key        string       `json:"key,omitempty"` // the operator's ingot_test_ key
	Wallets    []devWallet  `json:"w,omitempty"`
	Accounts   []devAccount `json:"a,omitempty"`
	Ops        []string     `json:"o,omitempty"` // bank operations' ids, newest first
	Seen       int64        `json:"seen"`
}

// devWallet is a test wallet and its holder's phone (E.164) and name, in
// clear: the page shows the phone's text messages, and opens bank
// accounts in the holder's name.
type devWallet struct {
	ID    string `json:"id"`
	Phone string `json:"p"`
	Name  string `json:"n"`
}

// devAccount is a sandbox bank account, linked to a test wallet.
type devAccount struct {
	Wallet string `json:"w"`
	Bank   string `json:"b"`
	Number string `json:"n"`
	ID     string `json:"id"` // the link's id (bank_account_id)
}

// devLoad opens the request's sandbox; a missing, altered or idle one is
// empty.
func (q *req) devLoad() *devState {
	if c, err := q.r.Cookie(devCookie); err == nil {
		if raw, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			if plain, err := q.w.keys.Open(string(raw), devContext); err == nil {
				var d devState
				if json.Unmarshal([]byte(plain), &d) == nil && q.w.now().Sub(time.Unix(d.Seen, 0)) <= devIdle {
					return &d
				}
			}
		}
	}
	return &devState{}
}

// devSave seals the sandbox into the answer's cookie (an empty one
// removes it): HttpOnly, SameSite Strict, Secure under TLS.
func (q *req) devSave(d *devState) {
	c := &http.Cookie{Name: devCookie, Path: "/", HttpOnly: true, Secure: q.r.TLS != nil, SameSite: http.SameSiteStrictMode}
	if d.OperatorID == "" {
		c.MaxAge = -1
		http.SetCookie(q.rw, c)
		return
	}
	d.Seen = q.w.now().Unix()
	b, err := json.Marshal(d)
	if err == nil {
		var sealed string
		if sealed, err = q.w.keys.Seal(string(b), devContext); err == nil {
			c.Value = base64.RawURLEncoding.EncodeToString([]byte(sealed))
			http.SetCookie(q.rw, c)
			return
		}
	}
	q.w.log.Error("web: saving the developer sandbox", "err", err)
}

// wallet is a test wallet of the sandbox, or nil.
func (d *devState) wallet(id string) *devWallet {
	i := slices.IndexFunc(d.Wallets, func(w devWallet) bool { return w.ID == id })
	if i < 0 {
		return nil
	}
	return &d.Wallets[i]
}

// account is a linked sandbox bank account of the sandbox, or nil.
func (d *devState) account(id string) *devAccount {
	i := slices.IndexFunc(d.Accounts, func(a devAccount) bool { return a.ID == id })
	if i < 0 {
		return nil
	}
	return &d.Accounts[i]
}

// keepLast keeps the last n of s.
func keepLast[T any](s []T, n int) []T {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
