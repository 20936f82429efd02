package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot/client"
)

// The central bank's console: the supply of every currency, one
// currency's supply over time (a chart drawn on the server, with its data
// as a table), each operator's reserves, mint and burn, the operators
// (and registering one, its key shown once), the transparency log's
// latest checkpoint and "prove a transfer" (checked in the browser:
// static/proof.js).

type centralBankData struct {
	Supplies []client.Supply
	// Currency is the one charted; Days its period.
	Currency string
	Days     []choice
	History  *client.SupplyHistory
	Chart    *chart
	Reserves []client.OperatorReserves
	// ReserveCurrencies are the reserves table's columns.
	ReserveCurrencies []string
	Operators         []client.Operator
	NewOperator       *client.Operator // just registered: its key shown once
	Checkpoint        string
	Key               string // the log's verifier key, as the server says (pin your own)
	// The forms' idempotency keys: mint and burn first (in this order),
	// then registering an operator.
	Idem, BurnIdem, OperatorIdem string
}

// cbView is what the central bank's page shows besides what it reads.
type cbView struct {
	status      int
	flash, err  string
	currency    string
	days        int
	newOperator *client.Operator
}

// chartDays are the periods the chart offers.
var chartDays = []string{"7", "30", "90", "365"}

func (w *Web) centralBankRoutes() {
	w.handle("GET /console/central-bank", func(q *req) {
		days, _ := strconv.Atoi(q.r.URL.Query().Get("days"))
		q.centralBank(cbView{status: http.StatusOK, currency: q.r.URL.Query().Get("currency"), days: days})
	})
	// A transfer's proof, for the page's script to check (static/proof.js).
	w.handle("GET /console/central-bank/proof", func(q *req) {
		if q.s.Kind != kindOrg || q.s.Role != roleCentralBank {
			http.Error(q.rw, `{"code":"not_found"}`, http.StatusNotFound)
			return
		}
		p, err := q.client().GetTransferProof(q.r.Context(), q.r.URL.Query().Get("transfer"), nil)
		if err != nil {
			http.Error(q.rw, `{"code":"not_found"}`, http.StatusNotFound)
			return
		}
		q.save()
		q.rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(q.rw).Encode(p)
	})
	for _, op := range []string{"mint", "burn"} {
		w.handle("POST /console/central-bank/"+op, func(q *req) {
			if !q.org(roleCentralBank) {
				return
			}
			cur := strings.ToUpper(strings.TrimSpace(q.r.PostFormValue("currency")))
			if cur == "" {
				cur = "CNY"
			}
			body := client.IssueRequest{OperatorID: q.r.PostFormValue("operator_id"), Amount: strings.TrimSpace(q.r.PostFormValue("amount")), Currency: cur}
			c, idem := q.client(), client.WithIdempotencyKey(q.r.PostFormValue("idem"))
			var err error
			if op == "mint" {
				_, err = c.Mint(q.r.Context(), body, idem)
			} else {
				_, err = c.Burn(q.r.Context(), body, idem)
			}
			if err != nil {
				q.centralBank(cbView{status: http.StatusUnprocessableEntity, err: q.problem(err), currency: cur})
				return
			}
			q.centralBank(cbView{status: http.StatusOK, flash: q.t("done"), currency: cur})
		})
	}
	w.handle("POST /console/central-bank/operators", func(q *req) {
		if !q.org(roleCentralBank) {
			return
		}
		o, err := q.client().CreateOperator(q.r.Context(), client.CreateOperatorRequest{Name: strings.TrimSpace(q.r.PostFormValue("name")),
			Code: strings.ToUpper(strings.TrimSpace(q.r.PostFormValue("code")))}, client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		if err != nil {
			q.centralBank(cbView{status: http.StatusUnprocessableEntity, err: q.problem(err)})
			return
		}
		q.centralBank(cbView{status: http.StatusOK, flash: q.t("cbc.op.made"), newOperator: o})
	})
}

// centralBank renders the central bank's console.
func (q *req) centralBank(v cbView) {
	if !q.org(roleCentralBank) {
		return
	}
	ctx, c := q.r.Context(), q.client()
	d := centralBankData{Idem: idemKey(), BurnIdem: idemKey(), OperatorIdem: idemKey(), NewOperator: v.newOperator}
	sups, err := c.ListSupplies(ctx)
	if err != nil {
		q.ended(err)
		return
	}
	d.Supplies = sups.Items
	// The charted currency: the one asked for, else CNY, else the first.
	d.Currency = strings.ToUpper(strings.TrimSpace(v.currency))
	if d.Currency == "" {
		d.Currency = "CNY"
		if len(d.Supplies) > 0 && !hasSupply(d.Supplies, "CNY") {
			d.Currency = d.Supplies[0].Currency
		}
	}
	days := v.days
	if days <= 0 || days > 366 {
		days = 30
	}
	d.Days = choices(chartDays, []string{strconv.Itoa(days)})
	from := q.w.now().In(q.w.zone).AddDate(0, 0, -(days - 1)).Format(time.DateOnly)
	errText := v.err
	if h, err := c.GetSupplyHistory(ctx, d.Currency, &client.GetSupplyHistoryParams{From: from}); err == nil {
		d.History = h
		d.Chart = supplyChart(q.lang, q.t, h)
	} else if errText == "" {
		errText = q.problem(err)
	}
	if rs, err := c.ListReserves(ctx, &client.ListReservesParams{Limit: 500}); err == nil {
		d.Reserves = rs.Items
		seen := map[string]bool{}
		for _, r := range rs.Items {
			for _, res := range r.Reserves {
				if !seen[res.Currency] {
					seen[res.Currency] = true
					d.ReserveCurrencies = append(d.ReserveCurrencies, res.Currency)
				}
			}
		}
	}
	if ops, err := c.ListOperators(ctx, &client.ListOperatorsParams{Limit: 500}); err == nil {
		d.Operators = ops.Items
	}
	if cp, err := c.GetCheckpoint(ctx); err == nil { // none before the first transfer
		d.Checkpoint = string(cp)
	}
	if k, err := c.GetLogKey(ctx); err == nil {
		d.Key = strings.TrimSpace(string(k))
	}
	status := v.status
	if status == 0 {
		status = http.StatusOK
	}
	q.render(status, "central_bank", v.flash, errText, d)
}

func hasSupply(ss []client.Supply, cur string) bool {
	for _, s := range ss {
		if s.Currency == cur {
			return true
		}
	}
	return false
}

// ReserveOf is an operator's reserve balance of a currency ("" none), for
// the reserves table.
func (d centralBankData) ReserveOf(r client.OperatorReserves, cur string) string {
	for _, res := range r.Reserves {
		if res.Currency == cur {
			return res.Balance
		}
	}
	return ""
}
