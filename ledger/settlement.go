package ledger

import (
	"context"
	"crypto/sha256"
	"slices"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Settlement: a merchant's balance above what it keeps goes to its linked
// bank account once a day, at midnight in the configured zone. The sweep is
// an engine batch (cmd_settle.go) under the idempotency key of the wallet
// and the day, so of every process that finds a day due, one settles it and
// the others replay; the bank side is a bank operation like any withdrawal
// (driven now, and by the bank processor until the bank answers).

// SettlementRequest is a merchant's settlement as the API takes it:
// BankAccountID "" is the wallet's only linked account.
type SettlementRequest struct {
	Sweep         string
	Keep          string
	BankAccountID string
}

// SetSettlement sets one of the operator's merchant wallets' settlement.
// The first day settled is today (at the coming midnight).
func (s *Service) SetSettlement(ctx context.Context, a ingot.Actor, walletID string, r SettlementRequest) (ingot.Settlement, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return ingot.Settlement{}, err
	}
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return ingot.Settlement{}, err
	}
	if w.WalletKind != ingot.WalletMerchant {
		return ingot.Settlement{}, ingot.Errorf(ingot.CodeInvalidRequest, "wallet %s is not a merchant's: only merchants settle", walletID)
	}
	if _, err := s.connector(); err != nil {
		return ingot.Settlement{}, err
	}
	st := ingot.Settlement{Wallet: w.ID, OperatorID: w.OperatorID, Sweep: ingot.SettlementSweep(r.Sweep), UpdatedAt: s.now()}
	if st.Sweep != ingot.SweepDaily && st.Sweep != ingot.SweepOff {
		return ingot.Settlement{}, ingot.Errorf(ingot.CodeInvalidRequest, "sweep must be daily or off")
	}
	if r.Keep != "" {
		if st.Keep, err = ingot.ParseAmount(r.Keep, ingot.MustCurrency(w.Currency)); err != nil {
			if z := strings.Trim(r.Keep, "0"); z != "" && z != "." {
				return ingot.Settlement{}, ingot.Prefix(err, "keep")
			}
			st.Keep = 0 // "0.00": keep nothing
		}
	}
	linked, err := s.st.WalletBankAccounts(ctx, w.ID)
	if err != nil {
		return ingot.Settlement{}, s.unavailable(ctx, err)
	}
	linked = slices.DeleteFunc(linked, func(b ingot.BankAccount) bool { return b.Removed })
	switch {
	case r.BankAccountID != "":
		if !slices.ContainsFunc(linked, func(b ingot.BankAccount) bool { return b.ID == r.BankAccountID }) {
			return ingot.Settlement{}, notFound("bank account " + r.BankAccountID)
		}
		st.BankAccount = r.BankAccountID
	case len(linked) == 1:
		st.BankAccount = linked[0].ID
	case st.Sweep == ingot.SweepDaily:
		return ingot.Settlement{}, ingot.Errorf(ingot.CodeInvalidRequest,
			"wallet %s has %d linked bank accounts: name the one to settle to in bank_account_id", walletID, len(linked))
	}
	prev, err := s.st.Settlement(ctx, w.ID)
	switch {
	case err == nil:
		st.LastDate = prev.LastDate
	case isNotFound(err):
		st.LastDate = s.today().AddDate(0, 0, -1).Format(time.DateOnly)
	default:
		return ingot.Settlement{}, s.unavailable(ctx, err)
	}
	if err := s.st.SetSettlement(ctx, st); err != nil {
		return ingot.Settlement{}, s.unavailable(ctx, err)
	}
	return st, nil
}

// Settlement reads a wallet's settlement (sweep off when none was set).
func (s *Service) Settlement(ctx context.Context, a ingot.Actor, walletID string) (ingot.Settlement, error) {
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return ingot.Settlement{}, err
	}
	st, err := s.st.Settlement(ctx, w.ID)
	if isNotFound(err) {
		return ingot.Settlement{Wallet: w.ID, OperatorID: w.OperatorID, Sweep: ingot.SweepOff}, nil
	}
	if err != nil {
		return ingot.Settlement{}, s.unavailable(ctx, err)
	}
	return st, nil
}

// today is the start of the current day in the zone.
func (s *Service) today() time.Time {
	y, m, d := s.now().In(s.zone()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, s.zone())
}

// NextSettlement is when a daily settlement next runs: the coming midnight.
func (s *Service) NextSettlement() time.Time { return s.today().AddDate(0, 0, 1) }

// settlementBatch is how many wallets one RunSettlements call looks at.
const settlementBatch = 100

// RunSettlements settles the day that ended at the last midnight for the
// wallets due, up to settlementBatch; it returns how many it looked at.
// The bank processor calls it on each round.
func (s *Service) RunSettlements(ctx context.Context) (int, error) {
	if s.bank == nil {
		return 0, nil
	}
	date := s.today().AddDate(0, 0, -1).Format(time.DateOnly)
	due, err := s.st.DueSettlements(ctx, date, settlementBatch)
	if err != nil {
		return 0, s.unavailable(ctx, err)
	}
	for _, st := range due {
		if err := s.settle1(ctx, st, date); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// settle1 settles one wallet's day; a refused sweep (a frozen wallet, an
// unlinked account) skips the day, which is logged.
func (s *Service) settle1(ctx context.Context, st ingot.Settlement, date string) error {
	w, err := s.st.Account(ctx, st.Wallet)
	if err != nil {
		return s.unavailable(ctx, err)
	}
	reserve, err := s.account(ctx, ingot.AccountReserve, w.OperatorID, w.Currency)
	if err != nil {
		return err
	}
	key := "settlement " + ingot.FormatWalletID(w.ID) + " " + date
	h := sha256.Sum256([]byte(key))
	idem := &Idem{IdemKey: ingot.IdemKey{Scope: "ingot:settlement", Key: key}, Hash: h[:]}
	op := s.newBankOp(w, ingot.BankSweep, st.BankAccount, 0, idem)
	actor := ingot.Actor{Role: ingot.RoleOperator, OperatorID: w.OperatorID}
	m, err := submit(ctx, s.eng, actor, command[*BankMove](&settleCmd{wallet: w.ID, reserve: reserve, keep: st.Keep, date: date, op: op}), idem)
	switch {
	case err != nil && ingot.ErrorCode(err) == ingot.CodeUnavailable:
		return err
	case err != nil:
		s.log.WarnContext(ctx, "settlement refused; the day is skipped", "wallet", ingot.FormatWalletID(w.ID), "date", date, "code", ingot.ErrorCode(err))
	case m.Op != nil && !idem.Replayed:
		if _, err := s.driveBankOp(ctx, *m.Op); err != nil {
			s.log.WarnContext(ctx, "settlement: the bank did not answer; the processor retries", "op", m.Op.ID, "err", err)
		}
	}
	if err := s.st.SettlementDone(ctx, w.ID, date); err != nil {
		return s.unavailable(ctx, err)
	}
	return nil
}
