package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/httpapi"
)

// The consoles: operators and the central bank sign in with their API key
// (kept in the sealed session, never shown again); each console shows
// what that key may see and do through the API.

const (
	roleOperator    = "operator"
	roleCentralBank = "central_bank"
)

type operatorData struct {
	Me        httpapi.Me
	Wallet    *httpapi.Wallet
	Idem      string
	Keys      []httpapi.APIKey
	Scopes    []string // what the operator's keys may have
	Endpoints []httpapi.WebhookEndpoint
	Events    []httpapi.SecurityEvent
	NewKey    string // a key just made: shown once
}

type centralBankData struct {
	Supply     httpapi.Supply
	Operators  []httpapi.Operator
	Checkpoint string
	Key        string // the log's verifier key, as the server says (pin your own)
	Idem       string
	BurnIdem   string
}

func (w *Web) consoleRoutes() {
	w.handle("GET /console/signin", func(q *req) { q.render(http.StatusOK, "console_signin", "", "", nil) })
	w.handle("POST /console/signin", func(q *req) {
		key := strings.TrimSpace(q.r.PostFormValue("api_key"))
		role := ""
		c := q.client().WithCredential(key)
		if _, err := c.GetMe(q.r.Context()); err == nil {
			role = roleOperator
		} else if _, err := c.GetSupply(q.r.Context(), "CNY"); err == nil {
			role = roleCentralBank
		}
		if role == "" {
			q.render(http.StatusUnauthorized, "console_signin", "", q.t("error.forbidden"), nil)
			return
		}
		q.s = &session{Kind: kindOrg, Key: key, Role: role, CSRF: newToken(), Lang: q.s.Lang}
		if role == roleOperator {
			q.redirect("/console/operator")
		} else {
			q.redirect("/console/central-bank")
		}
	})

	w.handle("GET /console/operator", func(q *req) { q.operator(http.StatusOK, "", "", q.r.URL.Query().Get("wallet")) })
	w.handle("POST /console/operator/wallets", func(q *req) {
		if !q.org(roleOperator) {
			return
		}
		var out httpapi.Wallet
		err := q.api("POST", "/v1/wallets", map[string]any{"holder": map[string]string{"name": q.r.PostFormValue("name"), "phone": q.r.PostFormValue("phone")},
			"currency": "CNY"}, &out, "Idempotency-Key", q.r.PostFormValue("idem"))
		if err != nil {
			q.operator(http.StatusUnprocessableEntity, "", q.problem(err), "")
			return
		}
		q.operator(http.StatusOK, q.t("done"), "", out.ID)
	})
	for _, action := range []string{"freeze", "unfreeze"} {
		w.handle("POST /console/operator/wallets/{id}/"+action, func(q *req) {
			if !q.org(roleOperator) {
				return
			}
			id := q.r.PathValue("id")
			if err := q.api("POST", "/v1/wallets/"+id+"/"+action, nil, nil); err != nil {
				q.operator(http.StatusUnprocessableEntity, "", q.problem(err), id)
				return
			}
			q.operator(http.StatusOK, q.t("done"), "", id)
		})
	}

	w.handle("POST /console/operator/keys", func(q *req) {
		if !q.org(roleOperator) {
			return
		}
		var k httpapi.APIKey
		err := q.api("POST", "/v1/api-keys", map[string]any{"name": strings.TrimSpace(q.r.PostFormValue("name")), "scopes": q.r.PostForm["scopes"]}, &k,
			"Idempotency-Key", q.r.PostFormValue("idem"))
		if err != nil {
			q.operator(http.StatusUnprocessableEntity, "", q.problem(err), "")
			return
		}
		q.newKey = k.APIKey
		q.operator(http.StatusOK, q.t("op.key.made"), "", "")
	})
	w.handle("POST /console/operator/keys/{id}/revoke", func(q *req) {
		if !q.org(roleOperator) {
			return
		}
		if err := q.api("DELETE", "/v1/api-keys/"+url.PathEscape(q.r.PathValue("id")), nil, nil); err != nil {
			q.operator(http.StatusUnprocessableEntity, "", q.problem(err), "")
			return
		}
		q.operator(http.StatusOK, q.t("done"), "", "")
	})
	w.handle("GET /console/central-bank", func(q *req) { q.centralBank(http.StatusOK, "", "") })
	// A transfer's proof, for the page's script to check (static/proof.js).
	w.handle("GET /console/central-bank/proof", func(q *req) {
		var p httpapi.InclusionProof
		if q.s.Kind != kindOrg || q.s.Role != roleCentralBank ||
			q.api("GET", "/v1/transfers/"+url.PathEscape(q.r.URL.Query().Get("transfer"))+"/proof", nil, &p) != nil {
			http.Error(q.rw, `{"code":"not_found"}`, http.StatusNotFound)
			return
		}
		q.save()
		q.rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(q.rw).Encode(p)
	})
	for _, op := range []string{"mint", "burn"} {
		w.handle("POST /console/central-bank/"+op, func(q *req) {
			if !q.org(roleCentralBank) {
				return
			}
			err := q.api("POST", "/v1/issuance/"+op, map[string]string{"operator_id": q.r.PostFormValue("operator_id"),
				"amount": strings.TrimSpace(q.r.PostFormValue("amount")), "currency": "CNY"}, nil, "Idempotency-Key", q.r.PostFormValue("idem"))
			if err != nil {
				q.centralBank(http.StatusUnprocessableEntity, "", q.problem(err))
				return
			}
			q.centralBank(http.StatusOK, q.t("done"), "")
		})
	}
}

// org reports whether the session is an organisation's of role, sending
// others to the console's sign-in.
func (q *req) org(role string) bool {
	if q.s.Kind != kindOrg {
		q.redirect("/console/signin")
		return false
	}
	if q.s.Role != role {
		q.render(http.StatusForbidden, "start", "", q.t("error.forbidden"), nil)
		return false
	}
	return true
}

// holder reports whether the session is a signed-in holder's, sending
// others to sign in.
func (q *req) holder() bool {
	if q.s.Kind != kindHolder {
		q.redirect("/signin")
		return false
	}
	return true
}

// operator renders the operator's console, with a wallet when one is
// asked for.
func (q *req) operator(status int, flash, errText, wallet string) {
	if !q.org(roleOperator) {
		return
	}
	d := operatorData{Idem: idemKey(), Scopes: ingot.RoleScopes(ingot.RoleOperator), NewKey: q.newKey}
	if err := q.api("GET", "/v1/operators/me", nil, &d.Me); err != nil {
		q.ended(err)
		return
	}
	// What the key may read; a key without those scopes sees less.
	var keys httpapi.List[httpapi.APIKey]
	if q.api("GET", "/v1/api-keys", nil, &keys) == nil {
		d.Keys = keys.Items
	}
	var eps httpapi.List[httpapi.WebhookEndpoint]
	if q.api("GET", "/v1/webhook-endpoints", nil, &eps) == nil {
		d.Endpoints = eps.Items
	}
	var evs httpapi.List[httpapi.SecurityEvent]
	if q.api("GET", "/v1/security-events?limit=20", nil, &evs) == nil {
		d.Events = evs.Items
	}
	if wallet = strings.TrimSpace(wallet); wallet != "" {
		var wl httpapi.Wallet
		if err := q.api("GET", "/v1/wallets/"+wallet, nil, &wl); err != nil {
			if errText == "" {
				errText, status = q.problem(err), http.StatusNotFound
			}
		} else {
			d.Wallet = &wl
		}
	}
	q.render(status, "operator", flash, errText, d)
}

// centralBank renders the central bank's console.
func (q *req) centralBank(status int, flash, errText string) {
	if !q.org(roleCentralBank) {
		return
	}
	d := centralBankData{Idem: idemKey(), BurnIdem: idemKey()}
	if err := q.api("GET", "/v1/issuance/supply?currency=CNY", nil, &d.Supply); err != nil {
		q.ended(err)
		return
	}
	var ops httpapi.List[httpapi.Operator]
	if err := q.api("GET", "/v1/operators?limit=500", nil, &ops); err == nil {
		d.Operators = ops.Items
	}
	_ = q.api("GET", "/v1/log/checkpoint", nil, &d.Checkpoint) // none before the first transfer
	_ = q.api("GET", "/v1/log/key", nil, &d.Key)
	d.Key = strings.TrimSpace(d.Key)
	q.render(status, "central_bank", flash, errText, d)
}

// ended answers a console page whose API call failed: a key revoked since
// sign-in ends the session.
func (q *req) ended(err error) {
	if unauthorized(err) {
		q.s = &session{CSRF: newToken(), Lang: q.s.Lang}
		q.render(http.StatusUnauthorized, "console_signin", "", q.t("error.session"), nil)
		return
	}
	q.render(http.StatusBadGateway, "start", "", q.problem(err), nil)
}
