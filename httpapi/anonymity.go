package httpapi

import (
	"context"

	"github.com/ingot-cbdc/ingot"
)

// Controllable anonymity (docs/security.md): the central bank reads any
// wallet (ledger.Service.WalletToRead), its history and any transfer, but
// pseudonymously: wallet ids, kinds, tiers and amounts, never a holder's
// name, phone or ID number, nor what a payer or a merchant wrote. An
// operator reads its own holders masked, and in clear with ?reveal=true
// (getWallet).

// pseudonymous reports whether the caller sees wallets and transfers
// pseudonymously: the central bank does.
func pseudonymous(ctx context.Context) bool { return actor(ctx).Role == ingot.RoleCentralBank }

// withoutFreeText leaves out, for the central bank, what a payer or a
// merchant wrote on a transfer, since it may name people: the memo (a
// refund's reason is its refund transfer's memo) and the merchant's
// reference. A payment_refund's reference is Ingot's own (the refunded
// payment's id) and stays.
func withoutFreeText(ctx context.Context, t *Transfer) {
	if !pseudonymous(ctx) {
		return
	}
	t.Memo = ""
	if t.Kind != string(ingot.KindPaymentRefund) {
		t.Reference = ""
	}
}
