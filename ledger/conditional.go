package ledger

import (
	"cmp"
	"context"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/conditional"
	"github.com/ingot-cbdc/ingot/store"
)

// Conditional payments (docs/programmable.md). The amount is a hold on the
// payer's wallet from the start (the hold's id is the payment's), and every
// step is a leaf of the log: the making (a conditional_hold record), each
// party's step towards the condition (conditional_step), the release (the
// capture of the hold to the payee), a cancellation or the expiry
// (conditional_cancel, conditional_expiry, which void the hold). Each
// payment is a locked row, so it ends once however many processes and
// requests race to end it.

// Conditional payments' time limits.
const (
	DefaultConditionalTTL = 30 * 24 * time.Hour  // expires_at when none is given
	MaxConditionalTTL     = 366 * 24 * time.Hour // the latest expires_at
	// conditionalHoldSlack keeps a conditional payment's hold alive past
	// its expiry, so that the payment's own expiry (not the holds' expiry
	// loop) ends it, with its record.
	conditionalHoldSlack = 24 * time.Hour
	// conditionalRetry is how soon the engine tries again a release its
	// condition allowed but a rule refused (the payee frozen, its cap).
	conditionalRetry = time.Hour
)

// condState is the batch's conditional payments: those locked, and those
// made or changed (written at commit).
type condState struct {
	locked  map[string]*conditional.Payment
	created []*conditional.Payment
	changed map[string]*conditional.Payment
}

// ConditionalOutcome is a conditional payment after a request, with the
// leaf the request added to the log (nil when it added none).
type ConditionalOutcome struct {
	Payment  conditional.Payment
	Transfer *ingot.Transfer
}

// lockSet: conditional payments are locked first, with reviews.
func (l *lockSet) conditional(id string) {
	if l.conds == nil {
		l.conds = map[string]struct{}{}
	}
	l.conds[id] = struct{}{}
}

// loadConditional locks the batch's conditional payments, and with them
// their holds, payers, payees and approver wallets.
func loadConditional(ctx context.Context, tx store.BatchTx, ls *lockSet, st *state) error {
	if len(ls.conds) == 0 {
		return nil
	}
	ps, err := tx.LockConditionalPayments(ctx, sortedKeys(ls.conds))
	if err != nil {
		return err
	}
	for i := range ps {
		p := ps[i]
		if st.cond.locked == nil {
			st.cond.locked = map[string]*conditional.Payment{}
		}
		st.cond.locked[p.ID] = &p
		ls.hold(p.HoldID)
		ls.account(p.Payer)
		ls.credit(p.Payee)
		for _, ap := range p.Condition.Approvers() {
			if ap.Wallet != "" {
				if id, err := ingot.ParseWalletID(ap.Wallet); err == nil {
					ls.account(id)
				}
			}
		}
	}
	return nil
}

// changeCond journals a payment before it changes (a deep copy: Met and
// History are replaced, never changed in place, after this).
func (s *state) changeCond(p *conditional.Payment) {
	if s.cond.changed == nil {
		s.cond.changed = map[string]*conditional.Payment{}
	}
	_, was := s.cond.changed[p.ID]
	old := *p
	s.onUndo(func() {
		*p = old
		if !was {
			delete(s.cond.changed, p.ID)
		}
	})
	p.Met = conditional.Met{Preimages: maps.Clone(p.Met.Preimages), Approvals: slices.Clone(p.Met.Approvals), PayeeAccepted: p.Met.PayeeAccepted}
	p.History = slices.Clone(p.History)
	p.UpdatedAt = s.now
	s.cond.changed[p.ID] = p
}

func (s *state) addCond(p *conditional.Payment) {
	n := len(s.cond.created)
	s.cond.created = append(s.cond.created, p)
	s.onUndo(func() { s.cond.created = s.cond.created[:n] })
}

// writeConditional is the batch's conditional payments to write.
func (s *state) writeConditional() store.ConditionalWrite {
	var w store.ConditionalWrite
	created := map[string]bool{}
	for _, p := range s.cond.created {
		created[p.ID] = true
		w.New = append(w.New, *p)
	}
	for id, p := range s.cond.changed {
		if !created[id] {
			w.Updated = append(w.Updated, *p)
		}
	}
	slices.SortFunc(w.Updated, func(a, b conditional.Payment) int { return cmp.Compare(a.ID, b.ID) })
	return w
}

// party is who the actor is to a payment.
type party struct {
	payer, payee bool
	approvals    []string // the approvers (Party.Key) the actor may act for
}

func (p party) any() bool { return p.payer || p.payee || len(p.approvals) > 0 }

// label names the party in the history.
func (p party) label() string {
	switch {
	case p.payer:
		return "payer"
	case p.payee:
		return "payee"
	case len(p.approvals) > 0:
		return p.approvals[0]
	}
	return "anyone"
}

func (s *state) partyOf(p *conditional.Payment, a ingot.Actor) party {
	var pt party
	pt.payer = a.Owns(s.accounts[p.Payer])
	pt.payee = a.Owns(s.accounts[p.Payee])
	for _, ap := range p.Condition.Approvers() {
		ok := false
		if ap.Operator != "" {
			ok = a.Role == ingot.RoleOperator && a.OperatorID == ap.Operator
		} else if id, err := ingot.ParseWalletID(ap.Wallet); err == nil {
			ok = a.Owns(s.accounts[id])
		}
		if ok && !slices.Contains(pt.approvals, ap.Key()) {
			pt.approvals = append(pt.approvals, ap.Key())
		}
	}
	return pt
}

// emitCond reports a payment as it is now to the payer's operator and,
// when another, the payee's.
func (s *state) emitCond(typ string, p *conditional.Payment) {
	cp := *p
	s.emit(typ, p.OperatorID, &cp)
	if p.PayeeOperatorID != p.OperatorID {
		s.emit(typ, p.PayeeOperatorID, &cp)
	}
}

// ---- making one ----

type condCreateCmd struct {
	Item
	cond      conditional.Condition
	expiresAt time.Time
}

func (c *condCreateCmd) locks(ls *lockSet) {
	ls.account(c.From)
	ls.credit(c.To)
}

func (c *condCreateCmd) apply(s *state, a ingot.Actor) (*ConditionalOutcome, error) {
	from, err := s.ownWallet(c.From, a)
	if err != nil {
		return nil, err
	}
	to, err := s.anyWallet(c.To)
	if err != nil {
		return nil, err
	}
	if err := checkTransfer(from, to, c.Amount, c.Currency); err != nil {
		return nil, err
	}
	if err := canSend(from); err != nil {
		return nil, err
	}
	if err := canSend(to); err != nil {
		return nil, err
	}
	// The payer's limits, as for a payment now; the outflow is counted
	// when the money moves (the release is a capture).
	if _, err := s.checkOutflow(ingot.KindPayment, from, c.Amount, ingot.MustCurrency(c.Currency)); err != nil {
		return nil, err
	}
	if err := s.checkFutureBorder(from, to, c.Purpose); err != nil { // jurisdiction.go
		return nil, err
	}
	if err := checkFunds(from, c.Amount); err != nil {
		return nil, err
	}
	id := uuid.Must(uuid.NewV7()).String()
	s.save(from)
	from.Held += c.Amount
	s.addHold(&ingot.Hold{ID: id, Wallet: from.ID, OperatorID: from.OperatorID, Amount: c.Amount, Currency: c.Currency,
		Status: ingot.HoldPending, ExpiresAt: c.expiresAt.Add(conditionalHoldSlack), CreatedAt: s.now, UpdatedAt: s.now})
	rec := s.record(ingot.KindConditionalHold, from, to, c.Currency, c.Memo, id)
	p := &conditional.Payment{ID: id, OperatorID: from.OperatorID, PayeeOperatorID: to.OperatorID, Payer: from.ID, Payee: to.ID,
		Amount: c.Amount, Currency: c.Currency, Memo: c.Memo, Purpose: c.Purpose, Condition: c.cond, HoldID: id, Status: conditional.Pending,
		ExpiresAt: c.expiresAt, CreatedAt: s.now, UpdatedAt: s.now,
		History: []conditional.Event{{At: s.now, Type: conditional.EventCreated, By: "payer", TransferID: rec.ID}}}
	p.DueAt = p.Due(s.now)
	s.addCond(p)
	s.emitCond(ingot.EventConditionalCreated, p)
	return &ConditionalOutcome{Payment: *p, Transfer: rec}, nil
}

// ---- releasing ----

type condReleaseCmd struct {
	id       string
	preimage []byte // nil: none presented
}

func (c *condReleaseCmd) locks(ls *lockSet) { ls.conditional(c.id) }

func (c *condReleaseCmd) pairs(s *state, add func(payer, payee int64)) {
	if p := s.cond.locked[c.id]; p != nil {
		add(p.Payer, p.Payee)
	}
}

func (c *condReleaseCmd) apply(s *state, a ingot.Actor) (*ConditionalOutcome, error) {
	p := s.cond.locked[c.id]
	if p == nil {
		return nil, notFound("conditional payment " + c.id)
	}
	pt := s.partyOf(p, a)
	if !pt.any() && c.preimage == nil {
		return nil, notFound("conditional payment " + c.id)
	}
	if err := s.condOpen(p); err != nil {
		return nil, err
	}
	s.changeCond(p)
	by := pt.label()
	var steps []string
	if c.preimage != nil {
		lock := p.Condition.Open(c.preimage)
		if lock == "" {
			return nil, ingot.Errorf(ingot.CodeInvalidPreimage, "the preimage's SHA-256 is none of the condition's hash locks")
		}
		if p.Met.Preimages[lock] == "" {
			if p.Met.Preimages == nil {
				p.Met.Preimages = map[string]string{}
			}
			p.Met.Preimages[lock] = hex.EncodeToString(c.preimage)
			steps = append(steps, conditional.EventUnlocked)
		}
	}
	for _, k := range pt.approvals {
		if !slices.Contains(p.Met.Approvals, k) {
			p.Met.Approvals = append(p.Met.Approvals, k)
			steps = append(steps, conditional.EventApproved)
		}
	}
	if pt.payee && p.Condition.WantsPayee() && !p.Met.PayeeAccepted {
		p.Met.PayeeAccepted = true
		steps = append(steps, conditional.EventAccepted)
	}
	if p.Condition.Holds(s.now, &p.Met) {
		t, err := s.releaseCond(p, by, steps...)
		if err != nil {
			return nil, err
		}
		return &ConditionalOutcome{Payment: *p, Transfer: t}, nil
	}
	if len(steps) == 0 {
		return nil, ingot.Errorf(ingot.CodeConditionNotMet, "the condition does not hold yet, and this request met no part of it")
	}
	rec := s.record(ingot.KindConditionalStep, s.accounts[p.Payer], s.accounts[p.Payee], p.Currency, stepMemo(steps, by), p.HoldID)
	for _, st := range steps {
		p.History = append(p.History, conditional.Event{At: s.now, Type: st, By: by, TransferID: rec.ID})
	}
	return &ConditionalOutcome{Payment: *p, Transfer: rec}, nil
}

func stepMemo(steps []string, by string) string {
	return fmt.Sprintf("%v by %s", steps, by)
}

// condOpen refuses a payment that ended, or whose time is up (the engine
// expires it on its next round).
func (s *state) condOpen(p *conditional.Payment) error {
	if p.Status != conditional.Pending {
		return ingot.Errorf(ingot.CodeConditionalClosed, "conditional payment %s was %s already", p.ID, p.Status)
	}
	if h := s.holds[p.HoldID]; !s.now.Before(p.ExpiresAt) || h == nil || h.Status != ingot.HoldPending {
		return ingot.Errorf(ingot.CodeConditionalClosed, "conditional payment %s expired at %s", p.ID, p.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}

// releaseCond pays a pending payment whose condition holds: the hold is
// captured to the payee, under today's rules of a capture (the payee's
// status and cap, the payer's limits, risk rules). On an error nothing is
// changed by the caller's undo. The steps that met the condition in the
// same request are in the history too, with the capture as their leaf.
func (s *state) releaseCond(p *conditional.Payment, by string, steps ...string) (*ingot.Transfer, error) {
	h := s.holds[p.HoldID]
	to, err := s.anyWallet(p.Payee)
	if err != nil {
		return nil, err
	}
	s.release(h, ingot.HoldCaptured)
	t, err := s.withPurpose(p.Purpose, func() (*ingot.Transfer, error) {
		return s.move(ingot.KindCapture, s.accounts[p.Payer], to, p.Amount, p.Currency, p.Memo, h.ID)
	})
	if err != nil {
		return nil, err
	}
	if err := s.chargeFee(t, to); err != nil {
		return nil, err
	}
	h.Captured, h.TransferID = p.Amount, t.ID
	p.Status, p.TransferID = conditional.Released, t.ID
	for _, st := range steps {
		p.History = append(p.History, conditional.Event{At: s.now, Type: st, By: by, TransferID: t.ID})
	}
	p.History = append(p.History, conditional.Event{At: s.now, Type: conditional.EventReleased, By: by, TransferID: t.ID})
	s.emitCond(ingot.EventConditionalEnded, p)
	return t, nil
}

// endCond returns a pending payment's money to the payer: cancelled or
// expired, with its record.
func (s *state) endCond(p *conditional.Payment, status conditional.Status, by string) *ingot.Transfer {
	h := s.holds[p.HoldID]
	kind, hs, ev := ingot.KindConditionalCancel, ingot.HoldVoided, conditional.EventCancelled
	if status == conditional.Expired {
		kind, hs, ev = ingot.KindConditionalExpiry, ingot.HoldExpired, conditional.EventExpired
	}
	if h != nil && h.Status == ingot.HoldPending {
		s.release(h, hs)
	}
	rec := s.record(kind, s.accounts[p.Payer], s.accounts[p.Payee], p.Currency, string(status)+" by "+by, p.HoldID)
	p.Status, p.TransferID = status, rec.ID
	p.History = append(p.History, conditional.Event{At: s.now, Type: ev, By: by, TransferID: rec.ID})
	s.emitCond(ingot.EventConditionalEnded, p)
	return rec
}

// ---- cancelling ----

type condCancelCmd struct{ id string }

func (c *condCancelCmd) locks(ls *lockSet) { ls.conditional(c.id) }

func (c *condCancelCmd) apply(s *state, a ingot.Actor) (*ConditionalOutcome, error) {
	p := s.cond.locked[c.id]
	if p == nil {
		return nil, notFound("conditional payment " + c.id)
	}
	pt := s.partyOf(p, a)
	if !pt.payer && !pt.payee {
		if pt.any() {
			return nil, ingot.Errorf(ingot.CodeForbidden, "only the payer or the payee may cancel a conditional payment")
		}
		return nil, notFound("conditional payment " + c.id)
	}
	if p.Status != conditional.Pending {
		return nil, ingot.Errorf(ingot.CodeConditionalClosed, "conditional payment %s was %s already", p.ID, p.Status)
	}
	s.changeCond(p)
	if !s.now.Before(p.ExpiresAt) {
		return &ConditionalOutcome{Payment: *p, Transfer: s.endCond(p, conditional.Expired, "engine")}, nil
	}
	by := "payee"
	if !pt.payee {
		// The payer cancels only while no party could meet the condition
		// (an after still ahead keeps it false).
		if p.Condition.CouldHold(s.now) {
			return nil, ingot.Errorf(ingot.CodeForbidden, "the payer may cancel only before the condition could be met, or after expiry; the payee may cancel at any time")
		}
		by = "payer"
	}
	return &ConditionalOutcome{Payment: *p, Transfer: s.endCond(p, conditional.Cancelled, by)}, nil
}

// ---- the engine's round: due times and expiry ----

// condDueCmd looks at pending payments whose due time came: it expires
// those past their expiry, releases those whose condition now holds (a
// refused release is tried again an hour later, until expiry) and moves
// the others' due time on. It answers how many ended.
type condDueCmd struct{ ids []string }

func (c *condDueCmd) weight() int { return len(c.ids) }

func (c *condDueCmd) locks(ls *lockSet) {
	for _, id := range c.ids {
		ls.conditional(id)
	}
}

func (c *condDueCmd) pairs(s *state, add func(payer, payee int64)) {
	for _, id := range c.ids {
		if p := s.cond.locked[id]; p != nil {
			add(p.Payer, p.Payee)
		}
	}
}

func (c *condDueCmd) apply(s *state, _ ingot.Actor) (int, error) {
	n := 0
	for _, id := range c.ids {
		p := s.cond.locked[id]
		if p == nil || p.Status != conditional.Pending || p.DueAt.After(s.now) {
			continue
		}
		s.changeCond(p)
		h := s.holds[p.HoldID]
		if !s.now.Before(p.ExpiresAt) || h == nil || h.Status != ingot.HoldPending {
			s.endCond(p, conditional.Expired, "engine")
			n++
			continue
		}
		if p.Condition.Holds(s.now, &p.Met) {
			m := s.mark()
			if _, err := s.releaseCond(p, "engine"); err == nil {
				n++
				continue
			} else {
				s.undo(m)
				code := ingot.ErrorCode(err)
				if code == ingot.CodeInternal {
					return n, err
				}
				s.changeCond(p)
				if last := p.History[len(p.History)-1]; last.Type != conditional.EventReleaseFailed || last.Code != code {
					p.History = append(p.History, conditional.Event{At: s.now, Type: conditional.EventReleaseFailed, By: "engine", Code: code})
				}
				p.DueAt = minTime(s.now.Add(conditionalRetry), p.ExpiresAt)
				continue
			}
		}
		p.DueAt = p.Due(s.now)
	}
	return n, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// ---- the service ----

// ConditionalIn is a new conditional payment: a payment (From, To,
// Amount, Currency, Memo, and a holder's Authorization) with a condition
// (JSON, package conditional) and an expiry (nil: in 30 days).
type ConditionalIn struct {
	PayRequest
	Condition []byte
	ExpiresAt *time.Time
}

// CreateConditionalPayment holds the amount on the payer's wallet until
// the condition holds. A holder's needs the holder's approval, as a
// payment to that payee of that amount.
func (s *Service) CreateConditionalPayment(ctx context.Context, a ingot.Actor, in ConditionalIn, idem *Idem) (*ConditionalOutcome, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return nil, err
	}
	it, err := parsePay(in.PayRequest)
	if err != nil {
		return nil, err
	}
	cond, err := conditional.Parse(in.Condition)
	if err != nil {
		return nil, err
	}
	now := s.now()
	exp := now.Add(DefaultConditionalTTL)
	if in.ExpiresAt != nil {
		exp = in.ExpiresAt.UTC().Truncate(time.Microsecond)
	}
	if !exp.After(now) || exp.Sub(now) > MaxConditionalTTL {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "expires_at must be in the future and at most 366 days ahead")
	}
	if last := cond.LatestTime(); !last.IsZero() && !last.Before(exp) {
		return nil, ingot.Errorf(ingot.CodeInvalidCondition, "the condition's time %s is not before expires_at %s", last.Format(time.RFC3339), exp.Format(time.RFC3339))
	}
	for _, ap := range cond.Approvers() {
		if ap.Wallet != "" {
			id, _ := ingot.ParseWalletID(ap.Wallet)
			if acc, err := s.st.Account(ctx, id); err != nil || acc.Kind != ingot.AccountWallet {
				return nil, ingot.Errorf(ingot.CodeInvalidCondition, "the approver wallet %s does not exist", ap.Wallet)
			}
		} else if _, err := s.st.Operator(ctx, ap.Operator); err != nil {
			return nil, ingot.Errorf(ingot.CodeInvalidCondition, "the approver operator %s does not exist", ap.Operator)
		}
	}
	return submitGated(ctx, s, a, &condCreateCmd{Item: it, cond: cond, expiresAt: exp}, payGate(it, in.Authorization), idem)
}

// ReleaseConditionalPayment is a party's step towards the condition (an
// approver's release, the payee's acceptance) or anyone's preimage (hex);
// when the condition then holds, the payee is paid.
func (s *Service) ReleaseConditionalPayment(ctx context.Context, a ingot.Actor, id, preimageHex string, idem *Idem) (*ConditionalOutcome, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, notFound(fmt.Sprintf("conditional payment %q", id))
	}
	var pre []byte
	if preimageHex != "" {
		b, err := hex.DecodeString(preimageHex)
		if err != nil || len(b) > 1024 {
			return nil, ingot.Errorf(ingot.CodeInvalidPreimage, "preimage must be hex-encoded bytes, at most 1024 of them")
		}
		pre = b
	}
	return submit(ctx, s.eng, a, command[*ConditionalOutcome](&condReleaseCmd{id: id, preimage: pre}), idem)
}

// CancelConditionalPayment returns a pending payment's money to the payer:
// by the payee at any time, by the payer before the condition could hold.
func (s *Service) CancelConditionalPayment(ctx context.Context, a ingot.Actor, id string, idem *Idem) (*ConditionalOutcome, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, notFound(fmt.Sprintf("conditional payment %q", id))
	}
	return submit(ctx, s.eng, a, command[*ConditionalOutcome](&condCancelCmd{id: id}), idem)
}

// conditionalBatch is how many due payments one engine command takes.
const conditionalBatch = 500

// RunConditionalDue ends or releases the conditional payments whose time
// came (the expiry loop calls it); it answers how many it looked at.
func (s *Service) RunConditionalDue(ctx context.Context) (int, error) {
	ids, err := s.st.DueConditionalPayments(ctx, s.now(), conditionalBatch)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	_, err = submit(ctx, s.eng, ingot.Actor{}, &condDueCmd{ids: ids}, nil)
	return len(ids), err
}

// ConditionalPayment reads one the caller is a party to (payer, payee or
// an approver; the central bank: any).
func (s *Service) ConditionalPayment(ctx context.Context, a ingot.Actor, id string) (*conditional.Payment, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, notFound(fmt.Sprintf("conditional payment %q", id))
	}
	p, err := s.st.ConditionalPayment(ctx, id)
	if isNotFound(err) {
		return nil, notFound("conditional payment " + id)
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	if a.Role == ingot.RoleCentralBank {
		return &p, nil
	}
	ok, err := s.partyToRead(ctx, a, &p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("conditional payment " + id)
	}
	return &p, nil
}

// partyToRead reports whether the actor is a party to the payment, by
// reading its wallets.
func (s *Service) partyToRead(ctx context.Context, a ingot.Actor, p *conditional.Payment) (bool, error) {
	ids := []int64{p.Payer, p.Payee}
	for _, ap := range p.Condition.Approvers() {
		if ap.Operator != "" && a.Role == ingot.RoleOperator && a.OperatorID == ap.Operator {
			return true, nil
		}
		if id, err := ingot.ParseWalletID(ap.Wallet); err == nil && ap.Wallet != "" {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		acc, err := s.st.Account(ctx, id)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return false, s.unavailable(ctx, err)
		}
		if a.Owns(&acc) {
			return true, nil
		}
	}
	return false, nil
}

// ConditionalQuery selects conditional payments.
type ConditionalQuery struct {
	Wallet, Status, Cursor string
	Limit                  int
}

// ConditionalPayments lists, newest first, an operator's (as payer's or
// payee's operator), a holder's (of one of its wallets, which it names) or,
// for the central bank, all.
func (s *Service) ConditionalPayments(ctx context.Context, a ingot.Actor, q ConditionalQuery) ([]conditional.Payment, string, error) {
	f := store.ConditionalFilter{Status: conditional.Status(q.Status), Before: q.Cursor}
	switch f.Status {
	case "", conditional.Pending, conditional.Released, conditional.Cancelled, conditional.Expired:
	default:
		return nil, "", ingot.Errorf(ingot.CodeInvalidRequest, "status must be pending, released, cancelled or expired")
	}
	var err error
	if f.OperatorID, f.Wallet, err = s.listScope(ctx, a, q.Wallet, "conditional payments"); err != nil {
		return nil, "", err
	}
	f.Limit = pageSize(q.Limit) + 1
	ps, err := s.st.ConditionalPayments(ctx, f)
	if err != nil {
		return nil, "", s.unavailable(ctx, err)
	}
	next := ""
	if len(ps) == f.Limit {
		ps = ps[:len(ps)-1]
		next = ps[len(ps)-1].ID
	}
	return ps, next, nil
}

// listScope is whose items a list shows: the central bank all, an operator
// its wallets' (operatorID), a holder those of one of its own wallets,
// which it must name. wallet ("" for none) narrows the list to one wallet.
func (s *Service) listScope(ctx context.Context, a ingot.Actor, wallet, what string) (operatorID string, walletID int64, err error) {
	if wallet != "" {
		if walletID, err = ingot.ParseWalletID(wallet); err != nil {
			return "", 0, err
		}
	}
	switch a.Role {
	case ingot.RoleCentralBank:
	case ingot.RoleOperator:
		operatorID = a.OperatorID
	case ingot.RoleHolder:
		if walletID == 0 {
			return "", 0, ingot.Errorf(ingot.CodeInvalidRequest, "a holder lists the %s of one of its wallets: give wallet", what)
		}
		acc, err := s.st.Account(ctx, walletID)
		if err != nil || !a.Owns(&acc) {
			return "", 0, notFound("wallet " + wallet)
		}
	default:
		return "", 0, ingot.Errorf(ingot.CodeForbidden, "this key may not list %s", what)
	}
	return operatorID, walletID, nil
}
