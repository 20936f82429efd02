package ingot

import "time"

// Linked bank accounts and bank operations: the movements between a wallet
// and the holder's account at a commercial bank (top-ups, withdrawals, the
// waterfall's sweeps and the reverse waterfall's pulls).

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
