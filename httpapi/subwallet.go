package httpapi

import (
	"context"
	"net/http"

	"github.com/ingot-cbdc/ingot/ledger"
)

// Sub-wallets (ledger/subwallet.go).

type subWalletIn struct {
	ID             string `path:"id" doc:"16-digit id of the parent wallet."`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		Name         string `json:"name,omitempty" maxLength:"100" doc:"A label (\"pocket money\"); stored encrypted."`
		HoldingLimit string `json:"holding_limit,omitempty" doc:"The sub-wallet's balance cap, at most its tier's. Absent: the tier's."`
		SingleLimit  string `json:"single_limit,omitempty" doc:"The most one payment may be, at most the tier's. Absent: the tier's."`
		DailyLimit   string `json:"daily_limit,omitempty" doc:"The most the sub-wallet may pay out in a day, at most the tier's. Absent: the tier's."`
	}
}

func (s *server) subWalletRoutes() {
	post(s, "openSubWallet", "/v1/wallets/{id}/sub-wallets", "Open a sub-wallet with its own, lower limits", http.StatusCreated, "Wallets", s.openSubWallet)
	get(s, "listSubWallets", "/v1/wallets/{id}/sub-wallets", "List a wallet's sub-wallets", "Wallets", s.listSubWallets)
}

func (s *server) openSubWallet(ctx context.Context, in *subWalletIn) (*Out[Wallet], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ledger.WalletView, error) {
			b := in.Body
			return s.svc.OpenSubWallet(ctx, actor(ctx), in.ID, ledger.SubWalletRequest{Name: b.Name,
				HoldingLimit: b.HoldingLimit, SingleLimit: b.SingleLimit, DailyLimit: b.DailyLimit}, idem)
		}, s.renderWallet(ctx))
}

func (s *server) listSubWallets(ctx context.Context, in *walletIn) (*Body[List[Wallet]], error) {
	ws, err := s.svc.SubWallets(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	l, err := s.svc.Limits(ctx, ws)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[Wallet]{Items: make([]Wallet, len(ws))}
	for i := range ws {
		out.Items[i] = s.walletOut(ctx, &ws[i], &l[i])
	}
	return &Body[List[Wallet]]{Body: out}, nil
}
