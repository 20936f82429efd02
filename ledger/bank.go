package ledger

import (
	"context"
	"slices"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Bank accounts and bank operations inside the engine's batch: linking and
// unlinking (with the wallet's evidence and sweep account in the same
// step), the withdrawal that moves the wallet's money to the reserve and
// records the pending bank operation at once, the settlement of an
// operation (pending -> completed or failed, checked on the locked row, so
// that it happens once however many processes try), and the waterfall's
// sweep.

// Bank commands. Their values stay clear of the other commands'.
const (
	OpLinkBank     Op = 100 + iota // link a verified bank account to a wallet
	OpUnlinkBank                   // unlink one
	OpBankWithdraw                 // wallet -> reserve and a pending withdrawal operation
	OpBankSettle                   // a pending operation's bank side is known: complete or fail it
)

// BankCommand is the bank part of a Command.
type BankCommand struct {
	Account   *ingot.BankAccount   // OpLinkBank: sealed, verified
	AccountID string               // OpUnlinkBank
	Op        *ingot.BankOperation // OpBankWithdraw: the operation to record
	OpID      string               // OpBankSettle
	Outcome   ingot.BankOpStatus   // OpBankSettle: completed or failed
	Reason    string               // OpBankSettle: why it failed
}

// BankResult is the bank part of a Result.
type BankResult struct {
	Account *ingot.BankAccount
	Op      *ingot.BankOperation
}

// bankState is a batch's view of the bank accounts and operations its
// commands touch.
type bankState struct {
	accounts    map[int64][]ingot.BankAccount // wallet -> its linked accounts
	ops         map[string]*ingot.BankOperation
	newAccounts []ingot.BankAccount
	removed     []ingot.BankAccount
	newOps      []ingot.BankOperation
	touchedOps  map[string]struct{}
}

func (s *state) bk() *bankState {
	if s.bank == nil {
		s.bank = &bankState{accounts: map[int64][]ingot.BankAccount{}, ops: map[string]*ingot.BankOperation{}, touchedOps: map[string]struct{}{}}
	}
	return s.bank
}

// onUndo journals a function that undoes a change.
func (s *state) onUndo(fn func()) { s.journal = append(s.journal, undoEntry{fn: fn}) }

// loadBank reads, in the batch's transaction and after its accounts are
// locked, what the batch's bank commands need: the operations to settle
// (locked), the linked accounts of wallets that link or unlink, and the
// reserves of credited wallets that may sweep.
func (e *Engine) loadBank(ctx context.Context, tx store.BatchTx, batch []*request, st *state) error {
	var opIDs []string
	var wallets []int64
	credited := map[int64]struct{}{}
	for _, r := range batch {
		c := r.cmd
		if c.Bank != nil {
			if c.Bank.OpID != "" {
				opIDs = append(opIDs, c.Bank.OpID)
			}
			if c.Wallet != 0 {
				wallets = append(wallets, c.Wallet)
			}
			if c.Debit != 0 && c.Op == OpBankWithdraw {
				wallets = append(wallets, c.Debit)
			}
		}
		if c.Credit != 0 {
			credited[c.Credit] = struct{}{}
		}
		for _, it := range c.Items {
			credited[it.To] = struct{}{}
		}
	}
	b := st.bk()
	if len(opIDs) > 0 {
		slices.Sort(opIDs)
		ops, err := tx.LockBankOperations(ctx, slices.Compact(opIDs))
		if err != nil {
			return err
		}
		for i := range ops {
			o := ops[i]
			b.ops[o.ID] = &o
		}
	}
	if len(wallets) > 0 {
		slices.Sort(wallets)
		bas, err := tx.WalletBankAccounts(ctx, slices.Compact(wallets))
		if err != nil {
			return err
		}
		for _, ba := range bas {
			b.accounts[ba.Wallet] = append(b.accounts[ba.Wallet], ba)
		}
	}
	// The waterfall sweeps a credited wallet's excess through its
	// operator's reserve: lock it too, when not locked already.
	need := map[store.ReserveKey]struct{}{}
	for id := range credited {
		a := st.accounts[id]
		if a == nil || a.Kind != ingot.AccountWallet || a.SweepAccount == "" {
			continue
		}
		if st.reserveOf(a.OperatorID, a.Currency) == nil {
			need[store.ReserveKey{OperatorID: a.OperatorID, Currency: a.Currency}] = struct{}{}
		}
	}
	if len(need) > 0 {
		keys := make([]store.ReserveKey, 0, len(need))
		for k := range need {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(x, y store.ReserveKey) int {
			if x.OperatorID != y.OperatorID {
				if x.OperatorID < y.OperatorID {
					return -1
				}
				return 1
			}
			if x.Currency < y.Currency {
				return -1
			}
			if x.Currency > y.Currency {
				return 1
			}
			return 0
		})
		rs, err := tx.LockReserves(ctx, keys)
		if err != nil {
			return err
		}
		for i := range rs {
			a := rs[i]
			st.accounts[a.ID] = &a
		}
	}
	return nil
}

func (s *state) reserveOf(operatorID, currency string) *ingot.Account {
	for _, a := range s.accounts {
		if a.Kind == ingot.AccountReserve && a.OperatorID == operatorID && a.Currency == currency {
			return a
		}
	}
	return nil
}

// writeBank adds the batch's bank changes to w.
func (s *state) writeBank(w *store.BatchWrite) {
	if s.bank == nil {
		return
	}
	b := s.bank
	w.Bank.NewBankAccounts = b.newAccounts
	w.Bank.RemovedBankAccounts = b.removed
	w.Bank.NewBankOps = b.newOps
	ids := make([]string, 0, len(b.touchedOps))
	for id := range b.touchedOps {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		w.Bank.UpdatedBankOps = append(w.Bank.UpdatedBankOps, *b.ops[id])
	}
}

// addOp records a new bank operation.
func (s *state) addOp(op ingot.BankOperation) {
	b := s.bk()
	n := len(b.newOps)
	b.newOps = append(b.newOps, op)
	s.onUndo(func() { b.newOps = b.newOps[:n] })
}

// setOp changes a loaded operation.
func (s *state) setOp(op *ingot.BankOperation, f func(*ingot.BankOperation)) {
	b := s.bk()
	old := *op
	_, wasTouched := b.touchedOps[op.ID]
	s.onUndo(func() {
		*op = old
		if !wasTouched {
			delete(b.touchedOps, op.ID)
		}
	})
	f(op)
	op.UpdatedAt = s.now
	b.touchedOps[op.ID] = struct{}{}
}

func (s *state) setLinked(wallet int64, list []ingot.BankAccount) {
	b := s.bk()
	old, had := b.accounts[wallet]
	s.onUndo(func() {
		if had {
			b.accounts[wallet] = old
		} else {
			delete(b.accounts, wallet)
		}
	})
	b.accounts[wallet] = list
}

// canSweep reports whether a wallet's excess above its cap can go on to a
// linked bank account (the waterfall) rather than be refused.
func (s *state) canSweep(w *ingot.Account) bool {
	return w.SweepAccount != "" && s.reserveOf(w.OperatorID, w.Currency) != nil
}

// sweep moves a wallet's excess to its operator's reserve and records the
// pending bank operation that credits it to the wallet's sweep account.
func (s *state) sweep(w *ingot.Account, excess int64) *ingot.Error {
	reserve := s.reserveOf(w.OperatorID, w.Currency)
	t, err := s.move(ingot.KindSweep, w, reserve, excess, w.Currency, "waterfall to the linked bank account", "")
	if err != nil {
		return err
	}
	s.addOp(ingot.BankOperation{
		ID: uuid.Must(uuid.NewV7()).String(), OperatorID: w.OperatorID, Wallet: w.ID, BankAccount: w.SweepAccount,
		Kind: ingot.BankSweep, Amount: excess, Currency: w.Currency, Status: ingot.BankPending, TransferID: t.ID,
		NextAttempt: s.now, CreatedAt: s.now, UpdatedAt: s.now,
	})
	return nil
}

func (s *state) applyBank(c *Command) (*Result, error) {
	if c.Bank == nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "a bank command without its bank part")
	}
	switch c.Op {
	case OpLinkBank:
		return s.linkBank(c)
	case OpUnlinkBank:
		return s.unlinkBank(c)
	case OpBankWithdraw:
		return s.bankWithdraw(c)
	case OpBankSettle:
		return s.settleBank(c)
	}
	return nil, ingot.Errorf(ingot.CodeInternal, "unknown bank command %d", c.Op)
}

func (s *state) linkBank(c *Command) (*Result, error) {
	w, err := s.ownWallet(c.Wallet, c.Actor)
	if err != nil {
		return nil, err
	}
	if w.Status == ingot.StatusClosed {
		return nil, ingot.Errorf(ingot.CodeWalletClosed, "wallet %s is closed", ingot.FormatWalletID(w.ID))
	}
	if w.ParentID != 0 {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "wallet %s is a sub-wallet: it is funded by its parent %s and links no bank account of its own",
			ingot.FormatWalletID(w.ID), ingot.FormatWalletID(w.ParentID))
	}
	ba := *c.Bank.Account
	linked := s.bk().accounts[w.ID]
	for _, o := range linked {
		if string(o.NumberHash) == string(ba.NumberHash) {
			return nil, ingot.Errorf(ingot.CodeConflict, "this bank account is linked to the wallet already (%s)", o.ID)
		}
	}
	ba.Wallet, ba.OperatorID, ba.Currency = w.ID, w.OperatorID, w.Currency
	ba.CreatedAt, ba.UpdatedAt = s.now, s.now
	s.setLinked(w.ID, append(slices.Clone(linked), ba))
	b := s.bk()
	n := len(b.newAccounts)
	b.newAccounts = append(b.newAccounts, ba)
	s.onUndo(func() { b.newAccounts = b.newAccounts[:n] })
	s.save(w)
	w.Evidence.BankLinked = true
	if w.SweepAccount == "" {
		w.SweepAccount = ba.ID
	}
	ac := *w
	return &Result{Account: &ac, Bank: &BankResult{Account: &ba}}, nil
}

func (s *state) unlinkBank(c *Command) (*Result, error) {
	w, err := s.ownWallet(c.Wallet, c.Actor)
	if err != nil {
		return nil, err
	}
	linked := s.bk().accounts[w.ID]
	i := slices.IndexFunc(linked, func(b ingot.BankAccount) bool { return b.ID == c.Bank.AccountID })
	if i < 0 {
		return nil, notFound("bank account " + c.Bank.AccountID)
	}
	ba := linked[i]
	rest := slices.Delete(slices.Clone(linked), i, i+1)
	next := *w
	if len(rest) == 0 {
		if t := walletTier(w); t <= ingot.Tier2 {
			return nil, ingot.Errorf(ingot.CodeConflict, "tier %d needs a linked bank account: this is the wallet's last one; downgrade the wallet to tier 3 first", t)
		}
		next.Evidence.BankLinked, next.SweepAccount = false, ""
		if limit, name := s.limits.balanceCap(&next); limit > 0 && w.Balance > limit {
			cur, _ := ingot.LookupCurrency(w.Currency)
			return nil, ingot.Errorf(ingot.CodeLimitExceeded, "%s: without a linked bank account the wallet may hold %s, and it holds %s",
				name, ingot.FormatAmount(limit, cur), ingot.FormatAmount(w.Balance, cur))
		}
	} else if w.SweepAccount == ba.ID {
		next.SweepAccount = rest[0].ID
	}
	s.setLinked(w.ID, rest)
	ba.Removed, ba.UpdatedAt = true, s.now
	b := s.bk()
	n := len(b.removed)
	b.removed = append(b.removed, ba)
	s.onUndo(func() { b.removed = b.removed[:n] })
	s.save(w)
	w.Evidence.BankLinked, w.SweepAccount = next.Evidence.BankLinked, next.SweepAccount
	ac := *w
	return &Result{Account: &ac, Bank: &BankResult{Account: &ba}}, nil
}

func (s *state) bankWithdraw(c *Command) (*Result, error) {
	w, err := s.ownWallet(c.Debit, c.Actor)
	if err != nil {
		return nil, err
	}
	reserve := s.accounts[c.Credit]
	if reserve == nil || reserve.Kind != ingot.AccountReserve || reserve.OperatorID != c.Actor.OperatorID {
		return nil, notFound("reserve account")
	}
	op := *c.Bank.Op
	if !slices.ContainsFunc(s.bk().accounts[w.ID], func(b ingot.BankAccount) bool { return b.ID == op.BankAccount }) {
		return nil, notFound("bank account " + op.BankAccount)
	}
	t, err := s.move(ingot.KindWithdraw, w, reserve, c.Amount, c.Currency, c.Memo, "")
	if err != nil {
		return nil, err
	}
	op.TransferID, op.Status = t.ID, ingot.BankPending
	op.CreatedAt, op.UpdatedAt = s.now, s.now
	s.addOp(op)
	return &Result{Transfer: t, Bank: &BankResult{Op: &op}}, nil
}

// settleBank completes or fails a pending operation once its bank side is
// known. An operation that is not pending any more is answered as it is:
// settling is idempotent, so that a retry, a second process or the
// processor after a crash never applies it twice.
func (s *state) settleBank(c *Command) (*Result, error) {
	op := s.bk().ops[c.Bank.OpID]
	if op == nil || (c.Actor.OperatorID != "" && op.OperatorID != c.Actor.OperatorID) {
		return nil, notFound("bank operation " + c.Bank.OpID)
	}
	if op.Status != ingot.BankPending {
		oc := *op
		return &Result{Bank: &BankResult{Op: &oc}}, nil
	}
	w, reserve := s.accounts[op.Wallet], s.accounts[c.Debit]
	if w == nil || c.Credit != op.Wallet || reserve == nil || reserve.Kind != ingot.AccountReserve || reserve.OperatorID != op.OperatorID {
		return nil, ingot.Errorf(ingot.CodeInternal, "bank operation %s settled with the wrong accounts", op.ID)
	}
	var res Result
	switch c.Bank.Outcome {
	case ingot.BankCompleted:
		var transfer string
		if !op.Kind.Credits() {
			// The bank was debited: the wallet receives the money now.
			t, err := s.move(ingot.KindTopUp, reserve, w, op.Amount, op.Currency, "", "")
			if err != nil {
				return nil, err
			}
			transfer = t.ID
			res.Transfer = t
		}
		s.setOp(op, func(o *ingot.BankOperation) {
			o.Status, o.LastError = ingot.BankCompleted, ""
			if transfer != "" {
				o.TransferID = transfer
			}
		})
	case ingot.BankFailed:
		var refund string
		if op.Kind.Credits() {
			// The bank refused the credit: the money goes back.
			t, err := s.move(ingot.KindRefund, reserve, w, op.Amount, op.Currency, "bank operation "+op.ID+" refused", "")
			if err != nil {
				return nil, err
			}
			refund = t.ID
			res.Transfer = t
		}
		s.setOp(op, func(o *ingot.BankOperation) {
			o.Status, o.LastError, o.RefundTransferID = ingot.BankFailed, c.Bank.Reason, refund
		})
	default:
		return nil, ingot.Errorf(ingot.CodeInternal, "a bank operation settles as completed or failed")
	}
	oc := *op
	res.Bank = &BankResult{Op: &oc}
	return &res, nil
}
