package verify

import "github.com/ingot-cbdc/ingot"

// Offline purses (docs/offline-and-ussd.md): the money on a device is an
// account of kind offline. Replaying the log checks that money enters an
// offline account only as an offline_load (from its wallet), an
// offline_payment (from another device) or an offline_advance (from the
// payer's operator's reserve), and leaves it only as an offline_payment,
// an offline_redeem (to its wallet) or an offline_recovery (to the
// reserve), and that these kinds move no other account on their offline
// side.

// noteOffline records, for both accounts of a transfer, whether it moved
// them as an offline account or as another.
func noteOffline(t ingot.Transfer, debit, credit *acct) {
	d, c := t.Kind.OfflineSides()
	noteOfflineSide(debit, d, t)
	noteOfflineSide(credit, c, t)
}

func noteOfflineSide(a *acct, off bool, t ingot.Transfer) {
	switch {
	case off && a.asOffline == nil:
		a.asOffline = &t
	case !off && a.notOffline == nil:
		a.notOffline = &t
	}
}

// checkOffline checks a stored account against how the log moved it.
func checkOffline(a ingot.Account, r *acct, bad func(string, ...any) error) error {
	if a.Kind == ingot.AccountOffline && r.notOffline != nil {
		t := r.notOffline
		return bad("is an offline account, but transfer %s (log index %d) moved it as a %s", t.ID, t.LogIndex, t.Kind)
	}
	if a.Kind != ingot.AccountOffline && r.asOffline != nil {
		t := r.asOffline
		return bad("is a %s account, but transfer %s (log index %d, %s) moved it as a device's money", a.Kind, t.ID, t.LogIndex, t.Kind)
	}
	return nil
}
