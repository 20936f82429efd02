package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
)

// WalletBody is one wallet to open: the body of POST /v1/wallets.
type WalletBody struct {
	Holder struct {
		Name  string `json:"name" example:"Zhang San"`
		Phone string `json:"phone" example:"13812345678"`
		Kind  string `json:"kind,omitempty" enum:"person,business" doc:"Default person."`
	} `json:"holder"`
	Currency string `json:"currency" example:"CNY"`
	Kind     string `json:"kind,omitempty" enum:"personal,merchant" doc:"Default personal."`
}

type createWalletsIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		Wallets []WalletBody `json:"wallets" minItems:"1" maxItems:"1000" doc:"The wallets to open, each as the body of POST /v1/wallets."`
	}
}

// Wallets are the wallets one request opened, in the request's order.
type Wallets struct {
	Items []Wallet `json:"items"`
}

// walletBatchRoute registers POST /v1/wallets/batch.
func (s *server) walletBatchRoute() {
	huma.Register(s.api, huma.Operation{
		OperationID: "createWalletBatch", Method: http.MethodPost, Path: "/v1/wallets/batch",
		Summary: "Open up to 1,000 wallets at once, all or none", Tags: []string{"Wallets"},
		DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBatchBodyBytes, Security: bearer,
	}, s.createWallets)
}

func (s *server) createWallets(ctx context.Context, in *createWalletsIn) (*Out[Wallets], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) ([]ledger.WalletView, error) {
			ws := make([]ledger.WalletRequest, len(in.Body.Wallets))
			for i, w := range in.Body.Wallets {
				ws[i] = ledger.WalletRequest{
					Holder:   ingot.Holder{Name: w.Holder.Name, Phone: w.Holder.Phone, Kind: ingot.HolderKind(w.Holder.Kind)},
					Currency: w.Currency, Kind: ingot.WalletKind(w.Kind),
				}
			}
			return s.svc.CreateWallets(ctx, actor(ctx), ws, idem)
		}, func(ws []ledger.WalletView) Wallets { return s.walletsOut(ctx, ws) })
}

func (s *server) walletsOut(ctx context.Context, ws []ledger.WalletView) Wallets {
	out := Wallets{Items: make([]Wallet, len(ws))}
	for i := range ws {
		out.Items[i] = s.walletOut(ctx, &ws[i].Account, &ws[i].Limits)
	}
	return out
}
