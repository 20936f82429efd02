package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot/client"
)

// Risk and AML in the consoles (docs/risk.md), one page for operators and
// the central bank alike, /console/risk, linked from both consoles: the
// alerts (filters, pages, an alert's evidence and its resolution), the
// payments held for review (release, refuse), cases over alerts (opened
// from the alerts ticked, decided), the rules (add, retire) and the
// large-value report of a day. Each reads and acts through the API with
// the console's key, so an operator sees its own wallets' alerts, reviews
// and cases, its rules and the central bank's, and the central bank sees
// all. The central bank's four-eyes reveal of a case's identities is on
// the case's page (console_risk_case.go).

// Alert filters and pages.
var (
	alertStatuses  = []string{"open", "resolved"}
	severities     = []string{"low", "medium", "high", "critical"}
	ruleActions    = []string{"alert", "review", "approve", "deny", "allow"}
	resolutions    = []string{"false_positive", "no_action", "reported"}
	caseDecisions  = []string{"freeze", "report", "close"}
	alertsPageSize = 20
	casesPageSize  = 20
)

type riskData struct {
	// Central says whether the console is the central bank's; Me is the
	// operator (nil for the central bank).
	Central bool
	Me      *client.Me
	// The alerts: the filter, this page, and the next page's cursor
	// ("" on the last). Cursor is this page's ("" on the first).
	Status, Severity, Wallet, Cursor, Next string
	Statuses, Severities                   []choice
	Alerts                                 []alertRow
	// CaseIdem is the idempotency key of the form opening a case.
	CaseIdem string
	// The reviews: pending, then the latest decided.
	Pending, Decided []reviewRow
	// The cases, a page of them and the next page's cursor.
	Cases                   []client.Case
	CasesCursor, CasesNext  string
	Rules                   []ruleRow
	Rule                    ruleForm
	Actions, RuleSeverities []choice
	// The large-value report of Date (YYYY-MM-DD).
	Date  string
	Large []largeValueLine
}

// alertRow is an alert with what raised it, as a reader names it.
type alertRow struct {
	client.Alert
	Source string
}

// reviewRow is a review with its rule's name and, pending, the
// idempotency keys of its two forms.
type reviewRow struct {
	client.Review
	RuleName                string
	ReleaseIdem, RefuseIdem string
}

// ruleRow is a rule; Mine says the console's key owns it (and may retire
// it while active).
type ruleRow struct {
	client.RiskRule
	Mine bool
	Idem string
}

// ruleForm is the form adding a rule: what was typed, and CEL's message
// when the expression was refused (invalid_rule).
type ruleForm struct {
	Name, Expression, Action, Severity, Idem string
	ExprError                                string
}

// largeValueLine is one line of the large-value report (the API's
// getLargeValueReport item).
type largeValueLine struct {
	Wallet    string    `json:"wallet"`
	Operator  string    `json:"operator"`
	Date      string    `json:"date"`
	Currency  string    `json:"currency"`
	Sent      string    `json:"sent"`
	Received  string    `json:"received"`
	Count     int64     `json:"count"`
	Threshold string    `json:"threshold"`
	UpdatedAt time.Time `json:"updated_at"`
}

// riskView is what the risk page shows besides what it reads.
type riskView struct {
	status     int
	flash, err string
	rule       *ruleForm // a rule form sent back with its values
}

// riskOrg reports whether the session is an operator's or the central
// bank's console, sending others to the console's sign-in.
func (q *req) riskOrg() bool {
	if q.s.Kind != kindOrg {
		q.redirect("/console/signin")
		return false
	}
	if q.s.Role != roleOperator && q.s.Role != roleCentralBank {
		q.render(http.StatusForbidden, "start", "", q.t("error.forbidden"), nil)
		return false
	}
	return true
}

// failed is the status a page answers with for an API error: the API's
// own 4xx (403 for a reveal approved by the key that asked, 409 for a
// decision made already), else 422.
func failed(err error) int {
	var ce *client.Error
	if errors.As(err, &ce) && ce.Status >= 400 && ce.Status < 500 && ce.Status != http.StatusUnauthorized {
		return ce.Status
	}
	return http.StatusUnprocessableEntity
}

func (w *Web) riskRoutes() {
	w.handle("GET /console/risk", func(q *req) { q.risk(riskView{}) })
	// act is a POST of the risk page: done (the page with the message
	// done), or the API's error on the page.
	act := func(pattern, done string, f func(q *req, c *client.Client) error) {
		w.handle("POST "+pattern, func(q *req) {
			if !q.riskOrg() {
				return
			}
			if err := f(q, q.client()); err != nil {
				if unauthorized(err) {
					q.ended(err)
					return
				}
				q.risk(riskView{status: failed(err), err: q.problem(err)})
				return
			}
			q.risk(riskView{flash: q.t(done)})
		})
	}
	act("/console/risk/reviews/{id}/release", "risk.released", func(q *req, c *client.Client) error {
		_, err := c.ReleaseReview(q.r.Context(), q.r.PathValue("id"), client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		return err
	})
	act("/console/risk/reviews/{id}/refuse", "risk.refused", func(q *req, c *client.Client) error {
		_, err := c.RefuseReview(q.r.Context(), q.r.PathValue("id"), client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		return err
	})
	act("/console/risk/rules/{id}/retire", "risk.rule.retired", func(q *req, c *client.Client) error {
		return q.retireRule(q.r.PathValue("id"), q.r.PostFormValue("idem"))
	})
	w.handle("POST /console/risk/rules", func(q *req) {
		if !q.riskOrg() {
			return
		}
		f := q.r.PostForm
		rf := ruleForm{Name: strings.TrimSpace(f.Get("name")), Expression: strings.TrimSpace(f.Get("expression")),
			Action: f.Get("action"), Severity: f.Get("severity"), Idem: f.Get("idem")}
		_, err := q.client().CreateRiskRule(q.r.Context(), client.RiskRuleBody{Name: rf.Name, Expression: rf.Expression, Action: rf.Action,
			Severity: rf.Severity}, client.WithIdempotencyKey(rf.Idem))
		switch {
		case err == nil:
			q.risk(riskView{flash: q.t("risk.rule.added")})
		case unauthorized(err):
			q.ended(err)
		case client.Code(err) == "invalid_rule":
			// CEL's message, next to the expression; the form keeps what
			// was typed (and its key: the rule was not made).
			rf.ExprError = q.problem(err)
			q.risk(riskView{status: http.StatusUnprocessableEntity, rule: &rf})
		default:
			q.risk(riskView{status: failed(err), err: q.problem(err), rule: &rf})
		}
	})
	// The large-value report of a day, as the API's CSV.
	w.handle("GET /console/risk/large-value.csv", func(q *req) {
		if !q.riskOrg() {
			return
		}
		date := q.r.URL.Query().Get("date")
		doc, err := q.client().GetLargeValueReportRaw(q.r.Context(), &client.GetLargeValueReportParams{Date: date, Format: "csv"})
		if err != nil {
			if unauthorized(err) {
				q.ended(err)
				return
			}
			q.risk(riskView{status: failed(err), err: q.problem(err)})
			return
		}
		q.save()
		q.rw.Header().Set("Content-Type", "text/csv; charset=utf-8")
		q.rw.Header().Set("Content-Disposition", `attachment; filename="large-value-`+safeName(date)+`.csv"`)
		_, _ = q.rw.Write(doc)
	})
	w.riskCaseRoutes() // console_risk_case.go
}

// retireRule retires a rule: a new version with active false. The
// generated client cannot send that (UpdateRiskRuleRequest.Active is a
// bool with omitempty, so false is left out), so this one call goes to the
// API as the client's calls do: in-process, through the same transport,
// with the session's key and the form's idempotency key.
func (q *req) retireRule(id, idem string) error {
	r, err := http.NewRequestWithContext(q.r.Context(), http.MethodPatch, apiBase+"/v1/risk-rules/"+url.PathEscape(id), nil)
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+q.cred())
	if idem == "" {
		idem = client.NewIdempotencyKey()
	}
	r.Header.Set("Idempotency-Key", idem)
	res := (&visitor{q: q}).serve(r, []byte(`{"active":false}`))
	if res.StatusCode < 300 {
		return nil
	}
	e := &client.Error{}
	if json.NewDecoder(res.Body).Decode(e) != nil || e.Code == "" {
		e = &client.Error{Title: http.StatusText(res.StatusCode)}
	}
	e.Status = res.StatusCode
	return e
}

// risk renders the risk page.
func (q *req) risk(v riskView) {
	if !q.riskOrg() {
		return
	}
	ctx, c := q.r.Context(), q.client()
	qs := q.r.URL.Query()
	if q.r.Method == http.MethodPost { // after a form: the first pages, no filter
		qs = url.Values{}
	}
	d := riskData{Central: q.s.Role == roleCentralBank, CaseIdem: idemKey(),
		Status: qs.Get("status"), Severity: qs.Get("severity"), Wallet: strings.ReplaceAll(strings.TrimSpace(qs.Get("wallet")), " ", ""),
		Cursor: qs.Get("cursor"), CasesCursor: qs.Get("cases_cursor"), Date: strings.TrimSpace(qs.Get("date"))}
	if !slices.Contains(alertStatuses, d.Status) {
		d.Status = ""
	}
	if !slices.Contains(severities, d.Severity) {
		d.Severity = ""
	}
	d.Statuses, d.Severities = choices(alertStatuses, []string{d.Status}), choices(severities, []string{d.Severity})
	status, errText := v.status, v.err
	if status == 0 {
		status = http.StatusOK
	}
	// fail keeps the first error of the page's reads.
	fail := func(err error) {
		if errText == "" {
			errText, status = q.problem(err), failed(err)
		}
	}
	if !d.Central {
		me, err := c.GetMe(ctx)
		if err != nil {
			q.ended(err)
			return
		}
		d.Me = me
	}
	rules, err := c.ListRiskRules(ctx)
	if err != nil {
		if unauthorized(err) {
			q.ended(err)
			return
		}
		fail(err)
		rules = &client.List[client.RiskRule]{}
	}
	names := ruleNames(rules.Items)
	owner := "central_bank"
	if d.Me != nil {
		owner = d.Me.ID
	}
	for _, r := range rules.Items {
		d.Rules = append(d.Rules, ruleRow{RiskRule: r, Mine: r.Owner == owner, Idem: idemKey()})
	}

	if as, err := c.ListAlerts(ctx, &client.ListAlertsParams{Status: d.Status, Severity: d.Severity, Wallet: d.Wallet, Cursor: d.Cursor,
		Limit: int64(alertsPageSize)}); err != nil {
		fail(err)
	} else {
		d.Next = as.NextCursor
		for _, a := range as.Items {
			d.Alerts = append(d.Alerts, alertRow{Alert: a, Source: alertSource(q.t, a, names)})
		}
	}

	if rs, err := c.ListReviews(ctx, &client.ListReviewsParams{Status: "pending", Limit: 100}); err != nil {
		fail(err)
	} else {
		for _, r := range rs.Items {
			d.Pending = append(d.Pending, reviewRow{Review: r, RuleName: names[r.Rule], ReleaseIdem: idemKey(), RefuseIdem: idemKey()})
		}
	}
	if rs, err := c.ListReviews(ctx, &client.ListReviewsParams{Limit: 50}); err == nil {
		for _, r := range rs.Items {
			if r.Status != "pending" {
				d.Decided = append(d.Decided, reviewRow{Review: r, RuleName: names[r.Rule]})
			}
		}
	}

	if cs, err := c.ListCases(ctx, &client.ListCasesParams{Cursor: d.CasesCursor, Limit: int64(casesPageSize)}); err != nil {
		fail(err)
	} else {
		d.Cases, d.CasesNext = cs.Items, cs.NextCursor
	}

	// A form sent back keeps what was typed, with a new key: the one it
	// was sent with may keep the refusal's answer.
	d.Rule = ruleForm{Action: "alert", Severity: "medium"}
	if v.rule != nil {
		d.Rule = *v.rule
	}
	d.Rule.Idem = idemKey()
	d.Actions, d.RuleSeverities = choices(ruleActions, []string{d.Rule.Action}), choices(severities, []string{d.Rule.Severity})

	if d.Date == "" {
		d.Date = q.w.now().In(q.w.zone).Format(time.DateOnly)
	}
	if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
		fail(errors.New(q.t("risk.large.baddate")))
		d.Date = q.w.now().In(q.w.zone).Format(time.DateOnly)
	} else if raw, err := c.GetLargeValueReport(ctx, &client.GetLargeValueReportParams{Date: d.Date}); err != nil {
		fail(err)
	} else {
		var rep struct {
			Items []largeValueLine `json:"items"`
		}
		if err := json.Unmarshal(raw, &rep); err != nil {
			fail(err)
		}
		d.Large = rep.Items
	}
	q.wide = true
	q.render(status, "risk", v.flash, errText, d)
}

// ruleNames are rules' names by id.
func ruleNames(rs []client.RiskRule) map[string]string {
	m := make(map[string]string, len(rs))
	for _, r := range rs {
		m[r.ID] = r.Name
	}
	return m
}

// alertSource names what raised an alert: a rule (its name and version)
// or a built-in pattern.
func alertSource(t func(string) string, a client.Alert, names map[string]string) string {
	if a.Pattern != "" {
		return t("risk.pattern." + a.Pattern)
	}
	n := names[a.Rule]
	if n == "" {
		n = a.Rule
	}
	return n + " (v" + strconv.FormatInt(a.RuleVersion, 10) + ")"
}
