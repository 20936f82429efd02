package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/bank"
	"github.com/ingot-cbdc/ingot/store"
)

// Bank accounts, bank operations and the sandbox bank (store/bank.go).

const bankAccountCols = `id, wallet, operator_id, bank_code, account_number, holder_name, number_hash, currency, removed, created_at, updated_at`

func scanBankAccount(row pgx.Row) (ingot.BankAccount, error) {
	var b ingot.BankAccount
	err := row.Scan(&b.ID, &b.Wallet, &b.OperatorID, &b.BankCode, &b.AccountNumber, &b.HolderName, &b.NumberHash,
		&b.Currency, &b.Removed, &b.CreatedAt, &b.UpdatedAt)
	b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return b, err
}

func collectBankAccounts(rows pgx.Rows, err error) ([]ingot.BankAccount, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.BankAccount, error) { return scanBankAccount(row) })
}

const bankOpCols = `id, operator_id, wallet, bank_account, kind, amount, currency, status, transfer_id, refund_transfer_id,
	attempts, last_error, next_attempt, claimed_until, idem_scope, idem_key, created_at, updated_at`

func scanBankOp(row pgx.Row) (ingot.BankOperation, error) {
	var o ingot.BankOperation
	var kind, status string
	var attempts int32
	err := row.Scan(&o.ID, &o.OperatorID, &o.Wallet, &o.BankAccount, &kind, &o.Amount, &o.Currency, &status,
		&o.TransferID, &o.RefundTransferID, &attempts, &o.LastError, &o.NextAttempt, &o.ClaimedUntil, &o.Idem.Scope, &o.Idem.Key,
		&o.CreatedAt, &o.UpdatedAt)
	o.Kind, o.Status, o.Attempts = ingot.BankOpKind(kind), ingot.BankOpStatus(status), int(attempts)
	o.NextAttempt, o.ClaimedUntil, o.CreatedAt, o.UpdatedAt = o.NextAttempt.UTC(), o.ClaimedUntil.UTC(), o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return o, err
}

func collectBankOps(rows pgx.Rows, err error) ([]ingot.BankOperation, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.BankOperation, error) { return scanBankOp(row) })
}

// epoch stands for "never claimed".
var epoch = time.Unix(0, 0).UTC()

func notBefore(t time.Time) time.Time {
	if t.Before(epoch) {
		return epoch
	}
	return t
}

func insertBankOp(ctx context.Context, tx pgx.Tx, o *ingot.BankOperation) error {
	_, err := tx.Exec(ctx, `INSERT INTO bank_operations (`+bankOpCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		o.ID, o.OperatorID, o.Wallet, o.BankAccount, string(o.Kind), o.Amount, o.Currency, string(o.Status), o.TransferID,
		o.RefundTransferID, int32(o.Attempts), o.LastError, notBefore(o.NextAttempt), notBefore(o.ClaimedUntil), o.Idem.Scope, o.Idem.Key,
		o.CreatedAt, o.UpdatedAt)
	return err
}

// BankAccount reads a bank account.
func (s *Store) BankAccount(ctx context.Context, id string) (ingot.BankAccount, error) {
	b, err := scanBankAccount(s.pool.QueryRow(ctx, `SELECT `+bankAccountCols+` FROM bank_accounts WHERE id = $1`, id))
	if err != nil {
		return ingot.BankAccount{}, notFound(err, "bank account")
	}
	return b, nil
}

// WalletBankAccounts lists a wallet's linked accounts.
func (s *Store) WalletBankAccounts(ctx context.Context, wallet int64) ([]ingot.BankAccount, error) {
	out, err := collectBankAccounts(s.pool.Query(ctx, `SELECT `+bankAccountCols+` FROM bank_accounts
		WHERE wallet = $1 AND NOT removed ORDER BY id`, wallet))
	if err != nil {
		return nil, fmt.Errorf("postgres: wallet bank accounts: %w", err)
	}
	return out, nil
}

// CreateBankOperation stores a new operation with idem.
func (s *Store) CreateBankOperation(ctx context.Context, op ingot.BankOperation, idem *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, idem, func(tx pgx.Tx) error {
		err := insertBankOp(ctx, tx, &op)
		if isUniqueViolation(err) {
			return store.ErrConflict
		}
		if err != nil {
			return fmt.Errorf("postgres: create bank operation: %w", err)
		}
		return nil
	})
}

// BankOperation reads an operation.
func (s *Store) BankOperation(ctx context.Context, id string) (ingot.BankOperation, error) {
	o, err := scanBankOp(s.pool.QueryRow(ctx, `SELECT `+bankOpCols+` FROM bank_operations WHERE id = $1`, id))
	if err != nil {
		return ingot.BankOperation{}, notFound(err, "bank operation")
	}
	return o, nil
}

// BankOperationByIdem finds the operation made by a request.
func (s *Store) BankOperationByIdem(ctx context.Context, k ingot.IdemKey) (ingot.BankOperation, error) {
	o, err := scanBankOp(s.pool.QueryRow(ctx, `SELECT `+bankOpCols+` FROM bank_operations
		WHERE idem_scope = $1 AND idem_key = $2 AND idem_key <> ''`, k.Scope, k.Key))
	if err != nil {
		return ingot.BankOperation{}, notFound(err, "bank operation by idempotency key")
	}
	return o, nil
}

// ClaimBankOperations claims due pending operations; SKIP LOCKED lets
// several processes claim disjoint sets at once.
func (s *Store) ClaimBankOperations(ctx context.Context, now, until time.Time, limit int) ([]ingot.BankOperation, error) {
	out, err := collectBankOps(s.pool.Query(ctx, `UPDATE bank_operations SET claimed_until = $1, attempts = attempts + 1
		WHERE id IN (SELECT id FROM bank_operations WHERE status = 'pending' AND next_attempt <= $2 AND claimed_until <= $2
			ORDER BY created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING `+bankOpCols, until, now, limit))
	if err != nil {
		return nil, fmt.Errorf("postgres: claim bank operations: %w", err)
	}
	return out, nil
}

// RetryBankOperation records a failed attempt.
func (s *Store) RetryBankOperation(ctx context.Context, id, lastError string, next time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE bank_operations SET last_error = $1, next_attempt = $2, claimed_until = 'epoch'
		WHERE id = $3 AND status = 'pending'`, lastError, next, id)
	if err != nil {
		return fmt.Errorf("postgres: retry bank operation: %w", err)
	}
	return nil
}

const sandboxCols = `hash, bank_code, holder_name, currency, balance, closed, created_at`

var _ bank.SandboxStore = (*Store)(nil)

// SandboxOpen opens a sandbox deposit account.
func (s *Store) SandboxOpen(ctx context.Context, a bank.SandboxAccount) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sandbox_bank_accounts (`+sandboxCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		a.Hash, a.BankCode, a.HolderName, a.Currency, a.Balance, a.Closed, a.CreatedAt)
	if isUniqueViolation(err) {
		return store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("postgres: sandbox open: %w", err)
	}
	return nil
}

// SandboxAccount reads a sandbox deposit account.
func (s *Store) SandboxAccount(ctx context.Context, hash []byte) (bank.SandboxAccount, error) {
	var a bank.SandboxAccount
	err := s.pool.QueryRow(ctx, `SELECT `+sandboxCols+` FROM sandbox_bank_accounts WHERE hash = $1`, hash).
		Scan(&a.Hash, &a.BankCode, &a.HolderName, &a.Currency, &a.Balance, &a.Closed, &a.CreatedAt)
	if err != nil {
		return bank.SandboxAccount{}, notFound(err, "sandbox account")
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}

// SandboxPost posts an amount under a unique ref: the account row is locked
// first, so concurrent posts of one ref serialize and the second replays.
func (s *Store) SandboxPost(ctx context.Context, hash []byte, ref string, amount int64, now time.Time) (bank.SandboxEntry, bool, error) {
	var e bank.SandboxEntry
	replay := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var balance int64
		if err := tx.QueryRow(ctx, `SELECT balance FROM sandbox_bank_accounts WHERE hash = $1 FOR UPDATE`, hash).Scan(&balance); err != nil {
			return notFound(err, "sandbox post")
		}
		err := tx.QueryRow(ctx, `SELECT ref, hash, amount, created_at FROM sandbox_bank_entries WHERE ref = $1`, ref).
			Scan(&e.Ref, &e.Hash, &e.Amount, &e.CreatedAt)
		if err == nil {
			e.CreatedAt = e.CreatedAt.UTC()
			replay = true
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: sandbox post: %w", err)
		}
		if balance+amount < 0 {
			return bank.ErrSandboxInsufficient
		}
		if _, err := tx.Exec(ctx, `UPDATE sandbox_bank_accounts SET balance = balance + $1 WHERE hash = $2`, amount, hash); err != nil {
			return fmt.Errorf("postgres: sandbox post: %w", err)
		}
		e = bank.SandboxEntry{Ref: ref, Hash: hash, Amount: amount, CreatedAt: now.UTC().Truncate(time.Microsecond)}
		if _, err := tx.Exec(ctx, `INSERT INTO sandbox_bank_entries (ref, hash, amount, created_at) VALUES ($1, $2, $3, $4)`,
			ref, hash, amount, e.CreatedAt); err != nil {
			return fmt.Errorf("postgres: sandbox post: %w", err)
		}
		return nil
	})
	if err != nil {
		return bank.SandboxEntry{}, false, err
	}
	return e, replay, nil
}

// ---- in the batch ----

// LockBankOperations returns the operations among ids, locked.
func (b *batchTx) LockBankOperations(ctx context.Context, ids []string) ([]ingot.BankOperation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := collectBankOps(b.tx.Query(ctx, `SELECT `+bankOpCols+` FROM bank_operations
		WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids))
	if err != nil {
		return nil, fmt.Errorf("postgres: lock bank operations: %w", err)
	}
	return out, nil
}

// WalletBankAccounts lists the linked accounts of wallets (whose rows the
// batch has locked, which serializes links and unlinks of one wallet).
func (b *batchTx) WalletBankAccounts(ctx context.Context, wallets []int64) ([]ingot.BankAccount, error) {
	if len(wallets) == 0 {
		return nil, nil
	}
	out, err := collectBankAccounts(b.tx.Query(ctx, `SELECT `+bankAccountCols+` FROM bank_accounts
		WHERE wallet = ANY($1) AND NOT removed ORDER BY id`, wallets))
	if err != nil {
		return nil, fmt.Errorf("postgres: batch wallet bank accounts: %w", err)
	}
	return out, nil
}

// LockReserves returns the existing reserves among keys, locked. They are
// locked after the batch's other accounts (out of id order): a deadlock
// with another process is possible, and the engine retries the batch.
func (b *batchTx) LockReserves(ctx context.Context, keys []store.ReserveKey) ([]ingot.Account, error) {
	var out []ingot.Account
	for _, k := range keys {
		a, err := scanAccount(b.tx.QueryRow(ctx, `SELECT `+accountCols+` FROM accounts
			WHERE kind = 'reserve' AND operator_id = $1 AND currency = $2 FOR UPDATE`, k.OperatorID, k.Currency))
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("postgres: lock reserves: %w", err)
		}
		out = append(out, a)
	}
	return out, nil
}

// WriteBank stores a batch's bank accounts and operations.
func (b *batchTx) WriteBank(ctx context.Context, w *store.BankWrite) error {
	for _, a := range w.NewBankAccounts {
		if _, err := b.tx.Exec(ctx, `INSERT INTO bank_accounts (`+bankAccountCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			a.ID, a.Wallet, a.OperatorID, a.BankCode, a.AccountNumber, a.HolderName, a.NumberHash, a.Currency, a.Removed,
			a.CreatedAt, a.UpdatedAt); err != nil {
			return fmt.Errorf("postgres: write bank account: %w", err)
		}
	}
	for _, a := range w.RemovedBankAccounts {
		if _, err := b.tx.Exec(ctx, `UPDATE bank_accounts SET removed = $1, updated_at = $2 WHERE id = $3`,
			a.Removed, a.UpdatedAt, a.ID); err != nil {
			return fmt.Errorf("postgres: remove bank account: %w", err)
		}
	}
	for i := range w.NewBankOps {
		if err := insertBankOp(ctx, b.tx, &w.NewBankOps[i]); err != nil {
			return fmt.Errorf("postgres: write bank operation: %w", err)
		}
	}
	for _, o := range w.UpdatedBankOps {
		tag, err := b.tx.Exec(ctx, `UPDATE bank_operations SET status = $1, transfer_id = $2, refund_transfer_id = $3,
			last_error = $4, updated_at = $5 WHERE id = $6`, string(o.Status), o.TransferID, o.RefundTransferID, o.LastError, o.UpdatedAt, o.ID)
		if err != nil {
			return fmt.Errorf("postgres: update bank operation: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("postgres: update bank operation %s: %w", o.ID, store.ErrNotFound)
		}
	}
	return nil
}
