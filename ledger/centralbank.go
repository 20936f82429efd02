package ledger

import (
	"context"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// What the central bank's console reads besides one currency's supply:
// the supply of every currency, each operator's reserves, and a
// currency's supply day by day.

// Supplies is the supply of every currency that has accounts and that
// the caller issues, by code.
func (s *Service) Supplies(ctx context.Context, a ingot.Actor) ([]Supply, error) {
	if err := requireRole(a, ingot.RoleCentralBank); err != nil {
		return nil, err
	}
	codes, err := s.st.Currencies(ctx)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	out := make([]Supply, 0, len(codes))
	for _, c := range codes {
		if mine, err := s.governs(ctx, a, c); err != nil {
			return nil, err
		} else if !mine {
			continue // another issuer's
		}
		sp, err := s.Supply(ctx, a, c)
		if err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	return out, nil
}

// OperatorReserves is an operator with its reserve accounts.
type OperatorReserves struct {
	Operator ingot.Operator
	Reserves []ingot.Account // one per currency, by id
}

// Reserves lists the operators, by id as Operators does, each with its
// reserves, for the central bank.
func (s *Service) Reserves(ctx context.Context, a ingot.Actor, cursor string, limit int) ([]OperatorReserves, string, error) {
	ops, next, err := s.Operators(ctx, a, cursor, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]OperatorReserves, len(ops))
	for i, op := range ops {
		res, err := s.st.Accounts(ctx, op.ID, ingot.AccountReserve, 0, 1000)
		if err != nil {
			return nil, "", s.unavailable(ctx, err)
		}
		out[i] = OperatorReserves{Operator: op, Reserves: res}
	}
	return out, next, nil
}

// SupplyPoint is a currency's supply at the end of a day, and what was
// minted and burned during it.
type SupplyPoint struct {
	Date           string // YYYY-MM-DD in the configured zone
	Issued         int64  // at the end of the day (now, for today)
	Minted, Burned int64
}

// SupplyHistory is a currency's supply day by day, from its issuance
// account's transfers (mints and burns).
type SupplyHistory struct {
	Currency ingot.Currency
	From, To string // YYYY-MM-DD, both included
	Points   []SupplyPoint
}

// Bounds of a supply history.
const (
	// DefaultHistoryDays is a history's length when from is not given.
	DefaultHistoryDays = 30
	// MaxHistoryDays is the longest history one request reads.
	MaxHistoryDays = 366
	// MaxHistoryTransfers bounds the mints and burns one history reads.
	MaxHistoryTransfers = 100_000
)

// SupplyHistory reads a currency's supply at the end of each day from
// from to to (YYYY-MM-DD in the configured zone, both included; to "" is
// today, from "" 30 days before to), for the central bank. Days after
// today are not in it.
func (s *Service) SupplyHistory(ctx context.Context, a ingot.Actor, currency, from, to string) (SupplyHistory, error) {
	if err := requireRole(a, ingot.RoleCentralBank); err != nil {
		return SupplyHistory{}, err
	}
	cur, err := ingot.LookupCurrency(currency)
	if err == nil {
		err = s.requireIssuer(ctx, a, cur.Code, false) // issuers.go
	}
	if err != nil {
		return SupplyHistory{}, err
	}
	zone := s.zone()
	y, m, d := s.now().In(zone).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, zone)
	last := today
	if to != "" {
		if last, err = time.ParseInLocation(time.DateOnly, to, zone); err != nil {
			return SupplyHistory{}, ingot.Errorf(ingot.CodeInvalidRequest, "to must be a day, YYYY-MM-DD")
		}
		if last.After(today) {
			last = today
		}
	}
	first := last.AddDate(0, 0, -(DefaultHistoryDays - 1))
	if from != "" {
		if first, err = time.ParseInLocation(time.DateOnly, from, zone); err != nil {
			return SupplyHistory{}, ingot.Errorf(ingot.CodeInvalidRequest, "from must be a day, YYYY-MM-DD")
		}
	}
	if first.After(last) {
		return SupplyHistory{}, ingot.Errorf(ingot.CodeInvalidRequest, "from must be on or before to (and today)")
	}
	if last.Sub(first) >= MaxHistoryDays*24*time.Hour {
		return SupplyHistory{}, ingot.Errorf(ingot.CodeInvalidRequest, "a history is at most %d days", MaxHistoryDays)
	}
	h := SupplyHistory{Currency: cur, From: first.Format(time.DateOnly), To: last.Format(time.DateOnly)}
	byDate := map[string]int{}
	for day := first; !day.After(last); day = day.AddDate(0, 0, 1) {
		byDate[day.Format(time.DateOnly)] = len(h.Points)
		h.Points = append(h.Points, SupplyPoint{Date: day.Format(time.DateOnly)})
	}
	iss, ok, err := s.issuanceAccount(ctx, cur.Code)
	if err != nil || !ok {
		return h, err // never minted: zero every day
	}
	end := last.AddDate(0, 0, 1)
	opening, err := s.st.BalanceBefore(ctx, iss, first)
	if err != nil {
		return SupplyHistory{}, s.unavailable(ctx, err)
	}
	ts, err := s.st.AccountTransfersBetween(ctx, iss, first, end, MaxHistoryTransfers+1)
	if err != nil {
		return SupplyHistory{}, s.unavailable(ctx, err)
	}
	if len(ts) > MaxHistoryTransfers {
		return SupplyHistory{}, ingot.Errorf(ingot.CodeInvalidRequest, "more than %d mints and burns from %s to %s: ask for fewer days", MaxHistoryTransfers, h.From, h.To)
	}
	// The issuance account's balance is minus the supply; each transfer
	// carries the balance it left.
	balance, next := opening, 0
	for i := range h.Points {
		p := &h.Points[i]
		for ; next < len(ts); next++ {
			t := &ts[next]
			if byDate[t.CreatedAt.In(zone).Format(time.DateOnly)] != i {
				break
			}
			if t.Debit == iss {
				p.Minted += t.Amount
				balance = t.DebitBalance
			} else {
				p.Burned += t.Amount
				balance = t.CreditBalance
			}
		}
		p.Issued = -balance
	}
	return h, nil
}

// issuanceAccount finds the central bank's issuance account of a
// currency without creating it; ok is false when there is none (nothing
// was ever minted in it).
func (s *Service) issuanceAccount(ctx context.Context, currency string) (id int64, ok bool, err error) {
	if v, ok := s.accounts.Load(string(ingot.AccountIssuance) + "||" + currency); ok {
		return v.(int64), true, nil
	}
	accs, err := s.st.Accounts(ctx, "", ingot.AccountIssuance, 0, 1000)
	if err != nil {
		return 0, false, s.unavailable(ctx, err)
	}
	for _, a := range accs {
		if a.Currency == currency {
			return a.ID, true, nil
		}
	}
	return 0, false, nil
}
