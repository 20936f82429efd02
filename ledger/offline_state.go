package ledger

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// Offline purses inside the engine's batch (docs/offline-and-ussd.md). A
// device's money is an offline account, a child of its wallet:
// loadFamilies locks a wallet's offline accounts with it (they come with
// the query of sub-wallets) so that its balance cap counts them. A command
// about devices names them (lockSet.device), and loadOffline locks their
// rows before the accounts, then reads the applied offline payments of the
// identities the batch names, which the payer devices' locks keep current.

// offlineState is a batch's view of devices and offline payments.
type offlineState struct {
	devices  map[string]*ingot.Device                           // locked
	payments map[store.OfflinePaymentKey][]ingot.OfflinePayment // read, and applied in the batch
	byWallet map[int64][]int64                                  // offline accounts of locked wallets (loadFamilies)
	changed  map[string]struct{}                                // devices changed in the batch
	alerts   []risk.Alert                                       // double spends
	newDevs  []ingot.Device                                     // registered in the batch
	newPays  []ingot.OfflinePayment                             // applied in the batch
	revoked  []string                                           // devices revoked in the batch
}

// device locks a device row, and with it nothing else: the command names
// the device's accounts itself.
func (l *lockSet) device(ids ...string) {
	if l.devices == nil {
		l.devices = map[string]struct{}{}
	}
	for _, id := range ids {
		if id != "" {
			l.devices[id] = struct{}{}
		}
	}
}

// offlinePayment reads the applied offline payments of an identity.
func (l *lockSet) offlinePayment(k store.OfflinePaymentKey) {
	if l.offPays == nil {
		l.offPays = map[store.OfflinePaymentKey]struct{}{}
	}
	l.offPays[k] = struct{}{}
}

// loadOffline locks the batch's devices (before the accounts) and reads
// the offline payments its commands name.
func loadOffline(ctx context.Context, tx store.BatchTx, ls *lockSet, st *state) error {
	o := &st.off
	if len(ls.devices) == 0 {
		return nil
	}
	ds, err := tx.LockDevices(ctx, sortedKeys(ls.devices))
	if err != nil {
		return err
	}
	o.devices = make(map[string]*ingot.Device, len(ds))
	for i := range ds {
		d := ds[i]
		o.devices[d.ID] = &d
	}
	o.payments = map[store.OfflinePaymentKey][]ingot.OfflinePayment{}
	if len(ls.offPays) == 0 {
		return nil
	}
	keys := make([]store.OfflinePaymentKey, 0, len(ls.offPays))
	for k := range ls.offPays {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b store.OfflinePaymentKey) int {
		return cmp.Or(cmp.Compare(a.Payer, b.Payer), cmp.Compare(a.Counter, b.Counter))
	})
	ps, err := tx.OfflinePayments(ctx, keys)
	if err != nil {
		return err
	}
	for _, p := range ps {
		k := store.OfflinePaymentKey{Payer: p.Payer, Counter: p.Counter}
		o.payments[k] = append(o.payments[k], p)
	}
	return nil
}

// offlineOf is what a wallet's devices hold, as the ledger has it: it
// counts towards the wallet's balance cap.
func (s *state) offlineOf(w *ingot.Account) int64 {
	var sum int64
	for _, id := range s.off.byWallet[w.ID] {
		if a := s.accounts[id]; a != nil {
			sum += a.Balance
		}
	}
	return sum
}

// changeDevice journals a device before it changes.
func (s *state) changeDevice(d *ingot.Device) {
	o := &s.off
	if o.changed == nil {
		o.changed = map[string]struct{}{}
	}
	_, was := o.changed[d.ID]
	old := *d
	s.onUndo(func() {
		*d = old
		if !was {
			delete(o.changed, d.ID)
		}
	})
	o.changed[d.ID] = struct{}{}
}

// addOfflinePayment records an applied offline payment.
func (s *state) addOfflinePayment(p ingot.OfflinePayment) {
	o := &s.off
	k := store.OfflinePaymentKey{Payer: p.Payer, Counter: p.Counter}
	n, rows := len(o.newPays), o.payments[k]
	o.newPays = append(o.newPays, p)
	o.payments[k] = append(slices.Clip(rows), p)
	s.onUndo(func() {
		o.newPays = o.newPays[:n]
		o.payments[k] = rows
	})
}

// revokeDevice revokes a device for a reason.
func (s *state) revokeDevice(d *ingot.Device, reason string) {
	if d.Revoked() {
		return
	}
	s.changeDevice(d)
	d.RevokedAt, d.RevokedReason = s.now, reason
	o := &s.off
	n := len(o.revoked)
	o.revoked = append(o.revoked, d.ID)
	s.onUndo(func() { o.revoked = o.revoked[:n] })
}

// offlineAlert raises an alert about a device's double spend.
func (s *state) offlineAlert(d *ingot.Device, transfer, reason string, amount int64) {
	ev, _ := json.Marshal(map[string]any{"device": d.ID, "reason": reason, "amount": amount, "currency": d.Currency, "debt": d.Debt})
	al := risk.Alert{ID: uuid.Must(uuid.NewV7()).String(), OperatorID: d.OperatorID, Pattern: risk.PatternOfflineDoubleSpend,
		Severity: risk.SeverityHigh, Wallet: d.Wallet, TransferID: transfer, Evidence: ev, Status: risk.AlertOpen, CreatedAt: s.now}
	o := &s.off
	n, ne := len(o.alerts), len(s.events)
	o.alerts = append(o.alerts, al)
	s.emit(ingot.EventAlertCreated, al.OperatorID, &al)
	s.onUndo(func() {
		o.alerts = o.alerts[:n]
		s.events = s.events[:ne]
	})
}

// recoverDebt pays a device's debt back to its operator's reserve from
// what its offline account holds (offline_recovery), so that a device
// never holds money while it owes its operator.
func (s *state) recoverDebt(d *ingot.Device, reserve int64) error {
	acc := s.accounts[d.Account]
	if d.Debt == 0 || acc == nil || acc.Balance == 0 {
		return nil
	}
	res := s.accounts[reserve]
	if res == nil {
		return ingot.Errorf(ingot.CodeInternal, "the reserve of device %s's operator is not locked", d.ID)
	}
	n := min(acc.Balance, d.Debt)
	if _, err := s.move(ingot.KindOfflineRecovery, acc, res, n, d.Currency, "offline device "+d.ID+": advance recovered", ""); err != nil {
		return err
	}
	s.changeDevice(d)
	d.Debt -= n
	return nil
}

// writeOffline adds the batch's devices, offline payments and alerts to w.
func (s *state) writeOffline(w *store.BatchWrite) {
	o := &s.off
	w.Offline.NewDevices = o.newDevs
	w.Offline.Payments = o.newPays
	created := map[string]bool{}
	for _, d := range o.newDevs {
		created[d.ID] = true
	}
	for _, id := range sortedKeys(o.changed) {
		if d := o.devices[id]; d != nil && !created[id] {
			w.Offline.Devices = append(w.Offline.Devices, *d)
		}
	}
	w.Risk.Alerts = append(w.Risk.Alerts, o.alerts...)
}
