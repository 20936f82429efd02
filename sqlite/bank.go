package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/bank"
	"github.com/ingot-cbdc/ingot/store"
)

// Bank accounts, bank operations and the sandbox bank (store/bank.go).

const bankAccountCols = `id, wallet, operator_id, bank_code, account_number, holder_name, number_hash, currency, removed, created_at, updated_at`

func scanBankAccount(sc scanner) (ingot.BankAccount, error) {
	var b ingot.BankAccount
	var created, updated int64
	err := sc.Scan(&b.ID, &b.Wallet, &b.OperatorID, &b.BankCode, &b.AccountNumber, &b.HolderName, &b.NumberHash,
		&b.Currency, &b.Removed, &created, &updated)
	b.CreatedAt, b.UpdatedAt = fromMicros(created), fromMicros(updated)
	return b, err
}

func collectBankAccounts(rows *sql.Rows, err error) ([]ingot.BankAccount, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ingot.BankAccount
	for rows.Next() {
		b, err := scanBankAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

const bankOpCols = `id, operator_id, wallet, bank_account, kind, amount, currency, status, transfer_id, refund_transfer_id,
	attempts, last_error, next_attempt, claimed_until, idem_scope, idem_key, created_at, updated_at`

func scanBankOp(sc scanner) (ingot.BankOperation, error) {
	var o ingot.BankOperation
	var kind, status string
	var next, claimed, created, updated int64
	err := sc.Scan(&o.ID, &o.OperatorID, &o.Wallet, &o.BankAccount, &kind, &o.Amount, &o.Currency, &status,
		&o.TransferID, &o.RefundTransferID, &o.Attempts, &o.LastError, &next, &claimed, &o.Idem.Scope, &o.Idem.Key, &created, &updated)
	o.Kind, o.Status = ingot.BankOpKind(kind), ingot.BankOpStatus(status)
	o.NextAttempt, o.ClaimedUntil, o.CreatedAt, o.UpdatedAt = fromMicros(next), fromMicros(claimed), fromMicros(created), fromMicros(updated)
	return o, err
}

func collectBankOps(rows *sql.Rows, err error) ([]ingot.BankOperation, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ingot.BankOperation
	for rows.Next() {
		o, err := scanBankOp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func insertBankOp(ctx context.Context, q querier, o *ingot.BankOperation) error {
	_, err := q.ExecContext(ctx, `INSERT INTO bank_operations (`+bankOpCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.OperatorID, o.Wallet, o.BankAccount, string(o.Kind), o.Amount, o.Currency, string(o.Status), o.TransferID,
		o.RefundTransferID, o.Attempts, o.LastError, micros(o.NextAttempt), micros(o.ClaimedUntil), o.Idem.Scope, o.Idem.Key,
		micros(o.CreatedAt), micros(o.UpdatedAt))
	return err
}

// BankAccount reads a bank account.
func (s *Store) BankAccount(ctx context.Context, id string) (ingot.BankAccount, error) {
	b, err := scanBankAccount(s.r.QueryRowContext(ctx, `SELECT `+bankAccountCols+` FROM bank_accounts WHERE id = ?`, id))
	if err != nil {
		return ingot.BankAccount{}, notFound(err, "bank account")
	}
	return b, nil
}

// WalletBankAccounts lists a wallet's linked accounts.
func (s *Store) WalletBankAccounts(ctx context.Context, wallet int64) ([]ingot.BankAccount, error) {
	out, err := collectBankAccounts(s.r.QueryContext(ctx, `SELECT `+bankAccountCols+` FROM bank_accounts
		WHERE wallet = ? AND removed = 0 ORDER BY id`, wallet))
	if err != nil {
		return nil, fmt.Errorf("sqlite: wallet bank accounts: %w", err)
	}
	return out, nil
}

// CreateBankOperation stores a new operation with idem.
func (s *Store) CreateBankOperation(ctx context.Context, op ingot.BankOperation, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "create bank operation", idem, func(tx *sql.Tx) error {
		if err := insertBankOp(ctx, tx, &op); err != nil {
			if isUnique(err) {
				return store.ErrConflict
			}
			return fmt.Errorf("sqlite: create bank operation: %w", err)
		}
		return nil
	})
}

// BankOperation reads an operation.
func (s *Store) BankOperation(ctx context.Context, id string) (ingot.BankOperation, error) {
	o, err := scanBankOp(s.r.QueryRowContext(ctx, `SELECT `+bankOpCols+` FROM bank_operations WHERE id = ?`, id))
	if err != nil {
		return ingot.BankOperation{}, notFound(err, "bank operation")
	}
	return o, nil
}

// BankOperationByIdem finds the operation made by a request.
func (s *Store) BankOperationByIdem(ctx context.Context, k ingot.IdemKey) (ingot.BankOperation, error) {
	o, err := scanBankOp(s.r.QueryRowContext(ctx, `SELECT `+bankOpCols+` FROM bank_operations
		WHERE idem_scope = ? AND idem_key = ? AND idem_key <> ''`, k.Scope, k.Key))
	if err != nil {
		return ingot.BankOperation{}, notFound(err, "bank operation by idempotency key")
	}
	return o, nil
}

// ClaimBankOperations claims due pending operations (the writer's
// transaction holds the database's write lock).
func (s *Store) ClaimBankOperations(ctx context.Context, now, until time.Time, limit int) ([]ingot.BankOperation, error) {
	var out []ingot.BankOperation
	err := s.w.QueryContext(ctx, func(rows *sql.Rows, err error) error {
		out, err = collectBankOps(rows, err)
		return err
	}, `UPDATE bank_operations SET claimed_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM bank_operations WHERE status = 'pending' AND next_attempt <= ? AND claimed_until <= ?
			ORDER BY created_at, id LIMIT ?)
		RETURNING `+bankOpCols, micros(until), micros(now), micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim bank operations: %w", err)
	}
	return out, nil
}

// RetryBankOperation records a failed attempt.
func (s *Store) RetryBankOperation(ctx context.Context, id, lastError string, next time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE bank_operations SET last_error = ?, next_attempt = ?, claimed_until = 0
		WHERE id = ? AND status = 'pending'`, lastError, micros(next), id)
	if err != nil {
		return fmt.Errorf("sqlite: retry bank operation: %w", err)
	}
	return nil
}

var _ bank.SandboxStore = (*Store)(nil)

// SandboxOpen opens a sandbox deposit account.
func (s *Store) SandboxOpen(ctx context.Context, a bank.SandboxAccount) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO sandbox_bank_accounts (hash, bank_code, holder_name, currency, balance, closed, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, a.Hash, a.BankCode, a.HolderName, a.Currency, a.Balance, a.Closed, micros(a.CreatedAt))
	if isUnique(err) {
		return store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlite: sandbox open: %w", err)
	}
	return nil
}

func scanSandbox(sc scanner) (bank.SandboxAccount, error) {
	var a bank.SandboxAccount
	var created int64
	err := sc.Scan(&a.Hash, &a.BankCode, &a.HolderName, &a.Currency, &a.Balance, &a.Closed, &created)
	a.CreatedAt = fromMicros(created)
	return a, err
}

const sandboxCols = `hash, bank_code, holder_name, currency, balance, closed, created_at`

// SandboxAccount reads a sandbox deposit account.
func (s *Store) SandboxAccount(ctx context.Context, hash []byte) (bank.SandboxAccount, error) {
	a, err := scanSandbox(s.r.QueryRowContext(ctx, `SELECT `+sandboxCols+` FROM sandbox_bank_accounts WHERE hash = ?`, hash))
	if err != nil {
		return bank.SandboxAccount{}, notFound(err, "sandbox account")
	}
	return a, nil
}

// SandboxPost posts an amount under a unique ref.
func (s *Store) SandboxPost(ctx context.Context, hash []byte, ref string, amount int64, now time.Time) (bank.SandboxEntry, bool, error) {
	tx, err := s.w.BeginTx(ctx)
	if err != nil {
		return bank.SandboxEntry{}, false, fmt.Errorf("sqlite: sandbox post: %w", err)
	}
	defer tx.Rollback()
	var e bank.SandboxEntry
	var created int64
	err = tx.QueryRowContext(ctx, `SELECT ref, hash, amount, created_at FROM sandbox_bank_entries WHERE ref = ?`, ref).
		Scan(&e.Ref, &e.Hash, &e.Amount, &created)
	if err == nil {
		e.CreatedAt = fromMicros(created)
		return e, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return bank.SandboxEntry{}, false, fmt.Errorf("sqlite: sandbox post: %w", err)
	}
	var balance int64
	if err := tx.QueryRowContext(ctx, `SELECT balance FROM sandbox_bank_accounts WHERE hash = ?`, hash).Scan(&balance); err != nil {
		return bank.SandboxEntry{}, false, notFound(err, "sandbox post")
	}
	if balance+amount < 0 {
		return bank.SandboxEntry{}, false, bank.ErrSandboxInsufficient
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sandbox_bank_accounts SET balance = balance + ? WHERE hash = ?`, amount, hash); err != nil {
		return bank.SandboxEntry{}, false, fmt.Errorf("sqlite: sandbox post: %w", err)
	}
	e = bank.SandboxEntry{Ref: ref, Hash: hash, Amount: amount, CreatedAt: now.UTC().Truncate(time.Microsecond)}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sandbox_bank_entries (ref, hash, amount, created_at) VALUES (?, ?, ?, ?)`,
		ref, hash, amount, micros(e.CreatedAt)); err != nil {
		return bank.SandboxEntry{}, false, fmt.Errorf("sqlite: sandbox post: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return bank.SandboxEntry{}, false, fmt.Errorf("sqlite: sandbox post: commit: %w", err)
	}
	return e, false, nil
}

// ---- in the batch ----

// LockBankOperations returns the operations among ids.
func (b *batchTx) LockBankOperations(ctx context.Context, ids []string) ([]ingot.BankOperation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(ids)
	if err != nil {
		return nil, err
	}
	out, err := collectBankOps(b.tx.QueryContext(ctx, `SELECT `+bankOpCols+` FROM bank_operations
		WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, arg))
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock bank operations: %w", err)
	}
	return out, nil
}

// WalletBankAccounts lists the linked accounts of wallets.
func (b *batchTx) WalletBankAccounts(ctx context.Context, wallets []int64) ([]ingot.BankAccount, error) {
	if len(wallets) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(wallets)
	if err != nil {
		return nil, err
	}
	out, err := collectBankAccounts(b.tx.QueryContext(ctx, `SELECT `+bankAccountCols+` FROM bank_accounts
		WHERE wallet IN (SELECT value FROM json_each(?)) AND removed = 0 ORDER BY id`, arg))
	if err != nil {
		return nil, fmt.Errorf("sqlite: batch wallet bank accounts: %w", err)
	}
	return out, nil
}

// LockReserves returns the existing reserves among keys.
func (b *batchTx) LockReserves(ctx context.Context, keys []store.ReserveKey) ([]ingot.Account, error) {
	var out []ingot.Account
	for _, k := range keys {
		a, err := scanAccount(b.tx.QueryRowContext(ctx, `SELECT `+accountCols+` FROM accounts
			WHERE kind = 'reserve' AND operator_id = ? AND currency = ?`, k.OperatorID, k.Currency))
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: lock reserves: %w", err)
		}
		out = append(out, a)
	}
	return out, nil
}

// WriteBank stores a batch's bank accounts and operations.
func (b *batchTx) WriteBank(ctx context.Context, w *store.BankWrite) error {
	for _, a := range w.NewBankAccounts {
		if _, err := b.tx.ExecContext(ctx, `INSERT INTO bank_accounts (`+bankAccountCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.Wallet, a.OperatorID, a.BankCode, a.AccountNumber, a.HolderName, a.NumberHash, a.Currency, a.Removed,
			micros(a.CreatedAt), micros(a.UpdatedAt)); err != nil {
			return fmt.Errorf("sqlite: write bank account: %w", err)
		}
	}
	for _, a := range w.RemovedBankAccounts {
		if _, err := b.tx.ExecContext(ctx, `UPDATE bank_accounts SET removed = ?, updated_at = ? WHERE id = ?`,
			a.Removed, micros(a.UpdatedAt), a.ID); err != nil {
			return fmt.Errorf("sqlite: remove bank account: %w", err)
		}
	}
	for i := range w.NewBankOps {
		if err := insertBankOp(ctx, b.tx, &w.NewBankOps[i]); err != nil {
			return fmt.Errorf("sqlite: write bank operation: %w", err)
		}
	}
	for _, o := range w.UpdatedBankOps {
		res, err := b.tx.ExecContext(ctx, `UPDATE bank_operations SET status = ?, transfer_id = ?, refund_transfer_id = ?,
			last_error = ?, updated_at = ? WHERE id = ?`, string(o.Status), o.TransferID, o.RefundTransferID, o.LastError, micros(o.UpdatedAt), o.ID)
		if err != nil {
			return fmt.Errorf("sqlite: update bank operation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("sqlite: update bank operation %s: %w", o.ID, store.ErrNotFound)
		}
	}
	return nil
}
