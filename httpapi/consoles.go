package httpapi

import (
	"context"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
)

// What the consoles read besides the rest of the API: the central bank's
// supply of every currency, day by day, and each operator's reserves; a
// wallet's bank operations.

// OperatorReserves is an operator with its reserves.
type OperatorReserves struct {
	OperatorID string    `json:"operator_id"`
	Name       string    `json:"name"`
	Code       string    `json:"code"`
	Reserves   []Reserve `json:"reserves" doc:"One per currency the operator has a reserve in."`
}

// SupplyHistory is a currency's supply at the end of each day.
type SupplyHistory struct {
	Currency string        `json:"currency"`
	From     string        `json:"from" format:"date" doc:"The first day, YYYY-MM-DD in the server's zone."`
	To       string        `json:"to" format:"date" doc:"The last day (at most today)."`
	Points   []SupplyPoint `json:"points" doc:"One per day, oldest first."`
}

// SupplyPoint is the supply at the end of a day (now, for today) and what
// was minted and burned during it.
type SupplyPoint struct {
	Date   string `json:"date" format:"date"`
	Issued string `json:"issued"`
	Minted string `json:"minted"`
	Burned string `json:"burned"`
}

type historyQueryIn struct {
	Currency string `query:"currency" required:"true" example:"CNY"`
	From     string `query:"from" maxLength:"10" doc:"The first day, YYYY-MM-DD in the server's zone; default 29 days before to."`
	To       string `query:"to" maxLength:"10" doc:"The last day, YYYY-MM-DD; default (and at most) today."`
}

type bankOpsIn struct {
	Wallet string `query:"wallet" required:"true" doc:"16-digit wallet id."`
	Cursor string `query:"cursor" doc:"Opaque cursor from next_cursor."`
	Limit  int    `query:"limit" minimum:"0" maximum:"500" doc:"Page size, default 50, at most 500."`
}

func (s *server) consoleRoutes() {
	get(s, "listSupplies", "/v1/issuance/supplies", "The supply of every currency that has accounts (central bank)", "Issuance", s.supplies)
	get(s, "getSupplyHistory", "/v1/issuance/history", "A currency's supply at the end of each day, from its mints and burns (central bank)", "Issuance", s.supplyHistory)
	get(s, "listReserves", "/v1/issuance/reserves", "Every operator's reserves (central bank)", "Issuance", s.reserves)
	get(s, "listBankOperations", "/v1/bank-operations", "A wallet's bank operations (top-ups, withdrawals, sweeps, pulls) and their state, newest first", "Bank", s.bankOps)
}

func supplyOut(sp *ledger.Supply) Supply {
	c := sp.Currency
	return Supply{Currency: c.Code, Issued: ingot.FormatAmount(sp.Issued, c), Reserves: ingot.FormatAmount(sp.Reserves, c),
		Wallets: ingot.FormatAmount(sp.Wallets, c), Fees: ingot.FormatAmount(sp.Fees, c), Earmarked: ingot.FormatAmount(sp.Earmarked, c),
		Offline: ingot.FormatAmount(sp.Offline, c)}
}

func (s *server) supplies(ctx context.Context, _ *struct{}) (*Body[List[Supply]], error) {
	sps, err := s.svc.Supplies(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[Supply]{Items: make([]Supply, len(sps))}
	for i := range sps {
		out.Items[i] = supplyOut(&sps[i])
	}
	return &Body[List[Supply]]{Body: out}, nil
}

func (s *server) supplyHistory(ctx context.Context, in *historyQueryIn) (*Body[SupplyHistory], error) {
	h, err := s.svc.SupplyHistory(ctx, actor(ctx), in.Currency, in.From, in.To)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	c := h.Currency
	out := SupplyHistory{Currency: c.Code, From: h.From, To: h.To, Points: make([]SupplyPoint, len(h.Points))}
	for i, p := range h.Points {
		out.Points[i] = SupplyPoint{Date: p.Date, Issued: ingot.FormatAmount(p.Issued, c), Minted: ingot.FormatAmount(p.Minted, c),
			Burned: ingot.FormatAmount(p.Burned, c)}
	}
	return &Body[SupplyHistory]{Body: out}, nil
}

func (s *server) reserves(ctx context.Context, in *listIn) (*Body[List[OperatorReserves]], error) {
	rs, next, err := s.svc.Reserves(ctx, actor(ctx), in.Cursor, in.Limit)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[OperatorReserves]{Items: make([]OperatorReserves, len(rs)), NextCursor: next}
	for i, r := range rs {
		o := OperatorReserves{OperatorID: r.Operator.ID, Name: r.Operator.Name, Code: r.Operator.Code, Reserves: make([]Reserve, len(r.Reserves))}
		for j, a := range r.Reserves {
			o.Reserves[j] = Reserve{Currency: a.Currency, Balance: amt(a.Balance, a.Currency)}
		}
		out.Items[i] = o
	}
	return &Body[List[OperatorReserves]]{Body: out}, nil
}

func (s *server) bankOps(ctx context.Context, in *bankOpsIn) (*Body[List[BankOperation]], error) {
	ops, next, err := s.svc.BankOperations(ctx, actor(ctx), in.Wallet, in.Cursor, in.Limit)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[BankOperation]{Items: make([]BankOperation, len(ops)), NextCursor: next}
	for i := range ops {
		out.Items[i] = bankOpOut(&ops[i])
	}
	return &Body[List[BankOperation]]{Body: out}, nil
}
