package web

import (
	"net/http"
	"strings"
)

// The consoles: operators and the central bank sign in with their API key
// (kept in the sealed session, never shown again); each console shows
// what that key may see and do through the API (console_operator.go,
// console_central.go).

const (
	roleOperator    = "operator"
	roleCentralBank = "central_bank"
)

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
	w.operatorRoutes()    // console_operator.go
	w.centralBankRoutes() // console_central.go
	w.riskRoutes()        // console_risk.go
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
