package ledger

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/bank"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
)

// The service side of bank accounts and bank operations.
//
// A top-up (or a reverse waterfall's pull) is first recorded as a pending
// operation, then the bank is debited with the operation's id as
// reference, then the engine credits the wallet and marks the operation
// completed in one batch. A withdrawal goes the other way: the engine
// debits the wallet and records the pending operation in one batch, then
// the bank is credited, then the operation is completed (or, refused,
// refunded and failed in one batch). An outcome that is not learned (a
// timeout, a crash in between) leaves the operation pending; the processor
// (RunBankProcessor) calls the bank again with the same reference, which
// the bank applies at most once, and settles it. Settling checks the
// operation's state on its locked row: only pending becomes completed or
// failed, once.

// BankOptions tune the bank operations' processing.
type BankOptions struct {
	// Grace is how long the processor leaves a new operation to the
	// request that made it; default 30s.
	Grace time.Duration
	// RetryBase is the first retry's delay, doubled per attempt up to
	// RetryMax; defaults 1s and 5m.
	RetryBase, RetryMax time.Duration
	// Lease is how long a claimed operation is the claimer's; default 1m.
	Lease time.Duration
	// CallTimeout bounds one bank call; default 30s.
	CallTimeout time.Duration
}

type bankSide struct {
	conn bank.Connector
	opt  BankOptions
}

// WithBank gives the service its bank connector. Without one, bank
// accounts cannot be linked and bank operations are refused.
func (s *Service) WithBank(c bank.Connector, opt BankOptions) *Service {
	if opt.Grace == 0 {
		opt.Grace = 30 * time.Second
	}
	if opt.Grace < 0 {
		opt.Grace = 0
	}
	if opt.RetryBase <= 0 {
		opt.RetryBase = time.Second
	}
	if opt.RetryMax <= 0 {
		opt.RetryMax = 5 * time.Minute
	}
	if opt.Lease <= 0 {
		opt.Lease = time.Minute
	}
	if opt.CallTimeout <= 0 {
		opt.CallTimeout = 30 * time.Second
	}
	s.bank = &bankSide{conn: c, opt: opt}
	return s
}

var errNoBank = ingot.Errorf(ingot.CodeUnavailable, "no bank connector is configured on this server")

func (s *Service) connector() (*bankSide, error) {
	if s.bank == nil || s.bank.conn == nil {
		return nil, errNoBank
	}
	return s.bank, nil
}

// LinkRequest is a bank account to link.
type LinkRequest struct {
	BankCode, AccountNumber, HolderName string
}

var (
	bankCodeRe      = regexp.MustCompile(`^[A-Z0-9]{2,16}$`)
	accountNumberRe = regexp.MustCompile(`^[A-Z0-9]{4,34}$`)
)

// NormalizeBankAccount is the form in which bank codes and account
// numbers are verified, hashed and sent to the bank: upper case, no spaces.
func NormalizeBankAccount(code, number string) bank.Account {
	return bank.Account{BankCode: strings.ToUpper(strings.TrimSpace(code)), Number: strings.ToUpper(strings.Join(strings.Fields(number), ""))}
}

// lookup hash kind of bank account numbers.
const kindBankAccount = "bank_account"

// LinkBankAccount verifies an account with the bank (it exists, is open,
// is in the wallet's currency and held by holder_name) and links it: the
// number and the name are stored sealed, with a keyed hash of the number;
// the wallet's evidence (bank account linked) and, when it has none, its
// sweep account are set in the same batch.
func (s *Service) LinkBankAccount(ctx context.Context, a ingot.Actor, walletID string, r LinkRequest, idem *Idem) (*ingot.BankAccount, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	b, err := s.connector()
	if err != nil {
		return nil, err
	}
	acct := NormalizeBankAccount(r.BankCode, r.AccountNumber)
	code, number := acct.BankCode, acct.Number
	if !bankCodeRe.MatchString(code) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "bank_code must be 2-16 letters or digits")
	}
	if !accountNumberRe.MatchString(number) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "account_number must be 4-34 letters or digits")
	}
	if err := checkName("holder_name", r.HolderName, 200); err != nil {
		return nil, err
	}
	if s.pii == nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "no data key: personal data cannot be stored")
	}
	ba := ingot.BankAccount{ID: newID(), BankCode: code, NumberHash: s.pii.LookupHash(kindBankAccount, code+"/"+number)}
	cctx, cancel := context.WithTimeout(ctx, b.opt.CallTimeout)
	err = b.conn.Verify(cctx, ba.ID, bank.Account{BankCode: code, Number: number}, strings.TrimSpace(r.HolderName), w.Currency)
	cancel()
	if rf, ok := bank.AsRefusal(err); ok {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "the bank did not verify the account: %s", rf.Code)
	} else if err != nil {
		s.log.WarnContext(ctx, "bank verify failed", "err", err)
		return nil, ingot.Errorf(ingot.CodeUnavailable, "the bank did not answer; retry with the same Idempotency-Key")
	}
	if ba.AccountNumber, err = s.sealPII("bank_account_number", w.ID, number); err != nil {
		return nil, err
	}
	if ba.HolderName, err = s.sealPII("bank_holder_name", w.ID, strings.TrimSpace(r.HolderName)); err != nil {
		return nil, err
	}
	return submit(ctx, s.eng, a, &linkBankCmd{wallet: w.ID, account: ba}, idem)
}

// UnlinkBankAccount unlinks a bank account; the wallet's last one only
// when its tier does not need one (tiers 2 and 1 do: conflict).
func (s *Service) UnlinkBankAccount(ctx context.Context, a ingot.Actor, walletID, id string, idem *Idem) (*ingot.BankAccount, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	return submit(ctx, s.eng, a, &unlinkBankCmd{wallet: w.ID, account: id}, idem)
}

// BankAccounts lists a wallet's linked bank accounts.
func (s *Service) BankAccounts(ctx context.Context, a ingot.Actor, walletID string) ([]ingot.BankAccount, error) {
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	bas, err := s.st.WalletBankAccounts(ctx, w.ID)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return bas, nil
}

// RevealBankAccount opens a bank account's sealed number and holder name
// in place, for masking in an answer.
func (s *Service) RevealBankAccount(b *ingot.BankAccount) error {
	if s.pii == nil {
		return ingot.Errorf(ingot.CodeInternal, "no data key: personal data cannot be read")
	}
	for _, f := range []struct {
		column string
		v      *string
	}{{"bank_account_number", &b.AccountNumber}, {"bank_holder_name", &b.HolderName}} {
		if !pii.IsSealed(*f.v) {
			continue
		}
		v, err := s.pii.Open(*f.v, f.column+":"+itoa(b.Wallet))
		if err != nil {
			return errors.New("ledger: a bank account field does not open with the data key: " + f.column)
		}
		*f.v = v
	}
	return nil
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// BankOperation reads one of the operator's bank operations.
func (s *Service) BankOperation(ctx context.Context, a ingot.Actor, id string) (ingot.BankOperation, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return ingot.BankOperation{}, err
	}
	op, err := s.st.BankOperation(ctx, id)
	if err == nil && !s.ownsWallet(ctx, a, op.OperatorID, op.Wallet) {
		err = store.ErrNotFound
	}
	if isNotFound(err) {
		return ingot.BankOperation{}, notFound("bank operation " + id)
	}
	if err != nil {
		return ingot.BankOperation{}, s.unavailable(ctx, err)
	}
	return op, nil
}

// ownsWallet reports whether the actor owns a wallet of an operator: an
// operator by the operator alone, a holder by reading the wallet.
func (s *Service) ownsWallet(ctx context.Context, a ingot.Actor, operatorID string, wallet int64) bool {
	if a.Role == ingot.RoleOperator {
		return a.OperatorID != "" && a.OperatorID == operatorID
	}
	w, err := s.st.Account(ctx, wallet)
	return err == nil && a.Owns(&w)
}

// BankFund tops a wallet up from a linked bank account (withdraw false) or
// withdraws to one. The answer is the operation: completed, failed (the
// bank refused; nothing moved, or the wallet was refunded), or pending
// (the bank's answer is not known yet; the processor finishes it).
//
// A holder's withdrawal needs approval (sca.go): approval names the
// approval the request carries, "" none.
func (s *Service) BankFund(ctx context.Context, a ingot.Actor, walletID, amount, bankAccountID string, withdraw bool, approval string, idem *Idem) (*ingot.BankOperation, error) {
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	if _, err := s.connector(); err != nil {
		return nil, err
	}
	cur := ingot.MustCurrency(w.Currency)
	v, err := ingot.ParseAmount(amount, cur)
	if err != nil {
		return nil, err
	}
	ba, err := s.st.BankAccount(ctx, bankAccountID)
	if isNotFound(err) || (err == nil && (ba.Wallet != w.ID || ba.Removed)) {
		return nil, notFound("bank account " + bankAccountID)
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	reserve, err := s.account(ctx, ingot.AccountReserve, w.OperatorID, cur.Code)
	if err != nil {
		return nil, err
	}
	kind := ingot.BankTopUp
	if withdraw {
		kind = ingot.BankWithdraw
	}
	return s.startBankOp(ctx, a, w, reserve, kind, ba.ID, v, approval, idem)
}

func (s *Service) newBankOp(w ingot.Account, kind ingot.BankOpKind, baID string, v int64, idem *Idem) ingot.BankOperation {
	now := s.now()
	op := ingot.BankOperation{ID: newID(), OperatorID: w.OperatorID, Wallet: w.ID, BankAccount: baID, Kind: kind,
		Amount: v, Currency: w.Currency, Status: ingot.BankPending, NextAttempt: now.Add(s.bank.opt.Grace),
		CreatedAt: now, UpdatedAt: now}
	if idem != nil {
		op.Idem = idem.IdemKey
	}
	return op
}

func (s *Service) startBankOp(ctx context.Context, a ingot.Actor, w ingot.Account, reserve int64, kind ingot.BankOpKind, baID string, v int64, approval string, idem *Idem) (*ingot.BankOperation, error) {
	op := s.newBankOp(w, kind, baID, v, idem)
	if kind.Credits() {
		// The wallet's side first, with the operation, in one batch.
		var c command[*BankMove] = &bankWithdrawCmd{wallet: w.ID, reserve: reserve, op: op}
		m, err := submitGated(ctx, s, a, c, scaGate{payer: w.ID, payee: "bank:" + baID, amount: v, currency: w.Currency, authorization: approval}, idem)
		if err != nil {
			return nil, err
		}
		if idem != nil && idem.Replayed {
			return s.currentBankOp(ctx, *m.Op)
		}
		return s.driveBankOp(ctx, *m.Op)
	}
	if w.Status != ingot.StatusActive {
		return nil, canSend(&w)
	}
	rec, err := s.outcomeRecord(idem, &op)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateBankOperation(ctx, op, rec)
	stored, err := created(ctx, s, &op, existing, err, idem)
	if err != nil {
		return nil, err
	}
	if existing != nil {
		return s.currentBankOp(ctx, *stored)
	}
	return s.driveBankOp(ctx, op)
}

// currentBankOp answers a repeated request with its operation's current
// state (not the state it had when first answered).
func (s *Service) currentBankOp(ctx context.Context, op ingot.BankOperation) (*ingot.BankOperation, error) {
	cur, err := s.st.BankOperation(ctx, op.ID)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return &cur, nil
}

// driveBankOp calls the bank for a pending operation and settles it by the
// answer; an unknown answer leaves it pending, to be retried. It returns
// the operation as it stands afterwards.
func (s *Service) driveBankOp(ctx context.Context, op ingot.BankOperation) (*ingot.BankOperation, error) {
	b := s.bank
	ba, err := s.st.BankAccount(ctx, op.BankAccount)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	if err := s.RevealBankAccount(&ba); err != nil {
		return nil, err
	}
	acct := bank.Account{BankCode: ba.BankCode, Number: ba.AccountNumber}
	cctx, cancel := context.WithTimeout(ctx, b.opt.CallTimeout)
	if op.Kind.Credits() {
		err = b.conn.Credit(cctx, op.ID, acct, op.Amount, op.Currency)
	} else {
		err = b.conn.Debit(cctx, op.ID, acct, op.Amount, op.Currency)
	}
	cancel()
	var settleErr error
	if rf, ok := bank.AsRefusal(err); ok {
		settleErr = s.settle(ctx, op, ingot.BankFailed, rf.Code+": "+rf.Detail)
	} else if err != nil {
		s.retryLater(ctx, op, "bank: "+err.Error())
	} else {
		settleErr = s.settle(ctx, op, ingot.BankCompleted, "")
	}
	if settleErr != nil && err == nil && !op.Kind.Credits() && isRuleRefusal(settleErr) {
		// The bank has debited, but a ledger rule refuses the credit (the
		// wallet was frozen or closed meanwhile, or is at its limit): give
		// the money back to the bank, so that both sides are as they were,
		// then fail the operation. The return is idempotent by its own
		// reference; an unknown answer is retried like any call.
		settleErr = s.returnDebit(ctx, op, acct, settleErr)
	}
	if settleErr != nil {
		// Left pending: the processor settles it later.
		if ingot.ErrorCode(settleErr) != ingot.CodeUnavailable {
			s.retryLater(ctx, op, "ledger: "+settleErr.Error())
		}
	}
	cur, err := s.st.BankOperation(ctx, op.ID)
	if err != nil {
		// The operation stands; only reading it back failed.
		cur = op
	}
	return &cur, nil
}

// isRuleRefusal reports a definite refusal by a ledger rule, as opposed to
// a storage failure or a bug.
func isRuleRefusal(err error) bool {
	switch ingot.ErrorCode(err) {
	case ingot.CodeUnavailable, ingot.CodeInternal:
		return false
	}
	return true
}

// returnDebit credits a debited amount back to the bank account (reference
// "<op id>:return") and fails the operation.
func (s *Service) returnDebit(ctx context.Context, op ingot.BankOperation, acct bank.Account, refusal error) error {
	cctx, cancel := context.WithTimeout(ctx, s.bank.opt.CallTimeout)
	err := s.bank.conn.Credit(cctx, op.ID+":return", acct, op.Amount, op.Currency)
	cancel()
	if err != nil {
		return fmt.Errorf("returning the debit to the bank: %w (the ledger refused the credit: %v)", err, refusal)
	}
	return s.settle(ctx, op, ingot.BankFailed, "the ledger refused the credit ("+refusal.Error()+"); the debit was returned to the bank")
}

func (s *Service) settle(ctx context.Context, op ingot.BankOperation, outcome ingot.BankOpStatus, reason string) error {
	reserve, err := s.account(ctx, ingot.AccountReserve, op.OperatorID, op.Currency)
	if err != nil {
		return err
	}
	_, err = submit(ctx, s.eng, ingot.Actor{}, &settleBankCmd{op: op.ID, reserve: reserve, wallet: op.Wallet, outcome: outcome, reason: reason}, nil)
	return err
}

func (s *Service) retryLater(ctx context.Context, op ingot.BankOperation, reason string) {
	d := s.bank.opt.RetryBase
	for i := 1; i < op.Attempts && d < s.bank.opt.RetryMax; i++ {
		d *= 2
	}
	d = min(d, s.bank.opt.RetryMax)
	if err := s.st.RetryBankOperation(ctx, op.ID, reason, s.now().Add(d)); err != nil {
		s.log.WarnContext(ctx, "bank operation: recording a retry failed", "op", op.ID, "err", err)
	}
}

// ProcessBankOps drives the pending bank operations that are due: it
// claims them (so that other processes leave them alone meanwhile), calls
// the bank again with the same reference and settles them. It returns how
// many it claimed.
func (s *Service) ProcessBankOps(ctx context.Context) (int, error) {
	b, err := s.connector()
	if err != nil {
		return 0, err
	}
	now := s.now()
	ops, err := s.st.ClaimBankOperations(ctx, now, now.Add(b.opt.Lease), 100)
	if err != nil {
		return 0, err
	}
	for _, op := range ops {
		if _, err := s.driveBankOp(ctx, op); err != nil {
			s.log.WarnContext(ctx, "bank operation failed to progress", "op", op.ID, "err", err)
		}
	}
	return len(ops), nil
}

// RunBankProcessor processes pending bank operations at start (the
// reconciliation after a crash) and then every interval until ctx ends.
func (s *Service) RunBankProcessor(ctx context.Context, interval time.Duration) {
	if s.bank == nil {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			n, err := s.ProcessBankOps(ctx)
			if err != nil {
				s.log.WarnContext(ctx, "bank processor", "err", err)
			}
			if err != nil || n < 100 {
				break
			}
		}
		for { // settlement.go: the day that ended, once
			n, err := s.RunSettlements(ctx)
			if err != nil {
				s.log.WarnContext(ctx, "settlement", "err", err)
			}
			if err != nil || n < settlementBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// reverseWaterfall: a payment refused for insufficient funds, from a
// wallet that opted in and has a sweep account, pulls the shortfall from
// the bank first (a "pull" operation, as a bank top-up) and is retried
// once. The pulled money stays in the wallet if the payment then fails for
// another reason.
func (s *Service) reverseWaterfall(ctx context.Context, a ingot.Actor, it Item, approval string, idem *Idem, perr *ingot.Error) (*ingot.Transfer, error) {
	if s.bank == nil {
		return nil, perr
	}
	w, err := s.st.Account(ctx, it.From)
	if err != nil || !a.Owns(&w) || !w.ReverseWaterfall || w.SweepAccount == "" || w.Status != ingot.StatusActive {
		return nil, perr
	}
	short := it.Amount - w.Available()
	if short <= 0 {
		return nil, perr
	}
	// The pull is idempotent with the payment: a retry of the payment
	// with its key finds the pull it made (a newline never occurs in a
	// client's key).
	var pidem *Idem
	if idem != nil {
		pidem = &Idem{IdemKey: ingot.IdemKey{Scope: idem.Scope, Key: "pull\n" + idem.Key}, Hash: idem.Hash}
	}
	op := s.newBankOp(w, ingot.BankPull, w.SweepAccount, short, pidem)
	rec, err := s.outcomeRecord(pidem, &op)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateBankOperation(ctx, op, rec)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	var cur *ingot.BankOperation
	if existing != nil {
		var c ingot.BankOperation
		if c, err = s.st.BankOperationByIdem(ctx, pidem.IdemKey); err != nil {
			return nil, perr
		}
		cur = &c
	} else if cur, err = s.driveBankOp(ctx, op); err != nil {
		return nil, perr
	}
	if cur.Status != ingot.BankCompleted {
		cy := ingot.MustCurrency(w.Currency)
		return nil, ingot.Errorf(ingot.CodeInsufficientFunds, "%s; the pull of %s %s from the linked bank account is %s (bank operation %s)",
			perr.Detail, ingot.FormatAmount(cur.Amount, cy), w.Currency, cur.Status, cur.ID)
	}
	return submitGated(ctx, s, a, &payCmd{it}, payGate(it, approval), idem)
}
