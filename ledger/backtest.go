package ledger

import (
	"context"
	"sort"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// Backtests: a rule tried on past payments, without effect. The payments
// of [from, to) are read in log order; each is evaluated with the facts of
// its time as far as the window shows them: the velocity aggregates and
// new_payee are rebuilt from the window's own payments (so its first day
// counts less history than the engine had), and the wallets' tier, kind
// and operator are today's. An operator's rule is tried on its wallets'
// payments, the central bank's on all.

// MaxBacktest is the most payments one backtest evaluates.
const MaxBacktest = 1_000_000

// Backtest is a backtest's outcome.
type Backtest struct {
	Evaluated int64 // payments the rule was evaluated on
	Hits      int64 // of which it matched
	Errors    int64 // of which its evaluation failed
	Truncated bool  // MaxBacktest was reached before to
}

// BacktestRule tries the latest version of a rule on past payments. A zero
// from is the beginning, a zero to now.
func (s *Service) BacktestRule(ctx context.Context, a ingot.Actor, id string, from, to time.Time) (*Backtest, error) {
	vs, err := s.RiskRule(ctx, a, id)
	if err != nil {
		return nil, err
	}
	r := vs[len(vs)-1]
	owner, err := s.ruleOwner(ctx, a)
	if err != nil {
		return nil, err
	}
	if !ownRule(&r, &owner) {
		return nil, notFound("risk rule " + id) // a rule is tried by its owner
	}
	r.Active = true
	c, err := risk.CompileRule(r)
	if err != nil {
		return nil, err
	}
	if to.IsZero() {
		to = s.now()
	}
	if !from.IsZero() && !to.After(from) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "to must be after from")
	}
	start, err := s.firstTransferAt(ctx, from)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	bt := &Backtest{}
	accounts := map[int64]*ingot.Account{}
	account := func(id int64) (*ingot.Account, error) {
		if a, ok := accounts[id]; ok {
			return a, nil
		}
		acc, err := s.st.Account(ctx, id)
		if err != nil {
			return nil, err
		}
		accounts[id] = &acc
		return &acc, nil
	}
	vel := map[int64]*risk.Velocity{}
	velocity := func(id int64) *risk.Velocity {
		if v, ok := vel[id]; ok {
			return v
		}
		v := &risk.Velocity{}
		vel[id] = v
		return v
	}
	pairs := map[store.Pair]time.Time{}
	rules := []*risk.Compiled{c}
	for next := start; ; {
		ts, err := s.st.LogTransfers(ctx, next, 1000)
		if err != nil {
			return nil, s.unavailable(ctx, err)
		}
		if len(ts) == 0 {
			return bt, nil
		}
		for _, t := range ts {
			next = t.LogIndex + 1
			if !t.CreatedAt.Before(to) {
				return bt, nil
			}
			if t.Kind != ingot.KindPayment && t.Kind != ingot.KindCapture {
				continue
			}
			debit, err := account(t.Debit)
			if err != nil {
				return nil, s.unavailable(ctx, err)
			}
			credit, err := account(t.Credit)
			if err != nil {
				return nil, s.unavailable(ctx, err)
			}
			if debit.Kind != ingot.AccountWallet || credit.Kind != ingot.AccountWallet || !c.Applies(debit.OperatorID, credit.OperatorID, t.Currency) {
				continue
			}
			if bt.Evaluated == MaxBacktest {
				bt.Truncated = true
				return bt, nil
			}
			k := store.Pair{Payer: debit.ID, Payee: credit.ID}
			last := pairs[k]
			pv, qv := velocity(debit.ID), velocity(credit.ID)
			st := &state{now: t.CreatedAt, merch: newMerchantState()}
			d0, _ := ingot.Period(t.CreatedAt, s.zone())
			p, q := st.party(debit, pv), st.party(credit, qv)
			p.Balance, q.Balance = t.DebitBalance+t.Amount, t.CreditBalance-t.Amount
			f := risk.Facts{Amount: t.Amount, Currency: t.Currency, Channel: risk.ChannelOperator, NewPayee: last.IsZero(),
				Now: t.CreatedAt, Payer: p, Payee: q}
			d := risk.Decide(rules, &f)
			bt.Evaluated++
			switch {
			case len(d.Errors) > 0:
				bt.Errors++
			case len(d.Hits) > 0 || (r.Action == risk.ActionAllow && matches(c, &f)):
				bt.Hits++
			}
			pv.Sent(t.CreatedAt, d0, t.Amount, last, false)
			qv.Received(t.CreatedAt, d0, t.Amount, last)
			pairs[k] = t.CreatedAt
		}
	}
}

func matches(c *risk.Compiled, f *risk.Facts) bool {
	ok, err := c.Program.Eval(f)
	return ok && err == nil
}

// firstTransferAt is the log index of the first transfer at or after t
// (transfers are in time order along the log), by binary search.
func (s *Service) firstTransferAt(ctx context.Context, t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, nil
	}
	n, err := s.st.CountTransfers(ctx)
	if err != nil {
		return 0, err
	}
	var ferr error
	i := sort.Search(int(n), func(i int) bool {
		if ferr != nil {
			return true
		}
		ts, err := s.st.LogTransfers(ctx, int64(i), 1)
		if err != nil || len(ts) == 0 {
			ferr = err
			return true
		}
		return !ts[0].CreatedAt.Before(t)
	})
	return int64(i), ferr
}
