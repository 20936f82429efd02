package storetest

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// The offline purses' part of the suite (store/offline.go): an owner's
// offline key is stored once (the first wins); a device and its offline
// account written by a batch read back the same, by id, key and wallet,
// locked in a batch; its changes and its revocation are written; offline
// payments are read by identity, every row of a double spend; an offline
// account is no sub-wallet and counts in Totals.Offline.

var offlineTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"Offline", testOffline},
}

func testOffline(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := mustCreateOperator(t, s, "OFFL")
	res := mustEnsure(t, s, ingot.AccountReserve, op.ID, "CNY")
	w := mustCreateWallet(t, s, op.ID, "CNY")
	at := now().UTC().Truncate(time.Microsecond)

	k1 := ingot.OfflineKey{Owner: op.ID, PublicKey: bytes.Repeat([]byte{1}, 32), Seed: "sealed-1", Cert: []byte(`{"c":1}`), CreatedAt: at}
	got, err := s.CreateOfflineKey(ctx, k1)
	checkNil(t, "CreateOfflineKey", err)
	if !reflect.DeepEqual(got, k1) {
		t.Errorf("CreateOfflineKey = %+v, want %+v", got, k1)
	}
	k2 := k1
	k2.PublicKey, k2.Seed = bytes.Repeat([]byte{2}, 32), "sealed-2"
	if got, err := s.CreateOfflineKey(ctx, k2); err != nil || !reflect.DeepEqual(got, k1) {
		t.Errorf("CreateOfflineKey again = %+v, %v; want the first key", got, err)
	}
	cb := ingot.OfflineKey{Owner: ingot.OfflineCentralBank, PublicKey: bytes.Repeat([]byte{3}, 32), Seed: "sealed-cb", CreatedAt: at}
	_, err = s.CreateOfflineKey(ctx, cb)
	checkNil(t, "CreateOfflineKey(central bank)", err)
	ks, err := s.OfflineKeys(ctx)
	checkNil(t, "OfflineKeys", err)
	var owners []string
	for _, k := range ks {
		owners = append(owners, k.Owner)
	}
	if len(ks) < 2 || !containsAll(owners, op.ID, ingot.OfflineCentralBank) {
		t.Errorf("OfflineKeys owners = %v", owners)
	}

	acc := ingot.Account{ID: 1_000_000 + at.UnixMicro()%1_000_000_000, Kind: ingot.AccountOffline, OperatorID: op.ID, Currency: "CNY",
		Status: ingot.StatusActive, ParentID: w.ID, CreatedAt: at}
	dev := ingot.Device{ID: uuid.Must(uuid.NewV7()).String(), Wallet: w.ID, Account: acc.ID, OperatorID: op.ID, Currency: "CNY",
		PublicKey: bytes.Repeat([]byte{byte(at.UnixMicro())}, 32), MaxBalance: 100000, MaxPayment: 50000, Certificate: []byte(`{"cert":true}`), CreatedAt: at}
	adv := newTransfer(ingot.KindOfflineAdvance, res.ID, acc.ID, 700, "CNY")
	acc.Balance = 700
	commit(t, s, &store.BatchWrite{NewAccounts: []ingot.Account{acc}, Accounts: []ingot.Account{acc}, Transfers: []ingot.Transfer{adv},
		Offline: store.OfflineWrite{NewDevices: []ingot.Device{dev}}})

	if d, err := s.Device(ctx, dev.ID); err != nil || !reflect.DeepEqual(d, dev) {
		t.Errorf("Device = %+v, %v\nwant %+v", d, err, dev)
	}
	_, err = s.Device(ctx, uuid.NewString())
	checkNotFound(t, "Device(unknown)", err)
	if d, err := s.DeviceByKey(ctx, dev.PublicKey); err != nil || d.ID != dev.ID {
		t.Errorf("DeviceByKey = %+v, %v", d, err)
	}
	_, err = s.DeviceByKey(ctx, []byte("nope"))
	checkNotFound(t, "DeviceByKey(unknown)", err)
	if ds, err := s.WalletDevices(ctx, w.ID); err != nil || len(ds) != 1 || ds[0].ID != dev.ID {
		t.Errorf("WalletDevices = %+v, %v", ds, err)
	}
	if subs, err := s.SubWallets(ctx, w.ID); err != nil || len(subs) != 0 {
		t.Errorf("SubWallets = %+v, %v; an offline account is no sub-wallet", subs, err)
	}
	if tot, err := s.Totals(ctx, "CNY"); err != nil || tot.Offline != 700 {
		t.Errorf("Totals = %+v, %v; want 700 offline", tot, err)
	}

	// Two payments of one identity (a double spend) and the next one.
	pay := func(counter int64, hash byte, conflict bool) ingot.OfflinePayment {
		return ingot.OfflinePayment{Payer: dev.ID, Counter: counter, Hash: bytes.Repeat([]byte{hash}, 32), Prev: bytes.Repeat([]byte{hash - 1}, 32),
			Kind: "payment", Payee: uuid.NewString(), Amount: 100 * counter, Transfer: uuid.NewString(), Conflict: conflict, CreatedAt: at}
	}
	p1, p1b, p2 := pay(1, 10, false), pay(1, 11, true), pay(2, 12, false)
	p1b.CreatedAt = at.Add(time.Second)
	dev.Debt, dev.Loads, dev.RevokedAt, dev.RevokedReason = 300, 2, at, "counter 1 reused"
	commit(t, s, &store.BatchWrite{Offline: store.OfflineWrite{Devices: []ingot.Device{dev}, Payments: []ingot.OfflinePayment{p1, p1b, p2}}})

	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	defer tx.Rollback(ctx)
	ds, err := tx.LockDevices(ctx, []string{dev.ID, uuid.NewString()})
	if err != nil || len(ds) != 1 || !reflect.DeepEqual(ds[0], dev) {
		t.Errorf("LockDevices = %+v, %v\nwant %+v", ds, err, dev)
	}
	ps, err := tx.OfflinePayments(ctx, []store.OfflinePaymentKey{{Payer: dev.ID, Counter: 1}, {Payer: dev.ID, Counter: 3}, {Payer: "other", Counter: 2}})
	checkNil(t, "OfflinePayments", err)
	if want := []ingot.OfflinePayment{p1, p1b}; !reflect.DeepEqual(ps, want) {
		t.Errorf("OfflinePayments = %+v\nwant %+v", ps, want)
	}
	subs, err := tx.SubWallets(ctx, []int64{w.ID})
	if err != nil || len(subs) != 1 || subs[0].Kind != ingot.AccountOffline {
		t.Errorf("batch SubWallets = %+v, %v; want the offline account", subs, err)
	}
	checkNil(t, "Rollback", tx.Rollback(ctx))

	if rs, err := s.RevokedDevices(ctx); err != nil || len(rs) == 0 || rs[len(rs)-1].ID != dev.ID || !rs[len(rs)-1].RevokedAt.Equal(at) {
		t.Errorf("RevokedDevices = %+v, %v", rs, err)
	}
	if ps, err := s.DevicePayments(ctx, dev.ID); err != nil || len(ps) != 3 || ps[2].Counter != 2 {
		t.Errorf("DevicePayments = %+v, %v", ps, err)
	}
}

func containsAll(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}
