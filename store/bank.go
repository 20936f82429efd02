package store

import (
	"context"
	"errors"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Linked bank accounts, bank operations (the durable outbox of top-ups,
// withdrawals, sweeps and pulls) and the sandbox bank's deposit accounts.

// ErrBankInsufficient is returned by SandboxPost when a debit would take a
// sandbox deposit account below zero.
var ErrBankInsufficient = errors.New("store: sandbox account has insufficient funds")

// BankAccount is a bank account linked to a wallet. AccountNumber and
// HolderName are sealed by the service (never stored in clear); NumberHash
// is a keyed hash of bank code and number, to find duplicates.
type BankAccount struct {
	ID            string // UUIDv7
	Wallet        int64
	OperatorID    string
	BankCode      string
	AccountNumber string // sealed
	HolderName    string // sealed
	NumberHash    []byte
	Currency      string
	Removed       bool // unlinked; kept for the operations that name it
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// BankOpKind says what a bank operation does.
type BankOpKind string

const (
	BankTopUp    BankOpKind = "topup"      // bank debited, wallet credited from the reserve
	BankWithdraw BankOpKind = "withdrawal" // wallet debited to the reserve, bank credited
	BankSweep    BankOpKind = "sweep"      // a waterfall's excess: wallet -> reserve, bank credited
	BankPull     BankOpKind = "pull"       // a reverse waterfall's shortfall: as a top-up
)

// Credits reports whether the operation credits the bank (withdrawal,
// sweep); the others debit it.
func (k BankOpKind) Credits() bool { return k == BankWithdraw || k == BankSweep }

// BankOpStatus is a bank operation's state: pending until both sides are
// known, then completed or failed (final).
type BankOpStatus string

const (
	BankPending   BankOpStatus = "pending"
	BankCompleted BankOpStatus = "completed"
	BankFailed    BankOpStatus = "failed"
)

// BankOperation is one movement between a wallet and its linked bank
// account. Its id is the reference of the bank call, so retries are
// idempotent at the bank.
type BankOperation struct {
	ID               string
	OperatorID       string
	Wallet           int64
	BankAccount      string // BankAccount.ID
	Kind             BankOpKind
	Amount           int64
	Currency         string
	Status           BankOpStatus
	TransferID       string // the ledger transfer (top-up, withdrawal, sweep)
	RefundTransferID string // a failed withdrawal's or sweep's refund
	Attempts         int
	LastError        string
	NextAttempt      time.Time // the processor does not look before
	ClaimedUntil     time.Time // a processor holds it until then
	Idem             IdemKey   // the request that made it, if any
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// ReserveKey names an operator's reserve of a currency.
type ReserveKey struct {
	OperatorID string
	Currency   string
}

// SandboxAccount is a deposit account of the built-in sandbox bank. It is
// found by a keyed hash of bank code and number; the holder's name is
// sealed.
type SandboxAccount struct {
	Hash       []byte
	BankCode   string
	HolderName string // sealed
	Currency   string
	Balance    int64
	Closed     bool
	CreatedAt  time.Time
}

// SandboxEntry is one posting to a sandbox account; Ref is unique, which
// makes postings idempotent.
type SandboxEntry struct {
	Ref       string
	Hash      []byte
	Amount    int64 // signed: negative for a debit
	CreatedAt time.Time
}

// BankWrite is what a batch changes of bank accounts and operations.
type BankWrite struct {
	NewBankAccounts     []BankAccount
	RemovedBankAccounts []BankAccount // Removed and UpdatedAt are written
	NewBankOps          []BankOperation
	// UpdatedBankOps have a new Status, TransferID, RefundTransferID,
	// LastError and UpdatedAt.
	UpdatedBankOps []BankOperation
}

// BankStore is the part of Store for bank accounts and operations.
type BankStore interface {
	// BankAccount reads a linked (or unlinked) bank account, or ErrNotFound.
	BankAccount(ctx context.Context, id string) (BankAccount, error)
	// WalletBankAccounts lists a wallet's linked accounts (not removed), by id.
	WalletBankAccounts(ctx context.Context, wallet int64) ([]BankAccount, error)

	// CreateBankOperation stores a new operation, with idem as for
	// CreateAccount: when a record with idem's key exists already, nothing
	// is written and the existing record is returned.
	CreateBankOperation(ctx context.Context, op BankOperation, idem *IdemRecord) (*IdemRecord, error)
	BankOperation(ctx context.Context, id string) (BankOperation, error)
	// BankOperationByIdem finds the operation made by a request, or ErrNotFound.
	BankOperationByIdem(ctx context.Context, k IdemKey) (BankOperation, error)
	// ClaimBankOperations claims up to limit pending operations whose
	// NextAttempt and ClaimedUntil are past: it sets ClaimedUntil to until
	// and counts an attempt, so that another process does not take them
	// meanwhile. Oldest first.
	ClaimBankOperations(ctx context.Context, now, until time.Time, limit int) ([]BankOperation, error)
	// RetryBankOperation records a failed attempt of a pending operation:
	// its error, the time of the next attempt, and releases the claim.
	RetryBankOperation(ctx context.Context, id, lastError string, next time.Time) error

	// The sandbox bank.

	// SandboxOpen opens a deposit account; a taken hash is ErrConflict.
	SandboxOpen(ctx context.Context, a SandboxAccount) error
	SandboxAccount(ctx context.Context, hash []byte) (SandboxAccount, error)
	// SandboxPost posts a signed amount to an account under a unique ref,
	// in one transaction. When ref was posted already, nothing changes and
	// the first entry is returned with replay true. A debit below zero is
	// ErrBankInsufficient; an unknown account ErrNotFound.
	SandboxPost(ctx context.Context, hash []byte, ref string, amount int64, now time.Time) (e SandboxEntry, replay bool, err error)
}

// BankBatchTx is the part of BatchTx for bank accounts and operations.
type BankBatchTx interface {
	// LockBankOperations returns the operations among ids, locked.
	LockBankOperations(ctx context.Context, ids []string) ([]BankOperation, error)
	// WalletBankAccounts lists the linked accounts of wallets (locked
	// already by LockAccounts).
	WalletBankAccounts(ctx context.Context, wallets []int64) ([]BankAccount, error)
	// LockReserves returns the existing reserves among keys, locked.
	LockReserves(ctx context.Context, keys []ReserveKey) ([]ingot.Account, error)
	// WriteBank stores w in the batch's transaction.
	WriteBank(ctx context.Context, w *BankWrite) error
}
