package ledger_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
)

func walletReqs(n int) []ledger.WalletRequest {
	ws := make([]ledger.WalletRequest, n)
	for i := range ws {
		ws[i] = ledger.WalletRequest{Holder: ingot.Holder{Name: fmt.Sprintf(" Holder %d ", i), Phone: "138-1234 5678"}, Currency: "CNY"}
	}
	return ws
}

func TestCreateWallets(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, _ := e.operator("BANKA")
		b, _ := e.operator("BANKB")

		ws := walletReqs(ledger.MaxWalletBatch)
		ws[1].Kind = ingot.WalletMerchant
		res, err := e.svc.CreateWallets(e.ctx, a, ws, nil)
		if err != nil {
			t.Fatalf("CreateWallets: %v", err)
		}
		if len(res) != len(ws) {
			t.Fatalf("%d accounts for %d requests", len(res), len(ws))
		}
		ids := map[int64]bool{}
		for i, v := range res {
			acc := v.Account
			want := fmt.Sprintf("Holder %d", i)
			// Stored sealed; the service opens it.
			if !strings.HasPrefix(acc.Holder.Name, "v1:") || !strings.HasPrefix(acc.Holder.Phone, "v1:") {
				t.Fatalf("account %d holder not sealed: %+v", i, acc.Holder)
			}
			if err := e.svc.Reveal(&acc); err != nil {
				t.Fatal(err)
			}
			if acc.Holder.Name != want || acc.Holder.Phone != "+8613812345678" || acc.Currency != "CNY" ||
				acc.OperatorID != a.OperatorID || acc.Status != ingot.StatusActive || ids[acc.ID] || !ingot.IsWalletID(acc.ID) {
				t.Fatalf("account %d = %+v", i, acc)
			}
			ids[acc.ID] = true
			wantKind := ingot.WalletPersonal
			if i == 1 {
				wantKind = ingot.WalletMerchant
			}
			if acc.WalletKind != wantKind {
				t.Fatalf("account %d kind %s, want %s", i, acc.WalletKind, wantKind)
			}
		}
		// They are the operator's wallets, and only its.
		w, err := e.svc.Wallet(e.ctx, a, ingot.FormatWalletID(res[999].Account.ID))
		if err == nil {
			err = e.svc.Reveal(&w)
		}
		if err != nil || w.Holder.Name != "Holder 999" {
			t.Fatalf("Wallet = %+v, %v", w, err)
		}
		_, err = e.svc.Wallet(e.ctx, b, ingot.FormatWalletID(res[0].Account.ID))
		wantCode(t, err, ingot.CodeNotFound)

		// The first invalid item refuses the whole request, naming it.
		for _, tc := range []struct {
			mod  func(*ledger.WalletRequest)
			code string
			msg  string
		}{
			{func(w *ledger.WalletRequest) { w.Holder.Name = " " }, ingot.CodeInvalidRequest, "wallets[3]: holder.name is required"},
			{func(w *ledger.WalletRequest) { w.Holder.Phone = "12" }, ingot.CodeInvalidRequest, "wallets[3]: holder.phone is not a valid phone number"},
			{func(w *ledger.WalletRequest) { w.Currency = "XXZ" }, ingot.CodeInvalidCurrency, "wallets[3]: "},
			{func(w *ledger.WalletRequest) { w.Kind = "corporate" }, ingot.CodeInvalidRequest, "wallets[3]: kind must be"},
		} {
			ws := walletReqs(5)
			tc.mod(&ws[3])
			ws[4].Holder.Phone = "x" // a later invalid item is not the one named
			_, err := e.svc.CreateWallets(e.ctx, b, ws, nil)
			wantCode(t, err, tc.code)
			if d := detailOf(t, err); !strings.HasPrefix(d, tc.msg) {
				t.Errorf("detail %q, want prefix %q", d, tc.msg)
			}
		}
		list, _, err := e.svc.Wallets(e.ctx, b, "", 10)
		if err != nil || len(list) != 0 {
			t.Fatalf("refused requests created wallets: %v, %v", list, err)
		}

		_, err = e.svc.CreateWallets(e.ctx, b, nil, nil)
		wantCode(t, err, ingot.CodeInvalidRequest)
		_, err = e.svc.CreateWallets(e.ctx, b, walletReqs(ledger.MaxWalletBatch+1), nil)
		wantCode(t, err, ingot.CodeInvalidRequest)
		_, err = e.svc.CreateWallets(e.ctx, e.cb, walletReqs(1), nil)
		wantCode(t, err, ingot.CodeForbidden)
	})
}

func TestCreateWalletsIdempotency(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, _ := e.operator("BANKA")
		idem := func(key, hash string) *ledger.Idem {
			return &ledger.Idem{IdemKey: ingot.IdemKey{Scope: a.KeyID, Key: key}, Hash: []byte(hash)}
		}
		k := idem("k1", "h1")
		first, err := e.svc.CreateWallets(e.ctx, a, walletReqs(3), k)
		if err != nil || k.Replayed {
			t.Fatalf("CreateWallets = %+v, %v", first, err)
		}
		k = idem("k1", "h1")
		again, err := e.svc.CreateWallets(e.ctx, a, walletReqs(3), k)
		if err != nil || !k.Replayed || len(again) != 3 || again[2].Account.ID != first[2].Account.ID || again[2].Limits != first[2].Limits {
			t.Fatalf("replay = %+v, %v; want the first answer %+v", again, err, first)
		}
		_, err = e.svc.CreateWallets(e.ctx, a, walletReqs(2), idem("k1", "h2"))
		wantCode(t, err, ingot.CodeIdempotencyConflict)
		// A refused request stores nothing: its key stays free.
		bad := walletReqs(2)
		bad[0].Currency = ""
		_, err = e.svc.CreateWallets(e.ctx, a, bad, idem("k2", "h3"))
		wantCode(t, err, ingot.CodeInvalidCurrency)
		if _, err := e.svc.CreateWallets(e.ctx, a, walletReqs(2), idem("k2", "h4")); err != nil {
			t.Fatalf("key of a refused request: %v", err)
		}
		list, _, err := e.svc.Wallets(e.ctx, a, "", 100)
		if err != nil || len(list) != 5 {
			t.Fatalf("%d wallets, want 5: %v", len(list), err)
		}
	})
}
