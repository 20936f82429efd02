package ledger

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/offline"
	"github.com/ingot-cbdc/ingot/store"
)

// deviceCmd registers an offline device of a wallet, with the certificate
// the service signed: its offline account (a child of the wallet) and its
// row. The wallet must be the operator's own main wallet, neither frozen
// nor closed, of the certificate's currency.
type deviceCmd struct{ dev ingot.Device }

func (c *deviceCmd) locks(ls *lockSet) { ls.account(c.dev.Wallet) }

func (c *deviceCmd) apply(s *state, a ingot.Actor) (*DeviceView, error) {
	w, err := s.ownWallet(c.dev.Wallet, a)
	if err != nil {
		return nil, err
	}
	if w.ParentID != 0 {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "wallet %s is a sub-wallet; devices hold money of main wallets", ingot.FormatWalletID(w.ID))
	}
	if err := canSend(w); err != nil {
		return nil, err
	}
	if w.Currency != c.dev.Currency || w.OperatorID != c.dev.OperatorID {
		return nil, ingot.Errorf(ingot.CodeInternal, "the device's certificate is not of its wallet")
	}
	acc := &ingot.Account{ID: c.dev.Account, Kind: ingot.AccountOffline, OperatorID: w.OperatorID, Currency: w.Currency,
		Status: ingot.StatusActive, ParentID: w.ID, CreatedAt: s.now}
	if s.accounts[acc.ID] != nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "a new account id is taken")
	}
	d := c.dev
	d.CreatedAt = s.now
	o := &s.off
	s.accounts[acc.ID] = acc
	na, nd := len(s.newAccounts), len(o.newDevs)
	s.newAccounts = append(s.newAccounts, acc.ID)
	o.newDevs = append(o.newDevs, d)
	s.onUndo(func() {
		delete(s.accounts, acc.ID)
		s.newAccounts = s.newAccounts[:na]
		o.newDevs = o.newDevs[:nd]
	})
	return &DeviceView{Device: d}, nil
}

// offlineLoadCmd moves money from a wallet to its device's offline account
// (offline_load) and answers a load voucher, signed by the operator's
// offline key, that the device adds to its balance. The device must not be
// revoked, and would hold at most its max_balance as the ledger sees it.
type offlineLoadCmd struct {
	device  string
	wallet  int64
	account int64
	reserve int64 // the operator's reserve: a debt is recovered from the load
	amount  int64
	key     *offlineSigner
}

func (c *offlineLoadCmd) locks(ls *lockSet) {
	ls.device(c.device)
	ls.account(c.wallet, c.account, c.reserve)
}

func (c *offlineLoadCmd) apply(s *state, a ingot.Actor) (*DeviceLoad, error) {
	d := s.off.devices[c.device]
	if d == nil || d.Wallet != c.wallet || d.Account != c.account {
		return nil, notFound("device " + c.device)
	}
	w, err := s.ownWallet(d.Wallet, a)
	if err != nil {
		return nil, notFound("device " + c.device)
	}
	if d.Revoked() {
		return nil, errRevoked(d)
	}
	acc := s.accounts[d.Account]
	if acc == nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "the offline account of device %s is not locked", d.ID)
	}
	cur := ingot.MustCurrency(d.Currency)
	if on := acc.Balance - d.Debt; on+c.amount > d.MaxBalance {
		return nil, ingot.Errorf(ingot.CodeLimitExceeded, "max_balance: device %s would hold %s %s, above its max_balance of %s",
			d.ID, ingot.FormatAmount(on+c.amount, cur), d.Currency, ingot.FormatAmount(d.MaxBalance, cur))
	}
	t, err := s.move(ingot.KindOfflineLoad, w, acc, c.amount, d.Currency, "offline load to device "+d.ID, "")
	if err != nil {
		return nil, err
	}
	s.changeDevice(d)
	d.Loads++
	if err := s.recoverDebt(d, c.reserve); err != nil {
		return nil, err
	}
	v := offline.LoadVoucher{Device: d.ID, Key: d.PublicKey, Amount: c.amount, Currency: d.Currency, Number: d.Loads, Transfer: t.ID}
	v.Sign(c.key.priv)
	return &DeviceLoad{Voucher: v, Transfer: t}, nil
}

func errRevoked(d *ingot.Device) error {
	return ingot.Errorf(ingot.CodeDeviceRevoked, "device %s was revoked (%s)", d.ID, d.RevokedReason)
}

// syncItem is one uploaded payment, as the service checked it: err when
// it is refused before the engine (malformed, a bad signature, an unknown
// device); otherwise a verified payment of registered devices.
type syncItem struct {
	p       *offline.Payment
	payee   string       // the payee device; "" for a redemption
	genesis offline.Hash // the payer's registered certificate's hash
	err     error
}

// offlineSyncCmd applies the payments and redemptions a device uploads,
// each exactly once however often and by whichever side it is uploaded:
// an identity (payer device, counter) with the same signed content is
// answered "duplicate". It detects double spends: a counter reused with
// other content, a fork of the payer's chain (a Prev that is not the hash
// of the payer's previous payment, or a next payment whose Prev is not
// this one's), and, once the syncing device has uploaded everything it
// holds, a device that spent more than it was loaded and paid (a debt
// left). A double spender is revoked and an alert raised; the payee is
// paid all the same, the payer's operator advancing what the payer's
// offline account lacks (offline_advance), recovered from what reaches the
// device later (offline_recovery). Items fail alone.
type offlineSyncCmd struct {
	device   string
	items    []syncItem
	accounts map[string][2]int64 // device -> its wallet and offline account
	reserves map[string]int64    // operator -> its reserve in the devices' currency
}

func (c *offlineSyncCmd) locks(ls *lockSet) {
	ls.device(c.device)
	for id, acc := range c.accounts {
		ls.device(id)
		ls.account(acc[1])
	}
	for _, r := range c.reserves {
		ls.account(r)
	}
	for _, it := range c.items {
		if it.err != nil {
			continue
		}
		p := it.p
		if p.Kind == offline.KindRedemption {
			ls.credit(c.accounts[p.Payer.Device][0])
		}
		for _, n := range []int64{p.Counter - 1, p.Counter, p.Counter + 1} {
			ls.offlinePayment(store.OfflinePaymentKey{Payer: p.Payer.Device, Counter: n})
		}
	}
}

func (c *offlineSyncCmd) weight() int { return max(1, len(c.items)) }

// apply applies the items in order. The service checked that the syncing
// device is the actor's (a device's wallet never changes): its wallet is
// not locked, so that uploads do not wait for the wallet's payments.
func (c *offlineSyncCmd) apply(s *state, _ ingot.Actor) (*OfflineSync, error) {
	d := s.off.devices[c.device]
	if d == nil {
		return nil, notFound("device " + c.device)
	}
	out := &OfflineSync{Device: c.device, Items: make([]OfflineSyncItem, len(c.items))}
	complete := true // every payment of the syncing device applied (or was applied before)
	for i, it := range c.items {
		item := &out.Items[i]
		if it.p != nil {
			item.ID, item.Kind, item.Amount, item.Currency = it.p.ID(), it.p.Kind, it.p.Amount, it.p.Payer.Currency
		}
		err := it.err
		if err == nil {
			m := s.mark()
			if err = c.applyOne(s, it, item); err != nil {
				s.undo(m)
			}
		}
		if err != nil {
			e := ingot.AsError(err)
			if e == nil {
				return nil, err
			}
			item.Status, item.Code, item.Detail = SyncRefused, e.Code, e.Detail
			complete = false
		}
	}
	if complete && d.Debt > 0 && !d.Revoked() {
		// Everything the device holds is in: what the operator advanced
		// and nothing repaid is what it spent beyond its money.
		reason := fmt.Sprintf("spent %s %s more than it was loaded and paid", ingot.FormatAmount(d.Debt, ingot.MustCurrency(d.Currency)), d.Currency)
		s.revokeDevice(d, reason)
		s.offlineAlert(d, "", reason, d.Debt)
	}
	if acc := s.accounts[d.Account]; acc != nil {
		out.Balance, out.Debt = acc.Balance, d.Debt
	}
	out.Revoked = append(out.Revoked, s.off.revoked...)
	return out, nil
}

// applyOne applies one verified payment or redemption.
func (c *offlineSyncCmd) applyOne(s *state, it syncItem, item *OfflineSyncItem) error {
	p := it.p
	payer := s.off.devices[p.Payer.Device]
	if payer == nil {
		return ingot.Errorf(ingot.CodeInternal, "payer device %s is not locked", p.Payer.Device)
	}
	h := p.Hash()
	k := store.OfflinePaymentKey{Payer: payer.ID, Counter: p.Counter}
	same := s.off.payments[k]
	for _, r := range same {
		if bytes.Equal(r.Hash, h[:]) {
			item.Status, item.Conflict = SyncDuplicate, r.Conflict
			return nil
		}
	}
	var conflict string
	prev := s.off.payments[store.OfflinePaymentKey{Payer: payer.ID, Counter: p.Counter - 1}]
	next := s.off.payments[store.OfflinePaymentKey{Payer: payer.ID, Counter: p.Counter + 1}]
	switch {
	case len(same) > 0:
		conflict = fmt.Sprintf("counter %d reused with another payment", p.Counter)
	case p.Counter == 1 && p.Prev != it.genesis:
		conflict = "its first payment does not follow its certificate"
	case len(prev) > 0 && !slices.ContainsFunc(prev, func(r ingot.OfflinePayment) bool { return bytes.Equal(r.Hash, p.Prev[:]) }):
		conflict = fmt.Sprintf("payment %d does not follow its payment %d (a fork of its chain)", p.Counter, p.Counter-1)
	case len(next) > 0 && !slices.ContainsFunc(next, func(r ingot.OfflinePayment) bool { return bytes.Equal(r.Prev, h[:]) }):
		conflict = fmt.Sprintf("its payment %d does not follow payment %d (a fork of its chain)", p.Counter+1, p.Counter)
	}
	wasRevoked := payer.Revoked()
	from := s.accounts[payer.Account]
	var to *ingot.Account
	var payee *ingot.Device
	kind, memo := ingot.KindOfflinePayment, "offline payment "+p.ID()
	if p.Kind == offline.KindRedemption {
		if wasRevoked {
			return errRevoked(payer)
		}
		to, kind, memo = s.accounts[payer.Wallet], ingot.KindOfflineRedeem, "offline redemption "+p.ID()
	} else {
		if payee = s.off.devices[it.payee]; payee != nil {
			to = s.accounts[payee.Account]
		}
	}
	if from == nil || to == nil {
		return ingot.Errorf(ingot.CodeInternal, "the accounts of offline payment %s are not locked", p.ID())
	}
	if short := p.Amount - from.Balance; short > 0 {
		res := s.accounts[c.reserves[payer.OperatorID]]
		if res == nil {
			return ingot.Errorf(ingot.CodeInternal, "the reserve of device %s's operator is not locked", payer.ID)
		}
		if _, err := s.move(ingot.KindOfflineAdvance, res, from, short, payer.Currency, "offline device "+payer.ID+": advance for "+p.ID(), ""); err != nil {
			return err
		}
		s.changeDevice(payer)
		payer.Debt += short
	}
	t, err := s.move(kind, from, to, p.Amount, payer.Currency, memo, "")
	if err != nil {
		return err
	}
	if payee != nil {
		if err := s.recoverDebt(payee, c.reserves[payee.OperatorID]); err != nil {
			return err
		}
	}
	row := ingot.OfflinePayment{Payer: payer.ID, Counter: p.Counter, Hash: h[:], Prev: p.Prev[:], Kind: p.Kind, Amount: p.Amount,
		Transfer: t.ID, Conflict: conflict != "", CreatedAt: s.now}
	if payee != nil {
		row.Payee = payee.ID
	}
	s.addOfflinePayment(row)
	item.Status, item.Transfer, item.Conflict = SyncApplied, t, row.Conflict
	switch {
	case conflict != "":
		s.revokeDevice(payer, conflict)
		s.offlineAlert(payer, t.ID, conflict, p.Amount)
	case wasRevoked:
		s.offlineAlert(payer, t.ID, "paid after its revocation", p.Amount)
	}
	return nil
}
