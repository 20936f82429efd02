package ledger

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// Risk rules, alerts and reports (docs/risk.md). Rules are written here,
// outside the engine; every batch that pays reads their version and the
// engine loads them again when it changed (risk.go), so a rule applies to
// every payment accepted after its creation was answered, in any process.

// RiskRuleIn creates a rule, or changes one (a new version: empty fields
// keep the previous version's).
type RiskRuleIn struct {
	Name       string
	Expression string
	Action     string
	Severity   string
	Active     *bool // nil: active (a new rule), unchanged (a change)
}

// CreateRiskRule adds a rule of the caller: the administrator's apply to
// every payment, another issuer's to the payments in its currencies, an
// operator's to payments of its wallets.
func (s *Service) CreateRiskRule(ctx context.Context, a ingot.Actor, in RiskRuleIn, idem *Idem) (*risk.Rule, error) {
	r, err := s.ruleOwner(ctx, a)
	if err != nil {
		return nil, err
	}
	r.ID, r.Version, r.Active, r.CreatedAt = newID(), 1, true, s.now()
	return s.addRiskRule(ctx, r, in, idem)
}

// ruleOwner is a new rule of the caller with its owner's fields: an
// operator's (OperatorID), the administrator's (none), another issuer's
// (IssuerID, and Currencies: the ones it issues, which the rule is
// limited to).
func (s *Service) ruleOwner(ctx context.Context, a ingot.Actor) (risk.Rule, error) {
	o, err := s.oversightOf(ctx, a) // issuers.go
	if err != nil {
		return risk.Rule{}, err
	}
	r := risk.Rule{OperatorID: o.operator, Currencies: o.currencies}
	if o.currencies != nil {
		r.IssuerID = issuerOfActor(a)
	}
	return r, nil
}

// ownRule reports whether rule r is the caller's (owner: ruleOwner).
func ownRule(r, owner *risk.Rule) bool { return r.Owner() == owner.Owner() }

// UpdateRiskRule makes a new version of one of the caller's rules.
func (s *Service) UpdateRiskRule(ctx context.Context, a ingot.Actor, id string, in RiskRuleIn, idem *Idem) (*risk.Rule, error) {
	owner, err := s.ruleOwner(ctx, a)
	if err != nil {
		return nil, err
	}
	vs, err := s.st.RiskRuleVersions(ctx, id)
	if isNotFound(err) || (err == nil && !ownRule(&vs[len(vs)-1], &owner)) {
		return nil, notFound("risk rule " + id)
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	prev := vs[len(vs)-1]
	r := prev
	r.Version, r.CreatedAt = prev.Version+1, s.now()
	if in.Name == "" {
		in.Name = prev.Name
	}
	if in.Expression == "" {
		in.Expression = prev.Expression
	}
	if in.Action == "" {
		in.Action = string(prev.Action)
	}
	if in.Severity == "" {
		in.Severity = string(prev.Severity)
	}
	if in.Active == nil {
		in.Active = &prev.Active
	}
	return s.addRiskRule(ctx, r, in, idem)
}

func (s *Service) addRiskRule(ctx context.Context, r risk.Rule, in RiskRuleIn, idem *Idem) (*risk.Rule, error) {
	r.Name, r.Expression = strings.TrimSpace(in.Name), in.Expression
	r.Action, r.Severity = risk.Action(in.Action), risk.Severity(in.Severity)
	if in.Active != nil {
		r.Active = *in.Active
	}
	if _, err := risk.CompileRule(r); err != nil {
		return nil, err
	}
	res := &r
	rec, err := s.outcomeRecord(idem, res)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.AddRiskRule(ctx, r, rec)
	if isConflict(err) {
		return nil, ingot.Errorf(ingot.CodeConflict, "risk rule %s was changed meanwhile; read it and try again", r.ID)
	}
	return created(ctx, s, res, existing, err, idem)
}

// RiskRules lists the rules the caller sees: the administrator all of
// them, another issuer its own and the administrator's (which apply to its
// currencies too), an operator its own and the central banks' (which apply
// to its wallets too).
func (s *Service) RiskRules(ctx context.Context, a ingot.Actor) ([]risk.Rule, error) {
	owner, err := s.ruleOwner(ctx, a)
	if err != nil {
		return nil, err
	}
	if a.Role == ingot.RoleCentralBank {
		rs, err := s.st.RiskRules(ctx, "", owner.IssuerID == "")
		if err != nil {
			return nil, s.unavailable(ctx, err)
		}
		return slices.DeleteFunc(rs, func(r risk.Rule) bool { return !seesRule(&r, &owner) }), nil
	}
	own, err := s.st.RiskRules(ctx, a.OperatorID, false)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	cb, err := s.st.RiskRules(ctx, "", false)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return append(cb, own...), nil
}

// RiskRule reads a rule's versions, oldest first, when the caller sees
// it (RiskRules).
func (s *Service) RiskRule(ctx context.Context, a ingot.Actor, id string) ([]risk.Rule, error) {
	owner, err := s.ruleOwner(ctx, a)
	if err != nil {
		return nil, err
	}
	vs, err := s.st.RiskRuleVersions(ctx, id)
	if isNotFound(err) || (err == nil && !seesRule(&vs[0], &owner)) {
		return nil, notFound("risk rule " + id)
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return vs, nil
}

// seesRule reports whether the owner of rules owner (ruleOwner) sees rule
// r: its own; the central banks' rules, for an operator; the
// administrator's, for another issuer; every rule, for the administrator.
func seesRule(r, owner *risk.Rule) bool {
	switch {
	case ownRule(r, owner):
		return true
	case owner.OperatorID != "":
		return r.OperatorID == ""
	case owner.IssuerID != "":
		return r.OperatorID == "" && r.IssuerID == ""
	}
	return true
}

// AlertQuery selects alerts.
type AlertQuery struct {
	Status   string // open, resolved or ""
	Severity string
	Wallet   string
	Cursor   string // the last alert id of the previous page
	Limit    int
}

// Alerts lists the alerts the caller sees (an operator's: its wallets';
// the administrator: all; another issuer: its currencies' wallets'),
// newest first.
func (s *Service) Alerts(ctx context.Context, a ingot.Actor, q AlertQuery) ([]risk.Alert, string, error) {
	o, err := s.oversightOf(ctx, a) // issuers.go
	if err != nil {
		return nil, "", err
	}
	f := store.AlertFilter{OperatorID: o.operator, Currencies: o.currencies, Status: risk.AlertStatus(q.Status), Severity: risk.Severity(q.Severity), Before: q.Cursor}
	if f.Status != "" && f.Status != risk.AlertOpen && f.Status != risk.AlertResolved {
		return nil, "", ingot.Errorf(ingot.CodeInvalidRequest, "status must be open or resolved")
	}
	if f.Severity != "" && !f.Severity.Valid() {
		return nil, "", ingot.Errorf(ingot.CodeInvalidRequest, "severity must be low, medium, high or critical")
	}
	if q.Wallet != "" {
		id, err := ingot.ParseWalletID(q.Wallet)
		if err != nil {
			return nil, "", err
		}
		f.Wallet = id
	}
	f.Limit = q.Limit
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	f.Limit++ // one more: is there a next page?
	as, err := s.st.Alerts(ctx, f)
	if err != nil {
		return nil, "", s.unavailable(ctx, err)
	}
	next := ""
	if len(as) == f.Limit {
		as = as[:len(as)-1]
		next = as[len(as)-1].ID
	}
	return as, next, nil
}

// Alert reads one alert the caller sees (Alerts).
func (s *Service) Alert(ctx context.Context, a ingot.Actor, id string) (*risk.Alert, error) {
	o, err := s.oversightOf(ctx, a) // issuers.go
	if err != nil {
		return nil, err
	}
	al, err := s.st.Alert(ctx, id)
	if isNotFound(err) {
		return nil, notFound("alert " + id)
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	currency := ""
	if o.currencies != nil {
		w, err := s.st.Account(ctx, al.Wallet)
		if err != nil && !isNotFound(err) {
			return nil, s.unavailable(ctx, err)
		}
		currency = w.Currency
	}
	if !o.sees(al.OperatorID, currency) {
		return nil, notFound("alert " + id)
	}
	return &al, nil
}

// ResolveAlert closes an open alert, once: a second resolution answers
// alert_resolved.
func (s *Service) ResolveAlert(ctx context.Context, a ingot.Actor, id, resolution, note string, idem *Idem) (*risk.Alert, error) {
	al, err := s.Alert(ctx, a, id) // the alerts the caller sees: another issuer's, of its currencies
	if err != nil {
		return nil, err
	}
	res := risk.Resolution(resolution)
	if !res.Valid() {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "resolution must be false_positive, no_action or reported")
	}
	if err := checkText("note", note, 2000); err != nil {
		return nil, err
	}
	now := s.now()
	al.Status, al.Resolution, al.Note, al.ResolvedAt = risk.AlertResolved, res, note, now
	rec, err := s.outcomeRecord(idem, al)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.ResolveAlert(ctx, id, res, note, now, rec)
	if isConflict(err) {
		return nil, ingot.Errorf(ingot.CodeAlertClosed, "alert %s was resolved already", id)
	}
	return created(ctx, s, al, existing, err, idem)
}

// LargeValueReport is a day's large-value report lines of the caller's
// wallets (the administrator: every operator's; another issuer: those in
// its currencies), available during the day for the day so far. date is
// YYYY-MM-DD in the ledger's zone; "" today.
func (s *Service) LargeValueReport(ctx context.Context, a ingot.Actor, date string) ([]risk.LargeValue, error) {
	o, err := s.oversightOf(ctx, a) // issuers.go
	if err != nil {
		return nil, err
	}
	d := s.today()
	if date != "" {
		t, err := time.ParseInLocation(time.DateOnly, date, s.zone())
		if err != nil {
			return nil, ingot.Errorf(ingot.CodeInvalidRequest, "date must be YYYY-MM-DD")
		}
		d = t
	}
	day, _ := ingot.Period(d, s.zone())
	ls, err := s.st.LargeValues(ctx, o.operator, day)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return slices.DeleteFunc(ls, func(l risk.LargeValue) bool { return !o.sees(l.OperatorID, l.Currency) }), nil
}
