package ledger

import (
	"math"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
)

// move is the one place where balances change: amount from debit to
// credit, as a new transfer of a kind. It runs every rule that holds for a
// transfer, as named steps:
//
//   - checkTransfer: both accounts exist, the amount is in range, two
//     accounts, one currency, neither frozen nor closed, no overdraft (only
//     the issuance account goes negative), no overflow;
//   - checkCredit: the payee's family and balance caps, and how much of
//     the credit the waterfall sweeps on to the bank;
//   - checkOutflow: the payer's single, daily and yearly limits, and its
//     family's when it is a sub-wallet;
//
// then it changes the balances and the outflow counters, journaled so that
// the engine can undo them, and sweeps the excess (bank.go).
func (s *state) move(kind ingot.TransferKind, debit, credit *ingot.Account, amount int64, currency, memo, holdID string) (*ingot.Transfer, error) {
	if err := checkTransfer(debit, credit, amount, currency); err != nil {
		return nil, err
	}
	cur := ingot.MustCurrency(currency)
	excess, err := s.checkCredit(kind, debit, credit, amount, cur)
	if err != nil {
		return nil, err
	}
	counts, err := s.checkOutflow(kind, debit, amount, cur)
	if err != nil {
		return nil, err
	}
	corridor, err := s.checkCrossBorder(kind, debit, credit, amount) // jurisdiction.go
	if err != nil {
		return nil, err
	}
	as, err := s.assess(kind, debit, credit, amount, currency) // risk.go
	if err != nil {
		return nil, err
	}
	if as != nil && s.reviewed {
		as.decision = risk.Decision{} // a reviewer released it: the rules are not asked again
	}
	if as != nil && !s.reviewed {
		if err := s.checkSpending(as, debit); err != nil { // spending.go: the payer's own rule first
			return nil, err
		}
		if as.decision.Action == risk.ActionReview && kind == ingot.KindPayment && !s.vouch.paying {
			return nil, s.holdForReview(as, debit, credit, amount, currency, memo) // reviews.go
		}
		if err := s.enforce(as, s.actor); err != nil {
			return nil, err
		}
	}
	s.save(debit)
	s.save(credit)
	debit.Balance -= amount
	credit.Balance += amount
	for _, a := range counts {
		if a != debit {
			s.save(a)
		}
		a.Outflow = a.Outflow.Add(amount, s.day, s.year)
	}
	s.countCorridor(corridor, amount)
	t := s.addTransfer(kind, debit, credit, amount, currency, memo, holdID)
	if kind == ingot.KindPayment || kind == ingot.KindCapture {
		t.Purpose = s.xb.purpose // withPurpose (jurisdiction.go)
	}
	if as != nil {
		if err := s.recordRisk(as, t, debit, credit); err != nil {
			return nil, err
		}
	}
	if kind == ingot.KindPayment || kind == ingot.KindCapture {
		s.emitTransfer(t, debit, credit) // events.go
	}
	if excess > 0 {
		if err := s.sweep(credit, excess); err != nil { // bank.go
			return nil, err
		}
	}
	return t, nil
}

// record makes a record (ingot.TransferKind.Record): a leaf of the
// transparency log for a decision that moved no money, between the two
// accounts it concerns, with their balances as they are.
func (s *state) record(kind ingot.TransferKind, debit, credit *ingot.Account, currency, memo, holdID string) *ingot.Transfer {
	return s.addTransfer(kind, debit, credit, 0, currency, memo, holdID)
}

// addTransfer adds the batch's next transfer, with the accounts' balances
// as they are now (after it).
func (s *state) addTransfer(kind ingot.TransferKind, debit, credit *ingot.Account, amount int64, currency, memo, holdID string) *ingot.Transfer {
	t := &ingot.Transfer{
		ID:            uuid.Must(uuid.NewV7()).String(),
		Kind:          kind,
		Debit:         debit.ID,
		Credit:        credit.ID,
		Amount:        amount,
		Currency:      currency,
		Memo:          memo,
		HoldID:        holdID,
		DebitBalance:  debit.Balance,
		CreditBalance: credit.Balance,
		CreatedAt:     s.now,
		LogIndex:      -1,
	}
	s.transfers = append(s.transfers, t)
	return t
}

// checkTransfer is the rule of every transfer, whatever its kind.
func checkTransfer(debit, credit *ingot.Account, amount int64, currency string) error {
	if debit == nil || credit == nil {
		return notFound("account")
	}
	if amount <= 0 || amount > ingot.MaxAmount {
		return ingot.Errorf(ingot.CodeInvalidAmount, "amount must be between 1 and %d minor units", ingot.MaxAmount)
	}
	if debit.ID == credit.ID {
		return ingot.Errorf(ingot.CodeSameAccount, "payer and payee are the same account")
	}
	if debit.Currency != currency || credit.Currency != currency {
		return ingot.Errorf(ingot.CodeCurrencyMismatch, "the transfer is in %s but the accounts are in %s and %s", currency, debit.Currency, credit.Currency)
	}
	if err := canSend(debit); err != nil {
		return err
	}
	if err := canSend(credit); err != nil {
		return err
	}
	if debit.Kind == ingot.AccountIssuance {
		if debit.Balance < math.MinInt64+amount {
			return ingot.Errorf(ingot.CodeBalanceOverflow, "issuance would overflow")
		}
	} else if err := checkFunds(debit, amount); err != nil {
		return err
	}
	if credit.Balance > math.MaxInt64-amount {
		return ingot.Errorf(ingot.CodeBalanceOverflow, "the payee's balance would overflow")
	}
	return nil
}

// checkFunds refuses to take more than an account's available balance.
func checkFunds(a *ingot.Account, amount int64) error {
	if a.Available() >= amount {
		return nil
	}
	cur := ingot.MustCurrency(a.Currency)
	return ingot.Errorf(ingot.CodeInsufficientFunds, "available balance %s %s is less than %s",
		ingot.FormatAmount(a.Available(), cur), a.Currency, ingot.FormatAmount(amount, cur))
}

// checkCredit is the payee's side of the tier rules: a wallet's family may
// not hold more than its tier's balance cap (checkFamilyBalance,
// subwallet.go), and a wallet may not hold more than its balance cap (the
// tier's or its holder's holding limit) — unless it links a bank account,
// when the excess is swept there instead (the waterfall). It returns that
// excess. A refund (money coming back), earmarked money on its way to
// the merchant it pays (voucher_use) and a device's money coming back to
// its wallet (offline_redeem) are never refused; an allocation between a
// wallet and its own sub-wallet is never swept. The money on a wallet's
// offline devices counts towards its caps (offlineOf).
func (s *state) checkCredit(kind ingot.TransferKind, debit, credit *ingot.Account, amount int64, cur ingot.Currency) (excess int64, _ error) {
	if credit.Kind != ingot.AccountWallet || kind == ingot.KindRefund || kind == ingot.KindVoucherUse || kind == ingot.KindOfflineRedeem {
		return 0, nil
	}
	if kind != ingot.KindAllocate {
		if err := s.checkFamilyBalance(debit, credit, amount, cur); err != nil {
			return 0, err
		}
	}
	limit, name := s.limits.balanceCap(credit)
	holds := credit.Balance + s.offlineOf(credit)
	if limit <= 0 || holds+amount <= limit {
		return 0, nil
	}
	if kind != ingot.KindAllocate && s.canSweep(credit) {
		return min(holds+amount-limit, credit.Balance+amount), nil
	}
	return 0, ingot.Errorf(ingot.CodeLimitExceeded, "%s: wallet %s would hold %s %s, above its %s of %s",
		name, ingot.FormatWalletID(credit.ID), ingot.FormatAmount(holds+amount, cur), cur.Code, name, ingot.FormatAmount(limit, cur))
}

// checkOutflow is the payer's side of the tier rules: a wallet's payments
// and captures count against its single, daily and yearly limits, and a
// sub-wallet's against its parent's too (a family is one holder). It
// returns the wallets whose outflow the transfer counts in; none for
// transfers that are not outflow (top-ups, withdrawals to the holder's own
// bank, allocations, sweeps).
func (s *state) checkOutflow(kind ingot.TransferKind, debit *ingot.Account, amount int64, cur ingot.Currency) ([]*ingot.Account, error) {
	if debit.Kind != ingot.AccountWallet || (kind != ingot.KindPayment && kind != ingot.KindCapture && kind != ingot.KindFXSell) {
		return nil, nil
	}
	if err := ingot.AsError(ingot.CheckOutflow(s.limits.For(debit), debit.Outflow, amount, s.day, s.year, cur)); err != nil {
		return nil, err
	}
	if debit.ParentID == 0 {
		return []*ingot.Account{debit}, nil
	}
	parent := s.accounts[debit.ParentID]
	if parent == nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "the parent of %s is not locked", ingot.FormatWalletID(debit.ID))
	}
	if err := ingot.AsError(ingot.CheckOutflow(s.limits.For(parent), parent.Outflow, amount, s.day, s.year, cur)); err != nil {
		return nil, ingot.Errorf(err.Code, "%s (the limits of wallet %s and its sub-wallets together)", err.Detail, ingot.FormatWalletID(parent.ID))
	}
	return []*ingot.Account{debit, parent}, nil
}
