package store

import (
	"context"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Linked bank accounts and bank operations (the durable outbox of top-ups,
// withdrawals, sweeps and pulls). The sandbox bank's storage is package
// bank's (bank.SandboxStore).

// ReserveKey names an operator's reserve of a currency.
type ReserveKey struct {
	OperatorID string
	Currency   string
}

// BankWrite is what a batch changes of bank accounts and operations.
type BankWrite struct {
	NewBankAccounts     []ingot.BankAccount
	RemovedBankAccounts []ingot.BankAccount // Removed and UpdatedAt are written
	NewBankOps          []ingot.BankOperation
	// UpdatedBankOps have a new Status, TransferID, RefundTransferID,
	// LastError and UpdatedAt.
	UpdatedBankOps []ingot.BankOperation
}

// BankStore is the part of Store for bank accounts and operations.
type BankStore interface {
	// BankAccount reads a linked (or unlinked) bank account, or ErrNotFound.
	BankAccount(ctx context.Context, id string) (ingot.BankAccount, error)
	// WalletBankAccounts lists a wallet's linked accounts (not removed), by id.
	WalletBankAccounts(ctx context.Context, wallet int64) ([]ingot.BankAccount, error)

	// CreateBankOperation stores a new operation, with idem as for
	// CreateAccount: when a record with idem's key exists already, nothing
	// is written and the existing record is returned.
	CreateBankOperation(ctx context.Context, op ingot.BankOperation, idem *IdemRecord) (*IdemRecord, error)
	BankOperation(ctx context.Context, id string) (ingot.BankOperation, error)
	// BankOperationByIdem finds the operation made by a request, or ErrNotFound.
	BankOperationByIdem(ctx context.Context, k ingot.IdemKey) (ingot.BankOperation, error)
	// WalletBankOperations lists a wallet's bank operations newest first
	// (by id: UUIDv7, time-ordered), those with id < before ("": from the
	// newest), at most limit.
	WalletBankOperations(ctx context.Context, wallet int64, before string, limit int) ([]ingot.BankOperation, error)
	// ClaimBankOperations claims up to limit pending operations whose
	// NextAttempt and ClaimedUntil are past: it sets ClaimedUntil to until
	// and counts an attempt, so that another process does not take them
	// meanwhile. Oldest first.
	ClaimBankOperations(ctx context.Context, now, until time.Time, limit int) ([]ingot.BankOperation, error)
	// RetryBankOperation records a failed attempt of a pending operation:
	// its error, the time of the next attempt, and releases the claim.
	RetryBankOperation(ctx context.Context, id, lastError string, next time.Time) error
}

// BankBatchTx is the part of BatchTx for bank accounts and operations.
type BankBatchTx interface {
	// LockBankOperations returns the operations among ids, locked.
	LockBankOperations(ctx context.Context, ids []string) ([]ingot.BankOperation, error)
	// WalletBankAccounts lists the linked accounts of wallets (locked
	// already by LockAccounts).
	WalletBankAccounts(ctx context.Context, wallets []int64) ([]ingot.BankAccount, error)
	// LockReserves returns the existing reserves among keys, locked.
	LockReserves(ctx context.Context, keys []ReserveKey) ([]ingot.Account, error)
	// WriteBank stores w in the batch's transaction.
	WriteBank(ctx context.Context, w *BankWrite) error
}
