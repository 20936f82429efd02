package storetest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// The merchants' part of the suite (store/merchant.go, store/settlement.go):
// profiles, payment requests and codes with their idempotency records, the
// batch's merchant rows (locked, written, rolled back), refunds and refund
// totals, fee schedules and the fee cap, operators' fee accounts, the
// transfers' merchant fields, the statement queries and settlements.

// merchantTests are the merchant and settlement tests Run runs.
var merchantTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"MerchantProfiles", testMerchantProfiles},
	{"PaymentRequests", testPaymentRequests},
	{"ExpiredPaymentRequests", testExpiredPaymentRequests},
	{"PaymentCodes", testPaymentCodes},
	{"BatchMerchantWrite", testBatchMerchantWrite},
	{"BatchNewPaymentRequests", testBatchNewPaymentRequests},
	{"BatchMerchantRollback", testBatchMerchantRollback},
	{"RefundTotals", testRefundTotals},
	{"RefundTotalsConcurrent", testRefundTotalsConcurrent},
	{"FeeSchedules", testFeeSchedules},
	{"FeeCap", testFeeCap},
	{"FeeAccount", testFeeAccount},
	{"TransferMerchantFields", testTransferMerchantFields},
	{"AccountTransfersBetween", testAccountTransfersBetween},
	{"Settlements", testSettlements},
}

// ---- fixtures ----

func newMerchantWallet(t *testing.T, s store.Store, operatorID string) ingot.Account {
	t.Helper()
	a := newWallet(operatorID, "CNY")
	a.WalletKind = ingot.WalletMerchant
	a.Holder = ingot.Holder{Name: "Lao Wang Noodles", Kind: ingot.HolderBusiness}
	if _, err := s.CreateAccount(context.Background(), a, nil); err != nil {
		t.Fatalf("CreateAccount(merchant): %v", err)
	}
	return a
}

func newPaymentRequest(w ingot.Account, amount int64, expiresAt time.Time) ingot.PaymentRequest {
	at := now()
	return ingot.PaymentRequest{ID: newID(), Wallet: w.ID, OperatorID: w.OperatorID, Amount: amount, Currency: w.Currency,
		Reference: "table 7 桌", Status: ingot.PaymentRequestOpen, ExpiresAt: expiresAt, CreatedAt: at, UpdatedAt: at}
}

func newPaymentCode(w ingot.Account, holderID string) ingot.PaymentCode {
	at := now()
	return ingot.PaymentCode{Hash: randBytes(32), Wallet: w.ID, OperatorID: w.OperatorID, HolderID: holderID,
		ExpiresAt: at.Add(time.Minute), CreatedAt: at}
}

func mustCreatePaymentRequest(t *testing.T, s store.Store, pr ingot.PaymentRequest) {
	t.Helper()
	if rec, err := s.CreatePaymentRequest(context.Background(), pr, nil); err != nil || rec != nil {
		t.Fatalf("CreatePaymentRequest = %+v, %v; want nil, nil", rec, err)
	}
}

func mustCreatePaymentCode(t *testing.T, s store.Store, pc ingot.PaymentCode) {
	t.Helper()
	if rec, err := s.CreatePaymentCode(context.Background(), pc, nil); err != nil || rec != nil {
		t.Fatalf("CreatePaymentCode = %+v, %v; want nil, nil", rec, err)
	}
}

// inBatch runs fn in a batch transaction that is rolled back afterwards.
func inBatch(t *testing.T, s store.Store, fn func(tx store.BatchTx)) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatalf("BeginBatch: %v", err)
	}
	defer func() {
		if err := tx.Rollback(ctx); err != nil {
			t.Errorf("Rollback: %v", err)
		}
	}()
	fn(tx)
}

// lockCodes reads payment codes by hash in a batch (rolled back), sorted
// by hash.
func lockCodes(t *testing.T, s store.Store, hashes ...[]byte) []ingot.PaymentCode {
	t.Helper()
	var out []ingot.PaymentCode
	inBatch(t, s, func(tx store.BatchTx) {
		var err error
		if out, err = tx.LockPaymentCodes(context.Background(), hashes); err != nil {
			t.Fatalf("LockPaymentCodes: %v", err)
		}
	})
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].Hash, out[j].Hash) < 0 })
	return out
}

func checkFeeSchedule(t *testing.T, what string, got, want ingot.FeeSchedule) {
	t.Helper()
	if !maps.Equal(got.MCCRates, want.MCCRates) {
		t.Errorf("%s MCCRates = %v, want %v", what, got.MCCRates, want.MCCRates)
	}
	if got.MCCRates == nil {
		t.Errorf("%s MCCRates is nil, want a map (empty when none)", what)
	}
	got.MCCRates, want.MCCRates = nil, nil
	same(t, what, got, want)
}

// ---- tests ----

// testMerchantProfiles: profiles are stored, replaced, listed by wallet
// (wallets without one left out), outside and inside a batch.
func testMerchantProfiles(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := mustCreateOperator(t, s, "MER")
	var ws []ingot.Account
	for range 3 {
		ws = append(ws, newMerchantWallet(t, s, op.ID))
	}
	slices.SortFunc(ws, func(a, b ingot.Account) int { return cmp.Compare(a.ID, b.ID) })
	if ms, err := s.Merchants(ctx, []int64{ws[0].ID}); err != nil || len(ms) != 0 {
		t.Fatalf("Merchants before any profile = %v, %v; want none", ms, err)
	}
	var want []ingot.Merchant
	for i, w := range []ingot.Account{ws[2], ws[0]} {
		m := ingot.Merchant{Wallet: w.ID, Name: "Lao Wang Noodles 老王", City: "Beijing", Country: "CN", MCC: "5812",
			UpdatedAt: now().Add(time.Duration(i) * time.Second)}
		checkNil(t, "SetMerchant", s.SetMerchant(ctx, m))
		want = append(want, m)
	}
	// Replaced, every field.
	want[1] = ingot.Merchant{Wallet: ws[0].ID, Name: "Wang's", City: "Shanghai", Country: "HK", MCC: "5411", UpdatedAt: now().Add(time.Hour)}
	checkNil(t, "SetMerchant again", s.SetMerchant(ctx, want[1]))
	want[0], want[1] = want[1], want[0] // by wallet: ws[0], ws[2]

	ids := []int64{ws[2].ID, ingot.NewWalletID(), ws[1].ID, ws[0].ID}
	ms, err := s.Merchants(ctx, ids)
	checkNil(t, "Merchants", err)
	if len(ms) != 2 {
		t.Fatalf("Merchants = %+v, want 2 profiles", ms)
	}
	for i := range want {
		same(t, "Merchants[i]", ms[i], want[i])
	}
	if ms, err := s.Merchants(ctx, nil); err != nil || len(ms) != 0 {
		t.Errorf("Merchants(none) = %v, %v", ms, err)
	}
	inBatch(t, s, func(tx store.BatchTx) {
		ms, err := tx.Merchants(ctx, ids)
		checkNil(t, "batch Merchants", err)
		if len(ms) != 2 {
			t.Fatalf("batch Merchants = %+v, want 2 profiles", ms)
		}
		for i := range want {
			same(t, "batch Merchants[i]", ms[i], want[i])
		}
	})

	// Short codes: found by code, unique across merchants, released by a
	// profile without one.
	_, err = s.MerchantByShortCode(ctx, "8801")
	checkNotFound(t, "MerchantByShortCode before any", err)
	coded := want[0]
	coded.ShortCode = "8801"
	checkNil(t, "SetMerchant with a short code", s.SetMerchant(ctx, coded))
	got, err := s.MerchantByShortCode(ctx, "8801")
	checkNil(t, "MerchantByShortCode", err)
	same(t, "MerchantByShortCode", got, coded)
	taken := want[1]
	taken.ShortCode = "8801"
	checkConflict(t, "SetMerchant with a taken short code", s.SetMerchant(ctx, taken))
	checkNil(t, "SetMerchant again with its own short code", s.SetMerchant(ctx, coded))
	coded.ShortCode = ""
	checkNil(t, "SetMerchant without a short code", s.SetMerchant(ctx, coded))
	checkNil(t, "SetMerchant with the released short code", s.SetMerchant(ctx, taken))
	got, err = s.MerchantByShortCode(ctx, "8801")
	checkNil(t, "MerchantByShortCode after the release", err)
	same(t, "MerchantByShortCode after the release", got, taken)
	_, err = s.MerchantByShortCode(ctx, "")
	checkNotFound(t, "MerchantByShortCode(\"\")", err)
}

// testPaymentRequests: a request round trips; a taken id is ErrConflict
// and stores no record; a replayed idempotency key writes nothing and
// returns the first record.
func testPaymentRequests(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := mustCreateOperator(t, s, "MER")
	w := newMerchantWallet(t, s, op.ID)
	pr := newPaymentRequest(w, 2350, now().Add(15*time.Minute))
	idem := newIdem("op-key", "pr-1")
	rec, err := s.CreatePaymentRequest(ctx, pr, idem)
	if err != nil || rec != nil {
		t.Fatalf("CreatePaymentRequest = %+v, %v; want nil, nil", rec, err)
	}
	got, err := s.PaymentRequest(ctx, pr.ID)
	checkNil(t, "PaymentRequest", err)
	same(t, "PaymentRequest", got, pr)
	stored, err := s.Idempotency(ctx, idem.IdemKey)
	checkNil(t, "Idempotency", err)
	checkIdem(t, stored, *idem)

	// An open request (no amount) without idempotency.
	open := newPaymentRequest(w, 0, now().Add(time.Hour))
	open.Reference = ""
	mustCreatePaymentRequest(t, s, open)
	got, err = s.PaymentRequest(ctx, open.ID)
	checkNil(t, "PaymentRequest(open)", err)
	same(t, "PaymentRequest(open)", got, open)

	// The same key again: nothing written, the first record back.
	other := newPaymentRequest(w, 1, now().Add(time.Minute))
	idem2 := newIdem("op-key", "pr-1")
	idem2.Hash = []byte("another request")
	rec, err = s.CreatePaymentRequest(ctx, other, idem2)
	checkNil(t, "replayed CreatePaymentRequest", err)
	if rec == nil {
		t.Fatal("replayed CreatePaymentRequest returned no record")
	}
	checkIdem(t, *rec, *idem)
	_, err = s.PaymentRequest(ctx, other.ID)
	checkNotFound(t, "PaymentRequest of the replayed create", err)

	// A taken id.
	dup := newPaymentRequest(w, 5, now().Add(time.Minute))
	dup.ID = pr.ID
	idem3 := newIdem("op-key", "pr-dup")
	_, err = s.CreatePaymentRequest(ctx, dup, idem3)
	checkConflict(t, "CreatePaymentRequest with a taken id", err)
	_, err = s.Idempotency(ctx, idem3.IdemKey)
	checkNotFound(t, "idempotency record of the failed create", err)
	got, err = s.PaymentRequest(ctx, pr.ID)
	checkNil(t, "PaymentRequest after the conflict", err)
	same(t, "PaymentRequest after the conflict", got, pr)

	_, err = s.PaymentRequest(ctx, newID())
	checkNotFound(t, "PaymentRequest(unknown)", err)
}

// testExpiredPaymentRequests: open requests expired at now, oldest first,
// at most limit; paid and expired ones are not listed.
func testExpiredPaymentRequests(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := mustCreateOperator(t, s, "MER")
	w := newMerchantWallet(t, s, op.ID)
	base := now()
	mk := func(exp time.Duration, status ingot.PaymentRequestStatus) ingot.PaymentRequest {
		pr := newPaymentRequest(w, 100, base.Add(exp))
		pr.Status = status
		mustCreatePaymentRequest(t, s, pr)
		return pr
	}
	recent := mk(-time.Minute, ingot.PaymentRequestOpen)
	mk(time.Hour, ingot.PaymentRequestOpen) // not expired yet
	old := mk(-2*time.Hour, ingot.PaymentRequestOpen)
	mk(-3*time.Hour, ingot.PaymentRequestPaid)
	exact := mk(0, ingot.PaymentRequestOpen)
	mk(-4*time.Hour, ingot.PaymentRequestExpired)
	mid := mk(-time.Hour, ingot.PaymentRequestOpen)

	ids, err := s.ExpiredPaymentRequests(ctx, base, 100)
	checkNil(t, "ExpiredPaymentRequests", err)
	if want := []string{old.ID, mid.ID, recent.ID, exact.ID}; !slices.Equal(ids, want) {
		t.Errorf("ExpiredPaymentRequests(now) = %v, want %v (oldest first)", ids, want)
	}
	ids, err = s.ExpiredPaymentRequests(ctx, base.UTC(), 2)
	checkNil(t, "ExpiredPaymentRequests(limit 2)", err)
	if want := []string{old.ID, mid.ID}; !slices.Equal(ids, want) {
		t.Errorf("ExpiredPaymentRequests(limit 2) = %v, want %v", ids, want)
	}
	ids, err = s.ExpiredPaymentRequests(ctx, base.Add(-5*time.Hour), 100)
	if err != nil || len(ids) != 0 {
		t.Errorf("ExpiredPaymentRequests(5h ago) = %v, %v; want none", ids, err)
	}
	// Expiry is an instant: just before exact's, exact is not listed.
	ids, err = s.ExpiredPaymentRequests(ctx, norm(exact.ExpiresAt).Add(-time.Microsecond), 100)
	checkNil(t, "ExpiredPaymentRequests(before exact)", err)
	if want := []string{old.ID, mid.ID, recent.ID}; !slices.Equal(ids, want) {
		t.Errorf("ExpiredPaymentRequests(just before exact) = %v, want %v", ids, want)
	}

	// A batch marks one expired and one paid: neither is listed any more.
	old.Status, old.UpdatedAt = ingot.PaymentRequestExpired, now()
	recent.Status, recent.TransferID, recent.UpdatedAt = ingot.PaymentRequestPaid, newID(), now()
	commit(t, s, &store.BatchWrite{Merchant: store.MerchantWrite{PaymentRequests: []ingot.PaymentRequest{recent, old}}})
	ids, err = s.ExpiredPaymentRequests(ctx, base, 100)
	checkNil(t, "ExpiredPaymentRequests after the batch", err)
	if want := []string{mid.ID, exact.ID}; !slices.Equal(ids, want) {
		t.Errorf("ExpiredPaymentRequests after the batch = %v, want %v", ids, want)
	}
}

// testPaymentCodes: codes are stored by hash (a taken hash is ErrConflict,
// storing no record), replays return the first record, and a batch locks
// them (unknown hashes left out).
func testPaymentCodes(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := mustCreateOperator(t, s, "MER")
	payer := mustCreateWallet(t, s, op.ID, "CNY")
	pc := newPaymentCode(payer, newID())
	idem := newIdem("holder:h1", "code-1")
	rec, err := s.CreatePaymentCode(ctx, pc, idem)
	if err != nil || rec != nil {
		t.Fatalf("CreatePaymentCode = %+v, %v; want nil, nil", rec, err)
	}
	stored, err := s.Idempotency(ctx, idem.IdemKey)
	checkNil(t, "Idempotency", err)
	checkIdem(t, stored, *idem)
	backEnd := newPaymentCode(payer, "") // an operator's back end made it
	mustCreatePaymentCode(t, s, backEnd)

	// Replay: nothing written.
	other := newPaymentCode(payer, "h1")
	idem2 := newIdem("holder:h1", "code-1")
	idem2.Hash = []byte("another request")
	rec, err = s.CreatePaymentCode(ctx, other, idem2)
	checkNil(t, "replayed CreatePaymentCode", err)
	if rec == nil {
		t.Fatal("replayed CreatePaymentCode returned no record")
	}
	checkIdem(t, *rec, *idem)

	// A taken hash.
	dup := newPaymentCode(payer, "h2")
	dup.Hash = bytes.Clone(pc.Hash)
	idem3 := newIdem("holder:h2", "code-dup")
	_, err = s.CreatePaymentCode(ctx, dup, idem3)
	checkConflict(t, "CreatePaymentCode with a taken hash", err)
	_, err = s.Idempotency(ctx, idem3.IdemKey)
	checkNotFound(t, "idempotency record of the failed create", err)

	got := lockCodes(t, s, other.Hash, pc.Hash, randBytes(32), backEnd.Hash)
	want := []ingot.PaymentCode{pc, backEnd}
	sort.Slice(want, func(i, j int) bool { return bytes.Compare(want[i].Hash, want[j].Hash) < 0 })
	if len(got) != len(want) {
		t.Fatalf("LockPaymentCodes = %+v, want %d codes", got, len(want))
	}
	for i := range want {
		same(t, "LockPaymentCodes[i]", got[i], want[i])
	}
	inBatch(t, s, func(tx store.BatchTx) {
		if cs, err := tx.LockPaymentCodes(ctx, nil); err != nil || len(cs) != 0 {
			t.Errorf("LockPaymentCodes(none) = %v, %v", cs, err)
		}
	})
}

// testBatchMerchantWrite: a batch locks a request, a code and a refund
// total, then pays, uses, refunds and totals them; all of it is read back
// after the commit. A request that does not exist is ErrNotFound.
func testBatchMerchantWrite(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 1)
	payer := b.wallets[0]
	merch := newMerchantWallet(t, s, b.op.ID)
	pr := newPaymentRequest(merch, 1200, now().Add(time.Minute))
	pr2 := newPaymentRequest(merch, 0, now().Add(time.Minute))
	mustCreatePaymentRequest(t, s, pr)
	mustCreatePaymentRequest(t, s, pr2)
	pc := newPaymentCode(payer, "h1")
	mustCreatePaymentCode(t, s, pc)

	payment := newTransfer(ingot.KindPayment, payer.ID, merch.ID, 1200, "CNY")
	payment.PaymentRequestID, payment.Reference, payment.Fee = pr.ID, pr.Reference, 7
	charge := newTransfer(ingot.KindPayment, payer.ID, merch.ID, 300, "CNY")
	refundT := newTransfer(ingot.KindPaymentRefund, merch.ID, payer.ID, 200, "CNY")
	refundT.Reference = payment.ID
	earlier := ingot.Refund{ID: newID(), TransferID: payment.ID, Payer: payer.ID, Payee: merch.ID, Amount: 100, Fee: 0,
		Currency: "CNY", Reason: "", RefundTransferID: newID(), CreatedAt: now().Add(-time.Second)}
	refund := ingot.Refund{ID: newID(), TransferID: payment.ID, Payer: payer.ID, Payee: merch.ID, Amount: 200, Fee: 1,
		Currency: "CNY", Reason: "cold noodles 面凉了", RefundTransferID: refundT.ID, CreatedAt: now()}

	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	defer tx.Rollback(ctx)
	reqs, err := tx.LockPaymentRequests(ctx, []string{newID(), pr2.ID, pr.ID})
	checkNil(t, "LockPaymentRequests", err)
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].ID < reqs[j].ID })
	wantReqs := []ingot.PaymentRequest{pr, pr2}
	sort.Slice(wantReqs, func(i, j int) bool { return wantReqs[i].ID < wantReqs[j].ID })
	if len(reqs) != 2 {
		t.Fatalf("LockPaymentRequests = %+v, want 2 (unknown left out)", reqs)
	}
	for i := range wantReqs {
		same(t, "LockPaymentRequests[i]", reqs[i], wantReqs[i])
	}
	if rs, err := tx.LockPaymentRequests(ctx, nil); err != nil || len(rs) != 0 {
		t.Errorf("LockPaymentRequests(none) = %v, %v", rs, err)
	}
	codes, err := tx.LockPaymentCodes(ctx, [][]byte{pc.Hash})
	checkNil(t, "LockPaymentCodes", err)
	if len(codes) != 1 {
		t.Fatalf("LockPaymentCodes = %+v, want 1", codes)
	}
	same(t, "LockPaymentCodes[0]", codes[0], pc)
	tots, err := tx.LockRefundTotals(ctx, []string{payment.ID})
	checkNil(t, "LockRefundTotals", err)
	if len(tots) != 1 || tots[0] != (ingot.RefundTotal{TransferID: payment.ID}) {
		t.Fatalf("LockRefundTotals = %+v, want one at zero", tots)
	}

	pr.Status, pr.TransferID, pr.UpdatedAt = ingot.PaymentRequestPaid, payment.ID, now().Add(time.Second)
	pc.UsedAt, pc.TransferID = now().Add(2*time.Second), charge.ID
	total := ingot.RefundTotal{TransferID: payment.ID, Refunded: 300, FeeRefunded: 1}
	w := &store.BatchWrite{
		Transfers: []ingot.Transfer{payment, charge, refundT},
		Merchant: store.MerchantWrite{
			PaymentRequests: []ingot.PaymentRequest{pr},
			PaymentCodes:    []ingot.PaymentCode{pc},
			Refunds:         []ingot.Refund{refund, earlier},
			RefundTotals:    []ingot.RefundTotal{total},
		},
	}
	checkNil(t, "Write", tx.Write(ctx, w))
	// Not committed: invisible.
	got, err := s.PaymentRequest(ctx, pr.ID)
	checkNil(t, "PaymentRequest before commit", err)
	if got.Status != ingot.PaymentRequestOpen {
		t.Errorf("before commit, PaymentRequest status = %s, want open", got.Status)
	}
	checkNil(t, "Commit", tx.Commit(ctx))

	got, err = s.PaymentRequest(ctx, pr.ID)
	checkNil(t, "PaymentRequest", err)
	same(t, "paid PaymentRequest", got, pr)
	got, err = s.PaymentRequest(ctx, pr2.ID)
	checkNil(t, "PaymentRequest(untouched)", err)
	same(t, "untouched PaymentRequest", got, pr2)
	cs := lockCodes(t, s, pc.Hash)
	if len(cs) != 1 {
		t.Fatalf("LockPaymentCodes after commit = %+v", cs)
	}
	same(t, "used PaymentCode", cs[0], pc)
	rs, err := s.Refunds(ctx, payment.ID)
	checkNil(t, "Refunds", err)
	if len(rs) != 2 {
		t.Fatalf("Refunds = %+v, want 2", rs)
	}
	same(t, "Refunds[0] (oldest)", rs[0], earlier)
	same(t, "Refunds[1]", rs[1], refund)
	if rt, err := s.RefundTotal(ctx, payment.ID); err != nil || rt != total {
		t.Errorf("RefundTotal = %+v, %v; want %+v", rt, err, total)
	}
	gotT, err := s.Transfer(ctx, payment.ID)
	checkNil(t, "Transfer", err)
	checkTransfer(t, gotT, payment)

	// A request that does not exist: ErrNotFound, and nothing is written.
	ghost := newPaymentRequest(merch, 1, now())
	ghost.Status = ingot.PaymentRequestPaid
	pr2.Status, pr2.UpdatedAt = ingot.PaymentRequestExpired, now()
	tx, err = s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	defer tx.Rollback(ctx)
	err = tx.Write(ctx, &store.BatchWrite{Merchant: store.MerchantWrite{PaymentRequests: []ingot.PaymentRequest{pr2, ghost}}})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Write of an unknown payment request: err = %v, want store.ErrNotFound", err)
	}
	checkNil(t, "Rollback", tx.Rollback(ctx))
	if got, err := s.PaymentRequest(ctx, pr2.ID); err != nil || got.Status != ingot.PaymentRequestOpen {
		t.Errorf("PaymentRequest after the failed batch = %+v, %v; want open", got, err)
	}
}

// testBatchMerchantRollback: a rolled back batch leaves no merchant row
// changed, and its refund totals created at zero do not stay.
func testBatchMerchantRollback(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 1)
	payer := b.wallets[0]
	merch := newMerchantWallet(t, s, b.op.ID)
	pr := newPaymentRequest(merch, 500, now().Add(time.Minute))
	mustCreatePaymentRequest(t, s, pr)
	pc := newPaymentCode(payer, "")
	mustCreatePaymentCode(t, s, pc)
	payment := newTransfer(ingot.KindPayment, payer.ID, merch.ID, 500, "CNY")

	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	if _, err := tx.LockRefundTotals(ctx, []string{payment.ID}); err != nil {
		t.Fatalf("LockRefundTotals: %v", err)
	}
	upr, upc := pr, pc
	upr.Status, upr.TransferID, upr.UpdatedAt = ingot.PaymentRequestPaid, payment.ID, now()
	upc.UsedAt, upc.TransferID = now(), payment.ID
	refund := ingot.Refund{ID: newID(), TransferID: payment.ID, Payer: payer.ID, Payee: merch.ID, Amount: 5,
		Currency: "CNY", RefundTransferID: newID(), CreatedAt: now()}
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{
		Transfers: []ingot.Transfer{payment},
		Merchant: store.MerchantWrite{PaymentRequests: []ingot.PaymentRequest{upr}, PaymentCodes: []ingot.PaymentCode{upc},
			Refunds: []ingot.Refund{refund}, RefundTotals: []ingot.RefundTotal{{TransferID: payment.ID, Refunded: 5}}},
	}))
	checkNil(t, "Rollback", tx.Rollback(ctx))

	got, err := s.PaymentRequest(ctx, pr.ID)
	checkNil(t, "PaymentRequest", err)
	same(t, "PaymentRequest after rollback", got, pr)
	cs := lockCodes(t, s, pc.Hash)
	if len(cs) != 1 {
		t.Fatalf("LockPaymentCodes after rollback = %+v", cs)
	}
	same(t, "PaymentCode after rollback", cs[0], pc)
	if rs, err := s.Refunds(ctx, payment.ID); err != nil || len(rs) != 0 {
		t.Errorf("Refunds after rollback = %+v, %v; want none", rs, err)
	}
	if rt, err := s.RefundTotal(ctx, payment.ID); err != nil || rt != (ingot.RefundTotal{TransferID: payment.ID}) {
		t.Errorf("RefundTotal after rollback = %+v, %v; want zero", rt, err)
	}
	if ids, err := s.ExpiredPaymentRequests(ctx, now().Add(time.Hour), 10); err != nil || !slices.Equal(ids, []string{pr.ID}) {
		t.Errorf("ExpiredPaymentRequests after rollback = %v, %v; want [%s]", ids, err, pr.ID)
	}
}

// testRefundTotals: LockRefundTotals creates missing totals at zero (and
// keeps existing ones), RefundTotal reads zero for a payment never
// refunded, and written totals replace the previous ones.
func testRefundTotals(t *testing.T, s store.Store) {
	ctx := context.Background()
	p1, p2, p3 := newID(), newID(), newID()
	if rt, err := s.RefundTotal(ctx, p1); err != nil || rt != (ingot.RefundTotal{TransferID: p1}) {
		t.Errorf("RefundTotal(never refunded) = %+v, %v; want zero with its id", rt, err)
	}
	if rs, err := s.Refunds(ctx, p1); err != nil || len(rs) != 0 {
		t.Errorf("Refunds(never refunded) = %+v, %v", rs, err)
	}
	// p1 gets a total written directly (an upsert without a lock).
	commit(t, s, &store.BatchWrite{Merchant: store.MerchantWrite{RefundTotals: []ingot.RefundTotal{{TransferID: p1, Refunded: 40, FeeRefunded: 2}}}})

	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	defer tx.Rollback(ctx)
	ts, err := tx.LockRefundTotals(ctx, []string{p3, p1, p2})
	checkNil(t, "LockRefundTotals", err)
	sort.Slice(ts, func(i, j int) bool { return ts[i].TransferID < ts[j].TransferID })
	want := []ingot.RefundTotal{{TransferID: p1, Refunded: 40, FeeRefunded: 2}, {TransferID: p2}, {TransferID: p3}}
	sort.Slice(want, func(i, j int) bool { return want[i].TransferID < want[j].TransferID })
	if !slices.Equal(ts, want) {
		t.Errorf("LockRefundTotals = %+v, want %+v", ts, want)
	}
	// Locked twice in one batch: the same rows.
	again, err := tx.LockRefundTotals(ctx, []string{p2})
	if err != nil || len(again) != 1 || again[0] != (ingot.RefundTotal{TransferID: p2}) {
		t.Errorf("LockRefundTotals again = %+v, %v", again, err)
	}
	if none, err := tx.LockRefundTotals(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("LockRefundTotals(none) = %+v, %v", none, err)
	}
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{Merchant: store.MerchantWrite{RefundTotals: []ingot.RefundTotal{
		{TransferID: p1, Refunded: 90, FeeRefunded: 4}, {TransferID: p2, Refunded: 10}}}}))
	checkNil(t, "Commit", tx.Commit(ctx))
	for _, w := range []ingot.RefundTotal{{TransferID: p1, Refunded: 90, FeeRefunded: 4}, {TransferID: p2, Refunded: 10}, {TransferID: p3}} {
		if rt, err := s.RefundTotal(ctx, w.TransferID); err != nil || rt != w {
			t.Errorf("RefundTotal(%s) = %+v, %v; want %+v", w.TransferID, rt, err, w)
		}
	}
}

// testRefundTotalsConcurrent: batches that lock the same new refund total
// concurrently each see the previous one's write (the row created at zero
// by the first is locked by the others, not created twice).
func testRefundTotalsConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	p := newID()
	const n = 8
	errs := race(n, func(int) error {
		tx, err := s.BeginBatch(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		ts, err := tx.LockRefundTotals(ctx, []string{p})
		if err != nil {
			return err
		}
		if len(ts) != 1 {
			return fmt.Errorf("LockRefundTotals = %+v, want one", ts)
		}
		rt := ts[0]
		rt.Refunded += 10
		rt.FeeRefunded++
		if err := tx.Write(ctx, &store.BatchWrite{Merchant: store.MerchantWrite{RefundTotals: []ingot.RefundTotal{rt}}}); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	if rt, err := s.RefundTotal(ctx, p); err != nil || rt != (ingot.RefundTotal{TransferID: p, Refunded: 10 * n, FeeRefunded: n}) {
		t.Errorf("RefundTotal after %d concurrent batches = %+v, %v; want %d refunded", n, rt, err, 10*n)
	}
}

// testFeeSchedules: schedules (with their MCC rates) are stored per
// operator and currency, replaced, and read per operator, outside and
// inside a batch.
func testFeeSchedules(t *testing.T, s store.Store) {
	ctx := context.Background()
	opA := mustCreateOperator(t, s, "FEEA")
	opB := mustCreateOperator(t, s, "FEEB")
	opC := mustCreateOperator(t, s, "FEEC")
	feeA := mustEnsure(t, s, ingot.AccountFee, opA.ID, "CNY")
	feeAEUR := mustEnsure(t, s, ingot.AccountFee, opA.ID, "EUR")
	feeB := mustEnsure(t, s, ingot.AccountFee, opB.ID, "CNY")
	if fs, err := s.FeeSchedules(ctx, []string{opA.ID}); err != nil || len(fs) != 0 {
		t.Fatalf("FeeSchedules before any = %v, %v", fs, err)
	}
	aCNY := ingot.FeeSchedule{OperatorID: opA.ID, Currency: "CNY", Account: feeA.ID, RateBPS: 60, Min: 10, Max: 500,
		MCCRates: map[string]int{"5411": 20, "5812": 0}, UpdatedAt: now()}
	aEUR := ingot.FeeSchedule{OperatorID: opA.ID, Currency: "EUR", Account: feeAEUR.ID, RateBPS: 35,
		MCCRates: map[string]int{}, UpdatedAt: now()}
	bCNY := ingot.FeeSchedule{OperatorID: opB.ID, Currency: "CNY", Account: feeB.ID, RateBPS: 10_000, UpdatedAt: now()}
	for _, f := range []ingot.FeeSchedule{aEUR, bCNY, aCNY} {
		checkNil(t, "SetFeeSchedule", s.SetFeeSchedule(ctx, f))
	}
	bCNY.MCCRates = map[string]int{} // nil is stored as none
	fs, err := s.FeeSchedules(ctx, []string{opA.ID})
	checkNil(t, "FeeSchedules(A)", err)
	if len(fs) != 2 {
		t.Fatalf("FeeSchedules(A) = %+v, want 2", fs)
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].Currency < fs[j].Currency })
	checkFeeSchedule(t, "FeeSchedules(A)[CNY]", fs[0], aCNY)
	checkFeeSchedule(t, "FeeSchedules(A)[EUR]", fs[1], aEUR)

	// Replaced: every field, the MCC rates as a whole.
	aCNY.RateBPS, aCNY.Min, aCNY.Max, aCNY.MCCRates, aCNY.UpdatedAt = 45, 0, 0, map[string]int{"4111": 5}, now().Add(time.Hour)
	checkNil(t, "SetFeeSchedule again", s.SetFeeSchedule(ctx, aCNY))

	check := func(what string, fs []ingot.FeeSchedule, err error) {
		t.Helper()
		checkNil(t, what, err)
		want := []ingot.FeeSchedule{aCNY, aEUR, bCNY}
		key := func(f ingot.FeeSchedule) string { return f.OperatorID + "/" + f.Currency }
		sort.Slice(want, func(i, j int) bool { return key(want[i]) < key(want[j]) })
		sort.Slice(fs, func(i, j int) bool { return key(fs[i]) < key(fs[j]) })
		if len(fs) != len(want) {
			t.Fatalf("%s = %+v, want %d schedules", what, fs, len(want))
		}
		for i := range want {
			checkFeeSchedule(t, what, fs[i], want[i])
		}
	}
	ops := []string{opC.ID, opB.ID, opA.ID, "unknown"}
	fs, err = s.FeeSchedules(ctx, ops)
	check("FeeSchedules(A, B, C)", fs, err)
	inBatch(t, s, func(tx store.BatchTx) {
		fs, err := tx.FeeSchedules(ctx, ops)
		check("batch FeeSchedules", fs, err)
		if fs, err := tx.FeeSchedules(ctx, nil); err != nil || len(fs) != 0 {
			t.Errorf("batch FeeSchedules(none) = %v, %v", fs, err)
		}
	})
	if fs, err := s.FeeSchedules(ctx, []string{opC.ID}); err != nil || len(fs) != 0 {
		t.Errorf("FeeSchedules(C) = %v, %v; want none", fs, err)
	}
}

// testFeeCap: no cap is ErrNotFound; a cap is stored and replaced.
func testFeeCap(t *testing.T, s store.Store) {
	ctx := context.Background()
	c, err := s.FeeCap(ctx)
	checkNotFound(t, "FeeCap before any", err)
	if c.MaxRateBPS != 0 {
		t.Errorf("FeeCap before any = %+v, want zero", c)
	}
	want := ingot.FeeCap{MaxRateBPS: 80, UpdatedAt: now()}
	checkNil(t, "SetFeeCap", s.SetFeeCap(ctx, want))
	c, err = s.FeeCap(ctx)
	checkNil(t, "FeeCap", err)
	same(t, "FeeCap", c, want)
	want = ingot.FeeCap{MaxRateBPS: 0, UpdatedAt: now().Add(time.Hour)}
	checkNil(t, "SetFeeCap again", s.SetFeeCap(ctx, want))
	c, err = s.FeeCap(ctx)
	checkNil(t, "FeeCap again", err)
	same(t, "FeeCap again", c, want)
}

// testFeeAccount: an operator's fee account of a currency is a singleton
// like its reserve, and Totals counts fee accounts as Fees.
func testFeeAccount(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 1)
	fee := mustEnsure(t, s, ingot.AccountFee, b.op.ID, "CNY")
	checkSystemAccount(t, fee, ingot.AccountFee, b.op.ID, "CNY")
	if fee.ID == b.res.ID {
		t.Errorf("fee account id = reserve id %d", fee.ID)
	}
	if again := mustEnsure(t, s, ingot.AccountFee, b.op.ID, "CNY"); again.ID != fee.ID {
		t.Errorf("second EnsureAccount(fee) id = %d, want %d", again.ID, fee.ID)
	}
	if eur := mustEnsure(t, s, ingot.AccountFee, b.op.ID, "EUR"); eur.ID == fee.ID {
		t.Errorf("EUR fee account has the CNY one's id")
	}
	list, err := s.Accounts(ctx, b.op.ID, ingot.AccountFee, 0, 10)
	if err != nil || len(list) != 2 {
		t.Errorf("Accounts(fee) = %v, %v; want 2", list, err)
	}
	got, err := s.Account(ctx, fee.ID)
	checkNil(t, "Account(fee)", err)
	checkAccount(t, got, fee)

	iss, res, w, f := b.iss, b.res, b.wallets[0], fee
	iss.Balance, res.Balance, w.Balance, f.Balance = -1000, 600, 393, 7
	tr := newTransfer(ingot.KindFee, w.ID, f.ID, 7, "CNY")
	tr.DebitBalance, tr.CreditBalance = 393, 7
	commit(t, s, &store.BatchWrite{Accounts: []ingot.Account{iss, res, w, f}, Transfers: []ingot.Transfer{tr}})
	tot, err := s.Totals(ctx, "CNY")
	checkNil(t, "Totals", err)
	if want := (store.Totals{Currency: "CNY", Issuance: -1000, Reserves: 600, Fees: 7, Wallets: 393}); tot != want {
		t.Errorf("Totals = %+v, want %+v", tot, want)
	}
}

// testTransferMerchantFields: a transfer's Fee, Reference and
// PaymentRequestID, and the new transfer kinds, round trip through every
// read of transfers.
func testTransferMerchantFields(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 2)
	payer, merch := b.wallets[0], b.wallets[1]
	fee := mustEnsure(t, s, ingot.AccountFee, b.op.ID, "CNY")
	pay := newTransfer(ingot.KindPayment, payer.ID, merch.ID, 1000, "CNY")
	pay.Fee, pay.Reference, pay.PaymentRequestID, pay.LogIndex = 6, "order 42 订单", newID(), 0
	feeT := newTransfer(ingot.KindFee, merch.ID, fee.ID, 6, "CNY")
	feeT.LogIndex = 1
	ref := newTransfer(ingot.KindPaymentRefund, merch.ID, payer.ID, 400, "CNY")
	ref.Reference, ref.LogIndex = pay.ID, 2
	feeRef := newTransfer(ingot.KindFeeRefund, fee.ID, merch.ID, 2, "CNY")
	feeRef.LogIndex = 3
	all := []ingot.Transfer{pay, feeT, ref, feeRef}
	commit(t, s, &store.BatchWrite{Transfers: all})
	for _, want := range all {
		got, err := s.Transfer(ctx, want.ID)
		checkNil(t, "Transfer", err)
		checkTransfer(t, got, want)
	}
	hist, err := s.AccountTransfers(ctx, merch.ID, 0, 10)
	checkNil(t, "AccountTransfers", err)
	if len(hist) != 4 {
		t.Fatalf("AccountTransfers = %d transfers, want 4", len(hist))
	}
	for i, want := range []ingot.Transfer{feeRef, ref, feeT, pay} {
		checkTransfer(t, hist[i], want)
	}
	logged, err := s.LogTransfers(ctx, 0, 10)
	checkNil(t, "LogTransfers", err)
	if len(logged) != 4 {
		t.Fatalf("LogTransfers = %d transfers, want 4", len(logged))
	}
	for i := range all {
		checkTransfer(t, logged[i], all[i])
	}
	between, err := s.AccountTransfersBetween(ctx, merch.ID, now().Add(-time.Hour), now().Add(time.Hour), 10)
	checkNil(t, "AccountTransfersBetween", err)
	if len(between) != 4 {
		t.Fatalf("AccountTransfersBetween = %d transfers, want 4", len(between))
	}
	for i := range all {
		checkTransfer(t, between[i], all[i])
	}
}

// testAccountTransfersBetween: a statement's transfers are the account's
// (on either side) created in [from, to), oldest first, at most limit;
// BalanceBefore is its balance after its last transfer before a time.
func testAccountTransfersBetween(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 3)
	x, y, z := b.wallets[0].ID, b.wallets[1].ID, b.wallets[2].ID
	// The day: from is midnight in Shanghai.
	from := time.Date(2026, 3, 14, 0, 0, 0, 0, shanghai)
	to := from.AddDate(0, 0, 1)
	bal := map[int64]int64{}
	var all []ingot.Transfer
	mk := func(debit, credit, amount int64, at time.Time) ingot.Transfer {
		tr := newTransfer(ingot.KindPayment, debit, credit, amount, "CNY")
		bal[debit] -= amount
		bal[credit] += amount
		tr.DebitBalance, tr.CreditBalance, tr.CreatedAt = bal[debit], bal[credit], at
		all = append(all, tr)
		return tr
	}
	// Batches in time order, x on both sides, other accounts in between.
	batches := [][]ingot.Transfer{
		{mk(b.res.ID, x, 10000, from.Add(-48*time.Hour)), mk(b.res.ID, y, 5000, from.Add(-47*time.Hour))},
		{mk(x, y, 300, from.Add(-2*time.Hour)), mk(y, x, 120, from.Add(-time.Microsecond))}, // x's last before from: credit side
		{mk(y, z, 50, from)}, // not x's
		{mk(x, z, 700, from), mk(z, x, 30, from.Add(time.Hour))}, // exactly at from: in
		{mk(y, z, 5, from.Add(2*time.Hour)), mk(x, b.res.ID, 1000, from.Add(3*time.Hour))},
		{mk(z, x, 1, to.Add(-time.Microsecond))},
		{mk(x, y, 2, to), mk(y, x, 3, to.Add(time.Hour))}, // exactly at to: out
	}
	for _, ts := range batches {
		commit(t, s, &store.BatchWrite{Transfers: ts})
	}
	seqs := map[string]int64{}
	for _, tr := range all {
		got, err := s.Transfer(ctx, tr.ID)
		checkNil(t, "Transfer", err)
		seqs[tr.ID] = got.Seq
	}
	of := func(acct int64, lo, hi time.Time) []ingot.Transfer {
		var out []ingot.Transfer
		for _, tr := range all {
			if (tr.Debit == acct || tr.Credit == acct) && !tr.CreatedAt.Before(lo) && tr.CreatedAt.Before(hi) {
				tr.Seq = seqs[tr.ID]
				out = append(out, tr)
			}
		}
		return out
	}
	check := func(what string, got, want []ingot.Transfer) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s = %d transfers, want %d", what, len(got), len(want))
		}
		for i := range want {
			checkTransfer(t, got[i], want[i])
			if got[i].Seq != want[i].Seq {
				t.Errorf("%s[%d].Seq = %d, want %d", what, i, got[i].Seq, want[i].Seq)
			}
		}
	}
	for _, acct := range []int64{x, y, z, b.res.ID} {
		got, err := s.AccountTransfersBetween(ctx, acct, from, to, 100)
		checkNil(t, "AccountTransfersBetween", err)
		check("AccountTransfersBetween(day)", got, of(acct, from, to))
	}
	want := of(x, from, to)
	if len(want) != 4 {
		t.Fatalf("fixture: x has %d transfers in the day, want 4", len(want))
	}
	got, err := s.AccountTransfersBetween(ctx, x, from.UTC(), to.UTC(), 2)
	checkNil(t, "AccountTransfersBetween(limit 2)", err)
	check("AccountTransfersBetween(limit 2)", got, want[:2])
	got, err = s.AccountTransfersBetween(ctx, x, from.Add(time.Hour), from.Add(3*time.Hour), 100)
	checkNil(t, "AccountTransfersBetween(1h-3h)", err)
	check("AccountTransfersBetween(1h-3h)", got, of(x, from.Add(time.Hour), from.Add(3*time.Hour)))
	got, err = s.AccountTransfersBetween(ctx, x, from.AddDate(0, 0, -10), from.AddDate(0, 0, -9), 100)
	if err != nil || len(got) != 0 {
		t.Errorf("AccountTransfersBetween(a day without any) = %v, %v; want none", got, err)
	}
	got, err = s.AccountTransfersBetween(ctx, ingot.NewWalletID(), from, to, 100)
	if err != nil || len(got) != 0 {
		t.Errorf("AccountTransfersBetween(unknown account) = %v, %v; want none", got, err)
	}

	// BalanceBefore: the balance after the account's last transfer before
	// the time, from whichever side it was.
	for _, c := range []struct {
		what string
		acct int64
		at   time.Time
		want int64
	}{
		{"x before from (credit side)", x, from, 10000 - 300 + 120},
		{"x just after from", x, from.Add(time.Microsecond), 10000 - 300 + 120 - 700},
		{"x before to (credit side)", x, to, 10000 - 300 + 120 - 700 + 30 - 1000 + 1},
		{"x before 3h (debit side)", x, from.Add(3*time.Hour + time.Microsecond), 10000 - 300 + 120 - 700 + 30 - 1000},
		{"x after all", x, to.Add(2 * time.Hour), 10000 - 300 + 120 - 700 + 30 - 1000 + 1 - 2 + 3},
		{"x before any", x, from.Add(-48 * time.Hour), 0},
		{"y before from (debit side)", y, from, 5000 + 300 - 120},
		{"reserve before from", b.res.ID, from, -15000},
		{"unknown account", ingot.NewWalletID(), to, 0},
	} {
		got, err := s.BalanceBefore(ctx, c.acct, c.at)
		if err != nil || got != c.want {
			t.Errorf("BalanceBefore(%s) = %d, %v; want %d", c.what, got, err, c.want)
		}
	}
	// Opening plus the day's entries is the closing balance.
	opening, err := s.BalanceBefore(ctx, x, from)
	checkNil(t, "BalanceBefore", err)
	closing, err := s.BalanceBefore(ctx, x, to)
	checkNil(t, "BalanceBefore", err)
	sum := opening
	for _, tr := range want {
		if tr.Debit == x {
			sum -= tr.Amount
		} else {
			sum += tr.Amount
		}
	}
	if sum != closing {
		t.Errorf("opening %d + entries = %d, closing %d", opening, sum, closing)
	}
}

// testSettlements: settings are stored and replaced (all fields), daily
// ones are due while their last day is before a date, by wallet, at most
// limit, and SettlementDone never moves a last day back.
func testSettlements(t *testing.T, s store.Store) {
	ctx := context.Background()
	op := mustCreateOperator(t, s, "SET")
	var ws []int64
	for range 5 {
		ws = append(ws, newMerchantWallet(t, s, op.ID).ID)
	}
	slices.Sort(ws)
	_, err := s.Settlement(ctx, ws[0])
	checkNotFound(t, "Settlement before any", err)
	if due, err := s.DueSettlements(ctx, "2026-03-14", 10); err != nil || len(due) != 0 {
		t.Errorf("DueSettlements before any = %v, %v", due, err)
	}
	mk := func(w int64, sweep ingot.SettlementSweep, last string) ingot.Settlement {
		st := ingot.Settlement{Wallet: w, OperatorID: op.ID, BankAccount: uuid.NewString(), Sweep: sweep, Keep: 10000,
			LastDate: last, UpdatedAt: now()}
		checkNil(t, "SetSettlement", s.SetSettlement(ctx, st))
		return st
	}
	never := mk(ws[3], ingot.SweepDaily, "") // never settled: before any date
	s0 := mk(ws[0], ingot.SweepDaily, "2026-03-12")
	s1 := mk(ws[1], ingot.SweepDaily, "2026-03-13")
	s2 := mk(ws[2], ingot.SweepDaily, "2026-03-14") // settled already
	off := mk(ws[4], ingot.SweepOff, "2026-01-01")  // not daily: never due
	for _, want := range []ingot.Settlement{never, s0, s1, s2, off} {
		got, err := s.Settlement(ctx, want.Wallet)
		checkNil(t, "Settlement", err)
		same(t, "Settlement", got, want)
	}
	due := func(date string, limit int, want ...ingot.Settlement) {
		t.Helper()
		got, err := s.DueSettlements(ctx, date, limit)
		checkNil(t, "DueSettlements", err)
		if len(got) != len(want) {
			t.Fatalf("DueSettlements(%s, %d) = %+v, want %d", date, limit, got, len(want))
		}
		for i := range want {
			same(t, "DueSettlements("+date+")[i]", got[i], want[i])
		}
	}
	due("2026-03-14", 10, s0, s1, never) // by wallet
	due("2026-03-14", 2, s0, s1)
	due("2026-03-13", 10, s0, never)
	due("2026-03-15", 10, s0, s1, s2, never)
	due("2026-01-01", 10, never)

	// Done: forward only.
	checkNil(t, "SettlementDone", s.SettlementDone(ctx, ws[0], "2026-03-14"))
	s0.LastDate = "2026-03-14"
	checkNil(t, "SettlementDone (earlier)", s.SettlementDone(ctx, ws[0], "2026-03-13"))
	checkNil(t, "SettlementDone (same)", s.SettlementDone(ctx, ws[0], "2026-03-14"))
	checkNil(t, "SettlementDone (never settled)", s.SettlementDone(ctx, ws[3], "2026-03-14"))
	never.LastDate = "2026-03-14"
	for _, want := range []ingot.Settlement{s0, never} {
		got, err := s.Settlement(ctx, want.Wallet)
		checkNil(t, "Settlement after done", err)
		same(t, "Settlement after done", got, want)
	}
	due("2026-03-14", 10, s1)
	checkNotFound(t, "SettlementDone(unknown wallet)", s.SettlementDone(ctx, ingot.NewWalletID(), "2026-03-14"))

	// Replaced, every field: turned off, it is no longer due.
	s1.Sweep, s1.Keep, s1.BankAccount, s1.LastDate, s1.UpdatedAt = ingot.SweepOff, 0, "", "2026-03-10", now().Add(time.Hour)
	checkNil(t, "SetSettlement again", s.SetSettlement(ctx, s1))
	got, err := s.Settlement(ctx, s1.Wallet)
	checkNil(t, "Settlement", err)
	same(t, "replaced Settlement", got, s1)
	due("2026-03-14", 10)
	due("2026-03-15", 10, s0, s2, never)
}

// testBatchNewPaymentRequests: requests made in a batch are inserted with
// it (and only when it commits); an id taken already fails the batch with
// ErrConflict.
func testBatchNewPaymentRequests(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := newBook(t, s, "CNY", 1)
	merch := newMerchantWallet(t, s, b.op.ID)
	pr := newPaymentRequest(merch, 3800, now().Add(15*time.Minute))
	open := newPaymentRequest(merch, 0, now().Add(time.Hour))

	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{Merchant: store.MerchantWrite{NewPaymentRequests: []ingot.PaymentRequest{open}}}))
	checkNil(t, "Rollback", tx.Rollback(ctx))
	if _, err := s.PaymentRequest(ctx, open.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a request of a rolled back batch: %v, want ErrNotFound", err)
	}

	commit(t, s, &store.BatchWrite{Merchant: store.MerchantWrite{NewPaymentRequests: []ingot.PaymentRequest{pr, open}}})
	for _, want := range []ingot.PaymentRequest{pr, open} {
		got, err := s.PaymentRequest(ctx, want.ID)
		checkNil(t, "PaymentRequest", err)
		same(t, "PaymentRequest", got, want)
	}

	tx, err = s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	defer tx.Rollback(ctx)
	if err := tx.Write(ctx, &store.BatchWrite{Merchant: store.MerchantWrite{NewPaymentRequests: []ingot.PaymentRequest{pr}}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a request id taken: %v, want ErrConflict", err)
	}
}
