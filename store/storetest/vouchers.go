package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// The vouchers' part of the suite (store/vouchers.go): a program, an
// earmark account (a child of its wallet) and a payment's voucher use
// written by a batch read back the same, inside a batch and outside;
// totals sum the program's transfers by kind; an earmark account is no
// sub-wallet; due earmarks are those of ended programs not yet expired.

var voucherTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"Vouchers", testVouchers},
}

func testVouchers(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := mustCreateOperator(t, s, "VOUCH")
	iss := mustEnsure(t, s, ingot.AccountIssuance, "", "CNY")
	w := mustCreateWallet(t, s, op.ID, "CNY")
	shop := mustCreateWallet(t, s, op.ID, "CNY")
	at := now().UTC().Truncate(time.Microsecond)
	ended := ingot.VoucherProgram{Program: "ended", Issuer: iss.ID, Currency: "CNY", MCCs: []string{"5411", "5812"},
		Merchants: []int64{shop.ID}, ExpiresAt: at.Add(-time.Minute), CreatedAt: at.Add(-time.Hour)}
	running := ingot.VoucherProgram{Program: "running", OperatorID: op.ID, Issuer: iss.ID, Currency: "CNY", ExpiresAt: at.Add(time.Hour), CreatedAt: at}
	e1 := ingot.Account{ID: 1_000_000 + at.UnixMicro()%1_000_000_000, Kind: ingot.AccountEarmark, OperatorID: op.ID, Currency: "CNY",
		Status: ingot.StatusActive, ParentID: w.ID, CreatedAt: at}
	e2 := e1
	e2.ID++
	fund1 := newTransfer(ingot.KindVoucher, iss.ID, e1.ID, 500, "CNY")
	fund2 := newTransfer(ingot.KindVoucher, iss.ID, e2.ID, 300, "CNY")
	use := newTransfer(ingot.KindVoucherUse, e1.ID, w.ID, 200, "CNY")
	pay := newTransfer(ingot.KindPayment, w.ID, shop.ID, 200, "CNY")
	back := newTransfer(ingot.KindVoucherRefund, w.ID, e1.ID, 50, "CNY")
	e1.Balance, e2.Balance = 350, 300
	commit(t, s, &store.BatchWrite{
		NewAccounts: []ingot.Account{e1, e2},
		Accounts:    []ingot.Account{e1, e2},
		Transfers:   []ingot.Transfer{fund1, fund2, use, pay, back},
		Vouchers: store.VoucherWrite{Programs: []ingot.VoucherProgram{ended, running},
			Earmarks: []ingot.Earmark{{Account: e1.ID, Wallet: w.ID, Program: "ended"}, {Account: e2.ID, Wallet: w.ID, Program: "running"}},
			Uses:     []ingot.VoucherUse{{Payment: pay.ID, Account: e1.ID, Amount: 200}}},
	})

	got, err := s.VoucherProgram(ctx, "ended")
	checkNil(t, "VoucherProgram", err)
	if !reflect.DeepEqual(got, ended) {
		t.Errorf("VoucherProgram = %+v\nwant %+v", got, ended)
	}
	_, err = s.VoucherProgram(ctx, "unknown")
	checkNotFound(t, "VoucherProgram(unknown)", err)
	tot, err := s.VoucherTotals(ctx, "ended")
	checkNil(t, "VoucherTotals", err)
	if want := (store.VoucherTotals{Issued: 500, Used: 200, Refunded: 50, Outstanding: 350, Wallets: 1}); tot != want {
		t.Errorf("VoucherTotals = %+v, want %+v", tot, want)
	}
	if subs, err := s.SubWallets(ctx, w.ID); err != nil || len(subs) != 0 {
		t.Errorf("SubWallets = %+v, %v; an earmark account is no sub-wallet", subs, err)
	}
	if tot, err := s.Totals(ctx, "CNY"); err != nil || tot.Earmarked != 650 {
		t.Errorf("Totals = %+v, %v; want 650 earmarked", tot, err)
	}
	bs, err := s.WalletEarmarks(ctx, w.ID)
	checkNil(t, "WalletEarmarks", err)
	if len(bs) != 2 || bs[0].Program != "ended" || bs[0].Balance != 350 || !bs[0].ExpiresAt.Equal(ended.ExpiresAt) || bs[1].Program != "running" || bs[1].Currency != "CNY" {
		t.Errorf("WalletEarmarks = %+v", bs)
	}

	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	defer tx.Rollback(ctx)
	subs, err := tx.SubWallets(ctx, []int64{w.ID})
	if err != nil || len(subs) != 2 || subs[0].Kind != ingot.AccountEarmark || subs[0].ParentID != w.ID {
		t.Errorf("batch SubWallets = %+v, %v; want the two earmark accounts", subs, err)
	}
	es, err := tx.Earmarks(ctx, []int64{e2.ID, e1.ID, 42})
	checkNil(t, "Earmarks", err)
	if want := []ingot.Earmark{{Account: e1.ID, Wallet: w.ID, Program: "ended"}, {Account: e2.ID, Wallet: w.ID, Program: "running"}}; !reflect.DeepEqual(es, want) {
		t.Errorf("Earmarks = %+v, want %+v", es, want)
	}
	ps, err := tx.VoucherPrograms(ctx, []string{"running", "nope"})
	checkNil(t, "VoucherPrograms", err)
	if len(ps) != 1 || ps[0].Program != "running" || ps[0].OperatorID != op.ID {
		t.Errorf("VoucherPrograms = %+v", ps)
	}
	us, err := tx.VoucherUses(ctx, []string{pay.ID, fund1.ID})
	checkNil(t, "VoucherUses", err)
	if want := []ingot.VoucherUse{{Payment: pay.ID, Account: e1.ID, Amount: 200}}; !reflect.DeepEqual(us, want) {
		t.Errorf("VoucherUses = %+v, want %+v", us, want)
	}
	checkNil(t, "Rollback", tx.Rollback(ctx))

	due, err := s.DueEarmarks(ctx, at, 10)
	checkNil(t, "DueEarmarks", err)
	if want := []store.DueEarmark{{Account: e1.ID, Issuer: iss.ID}}; !reflect.DeepEqual(due, want) {
		t.Errorf("DueEarmarks = %+v, want %+v", due, want)
	}
	commit(t, s, &store.BatchWrite{Vouchers: store.VoucherWrite{Expired: []int64{e1.ID}}})
	if due, err := s.DueEarmarks(ctx, at.Add(2*time.Hour), 10); err != nil || len(due) != 1 || due[0].Account != e2.ID {
		t.Errorf("DueEarmarks after expiry = %+v, %v; want only the running program's, later", due, err)
	}
}
