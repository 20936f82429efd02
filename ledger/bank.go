package ledger

import (
	"cmp"
	"context"
	"maps"
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

// loadBank reads, in the batch's transaction and after its accounts are
// locked, what the batch's bank commands need: the operations to settle
// (locked), the linked accounts of wallets that link, unlink or withdraw to
// their bank, and the reserves of credited wallets that may sweep.
func loadBank(ctx context.Context, tx store.BatchTx, ls *lockSet, st *state) error {
	b := st.bk()
	if len(ls.bankOps) > 0 {
		ops, err := tx.LockBankOperations(ctx, sortedKeys(ls.bankOps))
		if err != nil {
			return err
		}
		for i := range ops {
			o := ops[i]
			b.ops[o.ID] = &o
		}
	}
	if len(ls.linked) > 0 {
		bas, err := tx.WalletBankAccounts(ctx, sortedKeys(ls.linked))
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
	for id := range ls.credited {
		a := st.accounts[id]
		if a == nil || a.Kind != ingot.AccountWallet || a.SweepAccount == "" {
			continue
		}
		if st.reserveOf(a.OperatorID, a.Currency) == nil {
			need[store.ReserveKey{OperatorID: a.OperatorID, Currency: a.Currency}] = struct{}{}
		}
	}
	if len(need) == 0 {
		return nil
	}
	keys := slices.SortedFunc(maps.Keys(need), func(x, y store.ReserveKey) int {
		return cmp.Or(cmp.Compare(x.OperatorID, y.OperatorID), cmp.Compare(x.Currency, y.Currency))
	})
	rs, err := tx.LockReserves(ctx, keys)
	if err != nil {
		return err
	}
	for i := range rs {
		a := rs[i]
		st.accounts[a.ID] = &a
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
func (s *state) sweep(w *ingot.Account, excess int64) error {
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
