package ledger

import (
	"context"
	"slices"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Merchants inside the engine's batch: the payment requests, payment codes
// and refund totals the batch's commands lock (before the accounts, in one
// global order, with their wallets added to the accounts to lock), and the
// fee schedules and merchant profiles of the merchant wallets a batch
// credits, with their operators' fee accounts (locked after the accounts:
// a second round, like a sub-wallet's family; a deadlock there is retried).

// merchantState is a batch's view of merchants' rows.
type merchantState struct {
	requests     map[string]*ingot.PaymentRequest
	codes        map[string]*ingot.PaymentCode // by string(hash)
	totals       map[string]*ingot.RefundTotal // by payment transfer id
	profiles     map[int64]ingot.Merchant      // credited merchant wallets' profiles
	fees         map[feeKey]ingot.FeeSchedule  // their operators' schedules
	refunds      []ingot.Refund
	newRequests  []ingot.PaymentRequest // made in the batch (cmd_request.go)
	touchedReqs  map[string]struct{}
	touchedCodes map[string]struct{}
	touchedTots  map[string]struct{}
}

type feeKey struct{ operator, currency string }

func newMerchantState() merchantState {
	return merchantState{requests: map[string]*ingot.PaymentRequest{}, codes: map[string]*ingot.PaymentCode{},
		totals: map[string]*ingot.RefundTotal{}, profiles: map[int64]ingot.Merchant{}, fees: map[feeKey]ingot.FeeSchedule{},
		touchedReqs: map[string]struct{}{}, touchedCodes: map[string]struct{}{}, touchedTots: map[string]struct{}{}}
}

// lockMerchantRows locks the batch's payment requests, codes and refund
// totals (before its accounts) and adds the wallets they name to the
// accounts to lock.
func lockMerchantRows(ctx context.Context, tx store.BatchTx, ls *lockSet, st *state) error {
	if len(ls.requests) > 0 {
		rs, err := tx.LockPaymentRequests(ctx, sortedKeys(ls.requests))
		if err != nil {
			return err
		}
		for i := range rs {
			r := rs[i]
			st.merch.requests[r.ID] = &r
			ls.credit(r.Wallet)
		}
	}
	if len(ls.codes) > 0 {
		hashes := make([][]byte, 0, len(ls.codes))
		for _, h := range sortedKeys(ls.codes) {
			hashes = append(hashes, []byte(h))
		}
		cs, err := tx.LockPaymentCodes(ctx, hashes)
		if err != nil {
			return err
		}
		for i := range cs {
			c := cs[i]
			st.merch.codes[string(c.Hash)] = &c
			ls.account(c.Wallet)
		}
	}
	if len(ls.totals) > 0 {
		ts, err := tx.LockRefundTotals(ctx, sortedKeys(ls.totals))
		if err != nil {
			return err
		}
		for i := range ts {
			t := ts[i]
			st.merch.totals[t.TransferID] = &t
		}
	}
	return nil
}

// loadFees reads the profiles and fee schedules of the credited merchant
// wallets and locks their operators' fee accounts. A batch that credits no
// merchant wallet costs nothing here.
func loadFees(ctx context.Context, tx store.BatchTx, ls *lockSet, st *state) error {
	var wallets []int64
	ops := map[string]struct{}{}
	for id := range ls.credited {
		if a := st.accounts[id]; a != nil && a.Kind == ingot.AccountWallet && a.WalletKind == ingot.WalletMerchant {
			wallets = append(wallets, id)
			ops[a.OperatorID] = struct{}{}
		}
	}
	if len(wallets) == 0 {
		return nil
	}
	slices.Sort(wallets)
	ms, err := tx.Merchants(ctx, wallets)
	if err != nil {
		return err
	}
	for _, m := range ms {
		st.merch.profiles[m.Wallet] = m
	}
	fs, err := tx.FeeSchedules(ctx, sortedKeys(ops))
	if err != nil {
		return err
	}
	accounts := map[int64]struct{}{}
	for _, f := range fs {
		st.merch.fees[feeKey{f.OperatorID, f.Currency}] = f
		if f.Account != 0 && st.accounts[f.Account] == nil {
			accounts[f.Account] = struct{}{}
		}
	}
	if len(accounts) == 0 {
		return nil
	}
	as, err := tx.LockAccounts(ctx, sortedKeys(accounts))
	if err != nil {
		return err
	}
	for i := range as {
		a := as[i]
		st.accounts[a.ID] = &a
	}
	return nil
}

// writeMerchant adds the batch's merchant rows to w.
func (s *state) writeMerchant(w *store.BatchWrite) {
	m := &s.merch
	for _, id := range sortedKeys(m.touchedReqs) {
		w.Merchant.PaymentRequests = append(w.Merchant.PaymentRequests, *m.requests[id])
	}
	for _, h := range sortedKeys(m.touchedCodes) {
		w.Merchant.PaymentCodes = append(w.Merchant.PaymentCodes, *m.codes[h])
	}
	for _, id := range sortedKeys(m.touchedTots) {
		w.Merchant.RefundTotals = append(w.Merchant.RefundTotals, *m.totals[id])
	}
	w.Merchant.Refunds = append(w.Merchant.Refunds, m.refunds...)
	w.Merchant.NewPaymentRequests = append(w.Merchant.NewPaymentRequests, m.newRequests...)
}

// setRequest changes a payment request, journaled.
func (s *state) setRequest(r *ingot.PaymentRequest, f func(*ingot.PaymentRequest)) {
	old := *r
	s.onUndo(func() { *r = old })
	f(r)
	r.UpdatedAt = s.now
	s.merch.touchedReqs[r.ID] = struct{}{}
}

// chargeFee makes a merchant payee pay its operator's fee for a payment it
// received (in the batch: a "fee" transfer to the operator's fee account),
// and notes the fee on the payment. Person-to-person payments are free: a
// payee that is not a merchant wallet, or whose operator has no schedule in
// the currency, pays nothing.
func (s *state) chargeFee(t *ingot.Transfer, payee *ingot.Account) error {
	if payee.WalletKind != ingot.WalletMerchant {
		return nil
	}
	f, ok := s.merch.fees[feeKey{payee.OperatorID, t.Currency}]
	if !ok {
		return nil
	}
	fee := feeOf(f, s.merch.profiles[payee.ID].MCC, t.Amount)
	if fee == 0 {
		return nil
	}
	acc := s.accounts[f.Account]
	if acc == nil || acc.Kind != ingot.AccountFee {
		return ingot.Errorf(ingot.CodeInternal, "the fee account of operator %s is not locked", payee.OperatorID)
	}
	if _, err := s.move(ingot.KindFee, payee, acc, fee, t.Currency, "fee for "+t.ID, ""); err != nil {
		return err
	}
	t.Fee = fee
	return nil
}

// feeOf is a schedule's fee for an amount: the merchant category's rate or
// the schedule's, in basis points, rounded half up, at least Min and at
// most Max (when set), never more than the amount.
func feeOf(f ingot.FeeSchedule, mcc string, amount int64) int64 {
	rate := f.RateBPS
	if r, ok := f.MCCRates[mcc]; ok && mcc != "" {
		rate = r
	}
	r := int64(rate) // at most 10,000: split so that amount*rate never overflows
	fee := amount/10000*r + (amount%10000*r+5000)/10000
	if f.Min > 0 && fee < f.Min {
		fee = f.Min
	}
	if f.Max > 0 && fee > f.Max {
		fee = f.Max
	}
	return min(fee, amount)
}
