package ledger_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/offline"
	"github.com/ingot-cbdc/ingot/risk"
)

// device registers a new simulated device for a wallet and returns it.
func (e *env) device(op ingot.Actor, wallet string) *offline.Device {
	e.t.Helper()
	key, seed := offline.NewKey()
	v, err := e.svc.RegisterDevice(e.ctx, op, wallet, ledger.DeviceRequest{PublicKey: key.String()}, nil)
	if err != nil {
		e.t.Fatalf("register a device of %s: %v", wallet, err)
	}
	var cert offline.DeviceCert
	if err := json.Unmarshal(v.Device.Certificate, &cert); err != nil {
		e.t.Fatalf("certificate: %v", err)
	}
	ks, err := e.svc.OfflineKeys(e.ctx, op)
	if err != nil {
		e.t.Fatalf("offline keys: %v", err)
	}
	d, err := offline.NewDevice(seed, cert, ks.CentralBank)
	if err != nil {
		e.t.Fatalf("new device: %v", err)
	}
	return d
}

// load loads a device through the ledger and applies the voucher.
func (e *env) load(op ingot.Actor, d *offline.Device, amount string) {
	e.t.Helper()
	l, err := e.svc.LoadDevice(e.ctx, op, d.Cert.Device, amount, nil)
	if err != nil {
		e.t.Fatalf("load %s: %v", amount, err)
	}
	if err := d.Load(&l.Voucher); err != nil {
		e.t.Fatalf("apply the load voucher: %v", err)
	}
}

// sync uploads what a device holds (its payments are kept: syncing twice
// must change nothing) and fetches the revocations.
func (e *env) sync(op ingot.Actor, d *offline.Device) *ledger.OfflineSync {
	e.t.Helper()
	var raw []json.RawMessage
	for _, p := range d.Unsynced() {
		b, err := json.Marshal(p)
		if err != nil {
			e.t.Fatal(err)
		}
		raw = append(raw, b)
	}
	r, err := e.svc.SyncOffline(e.ctx, op, d.Cert.Device, raw, "", nil)
	if err != nil {
		e.t.Fatalf("sync %s: %v", d.Cert.Device, err)
	}
	revoked, err := e.svc.Revocations(e.ctx, op)
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for _, x := range revoked {
		ids = append(ids, x.ID)
	}
	d.SetRevoked(ids)
	return r
}

// ledgerView is a device as the ledger has it.
func (e *env) ledgerView(op ingot.Actor, d *offline.Device) *ledger.DeviceView {
	e.t.Helper()
	v, err := e.svc.Device(e.ctx, op, d.Cert.Device)
	if err != nil {
		e.t.Fatalf("device %s: %v", d.Cert.Device, err)
	}
	return v
}

func TestOfflinePurses(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvWith(t, testdb.Open(t, kind), ledger.Options{})
		a, opID := e.operator("OFF")
		b, opB := e.operator("OFB")
		e.mint(opID, "100000.00", "CNY")
		e.mint(opB, "100000.00", "CNY")
		const n = 6
		var ops []ingot.Actor
		var wallets []string
		var devs []*offline.Device
		for i := range n {
			op := a
			if i%2 == 1 {
				op = b // devices of two operators pay each other
			}
			w := e.wallet(op, "CNY", "2000.00")
			d := e.device(op, w)
			e.load(op, d, "600.00")
			ops, wallets, devs = append(ops, op), append(wallets, w), append(devs, d)
		}
		if bal, _ := e.balance(a, wallets[0]); bal != 140000 {
			t.Fatalf("wallet after the load: %d; want 1400.00", bal)
		}
		sup, err := e.svc.Supply(e.ctx, e.cb, "CNY")
		if err != nil || sup.Offline != n*60000 || sup.Issued != sup.Reserves+sup.Wallets+sup.Earmarked+sup.Offline+sup.Fees {
			t.Fatalf("supply = %+v, %v", sup, err)
		}
		// A device holds at most its max_balance (1,000.00 by default).
		_, err = e.svc.LoadDevice(e.ctx, a, devs[0].Cert.Device, "400.01", nil)
		wantCode(t, err, ingot.CodeLimitExceeded)
		// Offline money counts towards the holder's balance cap: tier 4
		// holds 10,000.00, 1,400.00 in the wallet and 600.00 on the device.
		if _, err := e.svc.Fund(e.ctx, a, wallets[0], "8000.01", false, nil); ingot.ErrorCode(err) != ingot.CodeLimitExceeded {
			t.Fatalf("top-up above the cap with the device's money: %v", err)
		}
		e.verified()

		// Many offline payments in random order, no network.
		rng := rand.New(rand.NewPCG(1, 2))
		for range 60 {
			i, j := rng.IntN(n), rng.IntN(n)
			if i == j || devs[i].Balance == 0 {
				continue
			}
			amount := 1 + rng.Int64N(min(devs[i].Balance, 50000))
			if devs[j].Balance+amount > devs[j].Cert.MaxBalance {
				continue
			}
			p, err := devs[i].Pay(devs[j].Cert.Key, amount)
			if err != nil {
				t.Fatalf("pay: %v", err)
			}
			if err := devs[j].Receive(p); err != nil {
				t.Fatalf("receive: %v", err)
			}
		}
		// Sync in random order, every device twice: each payment applies
		// once, whichever side uploads it first.
		order := rng.Perm(2 * n)
		for _, k := range order {
			r := e.sync(ops[k%n], devs[k%n])
			for _, it := range r.Items {
				if it.Status == ledger.SyncRefused || it.Conflict {
					t.Fatalf("sync of device %d: %+v", k%n, it)
				}
			}
		}
		for i, d := range devs {
			v := e.ledgerView(ops[i], d)
			if v.Balance != d.Balance || v.Device.Debt != 0 || v.Device.Revoked() {
				t.Fatalf("device %d: the ledger has %d (debt %d, revoked %v), the device %d", i, v.Balance, v.Device.Debt, v.Device.Revoked(), d.Balance)
			}
		}
		e.verified()

		// A redemption returns money to the wallet, once.
		if devs[0].Balance < 40000 {
			e.load(a, devs[0], "400.00")
		}
		w0, _ := e.balance(a, wallets[0])
		r, err := devs[0].Redeem(1000)
		if err != nil {
			t.Fatal(err)
		}
		e.sync(a, devs[0])
		e.sync(a, devs[0])
		if w, _ := e.balance(a, wallets[0]); w != w0+1000 || e.ledgerView(a, devs[0]).Balance != devs[0].Balance {
			t.Fatalf("after the redemption %s: wallet %d (was %d)", r.ID(), w, w0)
		}
		e.verified()

		// A cloned device spends its money twice, with one counter.
		clone := cloneDevice(t, devs[0])
		const amount = 30000
		var payees []int // two devices with room for it
		for j := 1; j < n && len(payees) < 2; j++ {
			if j != 4 && devs[j].Cert.MaxBalance-devs[j].Balance >= amount {
				payees = append(payees, j)
			}
		}
		if len(payees) < 2 {
			t.Fatalf("no two devices with room for %d", amount)
		}
		x, y := payees[0], payees[1]
		h0 := devs[0].Balance
		p1, err := devs[0].Pay(devs[x].Cert.Key, amount)
		if err != nil {
			t.Fatal(err)
		}
		if err := devs[x].Receive(p1); err != nil {
			t.Fatal(err)
		}
		p2, err := clone.Pay(devs[y].Cert.Key, amount)
		if err != nil {
			t.Fatal(err)
		}
		if err := devs[y].Receive(p2); err != nil {
			t.Fatal(err)
		}
		e.sync(ops[x], devs[x])
		res := e.sync(ops[y], devs[y])
		if len(res.Revoked) != 1 || res.Revoked[0] != devs[0].Cert.Device {
			t.Fatalf("the double spend revoked %v", res.Revoked)
		}
		conflict := false
		for _, it := range res.Items {
			conflict = conflict || (it.Conflict && it.Status == ledger.SyncApplied)
		}
		if !conflict {
			t.Fatalf("no conflict in %+v", res.Items)
		}
		// Both payees are paid; the payer's operator advanced the second.
		for _, i := range payees {
			if v := e.ledgerView(ops[i], devs[i]); v.Balance != devs[i].Balance {
				t.Fatalf("payee %d: ledger %d, device %d", i, v.Balance, devs[i].Balance)
			}
		}
		v0 := e.ledgerView(a, devs[0])
		if !v0.Device.Revoked() || v0.Device.Debt != max(0, 2*amount-h0) {
			t.Fatalf("the cloned device: %+v", v0.Device)
		}
		found := false
		for _, al := range alerts(t, e, a) {
			found = found || al.Pattern == risk.PatternOfflineDoubleSpend
		}
		if !found {
			t.Fatal("no offline_double_spend alert")
		}
		e.verified()

		// The revoked device: the server loads it no more, payees that
		// fetched the revocations refuse it, its redemptions are refused.
		_, err = e.svc.LoadDevice(e.ctx, a, devs[0].Cert.Device, "1.00", nil)
		wantCode(t, err, ingot.CodeDeviceRevoked)
		e.sync(ops[3], devs[3])
		if len(devs[3].Revoked) != 1 {
			t.Fatalf("device 3 fetched revocations %v", devs[3].Revoked)
		}
		if devs[0].Balance > 0 {
			p3, err := devs[0].Pay(devs[3].Cert.Key, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := devs[3].Receive(p3); ingot.ErrorCode(err) != ingot.CodeDeviceRevoked {
				t.Fatalf("a payment of a revoked device: %v", err)
			}
		}

		// A broken secure element that mints money for itself: its payees
		// are paid (its operator advances), and its own upload shows it
		// spent more than it had.
		broken := devs[4]
		if broken.Balance > 0 { // its own money back to its wallet first
			if _, err := broken.Redeem(broken.Balance); err != nil {
				t.Fatal(err)
			}
			e.sync(ops[4], broken)
		}
		broken.Balance += 50000
		var paid []int
		for broken.Balance > 0 {
			j := -1
			for _, k := range []int{5, 3, 2, 1} {
				if devs[k].Cert.MaxBalance-devs[k].Balance > 0 {
					j = k
					break
				}
			}
			if j < 0 {
				t.Fatal("no device has room")
			}
			p, err := broken.Pay(devs[j].Cert.Key, min(broken.Balance, 40000, devs[j].Cert.MaxBalance-devs[j].Balance))
			if err != nil {
				t.Fatal(err)
			}
			if err := devs[j].Receive(p); err != nil {
				t.Fatal(err)
			}
			paid = append(paid, j)
		}
		for _, j := range paid {
			e.sync(ops[j], devs[j])
		}
		res = e.sync(ops[4], broken)
		if len(res.Revoked) != 1 || res.Revoked[0] != broken.Cert.Device || res.Debt != 50000 {
			t.Fatalf("the broken device's sync: revoked %v, debt %d", res.Revoked, res.Debt)
		}
		for _, j := range paid {
			if v := e.ledgerView(ops[j], devs[j]); v.Balance != devs[j].Balance {
				t.Fatalf("its payee %d: ledger %d, device %d", j, v.Balance, devs[j].Balance)
			}
		}
		e.verified()
	})
}

// cloneDevice copies a device's whole state, as an attacker who read its
// secure element would.
func cloneDevice(t *testing.T, d *offline.Device) *offline.Device {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var c offline.Device
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func TestOfflineLoadIdempotent(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, opID := e.operator("OFI")
		e.mint(opID, "1000.00", "CNY")
		w := e.wallet(a, "CNY", "500.00")
		d := e.device(a, w)
		k := idem(a.KeyID, "load-1", "100.00")
		l1, err := e.svc.LoadDevice(e.ctx, a, d.Cert.Device, "100.00", k)
		if err != nil {
			t.Fatal(err)
		}
		k2 := idem(a.KeyID, "load-1", "100.00")
		l2, err := e.svc.LoadDevice(e.ctx, a, d.Cert.Device, "100.00", k2)
		if err != nil || !k2.Replayed || l2.Voucher.Number != 1 || l2.Transfer.ID != l1.Transfer.ID {
			t.Fatalf("replay: %+v, %v", l2, err)
		}
		if err := d.Load(&l2.Voucher); err != nil {
			t.Fatalf("the replayed voucher: %v", err)
		}
		if bal, _ := e.balance(a, w); bal != 40000 {
			t.Fatalf("wallet %d; want 400.00", bal)
		}
		// A wallet whose device holds money stays open.
		if _, err := e.svc.Fund(e.ctx, a, w, "400.00", true, nil); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.SetWalletStatus(e.ctx, a, w, ingot.StatusClosed, nil)
		wantCode(t, err, ingot.CodeWalletNotEmpty)
		// Another operator's device is not found; a key registered twice
		// is a conflict; a holder cannot register devices.
		b, _ := e.operator("OFJ")
		_, err = e.svc.LoadDevice(e.ctx, b, d.Cert.Device, "1.00", nil)
		wantCode(t, err, ingot.CodeNotFound)
		_, err = e.svc.RegisterDevice(e.ctx, a, w, ledger.DeviceRequest{PublicKey: d.Cert.Key.String()}, nil)
		wantCode(t, err, ingot.CodeConflict)
		_, err = e.svc.RegisterDevice(e.ctx, a, w, ledger.DeviceRequest{PublicKey: "nope"}, nil)
		wantCode(t, err, ingot.CodeInvalidRequest)
		key, _ := offline.NewKey()
		_, err = e.svc.RegisterDevice(e.ctx, a, w, ledger.DeviceRequest{PublicKey: key.String(), MaxBalance: "1000.01"}, nil)
		wantCode(t, err, ingot.CodeLimitExceeded)
		e.verified()
	})
}

// TestOfflineTwoEngines: two engines on one PostgreSQL database (two
// processes) upload the same offline payments at once, by both sides and
// several times: each applies once, and both processes sign with the one
// central bank key stored first.
func TestOfflineTwoEngines(t *testing.T) {
	t.Parallel()
	st1, dsn := testdb.OpenURL(t, "postgres")
	st2, err := testdb.OpenDSN(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st2.Close() })
	e1, e2 := newEnvOn(t, st1, 0), newEnvOn(t, st2, 0)
	a, opID := e1.operator("OFTWO")
	e1.mint(opID, "10000.00", "CNY")
	ka, err := e2.svc.OfflineKeys(e2.ctx, a) // process 2 makes its central bank key first
	if err != nil {
		t.Fatal(err)
	}
	payer, payee := e1.device(a, e1.wallet(a, "CNY", "1000.00")), e1.device(a, e1.wallet(a, "CNY", ""))
	if !payer.CentralBank.Equal(ka.CentralBank) {
		t.Fatal("the two processes hold different central bank keys")
	}
	e1.load(a, payer, "500.00")
	for range 25 {
		p, err := payer.Pay(payee.Cert.Key, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if err := payee.Receive(p); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			e, d := []*env{e1, e2}[i%2], []*offline.Device{payer, payee}[i/2%2]
			var raw []json.RawMessage
			for _, p := range d.Unsynced() {
				b, _ := json.Marshal(p)
				raw = append(raw, b)
			}
			r, err := e.svc.SyncOffline(e.ctx, a, d.Cert.Device, raw, "", nil)
			if err != nil {
				t.Errorf("sync: %v", err)
				return
			}
			for _, it := range r.Items {
				if it.Status == ledger.SyncRefused || it.Conflict {
					t.Errorf("item %+v", it)
				}
			}
		})
	}
	wg.Wait()
	for _, d := range []*offline.Device{payer, payee} {
		if v := e2.ledgerView(a, d); v.Balance != d.Balance || v.Device.Debt != 0 || v.Device.Revoked() {
			t.Fatalf("device %s: ledger %d (debt %d), device %d", d.Cert.Device, v.Balance, v.Device.Debt, d.Balance)
		}
	}
	ps, err := st1.DevicePayments(e1.ctx, payer.Cert.Device)
	if err != nil || len(ps) != 25 {
		t.Fatalf("%d payments stored, %v; want 25", len(ps), err)
	}
	e1.verified()
}
