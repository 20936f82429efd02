package ledger

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/schedule"
	"github.com/ingot-cbdc/ingot/store"
)

// Standing orders (docs/standing-orders.md): a payment made by the engine
// on every occurrence of a schedule, in the ledger's zone. An order is a
// row the engine locks; each run pays one occurrence under the idempotency
// key of the order and the occurrence, and records the run and moves the
// order on in the same batch as the payment. So an occurrence is paid at
// most once, whichever process runs it and however often it is retried,
// and a crash can never separate a payment from its record.

// Standing orders' timing.
const (
	// StandingCatchUpDays is how far back occurrences missed while no
	// process ran are still paid: those of the last three days (and
	// today); older ones are recorded missed.
	StandingCatchUpDays = 3
	// StandingRetry is how soon a refused run is tried again, until the
	// end of its occurrence's day.
	StandingRetry = time.Hour
	// MaxStandingPast is how many days before today a schedule may start.
	MaxStandingPast = 31
	// maxMissedPerRun bounds the missed occurrences one command records.
	maxMissedPerRun = 1000
	// standingSteps bounds the commands one order gets in one round.
	standingSteps = 64
	// standingBatch is how many due orders one round reads.
	standingBatch = 500
	// standingWorkers is how many orders a round runs at once (their
	// commands share the engine's batches).
	standingWorkers = 16
	// standingScope scopes the runs' idempotency keys.
	standingScope = "ingot:standing"
)

// standingState is the batch's standing orders: those locked, those made
// or changed (written at commit), and the runs recorded.
type standingState struct {
	locked  map[string]*schedule.Order
	created []*schedule.Order
	changed map[string]*schedule.Order
	runs    map[runKey]schedule.Run
}

type runKey struct {
	order      string
	occurrence schedule.Date
}

// standingOrder locks a standing order, and with it its payer and payee.
func (l *lockSet) standingOrder(id string) {
	if l.standing == nil {
		l.standing = map[string]struct{}{}
	}
	l.standing[id] = struct{}{}
}

// loadStanding locks the batch's standing orders, and with them their
// payers and payees.
func loadStanding(ctx context.Context, tx store.BatchTx, ls *lockSet, st *state) error {
	if len(ls.standing) == 0 {
		return nil
	}
	os, err := tx.LockStandingOrders(ctx, sortedKeys(ls.standing))
	if err != nil {
		return err
	}
	for i := range os {
		o := os[i]
		if st.so.locked == nil {
			st.so.locked = map[string]*schedule.Order{}
		}
		st.so.locked[o.ID] = &o
		ls.account(o.Payer)
		ls.credit(o.Payee)
	}
	return nil
}

// changeOrder journals an order before it changes.
func (s *state) changeOrder(o *schedule.Order) {
	if s.so.changed == nil {
		s.so.changed = map[string]*schedule.Order{}
	}
	_, was := s.so.changed[o.ID]
	old := *o
	s.onUndo(func() {
		*o = old
		if !was {
			delete(s.so.changed, o.ID)
		}
	})
	o.UpdatedAt = s.now
	s.so.changed[o.ID] = o
}

func (s *state) addOrder(o *schedule.Order) {
	n := len(s.so.created)
	s.so.created = append(s.so.created, o)
	s.onUndo(func() { s.so.created = s.so.created[:n] })
}

// putRun records what became of an occurrence.
func (s *state) putRun(r schedule.Run) {
	if s.so.runs == nil {
		s.so.runs = map[runKey]schedule.Run{}
	}
	k := runKey{r.OrderID, r.Occurrence}
	old, had := s.so.runs[k]
	s.onUndo(func() {
		if had {
			s.so.runs[k] = old
		} else {
			delete(s.so.runs, k)
		}
	})
	r.At = s.now
	s.so.runs[k] = r
}

// writeStanding is the batch's standing orders and runs to write.
func (s *state) writeStanding() store.StandingWrite {
	var w store.StandingWrite
	created := map[string]bool{}
	for _, o := range s.so.created {
		created[o.ID] = true
		w.New = append(w.New, *o)
	}
	for id, o := range s.so.changed {
		if !created[id] {
			w.Updated = append(w.Updated, *o)
		}
	}
	slices.SortFunc(w.Updated, func(a, b schedule.Order) int { return cmp.Compare(a.ID, b.ID) })
	for _, r := range s.so.runs {
		w.Runs = append(w.Runs, r)
	}
	slices.SortFunc(w.Runs, func(a, b schedule.Run) int {
		return cmp.Or(cmp.Compare(a.OrderID, b.OrderID), a.Occurrence.Compare(b.Occurrence))
	})
	return w
}

// ---- making one ----

type standingCreateCmd struct {
	Item
	sched schedule.Schedule
	zone  *time.Location
	// authorization is the approval a holder named ("" none).
	authorization string
}

func (c *standingCreateCmd) locks(ls *lockSet) {
	ls.account(c.From)
	ls.credit(c.To)
}

func (c *standingCreateCmd) apply(s *state, a ingot.Actor) (*schedule.Order, error) {
	from, err := s.ownWallet(c.From, a)
	if err != nil {
		return nil, err
	}
	to, err := s.anyWallet(c.To)
	if err != nil {
		return nil, err
	}
	if from.ID == to.ID {
		return nil, ingot.Errorf(ingot.CodeSameAccount, "payer and payee are the same wallet")
	}
	if from.Currency != c.Currency || to.Currency != c.Currency {
		return nil, ingot.Errorf(ingot.CodeCurrencyMismatch, "the order is in %s but the wallets are in %s and %s", c.Currency, from.Currency, to.Currency)
	}
	if err := canSend(from); err != nil {
		return nil, err
	}
	if err := canSend(to); err != nil {
		return nil, err
	}
	// An amount above the payer's single, daily or yearly limit could
	// never be paid.
	cur := ingot.MustCurrency(c.Currency)
	if err := ingot.AsError(ingot.CheckOutflow(s.limits.For(from), ingot.Outflow{}, c.Amount, s.day, s.year, cur)); err != nil {
		return nil, err
	}
	if err := s.checkFutureBorder(from, to, c.Purpose); err != nil { // jurisdiction.go
		return nil, err
	}
	authorization := ""
	if a.Role == ingot.RoleHolder {
		// The holder approves the order once, as a payment of the amount
		// to the payee (sca.go); the low-value exemption does not cover
		// a mandate for payments to come.
		if g := s.sca.gate; g != nil && !s.sca.strong {
			return nil, &scaRequired{*g}
		}
		authorization = c.authorization
	}
	o := &schedule.Order{ID: uuid.Must(uuid.NewV7()).String(), OperatorID: from.OperatorID, PayeeOperatorID: to.OperatorID,
		Payer: from.ID, Payee: to.ID, Amount: c.Amount, Currency: c.Currency, Memo: c.Memo, Purpose: c.Purpose, Schedule: c.sched,
		Status: schedule.Active, HolderID: a.HolderID, AuthorizationID: authorization, CreatedAt: s.now, UpdatedAt: s.now}
	o.MoveTo(0, c.zone)
	s.addOrder(o)
	s.recordOrder(ingot.KindStandingOrder, o, "made, from "+o.Schedule.Start.String())
	return o, nil
}

// recordOrder makes a standing order's step a leaf of the transparency
// log: a record (no money moves) from the payer to the payee, its memo
// naming the order and the step, its reference the order.
func (s *state) recordOrder(kind ingot.TransferKind, o *schedule.Order, step string) {
	from, to := s.accounts[o.Payer], s.accounts[o.Payee]
	if from == nil || to == nil {
		return // not locked: cannot happen, the order's commands lock both
	}
	t := s.record(kind, from, to, o.Currency, "standing order "+o.ID+": "+step, "")
	t.Reference = o.ID
}

// ---- pausing, resuming, cancelling ----

// standingAction is what the payer does to an order.
type standingAction string

const (
	actionPause  standingAction = "pause"
	actionResume standingAction = "resume"
	actionCancel standingAction = "cancel"
)

type standingSetCmd struct {
	id     string
	action standingAction
	zone   *time.Location
}

func (c *standingSetCmd) locks(ls *lockSet) { ls.standingOrder(c.id) }

func (c *standingSetCmd) apply(s *state, a ingot.Actor) (*schedule.Order, error) {
	o := s.so.locked[c.id]
	if o == nil || !a.Owns(s.accounts[o.Payer]) {
		return nil, notFound("standing order " + c.id)
	}
	if o.Status.Ended() {
		return nil, ingot.Errorf(ingot.CodeStandingOrderClosed, "standing order %s was %s already", o.ID, o.Status)
	}
	switch c.action {
	case actionPause:
		if o.Status == schedule.Active {
			s.changeOrder(o)
			o.Status = schedule.Paused
			s.recordOrder(ingot.KindStandingChange, o, "paused")
		}
	case actionResume:
		if o.Status == schedule.Paused {
			s.changeOrder(o)
			o.Status = schedule.Active
			s.recordOrder(ingot.KindStandingChange, o, "resumed")
			s.skipPaused(o, c.zone)
		}
	case actionCancel:
		s.changeOrder(o)
		o.End(schedule.Cancelled)
		s.recordOrder(ingot.KindStandingChange, o, "cancelled")
	}
	cp := *o
	return &cp, nil
}

// skipPaused moves a resumed order past the occurrences before today,
// which fell due while it was paused: they are recorded missed (one
// refused already keeps its failed run). Today's is paid, and a refused
// one of today is tried again at once.
func (s *state) skipPaused(o *schedule.Order, zone *time.Location) {
	today := schedule.DateOf(s.now, zone)
	if o.Tries > 0 && !o.Next.Before(today) {
		o.DueAt = s.now
		return
	}
	if o.Tries > 0 {
		o.Advance(zone)
	}
	for n := 0; o.Status == schedule.Active && o.Next.Before(today); n++ {
		if n == maxMissedPerRun {
			o.MoveTo(o.Schedule.Index(today), zone) // the rest unrecorded
			break
		}
		s.putRun(schedule.Run{OrderID: o.ID, Occurrence: o.Next, Status: schedule.RunMissed})
		s.recordOrder(ingot.KindStandingRun, o, "missed "+o.Next.String())
		o.Advance(zone)
	}
}

// ---- the engine's runs ----

// StandingRun is the outcome of one run of an order: the order after it
// and the runs it recorded (none when Stale: another request or process
// had run that occurrence already, or the order is no longer due).
type StandingRun struct {
	Order schedule.Order
	Runs  []schedule.Run
	Stale bool
}

// standingRunCmd runs an order's next occurrence, when it is still the
// one the service saw due: occurrences older than the catch-up window are
// recorded missed; a due one is paid (recorded paid), or refused (failed,
// tried again an hour later until the end of its day, then left failed: an
// occurrence of a day gone by, caught up, is tried once).
type standingRunCmd struct {
	id         string
	occurrence schedule.Date
	zone       *time.Location
}

func (c *standingRunCmd) locks(ls *lockSet) { ls.standingOrder(c.id) }

func (c *standingRunCmd) pairs(s *state, add func(payer, payee int64)) {
	if o := s.so.locked[c.id]; o != nil {
		add(o.Payer, o.Payee)
	}
}

func (c *standingRunCmd) channel() string { return risk.ChannelStanding }

// applied: a refused run is not recorded under the occurrence's key, so
// that its retry runs again.
func (c *standingRunCmd) applied(r *StandingRun) bool {
	return !r.Stale && slices.ContainsFunc(r.Runs, func(r schedule.Run) bool { return r.Status != schedule.RunFailed })
}

func (c *standingRunCmd) apply(s *state, _ ingot.Actor) (*StandingRun, error) {
	o := s.so.locked[c.id]
	if o == nil {
		return nil, notFound("standing order " + c.id)
	}
	if o.Status != schedule.Active || o.Next != c.occurrence || o.DueAt.After(s.now) {
		return &StandingRun{Order: *o, Stale: true}, nil
	}
	s.changeOrder(o)
	out := &StandingRun{}
	switch oldest := schedule.DateOf(s.now, c.zone).AddDays(-StandingCatchUpDays); {
	case o.Tries > 0 && !s.now.Before(o.RetryUntil):
		// Its day of retries is over (no process ran meanwhile): the
		// run stays failed.
		o.Advance(c.zone)
	case o.Tries == 0 && o.Next.Before(oldest):
		for n := 0; n < maxMissedPerRun && o.Status == schedule.Active && o.Next.Before(oldest); n++ {
			r := schedule.Run{OrderID: o.ID, Occurrence: o.Next, Status: schedule.RunMissed}
			s.putRun(r)
			s.recordOrder(ingot.KindStandingRun, o, "missed "+o.Next.String())
			out.Runs = append(out.Runs, r)
			o.Advance(c.zone)
		}
	default:
		r, err := s.runOnce(o, c.zone)
		if err != nil {
			return nil, err
		}
		out.Runs = append(out.Runs, r)
	}
	out.Order = *o
	return out, nil
}

// runOnce tries to pay the order's next occurrence, on the payer
// operator's behalf, and records the run.
func (s *state) runOnce(o *schedule.Order, zone *time.Location) (schedule.Run, error) {
	r := schedule.Run{OrderID: o.ID, Occurrence: o.Next, Attempts: o.Tries + 1}
	payer := ingot.Actor{Role: ingot.RoleOperator, OperatorID: o.OperatorID}
	m := s.mark()
	t, err := s.pay(payer, Item{From: o.Payer, To: o.Payee, Amount: o.Amount, Currency: o.Currency, Memo: o.Memo, Purpose: o.Purpose})
	var held *InReview
	switch {
	case err == nil:
		r.Status, r.TransferID = schedule.RunPaid, t.ID
		o.Advance(zone)
	case errors.As(err, &held):
		// A review rule held it: its hold and review stand, and the
		// review pays or refuses it.
		r.Status, r.Code, r.ReviewID = schedule.RunPending, schedule.CodeInReview, held.ReviewID
		o.Advance(zone)
	case ingot.ErrorCode(err) == ingot.CodeInternal:
		return r, err
	default:
		s.undo(m)
		r.Status, r.Code = schedule.RunFailed, ingot.ErrorCode(err)
		s.recordOrder(ingot.KindStandingRun, o, "failed "+o.Next.String()+" ("+r.Code+")")
		if o.Tries == 0 {
			o.RetryUntil = o.Next.End(zone)
		}
		o.Tries++
		if next := s.now.Add(StandingRetry); next.Before(o.RetryUntil) {
			o.DueAt = next
		} else {
			o.Advance(zone)
		}
	}
	s.putRun(r)
	r.At = s.now
	if r.Status != schedule.RunPending {
		s.emit(ingot.EventStandingOrderRun, o.OperatorID, &schedule.Report{Order: *o, Run: r})
	}
	return r, nil
}

// ---- the service ----

// StandingIn is a new standing order: a payment (From, To, Amount,
// Currency, Memo, and a holder's Authorization) and its schedule (JSON,
// package schedule).
type StandingIn struct {
	PayRequest
	Schedule []byte
}

// CreateStandingOrder makes a standing order from one of the caller's
// wallets, and pays at once the occurrences already due (a start in the
// past: those within the catch-up window; older ones are recorded
// missed). A holder's needs the holder's approval once, as a payment of
// the amount to the payee. It answers the order as it is then (a replay
// too).
func (s *Service) CreateStandingOrder(ctx context.Context, a ingot.Actor, in StandingIn, idem *Idem) (*schedule.Order, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return nil, err
	}
	it, err := parsePay(in.PayRequest)
	if err != nil {
		return nil, err
	}
	sched, err := schedule.Parse(in.Schedule)
	if err != nil {
		return nil, err
	}
	if earliest := schedule.DateOf(s.now(), s.zone()).AddDays(-MaxStandingPast); sched.Start.Before(earliest) {
		return nil, ingot.Errorf(ingot.CodeInvalidSchedule, "schedule.start may be at most %d days in the past (from %s)", MaxStandingPast, earliest)
	}
	o, err := submitGated(ctx, s, a, &standingCreateCmd{Item: it, sched: sched, zone: s.zone(), authorization: in.Authorization},
		payGate(it, in.Authorization), idem)
	if err != nil {
		return nil, err
	}
	if idem == nil || !idem.Replayed {
		if err := s.runOrder(ctx, *o); err != nil {
			s.log.WarnContext(ctx, "standing order: paying the occurrences due at creation failed; the scheduler retries", "order", o.ID, "err", err)
		}
	}
	return s.currentOrder(ctx, o)
}

// currentOrder reads an order as it is now (o when the read fails).
func (s *Service) currentOrder(ctx context.Context, o *schedule.Order) (*schedule.Order, error) {
	cur, err := s.st.StandingOrder(ctx, o.ID)
	if err != nil {
		s.log.WarnContext(ctx, "standing order: reading it back failed", "order", o.ID, "err", err)
		return o, nil
	}
	return &cur, nil
}

// PauseStandingOrder stops an order's runs until it is resumed.
func (s *Service) PauseStandingOrder(ctx context.Context, a ingot.Actor, id string, idem *Idem) (*schedule.Order, error) {
	return s.setStanding(ctx, a, id, actionPause, idem)
}

// ResumeStandingOrder runs a paused order again from today's occurrence
// (paid at once when it is due); those that fell due while it was paused
// are recorded missed.
func (s *Service) ResumeStandingOrder(ctx context.Context, a ingot.Actor, id string, idem *Idem) (*schedule.Order, error) {
	return s.setStanding(ctx, a, id, actionResume, idem)
}

// CancelStandingOrder ends an order: it pays nothing more.
func (s *Service) CancelStandingOrder(ctx context.Context, a ingot.Actor, id string, idem *Idem) (*schedule.Order, error) {
	return s.setStanding(ctx, a, id, actionCancel, idem)
}

func (s *Service) setStanding(ctx context.Context, a ingot.Actor, id string, act standingAction, idem *Idem) (*schedule.Order, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, notFound(fmt.Sprintf("standing order %q", id))
	}
	o, err := submit(ctx, s.eng, a, command[*schedule.Order](&standingSetCmd{id: id, action: act, zone: s.zone()}), idem)
	if err != nil {
		return nil, err
	}
	if act == actionResume && (idem == nil || !idem.Replayed) {
		if err := s.runOrder(ctx, *o); err != nil {
			s.log.WarnContext(ctx, "standing order: paying today's occurrence at resumption failed; the scheduler retries", "order", o.ID, "err", err)
		}
		return s.currentOrder(ctx, o)
	}
	return o, nil
}

// RunStandingOrders runs the standing orders due now, up to standingBatch
// of them, and answers how many it looked at. Several processes may run it
// at once: each occurrence is still paid once.
func (s *Service) RunStandingOrders(ctx context.Context) (int, error) {
	due, err := s.st.DueStandingOrders(ctx, s.now(), standingBatch)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		sem   = make(chan struct{}, standingWorkers)
	)
	for _, o := range due {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := s.runOrder(ctx, o); err != nil {
				mu.Lock()
				first = cmp.Or(first, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return len(due), first
}

// RunStandingScheduler runs the standing orders due every interval until
// ctx ends (ingot serve runs it).
func (s *Service) RunStandingScheduler(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for {
				n, err := s.RunStandingOrders(ctx)
				if err != nil && ctx.Err() == nil {
					s.log.WarnContext(ctx, "standing orders failed", "err", err)
				}
				if err != nil || n < standingBatch {
					break
				}
			}
		}
	}
}

// runOrder runs an order's due occurrences one command at a time (o as
// the caller last saw it), each under the idempotency key of the order and
// the occurrence.
func (s *Service) runOrder(ctx context.Context, o schedule.Order) error {
	for range standingSteps {
		if o.Status != schedule.Active || o.DueAt.IsZero() || o.DueAt.After(s.now()) {
			return nil
		}
		key := "standing " + o.ID + " " + o.Next.String()
		h := sha256.Sum256([]byte(key))
		idem := &Idem{IdemKey: ingot.IdemKey{Scope: standingScope, Key: key}, Hash: h[:]}
		payer := ingot.Actor{Role: ingot.RoleOperator, OperatorID: o.OperatorID}
		r, err := submit(ctx, s.eng, payer, command[*StandingRun](&standingRunCmd{id: o.ID, occurrence: o.Next, zone: s.zone()}), idem)
		if err != nil {
			return err
		}
		if idem.Replayed { // another process paid it: read where the order is now
			if o, err = s.st.StandingOrder(ctx, o.ID); err != nil {
				return err
			}
			continue
		}
		o = r.Order
	}
	return nil
}

// StandingOrder reads one: the payer's operator's or holder's (the central
// bank: any).
func (s *Service) StandingOrder(ctx context.Context, a ingot.Actor, id string) (*schedule.Order, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, notFound(fmt.Sprintf("standing order %q", id))
	}
	o, err := s.st.StandingOrder(ctx, id)
	if isNotFound(err) {
		return nil, notFound("standing order " + id)
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	if a.Role == ingot.RoleCentralBank {
		return &o, nil
	}
	acc, err := s.st.Account(ctx, o.Payer)
	if err != nil && !isNotFound(err) {
		return nil, s.unavailable(ctx, err)
	}
	if err != nil || !a.Owns(&acc) {
		return nil, notFound("standing order " + id)
	}
	return &o, nil
}

// StandingQuery selects standing orders.
type StandingQuery struct {
	Wallet, Status, Cursor string
	Limit                  int
}

// StandingOrders lists, newest first, an operator's (of its wallets), a
// holder's (of one of its wallets, which it names) or, for the central
// bank, all.
func (s *Service) StandingOrders(ctx context.Context, a ingot.Actor, q StandingQuery) ([]schedule.Order, string, error) {
	f := store.StandingFilter{Status: schedule.Status(q.Status), Before: q.Cursor}
	switch f.Status {
	case "", schedule.Active, schedule.Paused, schedule.Cancelled, schedule.Completed:
	default:
		return nil, "", ingot.Errorf(ingot.CodeInvalidRequest, "status must be active, paused, cancelled or completed")
	}
	var err error
	if f.OperatorID, f.Payer, err = s.listScope(ctx, a, q.Wallet, "standing orders"); err != nil { // conditional.go
		return nil, "", err
	}
	f.Limit = pageSize(q.Limit) + 1
	os, err := s.st.StandingOrders(ctx, f)
	if err != nil {
		return nil, "", s.unavailable(ctx, err)
	}
	next := ""
	if len(os) == f.Limit {
		os = os[:len(os)-1]
		next = os[len(os)-1].ID
	}
	return os, next, nil
}

// StandingRuns lists an order's runs, latest occurrence first; the first
// page of an active order starts with its next occurrence, pending, unless
// that was tried already. The cursor is an occurrence's date.
func (s *Service) StandingRuns(ctx context.Context, a ingot.Actor, id, cursor string, limit int) ([]schedule.Run, string, error) {
	o, err := s.StandingOrder(ctx, a, id)
	if err != nil {
		return nil, "", err
	}
	var before schedule.Date
	if cursor != "" {
		if before, err = schedule.ParseDate(cursor); err != nil {
			return nil, "", ingot.Errorf(ingot.CodeInvalidCursor, "cursor is not one this API gave")
		}
	}
	n := pageSize(limit)
	rs, err := s.st.StandingRuns(ctx, o.ID, before, n+1)
	if err != nil {
		return nil, "", s.unavailable(ctx, err)
	}
	if cursor == "" && o.Status == schedule.Active && !o.Next.IsZero() && (len(rs) == 0 || rs[0].Occurrence != o.Next) {
		rs = slices.Insert(rs, 0, schedule.Run{OrderID: o.ID, Occurrence: o.Next, Status: schedule.RunPending})
	}
	next := ""
	if len(rs) > n {
		rs = rs[:n]
		next = rs[n-1].Occurrence.String()
	}
	return rs, next, nil
}
