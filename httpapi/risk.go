package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/risk"
)

// Risk and AML (docs/risk.md): rules, alerts and the large-value report.

// RiskRule is one version of a risk rule.
type RiskRule struct {
	ID         string     `json:"id"`
	Version    int        `json:"version" doc:"A change is a new version; alerts name the version that raised them."`
	Owner      string     `json:"owner" doc:"central_bank (the administrator's rules apply to every payment; another issuer's, issuer_id, to payments in its currencies), or the operator's id (its rules apply to payments of its wallets)."`
	IssuerID   string     `json:"issuer_id,omitempty" doc:"An issuer's rule (not the administrator's): the issuer."`
	Currencies []string   `json:"currencies,omitempty" doc:"An issuer's rule: the currencies it applies to (those the issuer issues)."`
	Name       string     `json:"name"`
	Expression string     `json:"expression" example:"amount >= 5000000 && new_payee"`
	Action     string     `json:"action" enum:"allow,alert,approve,review,deny"`
	Severity   string     `json:"severity" enum:"low,medium,high,critical"`
	Active     bool       `json:"active"`
	CreatedAt  time.Time  `json:"created_at"`
	Versions   []RiskRule `json:"versions,omitempty" doc:"Earlier versions, oldest first (when one rule is read)."`
}

func ruleOut(r *risk.Rule) RiskRule {
	owner := r.OperatorID
	if owner == "" {
		owner = "central_bank"
	}
	return RiskRule{ID: r.ID, Version: r.Version, Owner: owner, IssuerID: r.IssuerID, Currencies: r.Currencies, Name: r.Name, Expression: r.Expression, Action: string(r.Action),
		Severity: string(r.Severity), Active: r.Active, CreatedAt: r.CreatedAt.UTC()}
}

// Alert is a rule's or a built-in pattern's flag on a wallet.
type Alert struct {
	ID          string          `json:"id"`
	Rule        string          `json:"rule,omitempty" doc:"The rule's id; absent for a built-in pattern."`
	RuleVersion int             `json:"rule_version,omitempty"`
	Pattern     string          `json:"pattern,omitempty" enum:"structuring,pass_through,fan_out,fan_in,dormant,screening" doc:"The built-in pattern; absent for a rule."`
	Severity    string          `json:"severity" enum:"low,medium,high,critical"`
	Wallet      string          `json:"wallet"`
	TransferID  string          `json:"transfer_id,omitempty" doc:"The payment that raised it."`
	Evidence    json.RawMessage `json:"evidence" doc:"The figures behind it (amounts in minor units)."`
	Status      string          `json:"status" enum:"open,resolved"`
	Resolution  string          `json:"resolution,omitempty" enum:"false_positive,no_action,reported"`
	Note        string          `json:"note,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	ResolvedAt  time.Time       `json:"resolved_at,omitzero"`
}

func alertOut(a *risk.Alert) Alert {
	ev := a.Evidence
	if len(ev) == 0 {
		ev = json.RawMessage(`{}`)
	}
	return Alert{ID: a.ID, Rule: a.RuleID, RuleVersion: a.RuleVersion, Pattern: a.Pattern, Severity: string(a.Severity),
		Wallet: ingot.FormatWalletID(a.Wallet), TransferID: a.TransferID, Evidence: ev, Status: string(a.Status),
		Resolution: string(a.Resolution), Note: a.Note, CreatedAt: a.CreatedAt.UTC(), ResolvedAt: a.ResolvedAt.UTC()}
}

// LargeValueLine is one wallet's day in the large-value report.
type LargeValueLine struct {
	Wallet    string    `json:"wallet"`
	Operator  string    `json:"operator"`
	Date      string    `json:"date"`
	Currency  string    `json:"currency"`
	Sent      string    `json:"sent" doc:"The day so far."`
	Received  string    `json:"received"`
	Count     int64     `json:"count" doc:"Payments sent and received that day."`
	Threshold string    `json:"threshold" doc:"The wallet's reporting threshold (a person's or a business's)."`
	UpdatedAt time.Time `json:"updated_at"`
}

func largeOut(l *risk.LargeValue) LargeValueLine {
	d := strconv.Itoa(int(l.Day))
	if len(d) == 8 {
		d = d[:4] + "-" + d[4:6] + "-" + d[6:]
	}
	return LargeValueLine{Wallet: ingot.FormatWalletID(l.Wallet), Operator: l.OperatorID, Date: d, Currency: l.Currency,
		Sent: amt(l.Sent, l.Currency), Received: amt(l.Received, l.Currency), Count: l.Count,
		Threshold: amt(l.Threshold, l.Currency), UpdatedAt: l.UpdatedAt.UTC()}
}

// ---- inputs ----

type riskRuleBody struct {
	Name       string `json:"name" maxLength:"100"`
	Expression string `json:"expression" maxLength:"2000" doc:"A CEL expression over the payment (docs/risk.md): amount (minor units), currency, channel, new_payee, payer.*, payee.*, now."`
	Action     string `json:"action" enum:"allow,alert,approve,review,deny"`
	Severity   string `json:"severity" enum:"low,medium,high,critical"`
	Active     *bool  `json:"active,omitempty" doc:"Default true."`
}

type createRiskRuleIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           riskRuleBody
}

type updateRiskRuleIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	ID             string `path:"id"`
	Body           struct {
		Name       string `json:"name,omitempty" maxLength:"100"`
		Expression string `json:"expression,omitempty" maxLength:"2000"`
		Action     string `json:"action,omitempty" enum:"allow,alert,approve,review,deny"`
		Severity   string `json:"severity,omitempty" enum:"low,medium,high,critical"`
		Active     *bool  `json:"active,omitempty" doc:"false retires the rule (a new version, inactive)."`
	}
}

type alertsIn struct {
	Status   string `query:"status" enum:"open,resolved"`
	Severity string `query:"severity" enum:"low,medium,high,critical"`
	Wallet   string `query:"wallet" maxLength:"16"`
	Cursor   string `query:"cursor" maxLength:"64" doc:"Opaque cursor from next_cursor."`
	Limit    int    `query:"limit" minimum:"0" maximum:"500" doc:"Page size, default 50, at most 500."`
}

type resolveAlertIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	ID             string `path:"id" maxLength:"64"`
	Body           struct {
		Resolution string `json:"resolution" enum:"false_positive,no_action,reported"`
		Note       string `json:"note,omitempty" maxLength:"8000" doc:"At most 2,000 characters."`
	}
}

type largeValueIn struct {
	Date   string `query:"date" maxLength:"10" example:"2026-11-28" doc:"The day, YYYY-MM-DD in the configured zone; default today (the day so far)."`
	Format string `query:"format" enum:"json,csv" doc:"Default json."`
}

// ---- routes ----

func (s *server) riskRoutes() {
	const tag = "Risk and AML"
	post(s, "createRiskRule", "/v1/risk-rules", "Add a risk rule: a CEL expression over each payment, and what to do when it matches", http.StatusCreated, tag, s.createRiskRule)
	get(s, "listRiskRules", "/v1/risk-rules", "The risk rules the caller sees (their latest versions)", tag, s.listRiskRules)
	get(s, "getRiskRule", "/v1/risk-rules/{id}", "A risk rule, with its earlier versions", tag, s.getRiskRule)
	register(s, http.MethodPatch, "updateRiskRule", "/v1/risk-rules/{id}", "Change a risk rule: a new version", http.StatusOK, tag, s.updateRiskRule)
	post(s, "backtestRiskRule", "/v1/risk-rules/{id}/backtest", "Try a rule on past payments, without effect", http.StatusOK, tag, s.backtestRiskRule)
	get(s, "listAlerts", "/v1/alerts", "Alerts on the caller's wallets (the central bank: all), newest first", tag, s.listAlerts)
	get(s, "getAlert", "/v1/alerts/{id}", "Read an alert", tag, s.getAlert)
	post(s, "resolveAlert", "/v1/alerts/{id}/resolve", "Resolve an open alert (once)", http.StatusOK, tag, s.resolveAlert)
	get(s, "listReviews", "/v1/reviews", "Payments held for review of the caller's wallets (the central bank: all), newest first", tag, s.listReviews)
	get(s, "getReview", "/v1/reviews/{id}", "Read a review", tag, s.getReview)
	post(s, "releaseReview", "/v1/reviews/{id}/release", "Release a held payment: the payee is paid (once)", http.StatusOK, tag, s.releaseReview)
	post(s, "refuseReview", "/v1/reviews/{id}/refuse", "Refuse a held payment: the money is the payer's again (once)", http.StatusOK, tag, s.refuseReview)
	post(s, "createCase", "/v1/cases", "Open a case over alerts, with a note", http.StatusCreated, tag, s.createCase)
	get(s, "listCases", "/v1/cases", "The caller's cases (the central bank: all), newest first", tag, s.listCases)
	get(s, "getCase", "/v1/cases/{id}", "Read a case", tag, s.getCase)
	post(s, "decideCase", "/v1/cases/{id}/decision", "Decide a case (once): freeze its wallets, report them, or close it", http.StatusOK, tag, s.decideCase)
	post(s, "requestReveal", "/v1/cases/{id}/reveal", "Ask to see the identities behind a case (central bank; a second key approves)", http.StatusAccepted, tag, s.requestReveal)
	post(s, "approveReveal", "/v1/reveals/{reveal_id}/approve", "Approve a reveal by a second central-bank key: the identities behind the case", http.StatusOK, tag, s.approveReveal)
	huma.Register(s.api, huma.Operation{
		OperationID: "setScreeningList", Method: http.MethodPut, Path: "/v1/screening-list",
		Summary: "Replace the sanctions screening list (central bank; CSV with a header row, column name required)", Tags: []string{tag},
		DefaultStatus: http.StatusOK, MaxBodyBytes: MaxScreeningListBytes, Security: bearer,
	}, s.setScreeningList)
	get(s, "getScreeningList", "/v1/screening-list", "The sanctions screening list's version and size (central bank)", tag, s.getScreeningList)
	huma.Register(s.api, huma.Operation{
		OperationID: "getLargeValueReport", Method: http.MethodGet, Path: "/v1/reports/large-value",
		Summary: "The large-value report of a day: one line per wallet whose payments reached its threshold", Tags: []string{tag}, Security: bearer,
		Responses: map[string]*huma.Response{"200": {Description: "The report", Content: map[string]*huma.MediaType{
			"application/json": {Schema: &huma.Schema{Type: "object"}},
			"text/csv":         {Schema: &huma.Schema{Type: "string"}},
		}}},
	}, s.largeValueReport)
}

// ---- handlers ----

func (s *server) createRiskRule(ctx context.Context, in *createRiskRuleIn) (*Out[RiskRule], error) {
	b := in.Body
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*risk.Rule, error) {
			return s.svc.CreateRiskRule(ctx, actor(ctx), ledger.RiskRuleIn{Name: b.Name, Expression: b.Expression, Action: b.Action, Severity: b.Severity, Active: b.Active}, idem)
		}, ruleOut)
}

func (s *server) updateRiskRule(ctx context.Context, in *updateRiskRuleIn) (*Out[RiskRule], error) {
	b := in.Body
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, in.Body,
		func(idem *ledger.Idem) (*risk.Rule, error) {
			return s.svc.UpdateRiskRule(ctx, actor(ctx), in.ID, ledger.RiskRuleIn{Name: b.Name, Expression: b.Expression, Action: b.Action, Severity: b.Severity, Active: b.Active}, idem)
		}, ruleOut)
}

func (s *server) listRiskRules(ctx context.Context, _ *struct{}) (*Body[List[RiskRule]], error) {
	rs, err := s.svc.RiskRules(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[RiskRule]{Items: make([]RiskRule, len(rs))}
	for i := range rs {
		out.Items[i] = ruleOut(&rs[i])
	}
	return &Body[List[RiskRule]]{Body: out}, nil
}

func (s *server) getRiskRule(ctx context.Context, in *idIn) (*Body[RiskRule], error) {
	vs, err := s.svc.RiskRule(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := ruleOut(&vs[len(vs)-1])
	for i := range vs[:len(vs)-1] {
		out.Versions = append(out.Versions, ruleOut(&vs[i]))
	}
	return &Body[RiskRule]{Body: out}, nil
}

func (s *server) listAlerts(ctx context.Context, in *alertsIn) (*Body[List[Alert]], error) {
	as, next, err := s.svc.Alerts(ctx, actor(ctx), ledger.AlertQuery{Status: in.Status, Severity: in.Severity, Wallet: in.Wallet, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[Alert]{Items: make([]Alert, len(as)), NextCursor: next}
	for i := range as {
		out.Items[i] = alertOut(&as[i])
	}
	return &Body[List[Alert]]{Body: out}, nil
}

func (s *server) getAlert(ctx context.Context, in *idIn) (*Body[Alert], error) {
	a, err := s.svc.Alert(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[Alert]{Body: alertOut(a)}, nil
}

func (s *server) resolveAlert(ctx context.Context, in *resolveAlertIn) (*Out[Alert], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, in.Body,
		func(idem *ledger.Idem) (*risk.Alert, error) {
			return s.svc.ResolveAlert(ctx, actor(ctx), in.ID, in.Body.Resolution, in.Body.Note, idem)
		}, alertOut)
}

func (s *server) largeValueReport(ctx context.Context, in *largeValueIn) (*Document, error) {
	ls, err := s.svc.LargeValueReport(ctx, actor(ctx), in.Date)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	lines := make([]LargeValueLine, len(ls))
	for i := range ls {
		lines[i] = largeOut(&ls[i])
	}
	var b bytes.Buffer
	out := &Document{}
	if in.Format == "csv" {
		out.ContentType = "text/csv; charset=utf-8"
		w := csv.NewWriter(&b)
		_ = w.Write([]string{"wallet", "operator", "date", "currency", "sent", "received", "count", "threshold", "updated_at"})
		for _, l := range lines {
			_ = w.Write([]string{l.Wallet, l.Operator, l.Date, l.Currency, l.Sent, l.Received, strconv.FormatInt(l.Count, 10), l.Threshold, l.UpdatedAt.Format(time.RFC3339)})
		}
		w.Flush()
		err = w.Error()
	} else {
		out.ContentType = "application/json"
		err = json.NewEncoder(&b).Encode(map[string]any{"items": lines})
	}
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out.Body = b.Bytes()
	return out, nil
}

// heldAnswer is the 202 answer of a payment held for review. Huma writes
// it as it writes errors (a huma.StatusError), with its own status, content
// type and headers, so that a payment's route keeps its 201 type.
type heldAnswer struct {
	InReview
	replayed bool
}

func inReviewAnswer(r *ledger.InReview, replayed bool) *heldAnswer {
	return &heldAnswer{InReview: InReview{Status: r.Status, ReviewID: r.ReviewID, HoldID: r.HoldID}, replayed: replayed}
}

func (h *heldAnswer) Error() string             { return "in_review: " + h.ReviewID }
func (h *heldAnswer) GetStatus() int            { return http.StatusAccepted }
func (h *heldAnswer) ContentType(string) string { return "application/json" }
func (h *heldAnswer) GetHeaders() http.Header {
	hd := http.Header{}
	if h.replayed {
		hd.Set("Idempotent-Replayed", "true")
	}
	return hd
}

// Review is a payment a risk rule held for review.
type Review struct {
	ID          string    `json:"id"`
	Status      string    `json:"status" enum:"pending,released,refused"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Amount      string    `json:"amount"`
	Currency    string    `json:"currency"`
	Memo        string    `json:"memo,omitempty"`
	Purpose     string    `json:"purpose,omitempty" doc:"The payment's ISO 20022 purpose code, kept for its release."`
	Channel     string    `json:"channel"`
	HoldID      string    `json:"hold_id"`
	Rule        string    `json:"rule"`
	RuleVersion int       `json:"rule_version"`
	AlertID     string    `json:"alert_id"`
	TransferID  string    `json:"transfer_id,omitempty" doc:"The decision's log leaf: the payment once released, the refusal's record (amount 0) once refused."`
	CreatedAt   time.Time `json:"created_at"`
	DecidedAt   time.Time `json:"decided_at,omitzero"`
	Transfer    *Transfer `json:"transfer,omitempty" doc:"The payment, in the answer to a release."`
}

func reviewOut(r *risk.Review) Review {
	return Review{ID: r.ID, Status: string(r.Status), From: ingot.FormatWalletID(r.Payer), To: ingot.FormatWalletID(r.Payee),
		Amount: amt(r.Amount, r.Currency), Currency: r.Currency, Memo: r.Memo, Purpose: r.Purpose, Channel: r.Channel, HoldID: r.HoldID,
		Rule: r.RuleID, RuleVersion: r.RuleVersion, AlertID: r.AlertID, TransferID: r.TransferID,
		CreatedAt: r.CreatedAt.UTC(), DecidedAt: r.DecidedAt.UTC()}
}

// reviewView hides the payer's words from the central bank, as its views
// of transfers do.
func reviewView(ctx context.Context, r Review) Review {
	if actor(ctx).Role == ingot.RoleCentralBank {
		r.Memo = ""
		if r.Transfer != nil {
			r.Transfer.Memo = ""
		}
	}
	return r
}

func reviewOutcomeOut(o *ledger.ReviewOutcome) Review {
	out := reviewOut(&o.Review)
	if o.Transfer != nil {
		t := transferOut(o.Transfer, "")
		out.Transfer = &t
	}
	return out
}

type reviewsIn struct {
	Wallet string `query:"wallet" maxLength:"16"`
	Status string `query:"status" enum:"pending,released,refused"`
	Cursor string `query:"cursor" maxLength:"64" doc:"Opaque cursor from next_cursor."`
	Limit  int    `query:"limit" minimum:"0" maximum:"500" doc:"Page size, default 50, at most 500."`
}

type decideReviewIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	ID             string `path:"id" maxLength:"64"`
}

func (s *server) listReviews(ctx context.Context, in *reviewsIn) (*Body[List[Review]], error) {
	rs, next, err := s.svc.Reviews(ctx, actor(ctx), ledger.ReviewQuery{Wallet: in.Wallet, Status: in.Status, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[Review]{Items: make([]Review, len(rs)), NextCursor: next}
	for i := range rs {
		out.Items[i] = reviewView(ctx, reviewOut(&rs[i]))
	}
	return &Body[List[Review]]{Body: out}, nil
}

func (s *server) getReview(ctx context.Context, in *idIn) (*Body[Review], error) {
	r, err := s.svc.Review(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[Review]{Body: reviewView(ctx, reviewOut(r))}, nil
}

func (s *server) releaseReview(ctx context.Context, in *decideReviewIn) (*Out[Review], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, nil,
		func(idem *ledger.Idem) (*ledger.ReviewOutcome, error) {
			return s.svc.ReleaseReview(ctx, actor(ctx), in.ID, idem)
		},
		func(o *ledger.ReviewOutcome) Review { return reviewView(ctx, reviewOutcomeOut(o)) })
}

func (s *server) refuseReview(ctx context.Context, in *decideReviewIn) (*Out[Review], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, nil,
		func(idem *ledger.Idem) (*ledger.ReviewOutcome, error) {
			return s.svc.RefuseReview(ctx, actor(ctx), in.ID, idem)
		},
		func(o *ledger.ReviewOutcome) Review { return reviewView(ctx, reviewOutcomeOut(o)) })
}

// Case groups alerts under investigation.
type Case struct {
	ID        string    `json:"id"`
	Owner     string    `json:"owner" doc:"central_bank, or the operator's id."`
	IssuerID  string    `json:"issuer_id,omitempty" doc:"A case of another issuer (not the administrator): the issuer."`
	AlertIDs  []string  `json:"alert_ids"`
	Note      string    `json:"note"`
	Status    string    `json:"status" enum:"open,decided"`
	Decision  string    `json:"decision,omitempty" enum:"freeze,report,close"`
	CreatedAt time.Time `json:"created_at"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
}

func caseOut(c *risk.Case) Case {
	owner := c.OperatorID
	if owner == "" {
		owner = "central_bank"
	}
	return Case{ID: c.ID, Owner: owner, IssuerID: c.IssuerID, AlertIDs: c.AlertIDs, Note: c.Note, Status: string(c.Status), Decision: string(c.Decision),
		CreatedAt: c.CreatedAt.UTC(), DecidedAt: c.DecidedAt.UTC()}
}

// Reveal is the central bank's four-eyes request to see a case's
// identities.
type Reveal struct {
	RevealID   string           `json:"reveal_id"`
	CaseID     string           `json:"case_id"`
	Status     string           `json:"status" enum:"pending,approved"`
	Reason     string           `json:"reason"`
	CreatedAt  time.Time        `json:"created_at"`
	ApprovedAt time.Time        `json:"approved_at,omitzero"`
	Identities []RevealIdentity `json:"identities,omitempty" doc:"In the answer to the approval only (not in an idempotent replay)."`
}

// RevealIdentity is a holder's identity, in clear.
type RevealIdentity struct {
	Wallet   string `json:"wallet"`
	Operator string `json:"operator"`
	Tier     int    `json:"tier"`
	Kind     string `json:"kind,omitempty"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	IDNumber string `json:"id_number,omitempty"`
	// Anonymous is a tier-4 (phone-only) wallet: anonymous to all but its
	// operator, so no identity is shown.
	Anonymous bool `json:"anonymous,omitempty" doc:"A tier-4 (phone-only) wallet: anonymous to everyone but its operator; ask the operator."`
}

func revealOut(r *risk.Reveal) Reveal {
	return Reveal{RevealID: r.ID, CaseID: r.CaseID, Status: string(r.Status), Reason: r.Reason, CreatedAt: r.CreatedAt.UTC(), ApprovedAt: r.ApprovedAt.UTC()}
}

type createCaseIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		AlertIDs []string `json:"alert_ids" minItems:"1" maxItems:"100"`
		Note     string   `json:"note,omitempty" maxLength:"8000" doc:"At most 2,000 characters."`
	}
}

type casesIn struct {
	Cursor string `query:"cursor" maxLength:"64" doc:"Opaque cursor from next_cursor."`
	Limit  int    `query:"limit" minimum:"0" maximum:"500" doc:"Page size, default 50, at most 500."`
}

type decideCaseIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	ID             string `path:"id" maxLength:"64"`
	Body           struct {
		Decision string `json:"decision" enum:"freeze,report,close"`
		Note     string `json:"note,omitempty" maxLength:"8000" doc:"At most 2,000 characters, added to the case's note."`
	}
}

type requestRevealIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	ID             string `path:"id" maxLength:"64"`
	Body           struct {
		Reason string `json:"reason" maxLength:"8000" doc:"Why the identities are needed: at most 2,000 characters, kept with the security event."`
	}
}

type approveRevealIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	RevealID       string `path:"reveal_id" maxLength:"64"`
}

func (s *server) createCase(ctx context.Context, in *createCaseIn) (*Out[Case], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*risk.Case, error) {
			return s.svc.CreateCase(ctx, actor(ctx), in.Body.AlertIDs, in.Body.Note, idem)
		}, caseOut)
}

func (s *server) listCases(ctx context.Context, in *casesIn) (*Body[List[Case]], error) {
	cs, next, err := s.svc.Cases(ctx, actor(ctx), in.Cursor, in.Limit)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[Case]{Items: make([]Case, len(cs)), NextCursor: next}
	for i := range cs {
		out.Items[i] = caseOut(&cs[i])
	}
	return &Body[List[Case]]{Body: out}, nil
}

func (s *server) getCase(ctx context.Context, in *idIn) (*Body[Case], error) {
	c, err := s.svc.Case(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[Case]{Body: caseOut(c)}, nil
}

func (s *server) decideCase(ctx context.Context, in *decideCaseIn) (*Out[Case], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, in.Body,
		func(idem *ledger.Idem) (*risk.Case, error) {
			return s.svc.DecideCase(ctx, actor(ctx), in.ID, in.Body.Decision, in.Body.Note, idem)
		}, caseOut)
}

func (s *server) requestReveal(ctx context.Context, in *requestRevealIn) (*Out[Reveal], error) {
	ri := info(ctx)
	return exec(s, ctx, in.IdempotencyKey, http.StatusAccepted, in.Body,
		func(idem *ledger.Idem) (*risk.Reveal, error) {
			return s.svc.RequestReveal(ctx, ri.actor, in.ID, in.Body.Reason, ri.client.Address, idem)
		}, revealOut)
}

func (s *server) approveReveal(ctx context.Context, in *approveRevealIn) (*Out[Reveal], error) {
	ri := info(ctx)
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, nil,
		func(idem *ledger.Idem) (*ledger.RevealResult, error) {
			return s.svc.ApproveReveal(ctx, ri.actor, in.RevealID, ri.client.Address, idem)
		}, func(r *ledger.RevealResult) Reveal {
			out := revealOut(&r.Reveal)
			for _, id := range r.Identities {
				out.Identities = append(out.Identities, RevealIdentity{Wallet: ingot.FormatWalletID(id.Wallet), Operator: id.OperatorID,
					Tier: int(id.Tier), Kind: string(id.Holder.Kind), Name: id.Holder.Name, Phone: id.Holder.Phone, IDNumber: id.Holder.IDNumber,
					Anonymous: id.Anonymous})
			}
			return out
		})
}

// BacktestResult is what a rule would have matched.
type BacktestResult struct {
	Evaluated int64 `json:"evaluated" doc:"Payments of the rule owner's scope in the window that the rule was evaluated on."`
	Hits      int64 `json:"hits" doc:"Of which it matched."`
	Errors    int64 `json:"errors" doc:"Of which its evaluation failed (no match)."`
	Truncated bool  `json:"truncated" doc:"True when the window held more than 1,000,000 payments: the figures cover the first ones."`
}

type backtestIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		From time.Time `json:"from,omitzero" doc:"Default: the first payment."`
		To   time.Time `json:"to,omitzero" doc:"Default: now."`
	}
}

func (s *server) backtestRiskRule(ctx context.Context, in *backtestIn) (*Body[BacktestResult], error) {
	bt, err := s.svc.BacktestRule(ctx, actor(ctx), in.ID, in.Body.From, in.Body.To)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[BacktestResult]{Body: BacktestResult{Evaluated: bt.Evaluated, Hits: bt.Hits, Errors: bt.Errors, Truncated: bt.Truncated}}, nil
}

// MaxScreeningListBytes is the largest screening list accepted.
const MaxScreeningListBytes = 32 << 20

// ScreeningList is the sanctions list's state.
type ScreeningList struct {
	Version   int64     `json:"version" doc:"Advances with every list loaded; every holder is screened again against it."`
	Entries   int       `json:"entries"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

type setScreeningListIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	RawBody        []byte `contentType:"text/csv"`
}

func (s *server) setScreeningList(ctx context.Context, in *setScreeningListIn) (*Out[ScreeningList], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, string(in.RawBody),
		func(idem *ledger.Idem) (*ledger.ScreeningList, error) {
			return s.svc.SetScreeningList(ctx, actor(ctx), bytes.NewReader(in.RawBody), idem)
		}, func(l *ledger.ScreeningList) ScreeningList {
			return ScreeningList{Version: l.Version, Entries: l.Entries, UpdatedAt: l.At.UTC()}
		})
}

func (s *server) getScreeningList(ctx context.Context, _ *struct{}) (*Body[ScreeningList], error) {
	l, err := s.svc.ScreeningStatus(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[ScreeningList]{Body: ScreeningList{Version: l.Version, Entries: l.Entries}}, nil
}
