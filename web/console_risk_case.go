package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	bcur "github.com/bojanz/currency"

	"github.com/ingot-cbdc/ingot/client"
)

// An alert's page (its evidence, resolving it) and a case's (its alerts,
// deciding it, and for the central bank the four-eyes reveal of its
// identities), beside the risk page (console_risk.go).

type alertData struct {
	Central     bool
	Alert       alertRow
	Evidence    []evidenceRow
	Resolutions []choice
	// The forms' idempotency keys: resolving, opening a case.
	Idem, CaseIdem string
}

// evidenceRow is one figure of an alert's evidence: Label is the key as a
// reader reads it, Value formatted (an amount in its currency).
type evidenceRow struct {
	Key, Label, Value string
}

type caseData struct {
	Central   bool
	Case      *client.Case
	Alerts    []alertRow
	Decisions []choice
	// The forms' idempotency keys: the decision, asking for a reveal,
	// approving one by its id.
	DecideIdem, RevealIdem, ApproveIdem string
	// Reveals are the case's reveals, as the security events tell them
	// (the API has no list of reveals); NoReveals says this key cannot
	// read security events, so only the form approving by id is offered.
	Reveals   []revealRow
	NoReveals bool
	// Asked is a reveal just asked for; Approved one just approved, with
	// the identities (shown on this page once: the API keeps none to show
	// again).
	Asked, Approved *client.Reveal
}

// revealRow is a reveal of a case, from its security events.
type revealRow struct {
	ID, Reason string
	At         time.Time
	Approved   bool
	Idem       string
}

// caseView is what a case's page shows besides what it reads.
type caseView struct {
	status          int
	flash, err      string
	asked, approved *client.Reveal
}

// moneyKeys are the evidence's figures that are amounts (minor units).
var moneyKeys = []string{"amount", "threshold", "balance", "received_1h", "received_24h", "sent_1h", "sent_24h"}

func (w *Web) riskCaseRoutes() {
	w.handle("GET /console/risk/alerts/{id}", func(q *req) { q.riskAlert(q.r.PathValue("id"), http.StatusOK, "", "") })
	w.handle("POST /console/risk/alerts/{id}/resolve", func(q *req) {
		if !q.riskOrg() {
			return
		}
		id := q.r.PathValue("id")
		_, err := q.client().ResolveAlert(q.r.Context(), id, client.ResolveAlertRequest{Resolution: q.r.PostFormValue("resolution"),
			Note: strings.TrimSpace(q.r.PostFormValue("note"))}, client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		if err != nil {
			if unauthorized(err) {
				q.ended(err)
				return
			}
			q.riskAlert(id, failed(err), "", q.problem(err))
			return
		}
		q.riskAlert(id, http.StatusOK, q.t("risk.alert.resolved"), "")
	})
	w.handle("POST /console/risk/cases", func(q *req) {
		if !q.riskOrg() {
			return
		}
		ids := q.r.PostForm["alert_ids"]
		if len(ids) == 0 {
			q.risk(riskView{status: http.StatusUnprocessableEntity, err: q.t("risk.case.noalerts")})
			return
		}
		c, err := q.client().CreateCase(q.r.Context(), client.CreateCaseRequest{AlertIDs: ids, Note: strings.TrimSpace(q.r.PostFormValue("note"))},
			client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		if err != nil {
			if unauthorized(err) {
				q.ended(err)
				return
			}
			q.risk(riskView{status: failed(err), err: q.problem(err)})
			return
		}
		q.riskCase(c.ID, caseView{flash: q.t("risk.case.opened")})
	})
	w.handle("GET /console/risk/cases/{id}", func(q *req) { q.riskCase(q.r.PathValue("id"), caseView{}) })
	// onCase is a POST about a case: the case's page with its answer.
	onCase := func(pattern string, f func(q *req, c *client.Client, id string) (caseView, error)) {
		w.handle("POST "+pattern, func(q *req) {
			if !q.riskOrg() {
				return
			}
			id := q.r.PathValue("id")
			if id == "" {
				id = q.r.PostFormValue("case")
			}
			v, err := f(q, q.client(), id)
			if v.approved != nil && v.approved.CaseID != "" {
				id = v.approved.CaseID // a reveal approved by its id: its own case
			}
			if err != nil {
				if unauthorized(err) {
					q.ended(err)
					return
				}
				v.status, v.err = failed(err), q.problem(err)
			} else if v.flash == "" {
				v.flash = q.t("done")
			}
			q.riskCase(id, v)
		})
	}
	onCase("/console/risk/cases/{id}/decision", func(q *req, c *client.Client, id string) (caseView, error) {
		_, err := c.DecideCase(q.r.Context(), id, client.DecideCaseRequest{Decision: q.r.PostFormValue("decision"),
			Note: strings.TrimSpace(q.r.PostFormValue("note"))}, client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		return caseView{}, err
	})
	// The central bank's four eyes: one key asks, another approves.
	onCase("/console/risk/cases/{id}/reveal", func(q *req, c *client.Client, id string) (caseView, error) {
		r, err := c.RequestReveal(q.r.Context(), id, client.RequestRevealRequest{Reason: strings.TrimSpace(q.r.PostFormValue("reason"))},
			client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		if err != nil {
			return caseView{}, err
		}
		return caseView{flash: q.t("risk.reveal.asked"), asked: r}, nil
	})
	// Approving a reveal: from its row (the id in the path), or by its id
	// typed (for a key that cannot read the security events listing them).
	approve := func(q *req, c *client.Client, _ string) (caseView, error) {
		rid := q.r.PathValue("reveal")
		if rid == "" {
			rid = strings.TrimSpace(q.r.PostFormValue("reveal"))
		}
		r, err := c.ApproveReveal(q.r.Context(), rid, client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		if err != nil {
			return caseView{}, err
		}
		return caseView{flash: q.t("risk.reveal.approved"), approved: r}, nil
	}
	onCase("/console/risk/reveals/{reveal}/approve", approve)
	onCase("/console/risk/reveals/approve", approve)
}

// riskAlert renders an alert's page.
func (q *req) riskAlert(id string, status int, flash, errText string) {
	if !q.riskOrg() {
		return
	}
	ctx, c := q.r.Context(), q.client()
	a, err := c.GetAlert(ctx, id)
	if err != nil {
		if unauthorized(err) {
			q.ended(err)
			return
		}
		q.risk(riskView{status: http.StatusNotFound, err: q.problem(err)})
		return
	}
	names := map[string]string{}
	if a.Rule != "" {
		if r, err := c.GetRiskRule(ctx, a.Rule); err == nil {
			names[r.ID] = r.Name
		}
	}
	d := alertData{Central: q.s.Role == roleCentralBank, Alert: alertRow{Alert: *a, Source: alertSource(q.t, *a, names)},
		Resolutions: choices(resolutions, nil), Idem: idemKey(), CaseIdem: idemKey()}
	// The evidence's amounts are in minor units of the payment's currency:
	// the evidence's own, else the wallet's.
	var ev map[string]any
	dec := json.NewDecoder(bytes.NewReader(a.Evidence))
	dec.UseNumber()
	_ = dec.Decode(&ev)
	cur, _ := ev["currency"].(string)
	if cur == "" {
		if wl, err := c.GetWallet(ctx, a.Wallet, nil); err == nil {
			cur = wl.Currency
		}
	}
	keys := make([]string, 0, len(ev))
	for k := range ev {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		row := evidenceRow{Key: k, Label: q.t("risk.ev." + k), Value: evidenceValue(q.t, q.lang, k, ev[k], cur)}
		if row.Label == "risk.ev."+k {
			row.Label = k
		}
		d.Evidence = append(d.Evidence, row)
	}
	if status == 0 {
		status = http.StatusOK
	}
	q.wide = true
	q.render(status, "risk_alert", flash, errText, d)
}

// evidenceValue is one figure of an alert's evidence as the page shows
// it: an amount in its currency, an action or channel by its name, else
// as the API wrote it.
func evidenceValue(t func(string) string, lang, key string, v any, cur string) string {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil && key == "score_bp" { // a screening match, in basis points
			return strconv.FormatFloat(float64(n)/100, 'f', 2, 64) + " %"
		}
		if n, err := x.Int64(); err == nil && cur != "" && slices.Contains(moneyKeys, key) {
			if a, err := bcur.NewAmountFromInt64(n, cur); err == nil {
				return money(lang, a.Number(), cur)
			}
		}
		return x.String()
	case string:
		if key == "action" {
			return t("risk.action." + x)
		}
		return x
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// riskCase renders a case's page.
func (q *req) riskCase(id string, v caseView) {
	if !q.riskOrg() {
		return
	}
	ctx, c := q.r.Context(), q.client()
	cs, err := c.GetCase(ctx, id)
	if err != nil {
		if unauthorized(err) {
			q.ended(err)
			return
		}
		if v.err == "" {
			v.err = q.problem(err)
		}
		q.risk(riskView{status: http.StatusNotFound, err: v.err})
		return
	}
	d := caseData{Central: q.s.Role == roleCentralBank, Case: cs, Decisions: choices(caseDecisions, nil),
		DecideIdem: idemKey(), RevealIdem: idemKey(), ApproveIdem: idemKey(), Asked: v.asked, Approved: v.approved}
	status, errText := v.status, v.err
	if status == 0 {
		status = http.StatusOK
	}
	names := map[string]string{}
	if rs, err := c.ListRiskRules(ctx); err == nil {
		names = ruleNames(rs.Items)
	}
	for _, aid := range cs.AlertIDs {
		if a, err := c.GetAlert(ctx, aid); err == nil {
			d.Alerts = append(d.Alerts, alertRow{Alert: *a, Source: alertSource(q.t, *a, names)})
		} else if errText == "" {
			errText, status = q.problem(err), failed(err)
		}
	}
	if d.Central {
		d.Reveals, d.NoReveals = q.caseReveals(c, cs.ID)
	}
	q.wide = true
	q.render(status, "risk_case", v.flash, errText, d)
}

// revealEvent reads a reveal's security event: "case C, reveal R: text"
// (ledger.RequestReveal and ApproveReveal write them so).
var revealEvent = regexp.MustCompile(`(?s)^case (\S+), reveal (\S+): (.*)$`)

// caseReveals are a case's reveals, newest first, from the security
// events that asked for and approved them; false when this key may not
// read the security events.
func (q *req) caseReveals(c *client.Client, caseID string) ([]revealRow, bool) {
	ctx := q.r.Context()
	asked, err := c.ListSecurityEvents(ctx, &client.ListSecurityEventsParams{Type: "reveal.requested", Limit: 500})
	if err != nil {
		return nil, true
	}
	approved := map[string]bool{}
	if evs, err := c.ListSecurityEvents(ctx, &client.ListSecurityEventsParams{Type: "reveal.approved", Limit: 500}); err == nil {
		for _, e := range evs.Items {
			if m := revealEvent.FindStringSubmatch(e.Detail); m != nil && m[1] == caseID {
				approved[m[2]] = true
			}
		}
	}
	var out []revealRow
	for _, e := range asked.Items {
		if m := revealEvent.FindStringSubmatch(e.Detail); m != nil && m[1] == caseID {
			out = append(out, revealRow{ID: m[2], Reason: m[3], At: e.CreatedAt, Approved: approved[m[2]], Idem: idemKey()})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out, false
}
