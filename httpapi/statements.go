package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/statement"
)

// A wallet's daily statement (JSON, CSV or ISO 20022 camt.053) and a
// merchant's end-of-day settlement to its bank.

// Statement is a wallet's statement of a day in the configured zone:
// opening_balance + the entries' amounts = closing_balance.
type Statement struct {
	Wallet         string           `json:"wallet"`
	Date           string           `json:"date" example:"2026-11-28"`
	Currency       string           `json:"currency"`
	OpeningBalance string           `json:"opening_balance"`
	ClosingBalance string           `json:"closing_balance"`
	Entries        []StatementEntry `json:"entries"`
	Totals         StatementTotals  `json:"totals"`
}

// StatementEntry is one transfer of the day, signed as in the history
// (credits positive).
type StatementEntry struct {
	At           time.Time `json:"at"`
	TransferID   string    `json:"transfer_id"`
	Type         string    `json:"type" doc:"The transfer's kind."`
	Amount       string    `json:"amount" example:"38.00"`
	Fee          string    `json:"fee" doc:"A merchant payment's fee (also an entry of its own, of type fee)."`
	Counterparty string    `json:"counterparty" doc:"A wallet id, reserve:<operator id>, fee:<operator id> or issuance."`
	Reference    string    `json:"reference" doc:"The merchant's reference, or the memo."`
}

// StatementTotals add up the day: credits, debits, and the fees paid net of
// refunded fees.
type StatementTotals struct {
	Credits string `json:"credits"`
	Debits  string `json:"debits"`
	Fees    string `json:"fees"`
}

func statementOut(st *statement.Statement) Statement {
	c := st.Currency
	f := func(v int64) string { return ingot.FormatAmount(v, c) }
	tot := st.Totals()
	out := Statement{Wallet: st.Wallet, Date: st.Date, Currency: c.Code, OpeningBalance: f(st.Opening), ClosingBalance: f(st.Closing),
		Entries: make([]StatementEntry, len(st.Entries)), Totals: StatementTotals{Credits: f(tot.Credits), Debits: f(tot.Debits), Fees: f(tot.Fees)}}
	for i, e := range st.Entries {
		out.Entries[i] = StatementEntry{At: e.At.UTC(), TransferID: e.TransferID, Type: e.Type, Amount: f(e.Amount), Fee: f(e.Fee),
			Counterparty: e.Counterparty, Reference: e.Reference}
	}
	return out
}

type statementIn struct {
	ID     string `path:"id" doc:"16-digit wallet id."`
	Date   string `query:"date" maxLength:"10" example:"2026-11-28" doc:"The day, YYYY-MM-DD in the configured zone; default today."`
	Format string `query:"format" enum:"json,csv,camt053" doc:"Default json."`
}

// Document is an answer in a format chosen by the request.
type Document struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// Settlement is a merchant's end-of-day settlement.
type Settlement struct {
	Wallet        string     `json:"wallet"`
	Sweep         string     `json:"sweep" enum:"daily,off"`
	Keep          string     `json:"keep" doc:"What stays in the wallet."`
	BankAccountID string     `json:"bank_account_id,omitempty"`
	LastDate      string     `json:"last_date,omitempty" doc:"The last day settled."`
	NextRunAt     *time.Time `json:"next_run_at,omitempty" doc:"The coming midnight in the configured zone."`
}

type settlementIn struct {
	ID   string `path:"id" doc:"16-digit wallet id."`
	Body struct {
		Sweep         string `json:"sweep" enum:"daily,off"`
		Keep          string `json:"keep,omitempty" maxLength:"40" example:"0.00" doc:"Default 0.00: everything goes."`
		BankAccountID string `json:"bank_account_id,omitempty" maxLength:"64" doc:"Default the wallet's only linked bank account."`
	}
}

func (s *server) statementRoutes() {
	schema := s.api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[Statement](), true, "Statement")
	huma.Register(s.api, huma.Operation{
		OperationID: "getStatement", Method: http.MethodGet, Path: "/v1/wallets/{id}/statements",
		Summary: "A wallet's statement of a day: JSON, CSV or ISO 20022 camt.053", Tags: []string{"Merchants"}, Security: bearer,
		Responses: map[string]*huma.Response{"200": {Description: "The statement", Content: map[string]*huma.MediaType{
			"application/json": {Schema: schema},
			"text/csv":         {Schema: &huma.Schema{Type: "string"}},
			"application/xml":  {Schema: &huma.Schema{Type: "string"}},
		}}},
	}, s.statement)
	put(s, "setSettlement", "/v1/wallets/{id}/settlement", "Set a merchant's end-of-day settlement to its bank", "Merchants", s.setSettlement)
	get(s, "getSettlement", "/v1/wallets/{id}/settlement", "A merchant's end-of-day settlement", "Merchants", s.getSettlement)
}

func (s *server) statement(ctx context.Context, in *statementIn) (*Document, error) {
	st, err := s.svc.Statement(ctx, actor(ctx), in.ID, in.Date)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	var b bytes.Buffer
	out := &Document{}
	name := "statement-" + st.Wallet + "-" + st.Date
	switch in.Format {
	case "", "json":
		out.ContentType = "application/json"
		err = json.NewEncoder(&b).Encode(statementOut(st))
	case "csv":
		out.ContentType, out.ContentDisposition = "text/csv; charset=utf-8", `attachment; filename="`+name+`.csv"`
		err = statement.WriteCSV(&b, st)
	case "camt053":
		out.ContentType, out.ContentDisposition = "application/xml", `attachment; filename="`+name+`.xml"`
		err = statement.WriteCAMT053(&b, st)
	}
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out.Body = b.Bytes()
	return out, nil
}

func (s *server) settlementOut(st ingot.Settlement, cur string) Settlement {
	out := Settlement{Wallet: ingot.FormatWalletID(st.Wallet), Sweep: string(st.Sweep), Keep: amt(st.Keep, cur),
		BankAccountID: st.BankAccount, LastDate: st.LastDate}
	if st.Sweep == ingot.SweepDaily {
		next := s.svc.NextSettlement().UTC()
		out.NextRunAt = &next
	}
	return out
}

func (s *server) setSettlement(ctx context.Context, in *settlementIn) (*Body[Settlement], error) {
	st, err := s.svc.SetSettlement(ctx, actor(ctx), in.ID, ledger.SettlementRequest{Sweep: in.Body.Sweep, Keep: in.Body.Keep, BankAccountID: in.Body.BankAccountID})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	w, err := s.svc.Wallet(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[Settlement]{Body: s.settlementOut(st, w.Currency)}, nil
}

func (s *server) getSettlement(ctx context.Context, in *walletIn) (*Body[Settlement], error) {
	w, err := s.svc.Wallet(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	st, err := s.svc.Settlement(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[Settlement]{Body: s.settlementOut(st, w.Currency)}, nil
}
