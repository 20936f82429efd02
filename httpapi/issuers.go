package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
)

// Several issuers (issue 15): the administrator registers central banks,
// each admits operators to its currencies.

// Issuer is a central bank on the platform. APIKey is shown once, in the
// answer to its registration; an idempotent replay does not carry it.
type Issuer struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Country    string    `json:"country" doc:"Its jurisdiction, ISO 3166-1 alpha-2 (empty for the administrator's: the server's --country)."`
	Currencies []string  `json:"currencies" doc:"The ISO 4217 currencies it alone mints and burns."`
	Admin      bool      `json:"admin" doc:"The platform's administrator: it registers issuers."`
	CreatedAt  time.Time `json:"created_at"`
	APIKey     string    `json:"api_key,omitempty" doc:"The issuer's first API key (a central bank's): shown once, never stored, absent from idempotent replays."`
}

func issuerOut(iss *ingot.Issuer, key string) Issuer {
	cs := iss.Currencies
	if cs == nil {
		cs = []string{}
	}
	return Issuer{ID: iss.ID, Name: iss.Name, Country: iss.Country, Currencies: cs, Admin: iss.Admin, CreatedAt: iss.CreatedAt.UTC(), APIKey: key}
}

type createIssuerIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		Name       string   `json:"name" doc:"The central bank's name." example:"Hong Kong Monetary Authority"`
		Country    string   `json:"country" maxLength:"2" doc:"Its jurisdiction, ISO 3166-1 alpha-2." example:"HK"`
		Currencies []string `json:"currencies" maxItems:"8" doc:"The currencies it issues: each has exactly one issuer." example:"[\"HKD\"]"`
	}
}

type issuerIDIn struct {
	ID string `path:"id" doc:"The issuer's id."`
}

type admitIn struct {
	ID         string `path:"id" doc:"The issuer's id: the caller's own."`
	OperatorID string `path:"operator_id" doc:"The operator to admit to the issuer's currencies."`
}

func (s *server) issuerRoutes() {
	post(s, "createIssuer", "/v1/issuers", "Register a central bank and its currencies (the platform's administrator)", http.StatusCreated, "Issuers", s.createIssuer)
	get(s, "listIssuers", "/v1/issuers", "The platform's issuers and their currencies", "Issuers", s.listIssuers)
	get(s, "getIssuer", "/v1/issuers/{id}", "One issuer", "Issuers", s.getIssuer)
	huma.Register(s.api, huma.Operation{OperationID: "admitOperator", Method: http.MethodPost, Path: "/v1/issuers/{id}/operators/{operator_id}",
		Summary: "Admit an operator to the issuer's currencies: it may then hold reserves and open wallets in them", Tags: []string{"Issuers"},
		DefaultStatus: http.StatusNoContent, Security: bearer}, s.admitOperator)
}

func (s *server) createIssuer(ctx context.Context, in *createIssuerIn) (*Out[Issuer], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ledger.NewIssuer, error) {
			return s.svc.CreateIssuer(ctx, actor(ctx), ledger.IssuerRequest{Name: in.Body.Name, Country: in.Body.Country, Currencies: in.Body.Currencies}, idem)
		},
		func(r *ledger.NewIssuer) Issuer { return issuerOut(&r.Issuer, r.APIKey) })
}

func (s *server) listIssuers(ctx context.Context, _ *struct{}) (*Body[List[Issuer]], error) {
	is, err := s.svc.Issuers(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[Issuer]{Items: make([]Issuer, len(is))}
	for i := range is {
		out.Items[i] = issuerOut(&is[i], "")
	}
	return &Body[List[Issuer]]{Body: out}, nil
}

func (s *server) getIssuer(ctx context.Context, in *issuerIDIn) (*Body[Issuer], error) {
	iss, err := s.svc.Issuer(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[Issuer]{Body: issuerOut(&iss, "")}, nil
}

func (s *server) admitOperator(ctx context.Context, in *admitIn) (*noContent, error) {
	if err := s.svc.AdmitOperator(ctx, actor(ctx), in.ID, in.OperatorID); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &noContent{Status: http.StatusNoContent}, nil
}
