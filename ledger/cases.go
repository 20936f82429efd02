package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/risk"
)

// Cases and the four-eyes reveal (docs/risk.md). An investigator groups
// alerts into a case, with notes, and decides it: freeze the wallets,
// report them, or close it. The central bank never sees a holder's
// identity in its views; it sees the identities behind a case only when
// one of its keys asks (with a reason) and a second, different key
// approves. Every step is a security event naming the case.

// MaxCaseAlerts is the most alerts one case groups.
const MaxCaseAlerts = 100

// CreateCase opens a case over alerts the caller sees (another issuer:
// alerts of its currencies' wallets, issuers.go).
func (s *Service) CreateCase(ctx context.Context, a ingot.Actor, alertIDs []string, note string, idem *Idem) (*risk.Case, error) {
	o, err := s.oversightOf(ctx, a)
	if err != nil {
		return nil, err
	}
	if len(alertIDs) == 0 || len(alertIDs) > MaxCaseAlerts {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "alert_ids must list 1 to %d alerts", MaxCaseAlerts)
	}
	if err := checkText("note", note, 2000); err != nil {
		return nil, err
	}
	for i, id := range alertIDs {
		if slices.Contains(alertIDs[:i], id) {
			return nil, ingot.Errorf(ingot.CodeInvalidRequest, "alert_ids[%d]: %s is listed twice", i, id)
		}
		if _, err := uuid.Parse(id); err != nil {
			return nil, ingot.Errorf(ingot.CodeNotFound, "alert_ids[%d]: alert %q not found", i, id)
		}
		if _, err := s.Alert(ctx, a, id); err != nil {
			return nil, ingot.Prefix(err, fmt.Sprintf("alert_ids[%d]", i))
		}
	}
	c := risk.Case{ID: newID(), OperatorID: o.operator, IssuerID: caseIssuer(a, o), AlertIDs: slices.Clone(alertIDs), Note: note,
		Status: risk.CaseOpen, CreatedBy: a.KeyID, CreatedAt: s.now()}
	res := &c
	rec, err := s.outcomeRecord(idem, res)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateCase(ctx, c, rec)
	return created(ctx, s, res, existing, err, idem)
}

// caseIssuer is the issuer a case the caller opens belongs to: another
// issuer's, "" for the administrator's and operators'.
func caseIssuer(a ingot.Actor, o oversight) string {
	if o.currencies != nil {
		return issuerOfActor(a)
	}
	return ""
}

// seesCase reports whether the caller (oversight o) sees case c: its own;
// the administrator every case.
func seesCase(a ingot.Actor, o oversight, c *risk.Case) bool {
	if a.Role == ingot.RoleCentralBank && o.currencies == nil {
		return true
	}
	return c.OperatorID == o.operator && c.IssuerID == caseIssuer(a, o)
}

// Case reads a case the caller sees (its own; the administrator: all).
func (s *Service) Case(ctx context.Context, a ingot.Actor, id string) (*risk.Case, error) {
	o, err := s.oversightOf(ctx, a)
	if err != nil {
		return nil, err
	}
	c, err := s.st.Case(ctx, id)
	if isNotFound(err) || (err == nil && !seesCase(a, o, &c)) {
		return nil, notFound("case " + id)
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return &c, nil
}

// Cases lists the caller's cases (the administrator: all), newest first.
func (s *Service) Cases(ctx context.Context, a ingot.Actor, cursor string, limit int) ([]risk.Case, string, error) {
	o, err := s.oversightOf(ctx, a)
	if err != nil {
		return nil, "", err
	}
	n := pageSize(limit) + 1
	all := a.Role == ingot.RoleCentralBank && o.currencies == nil
	cs, err := s.st.Cases(ctx, o.operator, caseIssuer(a, o), all, cursor, n)
	if err != nil {
		return nil, "", s.unavailable(ctx, err)
	}
	next := ""
	if len(cs) == n {
		cs = cs[:len(cs)-1]
		next = cs[len(cs)-1].ID
	}
	return cs, next, nil
}

// DecideCase decides an open case, once (a second decision answers
// case_closed). freeze then freezes the case's wallets (an operator's: its
// own; the central bank: any).
func (s *Service) DecideCase(ctx context.Context, a ingot.Actor, id, decision, note string, idem *Idem) (*risk.Case, error) {
	c, err := s.Case(ctx, a, id)
	if err != nil {
		return nil, err
	}
	d := risk.CaseDecision(decision)
	if !d.Valid() {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "decision must be freeze, report or close")
	}
	if err := checkText("note", note, 2000); err != nil {
		return nil, err
	}
	now := s.now()
	out := *c
	out.Decision, out.Status, out.DecidedAt = d, risk.CaseDecided, now
	if note != "" {
		out.Note = strings.TrimSpace(out.Note + "\n" + note)
	}
	rec, err := s.outcomeRecord(idem, &out)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.DecideCase(ctx, id, d, note, now, rec)
	if isConflict(err) {
		return nil, ingot.Errorf(ingot.CodeCaseClosed, "case %s was decided already", id)
	}
	res, err := created(ctx, s, &out, existing, err, idem)
	if err != nil || existing != nil || d != risk.DecisionFreeze {
		return res, err
	}
	wallets, err := s.caseWallets(ctx, c)
	if err != nil {
		return nil, err
	}
	if _, err := submit(ctx, s.eng, a, command[int](&freezeCmd{wallets: wallets}), nil); err != nil {
		return nil, err
	}
	return res, nil
}

// caseWallets are the wallets of a case's alerts, by id.
func (s *Service) caseWallets(ctx context.Context, c *risk.Case) ([]int64, error) {
	var ws []int64
	for _, id := range c.AlertIDs {
		al, err := s.st.Alert(ctx, id)
		if err != nil {
			return nil, s.unavailable(ctx, err)
		}
		if !slices.Contains(ws, al.Wallet) {
			ws = append(ws, al.Wallet)
		}
	}
	slices.Sort(ws)
	return ws, nil
}

// freezeCmd freezes wallets by a case's decision: an operator's own, or
// any for the central bank. Frozen and closed wallets stay as they are.
type freezeCmd struct{ wallets []int64 }

func (c *freezeCmd) locks(ls *lockSet) { ls.account(c.wallets...) }

func (c *freezeCmd) apply(s *state, a ingot.Actor) (int, error) {
	n := 0
	for _, id := range c.wallets {
		w := s.accounts[id]
		if w == nil || w.Kind != ingot.AccountWallet || (a.Role == ingot.RoleOperator && w.OperatorID != a.OperatorID) {
			continue
		}
		if w.Status != ingot.StatusActive {
			continue
		}
		s.save(w)
		w.Status = ingot.StatusFrozen
		s.emit(ingot.EventWalletFrozen, w.OperatorID, w)
		n++
	}
	return n, nil
}

// RequestReveal asks to see the identities behind a case: a central-bank
// key, with a reason. A second, different central-bank key approves it.
func (s *Service) RequestReveal(ctx context.Context, a ingot.Actor, caseID, reason, address string, idem *Idem) (*risk.Reveal, error) {
	if err := requireAdminOversight(a); err != nil {
		return nil, err
	}
	c, err := s.Case(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	if err := checkName("reason", reason, 2000); err != nil {
		return nil, err
	}
	r := risk.Reveal{ID: newID(), CaseID: c.ID, Reason: strings.TrimSpace(reason), RequestedBy: a.KeyID,
		Status: risk.RevealPending, CreatedAt: s.now()}
	res := &r
	rec, err := s.outcomeRecord(idem, res)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateReveal(ctx, r, rec)
	if res, err = created(ctx, s, res, existing, err, idem); err != nil || existing != nil {
		return res, err
	}
	s.securityEvent(ctx, auth.EventRevealRequested, a, "case "+c.ID+", reveal "+r.ID+": "+r.Reason, address)
	return res, nil
}

// Identity is a holder's identity as a reveal shows it.
type Identity struct {
	Wallet     int64
	OperatorID string
	Tier       ingot.Tier
	Holder     ingot.Holder // opened: name, phone, id number in clear
	// Anonymous: a tier-4 (phone-only) wallet, anonymous to everyone but
	// its operator: no identity is shown, even through a case.
	Anonymous bool
}

// RevealResult is an approved reveal and the identities it shows.
type RevealResult struct {
	Reveal     risk.Reveal
	Identities []Identity `json:"-"` // never stored: a replay does not show them again
}

// ApproveReveal approves a pending reveal by a second central-bank key (the
// key that asked: forbidden) and answers the identities behind its case,
// once: a second approval answers reveal_closed.
func (s *Service) ApproveReveal(ctx context.Context, a ingot.Actor, id, address string, idem *Idem) (*RevealResult, error) {
	if err := requireAdminOversight(a); err != nil {
		return nil, err
	}
	r, err := s.st.Reveal(ctx, id)
	if isNotFound(err) {
		return nil, notFound("reveal " + id)
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	if r.RequestedBy == a.KeyID {
		return nil, ingot.Errorf(ingot.CodeForbidden, "a reveal is approved by another central-bank key than the one that asked for it")
	}
	c, err := s.Case(ctx, a, r.CaseID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := &RevealResult{Reveal: r}
	out.Reveal.Status, out.Reveal.ApprovedBy, out.Reveal.ApprovedAt = risk.RevealApproved, a.KeyID, now
	rec, err := s.outcomeRecord(idem, out)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.ApproveReveal(ctx, id, a.KeyID, now, rec)
	if isConflict(err) {
		return nil, ingot.Errorf(ingot.CodeRevealClosed, "reveal %s was approved already", id)
	}
	if out, err = created(ctx, s, out, existing, err, idem); err != nil || existing != nil {
		return out, err
	}
	wallets, err := s.caseWallets(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, w := range wallets {
		acc, err := s.st.Account(ctx, w)
		if err != nil {
			return nil, s.unavailable(ctx, err)
		}
		if acc.Tier == 0 || acc.Tier == ingot.Tier4 {
			out.Identities = append(out.Identities, Identity{Wallet: acc.ID, OperatorID: acc.OperatorID, Tier: ingot.Tier4, Anonymous: true})
			continue
		}
		if err := s.Reveal(&acc); err != nil {
			return nil, err
		}
		out.Identities = append(out.Identities, Identity{Wallet: acc.ID, OperatorID: acc.OperatorID, Tier: acc.Tier, Holder: acc.Holder})
	}
	// Stored before the identities are answered; when it cannot be, nothing
	// is shown (the approval stands: a new reveal must be asked for).
	if err := s.recordRevealEvent(ctx, auth.EventRevealApproved, a, fmt.Sprintf("case %s, reveal %s: %d identities shown", c.ID, r.ID, len(out.Identities)), address); err != nil {
		return nil, err
	}
	return out, nil
}

// securityEvent records a security event of a key's action.
func (s *Service) securityEvent(ctx context.Context, typ string, a ingot.Actor, detail, address string) {
	if s.record == nil {
		return
	}
	var ops []string
	if a.OperatorID != "" {
		ops = []string{a.OperatorID}
	}
	s.record(ctx, auth.SecurityEvent{Type: typ, Operators: ops, KeyID: a.KeyID, Detail: detail, Address: address})
}
